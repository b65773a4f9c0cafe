#include "server/app.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/crypto.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/resource_quota.h"
#include "server/connectors/directories.h"
#include "server/core/audited_state.h"
#include "server/pki/ca.h"
#include "server/service/services.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace bestand {
namespace {

absl::Status WriteFile(const std::string& path, const std::string& data, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    return absl::InternalError(absl::StrCat("cannot create ", path, ": ", strerror(errno)));
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> InitDataDir(const std::string& dir,
                                        const std::vector<std::string>& hostnames) {
  DataDirLayout layout{dir};
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(dir).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec || (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)) {
    return absl::InternalError(
        absl::StrCat("cannot create ", dir, ": ", ec ? ec.message() : strerror(errno)));
  }
  if (::access(layout.Database().c_str(), F_OK) == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, " is already initialised (", layout.Database(), " exists)"));
  }
  std::vector<std::string> hosts = {"localhost", "127.0.0.1", "::1"};
  hosts.insert(hosts.end(), hostnames.begin(), hostnames.end());
  BESTAND_ASSIGN_OR_RETURN(KeyAndCert ca, CreateCa("Bestand CA"));
  BESTAND_ASSIGN_OR_RETURN(KeyAndCert server, IssueServerCert(ca, hosts));
  BESTAND_RETURN_IF_ERROR(WriteFile(layout.CaKey(), ca.key_pem, 0600));
  BESTAND_RETURN_IF_ERROR(WriteFile(layout.CaCert(), ca.cert_pem, 0644));
  BESTAND_RETURN_IF_ERROR(WriteFile(layout.ServerKey(), server.key_pem, 0600));
  BESTAND_RETURN_IF_ERROR(WriteFile(layout.ServerCert(), server.cert_pem, 0644));
  bool created = false;
  BESTAND_RETURN_IF_ERROR(LoadOrCreateKeyFile(layout.SealKey(), &created).status());
  BESTAND_RETURN_IF_ERROR(LoadOrCreateKeyFile(layout.SecretsKey(), &created).status());
  BESTAND_ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                           OpenSqliteStore({.path = layout.Database()}));
  ::chmod(layout.Database().c_str(), 0600);
  BESTAND_ASSIGN_OR_RETURN(std::unique_ptr<TokenManager> tokens, TokenManager::Create(store.get()));
  BESTAND_ASSIGN_OR_RETURN(v1::CreateTokenResponse admin,
                           tokens->CreateToken("system", "admin", v1::ADMIN));
  return admin.secret();
}

absl::StatusOr<std::unique_ptr<DataDirLock>> DataDirLock::Acquire(const std::string& dir) {
  const std::string path = DataDirLayout{dir}.Lock();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(absl::StrCat("cannot open ", path, ": ", strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    std::string pid(32, '\0');
    const ssize_t n = ::pread(fd, pid.data(), pid.size(), 0);
    pid.resize(n > 0 ? static_cast<size_t>(n) : 0);
    ::close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat("another bestand-server", pid.empty() ? "" : " (pid " + pid + ")",
                     " is serving ", dir, "; two servers never open one database"));
  }
  const std::string pid = absl::StrCat(::getpid());
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The pid is only a hint for the message above; the lock is what counts.
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
}

DataDirLock::~DataDirLock() { ::close(fd_); }

absl::StatusOr<int64_t> RenewServerCert(const std::string& dir,
                                        const std::vector<std::string>& hostnames) {
  DataDirLayout layout{dir};
  BESTAND_ASSIGN_OR_RETURN(KeyAndCert ca, LoadCa(layout));
  BESTAND_ASSIGN_OR_RETURN(std::string current, ReadFileToString(layout.ServerCert()));
  BESTAND_ASSIGN_OR_RETURN(std::vector<std::string> hosts, CertHosts(current));
  for (const std::string& h : hostnames) {
    if (std::find(hosts.begin(), hosts.end(), h) == hosts.end()) hosts.push_back(h);
  }
  BESTAND_ASSIGN_OR_RETURN(KeyAndCert server, IssueServerCert(ca, hosts));
  // Each file is replaced whole (written aside, then renamed). A crash between the two leaves a
  // key that does not match the certificate: the server refuses to start, and running this
  // again replaces both.
  for (const auto& [path, data, mode] : {std::tuple{layout.ServerKey(), server.key_pem, 0600},
                                         std::tuple{layout.ServerCert(), server.cert_pem, 0644}}) {
    const std::string aside = path + ".new";
    ::unlink(aside.c_str());
    BESTAND_RETURN_IF_ERROR(WriteFile(aside, data, mode));
    if (::rename(aside.c_str(), path.c_str()) != 0) {
      return absl::InternalError(absl::StrCat("cannot replace ", path, ": ", strerror(errno)));
    }
  }
  return CertExpirySeconds(server.cert_pem);
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> LoadServerCredentials(
    const DataDirLayout& layout) {
  grpc::SslServerCredentialsOptions options;
  BESTAND_ASSIGN_OR_RETURN(std::string key, ReadFileToString(layout.ServerKey()));
  BESTAND_ASSIGN_OR_RETURN(std::string cert, ReadFileToString(layout.ServerCert()));
  BESTAND_ASSIGN_OR_RETURN(options.pem_root_certs, ReadFileToString(layout.CaCert()));
  options.pem_key_cert_pairs.push_back({key, cert});
  // People and scripts authenticate with tokens and present no certificate; agents present the
  // one Enroll issued, which must then verify against our CA.
  options.client_certificate_request = GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<KeyAndCert> LoadCa(const DataDirLayout& layout) {
  KeyAndCert ca;
  BESTAND_ASSIGN_OR_RETURN(ca.key_pem, ReadFileToString(layout.CaKey()));
  BESTAND_ASSIGN_OR_RETURN(ca.cert_pem, ReadFileToString(layout.CaCert()));
  return ca;
}

absl::StatusOr<std::unique_ptr<BestandServer>> BestandServer::Start(
    std::unique_ptr<Store> store, const std::string& listen,
    std::shared_ptr<grpc::ServerCredentials> credentials, KeyAndCert ca, FleetOptions fleet_options,
    NotifyConfig notify) {
  // Mutex deadlock detection records every lock acquisition in a graph: a cost on every call,
  // for a check that the lock annotations and the sanitizer test build already make.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::unique_ptr<BestandServer> s(new BestandServer());
  s->store_ = std::move(store);
  BESTAND_RETURN_IF_ERROR(UpgradeAuditFormats(s->store_.get()));
  BESTAND_ASSIGN_OR_RETURN(s->tokens_, TokenManager::Create(s->store_.get()));
  s->inventory_ = std::make_unique<Inventory>(s->store_.get());
  s->fleet_ = std::make_unique<Fleet>(s->store_.get(), std::move(ca), fleet_options);
  s->workflow_ = std::make_unique<Workflow>(s->store_.get());
  s->reports_ = std::make_unique<Reports>(s->store_.get());
  s->settings_ = std::make_unique<CompanySettings>(s->store_.get());
  s->audit_ = std::make_unique<AuditLog>(s->store_.get(), &s->fleet_->sealer());
  s->calendars_ = std::make_unique<Calendars>(s->store_.get(), notify.options.clock);
  if (notify.options.secrets) {
    s->connectors_ =
        std::make_unique<Connectors>(s->store_.get(), s->workflow_.get(), notify.options.secrets,
                                     OpenDirectory, CompanyTimeZone(), notify.options.clock);
  }
  s->notifier_ = std::make_unique<Notifier>(s->store_.get(), std::move(notify.transport),
                                            std::move(notify.options), std::move(notify.chat));
  s->inventory_->SetChangeHook(
      [w = s->workflow_.get()](WriteTx& tx, absl::string_view actor, Kind kind, int64_t id) {
        return w->OnInventoryChange(tx, actor, kind, id);
      });
  BESTAND_RETURN_IF_ERROR(s->fleet_->Load());
  s->services_ =
      MakeServices({s->inventory_.get(), s->tokens_.get(), s->fleet_.get(), s->workflow_.get(),
                    s->reports_.get(), s->settings_.get(), s->audit_.get(), s->notifier_.get(),
                    s->calendars_.get(), s->connectors_.get()});

  // The built-in health service speaks grpc.health.v1 without our generated code; touching the
  // descriptor links it in so that reflection can describe Health to generic clients.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  // Agents report once an hour: a connection idle for two minutes is closed rather than held
  // (about 100 KB each with TLS), and the agent connects again when it has something to say.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, 120 * 1000);
  // Transport buffers (reads, HTTP/2 windows) are bounded: near the bound gRPC shrinks them
  // rather than keep growing memory per connection. 1,000 agents connected at once after
  // sending full reports held ~540 MiB without the bound, ~240 MiB with it (bench_ingest).
  grpc::ResourceQuota quota("bestand-server");
  quota.Resize(kTransportMemoryBytes);
  builder.SetResourceQuota(quota);
  // Without this a second server on the same port would start too, and the kernel would split
  // connections between them (SO_REUSEPORT): each server must own its port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.experimental().SetInterceptorCreators(MakeInterceptors());
  builder.AddListeningPort(listen, credentials, &s->port_);
  for (auto& service : s->services_) builder.RegisterService(service.get());
  s->server_ = builder.BuildAndStart();
  if (!s->server_ || s->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", listen, " (address in use or not local?)"));
  }
  if (s->notifier_->sending()) s->notifier_->Start();
  BestandServer* raw = s.get();
  s->flusher_ = std::thread([raw] {
    std::unique_lock lock(raw->flusher_mu_);
    while (!raw->stopping_) {
      raw->flusher_cv_.wait_for(lock, std::chrono::seconds(5));
      lock.unlock();
      absl::Status st = raw->fleet_->FlushLastSeen();
      if (!st.ok())
        std::fprintf(stderr, "bestand-server: recording heartbeats: %s\n",
                     std::string(st.message()).c_str());
      // Reports pass through large buffers on many threads; hand freed memory back to the
      // system instead of keeping it for a peak that may not come again.
      malloc_trim(0);
      lock.lock();
    }
  });
  if (s->connectors_) {
    s->connector_runner_ = std::thread([raw] {
      std::unique_lock lock(raw->flusher_mu_);
      while (!raw->stopping_) {
        raw->flusher_cv_.wait_for(lock, std::chrono::seconds(60));
        if (raw->stopping_) break;
        lock.unlock();
        absl::StatusOr<v1::RunConnectorsResponse> run =
            raw->connectors_->Run("bestand (end of the last day)", {});
        if (!run.ok()) {
          std::fprintf(stderr, "bestand-server: running the connectors: %s\n",
                       std::string(run.status().message()).c_str());
        } else {
          for (const v1::ConnectorOutcome& o : run->outcomes()) {
            if (!o.done()) {
              std::fprintf(stderr, "bestand-server: connector on %s: %s\n", o.task().c_str(),
                           o.detail().c_str());
            }
          }
        }
        lock.lock();
      }
    });
  }
  return s;
}

void BestandServer::Shutdown() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  {
    std::lock_guard lock(flusher_mu_);
    stopping_ = true;
  }
  flusher_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  if (connector_runner_.joinable()) connector_runner_.join();
  // No call reaches the notifier once the server has shut down; its thread ends here.
  notifier_.reset();
  if (fleet_) fleet_->FlushLastSeen().IgnoreError();  // the heartbeats of the last seconds
}

BestandServer::~BestandServer() { Shutdown(); }

}  // namespace bestand
