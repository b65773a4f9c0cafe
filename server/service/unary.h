// What every service shares: authenticating the caller's bearer token, checking its role, and
// running a unary call around that check. The services in *_services.cc build on these.
#pragma once

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "server/core/auth.h"
#include "server/service/services.h"

namespace bestand {

// Authenticates the call by its "authorization: Bearer <token>" header into `*who`, then checks
// that its role has `needed`: UNAUTHENTICATED without a valid token (or with a header of another
// form), PERMISSION_DENIED naming what the role lacks.
absl::Status Check(const ServiceDeps& d, grpc::CallbackServerContext* ctx, Permission needed,
                   Principal* who);

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

}  // namespace bestand
