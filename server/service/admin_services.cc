// The administration services: audit trail, company settings and API tokens.
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "bestand/v1/audit.grpc.pb.h"
#include "bestand/v1/auth.grpc.pb.h"
#include "bestand/v1/settings.grpc.pb.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "grpcpp/grpcpp.h"
#include "server/core/audit_log.h"
#include "server/core/auth.h"
#include "server/core/settings.h"
#include "server/service/service_impl.h"
#include "server/service/unary.h"

namespace bestand {
namespace {

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
      BESTAND_ASSIGN_OR_RETURN(
          *out,
          d_.tokens->CreateToken(
              who.Actor(), req->token().display_name(), req->token().role(), req->token().vendor(),
              req->token().has_expire_time() ? ToMicros(req->token().expire_time()) : 0,
              req->token().sign_in_link()));
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

}  // namespace

std::unique_ptr<grpc::Service> MakeAuditService(const ServiceDeps& deps) {
  return std::make_unique<AuditServiceImpl>(deps);
}
std::unique_ptr<grpc::Service> MakeSettingsService(const ServiceDeps& deps) {
  return std::make_unique<SettingsServiceImpl>(deps);
}
std::unique_ptr<grpc::Service> MakeTokenService(const ServiceDeps& deps) {
  return std::make_unique<TokenServiceImpl>(deps);
}

}  // namespace bestand
