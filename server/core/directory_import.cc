// Imports of the user exports of Microsoft 365 and Google Workspace: people, accounts, license
// seats, last activity and MFA, in one transaction, matched to what is stored so that importing
// the same file again changes nothing.
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "bestand/v1/inventory.pb.h"
#include "common/csv.h"
#include "common/proto_text.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "google/protobuf/field_mask.pb.h"
#include "server/core/inventory.h"

namespace bestand {
namespace {

using google::protobuf::Message;

struct Format {
  absl::string_view name;
  absl::string_view application;  // the application the accounts live in
  absl::string_view key_column;   // the user's email / principal name
  std::vector<absl::string_view> required;
  bool users;  // a user list (missing accounts are reported), not an activity report
};

const Format kFormats[] = {
    {"m365-users",
     "Microsoft 365",
     "User principal name",
     {"User principal name", "Display name"},
     true},
    {"m365-activity", "Microsoft 365", "User Principal Name", {"User Principal Name"}, false},
    {"google-users",
     "Google Workspace",
     "Email Address [Required]",
     {"Email Address [Required]", "First Name [Required]", "Last Name [Required]"},
     true},
};

// One import's transaction and what it did.
class Importer {
 public:
  Importer(WriteTx& tx, absl::string_view actor, const Inventory::ChangeHook& hook)
      : tx_(tx), actor_(actor), hook_(hook) {}

  // Creates or updates `want` (of `kind`, found by `id` when non-zero) with the fields in
  // `fields`; returns its id. Counts a change in `changed`.
  template <typename M>
  absl::StatusOr<int64_t> Upsert(Kind kind, int64_t id, M want,
                                 const std::vector<std::string>& fields, bool* changed) {
    if (id == 0) {
      BESTAND_ASSIGN_OR_RETURN(id, CreateInTx(tx_, actor_, Spec(kind), &want));
      *changed = true;
    } else if (fields.empty()) {
      return id;  // nothing to compare
    } else {
      google::protobuf::FieldMask mask;
      for (const std::string& f : fields) mask.add_paths(f);
      M after;
      BESTAND_ASSIGN_OR_RETURN(bool updated,
                               UpdateInTx(tx_, actor_, Spec(kind), id, want, mask, &after));
      if (!updated) return id;
      *changed = true;
    }
    if (hook_) BESTAND_RETURN_IF_ERROR(hook_(tx_, actor_, kind, id));
    return id;
  }

  absl::StatusOr<int64_t> Find(Kind kind, std::vector<FieldEquals> key) {
    BESTAND_ASSIGN_OR_RETURN(std::optional<int64_t> id, tx_.FindId(kind, std::move(key)));
    return id.value_or(0);
  }

  WriteTx& tx() { return tx_; }

 private:
  WriteTx& tx_;
  std::string actor_;
  const Inventory::ChangeHook& hook_;
};

bool Truthy(absl::string_view v) {
  std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(v));
  return t == "true" || t == "yes" || t == "1" || t == "ja" || t == "wahr";
}

// "2024-05-12", "2024/05/12 10:31:22", "5/12/2024" (M/D/Y as the US admin centers write) or
// empty / "Never logged in": the day, if any.
std::optional<absl::CivilDay> ActivityDay(absl::string_view v) {
  v = absl::StripAsciiWhitespace(v);
  if (v.empty()) return std::nullopt;
  std::string date(v.substr(0, v.find_first_of(" T")));
  std::vector<std::string> parts = absl::StrSplit(date, absl::ByAnyChar("-/."));
  int a = 0, b = 0, c = 0;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &a) || !absl::SimpleAtoi(parts[1], &b) ||
      !absl::SimpleAtoi(parts[2], &c)) {
    return std::nullopt;
  }
  absl::CivilDay day = a > 31 ? absl::CivilDay(a, b, c) : absl::CivilDay(c, a, b);
  if (day.year() < 1990 || day.year() > 9999) return std::nullopt;
  return day;
}

}  // namespace

bool IsDirectoryFormat(absl::string_view format) {
  for (const Format& f : kFormats) {
    if (f.name == format) return true;
  }
  return false;
}

absl::StatusOr<ImportResult> ImportDirectoryCsv(Store* store, const Inventory::ChangeHook& hook,
                                                absl::string_view actor, absl::string_view format,
                                                absl::string_view content, bool dry_run,
                                                bool mark_missing_deleted) {
  const Format* fmt = nullptr;
  for (const Format& f : kFormats) {
    if (f.name == format) fmt = &f;
  }
  if (fmt == nullptr) return absl::InvalidArgumentError("not a directory export format");
  if (content.size() > kMaxImportBytes) {
    return FieldError(absl::StatusCode::kInvalidArgument, "content",
                      absl::StrCat("the file has ", content.size(), " bytes; at most ",
                                   kMaxImportBytes, " are allowed"));
  }
  BESTAND_ASSIGN_OR_RETURN(CsvTable table,
                           ParseCsv(content, CsvLimits{.max_rows = kMaxImportRows}));
  // Columns as exported, compared without case, spaces and punctuation; unknown ones ignored.
  std::map<std::string, size_t> columns;
  for (size_t c = 0; c < table.header.fields.size(); ++c) {
    columns.emplace(CompactName(table.header.fields[c]), c);
  }
  for (absl::string_view required : fmt->required) {
    if (!columns.count(CompactName(required))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line 1: the column '", required, "' is missing; is this a ", fmt->name, " export?"));
    }
  }
  auto cell = [&](const CsvRow& row, absl::string_view column) -> std::string {
    auto it = columns.find(CompactName(column));
    return it == columns.end() ? ""
                               : std::string(absl::StripAsciiWhitespace(row.fields[it->second]));
  };
  auto at = [](const CsvRow& row, absl::string_view column, const absl::Status& s) {
    return absl::Status(s.code(),
                        absl::StrCat("line ", row.line, ", column '", column, "': ", s.message()));
  };
  // The admin center conceals user names in usage reports by default: hashes stand where the
  // user principal names should be, and nothing in the file can be matched to anyone.
  for (const CsvRow& row : table.rows) {
    const std::string user = cell(row, fmt->key_column);
    if (user.empty() || absl::StrContains(user, '@')) continue;
    if (user.size() >= 16 &&
        user.find_first_not_of("0123456789ABCDEFabcdef") == std::string::npos) {
      return absl::FailedPreconditionError(absl::StrCat(
          "line ", row.line, ", column '", fmt->key_column, "': '", user,
          "' is a concealed user name: Microsoft 365 shows hashes instead of user principal "
          "names in its reports by default. Turn that off (Microsoft 365 admin center: Settings "
          "> Org settings > Services > Reports > clear 'Display concealed user, group, and site "
          "names in all reports'), download the report again and import that file; nothing was "
          "imported"));
    }
    return at(row, fmt->key_column,
              absl::InvalidArgumentError(
                  absl::StrCat("'", user, "' is not a user principal name (an email)")));
  }

  BESTAND_ASSIGN_OR_RETURN(auto tx, store->BeginWrite());
  Importer imp(*tx, actor, hook);
  ImportResult result;
  bool app_changed = false;
  v1::Application app_want;
  app_want.set_display_name(std::string(fmt->application));
  app_want.set_category("Productivity");
  BESTAND_ASSIGN_OR_RETURN(
      int64_t app_id, imp.Find(Kind::kApplication, {{"display_name", app_want.display_name()}}));
  if (app_id == 0) {
    BESTAND_ASSIGN_OR_RETURN(app_id, imp.Upsert(Kind::kApplication, 0, app_want, {}, &app_changed));
  }
  const std::string app_name = absl::StrCat("applications/", app_id);

  // Seats per license in this file: a license created here gets that many.
  std::map<std::string, int> holders;
  if (fmt->name == "m365-users") {
    for (const CsvRow& row : table.rows) {
      for (absl::string_view sku : absl::StrSplit(cell(row, "Licenses"), '+')) {
        sku = absl::StripAsciiWhitespace(sku);
        if (!sku.empty() && !absl::EqualsIgnoreCase(sku, "Unlicensed")) ++holders[std::string(sku)];
      }
    }
  }

  std::set<std::string> seen;                             // usernames in the file
  std::vector<std::pair<int64_t, std::string>> managers;  // (person, manager email), resolved last
  for (const CsvRow& row : table.rows) {
    ++result.rows;
    const std::string user = absl::AsciiStrToLower(cell(row, fmt->key_column));
    if (user.empty()) {
      return at(row, fmt->key_column, absl::InvalidArgumentError("is empty"));
    }
    if (!seen.insert(user).second) {
      return at(row, fmt->key_column, absl::InvalidArgumentError("appears twice in the file"));
    }
    bool changed = false;
    BESTAND_ASSIGN_OR_RETURN(int64_t account_id, imp.Find(Kind::kAccount, {{"application", app_id},
                                                                           {"username", user}}));
    if (!fmt->users) {  // the activity report: last activity of known accounts only
      std::optional<absl::CivilDay> last;
      for (const auto& [name, c] : columns) {
        if (!absl::EndsWith(name, "lastactivitydate")) continue;
        std::optional<absl::CivilDay> d = ActivityDay(row.fields[c]);
        if (d && (!last || *d > *last)) last = d;
      }
      if (account_id == 0) {
        result.missing.push_back(user + " (no account; import m365-users first)");
        ++result.unchanged;
        continue;
      }
      if (last) {
        v1::Account a;
        BESTAND_RETURN_IF_ERROR(tx->Get(Kind::kAccount, account_id, &a).status());
        const int64_t micros = absl::ToUnixMicros(absl::FromCivil(*last, absl::UTCTimeZone()));
        if (!a.has_last_activity_time() || ToMicros(a.last_activity_time()) < micros) {
          *a.mutable_last_activity_time() = FromMicros(micros);
          absl::StatusOr<int64_t> s =
              imp.Upsert(Kind::kAccount, account_id, a, {"last_activity_time"}, &changed);
          if (!s.ok()) return at(row, fmt->key_column, s.status());
        }
      }
      ++(changed ? result.updated : result.unchanged);
      continue;
    }

    // A person per user, by email.
    v1::Person person;
    person.set_email(user);
    std::vector<std::string> person_fields;
    auto set = [&](const std::string& value, const char* field, std::string* target) {
      if (value.empty()) return;
      *target = value;
      person_fields.push_back(field);
    };
    bool active = true, mfa = false;
    std::optional<absl::CivilDay> last_sign_in;
    std::string external_id;
    if (fmt->name == "m365-users") {
      set(cell(row, "Display name"), "display_name", person.mutable_display_name());
      set(cell(row, "Department"), "department", person.mutable_department());
      set(cell(row, "Title"), "job_title", person.mutable_job_title());
      active = !Truthy(cell(row, "Block credential"));
      external_id = cell(row, "Object Id");
    } else {
      set(absl::StrCat(cell(row, "First Name [Required]"), " ", cell(row, "Last Name [Required]")),
          "display_name", person.mutable_display_name());
      set(cell(row, "Department"), "department", person.mutable_department());
      set(cell(row, "Cost Center"), "cost_center", person.mutable_cost_center());
      set(cell(row, "Employee Title"), "job_title", person.mutable_job_title());
      active = !absl::EqualsIgnoreCase(cell(row, "Status [READ ONLY]"), "Suspended");
      mfa = Truthy(cell(row, "2sv Enrolled [READ ONLY]"));
      last_sign_in = ActivityDay(cell(row, "Last Sign In [READ ONLY]"));
      external_id = cell(row, "Employee ID");
      const std::string manager = absl::AsciiStrToLower(cell(row, "Manager Email"));
      if (!manager.empty()) managers.emplace_back(0, manager);
    }
    if (person.display_name().empty()) person.set_display_name(user);
    BESTAND_ASSIGN_OR_RETURN(int64_t person_id, imp.Find(Kind::kPerson, {{"email", user}}));
    absl::StatusOr<int64_t> pid =
        imp.Upsert(Kind::kPerson, person_id, person, person_fields, &changed);
    if (!pid.ok()) return at(row, fmt->key_column, pid.status());
    if (!managers.empty() && managers.back().first == 0) managers.back().first = *pid;

    v1::Account account;
    account.set_application(app_name);
    account.set_username(user);
    account.set_person(absl::StrCat("people/", *pid));
    account.set_status(active ? v1::Account::ACTIVE : v1::Account::DISABLED);
    std::vector<std::string> account_fields = {"person", "status"};
    if (!external_id.empty()) {
      account.set_external_id(external_id);
      account_fields.push_back("external_id");
    }
    if (fmt->name == "google-users") {
      account.set_mfa_enabled(mfa);
      account_fields.push_back("mfa_enabled");
      if (last_sign_in) {
        *account.mutable_last_activity_time() =
            FromMicros(absl::ToUnixMicros(absl::FromCivil(*last_sign_in, absl::UTCTimeZone())));
        account_fields.push_back("last_activity_time");
      }
    }
    absl::StatusOr<int64_t> aid =
        imp.Upsert(Kind::kAccount, account_id, account, account_fields, &changed);
    if (!aid.ok()) return at(row, fmt->key_column, aid.status());

    // Microsoft 365: a seat of each SKU the user holds.
    for (absl::string_view sku : absl::StrSplit(cell(row, "Licenses"), '+')) {
      sku = absl::StripAsciiWhitespace(sku);
      if (fmt->name != "m365-users" || sku.empty() || absl::EqualsIgnoreCase(sku, "Unlicensed")) {
        continue;
      }
      BESTAND_ASSIGN_OR_RETURN(int64_t license_id,
                               imp.Find(Kind::kLicense, {{"display_name", std::string(sku)}}));
      if (license_id == 0) {
        v1::License l;
        l.set_display_name(std::string(sku));
        l.set_application(app_name);
        l.set_seats(holders[std::string(sku)]);  // what the file shows; the coordinator corrects
        absl::StatusOr<int64_t> lid = imp.Upsert(Kind::kLicense, 0, l, {}, &changed);
        if (!lid.ok()) return at(row, "Licenses", lid.status());
        license_id = *lid;
      }
      BESTAND_ASSIGN_OR_RETURN(int64_t seat, imp.Find(Kind::kLicenseAssignment,
                                                      {{"license", license_id}, {"person", *pid}}));
      if (seat == 0) {
        v1::LicenseAssignment a;
        a.set_license(absl::StrCat("licenses/", license_id));
        a.set_person(absl::StrCat("people/", *pid));
        absl::StatusOr<int64_t> s = imp.Upsert(Kind::kLicenseAssignment, 0, a, {}, &changed);
        if (!s.ok()) return at(row, "Licenses", s.status());
      }
    }
    if (account_id == 0 && person_id == 0) {
      ++result.created;
    } else {
      ++(changed ? result.updated : result.unchanged);
    }
  }
  // Managers once everybody in the file exists.
  for (const auto& [person_id, manager] : managers) {
    absl::StatusOr<int64_t> m = imp.Find(Kind::kPerson, {{"email", manager}});
    if (!m.ok() || *m == 0 || *m == person_id) continue;  // not in Bestand: left as it is
    v1::Person p;
    p.set_manager(absl::StrCat("people/", *m));
    bool changed = false;
    BESTAND_RETURN_IF_ERROR(
        imp.Upsert(Kind::kPerson, person_id, p, {"manager"}, &changed).status());
  }
  // Accounts of the application that the export no longer lists: reported, never removed.
  if (fmt->users) {
    ListQuery q;
    q.equals = {{"application", app_id}};
    std::vector<v1::Account> gone;
    BESTAND_RETURN_IF_ERROR(tx->List(Kind::kAccount, q, [&](int64_t, const Message& m) {
      const auto& a = static_cast<const v1::Account&>(m);
      if (!seen.count(absl::AsciiStrToLower(a.username())) && a.status() != v1::Account::DELETED) {
        gone.push_back(a);
      }
      return absl::OkStatus();
    }));
    for (v1::Account& a : gone) {
      result.missing.push_back(a.username());
      if (!mark_missing_deleted) continue;
      a.set_status(v1::Account::DELETED);
      bool changed = false;
      BESTAND_RETURN_IF_ERROR(
          imp.Upsert(Kind::kAccount, IdOf(a.name()), a, {"status"}, &changed).status());
      ++result.deleted;
    }
  }
  if (!dry_run) BESTAND_RETURN_IF_ERROR(tx->Commit());
  return result;
}

}  // namespace bestand
