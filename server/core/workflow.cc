#include "server/core/workflow.h"

#include <cstdint>
#include <initializer_list>
#include <memory>
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
#include "common/time.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "server/core/inventory.h"
#include "server/core/workflow_internal.h"
#include "server/storage/store.h"

namespace bestand {

using google::protobuf::Message;

std::string NameOf(Kind kind, int64_t id) { return absl::StrCat(Spec(kind).collection, "/", id); }

absl::Status Save(WriteTx& tx, absl::string_view actor, Kind kind, const Message& m,
                  std::initializer_list<const char*> fields) {
  google::protobuf::FieldMask mask;
  for (const char* f : fields) mask.add_paths(f);
  std::unique_ptr<Message> after(m.New());
  const std::string name =
      m.GetReflection()->GetString(m, m.GetDescriptor()->FindFieldByName("name"));
  return UpdateInTx(tx, actor, Spec(kind), IdOf(name), m, mask, after.get()).status();
}

std::string Who(const v1::Person& p) {
  return absl::StrCat(p.display_name(), " <", p.email(), ">");
}

absl::StatusOr<absl::CivilDay> RequiredDate(absl::string_view field, const std::string& value) {
  if (value.empty()) return FieldError(absl::StatusCode::kInvalidArgument, field, "is required");
  absl::StatusOr<absl::CivilDay> day = ParseIsoDate(value);
  if (!day.ok())
    return FieldError(absl::StatusCode::kInvalidArgument, field, day.status().message());
  return day;
}

absl::Status AddTask(WriteTx& tx, absl::string_view actor, int64_t case_id, v1::Task task,
                     v1::CaseView* view) {
  if (case_id) task.set_parent(NameOf(Kind::kCase, case_id));
  if (task.status() == v1::Task::STATUS_UNSPECIFIED) task.set_status(v1::Task::OPEN);
  if (task.priority() == v1::Task::PRIORITY_UNSPECIFIED) task.set_priority(v1::Task::NORMAL);
  BESTAND_RETURN_IF_ERROR(CreateInTx(tx, actor, Spec(Kind::kTask), &task).status());
  if (view) *view->add_tasks() = std::move(task);
  return absl::OkStatus();
}

absl::StatusOr<v1::CaseView> View(ReadTx& tx, int64_t case_id) {
  v1::CaseView view;
  BESTAND_ASSIGN_OR_RETURN(*view.mutable_record(), Load<v1::Case>(tx, Kind::kCase, case_id));
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Task> tasks,
                           ListAll<v1::Task>(tx, Kind::kTask, {{"parent", case_id}}));
  for (v1::Task& t : tasks) *view.add_tasks() = std::move(t);
  return view;
}

// The person's open case of `kind`, if any.
absl::StatusOr<std::optional<v1::Case>> OpenCase(ReadTx& tx, int64_t person, v1::Case::Kind kind) {
  BESTAND_ASSIGN_OR_RETURN(
      std::vector<v1::Case> cases,
      ListAll<v1::Case>(tx, Kind::kCase,
                        {{"person", person}, {"status", int64_t{v1::Case::OPEN}}}));
  for (v1::Case& c : cases) {
    if (c.kind() == kind) return std::make_optional(std::move(c));
  }
  return std::nullopt;
}

absl::StatusOr<v1::CaseView> Workflow::GetCase(absl::string_view name) {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(int64_t id, ResolveName(*tx, Kind::kCase, name));
  return View(*tx, id);
}

}  // namespace bestand
