// The fleet services: the agents' own service, their administration and the software inventory.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "bestand/v1/agent.grpc.pb.h"
#include "common/status_macros.h"
#include "google/protobuf/arena.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/message_allocator.h"
#include "server/core/auth.h"
#include "server/core/fleet.h"
#include "server/service/service_impl.h"
#include "server/service/unary.h"

namespace bestand {
namespace {

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

std::unique_ptr<grpc::Service> MakeAgentService(const ServiceDeps& deps) {
  return std::make_unique<AgentServiceImpl>(deps);
}
std::unique_ptr<grpc::Service> MakeAgentAdminService(const ServiceDeps& deps) {
  return std::make_unique<AgentAdminServiceImpl>(deps);
}
std::unique_ptr<grpc::Service> MakeSoftwareService(const ServiceDeps& deps) {
  return std::make_unique<SoftwareServiceImpl>(deps);
}

}  // namespace bestand
