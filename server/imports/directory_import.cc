#include "server/imports/directory_import.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "bestand/v1/inventory.pb.h"
#include "common/csv.h"
#include "common/proto_text.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "google/protobuf/field_mask.pb.h"

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

google::protobuf::Timestamp StartOf(absl::CivilDay day) {
  return FromMicros(absl::ToUnixMicros(absl::FromCivil(day, absl::UTCTimeZone())));
}

// An export as read: its rows and where each column is.
class Export {
 public:
  // INVALID_ARGUMENT naming what is wrong with the file; FAILED_PRECONDITION for concealed names.
  static absl::StatusOr<Export> Read(const Format& fmt, absl::string_view content) {
    if (content.size() > kMaxImportBytes) {
      return FieldError(absl::StatusCode::kInvalidArgument, "content",
                        absl::StrCat("the file has ", content.size(), " bytes; at most ",
                                     kMaxImportBytes, " are allowed"));
    }
    Export e(fmt);
    BESTAND_ASSIGN_OR_RETURN(e.table_, ParseCsv(content, CsvLimits{.max_rows = kMaxImportRows}));
    // Columns as exported, compared without case, spaces and punctuation; unknown ones ignored.
    for (size_t c = 0; c < e.table_.header.fields.size(); ++c) {
      e.columns_.emplace(CompactName(e.table_.header.fields[c]), c);
    }
    for (absl::string_view required : fmt.required) {
      if (!e.columns_.count(CompactName(required))) {
        return absl::InvalidArgumentError(absl::StrCat(
            "line 1: the column '", required, "' is missing; is this a ", fmt.name, " export?"));
      }
    }
    BESTAND_RETURN_IF_ERROR(e.CheckUserNames());
    return e;
  }

  const Format& format() const { return *fmt_; }
  const std::vector<CsvRow>& rows() const { return table_.rows; }
  const std::map<std::string, size_t>& columns() const { return columns_; }

  // The cell of `column` in `row`, trimmed; "" when the file has no such column.
  std::string Cell(const CsvRow& row, absl::string_view column) const {
    auto it = columns_.find(CompactName(column));
    return it == columns_.end() ? ""
                                : std::string(absl::StripAsciiWhitespace(row.fields[it->second]));
  }
  // The user a row is about, lower case.
  std::string User(const CsvRow& row) const {
    return absl::AsciiStrToLower(Cell(row, fmt_->key_column));
  }

 private:
  explicit Export(const Format& fmt) : fmt_(&fmt) {}

  // The admin center conceals user names in usage reports by default: hashes stand where the
  // user principal names should be, and nothing in the file can be matched to anyone.
  absl::Status CheckUserNames() const {
    for (const CsvRow& row : table_.rows) {
      const std::string user = Cell(row, fmt_->key_column);
      if (user.empty() || absl::StrContains(user, '@')) continue;
      if (user.size() >= 16 &&
          user.find_first_not_of("0123456789ABCDEFabcdef") == std::string::npos) {
        return absl::FailedPreconditionError(absl::StrCat(
            "line ", row.line, ", column '", fmt_->key_column, "': '", user,
            "' is a concealed user name: Microsoft 365 shows hashes instead of user principal "
            "names in its reports by default. Turn that off (Microsoft 365 admin center: "
            "Settings > Org settings > Services > Reports > clear 'Display concealed user, "
            "group, and site names in all reports'), download the report again and import that "
            "file; nothing was imported"));
      }
      return At(row, fmt_->key_column,
                absl::InvalidArgumentError(
                    absl::StrCat("'", user, "' is not a user principal name (an email)")));
    }
    return absl::OkStatus();
  }

  const Format* fmt_;
  CsvTable table_;
  std::map<std::string, size_t> columns_;

 public:
  // `s` as the error of `column` in `row`: "line L, column 'C': ...".
  static absl::Status At(const CsvRow& row, absl::string_view column, const absl::Status& s) {
    return absl::Status(s.code(),
                        absl::StrCat("line ", row.line, ", column '", column, "': ", s.message()));
  }
};

// One import's transaction and what it did.
class Import {
 public:
  Import(WriteTx& tx, absl::string_view actor, const Inventory::ChangeHook& hook, const Export& e)
      : tx_(tx), actor_(actor), hook_(hook), export_(e), fmt_(e.format()) {}

  absl::Status Run(bool mark_missing_deleted) {
    BESTAND_RETURN_IF_ERROR(EnsureApplication());
    CountSeats();
    for (const CsvRow& row : export_.rows()) BESTAND_RETURN_IF_ERROR(Row(row));
    BESTAND_RETURN_IF_ERROR(SetManagers());
    if (fmt_.users) BESTAND_RETURN_IF_ERROR(ReportMissing(mark_missing_deleted));
    return absl::OkStatus();
  }

  ImportResult& result() { return result_; }

 private:
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

  // The application the accounts live in, created when missing.
  absl::Status EnsureApplication() {
    v1::Application want;
    want.set_display_name(std::string(fmt_.application));
    want.set_category("Productivity");
    BESTAND_ASSIGN_OR_RETURN(app_id_,
                             Find(Kind::kApplication, {{"display_name", want.display_name()}}));
    bool changed = false;
    if (app_id_ == 0) {
      BESTAND_ASSIGN_OR_RETURN(app_id_, Upsert(Kind::kApplication, 0, want, {}, &changed));
    }
    app_name_ = absl::StrCat("applications/", app_id_);
    return absl::OkStatus();
  }

  // The Microsoft 365 SKUs of a row, "Unlicensed" left out.
  std::vector<std::string> Skus(const CsvRow& row) const {
    std::vector<std::string> out;
    if (fmt_.name != "m365-users") return out;
    for (absl::string_view sku : absl::StrSplit(export_.Cell(row, "Licenses"), '+')) {
      sku = absl::StripAsciiWhitespace(sku);
      if (!sku.empty() && !absl::EqualsIgnoreCase(sku, "Unlicensed")) out.emplace_back(sku);
    }
    return out;
  }

  // Seats per license in this file: a license created here gets that many.
  void CountSeats() {
    for (const CsvRow& row : export_.rows()) {
      for (const std::string& sku : Skus(row)) ++holders_[sku];
    }
  }

  absl::Status Row(const CsvRow& row) {
    ++result_.rows;
    const std::string user = export_.User(row);
    if (user.empty()) {
      return Export::At(row, fmt_.key_column, absl::InvalidArgumentError("is empty"));
    }
    if (!seen_.insert(user).second) {
      return Export::At(row, fmt_.key_column,
                        absl::InvalidArgumentError("appears twice in the file"));
    }
    BESTAND_ASSIGN_OR_RETURN(int64_t account_id,
                             Find(Kind::kAccount, {{"application", app_id_}, {"username", user}}));
    return fmt_.users ? UserRow(row, user, account_id) : ActivityRow(row, user, account_id);
  }

  // The activity report: the last activity of known accounts only.
  absl::Status ActivityRow(const CsvRow& row, const std::string& user, int64_t account_id) {
    std::optional<absl::CivilDay> last;
    for (const auto& [name, c] : export_.columns()) {
      if (!absl::EndsWith(name, "lastactivitydate")) continue;
      std::optional<absl::CivilDay> d = ActivityDay(row.fields[c]);
      if (d && (!last || *d > *last)) last = d;
    }
    if (account_id == 0) {
      result_.missing.push_back(user + " (no account; import m365-users first)");
      ++result_.unchanged;
      return absl::OkStatus();
    }
    bool changed = false;
    if (last) {
      v1::Account a;
      BESTAND_RETURN_IF_ERROR(tx_.Get(Kind::kAccount, account_id, &a).status());
      const google::protobuf::Timestamp day = StartOf(*last);
      if (!a.has_last_activity_time() || ToMicros(a.last_activity_time()) < ToMicros(day)) {
        *a.mutable_last_activity_time() = day;
        absl::StatusOr<int64_t> s =
            Upsert(Kind::kAccount, account_id, a, {"last_activity_time"}, &changed);
        if (!s.ok()) return Export::At(row, fmt_.key_column, s.status());
      }
    }
    ++(changed ? result_.updated : result_.unchanged);
    return absl::OkStatus();
  }

  // What a user list says of a user.
  struct User {
    v1::Person person;
    std::vector<std::string> person_fields;
    bool active = true, mfa = false;
    std::optional<absl::CivilDay> last_sign_in;
    std::string external_id, manager;
  };

  User ReadUser(const CsvRow& row, const std::string& email) const {
    User u;
    u.person.set_email(email);
    auto set = [&](const std::string& value, const char* field, std::string* target) {
      if (value.empty()) return;
      *target = value;
      u.person_fields.push_back(field);
    };
    if (fmt_.name == "m365-users") {
      set(export_.Cell(row, "Display name"), "display_name", u.person.mutable_display_name());
      set(export_.Cell(row, "Department"), "department", u.person.mutable_department());
      set(export_.Cell(row, "Title"), "job_title", u.person.mutable_job_title());
      u.active = !Truthy(export_.Cell(row, "Block credential"));
      u.external_id = export_.Cell(row, "Object Id");
    } else {
      set(absl::StrCat(export_.Cell(row, "First Name [Required]"), " ",
                       export_.Cell(row, "Last Name [Required]")),
          "display_name", u.person.mutable_display_name());
      set(export_.Cell(row, "Department"), "department", u.person.mutable_department());
      set(export_.Cell(row, "Cost Center"), "cost_center", u.person.mutable_cost_center());
      set(export_.Cell(row, "Employee Title"), "job_title", u.person.mutable_job_title());
      u.active = !absl::EqualsIgnoreCase(export_.Cell(row, "Status [READ ONLY]"), "Suspended");
      u.mfa = Truthy(export_.Cell(row, "2sv Enrolled [READ ONLY]"));
      u.last_sign_in = ActivityDay(export_.Cell(row, "Last Sign In [READ ONLY]"));
      u.external_id = export_.Cell(row, "Employee ID");
      u.manager = absl::AsciiStrToLower(export_.Cell(row, "Manager Email"));
    }
    if (u.person.display_name().empty()) u.person.set_display_name(email);
    return u;
  }

  // A user list's row: the person, the account and (Microsoft 365) a seat of each SKU.
  absl::Status UserRow(const CsvRow& row, const std::string& email, int64_t account_id) {
    User u = ReadUser(row, email);
    bool changed = false;
    BESTAND_ASSIGN_OR_RETURN(int64_t person_id, Find(Kind::kPerson, {{"email", email}}));
    absl::StatusOr<int64_t> pid =
        Upsert(Kind::kPerson, person_id, u.person, u.person_fields, &changed);
    if (!pid.ok()) return Export::At(row, fmt_.key_column, pid.status());
    if (!u.manager.empty()) managers_.emplace_back(*pid, u.manager);

    v1::Account account;
    account.set_application(app_name_);
    account.set_username(email);
    account.set_person(absl::StrCat("people/", *pid));
    account.set_status(u.active ? v1::Account::ACTIVE : v1::Account::DISABLED);
    std::vector<std::string> account_fields = {"person", "status"};
    if (!u.external_id.empty()) {
      account.set_external_id(u.external_id);
      account_fields.push_back("external_id");
    }
    if (fmt_.name == "google-users") {
      account.set_mfa_enabled(u.mfa);
      account_fields.push_back("mfa_enabled");
      if (u.last_sign_in) {
        *account.mutable_last_activity_time() = StartOf(*u.last_sign_in);
        account_fields.push_back("last_activity_time");
      }
    }
    absl::StatusOr<int64_t> aid =
        Upsert(Kind::kAccount, account_id, account, account_fields, &changed);
    if (!aid.ok()) return Export::At(row, fmt_.key_column, aid.status());
    for (const std::string& sku : Skus(row)) {
      absl::Status s = Seat(sku, *pid, &changed);
      if (!s.ok()) return Export::At(row, "Licenses", s);
    }
    if (account_id == 0 && person_id == 0) {
      ++result_.created;
    } else {
      ++(changed ? result_.updated : result_.unchanged);
    }
    return absl::OkStatus();
  }

  // `person`'s seat of the license named `sku`, the license created when missing.
  absl::Status Seat(const std::string& sku, int64_t person, bool* changed) {
    BESTAND_ASSIGN_OR_RETURN(int64_t license_id, Find(Kind::kLicense, {{"display_name", sku}}));
    if (license_id == 0) {
      v1::License l;
      l.set_display_name(sku);
      l.set_application(app_name_);
      l.set_seats(holders_[sku]);  // what the file shows; the coordinator corrects it
      BESTAND_ASSIGN_OR_RETURN(license_id, Upsert(Kind::kLicense, 0, l, {}, changed));
    }
    BESTAND_ASSIGN_OR_RETURN(int64_t seat, Find(Kind::kLicenseAssignment,
                                                {{"license", license_id}, {"person", person}}));
    if (seat != 0) return absl::OkStatus();
    v1::LicenseAssignment a;
    a.set_license(absl::StrCat("licenses/", license_id));
    a.set_person(absl::StrCat("people/", person));
    return Upsert(Kind::kLicenseAssignment, 0, a, {}, changed).status();
  }

  // Managers once everybody in the file exists; one not in Bestand is left as it is.
  absl::Status SetManagers() {
    for (const auto& [person_id, manager] : managers_) {
      absl::StatusOr<int64_t> m = Find(Kind::kPerson, {{"email", manager}});
      if (!m.ok() || *m == 0 || *m == person_id) continue;
      v1::Person p;
      p.set_manager(absl::StrCat("people/", *m));
      bool changed = false;
      BESTAND_RETURN_IF_ERROR(Upsert(Kind::kPerson, person_id, p, {"manager"}, &changed).status());
    }
    return absl::OkStatus();
  }

  // Accounts of the application that the export no longer lists: reported, never removed.
  absl::Status ReportMissing(bool mark_deleted) {
    ListQuery q;
    q.equals = {{"application", app_id_}};
    std::vector<v1::Account> gone;
    BESTAND_RETURN_IF_ERROR(tx_.List(Kind::kAccount, q, [&](int64_t, const Message& m) {
      const auto& a = static_cast<const v1::Account&>(m);
      if (!seen_.count(absl::AsciiStrToLower(a.username())) && a.status() != v1::Account::DELETED) {
        gone.push_back(a);
      }
      return absl::OkStatus();
    }));
    for (v1::Account& a : gone) {
      result_.missing.push_back(a.username());
      if (!mark_deleted) continue;
      a.set_status(v1::Account::DELETED);
      bool changed = false;
      BESTAND_RETURN_IF_ERROR(
          Upsert(Kind::kAccount, IdOf(a.name()), a, {"status"}, &changed).status());
      ++result_.deleted;
    }
    return absl::OkStatus();
  }

  WriteTx& tx_;
  std::string actor_;
  const Inventory::ChangeHook& hook_;
  const Export& export_;
  const Format& fmt_;
  ImportResult result_;
  int64_t app_id_ = 0;
  std::string app_name_;
  std::map<std::string, int> holders_;                     // seats per SKU in the file
  std::set<std::string> seen_;                             // usernames in the file
  std::vector<std::pair<int64_t, std::string>> managers_;  // (person, manager email)
};

const Format* FindFormat(absl::string_view name) {
  for (const Format& f : kFormats) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace

bool IsDirectoryFormat(absl::string_view format) { return FindFormat(format) != nullptr; }

absl::StatusOr<ImportResult> ImportDirectoryExport(Inventory& inventory, absl::string_view actor,
                                                   absl::string_view format,
                                                   absl::string_view content, bool dry_run,
                                                   bool mark_missing_deleted) {
  const Format* fmt = FindFormat(format);
  if (fmt == nullptr) return absl::InvalidArgumentError("not a directory export format");
  BESTAND_ASSIGN_OR_RETURN(Export e, Export::Read(*fmt, content));
  BESTAND_ASSIGN_OR_RETURN(auto tx, inventory.store()->BeginWrite());
  Import import(*tx, actor, inventory.change_hook(), e);
  BESTAND_RETURN_IF_ERROR(import.Run(mark_missing_deleted));
  if (!dry_run) BESTAND_RETURN_IF_ERROR(tx->Commit());
  return std::move(import.result());
}

}  // namespace bestand
