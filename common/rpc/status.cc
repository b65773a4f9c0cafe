#include "common/rpc/status.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace bestand {

absl::Status FromGrpc(const grpc::Status& status, absl::string_view server,
                      absl::Duration timeout) {
  if (status.ok()) return absl::OkStatus();
  std::string message = status.error_message();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    message = absl::StrCat("cannot reach the server at ", server, ": ", message);
  } else if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    message = absl::StrCat("the server at ", server, " did not answer within ",
                           absl::FormatDuration(timeout));
  }
  // gRPC's codes are the canonical codes absl uses, value for value.
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), message);
}

}  // namespace bestand
