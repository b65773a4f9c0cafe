// The real Client: gRPC over TLS (or plaintext for --insecure) through the generated stubs.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "client/client.h"

namespace bestand {

// Checks `config` and makes the channel; nothing is sent until the first call. INVALID_ARGUMENT
// when no server is given, the token holds characters a header cannot carry, or TLS is asked for
// without a CA file; the error of reading the CA file.
absl::StatusOr<std::unique_ptr<Client>> ConnectGrpcClient(const ClientConfig& config);

}  // namespace bestand
