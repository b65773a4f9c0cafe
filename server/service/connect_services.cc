// The connection service: connecting applications' directories and running their connectors.
#include <memory>

#include "absl/status/status.h"
#include "bestand/v1/connect.grpc.pb.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "server/core/auth.h"
#include "server/core/connectors/connectors.h"
#include "server/service/service_impl.h"
#include "server/service/unary.h"

namespace bestand {
namespace {

class ConnectionServiceImpl final : public v1::ConnectionService::CallbackService {
 public:
  explicit ConnectionServiceImpl(const ServiceDeps& d) : d_(d) {}

  grpc::ServerUnaryReactor* Connect(grpc::CallbackServerContext* ctx, const v1::ConnectRequest* req,
                                    v1::Connection* out) override {
    return Unary(d_, ctx, Permission::kAdmin, [&](const Principal& who) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(Connectors * c, ConnectorsOf());
      BESTAND_ASSIGN_OR_RETURN(*out, c->Connect(who.Actor(), *req));
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* GetConnection(grpc::CallbackServerContext* ctx,
                                          const v1::GetConnectionRequest* req,
                                          v1::Connection* out) override {
    return Unary(d_, ctx, Permission::kWrite, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(Connectors * c, ConnectorsOf());
      BESTAND_ASSIGN_OR_RETURN(*out, c->Get(*req));
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* TestConnection(grpc::CallbackServerContext* ctx,
                                           const v1::TestConnectionRequest* req,
                                           v1::TestConnectionResponse* out) override {
    return Unary(d_, ctx, Permission::kAdmin, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(Connectors * c, ConnectorsOf());
      BESTAND_ASSIGN_OR_RETURN(*out, c->Test(*req));
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* RemoveConnection(grpc::CallbackServerContext* ctx,
                                             const v1::RemoveConnectionRequest* req,
                                             v1::RemoveConnectionResponse*) override {
    return Unary(d_, ctx, Permission::kAdmin, [&](const Principal& who) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(Connectors * c, ConnectorsOf());
      return c->Remove(who.Actor(), *req);
    });
  }
  grpc::ServerUnaryReactor* RunConnectors(grpc::CallbackServerContext* ctx,
                                          const v1::RunConnectorsRequest* req,
                                          v1::RunConnectorsResponse* out) override {
    return Unary(d_, ctx, Permission::kWrite, [&](const Principal& who) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(Connectors * c, ConnectorsOf());
      BESTAND_ASSIGN_OR_RETURN(*out, c->Run(who.Actor(), *req));
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* SyncConnection(grpc::CallbackServerContext* ctx,
                                           const v1::SyncConnectionRequest* req,
                                           v1::SyncConnectionResponse* out) override {
    return Unary(d_, ctx, Permission::kWrite, [&](const Principal& who) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(Connectors * c, ConnectorsOf());
      BESTAND_ASSIGN_OR_RETURN(*out, c->Sync(who.Actor(), *req));
      return absl::OkStatus();
    });
  }

  grpc::ServerUnaryReactor* ActivateAccounts(grpc::CallbackServerContext* ctx,
                                             const v1::ActivateAccountsRequest* req,
                                             v1::ActivateAccountsResponse* out) override {
    return Unary(d_, ctx, Permission::kWrite, [&](const Principal& who) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(Connectors * c, ConnectorsOf());
      BESTAND_ASSIGN_OR_RETURN(*out, c->Activate(who.Actor(), *req));
      return absl::OkStatus();
    });
  }

 private:
  absl::StatusOr<Connectors*> ConnectorsOf() const {
    if (d_.connectors) return d_.connectors;
    return absl::FailedPreconditionError("this server has no connectors (no secrets key)");
  }

  ServiceDeps d_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeConnectionService(const ServiceDeps& deps) {
  return std::make_unique<ConnectionServiceImpl>(deps);
}

}  // namespace bestand
