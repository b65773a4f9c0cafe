// How GrpcClient makes every call: the bearer token, a deadline, and the one mapping of the
// answer's status (common/rpc/status.h).
#pragma once

#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/client.h"
#include "common/rpc/status.h"
#include "grpcpp/grpcpp.h"

namespace bestand {

class GrpcCall {
 public:
  explicit GrpcCall(ClientConfig config) : config_(std::move(config)) {}

  // Calls the unary rpc `method` of `stub` (e.g. &v1::TokenService::Stub::CreateToken): a
  // method that does not exist, or request and response types that do not fit it, do not
  // compile.
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Unary(Stub& stub,
                                 grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                              Response*),
                                 const Request& request) const {
    grpc::ClientContext context;
    Prepare(&context, config_.timeout);
    Response response;
    absl::Status status = Status((stub.*method)(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  // Sets the deadline (now + `timeout`) and the token on `context`.
  void Prepare(grpc::ClientContext* context, absl::Duration timeout) const {
    context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    if (!config_.token.empty()) context->AddMetadata("authorization", "Bearer " + config_.token);
  }

  // The deadline of one call.
  absl::Duration timeout() const { return config_.timeout; }

  // `status` as absl::Status, naming the server when it is away.
  absl::Status Status(const grpc::Status& status) const {
    return FromGrpc(status, config_.server, config_.timeout);
  }

 private:
  ClientConfig config_;
};

}  // namespace bestand
