// People-facing text in German and English from one message catalog (ICU resource bundles,
// common/i18n/{de,en}.txt, compiled into the binary), and numbers, money and dates in the
// reader's locale: 31.12.2026 and 2.808,00 € in German, 12/31/2026 and €2,808.00 in English.
//
// Messages with arguments are ICU MessageFormat patterns with named arguments
// ("{count, plural, one {# Lizenz} other {# Lizenzen}}"): whole sentences live in the catalog,
// never assembled from fragments in code. Machine formats (JSON, CSV, the API) do not use this.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace bestand {

enum class Lang { kDe, kEn };

// "de" or "en".
absl::string_view LangCode(Lang lang);
// The best of German and English for an Accept-Language header ("en-US,en;q=0.9,de;q=0.8");
// German when the header names neither.
Lang LangFromAcceptLanguage(absl::string_view header);
// "de", "de-DE", "en", "en_GB.UTF-8", ...; nullopt-like: false when `text` names neither.
bool ParseLang(absl::string_view text, Lang* out);

// A named argument of a message: text or an integer (plural rules apply to integers).
struct MessageArg {
  absl::string_view name;
  std::variant<std::string, int64_t> value;
};

// The catalog of one language with the formatters of its locale. Not thread-safe (ICU's
// formatters are not): one per request or thread; cheap to create.
class Messages {
 public:
  explicit Messages(Lang lang);
  ~Messages();
  Messages(const Messages&) = delete;
  Messages& operator=(const Messages&) = delete;

  Lang lang() const { return lang_; }
  // The text under `key`; the key itself, in brackets, when the catalog lacks it (a test
  // checks that both languages have every key).
  const std::string& Text(absl::string_view key) const;
  // The pattern under `key` with `args` filled in.
  std::string Format(absl::string_view key, const std::vector<MessageArg>& args) const;
  // Exact amounts: `minor` units of `currency` (ISO 4217), with the currency's symbol.
  std::string Money(int64_t minor, absl::string_view currency) const;
  std::string Number(int64_t n) const;
  // "Teams, Webex und Zoom" / "Teams, Webex, and Zoom".
  std::string List(const std::vector<std::string>& items) const;
  // 31.12.2026 / 12/31/2026.
  std::string Date(absl::CivilDay day) const;
  // "Januar 2027" / "January 2027".
  std::string Month(absl::CivilMonth month) const;
  // 31.12.2026, 14:05 in the company's time zone (Europe/Berlin).
  std::string DateTime(absl::Time t) const;
  // Every plain text of the catalog by key, for templates.
  const std::map<std::string, std::string>& All() const;

 private:
  struct Formatters;
  Lang lang_;
  std::unique_ptr<Formatters> formatters_;
};

// Every key of each language's catalog, for the completeness test.
std::vector<std::string> CatalogKeys(Lang lang);

}  // namespace bestand
