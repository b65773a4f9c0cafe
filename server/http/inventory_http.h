// The endpoint for agents other than Bestand's own, on the HTTPS stack (https_server.h):
//  - GLPI Agent: its first request is an XML PROLOG with a GLPI-Agent-ID header, answered with
//    a JSON CONTACT answer as a GLPI server gives, which moves the agent to the JSON protocol:
//    CONTACT (the tasks Bestand does not serve are disabled), then the inventory, full or
//    partial. The legacy task configuration (GET ?action=getConfig) is answered with an empty
//    schedule.
//  - FusionInventory and OCS agents: zlib-compressed XML, PROLOG then INVENTORY.
// Inventories go through the same import as 'bestand import glpi|fusion'.
//
// Authentication is HTTP Basic whose password is a Bestand token of role `inventory` (the
// agents' --user/--password): it may submit inventories here and nothing else, and no other
// role works here. Each peer address may submit a bounded number of requests per minute.
// Bodies: 16 MiB on the wire, 64 MiB inflated; at most two inventories are parsed at once.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/core/auth.h"
#include "server/core/fleet.h"
#include "server/http/https_server.h"

namespace bestand {

struct InventoryEndpointOptions {
  HttpsOptions https;
  // Per peer address: a burst of this many requests, refilled at `refill_per_second` (an office
  // behind one NAT address starts a few hundred PCs in the morning, three requests each).
  double burst = 300;
  double refill_per_second = 5;
};

class InventoryHttpServer {
 public:
  // `listen` is "host:port" or "[v6]:port" (port 0 picks one); `cert_pem`/`key_pem` the
  // server's TLS pair. `fleet` and `tokens` must outlive the server.
  static absl::StatusOr<std::unique_ptr<InventoryHttpServer>> Start(
      const std::string& listen, const std::string& cert_pem, const std::string& key_pem,
      Fleet* fleet, TokenManager* tokens, const InventoryEndpointOptions& options = {});
  int port() const { return https_->port(); }

 private:
  std::unique_ptr<HttpsServer> https_;
};

}  // namespace bestand
