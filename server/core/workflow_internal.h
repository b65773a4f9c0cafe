// The building blocks the parts of the workflow share (workflow.cc defines them): loading and
// listing records in a transaction, saving changed fields with an audit event, cases and their
// tasks. Used by workflow_onboarding.cc, workflow_offboarding.cc, workflow_tasks.cc and
// findings.cc only; not part of the core's interface.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/workflow.pb.h"
#include "common/resources.h"
#include "common/status_macros.h"
#include "google/protobuf/message.h"
#include "server/core/inventory.h"
#include "server/storage/store.h"

namespace bestand {

// "{collection}/{id}", the resource name of record `id` of `kind`.
std::string NameOf(Kind kind, int64_t id);

// Record `id` of `kind` as an `M`; NOT_FOUND naming it when there is none.
template <typename M>
absl::StatusOr<M> Load(ReadTx& tx, Kind kind, int64_t id) {
  M m;
  BESTAND_ASSIGN_OR_RETURN(bool found, tx.Get(kind, id, &m));
  if (!found) {
    return absl::NotFoundError(absl::StrCat(Spec(kind).noun, " ", NameOf(kind, id), " not found"));
  }
  return m;
}

// The record of `kind` that `name` (a resource name or natural key) names, as an `M`.
template <typename M>
absl::StatusOr<M> Load(ReadTx& tx, Kind kind, absl::string_view name) {
  BESTAND_ASSIGN_OR_RETURN(int64_t id, ResolveName(tx, kind, name));
  return Load<M>(tx, kind, id);
}

// Every record of `kind` whose fields equal `equals`, in id order.
template <typename M>
absl::StatusOr<std::vector<M>> ListAll(ReadTx& tx, Kind kind, std::vector<FieldEquals> equals) {
  ListQuery q;
  q.equals = std::move(equals);
  std::vector<M> out;
  BESTAND_RETURN_IF_ERROR(tx.List(kind, q, [&](int64_t, const google::protobuf::Message& m) {
    out.push_back(static_cast<const M&>(m));
    return absl::OkStatus();
  }));
  return out;
}

// Writes the named fields of `m` (an existing resource, by its name) with an audit event.
absl::Status Save(WriteTx& tx, absl::string_view actor, Kind kind,
                  const google::protobuf::Message& m, std::initializer_list<const char*> fields);

// "Display Name <email>", how task titles and findings name a person.
std::string Who(const v1::Person& p);

// Sets task `task_id`'s connector_error (output only: no request changes it), audited; the
// same error again changes nothing.
absl::Status SetConnectorError(WriteTx& tx, absl::string_view actor, int64_t task_id,
                               absl::string_view error);

// The date in `value`; INVALID_ARGUMENT naming `field` when it is empty or not an ISO date.
absl::StatusOr<absl::CivilDay> RequiredDate(absl::string_view field, const std::string& value);

// Creates `task` (OPEN and NORMAL priority unless it says otherwise) with an audit event: a task
// of case `case_id`, or, for 0, of the parent it names, if any. Adds it to `view` unless nullptr.
absl::Status AddTask(WriteTx& tx, absl::string_view actor, int64_t case_id, v1::Task task,
                     v1::CaseView* view);

// Case `case_id` with all its tasks.
absl::StatusOr<v1::CaseView> View(ReadTx& tx, int64_t case_id);

// The person's open case of `kind`, if any.
absl::StatusOr<std::optional<v1::Case>> OpenCase(ReadTx& tx, int64_t person, v1::Case::Kind kind);

}  // namespace bestand
