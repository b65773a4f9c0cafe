#include "common/i18n/catalog.h"

#include <unicode/datefmt.h>
#include <unicode/listformatter.h>
#include <unicode/msgfmt.h>
#include <unicode/numberformatter.h>
#include <unicode/resbund.h>
#include <unicode/timezone.h>
#include <unicode/udata.h>

#include <cstdio>
#include <cstdlib>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/money.h"

namespace bestand {

// The compiled catalog (an ICU data package), embedded by cmake/embed.cmake.
absl::string_view CatalogPackage(absl::string_view name);

namespace {

std::string Utf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

// ICU separates amount and symbol with a no-break space (U+00A0, U+202F); plain spaces keep
// the text searchable and copyable. Pages keep amounts on one line by style instead.
std::string PlainSpaces(std::string s) {
  return absl::StrReplaceAll(s, {{"\xC2\xA0", " "}, {"\xE2\x80\xAF", " "}});
}

const char* LocaleId(Lang lang) { return lang == Lang::kDe ? "de_DE" : "en_US"; }

struct Catalog {
  std::map<std::string, std::string> texts[2];
};

const Catalog& TheCatalog() {
  static const Catalog* catalog = [] {
    auto* c = new Catalog();
    absl::string_view package = CatalogPackage("bestand.dat");
    UErrorCode status = U_ZERO_ERROR;
    udata_setAppData("bestand", package.data(), &status);
    if (U_FAILURE(status)) {
      std::fprintf(stderr, "bestand: the message catalog does not load: %s\n", u_errorName(status));
      std::abort();
    }
    for (Lang lang : {Lang::kDe, Lang::kEn}) {
      status = U_ZERO_ERROR;
      icu::ResourceBundle bundle("bestand", icu::Locale(std::string(LangCode(lang)).c_str()),
                                 status);
      if (U_FAILURE(status)) {
        std::fprintf(stderr, "bestand: the %s message catalog does not load: %s\n",
                     std::string(LangCode(lang)).c_str(), u_errorName(status));
        std::abort();
      }
      auto& texts = c->texts[static_cast<int>(lang)];
      bundle.resetIterator();
      while (bundle.hasNext()) {
        icu::ResourceBundle item = bundle.getNext(status);
        if (U_FAILURE(status)) break;
        if (item.getType() != URES_STRING) continue;
        texts[item.getKey()] = Utf8(item.getString(status));
      }
    }
    return c;
  }();
  return *catalog;
}

UDate MillisOf(absl::Time t) { return static_cast<UDate>(absl::ToUnixMillis(t)); }

}  // namespace

absl::string_view LangCode(Lang lang) { return lang == Lang::kDe ? "de" : "en"; }

bool ParseLang(absl::string_view text, Lang* out) {
  std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  absl::string_view primary = lower;
  primary = primary.substr(0, primary.find_first_of("-_.@"));
  if (primary == "de") {
    *out = Lang::kDe;
  } else if (primary == "en") {
    *out = Lang::kEn;
  } else {
    return false;
  }
  return true;
}

Lang LangFromAcceptLanguage(absl::string_view header) {
  // Each entry is "tag" or "tag;q=0.8"; the highest quality among de and en wins, the first
  // named on a tie.
  std::optional<Lang> best;
  double best_q = 0;
  for (absl::string_view entry : absl::StrSplit(header.substr(0, 1024), ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(entry, ';');
    Lang lang;
    if (!ParseLang(parts[0], &lang)) continue;
    double q = 1;
    for (size_t i = 1; i < parts.size(); ++i) {
      absl::string_view p = absl::StripAsciiWhitespace(parts[i]);
      if (absl::ConsumePrefix(&p, "q=") && !absl::SimpleAtod(p, &q)) q = 0;
    }
    if (q > best_q) {
      best = lang;
      best_q = q;
    }
  }
  return best.value_or(Lang::kDe);
}

struct Messages::Formatters {
  icu::Locale locale;
  std::map<std::string, icu::number::LocalizedNumberFormatter> money;
  std::optional<icu::number::LocalizedNumberFormatter> number;
  std::unique_ptr<icu::DateFormat> date;
  std::unique_ptr<icu::DateFormat> month;
  std::unique_ptr<icu::DateFormat> date_time;
};

Messages::Messages(Lang lang) : lang_(lang), formatters_(std::make_unique<Formatters>()) {
  formatters_->locale = icu::Locale(LocaleId(lang));
}

Messages::~Messages() = default;

const std::map<std::string, std::string>& Messages::All() const {
  return TheCatalog().texts[static_cast<int>(lang_)];
}

const std::string& Messages::Text(absl::string_view key) const {
  const auto& texts = All();
  auto it = texts.find(std::string(key));
  if (it != texts.end()) return it->second;
  static thread_local std::string missing;
  missing = absl::StrCat("[", key, "]");
  return missing;
}

std::string Messages::Format(absl::string_view key, const std::vector<MessageArg>& args) const {
  UErrorCode status = U_ZERO_ERROR;
  icu::MessageFormat format(icu::UnicodeString::fromUTF8(Text(key)), formatters_->locale, status);
  if (U_FAILURE(status)) return absl::StrCat("[", key, ": ", u_errorName(status), "]");
  std::vector<icu::UnicodeString> names;
  std::vector<icu::Formattable> values;
  for (const MessageArg& a : args) {
    names.push_back(icu::UnicodeString::fromUTF8(
        icu::StringPiece(a.name.data(), static_cast<int32_t>(a.name.size()))));
    if (const auto* text = std::get_if<std::string>(&a.value)) {
      values.emplace_back(icu::UnicodeString::fromUTF8(*text));
    } else {
      values.emplace_back(static_cast<int64_t>(std::get<int64_t>(a.value)));
    }
  }
  icu::UnicodeString out;
  format.format(names.data(), values.data(), static_cast<int32_t>(names.size()), out, status);
  if (U_FAILURE(status)) return absl::StrCat("[", key, ": ", u_errorName(status), "]");
  return PlainSpaces(Utf8(out));
}

std::string Messages::Money(int64_t minor, absl::string_view currency) const {
  // The amount as an exact decimal ("-2808.00"), so ICU never sees a binary fraction.
  std::string plain = FormatMoney(minor, currency);
  std::string decimal = plain.substr(0, plain.find(' '));
  auto it = formatters_->money.find(std::string(currency));
  if (it == formatters_->money.end()) {
    UErrorCode status = U_ZERO_ERROR;
    const std::string code(currency);
    icu::CurrencyUnit unit(icu::StringPiece(code.data(), static_cast<int32_t>(code.size())),
                           status);
    if (U_FAILURE(status) || currency.size() != 3) return plain;
    it = formatters_->money
             .emplace(std::string(currency),
                      icu::number::NumberFormatter::withLocale(formatters_->locale).unit(unit))
             .first;
  }
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString out = it->second.formatDecimal(decimal, status).toString(status);
  if (U_FAILURE(status)) return plain;
  return PlainSpaces(Utf8(out));
}

std::string Messages::Number(int64_t n) const {
  if (!formatters_->number) {
    formatters_->number = icu::number::NumberFormatter::withLocale(formatters_->locale);
  }
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString out = formatters_->number->formatInt(n, status).toString(status);
  if (U_FAILURE(status)) return absl::StrCat(n);
  return PlainSpaces(Utf8(out));
}

std::string Messages::List(const std::vector<std::string>& items) const {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::ListFormatter> format(
      icu::ListFormatter::createInstance(formatters_->locale, status));
  std::vector<icu::UnicodeString> parts;
  for (const std::string& item : items) parts.push_back(icu::UnicodeString::fromUTF8(item));
  icu::UnicodeString out;
  if (U_SUCCESS(status)) {
    format->format(parts.data(), static_cast<int32_t>(parts.size()), out, status);
  }
  if (U_FAILURE(status)) {
    std::string joined;
    for (const std::string& item : items)
      absl::StrAppend(&joined, joined.empty() ? "" : ", ", item);
    return joined;
  }
  return Utf8(out);
}

namespace {

// `t` in the form of `skeleton` ("yMMdd") in `zone`, the formatter made on first use into `f`;
// nullopt when ICU cannot make it.
std::optional<std::string> FormatTime(std::unique_ptr<icu::DateFormat>& f,
                                      const icu::Locale& locale, const char16_t* skeleton,
                                      const char16_t* zone, absl::Time t) {
  if (!f) {
    UErrorCode status = U_ZERO_ERROR;
    f.reset(icu::DateFormat::createInstanceForSkeleton(skeleton, locale, status));
    if (U_FAILURE(status) || !f) {
      f.reset();
      return std::nullopt;
    }
    f->adoptTimeZone(icu::TimeZone::createTimeZone(zone));
  }
  icu::UnicodeString out;
  f->format(MillisOf(t), out);
  return PlainSpaces(Utf8(out));
}

}  // namespace

std::string Messages::Date(absl::CivilDay day) const {
  return FormatTime(formatters_->date, formatters_->locale, u"yMMdd", u"UTC",
                    absl::FromCivil(day, absl::UTCTimeZone()))
      .value_or(absl::FormatCivilTime(day));
}

std::string Messages::Month(absl::CivilMonth month) const {
  return FormatTime(formatters_->month, formatters_->locale, u"yMMMM", u"UTC",
                    absl::FromCivil(month, absl::UTCTimeZone()))
      .value_or(absl::FormatCivilTime(month));
}

std::string Messages::DateTime(absl::Time t) const {
  return FormatTime(formatters_->date_time, formatters_->locale, u"yMMddHHmm", u"Europe/Berlin", t)
      .value_or(absl::FormatTime("%Y-%m-%d %H:%M UTC", t, absl::UTCTimeZone()));
}

std::vector<std::string> CatalogKeys(Lang lang) {
  std::vector<std::string> keys;
  for (const auto& [key, text] : TheCatalog().texts[static_cast<int>(lang)]) keys.push_back(key);
  return keys;
}

}  // namespace bestand
