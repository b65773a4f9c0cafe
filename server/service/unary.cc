#include "server/service/unary.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

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

}  // namespace

absl::Status Check(const ServiceDeps& d, grpc::CallbackServerContext* ctx, Permission needed,
                   Principal* who) {
  BESTAND_ASSIGN_OR_RETURN(*who, Authenticate(ctx, *d.tokens));
  return Authorize(*who, needed);
}

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

}  // namespace bestand
