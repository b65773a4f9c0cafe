#include "server/http/inventory_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "server/imports/glpi_inventory.h"

namespace bestand {
namespace {

constexpr size_t kMaxHeaderBytes = 16 * 1024;
constexpr size_t kMaxBodyBytes = 16 * 1024 * 1024;
constexpr size_t kMaxInflatedBytes = 64 * 1024 * 1024;
constexpr int kReadTimeoutSeconds = 30;
// A connection ends after this long whatever it sends: a client trickling bytes cannot hold the
// endpoint.
constexpr absl::Duration kMaxConnection = absl::Minutes(2);

// zlib or gzip data inflated, bounded.
absl::StatusOr<std::string> Inflate(const std::string& in) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) return absl::InternalError("zlib");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (out.size() > kMaxInflatedBytes) rc = Z_MEM_ERROR;
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) return absl::InvalidArgumentError("the compressed body is corrupt");
  return out;
}

std::string Deflate(const std::string& in) {
  uLongf size = compressBound(in.size());
  std::string out(size, '\0');
  compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(in.data()),
            in.size(), Z_DEFAULT_COMPRESSION);
  out.resize(size);
  return out;
}

struct Request {
  std::string method, path;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// One TLS connection: reads requests and writes responses.
class Connection {
 public:
  explicit Connection(SSL* ssl) : ssl_(ssl), deadline_(absl::Now() + kMaxConnection) {}

  // False at the end of the connection (or on an error that ends it).
  bool Read(Request* r, std::string* error) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (buf_.size() > kMaxHeaderBytes) return *error = "headers too large", false;
      if (!Fill()) return false;
    }
    std::vector<std::string> lines = absl::StrSplit(buf_.substr(0, end), "\r\n");
    buf_.erase(0, end + 4);
    std::vector<std::string> first = absl::StrSplit(lines[0], ' ');
    if (first.size() != 3) return *error = "bad request line", false;
    r->method = first[0];
    r->path = first[1];
    r->headers.clear();
    for (size_t i = 1; i < lines.size(); ++i) {
      size_t colon = lines[i].find(':');
      if (colon == std::string::npos) continue;
      r->headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
          std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    }
    size_t length = 0;
    if (auto it = r->headers.find("content-length"); it != r->headers.end()) {
      if (!absl::SimpleAtoi(it->second, &length)) return *error = "bad Content-Length", false;
    } else if (r->headers.count("transfer-encoding")) {
      return *error = "chunked bodies are not accepted; send Content-Length", false;
    }
    if (length > kMaxBodyBytes) return *error = "body larger than 16 MiB", false;
    while (buf_.size() < length) {
      if (!Fill()) return *error = "body cut short", false;
    }
    r->body = buf_.substr(0, length);
    buf_.erase(0, length);
    return true;
  }

  void Write(int code, const std::string& reason, const std::string& type, const std::string& body,
             const std::string& extra_headers = "") {
    std::string out =
        absl::StrCat("HTTP/1.1 ", code, " ", reason, "\r\nContent-Type: ", type,
                     "\r\nContent-Length: ", body.size(), "\r\n", extra_headers, "\r\n", body);
    size_t done = 0;
    while (done < out.size()) {
      int n = SSL_write(ssl_, out.data() + done, static_cast<int>(out.size() - done));
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }

 private:
  bool Fill() {
    if (absl::Now() > deadline_) return false;
    char chunk[16384];
    int n = SSL_read(ssl_, chunk, sizeof chunk);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  SSL* ssl_;
  absl::Time deadline_;
  std::string buf_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<InventoryHttpServer>> InventoryHttpServer::Start(
    const std::string& listen, const std::string& cert_pem, const std::string& key_pem,
    Fleet* fleet, TokenManager* tokens) {
  std::unique_ptr<InventoryHttpServer> s(new InventoryHttpServer());
  s->fleet_ = fleet;
  s->tokens_ = tokens;
  s->ctx_ = SSL_CTX_new(TLS_server_method());
  SSL_CTX_set_min_proto_version(s->ctx_, TLS1_2_VERSION);
  BIO* cert_bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  BIO_free(cert_bio);
  BIO* key_bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  BIO_free(key_bio);
  const bool loaded = cert && key && SSL_CTX_use_certificate(s->ctx_, cert) == 1 &&
                      SSL_CTX_use_PrivateKey(s->ctx_, key) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!loaded) return absl::InternalError("the inventory endpoint cannot load the TLS key pair");

  size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--inventory-listen: '", listen, "' is not host:port"));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  std::string host = listen.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--inventory-listen: '", host, "' is not an IPv4 address"));
  }
  s->listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(s->listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(s->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(s->listen_fd_, 64) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen, ": ", strerror(errno)));
  }
  socklen_t len = sizeof addr;
  getsockname(s->listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  s->port_ = ntohs(addr.sin_port);
  s->thread_ = std::thread([raw = s.get()] { raw->Serve(); });
  return s;
}

InventoryHttpServer::~InventoryHttpServer() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
  SSL_CTX_free(ctx_);
}

void InventoryHttpServer::Serve() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    timeval tv{kReadTimeoutSeconds, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    Handle(fd);
    close(fd);
  }
}

void InventoryHttpServer::Handle(int fd) {
  SSL* ssl = SSL_new(ctx_);
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) != 1) {
    SSL_free(ssl);
    return;
  }
  Connection conn(ssl);
  Request req;
  std::string error;
  while (!stopping_ && conn.Read(&req, &error)) {
    // Authentication: HTTP Basic, the password a token of an admin or coordinator.
    absl::StatusOr<Principal> who = absl::UnauthenticatedError("no credentials");
    if (auto it = req.headers.find("authorization");
        it != req.headers.end() && absl::StartsWithIgnoreCase(it->second, "Basic ")) {
      std::string decoded;
      if (absl::Base64Unescape(it->second.substr(6), &decoded)) {
        std::string password = decoded.substr(decoded.find(':') + 1);
        who = tokens_->Authenticate(password);
        if (who.ok()) {
          absl::Status allowed = Authorize(*who, Permission::kWrite);
          if (!allowed.ok()) who = allowed;
        }
      }
    }
    if (!who.ok()) {
      conn.Write(
          401, "Unauthorized", "text/plain",
          absl::StrCat(who.status().message(), "; give the agent a Bestand token as --password\n"),
          "WWW-Authenticate: Basic realm=\"bestand\"\r\n");
      continue;
    }
    if (req.method != "POST") {
      conn.Write(405, "Method Not Allowed", "text/plain", "POST an inventory\n");
      continue;
    }
    const std::string type = absl::AsciiStrToLower(req.headers["content-type"]);
    const bool compressed = absl::StrContains(type, "compress") ||
                            (!req.body.empty() && static_cast<unsigned char>(req.body[0]) == 0x78);
    absl::StatusOr<std::string> body = compressed ? Inflate(req.body) : req.body;
    auto reply = [&](const std::string& content_type, const std::string& text) {
      if (compressed) {
        conn.Write(200, "OK", "application/x-compress-zlib", Deflate(text));
      } else {
        conn.Write(200, "OK", content_type, text);
      }
    };
    const std::string actor = who->Actor();
    absl::Status result;
    if (!body.ok()) {
      result = body.status();
    } else if (absl::StartsWith(absl::StripLeadingAsciiWhitespace(*body), "{")) {
      // GLPI agent: {"action": "contact"} first, then {"action": "inventory", "content": ...}.
      if (absl::StrContains(*body, "\"contact\"") && !absl::StrContains(*body, "\"content\"")) {
        reply("application/json",
              "{\"status\":\"ok\",\"expiration\":24,\"tasks\":{\"inventory\":{\"server\":"
              "\"glpi\",\"version\":\"1.0\"}}}");
        continue;
      }
      absl::StatusOr<v1::InventoryReport> report = ParseGlpiInventory(*body);
      result =
          report.ok() ? fleet_->ImportInventory(actor, *report, false).status() : report.status();
      if (result.ok()) {
        reply("application/json", "{\"status\":\"ok\",\"expiration\":24}");
        continue;
      }
    } else {
      absl::StatusOr<std::string> query = ParseFusionQuery(*body);
      if (query.ok() && *query == "PROLOG") {
        reply("application/xml",
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<REPLY><PROLOG_FREQ>24</PROLOG_FREQ>"
              "<RESPONSE>SEND</RESPONSE></REPLY>\n");
        continue;
      }
      absl::StatusOr<v1::InventoryReport> report =
          !query.ok() ? absl::StatusOr<v1::InventoryReport>(query.status())
          : *query == "INVENTORY"
              ? ParseFusionInventory(*body)
              : absl::StatusOr<v1::InventoryReport>(absl::InvalidArgumentError(
                    absl::StrCat("QUERY ", *query, " is not supported (PROLOG, INVENTORY)")));
      result =
          report.ok() ? fleet_->ImportInventory(actor, *report, false).status() : report.status();
      if (result.ok()) {
        reply("application/xml",
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<REPLY><RESPONSE>no_update</RESPONSE>"
              "</REPLY>\n");
        continue;
      }
    }
    conn.Write(absl::IsInvalidArgument(result) ? 400 : 500,
               absl::IsInvalidArgument(result) ? "Bad Request" : "Internal Server Error",
               "text/plain", absl::StrCat(result.message(), "\n"));
  }
  if (!error.empty()) conn.Write(400, "Bad Request", "text/plain", error + "\n");
  SSL_shutdown(ssl);
  SSL_free(ssl);
}

}  // namespace bestand
