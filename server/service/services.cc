#include "server/service/services.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "bestand/v1/agent.grpc.pb.h"
#include "bestand/v1/audit.grpc.pb.h"
#include "bestand/v1/auth.grpc.pb.h"
#include "bestand/v1/inventory.grpc.pb.h"
#include "bestand/v1/report.grpc.pb.h"
#include "bestand/v1/settings.grpc.pb.h"
#include "bestand/v1/workflow.grpc.pb.h"
#include "common/status_macros.h"
#include "google/protobuf/arena.h"
#include "grpcpp/support/message_allocator.h"
#include "grpcpp/support/server_interceptor.h"
#include "server/core/audit.h"
#include "server/imports/directory_import.h"
#include "server/imports/glpi_inventory.h"
#include "server/imports/resource_csv.h"

namespace bestand {
namespace {

absl::StatusOr<Principal> Authenticate(grpc::CallbackServerContext* ctx, TokenManager& tokens) {
  const auto& md = ctx->client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) return tokens.Authenticate("");
  absl::string_view value(it->second.data(), it->second.size());
  if (!absl::ConsumePrefix(&value, "Bearer ")) {
    return absl::UnauthenticatedError("the authorization header must be 'Bearer <token>'");
  }
  return tokens.Authenticate(value);
}

absl::Status Check(const ServiceDeps& d, grpc::CallbackServerContext* ctx, Permission needed,
                   Principal* who) {
  BESTAND_ASSIGN_OR_RETURN(*who, Authenticate(ctx, *d.tokens));
  return Authorize(*who, needed);
}

// Runs a unary call: authenticate, authorise, do `fn(who)`, finish.
template <typename Fn>
grpc::ServerUnaryReactor* Unary(const ServiceDeps& d, grpc::CallbackServerContext* ctx,
                                Permission needed, Fn&& fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  Principal who;
  absl::Status s = Check(d, ctx, needed, &who);
  if (s.ok()) s = fn(who);
  reactor->Finish(ToGrpcStatus(s));
  return reactor;
}

// The options an Update request carries: its `force` field, where it has one.
UpdateOptions UpdateOptionsOf(const google::protobuf::Message& request) {
  const google::protobuf::FieldDescriptor* force =
      request.GetDescriptor()->FindFieldByName("force");
  return {.force = force != nullptr && request.GetReflection()->GetBool(request, force)};
}

// One resource service: Get/List/Create/Update/Delete mapped onto the generic Inventory.
#define BESTAND_RESOURCE_SERVICE(Service, Res, Plural, field, kind)                               \
  class Service##Impl final : public v1::Service::CallbackService {                               \
   public:                                                                                        \
    explicit Service##Impl(const ServiceDeps& d) : d_(d) {}                                       \
    grpc::ServerUnaryReactor* Get##Res(grpc::CallbackServerContext* ctx,                          \
                                       const v1::Get##Res##Request* req, v1::Res* out) override { \
      return Unary(d_, ctx, Permission::kRead,                                                    \
                   [&](const Principal&) { return d_.inventory->Get(kind, req->name(), out); });  \
    }                                                                                             \
    grpc::ServerUnaryReactor* List##Plural(grpc::CallbackServerContext* ctx,                      \
                                           const v1::List##Plural##Request* req,                  \
                                           v1::List##Plural##Response* out) override {            \
      return Unary(d_, ctx, Permission::kRead,                                                    \
                   [&](const Principal&) { return d_.inventory->List(kind, *req, out); });        \
    }                                                                                             \
    grpc::ServerUnaryReactor* Create##Res(grpc::CallbackServerContext* ctx,                       \
                                          const v1::Create##Res##Request* req,                    \
                                          v1::Res* out) override {                                \
      return Unary(d_, ctx, Permission::kWrite, [&](const Principal& who) {                       \
        return d_.inventory->Create(who.Actor(), kind, req->field(), out);                        \
      });                                                                                         \
    }                                                                                             \
    grpc::ServerUnaryReactor* Update##Res(grpc::CallbackServerContext* ctx,                       \
                                          const v1::Update##Res##Request* req,                    \
                                          v1::Res* out) override {                                \
      return Unary(d_, ctx, Permission::kWrite, [&](const Principal& who) {                       \
        return d_.inventory->Update(who.Actor(), kind, req->field(), req->update_mask(), out,     \
                                    UpdateOptionsOf(*req));                                       \
      });                                                                                         \
    }                                                                                             \
    grpc::ServerUnaryReactor* Delete##Res(grpc::CallbackServerContext* ctx,                       \
                                          const v1::Delete##Res##Request* req,                    \
                                          google::protobuf::Empty*) override {                    \
      return Unary(d_, ctx, Permission::kWrite, [&](const Principal& who) {                       \
        return d_.inventory->Delete(who.Actor(), kind, req->name());                              \
      });                                                                                         \
    }                                                                                             \
                                                                                                  \
   private:                                                                                       \
    ServiceDeps d_;                                                                               \
  }

BESTAND_RESOURCE_SERVICE(PersonService, Person, People, person, Kind::kPerson);
BESTAND_RESOURCE_SERVICE(DeviceService, Device, Devices, device, Kind::kDevice);
BESTAND_RESOURCE_SERVICE(ApplicationService, Application, Applications, application,
                         Kind::kApplication);
BESTAND_RESOURCE_SERVICE(VendorService, Vendor, Vendors, vendor, Kind::kVendor);
BESTAND_RESOURCE_SERVICE(AccountService, Account, Accounts, account, Kind::kAccount);
BESTAND_RESOURCE_SERVICE(AccessGrantService, AccessGrant, AccessGrants, access_grant,
                         Kind::kAccessGrant);
BESTAND_RESOURCE_SERVICE(LicenseService, License, Licenses, license, Kind::kLicense);
BESTAND_RESOURCE_SERVICE(LicenseAssignmentService, LicenseAssignment, LicenseAssignments,
                         license_assignment, Kind::kLicenseAssignment);
BESTAND_RESOURCE_SERVICE(TemplateItemService, TemplateItem, TemplateItems, template_item,
                         Kind::kTemplateItem);
BESTAND_RESOURCE_SERVICE(ProductRuleService, ProductRule, ProductRules, product_rule,
                         Kind::kProductRule);
#undef BESTAND_RESOURCE_SERVICE

class ReportServiceImpl final : public v1::ReportService::CallbackService {
 public:
  explicit ReportServiceImpl(const ServiceDeps& d) : d_(d) {}

  template <typename Fn, typename Out>
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* ctx, Out* out, Fn&& fn) {
    return Unary(d_, ctx, Permission::kRead, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, fn());
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* GetLicenseReport(grpc::CallbackServerContext* ctx,
                                             const v1::LicenseReportRequest* req,
                                             v1::LicenseReport* out) override {
    return Run(ctx, out, [&] { return d_.reports->Licenses(*req); });
  }
  grpc::ServerUnaryReactor* GetRenewalReport(grpc::CallbackServerContext* ctx,
                                             const v1::RenewalReportRequest* req,
                                             v1::RenewalReport* out) override {
    return Run(ctx, out, [&] { return d_.reports->Renewals(*req); });
  }
  grpc::ServerUnaryReactor* GetCostReport(grpc::CallbackServerContext* ctx,
                                          const v1::CostReportRequest* req,
                                          v1::CostReport* out) override {
    return Run(ctx, out, [&] { return d_.reports->Costs(*req); });
  }
  grpc::ServerUnaryReactor* GetOverlapReport(grpc::CallbackServerContext* ctx,
                                             const v1::OverlapReportRequest*,
                                             v1::OverlapReport* out) override {
    return Run(ctx, out, [&] { return d_.reports->Overlaps(); });
  }
  grpc::ServerUnaryReactor* GetComplianceReport(grpc::CallbackServerContext* ctx,
                                                const v1::ComplianceReportRequest*,
                                                v1::ComplianceReport* out) override {
    return Run(ctx, out, [&] { return d_.reports->Compliance(); });
  }
  grpc::ServerUnaryReactor* GetSummaryReport(grpc::CallbackServerContext* ctx,
                                             const v1::SummaryReportRequest* req,
                                             v1::SummaryReport* out) override {
    return Run(ctx, out, [&] { return d_.reports->Summary(*req); });
  }

 private:
  ServiceDeps d_;
};

TaskScope ScopeOf(const Principal& who) {
  return {.vendor_id = who.role == v1::VENDOR ? who.vendor_id : 0,
          .may_accept = who.role == v1::ADMIN || who.role == v1::COORDINATOR};
}

class WorkflowServiceImpl final : public v1::WorkflowService::CallbackService {
 public:
  explicit WorkflowServiceImpl(const ServiceDeps& d) : d_(d) {}

  grpc::ServerUnaryReactor* Onboard(grpc::CallbackServerContext* ctx, const v1::OnboardRequest* req,
                                    v1::CaseView* out) override {
    return Unary(d_, ctx, Permission::kWrite, [&](const Principal& who) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.workflow->Onboard(who.Actor(), *req));
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* Offboard(grpc::CallbackServerContext* ctx,
                                     const v1::OffboardRequest* req, v1::CaseView* out) override {
    return Unary(d_, ctx, Permission::kWrite, [&](const Principal& who) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.workflow->Offboard(who.Actor(), *req));
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
      return d_.workflow->ListTasks(ScopeOf(who), *req, out);
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
      if (who.role == v1::VIEWER) return Authorize(who, Permission::kWrite);
      BESTAND_ASSIGN_OR_RETURN(*out,
                               d_.workflow->UpdateTaskStatus(who.Actor(), ScopeOf(who), *req));
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
  ServiceDeps d_;
};

// Streams import progress while a worker thread runs the import.
class ImportReactor final : public grpc::ServerWriteReactor<v1::ImportCsvProgress> {
 public:
  ImportReactor(const ServiceDeps& d, grpc::CallbackServerContext* ctx,
                const v1::ImportCsvRequest* req) {
    Principal who;
    absl::Status s = Check(d, ctx, Permission::kWrite, &who);
    if (!s.ok()) {
      Finish(ToGrpcStatus(s));
      return;
    }
    worker_ = std::thread([this, d, ctx, req, actor = who.Actor()] {
      absl::StatusOr<v1::ImportCsvProgress> summary = Import(d, ctx, *req, actor);
      if (summary.ok()) {
        summary->set_done(true);
        Send(*std::move(summary));
      }
      std::lock_guard lock(mu_);
      final_ = ToGrpcStatus(summary.status());
      worker_done_ = true;
      if (!writing_) Finish(final_);
    });
  }

  // Runs the import the request names, streaming progress; returns the last message.
  absl::StatusOr<v1::ImportCsvProgress> Import(const ServiceDeps& d,
                                               grpc::CallbackServerContext* ctx,
                                               const v1::ImportCsvRequest& req,
                                               const std::string& actor) {
    v1::ImportCsvProgress p;
    if (req.collection() == "glpi" || req.collection() == "fusion") {
      BESTAND_ASSIGN_OR_RETURN(v1::InventoryReport report,
                               req.collection() == "glpi" ? ParseGlpiInventory(req.content())
                                                          : ParseFusionInventory(req.content()));
      BESTAND_ASSIGN_OR_RETURN(InventoryImport imported,
                               d.fleet->ImportInventory(actor, report, req.dry_run()));
      p.set_rows_done(1);
      p.set_rows_total(1);
      p.set_created(imported.created);
      p.set_updated(!imported.created);
      p.set_device(imported.device);
      p.set_software_changes(imported.changes);
      return p;
    }
    BESTAND_ASSIGN_OR_RETURN(
        ImportResult r,
        IsDirectoryFormat(req.collection())
            ? ImportDirectoryExport(*d.inventory, actor, req.collection(), req.content(),
                                    req.dry_run(), req.mark_missing_deleted())
            : ImportResourceCsv(
                  *d.inventory, actor, req.collection(), req.content(), req.dry_run(),
                  [this](int64_t done, int64_t total) {
                    v1::ImportCsvProgress progress;
                    progress.set_rows_done(done);
                    progress.set_rows_total(total);
                    Send(std::move(progress));
                  },
                  500, [ctx] { return ctx->IsCancelled(); }));
    p.set_rows_done(r.rows);
    p.set_rows_total(r.rows);
    p.set_created(r.created);
    p.set_updated(r.updated);
    p.set_unchanged(r.unchanged);
    for (std::string& m : r.missing) p.add_missing(std::move(m));
    p.set_deleted(r.deleted);
    return p;
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    queue_.pop_front();
    if (!ok) {
      broken_ = true;  // the client went away; the import still completes or rolls back
      queue_.clear();
    }
    if (!queue_.empty()) {
      StartWrite(&queue_.front());
      return;
    }
    writing_ = false;
    if (worker_done_) Finish(final_);
  }

  void OnDone() override {
    if (worker_.joinable()) worker_.join();
    delete this;
  }

 private:
  void Send(v1::ImportCsvProgress p) {
    std::lock_guard lock(mu_);
    if (broken_) return;
    queue_.push_back(std::move(p));  // deque: references to queued elements stay valid
    if (!writing_) {
      writing_ = true;
      StartWrite(&queue_.front());
    }
  }

  std::mutex mu_;
  std::deque<v1::ImportCsvProgress> queue_;
  bool writing_ = false;
  bool broken_ = false;
  bool worker_done_ = false;
  grpc::Status final_;
  std::thread worker_;
};

class ImportServiceImpl final : public v1::ImportService::CallbackService {
 public:
  explicit ImportServiceImpl(const ServiceDeps& d) : d_(d) {}
  grpc::ServerWriteReactor<v1::ImportCsvProgress>* ImportCsv(
      grpc::CallbackServerContext* ctx, const v1::ImportCsvRequest* req) override {
    return new ImportReactor(d_, ctx, req);
  }

 private:
  ServiceDeps d_;
};

class SettingsServiceImpl final : public v1::SettingsService::CallbackService {
 public:
  explicit SettingsServiceImpl(const ServiceDeps& d) : d_(d) {}

  grpc::ServerUnaryReactor* GetSettings(grpc::CallbackServerContext* ctx,
                                        const v1::GetSettingsRequest*, v1::Settings* out) override {
    return Unary(d_, ctx, Permission::kRead, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.settings->Get());
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* UpdateSettings(grpc::CallbackServerContext* ctx,
                                           const v1::UpdateSettingsRequest* req,
                                           v1::Settings* out) override {
    return Unary(d_, ctx, Permission::kAdmin, [&](const Principal& who) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.settings->Update(who.Actor(), *req));
      return absl::OkStatus();
    });
  }

 private:
  ServiceDeps d_;
};

class AuditServiceImpl final : public v1::AuditService::CallbackService {
 public:
  explicit AuditServiceImpl(const ServiceDeps& d) : d_(d) {}

  grpc::ServerUnaryReactor* ListAuditEvents(grpc::CallbackServerContext* ctx,
                                            const v1::ListAuditEventsRequest* req,
                                            v1::ListAuditEventsResponse* out) override {
    return Unary(d_, ctx, Permission::kRead, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.audit->List(*req));
      return absl::OkStatus();
    });
  }

  grpc::ServerUnaryReactor* VerifyAudit(grpc::CallbackServerContext* ctx,
                                        const v1::VerifyAuditRequest* req,
                                        v1::VerifyAuditResponse* out) override {
    return Unary(d_, ctx, Permission::kRead, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.audit->Verify(*req));
      return absl::OkStatus();
    });
  }

 private:
  ServiceDeps d_;
};

class TokenServiceImpl final : public v1::TokenService::CallbackService {
 public:
  explicit TokenServiceImpl(const ServiceDeps& d) : d_(d) {}

  grpc::ServerUnaryReactor* CreateToken(grpc::CallbackServerContext* ctx,
                                        const v1::CreateTokenRequest* req,
                                        v1::CreateTokenResponse* out) override {
    return Unary(d_, ctx, Permission::kAdmin, [&](const Principal& who) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out,
                               d_.tokens->CreateToken(who.Actor(), req->token().display_name(),
                                                      req->token().role(), req->token().vendor()));
      return absl::OkStatus();
    });
  }

  grpc::ServerUnaryReactor* ListTokens(grpc::CallbackServerContext* ctx,
                                       const v1::ListTokensRequest*,
                                       v1::ListTokensResponse* out) override {
    return Unary(d_, ctx, Permission::kAdmin, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Token> tokens, d_.tokens->ListTokens());
      for (v1::Token& t : tokens) *out->add_tokens() = std::move(t);
      return absl::OkStatus();
    });
  }

  grpc::ServerUnaryReactor* RevokeToken(grpc::CallbackServerContext* ctx,
                                        const v1::RevokeTokenRequest* req,
                                        v1::Token* out) override {
    return Unary(d_, ctx, Permission::kAdmin, [&](const Principal& who) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.tokens->RevokeToken(who.Actor(), req->name()));
      return absl::OkStatus();
    });
  }

  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* ctx, const v1::WhoAmIRequest*,
                                   v1::WhoAmIResponse* out) override {
    // Every role may ask who it is (vendor tokens too: 'bestand login' asks).
    return Unary(d_, ctx, Permission::kTasks, [&](const Principal& who) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out->mutable_token(), d_.tokens->GetToken(who.token_id));
      out->set_server_version(BESTAND_VERSION);
      return absl::OkStatus();
    });
  }

 private:
  ServiceDeps d_;
};

// The bearer value of the authorization header, "" when absent.
std::string BearerToken(grpc::CallbackServerContext* ctx) {
  const auto& md = ctx->client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) return "";
  absl::string_view value(it->second.data(), it->second.size());
  return absl::ConsumePrefix(&value, "Bearer ") ? std::string(value) : "";
}

// The verified client certificate of the TLS peer, "" when none was presented.
std::string PeerCertificate(grpc::CallbackServerContext* ctx) {
  auto auth = ctx->auth_context();
  if (!auth) return "";
  auto values = auth->FindPropertyValues("x509_pem_cert");
  return values.empty() ? "" : std::string(values[0].data(), values[0].size());
}

// Reports are large (1,500 packages are 1,500 nested messages). Parsing them into an arena
// replaces thousands of mallocs and frees per report with a few large blocks. (An arena's
// user-provided initial block would be tied to the thread that reset it, so blocks are
// allocated per call instead.)
template <typename Request, typename Response>
class PooledArenaAllocator final : public grpc::MessageAllocator<Request, Response> {
 public:
  ~PooledArenaAllocator() override {
    for (Holder* h : free_) delete h;
  }

  grpc::MessageHolder<Request, Response>* AllocateMessages() override {
    Holder* h = nullptr;
    {
      std::lock_guard lock(mu_);
      if (!free_.empty()) {
        h = free_.back();
        free_.pop_back();
      }
    }
    if (h == nullptr) h = new Holder(this);
    h->Start();
    return h;
  }

 private:
  static constexpr size_t kMaxPooled = 32;

  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    explicit Holder(PooledArenaAllocator* owner)
        : owner_(owner), arena_([] {
            google::protobuf::ArenaOptions options;
            options.start_block_size = 64 * 1024;
            options.max_block_size = 1024 * 1024;
            return options;
          }()) {}
    void Start() {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override {
      arena_.Reset();
      owner_->Return(this);
    }

   private:
    PooledArenaAllocator* owner_;
    google::protobuf::Arena arena_;
  };

  void Return(Holder* h) {
    std::lock_guard lock(mu_);
    if (free_.size() < kMaxPooled) {
      free_.push_back(h);
    } else {
      delete h;
    }
  }

  std::mutex mu_;
  std::vector<Holder*> free_;
};

// Agents: Enroll with an enrollment token, then Report/Heartbeat with their client certificate.
class AgentServiceImpl final : public v1::AgentService::CallbackService {
 public:
  explicit AgentServiceImpl(const ServiceDeps& d) : d_(d) {
    SetMessageAllocatorFor_Report(&report_allocator_);
  }

  grpc::ServerUnaryReactor* Enroll(grpc::CallbackServerContext* ctx, const v1::EnrollRequest* req,
                                   v1::EnrollResponse* out) override {
    return Finish(ctx, [&]() -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.fleet->Enroll(BearerToken(ctx), *req));
      return absl::OkStatus();
    });
  }

  grpc::ServerUnaryReactor* Report(grpc::CallbackServerContext* ctx, const v1::ReportRequest* req,
                                   v1::ReportResponse* out) override {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    absl::StatusOr<AgentIdentity> who = d_.fleet->AuthenticateAgent(PeerCertificate(ctx));
    if (!who.ok()) {
      reactor->Finish(ToGrpcStatus(who.status()));
      return reactor;
    }
    // Answered from the report writer's thread once the report is committed; the call (and so
    // `req` and `out`) lives until then.
    d_.fleet->Report(*who, *req, [reactor, out](absl::StatusOr<v1::ReportResponse> r) {
      if (r.ok()) *out = std::move(*r);
      reactor->Finish(ToGrpcStatus(r.status()));
    });
    return reactor;
  }

  grpc::ServerUnaryReactor* Heartbeat(grpc::CallbackServerContext* ctx,
                                      const v1::HeartbeatRequest* req,
                                      v1::HeartbeatResponse* out) override {
    return Finish(ctx, [&]() -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(AgentIdentity who,
                               d_.fleet->AuthenticateAgent(PeerCertificate(ctx)));
      BESTAND_ASSIGN_OR_RETURN(*out, d_.fleet->Heartbeat(who, *req));
      return absl::OkStatus();
    });
  }

  grpc::ServerUnaryReactor* RenewCertificate(grpc::CallbackServerContext* ctx,
                                             const v1::RenewCertificateRequest* req,
                                             v1::RenewCertificateResponse* out) override {
    return Finish(ctx, [&]() -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(AgentIdentity who,
                               d_.fleet->AuthenticateAgent(PeerCertificate(ctx)));
      BESTAND_ASSIGN_OR_RETURN(*out, d_.fleet->RenewCertificate(who, *req));
      return absl::OkStatus();
    });
  }

 private:
  template <typename Fn>
  grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* ctx, Fn&& fn) {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(ToGrpcStatus(fn()));
    return reactor;
  }
  ServiceDeps d_;
  PooledArenaAllocator<v1::ReportRequest, v1::ReportResponse> report_allocator_;
};

class AgentAdminServiceImpl final : public v1::AgentAdminService::CallbackService {
 public:
  explicit AgentAdminServiceImpl(const ServiceDeps& d) : d_(d) {}

  grpc::ServerUnaryReactor* CreateEnrollmentToken(grpc::CallbackServerContext* ctx,
                                                  const v1::CreateEnrollmentTokenRequest* req,
                                                  v1::CreateEnrollmentTokenResponse* out) override {
    return Unary(d_, ctx, Permission::kWrite, [&](const Principal& who) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.fleet->CreateEnrollmentToken(who.Actor(), *req));
      return absl::OkStatus();
    });
  }

  grpc::ServerUnaryReactor* ListEnrollmentTokens(grpc::CallbackServerContext* ctx,
                                                 const v1::ListEnrollmentTokensRequest*,
                                                 v1::ListEnrollmentTokensResponse* out) override {
    return Unary(d_, ctx, Permission::kWrite, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.fleet->ListEnrollmentTokens());
      return absl::OkStatus();
    });
  }

  grpc::ServerUnaryReactor* RevokeEnrollmentToken(grpc::CallbackServerContext* ctx,
                                                  const v1::RevokeEnrollmentTokenRequest* req,
                                                  v1::RevokeEnrollmentTokenResponse*) override {
    return Unary(d_, ctx, Permission::kWrite, [&](const Principal& who) {
      return d_.fleet->RevokeEnrollmentToken(who.Actor(), req->name());
    });
  }

  grpc::ServerUnaryReactor* RevokeAgent(grpc::CallbackServerContext* ctx,
                                        const v1::RevokeAgentRequest* req,
                                        v1::RevokeAgentResponse*) override {
    return Unary(d_, ctx, Permission::kWrite, [&](const Principal& who) {
      return d_.fleet->RevokeAgent(who.Actor(), req->device());
    });
  }

 private:
  ServiceDeps d_;
};

class SoftwareServiceImpl final : public v1::SoftwareService::CallbackService {
 public:
  explicit SoftwareServiceImpl(const ServiceDeps& d) : d_(d) {}

  grpc::ServerUnaryReactor* GetDeviceInventory(grpc::CallbackServerContext* ctx,
                                               const v1::GetDeviceInventoryRequest* req,
                                               v1::DeviceInventory* out) override {
    return Unary(d_, ctx, Permission::kRead, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.fleet->GetDeviceInventory(*req));
      return absl::OkStatus();
    });
  }

  grpc::ServerUnaryReactor* ListSoftwareChanges(grpc::CallbackServerContext* ctx,
                                                const v1::ListSoftwareChangesRequest* req,
                                                v1::ListSoftwareChangesResponse* out) override {
    return Unary(d_, ctx, Permission::kRead, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.fleet->ListSoftwareChanges(*req));
      return absl::OkStatus();
    });
  }

  grpc::ServerUnaryReactor* SearchSoftware(grpc::CallbackServerContext* ctx,
                                           const v1::SearchSoftwareRequest* req,
                                           v1::SearchSoftwareResponse* out) override {
    return Unary(d_, ctx, Permission::kRead, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.fleet->SearchSoftware(*req));
      return absl::OkStatus();
    });
  }

  grpc::ServerUnaryReactor* ListStaleDevices(grpc::CallbackServerContext* ctx,
                                             const v1::ListStaleDevicesRequest* req,
                                             v1::ListStaleDevicesResponse* out) override {
    return Unary(d_, ctx, Permission::kRead, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.fleet->ListStaleDevices(*req));
      return absl::OkStatus();
    });
  }

 private:
  ServiceDeps d_;
};

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  if (s.code() == absl::StatusCode::kInternal || s.code() == absl::StatusCode::kUnknown) {
    // What went wrong inside (SQL, file names) is for the server's log, not for the caller.
    static std::atomic<uint64_t> incidents{0};
    const uint64_t id = ++incidents;
    std::fprintf(stderr, "bestand-server: internal error #%llu: %s\n",
                 static_cast<unsigned long long>(id), std::string(s.message()).c_str());
    return grpc::Status(static_cast<grpc::StatusCode>(s.code()),
                        absl::StrCat("internal error #", id, " (the server log has the details)"));
  }
  // absl and gRPC share the canonical code numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

namespace {

// gRPC answers a request it cannot parse (bytes that are not protobuf, a string field that is
// not UTF-8) with UNIMPLEMENTED and no message, as if the method did not exist. This interceptor
// makes that the INVALID_ARGUMENT it is.
class MalformedRequestInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit MalformedRequestInterceptor(std::string method) : method_(std::move(method)) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status s = methods->GetSendStatus();
      if (s.error_code() == grpc::StatusCode::UNIMPLEMENTED && s.error_message().empty()) {
        methods->ModifySendStatus(grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            absl::StrCat("the request to ", method_,
                         " cannot be read: a text field holds bytes that are not UTF-8, or the "
                         "message is not protobuf")));
      }
    }
    methods->Proceed();
  }

 private:
  std::string method_;
};

class MalformedRequestInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // "/bestand.v1.PersonService/GetPerson": a method that exists (others stay UNIMPLEMENTED).
    std::string method = info->method();
    if (method.size() < 2 || method[0] != '/') return nullptr;
    std::string full = method.substr(1);
    std::replace(full.begin(), full.end(), '/', '.');
    if (google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full) == nullptr) {
      return nullptr;
    }
    return new MalformedRequestInterceptor(method.substr(1));
  }
};

}  // namespace

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
MakeInterceptors() {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> out;
  out.push_back(std::make_unique<MalformedRequestInterceptorFactory>());
  return out;
}

std::vector<std::unique_ptr<grpc::Service>> MakeServices(const ServiceDeps& d) {
  std::vector<std::unique_ptr<grpc::Service>> out;
  out.push_back(std::make_unique<PersonServiceImpl>(d));
  out.push_back(std::make_unique<DeviceServiceImpl>(d));
  out.push_back(std::make_unique<ApplicationServiceImpl>(d));
  out.push_back(std::make_unique<VendorServiceImpl>(d));
  out.push_back(std::make_unique<AccountServiceImpl>(d));
  out.push_back(std::make_unique<AccessGrantServiceImpl>(d));
  out.push_back(std::make_unique<LicenseServiceImpl>(d));
  out.push_back(std::make_unique<LicenseAssignmentServiceImpl>(d));
  out.push_back(std::make_unique<TemplateItemServiceImpl>(d));
  out.push_back(std::make_unique<WorkflowServiceImpl>(d));
  out.push_back(std::make_unique<ProductRuleServiceImpl>(d));
  out.push_back(std::make_unique<ReportServiceImpl>(d));
  out.push_back(std::make_unique<ImportServiceImpl>(d));
  out.push_back(std::make_unique<AuditServiceImpl>(d));
  out.push_back(std::make_unique<SettingsServiceImpl>(d));
  out.push_back(std::make_unique<TokenServiceImpl>(d));
  out.push_back(std::make_unique<AgentServiceImpl>(d));
  out.push_back(std::make_unique<AgentAdminServiceImpl>(d));
  out.push_back(std::make_unique<SoftwareServiceImpl>(d));
  return out;
}

}  // namespace bestand
