// The HTTPS stack that other agents' endpoint (and the web interface) is served on:
// cpp-httplib over OpenSSL with the gRPC port's TLS policy (TLS 1.2 with ECDHE and AEAD
// ciphers only, or TLS 1.3; no renegotiation, no compression), IPv4 and IPv6.
//
// Limits, all explicit: a bounded pool of workers serves connections concurrently; every read
// and write (the handshake's included) times out, an idle kept-alive connection is closed,
// a connection serves a bounded number of requests and lives a bounded time whatever it
// sends, one address holds a bounded number of connections, headers and bodies are bounded,
// and compressed transfer encodings (Content-Encoding) are refused: they would inflate
// without a bound inside the library.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace httplib {
class Server;
}

namespace bestand {

class ConnectionWatch;

struct HttpsOptions {
  int workers = 32;
  absl::Duration io_timeout = absl::Seconds(10);
  absl::Duration keep_alive_timeout = absl::Seconds(5);
  int requests_per_connection = 100;
  absl::Duration connection_lifetime = absl::Minutes(2);
  int connections_per_address = 16;
  size_t max_header_bytes = 64 * 1024;
  size_t max_body_bytes = 16 * 1024 * 1024;
};

class HttpsServer {
 public:
  // Registers the handlers on the server before it listens.
  using Routes = std::function<void(httplib::Server&)>;

  // `listen` is "host:port", "[v6]:port" or ":port" (every address); port 0 picks one.
  // `cert_pem`/`key_pem` are the TLS pair; `what` names the server in error messages.
  static absl::StatusOr<std::unique_ptr<HttpsServer>> Start(
      const std::string& what, const std::string& listen, const std::string& cert_pem,
      const std::string& key_pem, const HttpsOptions& options, const Routes& routes);
  // Stops within about a second: no new connections, open ones shut down, workers joined.
  ~HttpsServer();

  int port() const { return port_; }

 private:
  HttpsServer() = default;

  std::unique_ptr<ConnectionWatch> watch_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace bestand
