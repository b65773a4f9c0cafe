// The HTTPS stack's limits, with a real TLS client (cpp-httplib's) and raw sockets on loopback:
// connection lifetime, connections per address, header bytes, refused Content-Encoding, a
// prompt stop with connections open.
#include "server/http/https_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "server/pki/ca.h"

namespace bestand {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

class HttpsServerTest : public ::testing::Test {
 protected:
  void Start(HttpsOptions options) {
    absl::StatusOr<KeyAndCert> ca = CreateCa("test CA");
    ASSERT_TRUE(ca.ok()) << ca.status();
    absl::StatusOr<KeyAndCert> cert = IssueServerCert(*ca, {"127.0.0.1"});
    ASSERT_TRUE(cert.ok()) << cert.status();
    absl::StatusOr<std::unique_ptr<HttpsServer>> s = HttpsServer::Start(
        "test", "127.0.0.1:0", cert->cert_pem, cert->key_pem, options, [](httplib::Server& server) {
          server.Get("/", [](const httplib::Request&, httplib::Response& res) {
            res.set_content("ok", "text/plain");
          });
          server.Post("/", [](const httplib::Request& req, httplib::Response& res) {
            res.set_content(std::to_string(req.body.size()), "text/plain");
          });
        });
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
  }

  std::unique_ptr<httplib::SSLClient> Client() {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", server_->port());
    c->enable_server_certificate_verification(false);  // the pair is made up per test
    c->set_connection_timeout(5);
    c->set_read_timeout(5);
    return c;
  }

  int Connect() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    return fd;
  }

  // Seconds until the server ends the connection (reads return 0 or fail), at most `limit`.
  static double SecondsUntilClosed(int fd, int limit) {
    timeval tv{limit, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const auto start = Clock::now();
    char buf[4096];
    while (recv(fd, buf, sizeof buf, 0) > 0) {
    }
    return SecondsSince(start);
  }

  std::unique_ptr<HttpsServer> server_;
};

TEST_F(HttpsServerTest, ServesConcurrentlyWhileAConnectionIsIdle) {
  Start({});
  const int idle = Connect();
  const auto start = Clock::now();
  auto r = Client()->Get("/");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->body, "ok");
  EXPECT_LT(SecondsSince(start), 1.0);
  close(idle);
}

TEST_F(HttpsServerTest, AConnectionEndsAfterItsLifetimeWhateverItSends) {
  HttpsOptions options;
  options.connection_lifetime = absl::Seconds(1);
  Start(options);
  const int fd = Connect();
  // One byte of a TLS record header now and then: each read succeeds, the whole never ends.
  std::thread trickle([fd] {
    for (int i = 0; i < 4; ++i) {
      if (send(fd, "\x16", 1, MSG_NOSIGNAL) != 1) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(700));
    }
  });
  const double closed_after = SecondsUntilClosed(fd, 10);
  trickle.join();
  close(fd);
  EXPECT_LT(closed_after, 2.5);  // 1 s lifetime, checked every 250 ms
}

TEST_F(HttpsServerTest, OneAddressHoldsABoundedNumberOfConnections) {
  HttpsOptions options;
  options.connections_per_address = 2;
  Start(options);
  const int a = Connect();
  const int b = Connect();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // both handshakes have begun
  auto refused = Client()->Get("/");
  EXPECT_FALSE(refused) << "a third connection from the same address was served";
  close(a);
  close(b);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto served = Client()->Get("/");
  ASSERT_TRUE(served) << httplib::to_string(served.error());
  EXPECT_EQ(served->body, "ok");
}

TEST_F(HttpsServerTest, HeadersBeyondTheBoundEndTheConnection) {
  HttpsOptions options;
  options.max_header_bytes = 16 * 1024;
  Start(options);
  httplib::Headers small = {{"X-Pad", std::string(6000, 'a')}};
  auto ok = Client()->Get("/", small);
  ASSERT_TRUE(ok) << httplib::to_string(ok.error());
  EXPECT_EQ(ok->body, "ok");
  httplib::Headers large;
  for (int i = 0; i < 6; ++i) large.emplace("X-Pad-" + std::to_string(i), std::string(6000, 'a'));
  auto cut = Client()->Get("/", large);
  EXPECT_TRUE(!cut || cut->status >= 400) << "36 KB of headers were read";
  // A body within max_body_bytes is not bound by the header budget.
  auto body = Client()->Post("/", std::string(1 << 20, 'b'), "application/octet-stream");
  ASSERT_TRUE(body) << httplib::to_string(body.error());
  EXPECT_EQ(body->body, std::to_string(1 << 20));
}

TEST_F(HttpsServerTest, CompressedTransferEncodingsAreRefused) {
  Start({});
  auto r = Client()->Post("/", {{"Content-Encoding", "gzip"}}, "x", "text/plain");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 415);
}

TEST_F(HttpsServerTest, StopsPromptlyWithConnectionsOpen) {
  HttpsOptions options;
  options.io_timeout = absl::Seconds(30);
  Start(options);
  const int idle = Connect();
  auto kept = Client();
  kept->set_keep_alive(true);
  ASSERT_TRUE(kept->Get("/"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto start = Clock::now();
  server_.reset();
  EXPECT_LT(SecondsSince(start), 2.0);
  close(idle);
}

}  // namespace
}  // namespace bestand
