// Connectors, the third part: sync reads an application's directory into Bestand's accounts
// and their grants (proto/bestand/v1/connect.proto, SyncConnection).
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "common/time.h"
#include "server/core/audit.h"
#include "server/core/audited_state.h"
#include "server/core/connectors/connectors.h"
#include "server/core/connectors/connectors_internal.h"
#include "server/core/inventory.h"
#include "server/core/workflow_internal.h"

namespace bestand {
namespace {

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(s); }

// The directory's id as Bestand keeps it: only when it fits a text field (a DN may not).
std::string ExternalId(const ListedAccount& l) {
  return Utf8Length(l.id) <= kMaxTextLength ? l.id : "";
}

}  // namespace

absl::StatusOr<bool> SaveAccount(WriteTx& tx, absl::string_view actor, const v1::Account& before,
                                 v1::Account after, absl::string_view action) {
  const ResourceSpec& spec = Spec(Kind::kAccount);
  const std::string before_json = AuditJson(spec, before);
  if (AuditJson(spec, after) == before_json) return false;
  *after.mutable_update_time() = FromMicros(NowMicros());
  BESTAND_RETURN_IF_ERROR(tx.Update(Kind::kAccount, IdOf(after.name()), after));
  BESTAND_RETURN_IF_ERROR(
      RecordAudit(tx, actor, action, after.name(), before_json, AuditJson(spec, after)));
  return true;
}

absl::StatusOr<v1::SyncConnectionResponse> Connectors::Sync(absl::string_view actor,
                                                            const v1::SyncConnectionRequest& r) {
  BESTAND_ASSIGN_OR_RETURN(const ConnectionRecord record, ConnectionOf(r.application()));
  const std::string label = ProtocolLabel(record.protocol);
  BESTAND_ASSIGN_OR_RETURN(DirectoryConfig config, ConfigOf(record));
  BESTAND_ASSIGN_OR_RETURN(std::unique_ptr<Directory> directory, open_(config));
  absl::StatusOr<DirectoryListing> listing = directory->List();
  if (!listing.ok()) {
    // The directory refused, not Bestand (as Test).
    return absl::FailedPreconditionError(
        absl::StrCat(label, " ", record.url, ": ", listing.status().message()));
  }
  const int64_t app = record.application_id;
  const std::string app_name = NameOf(Kind::kApplication, app);
  const std::string via = absl::StrCat(actor, " via the ", label, " connector of ", app_name);
  const std::string today = FormatIsoDate(absl::ToCivilDay(clock_(), zone_));

  absl::MutexLock lock(&run_mu_);  // takes turns with runs
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Account> accounts,
                           ListAll<v1::Account>(*tx, Kind::kAccount, {{"application", app}}));
  std::map<std::string, size_t> by_external_id, by_username;
  for (size_t i = 0; i < accounts.size(); ++i) {
    if (!accounts[i].external_id().empty()) by_external_id[accounts[i].external_id()] = i;
    by_username[Lower(accounts[i].username())] = i;
  }
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Person> people,
                           ListAll<v1::Person>(*tx, Kind::kPerson, {}));
  std::map<std::string, std::string> person_by_email;
  for (const v1::Person& p : people) {
    if (!p.email().empty()) person_by_email[Lower(p.email())] = p.name();
  }
  // A role as the directory's group it names (lower-case), or "" when it names none.
  auto group_of = [&](const std::string& role) {
    auto it = listing->groups.find(Lower(role));
    return it == listing->groups.end() ? std::string() : Lower(it->second);
  };

  v1::SyncConnectionResponse out;
  out.set_listed(static_cast<int32_t>(listing->accounts.size()));
  auto note = [&](const v1::Account& a, std::string detail, bool finding) {
    v1::SyncChange* c = out.add_changes();
    c->set_account(a.name());
    c->set_username(a.username());
    c->set_detail(std::move(detail));
    c->set_finding(finding);
  };
  std::set<size_t> matched;
  for (const ListedAccount& l : listing->accounts) {
    // Bestand's account: by the directory's id, else by any name it answers to.
    std::optional<size_t> index;
    if (auto it = by_external_id.find(l.id); it != by_external_id.end()) index = it->second;
    std::vector<std::string> names = {l.username};
    names.insert(names.end(), l.aliases.begin(), l.aliases.end());
    for (const std::string& n : names) {
      if (index) break;
      if (auto it = by_username.find(Lower(n)); it != by_username.end()) index = it->second;
    }
    if (index && !matched.insert(*index).second) {
      // A second directory account answers to the same names: Bestand keeps the first.
      out.set_left_out(out.left_out() + 1);
      v1::SyncChange* c = out.add_changes();
      c->set_username(l.username);
      c->set_detail(absl::StrCat(l.id, " answers to the name of ", accounts[*index].name(),
                                 ", which is another account there; left out"));
      c->set_finding(true);
      continue;
    }
    // Whose it is: the person with its email (or a name of it that is an email).
    std::string person;
    names.insert(names.begin(), l.email);
    for (const std::string& n : names) {
      auto it = person_by_email.find(Lower(n));
      if (it != person_by_email.end()) {
        person = it->second;
        break;
      }
    }
    const v1::Account::DirectoryState state =
        l.enabled ? v1::Account::ENABLED_THERE : v1::Account::DISABLED_THERE;
    std::vector<std::string> changed;
    v1::Account account;
    if (!index) {
      // Nobody's disabled accounts (AD's Guest and krbtgt, former staff) are no one's concern.
      if (!l.enabled && person.empty()) {
        out.set_left_out(out.left_out() + 1);
        continue;
      }
      v1::Account created;
      created.set_application(app_name);
      created.set_username(l.username);
      created.set_person(person);
      created.set_status(l.enabled ? v1::Account::ACTIVE : v1::Account::DISABLED);
      created.set_external_id(ExternalId(l));
      if (l.last_activity != absl::InfinitePast()) {
        *created.mutable_last_activity_time() = FromMicros(absl::ToUnixMicros(l.last_activity));
      }
      absl::Status added = tx->Nested([&]() -> absl::Status {
        BESTAND_ASSIGN_OR_RETURN(int64_t id, CreateInTx(*tx, via, Spec(Kind::kAccount), &created));
        BESTAND_ASSIGN_OR_RETURN(account, Load<v1::Account>(*tx, Kind::kAccount, id));
        return absl::OkStatus();
      });
      if (!added.ok()) {
        out.set_left_out(out.left_out() + 1);
        v1::SyncChange* c = out.add_changes();
        c->set_username(l.username);
        c->set_detail(absl::StrCat(l.id, " cannot be added: ", added.message()));
        c->set_finding(true);
        continue;
      }
      out.set_added(out.added() + 1);
      changed.push_back(absl::StrCat("added (", l.state, ")"));
    } else {
      account = accounts[*index];
    }
    v1::Account after = account;
    after.set_directory_state(state);
    if (!ExternalId(l).empty()) after.set_external_id(ExternalId(l));
    if (l.last_activity != absl::InfinitePast()) {
      *after.mutable_last_activity_time() = FromMicros(absl::ToUnixMicros(l.last_activity));
    }
    if (after.person().empty() && !person.empty()) {
      after.set_person(person);
      changed.push_back(absl::StrCat("belongs to ", person, " (by the email)"));
    }
    if (!l.enabled && after.status() == v1::Account::ACTIVE) {
      after.set_status(v1::Account::DISABLED);
      changed.push_back(absl::StrCat("disabled, as the directory says: ", l.state));
    }
    BESTAND_ASSIGN_OR_RETURN(bool wrote, SaveAccount(*tx, via, account, after));
    // Grants: a membership is a grant of its group's role; a grant of a group the account is
    // no member of is revoked.
    const int64_t account_id = IdOf(after.name());
    BESTAND_ASSIGN_OR_RETURN(
        std::vector<v1::AccessGrant> grants,
        ListAll<v1::AccessGrant>(*tx, Kind::kAccessGrant, {{"account", account_id}}));
    std::map<std::string, const v1::AccessGrant*> grant_of;  // by the group its role names
    for (const v1::AccessGrant& g : grants) {
      const std::string group = group_of(g.role());
      grant_of[group.empty() ? Lower(g.role()) : group] = &g;
    }
    std::set<std::string> member_of;
    for (const std::string& group : l.groups) {
      if (!member_of.insert(Lower(group)).second) continue;  // listed twice
      auto g = grant_of.find(Lower(group));
      if (g == grant_of.end()) {
        v1::AccessGrant grant;
        grant.set_account(after.name());
        grant.set_role(group);
        grant.set_granted_by(absl::StrCat("found in the directory by sync on ", today));
        BESTAND_RETURN_IF_ERROR(CreateInTx(*tx, via, Spec(Kind::kAccessGrant), &grant).status());
        changed.push_back(absl::StrCat("member of ", group));
      } else if (!g->second->revoke_date().empty()) {
        note(after,
             absl::StrCat("directory drift: the grant '", group, "' was revoked on ",
                          g->second->revoke_date(), " but the account is a member there"),
             true);
      }
    }
    for (const v1::AccessGrant& g : grants) {
      const std::string group = group_of(g.role());
      if (!g.revoke_date().empty() || group.empty() || member_of.count(group)) continue;
      v1::AccessGrant revoked = g;
      revoked.set_revoke_date(today);
      BESTAND_RETURN_IF_ERROR(Save(*tx, via, Kind::kAccessGrant, revoked, {"revoke_date"}));
      changed.push_back(absl::StrCat("revoked '", g.role(), "': no member of the group there"));
    }
    if (index && (wrote || !changed.empty())) out.set_changed(out.changed() + 1);
    if (!changed.empty()) {
      note(after, absl::StrJoin(changed, "; "), false);
    } else if (wrote) {
      note(after, absl::StrCat("updated from the directory (", l.state, ")"), false);
    }
    if (l.enabled && after.status() != v1::Account::ACTIVE) {
      note(after,
           absl::StrCat(
               "directory drift: ", after.status() == v1::Account::DELETED ? "deleted" : "disabled",
               " in Bestand but enabled there (", l.state, ")"),
           true);
    }
    if (after.status() == v1::Account::ACTIVE && after.person().empty()) {
      note(after, "orphaned account: belongs to no person", true);
    }
  }
  // Bestand's accounts the directory does not have.
  for (size_t i = 0; i < accounts.size(); ++i) {
    if (matched.count(i)) continue;
    v1::Account after = accounts[i];
    after.set_directory_state(v1::Account::MISSING_THERE);
    BESTAND_ASSIGN_OR_RETURN(bool wrote, SaveAccount(*tx, via, accounts[i], after));
    if (wrote) out.set_changed(out.changed() + 1);
    if (after.status() == v1::Account::ACTIVE) {
      note(after, "directory drift: active in Bestand but the directory has no such account", true);
    }
  }
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  return out;
}

}  // namespace bestand
