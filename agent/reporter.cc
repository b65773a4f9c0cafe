#include "agent/reporter.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "bestand/v1/agent.grpc.pb.h"
#include "common/files.h"
#include "common/pki/cert.h"
#include "common/report_hash.h"
#include "common/rpc/status.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "grpcpp/grpcpp.h"

namespace bestand::agent {
namespace {

// Writes via a temporary file and rename, so a crash never leaves half a file behind.
absl::Status Write(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot write ", tmp, ": ", strerror(errno)));
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

std::shared_ptr<grpc::Channel> Channel(const std::string& server,
                                       const grpc::SslCredentialsOptions& ssl) {
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(17 * 1024 * 1024);
  return grpc::CreateCustomChannel(server, grpc::SslCredentials(ssl), args);
}

// The server address and this agent's TLS credentials, from the state directory.
struct Credentials {
  std::string server;
  grpc::SslCredentialsOptions ssl;
};

absl::StatusOr<Credentials> LoadCredentials(const std::string& dir) {
  auto server = ReadFileToString(dir + "/server");
  auto key = ReadFileToString(dir + "/key.pem");
  auto cert = ReadFileToString(dir + "/cert.pem");
  auto ca = ReadFileToString(dir + "/ca.pem");
  if (!server.ok() || !key.ok() || !cert.ok() || !ca.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("not enrolled (no certificate in ", dir, "): run 'bestand-agent enroll'"));
  }
  Credentials c;
  c.server = std::string(absl::StripTrailingAsciiWhitespace(*server));
  c.ssl.pem_root_certs = *ca;
  c.ssl.pem_private_key = *key;
  c.ssl.pem_cert_chain = *cert;
  return c;
}

// A renewed key and certificate are written as key.pem.new and cert.pem.new, then renamed over
// the old pair, key first. Run again after a crash, this finishes a renewal whose certificate
// arrived and drops one whose certificate did not, so key.pem and cert.pem always match.
absl::Status FinishRenewal(const std::string& dir) {
  const std::string key = dir + "/key.pem", cert = dir + "/cert.pem";
  const std::string new_key = key + ".new", new_cert = cert + ".new";
  if (::access(new_cert.c_str(), F_OK) != 0) {
    ::unlink(new_key.c_str());
    return absl::OkStatus();
  }
  if ((::access(new_key.c_str(), F_OK) == 0 && ::rename(new_key.c_str(), key.c_str()) != 0) ||
      ::rename(new_cert.c_str(), cert.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot put the renewed certificate in place in ", dir,
                                            ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> Reporter::Enroll(const EnrollOptions& o) {
  if (o.server.empty() || o.ca_file.empty() || o.token.empty()) {
    return absl::InvalidArgumentError("enroll needs --server, --ca and --token");
  }
  for (char c : o.token) {
    if (c < 0x21 || c > 0x7E)
      return absl::InvalidArgumentError("the token contains invalid characters");
  }
  if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::InternalError(absl::StrCat("cannot create ", dir_, ": ", strerror(errno)));
  }
  BESTAND_ASSIGN_OR_RETURN(std::string ca, ReadFileToString(o.ca_file));
  v1::InventoryReport facts = collect_();
  BESTAND_ASSIGN_OR_RETURN(KeyAndCert csr, CreateKeyAndCsr(facts.hostname()));
  v1::EnrollRequest req;
  req.set_csr_pem(csr.cert_pem);
  req.set_hostname(facts.hostname());
  req.set_machine_id(facts.machine_id());
  req.set_hardware_uuid(facts.hardware().hardware_uuid());
  req.set_serial_number(facts.hardware().serial_number());

  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ca;
  auto stub = v1::AgentService::NewStub(Channel(o.server, ssl));
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  ctx.AddMetadata("authorization", "Bearer " + o.token);
  v1::EnrollResponse resp;
  BESTAND_RETURN_IF_ERROR(FromGrpc(stub->Enroll(&ctx, req, &resp), o.server, timeout));

  BESTAND_RETURN_IF_ERROR(Write(Path("key.pem"), csr.key_pem, 0600));
  BESTAND_RETURN_IF_ERROR(Write(Path("cert.pem"), resp.certificate_pem(), 0644));
  BESTAND_RETURN_IF_ERROR(Write(Path("ca.pem"), resp.ca_pem(), 0644));
  BESTAND_RETURN_IF_ERROR(Write(Path("server"), o.server + "\n", 0644));
  ::unlink(Path("acked").c_str());  // a new enrollment starts with a full report
  return resp.device();
}

absl::StatusOr<int64_t> Reporter::Renew() {
  BESTAND_RETURN_IF_ERROR(FinishRenewal(dir_));
  BESTAND_ASSIGN_OR_RETURN(Credentials c, LoadCredentials(dir_));
  BESTAND_ASSIGN_OR_RETURN(KeyAndCert csr, CreateKeyAndCsr("bestand-agent"));
  v1::RenewCertificateRequest req;
  req.set_csr_pem(csr.cert_pem);
  v1::RenewCertificateResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  BESTAND_RETURN_IF_ERROR(FromGrpc(
      v1::AgentService::NewStub(Channel(c.server, c.ssl))->RenewCertificate(&ctx, req, &resp),
      c.server, timeout));
  BESTAND_ASSIGN_OR_RETURN(int64_t expiry, CertExpirySeconds(resp.certificate_pem()));
  BESTAND_RETURN_IF_ERROR(Write(Path("key.pem.new"), csr.key_pem, 0600));
  BESTAND_RETURN_IF_ERROR(Write(Path("cert.pem.new"), resp.certificate_pem(), 0644));
  BESTAND_RETURN_IF_ERROR(FinishRenewal(dir_));
  return expiry;
}

absl::StatusOr<CycleResult> Reporter::RunOnce() {
  BESTAND_RETURN_IF_ERROR(FinishRenewal(dir_));
  BESTAND_ASSIGN_OR_RETURN(Credentials c, LoadCredentials(dir_));
  CycleResult result;
  absl::StatusOr<int64_t> expiry = CertExpirySeconds(c.ssl.pem_cert_chain);
  if (expiry.ok() && *expiry - absl::ToUnixSeconds(absl::Now()) < renew_before_seconds) {
    // A failed renewal is tried again next cycle; the current certificate still works meanwhile.
    if (absl::StatusOr<int64_t> renewed = Renew(); renewed.ok()) {
      result.renewed_until = *renewed;
      BESTAND_ASSIGN_OR_RETURN(c, LoadCredentials(dir_));
    }
  }
  const std::string& addr = c.server;
  auto stub = v1::AgentService::NewStub(Channel(addr, c.ssl));

  // A report the server never acknowledged is replaced by the current inventory: the newest
  // content is what the server should have, and the server ignores a repeat of what it holds.
  v1::ReportRequest req;
  *req.mutable_report() = collect_();
  req.set_content_hash(ReportContentHash(req.report()));
  std::string acked = ReadFileToString(Path("acked")).value_or("");
  bool spooled = ::access(Path("spool.pb").c_str(), F_OK) == 0;

  if (!spooled && acked == req.content_hash()) {
    v1::HeartbeatRequest hb;
    hb.set_content_hash(req.content_hash());
    v1::HeartbeatResponse hr;
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    BESTAND_RETURN_IF_ERROR(FromGrpc(stub->Heartbeat(&ctx, hb, &hr), addr, timeout));
    result.next_report_seconds = hr.next_report_seconds();
    if (!hr.send_full_report()) return result;
  }
  BESTAND_RETURN_IF_ERROR(Write(Path("spool.pb"), req.SerializeAsString(), 0600));
  v1::ReportResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  BESTAND_RETURN_IF_ERROR(FromGrpc(stub->Report(&ctx, req, &resp), addr, timeout));
  BESTAND_RETURN_IF_ERROR(Write(Path("acked"), resp.acknowledged_hash(), 0644));
  ::unlink(Path("spool.pb").c_str());
  result.kind = CycleResult::kFullReport;
  result.device = resp.device();
  result.next_report_seconds = resp.next_report_seconds();
  result.packages = static_cast<size_t>(req.report().software_size());
  return result;
}

void Reporter::RunForever(const std::function<bool()>& stop,
                          const std::function<void(const std::string&)>& log) {
  std::mt19937_64 rng(std::random_device{}());
  int failures = 0;
  while (!stop()) {
    absl::StatusOr<CycleResult> r = RunOnce();
    double wait_seconds;
    if (r.ok()) {
      failures = 0;
      if (r->renewed_until) {
        log(absl::StrCat("certificate renewed, valid until ",
                         FormatIsoDate(absl::FromUnixSeconds(r->renewed_until))));
      }
      log(r->kind == CycleResult::kFullReport
              ? absl::StrCat("reported ", r->packages, " packages for ", r->device)
              : "heartbeat: inventory unchanged");
      // ±10% so that a fleet started together does not report together.
      wait_seconds = r->next_report_seconds * std::uniform_real_distribution<>(0.9, 1.1)(rng);
    } else {
      ++failures;
      double backoff =
          std::min(900.0, min_backoff_seconds * std::pow(2.0, std::min(failures - 1, 10)));
      wait_seconds = backoff * std::uniform_real_distribution<>(0.5, 1.0)(rng);
      log(absl::StrCat("report failed (", r.status().message(), "); retrying in ",
                       static_cast<int>(wait_seconds), " s"));
    }
    absl::Time until = absl::Now() + absl::Seconds(wait_seconds);
    while (!stop() && absl::Now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace bestand::agent
