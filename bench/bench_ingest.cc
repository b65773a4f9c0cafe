// Ingest over mTLS against a real bestand-server process, posing as many agents. Printed, not
// asserted, as medians of --rounds rounds (each with agents of its own), each next to baselines
// measured in the same rounds on the same server:
//   empty      grpc.health.v1.Health/Check                       (16 clients)
//   no-op      the agent's first report with one byte made a control character: same size,
//              same connection; the server parses it and refuses it at once
//   first      first full reports: 1,500 packages, 80% shared between devices
//   changed    reports with 1% of the packages changed
//   heartbeat  heartbeats of unchanged agents
// Targets (issue "bestand-agent"): first >= 0.5 x no-op, changed >= 0.7 x no-op,
// heartbeat >= 0.7 x empty; after --devices devices: server peak RSS < 300 MB and
// < 25 KB of database per device.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench/bench_util.h"
#include "bestand/v1/agent.grpc.pb.h"
#include "common/pki/cert.h"
#include "common/report_hash.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace bestand {
namespace {

using bench::Median;

using Clock = std::chrono::steady_clock;

constexpr int kSlices = 5;  // turns the report figures take per round

struct Options {
  std::string server_bin;
  int devices = 10000;      // ingested in total (first reports), for RSS and database size
  int rate_devices = 1000;  // devices whose reports are timed, per round
  int rounds = 3;
  int clients = 16;
  int packages = 1500;
  double shared = 0.8;
  bool keep = false;  // leave the data directory for inspection
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The process's peak resident set in MiB (VmHWM).
double PeakRssMib(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

// CPU time (user + system, all threads) of a process in microseconds, from /proc/PID/stat.
int64_t CpuMicros(pid_t pid) {
  std::istringstream in(ReadFile(absl::StrCat("/proc/", pid, "/stat")));
  std::string field;
  int64_t user = 0, system = 0;
  for (int i = 1; i <= 15 && in >> field; ++i) {
    if (i == 14) user = std::stoll(field);
    if (i == 15) system = std::stoll(field);
  }
  return (user + system) * 1000000 / sysconf(_SC_CLK_TCK);
}

int64_t FileBytes(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_size : 0;
}

std::string MachineId(int device) {
  char id[33];
  std::snprintf(id, sizeof id, "%032x", device + 1);
  return id;
}

// A device's inventory: `shared` of its packages the same on every device, the rest its own.
v1::InventoryReport MakeReport(const Options& o, int device, int generation) {
  v1::InventoryReport r;
  r.set_hostname(absl::StrCat("pc-", device));
  r.set_machine_id(MachineId(device));
  r.mutable_os()->set_pretty_name("Debian GNU/Linux 12 (bookworm)");
  const int shared = static_cast<int>(o.packages * o.shared);
  const int changed = o.packages / 100;  // 1% per generation
  for (int i = 0; i < o.packages; ++i) {
    v1::SoftwarePackage* p = r.add_software();
    p->set_source("dpkg");
    p->set_architecture("amd64");
    p->set_publisher("Debian Maintainers <debian-devel@lists.debian.org>");
    p->mutable_install_time()->set_seconds(1735689600 + i);
    if (i < shared) {
      p->set_name(absl::StrCat("lib-shared-package-", i));
    } else {
      p->set_name(absl::StrCat("device-", device, "-package-", i));
    }
    // The first `changed` packages move to a new version each generation.
    p->set_version(absl::StrCat("2.", i < changed ? generation : 0, ".", i % 17, "-1+deb12u1"));
  }
  return r;
}

struct Agent {
  std::string key_pem, cert_pem;
  std::shared_ptr<grpc::Channel> channel;  // while the agent is being timed
};

class Bench {
 public:
  explicit Bench(Options o) : o_(std::move(o)) {}

  int Run();

 private:
  bool StartServer();
  std::shared_ptr<grpc::Channel> Channel(const std::string& key = "", const std::string& cert = "");
  bool EnrollAll();
  // Calls, wall seconds, CPU microseconds of the server and of the load generator.
  struct Sample {
    int calls = 0;
    double seconds = 0, server_us = 0, client_us = 0;
    Sample& operator+=(const Sample& o) {
      calls += o.calls;
      seconds += o.seconds;
      server_us += o.server_us;
      client_us += o.client_us;
      return *this;
    }
  };
  // Runs `call(i)` for i in [from, from + n) on o_.clients threads.
  Sample Measure(int from, int n, const std::function<grpc::Status(int)>& call);
  Sample Measure(int n, const std::function<grpc::Status(int)>& call) {
    return Measure(0, n, call);
  }

  Options o_;
  std::string dir_, addr_, ca_, admin_;
  pid_t pid_ = -1;
  std::vector<Agent> agents_;
};

bool Bench::StartServer() {
  char tmpl[] = "/tmp/bestand-ingest-XXXXXX";
  dir_ = mkdtemp(tmpl);
  std::string init =
      absl::StrCat(o_.server_bin, " init --data-dir ", dir_, "/data > ", dir_, "/init.txt");
  if (std::system(init.c_str()) != 0) return false;
  std::istringstream lines(ReadFile(dir_ + "/init.txt"));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  admin token  ", 0) == 0) admin_ = line.substr(15);
  }
  ca_ = ReadFile(dir_ + "/data/ca.crt");
  int out[2];
  if (pipe(out) != 0) return false;
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], 1);
    std::string data = dir_ + "/data";
    execl(o_.server_bin.c_str(), o_.server_bin.c_str(), "serve", "--data-dir", data.c_str(),
          "--listen", "127.0.0.1:0", nullptr);
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
  size_t colon = line.rfind(':');
  if (colon == std::string::npos) return false;
  addr_ = "127.0.0.1:" + line.substr(colon + 1, line.find(' ', colon) - colon - 1);
  return true;
}

std::shared_ptr<grpc::Channel> Bench::Channel(const std::string& key, const std::string& cert) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ca_;
  ssl.pem_private_key = key;
  ssl.pem_cert_chain = cert;
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one connection per agent
  args.SetMaxSendMessageSize(16 << 20);
  return grpc::CreateCustomChannel(addr_, grpc::SslCredentials(ssl), args);
}

Bench::Sample Bench::Measure(int from, int n, const std::function<grpc::Status(int)>& call) {
  std::atomic<int> next{from}, failed{0};
  std::vector<std::thread> threads;
  const int64_t server_start = CpuMicros(pid_), client_start = CpuMicros(getpid());
  auto start = Clock::now();
  for (int t = 0; t < o_.clients; ++t) {
    threads.emplace_back([&] {
      for (int i; (i = next++) < from + n;) {
        grpc::Status s = call(i);
        if (!s.ok() && failed++ == 0) {
          std::fprintf(stderr, "call failed: %s\n", s.error_message().c_str());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  return {n, std::chrono::duration<double>(Clock::now() - start).count(),
          static_cast<double>(CpuMicros(pid_) - server_start),
          static_cast<double>(CpuMicros(getpid()) - client_start)};
}

bool Bench::EnrollAll() {
  auto admin = v1::AgentAdminService::NewStub(Channel());
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + admin_);
  v1::CreateEnrollmentTokenRequest req;
  req.mutable_token()->set_max_uses(std::max(o_.devices, 1));
  v1::CreateEnrollmentTokenResponse token;
  grpc::Status s = admin->CreateEnrollmentToken(&ctx, req, &token);
  if (!s.ok()) return std::fprintf(stderr, "token: %s\n", s.error_message().c_str()), false;
  agents_.resize(o_.devices);
  auto enroll = v1::AgentService::NewStub(Channel());
  Measure(o_.devices, [&](int d) {
    auto csr = CreateKeyAndCsr(absl::StrCat("pc-", d));
    v1::EnrollRequest er;
    er.set_csr_pem(csr->cert_pem);
    er.set_hostname(absl::StrCat("pc-", d));
    er.set_machine_id(MachineId(d));
    v1::EnrollResponse resp;
    grpc::ClientContext c;
    c.AddMetadata("authorization", "Bearer " + token.secret());
    grpc::Status st = enroll->Enroll(&c, er, &resp);
    agents_[d].key_pem = csr->key_pem;
    agents_[d].cert_pem = resp.certificate_pem();
    return st;
  });
  return true;
}

int Bench::Run() {
  if (!StartServer()) return std::fprintf(stderr, "cannot start %s\n", o_.server_bin.c_str()), 1;
  const int m = o_.rate_devices;
  std::printf(
      "bench_ingest: %s, %d devices, %d rounds of %d timed agents, %d packages each (%.0f%% "
      "shared), %d clients, mTLS\n",
      addr_.c_str(), o_.devices, o_.rounds, m, o_.packages, o_.shared * 100, o_.clients);
  if (!EnrollAll()) return 1;

  // Per figure: calls/s, then server and load-generator CPU per call, one entry per round.
  enum { kEmpty, kNoop, kFirst, kChanged, kHeartbeat, kFigures };
  std::vector<double> rate[kFigures], server_us[kFigures], client_us[kFigures];
  size_t report_bytes = 0;
  for (int round = 0; round < o_.rounds; ++round) {
    // Each round times its own agents, so every first report is a real first report.
    Agent* agents = &agents_[round * m];
    std::vector<v1::ReportRequest> first(m), changed(m), refused(m);
    for (int d = 0; d < m; ++d) {  // like bestand-agent, every report carries its content hash
      *first[d].mutable_report() = MakeReport(o_, round * m + d, 0);
      first[d].set_content_hash(ReportContentHash(first[d].report()));
      // The no-op differs from the real call only in the work: same agent, same connection, same
      // size, refused by the server's first check (no control characters in a report).
      refused[d] = first[d];
      (*refused[d].mutable_report()->mutable_hostname())[0] = '\x01';
      *changed[d].mutable_report() = MakeReport(o_, round * m + d, 1);
      changed[d].set_content_hash(ReportContentHash(changed[d].report()));
    }
    auto noop_call = [&](int d) {
      v1::ReportResponse r;
      grpc::ClientContext c;
      grpc::Status s = v1::AgentService::NewStub(agents[d].channel)->Report(&c, refused[d], &r);
      // Refused for the control character, and for nothing else.
      return s.error_code() == grpc::StatusCode::INVALID_ARGUMENT &&
                     s.error_message().find("report.hostname") != std::string::npos
                 ? grpc::Status::OK
                 : grpc::Status(grpc::StatusCode::INTERNAL, "no-op: " + s.error_message());
    };
    // Connect and warm up, not timed: TLS handshakes, and HTTP/2 flow-control windows that grow
    // with the first large message on a connection, would otherwise burden whichever figure
    // comes first.
    Measure(m, [&](int d) {
      agents[d].channel = Channel(agents[d].key_pem, agents[d].cert_pem);
      return noop_call(d);
    });
    report_bytes = first[0].ByteSizeLong();
    auto empty_call = [&](int d) {
      grpc::health::v1::HealthCheckResponse r;
      grpc::ClientContext c;
      return grpc::health::v1::Health::NewStub(agents[d % m].channel)
          ->Check(&c, grpc::health::v1::HealthCheckRequest(), &r);
    };
    auto report_call = [&](std::vector<v1::ReportRequest>& reports) {
      return [&](int d) {
        v1::ReportResponse r;
        grpc::ClientContext c;
        return v1::AgentService::NewStub(agents[d].channel)->Report(&c, reports[d], &r);
      };
    };
    auto heartbeat_call = [&](int d) {
      v1::HeartbeatRequest req;
      req.set_content_hash(changed[d % m].content_hash());
      v1::HeartbeatResponse r;
      grpc::ClientContext c;
      return v1::AgentService::NewStub(agents[d % m].channel)->Heartbeat(&c, req, &r);
    };
    auto record = [&](int figure, const Sample& x) {
      rate[figure].push_back(x.calls / x.seconds);
      server_us[figure].push_back(x.server_us / x.calls);
      client_us[figure].push_back(x.client_us / x.calls);
    };
    Measure(m, empty_call);  // warm-up
    record(kEmpty, Measure(m * 4, empty_call));
    // The report figures take turns in slices of the round's agents, so that a noisy neighbour
    // on the machine slows them alike; each agent's first report precedes its changed one.
    Sample noop, full, change;
    for (int slice = 0; slice < kSlices; ++slice) {
      const int from = slice * m / kSlices, n = (slice + 1) * m / kSlices - from;
      noop += Measure(from, n, noop_call);
      full += Measure(from, n, report_call(first));
      change += Measure(from, n, report_call(changed));
    }
    record(kNoop, noop);
    record(kFirst, full);
    record(kChanged, change);
    record(kHeartbeat, Measure(m * 4, heartbeat_call));
    for (int d = 0; d < m; ++d) agents[d].channel.reset();
  }

  // The rest of the fleet: first reports over fresh connections, for memory and disk size. The
  // peak so far is the timed agents' (all connected at once); the peak is then reset (Linux
  // clear_refs) to see what ingesting the fleet itself needs.
  const double timed_rss = PeakRssMib(pid_);
  // The server hands memory back every five seconds once the connections are gone.
  sleep(6);
  std::ofstream(absl::StrCat("/proc/", pid_, "/clear_refs")) << "5";
  const int timed_devices = o_.rounds * m;
  auto t0 = Clock::now();
  Measure(o_.devices - timed_devices, [&](int i) {
    int d = timed_devices + i;
    v1::ReportRequest req;
    *req.mutable_report() = MakeReport(o_, d, 0);
    req.set_content_hash(ReportContentHash(req.report()));
    v1::ReportResponse r;
    grpc::ClientContext c;
    return v1::AgentService::NewStub(Channel(agents_[d].key_pem, agents_[d].cert_pem))
        ->Report(&c, req, &r);
  });
  double rest_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  double rss = PeakRssMib(pid_);
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
  int64_t db = FileBytes(dir_ + "/data/bestand.db") + FileBytes(dir_ + "/data/bestand.db-wal");

  std::printf("report size %zu bytes; medians of %d rounds (each round's calls/s in brackets)\n",
              report_bytes, o_.rounds);
  std::printf("%-34s %8s %6s %-32s %s\n", "rpc", "calls/s", "ratio", "",
              "CPU us/call: server, load generator");
  auto rounds = [&](int figure) {
    std::string out;
    for (double r : rate[figure]) {
      absl::StrAppend(&out, out.empty() ? "[" : " ", static_cast<int64_t>(r));
    }
    return out + "]";
  };
  // Each ratio is taken within a round (against that round's baseline), then the median.
  auto row = [&](const char* what, int figure, int base, const char* of, double target) {
    std::vector<double> ratios;
    for (size_t r = 0; r < rate[figure].size(); ++r) {
      ratios.push_back(rate[figure][r] / rate[base][r]);
    }
    double ratio = Median(ratios);
    std::string verdict = target == 0 ? ""
                                      : absl::StrCat("target >= ", absl::SixDigits(target), ": ",
                                                     ratio >= target ? "met" : "MISSED");
    std::printf("%-34s %8.0f %6.2f x %-7s %-22s %6.0f %6.0f  %s\n", what, Median(rate[figure]),
                ratio, of, verdict.c_str(), Median(server_us[figure]), Median(client_us[figure]),
                rounds(figure).c_str());
  };
  row("empty (Health/Check)", kEmpty, kEmpty, "empty", 0);
  row("no-op report (refused, same size)", kNoop, kEmpty, "empty", 0);
  row("first full report", kFirst, kNoop, "no-op", 0.5);
  row("report, 1% changed", kChanged, kNoop, "no-op", 0.7);
  row("heartbeat", kHeartbeat, kEmpty, "empty", 0.7);
  std::printf("remaining %d first reports over new connections: %.1f s\n",
              o_.devices - timed_devices, rest_seconds);
  std::printf("server peak RSS with %d agents connected at once: %.0f MiB\n", m, timed_rss);
  std::printf(
      "server peak RSS while the other %d devices report, up to %d devices: %.0f MiB "
      "(target < 300 MB: %s)\n",
      o_.devices - timed_devices, o_.devices, rss, rss * 1.048576 < 300 ? "met" : "MISSED");
  std::printf("database after %d devices: %.1f MiB = %.1f KiB per device (target < 25 KB: %s)\n",
              o_.devices, db / 1048576.0, db / 1024.0 / o_.devices,
              db / o_.devices < 25000 ? "met" : "MISSED");
  if (o_.keep) {
    std::printf("data directory kept: %s/data\n", dir_.c_str());
  } else {
    std::system(("rm -rf " + dir_).c_str());
  }
  return 0;
}

}  // namespace
}  // namespace bestand

int main(int argc, char** argv) {
  bestand::Options o;
  std::string self = argv[0];
  o.server_bin = self.substr(0, self.rfind('/') + 1) + "../server/bestand-server";
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--keep") {
      o.keep = true;
      continue;
    }
    const char* value = i + 1 < argc ? argv[++i] : "";
    int v = 0;
    bool positive = absl::SimpleAtoi(value, &v) && v > 0;
    if (flag == "--server-bin" && *value) {
      o.server_bin = value;
    } else if (flag == "--devices" && positive) {
      o.devices = v;
    } else if (flag == "--rate-devices" && positive) {
      o.rate_devices = v;
    } else if (flag == "--clients" && positive) {
      o.clients = v;
    } else if (flag == "--rounds" && positive) {
      o.rounds = v;
    } else {
      std::fprintf(stderr,
                   "usage: bench_ingest [--devices N] [--rate-devices N] [--rounds N] "
                   "[--clients N] [--server-bin PATH] [--keep]\n");
      return 2;
    }
  }
  o.rounds = std::min(o.rounds, o.devices);
  o.rate_devices = std::min(o.rate_devices, o.devices / o.rounds);
  return bestand::Bench(o).Run();
}
