// The web interface (`bestand-server serve --web-listen ADDR`) on the HTTPS stack of
// server/http, with the server's certificate: server-rendered pages (render.h, pages.h) that
// read without JavaScript.
//
// Sign-in and sessions (sessions.h): a person signs in once with a token (never in a URL); the
// session cookie is `__Host-bestand_session` (HttpOnly, Secure, SameSite=Strict, a new id at
// every sign-in). Every form carries the session's CSRF token, and a POST whose Origin is not
// this server is refused; the sign-in form has its own double-submit token. Sign-in attempts
// are rate-limited per address. Roles are checked with the same Authorize the gRPC services
// use. Every response forbids framing and loading anything from elsewhere
// (Content-Security-Policy: default-src 'self').
//
// Language: the `__Host-bestand_lang` cookie (set by the language switch), else
// Accept-Language, else German.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/http/https_server.h"
#include "server/web/pages.h"
#include "server/web/sessions.h"

namespace bestand {

struct WebOptions {
  HttpsOptions https;
  SessionOptions sessions;
  SessionStore::Clock clock = absl::Now;
  // Sign-in attempts per address: a burst, then one every 6 seconds.
  double sign_in_burst = 10;
  double sign_in_refill_per_second = 1.0 / 6;
};

class WebApp;

class WebServer {
 public:
  // `listen` is "host:port" or "[v6]:port" (port 0 picks one); `cert_pem`/`key_pem` the
  // server's TLS pair. Everything in `core` must outlive the server.
  static absl::StatusOr<std::unique_ptr<WebServer>> Start(const std::string& listen,
                                                          const std::string& cert_pem,
                                                          const std::string& key_pem,
                                                          const WebCore& core,
                                                          const WebOptions& options = {});
  ~WebServer();
  int port() const { return https_->port(); }

 private:
  WebServer() = default;
  std::unique_ptr<WebApp> app_;
  std::unique_ptr<HttpsServer> https_;  // stops before the app it calls goes
};

}  // namespace bestand
