// The workflow service: onboarding, offboarding, cases, tasks and findings.
#include <memory>

#include "absl/status/status.h"
#include "bestand/v1/workflow.grpc.pb.h"
#include "common/resources.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "server/core/auth.h"
#include "server/core/inventory.h"
#include "server/core/workflow.h"
#include "server/service/service_impl.h"
#include "server/service/unary.h"

namespace bestand {
namespace {

class WorkflowServiceImpl final : public v1::WorkflowService::CallbackService {
 public:
  explicit WorkflowServiceImpl(const ServiceDeps& d) : d_(d) {}

  grpc::ServerUnaryReactor* Onboard(grpc::CallbackServerContext* ctx, const v1::OnboardRequest* req,
                                    v1::CaseView* out) override {
    return Unary(d_, ctx, Permission::kWrite, [&](const Principal& who) -> absl::Status {
      if (req->plan() && req->now()) {
        return absl::InvalidArgumentError("plan: shows what --now would do; give one of them");
      }
      BESTAND_ASSIGN_OR_RETURN(*out, d_.workflow->Onboard(who.Actor(), *req));
      if (req->plan() && d_.connectors) {
        // The newcomer of a plan is not stored: the connectors learn of them from the request.
        v1::Person newcomer;
        newcomer.set_name(out->record().person());
        newcomer.set_email(req->email());
        newcomer.set_display_name(req->display_name());
        BESTAND_ASSIGN_OR_RETURN(std::vector<v1::ConnectorOutcome> plan,
                                 d_.connectors->Plan(out->tasks(), &newcomer));
        for (v1::ConnectorOutcome& o : plan) *out->add_connector_plan() = std::move(o);
      }
      if (req->now()) return ActNow(who, true, *out);
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* Offboard(grpc::CallbackServerContext* ctx,
                                     const v1::OffboardRequest* req, v1::CaseView* out) override {
    return Unary(d_, ctx, Permission::kWrite, [&](const Principal& who) -> absl::Status {
      if (req->plan() && req->now()) {
        return absl::InvalidArgumentError("plan: shows what --now would do; give one of them");
      }
      BESTAND_ASSIGN_OR_RETURN(*out, d_.workflow->Offboard(who.Actor(), *req));
      if (req->plan() && d_.connectors) {
        BESTAND_ASSIGN_OR_RETURN(std::vector<v1::ConnectorOutcome> plan,
                                 d_.connectors->Plan(out->tasks()));
        for (v1::ConnectorOutcome& o : plan) *out->add_connector_plan() = std::move(o);
      }
      if (req->now() && !out->already_left()) return ActNow(who, false, *out);
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* GetCase(grpc::CallbackServerContext* ctx, const v1::GetCaseRequest* req,
                                    v1::CaseView* out) override {
    return Unary(d_, ctx, Permission::kRead, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.workflow->GetCase(req->name()));
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* ListCases(grpc::CallbackServerContext* ctx,
                                      const v1::ListCasesRequest* req,
                                      v1::ListCasesResponse* out) override {
    return Unary(d_, ctx, Permission::kRead,
                 [&](const Principal&) { return d_.inventory->List(Kind::kCase, *req, out); });
  }
  grpc::ServerUnaryReactor* ListTasks(grpc::CallbackServerContext* ctx,
                                      const v1::ListTasksRequest* req,
                                      v1::ListTasksResponse* out) override {
    return Unary(d_, ctx, Permission::kTasks, [&](const Principal& who) {
      return d_.workflow->ListTasks(TaskScopeOf(who), *req, out);
    });
  }
  grpc::ServerUnaryReactor* CreateTask(grpc::CallbackServerContext* ctx,
                                       const v1::CreateTaskRequest* req, v1::Task* out) override {
    return Unary(d_, ctx, Permission::kWrite, [&](const Principal& who) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.workflow->CreateTask(who.Actor(), req->task()));
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* UpdateTaskStatus(grpc::CallbackServerContext* ctx,
                                             const v1::UpdateTaskStatusRequest* req,
                                             v1::Task* out) override {
    return Unary(d_, ctx, Permission::kTasks, [&](const Principal& who) -> absl::Status {
      BESTAND_RETURN_IF_ERROR(AuthorizeTaskChange(who));
      BESTAND_ASSIGN_OR_RETURN(*out,
                               d_.workflow->UpdateTaskStatus(who.Actor(), TaskScopeOf(who), *req));
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* ListFindings(grpc::CallbackServerContext* ctx,
                                         const v1::ListFindingsRequest*,
                                         v1::ListFindingsResponse* out) override {
    return Unary(d_, ctx, Permission::kRead, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.workflow->ListFindings());
      return absl::OkStatus();
    });
  }

 private:
  // The connectors act on `view`'s case at once (new accounts enabled with one-time passwords
  // when `one_time_passwords`); `view` becomes the case after they did, with what they did.
  absl::Status ActNow(const Principal& who, bool one_time_passwords, v1::CaseView& view) {
    if (!d_.connectors) return absl::OkStatus();
    v1::RunConnectorsRequest run;
    run.set_case_(view.record().name());
    run.set_one_time_passwords(one_time_passwords);
    BESTAND_ASSIGN_OR_RETURN(v1::RunConnectorsResponse done, d_.connectors->Run(who.Actor(), run));
    const bool created = view.created();
    BESTAND_ASSIGN_OR_RETURN(view, d_.workflow->GetCase(view.record().name()));
    view.set_created(created);
    for (v1::ConnectorOutcome& o : *done.mutable_outcomes()) {
      *view.add_connector_outcomes() = std::move(o);
    }
    return absl::OkStatus();
  }

  ServiceDeps d_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeWorkflowService(const ServiceDeps& deps) {
  return std::make_unique<WorkflowServiceImpl>(deps);
}

}  // namespace bestand
