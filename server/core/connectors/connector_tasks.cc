// Connectors, the second half: runs that act on the tasks of connected applications (see
// connectors.h), each change read back before its task is done.
#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "common/time.h"
#include "server/core/connectors/connectors.h"
#include "server/core/inventory.h"
#include "server/core/workflow_internal.h"

namespace bestand {
namespace {

bool IsConnectorAction(v1::Task::Action a) {
  return a == v1::Task::DISABLE_ACCOUNT || a == v1::Task::REVOKE_ACCESS;
}

bool IsOpen(const v1::Task& t) {
  return t.status() == v1::Task::OPEN || t.status() == v1::Task::IN_PROGRESS;
}

std::string Label(const ConnectionRecord& c) {
  return c.protocol == v1::Connection::SCIM ? "SCIM" : "LDAP";
}

std::string Stamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// `text` cut to what a task's notes hold.
std::string Fit(std::string text) {
  constexpr size_t kMax = 1900;  // of kMaxNotesLength (2,000) characters; bytes are fewer
  if (text.size() <= kMax) return text;
  return absl::StrCat(Utf8Prefix(text, kMax), "…");
}

// Out of the groups before disabling: a directory that moves a disabled account may not follow
// its memberships.
void RevokesFirst(std::vector<v1::Task>& tasks) {
  std::stable_sort(tasks.begin(), tasks.end(), [](const v1::Task& a, const v1::Task& b) {
    return a.action() == v1::Task::REVOKE_ACCESS && b.action() != v1::Task::REVOKE_ACCESS;
  });
}

}  // namespace

// One connected application in a run: its tasks, and its directory once reached.
struct Connectors::Work {
  ConnectionRecord connection;
  std::vector<v1::Task> tasks;
  std::unique_ptr<Directory> directory;
  absl::Status reached = absl::UnknownError("not yet connected");
  bool tried = false;
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
    }
    BESTAND_ASSIGN_OR_RETURN(std::vector<ConnectionRecord> connections, tx->ListConnections());
    for (ConnectionRecord& c : connections) {
      std::vector<FieldEquals> equals = {{"application", c.application_id}};
      if (case_id) equals.push_back({"parent", case_id});
      BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Task> tasks,
                               ListAll<v1::Task>(*tx, Kind::kTask, std::move(equals)));
      Work w;
      for (v1::Task& t : tasks) {
        if (!IsConnectorAction(t.action()) || !IsOpen(t) || t.account().empty()) continue;
        if (!case_id) {
          // Due once its day has ended, and once a failed attempt's wait is over.
          absl::StatusOr<absl::CivilDay> due = ParseIsoDate(t.due_date());
          if (!due.ok() || *due >= today) continue;
          BESTAND_ASSIGN_OR_RETURN(std::optional<ConnectorRunRecord> run,
                                   tx->GetConnectorRun(IdOf(t.name())));
          if (run && run->next_attempt_micros > absl::ToUnixMicros(now)) continue;
        }
        w.tasks.push_back(std::move(t));
      }
      if (w.tasks.empty()) continue;
      RevokesFirst(w.tasks);
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

v1::ConnectorOutcome Connectors::Act(absl::string_view actor, Work& work, const v1::Task& task,
                                     bool plan) {
  const ConnectionRecord& c = work.connection;
  const std::string label = Label(c);
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
  auto planned = [&](const std::string& what) {
    out.set_done(true);
    out.set_detail(Fit(absl::StrCat("Bestand via ", label, " (", c.url, ") would ", what)));
    return out;
  };
  if (!work.tried) {
    work.tried = true;
    absl::StatusOr<DirectoryConfig> config = ConfigOf(c);
    absl::StatusOr<std::unique_ptr<Directory>> opened =
        config.ok() ? open_(*config) : config.status();
    if (opened.ok()) {
      work.directory = *std::move(opened);
      work.reached = work.directory->Check().status();
    } else {
      work.reached = opened.status();
    }
  }
  if (!work.reached.ok()) return fail(work.reached);
  Directory& dir = *work.directory;

  std::string username, role;
  {
    absl::StatusOr<std::unique_ptr<ReadTx>> tx = store_->BeginRead();
    if (!tx.ok()) return fail(tx.status());
    absl::StatusOr<v1::Account> account = Load<v1::Account>(**tx, Kind::kAccount, task.account());
    if (!account.ok()) return fail(account.status());
    username = account->username();
    if (task.action() == v1::Task::REVOKE_ACCESS) {
      absl::StatusOr<v1::AccessGrant> grant =
          Load<v1::AccessGrant>(**tx, Kind::kAccessGrant, task.access_grant());
      if (!grant.ok()) return fail(grant.status());
      role = grant->role();
    }
  }
  absl::StatusOr<DirectoryAccount> account = dir.Find(username);
  if (!account.ok()) return fail(account.status());

  std::string evidence;
  if (task.action() == v1::Task::DISABLE_ACCOUNT) {
    if (plan) {
      return planned(account->enabled
                         ? absl::StrCat("disable ", account->id, " (", account->state, ")")
                         : absl::StrCat("find ", account->id, " disabled already (", account->state,
                                        "): nothing to change"));
    }
    if (account->enabled) {
      if (absl::Status s = dir.Disable(*account); !s.ok()) return fail(s);
    }
    absl::StatusOr<DirectoryAccount> after = dir.Find(username);
    if (!after.ok()) return fail(after.status());
    if (after->enabled) {
      return fail(absl::InternalError(absl::StrCat("'", username,
                                                   "' is still enabled after disabling it (read "
                                                   "back: ",
                                                   after->state, ")")));
    }
    evidence = absl::StrCat(
        "Bestand via ", label, " (", c.url, "): ",
        account->enabled ? absl::StrCat("disabled ", account->id, ": ", account->state, " → ")
                         : absl::StrCat(account->id, " was disabled already: "),
        after->state, "; read back ", Stamp(clock_()), ": disabled");
  } else {
    absl::StatusOr<DirectoryGroup> group = dir.FindGroup(role);
    if (!group.ok()) return fail(group.status());
    absl::StatusOr<bool> member = dir.IsMember(*account, *group);
    if (!member.ok()) return fail(member.status());
    if (plan) {
      return planned(*member ? absl::StrCat("remove ", account->id, " from ", group->id)
                             : absl::StrCat("find ", account->id, " no member of ", group->id,
                                            ": nothing to change"));
    }
    if (*member) {
      if (absl::Status s = dir.RemoveMember(*account, *group); !s.ok()) return fail(s);
    }
    absl::StatusOr<bool> still = dir.IsMember(*account, *group);
    if (!still.ok()) return fail(still.status());
    if (*still) {
      return fail(absl::InternalError(
          absl::StrCat(account->id, " is still a member of ", group->id, " after removing it")));
    }
    evidence = absl::StrCat("Bestand via ", label, " (", c.url, "): ", *member ? "removed " : "",
                            account->id, *member ? " from " : " was no member of ", group->id,
                            "; read back ", Stamp(clock_()), ": no member");
  }
  v1::UpdateTaskStatusRequest done;
  done.set_name(task.name());
  done.set_status(v1::Task::DONE);
  done.set_evidence(Fit(evidence));
  absl::StatusOr<v1::Task> updated = workflow_->UpdateTaskStatus(via, TaskScope{0, true}, done);
  if (!updated.ok()) return fail(updated.status());
  out.set_done(true);
  out.set_detail(updated->evidence());
  return out;
}

absl::StatusOr<std::vector<v1::ConnectorOutcome>> Connectors::Plan(
    const google::protobuf::RepeatedPtrField<v1::Task>& tasks) {
  std::vector<Work> work;
  {
    BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
    BESTAND_ASSIGN_OR_RETURN(std::vector<ConnectionRecord> connections, tx->ListConnections());
    for (ConnectionRecord& c : connections) {
      Work w;
      for (const v1::Task& t : tasks) {
        if (IsConnectorAction(t.action()) && IsOpen(t) && !t.account().empty() &&
            IdOf(t.application()) == c.application_id) {
          w.tasks.push_back(t);
        }
      }
      if (w.tasks.empty()) continue;
      RevokesFirst(w.tasks);
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
