// Wiring of a running server: data directory layout, TLS material, the store, the core and the
// gRPC server. Used by bestand-server's main, by tests and by benchmarks.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "common/pki/cert.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/service_type.h"
#include "server/core/audit_log.h"
#include "server/core/auth.h"
#include "server/core/connectors/connectors.h"
#include "server/core/fleet.h"
#include "server/core/inventory.h"
#include "server/core/notify/calendar.h"
#include "server/core/notify/notifier.h"
#include "server/core/reports.h"
#include "server/core/settings.h"
#include "server/core/workflow.h"
#include "server/storage/store.h"
#include "server/web/pages.h"

namespace bestand {

// Files in a data directory.
struct DataDirLayout {
  std::string dir;
  std::string Database() const { return dir + "/bestand.db"; }
  std::string CaCert() const { return dir + "/ca.crt"; }
  std::string CaKey() const { return dir + "/ca.key"; }
  std::string ServerCert() const { return dir + "/server.crt"; }
  std::string ServerKey() const { return dir + "/server.key"; }
  std::string Lock() const { return dir + "/bestand.lock"; }
  // The key of the seals over what agents report (core/seal.h), mode 0600.
  std::string SealKey() const { return dir + "/seal.key"; }
  // The key secrets are sealed with at rest (common/secret_box.h), mode 0600.
  std::string SecretsKey() const { return dir + "/secrets.key"; }
};

// An exclusive lock on a data directory (flock on its bestand.lock, which holds the owner's
// pid), held as long as the object lives: two servers never open one database.
class DataDirLock {
 public:
  // FAILED_PRECONDITION naming the other server's pid when it is taken.
  static absl::StatusOr<std::unique_ptr<DataDirLock>> Acquire(const std::string& dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

// Creates `dir` (mode 0700) with a new database, CA, server certificate (SANs localhost,
// 127.0.0.1, ::1 and `hostnames`) and a first admin token, whose secret is returned.
// FAILED_PRECONDITION when `dir` already holds a database.
absl::StatusOr<std::string> InitDataDir(const std::string& dir,
                                        const std::vector<std::string>& hostnames);

// Replaces the server's key and certificate with new ones from the same CA, for the host names
// of the current certificate and `hostnames`. Clients trust the CA, so none needs a new file;
// a running server uses the new certificate once restarted. Returns the new expiry (Unix
// seconds).
absl::StatusOr<int64_t> RenewServerCert(const std::string& dir,
                                        const std::vector<std::string>& hostnames);

// TLS credentials from the data directory's server key and certificate. Client certificates
// are requested and, when presented, must be signed by the data directory's CA (agents).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> LoadServerCredentials(
    const DataDirLayout& layout);
// The data directory's CA key and certificate.
absl::StatusOr<KeyAndCert> LoadCa(const DataDirLayout& layout);

// Maximum size of one gRPC message: a 16 MiB CSV import plus headroom.
inline constexpr int kMaxMessageBytes = 17 * 1024 * 1024;
// gRPC's memory for all connections' transport buffers.
inline constexpr size_t kTransportMemoryBytes = 128 * 1024 * 1024;

// How the server sends notifications: mail only with `transport`, to webhooks only with `chat`
// and `options.secrets` (or a dry run).
struct NotifyConfig {
  std::unique_ptr<MailTransport> transport;
  std::unique_ptr<ChatTransport> chat;
  NotifierOptions options;
};

// A running Bestand server. Destruction shuts it down.
class BestandServer {
 public:
  // Starts serving `store` on `listen` ("host:port"; port 0 picks a free one).
  // `ca` signs agent certificates.
  static absl::StatusOr<std::unique_ptr<BestandServer>> Start(
      std::unique_ptr<Store> store, const std::string& listen,
      std::shared_ptr<grpc::ServerCredentials> credentials, KeyAndCert ca,
      FleetOptions fleet_options = {}, NotifyConfig notify = {});
  ~BestandServer();

  int port() const { return port_; }
  grpc::Server* grpc_server() { return server_.get(); }
  TokenManager* tokens() { return tokens_.get(); }
  Fleet* fleet() { return fleet_.get(); }
  Store* store() { return store_.get(); }
  Notifier* notifier() { return notifier_.get(); }
  Calendars* calendars() { return calendars_.get(); }
  // nullptr without a secrets key.
  Connectors* connectors() { return connectors_.get(); }
  // What the web interface reads from.
  WebCore web_core() {
    return {tokens_.get(),   inventory_.get(), reports_.get(),   audit_.get(),
            workflow_.get(), fleet_.get(),     calendars_.get(), connectors_.get()};
  }
  void Shutdown();
  void Wait() { server_->Wait(); }

 private:
  BestandServer() = default;
  std::unique_ptr<Store> store_;
  std::unique_ptr<TokenManager> tokens_;
  std::unique_ptr<Inventory> inventory_;
  std::unique_ptr<Fleet> fleet_;
  std::unique_ptr<Workflow> workflow_;
  std::unique_ptr<Reports> reports_;
  std::unique_ptr<CompanySettings> settings_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Notifier> notifier_;
  std::unique_ptr<Calendars> calendars_;
  std::unique_ptr<Connectors> connectors_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  // Writes agents' heartbeat times every few seconds.
  std::thread flusher_;
  std::mutex flusher_mu_;
  std::condition_variable flusher_cv_;
  bool stopping_ = false;
  // Runs the connectors once a minute (what is due: connectors.h).
  std::thread connector_runner_;
};

}  // namespace bestand
