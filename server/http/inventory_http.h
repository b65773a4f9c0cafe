// Inventories from FusionInventory/OCS agents (XML, zlib-compressed: PROLOG then INVENTORY) and
// GLPI agents (JSON: contact then inventory) over HTTPS, mapped onto the same import as
// 'bestand import fusion|glpi'. Guarded like the API: TLS with the server's certificate, HTTP
// Basic authentication whose password is a Bestand token of an admin or coordinator (the agents'
// --user/--password), bounded requests (16 MiB on the wire, 64 MiB inflated, headers 16 KiB,
// 30 s per read, 2 minutes per connection).
//
// Connections are served one at a time on one thread: agents report now and then, and a slow
// one holds the others back at most two minutes.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "server/core/auth.h"
#include "server/core/fleet.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace bestand {

class InventoryHttpServer {
 public:
  // `listen` is "host:port" (port 0 picks one); `cert_pem`/`key_pem` the server's TLS pair.
  static absl::StatusOr<std::unique_ptr<InventoryHttpServer>> Start(const std::string& listen,
                                                                    const std::string& cert_pem,
                                                                    const std::string& key_pem,
                                                                    Fleet* fleet,
                                                                    TokenManager* tokens);
  ~InventoryHttpServer();
  int port() const { return port_; }

 private:
  InventoryHttpServer() = default;
  void Serve();
  void Handle(int fd);

  Fleet* fleet_ = nullptr;
  TokenManager* tokens_ = nullptr;
  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace bestand
