// A Bestand server for the benchmarks that talk to it over the network: TLS on a free loopback
// port, the same as bestand-server serve.
#pragma once

#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "server/app.h"
#include "server/pki/ca.h"

namespace bestand::bench {

// Serves `store` with a server certificate `ca` issues for localhost and 127.0.0.1.
inline absl::StatusOr<std::unique_ptr<BestandServer>> StartTlsServer(std::unique_ptr<Store> store,
                                                                     const KeyAndCert& ca) {
  absl::StatusOr<KeyAndCert> cert = IssueServerCert(ca, {"localhost", "127.0.0.1"});
  if (!cert.ok()) return cert.status();
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({cert->key_pem, cert->cert_pem});
  return BestandServer::Start(std::move(store), "127.0.0.1:0", grpc::SslServerCredentials(ssl), ca);
}

}  // namespace bestand::bench
