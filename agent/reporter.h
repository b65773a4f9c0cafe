// The agent's side of the conversation with the server: enrollment (key pair, CSR, certificate)
// and reporting over mTLS, with the unsent report kept on disk until the server acknowledges it.
//
// State directory (mode 0700):
//   key.pem (0600)  the agent's private key      cert.pem  its certificate (names the device)
//   key.pem.new, cert.pem.new   a renewal being put in place (finished or dropped at start)
//   ca.pem          the server's CA               server    the server address
//   acked           content hash the server last acknowledged
//   spool.pb        a report not yet acknowledged (written before sending, removed after the ack)
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bestand/v1/agent.pb.h"

namespace bestand::agent {

struct EnrollOptions {
  std::string server;   // host:port
  std::string ca_file;  // the server's ca.crt
  std::string token;    // enrollment token
};

// What one reporting cycle did.
struct CycleResult {
  enum Kind { kFullReport, kHeartbeat } kind = kHeartbeat;
  std::string device;
  int next_report_seconds = 3600;
  size_t packages = 0;
  int64_t renewed_until = 0;  // when the certificate was renewed in this cycle: its new expiry
};

// An agent renews its certificate this long before it expires.
inline constexpr int64_t kRenewBeforeSeconds = 30 * 24 * 3600;

class Reporter {
 public:
  // `collect` produces this machine's inventory (CollectAll on the real root, fixtures in tests).
  Reporter(std::string state_dir, std::function<v1::InventoryReport()> collect)
      : dir_(std::move(state_dir)), collect_(std::move(collect)) {}

  // Creates a key pair and CSR, exchanges them and the token for a certificate, stores the state.
  // Returns the device name the certificate is bound to.
  absl::StatusOr<std::string> Enroll(const EnrollOptions& options);

  // One cycle: renews the certificate when it expires within kRenewBeforeSeconds, collects, then
  // sends a heartbeat when the content is unchanged since the last acknowledged report, else (or
  // when the server asks) the full report. A report that cannot be delivered stays in the spool;
  // UNAVAILABLE means "try again later".
  absl::StatusOr<CycleResult> RunOnce();

  // A new key pair and certificate now. Returns the new certificate's expiry (Unix seconds).
  absl::StatusOr<int64_t> Renew();

  // Reports forever: the interval the server names with ±10% jitter; after failures exponential
  // backoff from min_backoff_seconds to 15 min with jitter. Returns only when `stop()` becomes
  // true.
  void RunForever(const std::function<bool()>& stop,
                  const std::function<void(const std::string&)>& log);

  absl::Duration timeout = absl::Seconds(30);
  // How long before it expires the certificate is renewed.
  int64_t renew_before_seconds = kRenewBeforeSeconds;
  // First retry delay after a failure; doubles up to 15 minutes.
  double min_backoff_seconds = 30;

 private:
  std::string Path(const char* name) const { return dir_ + "/" + name; }

  std::string dir_;
  std::function<v1::InventoryReport()> collect_;
};

}  // namespace bestand::agent
