#include "server/http/https_server.h"

#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/http/connection_watch.h"

namespace bestand {
namespace {

// As the gRPC port: ECDHE key exchange with AEAD ciphers under TLS 1.2, TLS 1.3's own suites.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-CHACHA20-POLY1305";

bool UseKeyPair(SSL_CTX& ctx, const std::string& cert_pem, const std::string& key_pem) {
  BIO* cert_bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  BIO_free(cert_bio);
  BIO* key_bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  BIO_free(key_bio);
  const bool ok = cert != nullptr && key != nullptr && SSL_CTX_use_certificate(&ctx, cert) == 1 &&
                  SSL_CTX_use_PrivateKey(&ctx, key) == 1 && SSL_CTX_check_private_key(&ctx) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  return ok;
}

bool ApplyTlsPolicy(SSL_CTX& ctx) {
  return SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION) == 1 &&
         SSL_CTX_set_cipher_list(&ctx, kTls12Ciphers) == 1 &&
         SSL_CTX_set1_groups_list(&ctx, "X25519:P-256:P-384") == 1 &&
         (SSL_CTX_set_options(&ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                        SSL_OP_CIPHER_SERVER_PREFERENCE),
          true);
}

// "host:port", "[v6]:port", ":port" into host and port.
absl::Status SplitListen(const std::string& what, const std::string& listen, std::string* host,
                         int* port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), port) ||
      *port < 0 || *port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": '", listen, "' is not host:port (or [v6 address]:port)"));
  }
  absl::string_view h(listen.data(), colon);
  if (absl::ConsumePrefix(&h, "[") && !absl::ConsumeSuffix(&h, "]")) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": '", listen, "' lacks a ']'"));
  }
  *host = h.empty() ? "::" : std::string(h);
  return absl::OkStatus();
}

time_t Seconds(absl::Duration d) { return static_cast<time_t>(absl::ToInt64Seconds(d)); }

}  // namespace

absl::StatusOr<std::unique_ptr<HttpsServer>> HttpsServer::Start(
    const std::string& what, const std::string& listen, const std::string& cert_pem,
    const std::string& key_pem, const HttpsOptions& options, const Routes& routes) {
  std::string host;
  int port = 0;
  if (absl::Status split = SplitListen(what, listen, &host, &port); !split.ok()) return split;
  std::unique_ptr<HttpsServer> s(new HttpsServer());
  s->watch_ = std::make_unique<ConnectionWatch>(ConnectionWatch::Limits{
      options.connection_lifetime, options.connections_per_address, options.max_header_bytes});
  bool key_pair_ok = false;
  auto server = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) {
    key_pair_ok = UseKeyPair(ctx, cert_pem, key_pem);
    if (!key_pair_ok || !ApplyTlsPolicy(ctx)) return false;
    s->watch_->Attach(&ctx);
    return true;
  });
  if (!key_pair_ok)
    return absl::InternalError(absl::StrCat(what, ": cannot load the TLS key pair"));
  if (!server->is_valid()) return absl::InternalError(absl::StrCat(what, ": TLS setup failed"));
  const int workers = options.workers;
  server->new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  server->set_read_timeout(Seconds(options.io_timeout));
  server->set_write_timeout(Seconds(options.io_timeout));
  server->set_keep_alive_timeout(Seconds(options.keep_alive_timeout));
  server->set_keep_alive_max_count(options.requests_per_connection);
  // Headers and body leave in separate writes: without this, Nagle's algorithm holds the body
  // back until the client's delayed acknowledgement, 40 ms on every response.
  server->set_tcp_nodelay(true);
  server->set_payload_max_length(options.max_body_bytes);
  const size_t max_body = options.max_body_bytes;
  server->set_pre_routing_handler([max_body](const httplib::Request& req, httplib::Response& res) {
    const std::string encoding = req.get_header_value("Content-Encoding");
    if (!encoding.empty() && encoding != "identity") {
      res.status = 415;
      res.set_content(
          "Content-Encoding " + encoding +
              " is not accepted; compress the body itself (application/x-compress-zlib)\n",
          "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    }
    size_t length = max_body;
    if (req.has_header("Content-Length")) {
      absl::SimpleAtoi(req.get_header_value("Content-Length"), &length);
    }
    ConnectionWatch::AllowBody(std::min(length, max_body));
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server->set_logger(
      [](const httplib::Request&, const httplib::Response&) { ConnectionWatch::RequestDone(); });
  routes(*server);
  s->port_ =
      port == 0 ? server->bind_to_any_port(host) : (server->bind_to_port(host, port) ? port : -1);
  if (s->port_ <= 0) {
    return absl::UnavailableError(absl::StrCat(what, ": cannot listen on ", listen));
  }
  s->server_ = std::move(server);
  s->thread_ = std::thread([raw = s->server_.get()] { raw->listen_after_bind(); });
  // stop() only reaches a server that is running: wait until it is (a few milliseconds).
  for (int i = 0; i < 5000 && !s->server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return s;
}

HttpsServer::~HttpsServer() {
  if (server_ != nullptr) server_->stop();
  if (watch_ != nullptr) watch_->EndAll();
  if (thread_.joinable()) thread_.join();  // the listener joins its workers before it returns
  server_.reset();                         // every SSL is freed: the watch may go
}

}  // namespace bestand
