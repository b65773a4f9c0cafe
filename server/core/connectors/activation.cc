// Connectors, the fourth part: on a newcomer's first day, the accounts onboarding created
// disabled are enabled with one-time passwords (ActivateAccounts in connect.proto).
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "common/time.h"
#include "server/core/connectors/connectors.h"
#include "server/core/connectors/connectors_internal.h"
#include "server/core/connectors/new_accounts.h"
#include "server/core/inventory.h"
#include "server/core/workflow_internal.h"

namespace bestand {

absl::StatusOr<v1::ActivateAccountsResponse> Connectors::Activate(
    absl::string_view actor, const v1::ActivateAccountsRequest& r) {
  if (r.person().empty()) {
    return FieldError(absl::StatusCode::kInvalidArgument, "person", "is required");
  }
  absl::MutexLock lock(&run_mu_);
  struct Application {
    ConnectionRecord connection;
    std::vector<v1::Account> accounts;
  };
  std::vector<Application> applications;
  {
    BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
    BESTAND_ASSIGN_OR_RETURN(int64_t id, ResolveName(*tx, Kind::kPerson, r.person()));
    BESTAND_ASSIGN_OR_RETURN(v1::Person person, Load<v1::Person>(*tx, Kind::kPerson, id));
    if (person.status() == v1::Person::LEAVING || person.status() == v1::Person::LEFT) {
      return absl::FailedPreconditionError(
          absl::StrCat(person.email(),
                       " is leaving or has left: their accounts are disabled, "
                       "not enabled"));
    }
    const absl::CivilDay today = absl::ToCivilDay(clock_(), zone_);
    if (absl::StatusOr<absl::CivilDay> start = ParseIsoDate(person.start_date());
        start.ok() && *start > today) {
      return absl::FailedPreconditionError(
          absl::StrCat(person.email(), " starts on ", person.start_date(),
                       ": their accounts are enabled on the first day, not before"));
    }
    BESTAND_ASSIGN_OR_RETURN(std::vector<ConnectionRecord> connections, tx->ListConnections());
    for (ConnectionRecord& c : connections) {
      BESTAND_ASSIGN_OR_RETURN(
          std::vector<v1::Account> accounts,
          ListAll<v1::Account>(*tx, Kind::kAccount,
                               {{"person", id}, {"application", c.application_id}}));
      std::erase_if(accounts,
                    [](const v1::Account& a) { return a.status() == v1::Account::DELETED; });
      if (!accounts.empty()) applications.push_back({std::move(c), std::move(accounts)});
    }
  }
  v1::ActivateAccountsResponse out;
  for (const Application& app : applications) {
    const ConnectionRecord& c = app.connection;
    const std::string label = ProtocolLabel(c.protocol);
    const std::string via =
        absl::StrCat(actor, " via the ", label, " connector of applications/", c.application_id);
    absl::StatusOr<std::unique_ptr<Directory>> directory = Reach(c);
    for (const v1::Account& account : app.accounts) {
      v1::ConnectorOutcome& o = *out.add_outcomes();
      o.set_account(account.name());
      // The change, read back: the evidence, or why not.
      auto enable = [&]() -> absl::StatusOr<std::string> {
        BESTAND_RETURN_IF_ERROR(directory.status());
        Directory& dir = **directory;
        BESTAND_ASSIGN_OR_RETURN(DirectoryAccount before, dir.Find(account.username()));
        if (before.enabled) {
          return absl::StrCat(before.id, " is enabled already (", before.state,
                              "): nothing to change");
        }
        BESTAND_ASSIGN_OR_RETURN(std::string password, OneTimePassword());
        BESTAND_RETURN_IF_ERROR(dir.Enable(before, password));
        // Shown once even when what follows fails: the account has it.
        o.set_one_time_password(password);
        BESTAND_ASSIGN_OR_RETURN(DirectoryAccount after, dir.Find(account.username()));
        if (!after.enabled) {
          return absl::InternalError(absl::StrCat(before.id,
                                                  " is still disabled after enabling "
                                                  "it (read back: ",
                                                  after.state, ")"));
        }
        BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
        BESTAND_ASSIGN_OR_RETURN(v1::Account stored,
                                 Load<v1::Account>(*tx, Kind::kAccount, account.name()));
        v1::Account active = stored;
        active.set_status(v1::Account::ACTIVE);
        active.set_directory_state(v1::Account::ENABLED_THERE);
        if (active.external_id().empty() && Utf8Length(after.id) <= kMaxTextLength) {
          active.set_external_id(after.id);
        }
        BESTAND_RETURN_IF_ERROR(SaveAccount(*tx, via, stored, active, "activate").status());
        BESTAND_RETURN_IF_ERROR(tx->Commit());
        return absl::StrCat("enabled ", after.id, " with a one-time password; ", before.state,
                            " → ", after.state, "; read back ", Stamp(clock_()), ": enabled");
      };
      absl::StatusOr<std::string> done = enable();
      o.set_done(done.ok());
      o.set_detail(Fit(absl::StrCat(label, " ", c.url, ": ",
                                    done.ok() ? *done : std::string(done.status().message()))));
    }
  }
  return out;
}

}  // namespace bestand
