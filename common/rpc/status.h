// The one mapping from a gRPC status to an absl::Status, shared by the CLI's client and the
// agent's reporter (the server maps the other way, in server/service/).
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace bestand {

// `status` with the same code and message, except that the two a person meets when the server is
// away name it: UNAVAILABLE becomes "cannot reach the server at SERVER: <gRPC's message>",
// DEADLINE_EXCEEDED "the server at SERVER did not answer within TIMEOUT" (the call's deadline).
// OK stays OK.
absl::Status FromGrpc(const grpc::Status& status, absl::string_view server, absl::Duration timeout);

}  // namespace bestand
