// Connectors, the second half: runs that act on the tasks of connected applications (see
// connectors.h) — create an account, disable one, take one out of a group —, each change read
// back before its task is done.
#include <algorithm>
#include <optional>
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
namespace {

bool IsConnectorAction(v1::Task::Action a) {
  return a == v1::Task::CREATE_ACCOUNT || a == v1::Task::DISABLE_ACCOUNT ||
         a == v1::Task::REVOKE_ACCESS;
}

bool IsOpen(const v1::Task& t) {
  return t.status() == v1::Task::OPEN || t.status() == v1::Task::IN_PROGRESS;
}

// Accounts created before their groups are filled; out of the groups before disabling (a
// directory that moves a disabled account may not follow its memberships).
void InOrder(std::vector<v1::Task>& tasks) {
  auto rank = [](const v1::Task& t) {
    return t.action() == v1::Task::CREATE_ACCOUNT  ? 0
           : t.action() == v1::Task::REVOKE_ACCESS ? 1
                                                   : 2;
  };
  std::stable_sort(tasks.begin(), tasks.end(),
                   [&](const v1::Task& a, const v1::Task& b) { return rank(a) < rank(b); });
}

// A CREATE_ACCOUNT task the server's own run leaves alone for now: created in the last minutes,
// the coordinator may still be creating its accounts with one-time passwords (onboard --now).
constexpr absl::Duration kCreateGrace = absl::Minutes(2);

}  // namespace

std::string Stamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string Fit(std::string text) {
  constexpr size_t kMax = 1900;  // of kMaxNotesLength (2,000) characters; bytes are fewer
  if (text.size() <= kMax) return text;
  return absl::StrCat(Utf8Prefix(text, kMax), "…");
}

bool Connectors::ActsOn(const v1::Task& t) {
  if (!IsConnectorAction(t.action()) || !IsOpen(t)) return false;
  return t.action() == v1::Task::CREATE_ACCOUNT ? !t.person().empty() : !t.account().empty();
}

// One connected application in a run: its tasks, and its directory once reached.
struct Connectors::Work {
  ConnectionRecord connection;
  std::vector<v1::Task> tasks;
  std::unique_ptr<Directory> directory;
  absl::Status reached = absl::UnknownError("not yet connected");
  bool tried = false;
  // New accounts are enabled with a one-time password (RunConnectorsRequest).
  bool one_time_passwords = false;
  // A plan's newcomer, who is not stored.
  const v1::Person* newcomer = nullptr;
};

absl::StatusOr<v1::RunConnectorsResponse> Connectors::Run(absl::string_view actor,
                                                          const v1::RunConnectorsRequest& r) {
  absl::MutexLock lock(&run_mu_);
  const absl::Time now = clock_();
  const absl::CivilDay today = absl::ToCivilDay(now, zone_);
  std::vector<Work> work;
  {
    BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
    int64_t case_id = 0;
    if (!r.case_().empty()) {
      BESTAND_ASSIGN_OR_RETURN(case_id, ResolveName(*tx, Kind::kCase, r.case_()));
    } else if (r.one_time_passwords()) {
      return FieldError(absl::StatusCode::kInvalidArgument, "one_time_passwords",
                        "needs a case: the passwords are shown to whoever runs it");
    }
    BESTAND_ASSIGN_OR_RETURN(std::vector<ConnectionRecord> connections, tx->ListConnections());
    for (ConnectionRecord& c : connections) {
      std::vector<FieldEquals> equals = {{"application", c.application_id}};
      if (case_id) equals.push_back({"parent", case_id});
      BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Task> tasks,
                               ListAll<v1::Task>(*tx, Kind::kTask, std::move(equals)));
      Work w;
      w.one_time_passwords = r.one_time_passwords();
      for (v1::Task& t : tasks) {
        if (!ActsOn(t)) continue;
        if (!case_id) {
          // Due once its day has ended (an account to create: on its day), and once a failed
          // attempt's wait is over.
          absl::StatusOr<absl::CivilDay> due = ParseIsoDate(t.due_date());
          if (!due.ok()) continue;
          if (t.action() == v1::Task::CREATE_ACCOUNT) {
            // (Records are stamped with the real time, whatever this run's clock.)
            const int64_t grace_from = NowMicros() - absl::ToInt64Microseconds(kCreateGrace);
            if (*due > today || ToMicros(t.create_time()) > grace_from) continue;
          } else if (*due >= today) {
            continue;
          }
          BESTAND_ASSIGN_OR_RETURN(std::optional<ConnectorRunRecord> run,
                                   tx->GetConnectorRun(IdOf(t.name())));
          if (run && run->next_attempt_micros > absl::ToUnixMicros(now)) continue;
        }
        w.tasks.push_back(std::move(t));
      }
      if (w.tasks.empty()) continue;
      InOrder(w.tasks);
      w.connection = std::move(c);
      work.push_back(std::move(w));
    }
  }
  v1::RunConnectorsResponse out;
  for (Work& w : work) {
    for (const v1::Task& t : w.tasks) *out.add_outcomes() = Act(actor, w, t, false);
  }
  return out;
}

absl::StatusOr<std::string> Connectors::CreateAccount(Work& work, const v1::Task& task, bool plan,
                                                      v1::ConnectorOutcome& out, bool& disabled) {
  Directory& dir = *work.directory;
  v1::Person person;
  if (work.newcomer && work.newcomer->name() == task.person()) {
    person = *work.newcomer;
  } else {
    BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
    BESTAND_ASSIGN_OR_RETURN(person, Load<v1::Person>(*tx, Kind::kPerson, task.person()));
  }
  std::optional<DirectoryGroup> group;
  if (!task.role().empty()) {
    BESTAND_ASSIGN_OR_RETURN(group, dir.FindGroup(task.role()));
  }
  std::string created;
  absl::StatusOr<DirectoryAccount> account = dir.Find(person.email());
  if (!account.ok() && !absl::IsNotFound(account.status())) return account.status();
  if (!account.ok()) {
    const bool ad = work.connection.protocol == v1::Connection::LDAP &&
                    work.connection.flavor == v1::Connection::ACTIVE_DIRECTORY;
    NewAccount n;
    const size_t max_login = ad ? 20 : 64;
    BESTAND_ASSIGN_OR_RETURN(n.login, LoginName(work.connection.login_pattern,
                                                person.display_name(), person.email(), max_login));
    n.email = person.email();
    n.display_name = person.display_name();
    const SplitName split = SplitDisplayName(person.display_name());
    n.first_name = split.first;
    n.last_name = split.last;
    const std::string how =
        work.one_time_passwords
            ? "enabled with a one-time password"
            : absl::StrCat("disabled, without a password, until 'bestand connectors activate ",
                           person.email(), "' on the first day");
    const std::string login = work.connection.protocol == v1::Connection::SCIM ? n.email : n.login;
    if (plan) {
      return absl::StrCat("create ", login, " (", how, ")",
                          group ? absl::StrCat(" in ", group->id) : "");
    }
    if (work.one_time_passwords) {
      BESTAND_ASSIGN_OR_RETURN(n.password, OneTimePassword());
    }
    // A login name taken by someone else (another Jana Neumann): jneumann2, … jneumann9.
    const std::string first_choice = n.login;
    absl::Status made = dir.Create(n);
    for (int i = 2;
         i <= 9 && absl::IsAlreadyExists(made) && work.connection.protocol == v1::Connection::LDAP;
         ++i) {
      n.login = absl::StrCat(first_choice.substr(0, max_login - 1), i);
      made = dir.Create(n);
    }
    BESTAND_RETURN_IF_ERROR(made);
    // Shown once even when what follows fails: the account exists with it.
    out.set_one_time_password(n.password);
    account = dir.Find(person.email());
    if (!account.ok()) {
      return absl::InternalError(absl::StrCat(
          "created ", login, " but cannot read it back: ", account.status().message()));
    }
    if (account->enabled != work.one_time_passwords) {
      return absl::InternalError(
          absl::StrCat("created ", account->id, " but it reads back ", account->state));
    }
    created = absl::StrCat("created ", account->id, " (", how, "): ", account->state);
  } else if (plan) {
    return absl::StrCat("find ", account->id, " (", account->state, "): nothing to create",
                        group ? absl::StrCat("; put it in ", group->id) : "");
  } else {
    created = absl::StrCat(account->id, " existed already: ", account->state);
  }
  disabled = !account->enabled;
  if (!group) return absl::StrCat(created, "; read back ", Stamp(clock_()), ": exists");
  BESTAND_ASSIGN_OR_RETURN(bool was_member, dir.IsMember(*account, *group));
  if (!was_member) BESTAND_RETURN_IF_ERROR(dir.AddMember(*account, *group));
  BESTAND_ASSIGN_OR_RETURN(bool member, dir.IsMember(*account, *group));
  if (!member) {
    return absl::InternalError(
        absl::StrCat(account->id, " is no member of ", group->id, " after adding it"));
  }
  return absl::StrCat(created, was_member ? "; was a member of " : "; added to ", group->id,
                      "; read back ", Stamp(clock_()), ": exists, member");
}

absl::StatusOr<std::string> Connectors::DisableAccount(Work& work, const v1::Task& task,
                                                       bool plan) {
  Directory& dir = *work.directory;
  std::string username;
  {
    BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
    BESTAND_ASSIGN_OR_RETURN(v1::Account a, Load<v1::Account>(*tx, Kind::kAccount, task.account()));
    username = a.username();
  }
  BESTAND_ASSIGN_OR_RETURN(DirectoryAccount account, dir.Find(username));
  if (plan) {
    return account.enabled ? absl::StrCat("disable ", account.id, " (", account.state, ")")
                           : absl::StrCat("find ", account.id, " disabled already (", account.state,
                                          "): nothing to change");
  }
  if (account.enabled) BESTAND_RETURN_IF_ERROR(dir.Disable(account));
  BESTAND_ASSIGN_OR_RETURN(DirectoryAccount after, dir.Find(username));
  if (after.enabled) {
    return absl::InternalError(absl::StrCat(
        "'", username, "' is still enabled after disabling it (read back: ", after.state, ")"));
  }
  return absl::StrCat(account.enabled
                          ? absl::StrCat("disabled ", account.id, ": ", account.state, " → ")
                          : absl::StrCat(account.id, " was disabled already: "),
                      after.state, "; read back ", Stamp(clock_()), ": disabled");
}

absl::StatusOr<std::string> Connectors::RevokeAccess(Work& work, const v1::Task& task, bool plan) {
  Directory& dir = *work.directory;
  std::string username, role;
  {
    BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
    BESTAND_ASSIGN_OR_RETURN(v1::Account a, Load<v1::Account>(*tx, Kind::kAccount, task.account()));
    BESTAND_ASSIGN_OR_RETURN(v1::AccessGrant g,
                             Load<v1::AccessGrant>(*tx, Kind::kAccessGrant, task.access_grant()));
    username = a.username();
    role = g.role();
  }
  BESTAND_ASSIGN_OR_RETURN(DirectoryAccount account, dir.Find(username));
  BESTAND_ASSIGN_OR_RETURN(DirectoryGroup group, dir.FindGroup(role));
  BESTAND_ASSIGN_OR_RETURN(bool member, dir.IsMember(account, group));
  if (plan) {
    return member ? absl::StrCat("remove ", account.id, " from ", group.id)
                  : absl::StrCat("find ", account.id, " no member of ", group.id,
                                 ": nothing to change");
  }
  if (member) BESTAND_RETURN_IF_ERROR(dir.RemoveMember(account, group));
  BESTAND_ASSIGN_OR_RETURN(bool still, dir.IsMember(account, group));
  if (still) {
    return absl::InternalError(
        absl::StrCat(account.id, " is still a member of ", group.id, " after removing it"));
  }
  return absl::StrCat(member ? "removed " : "", account.id,
                      member ? " from " : " was no member of ", group.id, "; read back ",
                      Stamp(clock_()), ": no member");
}

v1::ConnectorOutcome Connectors::Act(absl::string_view actor, Work& work, const v1::Task& task,
                                     bool plan) {
  const ConnectionRecord& c = work.connection;
  const std::string label = ProtocolLabel(c.protocol);
  const std::string via =
      absl::StrCat(actor, " via the ", label, " connector of applications/", c.application_id);
  v1::ConnectorOutcome out;
  out.set_task(task.name());
  auto fail = [&](const absl::Status& s) {
    out.set_detail(Fit(absl::StrCat(label, " ", c.url, ": ", s.message())));
    if (plan) return out;
    if (absl::Status recorded = RecordFailure(via, task, out.detail()); !recorded.ok()) {
      out.set_detail(absl::StrCat(out.detail(), " (not recorded: ", recorded.message(), ")"));
    }
    return out;
  };
  if (!work.tried) {
    work.tried = true;
    absl::StatusOr<std::unique_ptr<Directory>> reached = Reach(c);
    work.reached = reached.status();
    if (reached.ok()) work.directory = *std::move(reached);
  }
  if (!work.reached.ok()) return fail(work.reached);

  bool disabled = false;  // the account created is disabled there
  absl::StatusOr<std::string> change =
      task.action() == v1::Task::CREATE_ACCOUNT    ? CreateAccount(work, task, plan, out, disabled)
      : task.action() == v1::Task::DISABLE_ACCOUNT ? DisableAccount(work, task, plan)
                                                   : RevokeAccess(work, task, plan);
  if (!change.ok()) return fail(change.status());
  if (plan) {
    out.set_done(true);
    out.set_detail(Fit(absl::StrCat("Bestand via ", label, " (", c.url, ") would ", *change)));
    return out;
  }
  v1::UpdateTaskStatusRequest done;
  done.set_name(task.name());
  done.set_status(v1::Task::DONE);
  done.set_evidence(Fit(absl::StrCat("Bestand via ", label, " (", c.url, "): ", *change)));
  absl::StatusOr<v1::Task> updated = workflow_->UpdateTaskStatus(via, TaskScope{0, true}, done);
  if (!updated.ok()) return fail(updated.status());
  out.set_done(true);
  out.set_detail(updated->evidence());
  if (disabled) {
    // The inventory says so too, until ActivateAccounts enables it.
    if (absl::Status s = MarkDisabled(via, updated->account()); !s.ok()) {
      out.set_detail(absl::StrCat(out.detail(), " (not marked disabled here: ", s.message(), ")"));
    }
  }
  return out;
}

absl::Status Connectors::MarkDisabled(absl::string_view actor, const std::string& account) {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(v1::Account before, Load<v1::Account>(*tx, Kind::kAccount, account));
  v1::Account after = before;
  after.set_status(v1::Account::DISABLED);
  BESTAND_RETURN_IF_ERROR(SaveAccount(*tx, actor, before, std::move(after)).status());
  return tx->Commit();
}

absl::StatusOr<std::vector<v1::ConnectorOutcome>> Connectors::Plan(
    const google::protobuf::RepeatedPtrField<v1::Task>& tasks, const v1::Person* newcomer) {
  std::vector<Work> work;
  {
    BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
    BESTAND_ASSIGN_OR_RETURN(std::vector<ConnectionRecord> connections, tx->ListConnections());
    for (ConnectionRecord& c : connections) {
      Work w;
      w.newcomer = newcomer;
      for (const v1::Task& t : tasks) {
        if (ActsOn(t) && IdOf(t.application()) == c.application_id) w.tasks.push_back(t);
      }
      if (w.tasks.empty()) continue;
      InOrder(w.tasks);
      w.connection = std::move(c);
      work.push_back(std::move(w));
    }
  }
  std::vector<v1::ConnectorOutcome> out;
  for (Work& w : work) {
    for (const v1::Task& t : w.tasks) out.push_back(Act("plan", w, t, true));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Directory>> Connectors::Reach(
    const ConnectionRecord& connection) const {
  BESTAND_ASSIGN_OR_RETURN(DirectoryConfig config, ConfigOf(connection));
  BESTAND_ASSIGN_OR_RETURN(std::unique_ptr<Directory> directory, open_(config));
  BESTAND_RETURN_IF_ERROR(directory->Check().status());
  return directory;
}

absl::Status Connectors::RecordFailure(absl::string_view actor, const v1::Task& task,
                                       const std::string& error) {
  const int64_t id = IdOf(task.name());
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_RETURN_IF_ERROR(SetConnectorError(*tx, actor, id, error));
  BESTAND_ASSIGN_OR_RETURN(std::optional<ConnectorRunRecord> run, tx->GetConnectorRun(id));
  ConnectorRunRecord next = run.value_or(ConnectorRunRecord{id, 0, 0});
  next.attempts = std::min(next.attempts + 1, 30);
  absl::Duration wait = kFirstRetryWait;
  for (int i = 1; i < next.attempts && wait < kMaxRetryWait; ++i) wait *= 2;
  next.next_attempt_micros = absl::ToUnixMicros(clock_() + std::min(wait, kMaxRetryWait));
  BESTAND_RETURN_IF_ERROR(tx->PutConnectorRun(next));
  return tx->Commit();
}

}  // namespace bestand
