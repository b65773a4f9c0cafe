// Findings: what should not be — access of leavers, possible duplicate devices, orphaned
// accounts, privileged accounts without MFA, accounts their directory disagrees about and tasks
// a connector could not do.
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/workflow.pb.h"
#include "common/resources.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "common/time.h"
#include "server/core/inventory.h"
#include "server/core/workflow.h"
#include "server/core/workflow_internal.h"
#include "server/storage/store.h"

namespace bestand {

namespace {

// Adds a finding of `kind` about `resource` (and `person`, "" for none).
void AddFinding(v1::ListFindingsResponse& out, const char* kind, const std::string& person,
                const std::string& resource, std::string description) {
  v1::Finding* f = out.add_findings();
  f->set_kind(kind);
  f->set_person(person);
  f->set_resource(resource);
  f->set_description(std::move(description));
}

// The access a person who has left, or is past their last day, still holds: active accounts,
// grants not revoked, seats and devices. `license_names` are display names by resource name.
absl::Status LeaverFindings(ReadTx& tx, const v1::Person& p, const std::string& today,
                            std::map<std::string, std::string>& license_names,
                            v1::ListFindingsResponse& out) {
  const bool left = p.status() == v1::Person::LEFT;
  if (!left && (p.end_date().empty() || p.end_date() >= today)) return absl::OkStatus();
  const int64_t pid = IdOf(p.name());
  const std::string who =
      absl::StrCat(Who(p), left ? " has left" : " is past the last day " + p.end_date());
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Account> accounts,
                           ListAll<v1::Account>(tx, Kind::kAccount, {{"person", pid}}));
  for (const v1::Account& a : accounts) {
    if (a.status() == v1::Account::ACTIVE) {
      AddFinding(out, "access of leaver", p.name(), a.name(),
                 absl::StrCat(who, " but the account '", a.username(), "' is active"));
    }
    BESTAND_ASSIGN_OR_RETURN(
        std::vector<v1::AccessGrant> grants,
        ListAll<v1::AccessGrant>(tx, Kind::kAccessGrant, {{"account", IdOf(a.name())}}));
    for (const v1::AccessGrant& g : grants) {
      if (g.revoke_date().empty()) {
        AddFinding(
            out, "access of leaver", p.name(), g.name(),
            absl::StrCat(who, " but holds the role '", g.role(), "' through '", a.username(), "'"));
      }
    }
  }
  BESTAND_ASSIGN_OR_RETURN(
      std::vector<v1::LicenseAssignment> seats,
      ListAll<v1::LicenseAssignment>(tx, Kind::kLicenseAssignment, {{"person", pid}}));
  for (const v1::LicenseAssignment& s : seats) {
    AddFinding(out, "access of leaver", p.name(), s.name(),
               absl::StrCat(who, " but holds a seat of ", license_names[s.license()]));
  }
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Device> devices,
                           ListAll<v1::Device>(tx, Kind::kDevice, {{"assignee", pid}}));
  for (const v1::Device& d : devices) {
    AddFinding(out, "access of leaver", p.name(), d.name(),
               absl::StrCat(who, " but has the device ",
                            d.asset_tag().empty() ? d.name() : d.asset_tag()));
  }
  return absl::OkStatus();
}

// Devices that may be one machine: the same hardware UUID, machine-id or serial number
// (recorded or reported). Retired devices are left out.
void DuplicateDeviceFindings(const std::vector<v1::Device>& devices,
                             v1::ListFindingsResponse& out) {
  std::map<std::pair<std::string, std::string>, std::vector<const v1::Device*>> by_identity;
  for (const v1::Device& d : devices) {
    if (d.status() == v1::Device::RETIRED) continue;
    std::set<std::string> serials = {AsciiLower(d.serial_number()),
                                     AsciiLower(d.reported_serial_number())};
    serials.erase("");
    for (const std::string& serial : serials) by_identity[{"serial number", serial}].push_back(&d);
    if (!d.hardware_uuid().empty()) {
      by_identity[{"hardware UUID", AsciiLower(d.hardware_uuid())}].push_back(&d);
    }
    if (!d.machine_id().empty()) by_identity[{"machine-id", d.machine_id()}].push_back(&d);
  }
  std::set<std::pair<std::string, std::string>> reported;  // device pairs, once
  auto label = [](const v1::Device& d) {
    return !d.asset_tag().empty()  ? d.asset_tag()
           : !d.hostname().empty() ? absl::StrCat(d.name(), " (", d.hostname(), ")")
                                   : d.name();
  };
  for (const auto& [identity, same] : by_identity) {
    for (size_t i = 1; i < same.size(); ++i) {
      const v1::Device& first = *same[0];
      const v1::Device& other = *same[i];
      if (!reported.insert({first.name(), other.name()}).second) continue;
      const std::string key = first.asset_tag().empty() ? first.name() : first.asset_tag();
      AddFinding(
          out, "possible duplicate device", "", other.name(),
          absl::StrCat(label(other), " and ", label(first), " have the same ", identity.first,
                       "; if they are one machine, bind an enrollment token to ", key,
                       " ('bestand agent-token create --device ", key,
                       "'), enroll it again and retire ", other.name()));
    }
  }
}

// Active accounts that belong to no person, and privileged ones without MFA. Applications that
// enforce MFA for every account protect their privileged accounts too. `app_names` are display
// names by resource name.
void AccountFindings(const std::vector<v1::Application>& apps,
                     const std::vector<v1::Account>& active,
                     std::map<std::string, std::string>& app_names, v1::ListFindingsResponse& out) {
  std::set<std::string> mfa_enforced;
  for (const v1::Application& app : apps) {
    if (app.mfa_enforced()) mfa_enforced.insert(app.name());
  }
  for (const v1::Account& a : active) {
    if (a.person().empty()) {
      AddFinding(out, "orphaned account", "", a.name(),
                 absl::StrCat("the account '", a.username(), "' in ", app_names[a.application()],
                              " belongs to no person"));
    }
    if (a.privileged() && !a.mfa_enabled() && !mfa_enforced.count(a.application())) {
      AddFinding(out, "privileged account without MFA", a.person(), a.name(),
                 absl::StrCat("the privileged account '", a.username(), "' in ",
                              app_names[a.application()], " has no MFA"));
    }
  }
}

// Accounts whose directory, at the last sync, disagreed with Bestand: enabled there but not
// ACTIVE here, or ACTIVE here but missing there.
absl::Status DriftFindings(ReadTx& tx, std::map<std::string, std::string>& app_names,
                           v1::ListFindingsResponse& out) {
  for (v1::Account::DirectoryState state :
       {v1::Account::ENABLED_THERE, v1::Account::MISSING_THERE}) {
    BESTAND_ASSIGN_OR_RETURN(
        std::vector<v1::Account> accounts,
        ListAll<v1::Account>(tx, Kind::kAccount, {{"directory_state", int64_t{state}}}));
    for (const v1::Account& a : accounts) {
      const bool active = a.status() == v1::Account::ACTIVE;
      const std::string what =
          absl::StrCat("the account '", a.username(), "' in ", app_names[a.application()], " is ");
      if (state == v1::Account::ENABLED_THERE && !active) {
        AddFinding(out, "directory drift", a.person(), a.name(),
                   absl::StrCat(what, a.status() == v1::Account::DELETED ? "deleted" : "disabled",
                                " in Bestand but enabled in its directory"));
      } else if (state == v1::Account::MISSING_THERE && active) {
        AddFinding(out, "directory drift", a.person(), a.name(),
                   absl::StrCat(what, "active in Bestand but its directory has no such account"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

FindingGroups GroupByKind(const v1::ListFindingsResponse& r) {
  FindingGroups by_kind;
  std::map<std::string, size_t> group_of;
  for (const v1::Finding& f : r.findings()) {
    auto [it, added] = group_of.emplace(f.kind(), by_kind.size());
    if (added) by_kind.push_back({f.kind(), {}});
    by_kind[it->second].second.push_back(&f);
  }
  return by_kind;
}

absl::StatusOr<v1::ListFindingsResponse> Workflow::ListFindings() {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  return ListFindingsIn(*tx, TodayUtc());
}

absl::StatusOr<v1::ListFindingsResponse> ListFindingsIn(ReadTx& tx, absl::CivilDay day) {
  const std::string today = FormatIsoDate(day);
  v1::ListFindingsResponse out;
  // Names for the descriptions: people read names, not ids.
  std::map<std::string, std::string> app_names, license_names;
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Application> apps,
                           ListAll<v1::Application>(tx, Kind::kApplication, {}));
  for (const v1::Application& a : apps) app_names[a.name()] = a.display_name();
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::License> licenses,
                           ListAll<v1::License>(tx, Kind::kLicense, {}));
  for (const v1::License& l : licenses) license_names[l.name()] = l.display_name();
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Person> people,
                           ListAll<v1::Person>(tx, Kind::kPerson, {}));
  for (const v1::Person& p : people) {
    BESTAND_RETURN_IF_ERROR(LeaverFindings(tx, p, today, license_names, out));
  }
  BESTAND_ASSIGN_OR_RETURN(
      std::vector<v1::Account> active,
      ListAll<v1::Account>(tx, Kind::kAccount, {{"status", int64_t{v1::Account::ACTIVE}}}));
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Device> devices,
                           ListAll<v1::Device>(tx, Kind::kDevice, {}));
  DuplicateDeviceFindings(devices, out);
  AccountFindings(apps, active, app_names, out);
  BESTAND_RETURN_IF_ERROR(DriftFindings(tx, app_names, out));
  // Tasks a connector could not do yet (it tries again; someone may need to look).
  for (v1::Task::Status status : {v1::Task::OPEN, v1::Task::IN_PROGRESS}) {
    BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Task> tasks,
                             ListAll<v1::Task>(tx, Kind::kTask, {{"status", int64_t{status}}}));
    for (const v1::Task& t : tasks) {
      if (t.connector_error().empty()) continue;
      AddFinding(out, "connector failed", t.person(), t.name(),
                 absl::StrCat(t.title(), ": ", t.connector_error()));
    }
  }
  return out;
}

}  // namespace bestand
