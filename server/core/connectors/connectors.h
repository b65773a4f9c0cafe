// Connectors (proto/bestand/v1/connect.proto): which applications Bestand changes itself, and
// the runs that do it. A run takes the open CREATE_ACCOUNT, DISABLE_ACCOUNT and REVOKE_ACCESS
// tasks of connected applications that are due — an account to create on its due date (the
// working day before the start), the others once their due date (the last working day) has
// ended in the company's time zone, and a failed attempt's wait is over — or every open one of a
// case when asked to; makes the change; reads it back; and only when the directory shows it
// done, completes the task through the workflow (the inventory changes in the same transaction)
// with the evidence: what changed, the values read back, when. A failure leaves the task open
// with the error on it (Task.connector_error, audited) and tries again later, waiting twice as
// long each time. An account is created only when the directory has none with the person's
// email, and put into the group named like the task's role.
//
// Every change is audited with the connector in the actor ("anna via the LDAP connector of
// applications/3"). Thread safety: safe for concurrent use; runs take turns.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bestand/v1/connect.pb.h"
#include "common/secret_box.h"
#include "common/time.h"
#include "server/core/connectors/directory.h"
#include "server/core/workflow.h"
#include "server/storage/store.h"

namespace bestand {

// The first wait after a failed attempt; it doubles with each failure up to kMaxRetryWait.
inline constexpr absl::Duration kFirstRetryWait = absl::Seconds(30);
inline constexpr absl::Duration kMaxRetryWait = absl::Hours(1);

// "LDAP" or "SCIM", as evidence and pages name a connection's protocol.
inline std::string ProtocolLabel(int protocol) {
  return protocol == v1::Connection::SCIM ? "SCIM" : "LDAP";
}

class Connectors {
 public:
  // `store` and `workflow` must outlive this; `box` seals secrets; `open` reaches directories;
  // `zone` is where a last working day ends.
  Connectors(Store* store, Workflow* workflow, std::shared_ptr<const SecretBox> box,
             DirectoryFactory open, absl::TimeZone zone, Clock clock);

  absl::StatusOr<v1::Connection> Connect(absl::string_view actor, const v1::ConnectRequest& r);
  absl::StatusOr<v1::Connection> Get(const v1::GetConnectionRequest& r) const;
  absl::StatusOr<v1::TestConnectionResponse> Test(const v1::TestConnectionRequest& r) const;
  absl::Status Remove(absl::string_view actor, const v1::RemoveConnectionRequest& r);
  // The connected applications ("applications/{id}") with their protocol ("LDAP", "SCIM").
  absl::StatusOr<std::map<std::string, std::string>> Connected() const;
  // True when a run acts on `task` once it is due (see above), its application connected.
  static bool ActsOn(const v1::Task& task);

  // One run (see above) on behalf of `actor`.
  absl::StatusOr<v1::RunConnectorsResponse> Run(absl::string_view actor,
                                                const v1::RunConnectorsRequest& r);
  // Reads the application's directory into Bestand's accounts (SyncConnection in
  // connect.proto); FAILED_PRECONDITION when the directory cannot be read, saying why.
  absl::StatusOr<v1::SyncConnectionResponse> Sync(absl::string_view actor,
                                                  const v1::SyncConnectionRequest& r);
  // Enables the person's disabled accounts with one-time passwords (ActivateAccounts in
  // connect.proto).
  absl::StatusOr<v1::ActivateAccountsResponse> Activate(absl::string_view actor,
                                                        const v1::ActivateAccountsRequest& r);
  // What a run would do for `tasks` (those of connected applications it acts on; they need not
  // be stored, and their person may be `newcomer`, who is not either), looked up in the
  // directories, which are only read. An outcome is done when the change can be made, its
  // detail says what it would be or why it cannot.
  absl::StatusOr<std::vector<v1::ConnectorOutcome>> Plan(
      const google::protobuf::RepeatedPtrField<v1::Task>& tasks,
      const v1::Person* newcomer = nullptr);

 private:
  struct Work;
  // The connection of `application` (a reference or natural key): INVALID_ARGUMENT when empty,
  // NOT_FOUND when it has none.
  absl::StatusOr<ConnectionRecord> ConnectionOf(const std::string& application) const;
  absl::StatusOr<DirectoryConfig> ConfigOf(const ConnectionRecord& record) const;
  // The directory of `connection`, connected and authenticated (Directory::Check).
  absl::StatusOr<std::unique_ptr<Directory>> Reach(const ConnectionRecord& connection) const;
  // Acts on one task of `work`'s application; the outcome is recorded on the task. With `plan`
  // only reads, and says what it would do.
  v1::ConnectorOutcome Act(absl::string_view actor, Work& work, const v1::Task& task, bool plan);
  // The change for one task in `work`'s directory, read back: the evidence, or with `plan` what
  // it would do. CreateAccount puts a one-time password into `out`, and says whether the
  // account is `disabled` there.
  absl::StatusOr<std::string> CreateAccount(Work& work, const v1::Task& task, bool plan,
                                            v1::ConnectorOutcome& out, bool& disabled);
  // Records `account` ("accounts/{id}") as DISABLED, audited as `actor`'s.
  absl::Status MarkDisabled(absl::string_view actor, const std::string& account);
  absl::StatusOr<std::string> DisableAccount(Work& work, const v1::Task& task, bool plan);
  absl::StatusOr<std::string> RevokeAccess(Work& work, const v1::Task& task, bool plan);
  absl::Status RecordFailure(absl::string_view actor, const v1::Task& task,
                             const std::string& error);

  Store* store_;
  Workflow* workflow_;
  std::shared_ptr<const SecretBox> box_;
  DirectoryFactory open_;
  absl::TimeZone zone_;
  Clock clock_;
  absl::Mutex run_mu_;
};

}  // namespace bestand
