// The web interface's pages over a whole company (bench_company.h: 1,000 people, 300 licenses,
// 5,000 devices with 1,500 packages each) and --tasks 100,000 tasks, in-process with a real
// TLS server on loopback, one signed-in browser on a kept-alive connection. Per page: client
// time p50 and p95 over --rounds requests, next to the same for an empty HTTPS request (the
// style sheet) in the same run, and the page's size. The dashboard and the license page read
// their report from server/web/report_cache.h while the store is unchanged; "after a write"
// shows the dashboard when it must compute its report. Targets (issue "Bestand in the browser"):
// dashboard, person page, device page and task list p95 <= 50 ms; every page <= 200 KB. Not a
// test: it prints.
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/bench_company.h"
#include "bench/bench_server.h"
#include "bench/bench_util.h"
#include "common/time.h"
#include "server/storage/sqlite/sqlite_store.h"
#include "server/web/web_server.h"

namespace bestand {
namespace {

using Clock = std::chrono::steady_clock;

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

// A signed-in browser: one kept-alive TLS connection and its session cookie.
class Browser {
 public:
  Browser(int port, const std::string& ca_file) : client_("127.0.0.1", port) {
    client_.set_ca_cert_path(ca_file.c_str());
    client_.enable_server_certificate_verification(true);
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);
  }
  bool SignIn(const std::string& token) {
    httplib::Result form = client_.Get("/sign-in");
    if (!form) return false;
    std::string cookie = Cookie(*form, "__Host-bestand_signin");
    const std::string marker = "name=\"csrf\" value=\"";
    size_t at = form->body.find(marker) + marker.size();
    std::string csrf = form->body.substr(at, form->body.find('"', at) - at);
    httplib::Result r = client_.Post("/sign-in", {{"Cookie", "__Host-bestand_signin=" + cookie}},
                                     httplib::Params{{"csrf", csrf}, {"token", token}});
    if (!r || r->status != 303) return false;
    session_ = Cookie(*r, "__Host-bestand_session");
    return !session_.empty();
  }
  // Status and size of one request; -1 when it failed. A connection the server closed while
  // idle is opened again, as browsers do.
  std::pair<int, size_t> Get(const std::string& path) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      httplib::Result r =
          client_.Get(path.c_str(), {{"Cookie", "__Host-bestand_session=" + session_}});
      if (r) return {r->status, r->body.size()};
    }
    return {-1, 0};
  }

 private:
  static std::string Cookie(const httplib::Response& r, const std::string& name) {
    for (size_t i = 0, n = r.get_header_value_count("Set-Cookie"); i < n; ++i) {
      std::string h = r.get_header_value("Set-Cookie", i);
      if (h.rfind(name + "=", 0) == 0)
        return h.substr(name.size() + 1, h.find(';') - name.size() - 1);
    }
    return "";
  }
  httplib::SSLClient client_;
  std::string session_;
};

int Main(int argc, char** argv) {
  std::map<std::string, int> counts = {{"rounds", 50}, {"devices", 5000}, {"tasks", 100000}};
  if (!bench::ParseCounts(argc, argv, &counts,
                          "bench_web [--rounds N] [--devices N] [--tasks N]")) {
    return 2;
  }
  const int rounds = counts["rounds"], tasks = counts["tasks"];
  bench::BenchDir dir;
  auto store = OpenSqliteStore({.path = dir.path() + "/bench.db"});
  auto ca = CreateCa("Bench CA");
  if (!store.ok() || !ca.ok()) return std::fprintf(stderr, "setup failed\n"), 1;
  std::mt19937 rng(42);
  const auto seed_start = Clock::now();
  {
    auto tx = (*store)->BeginWrite();
    if (!tx.ok()) return 1;
    if (absl::Status s = bench::SeedCompanyInTx(**tx, counts["devices"], 1500, rng); !s.ok()) {
      return std::fprintf(stderr, "seeding: %s\n", s.ToString().c_str()), 1;
    }
    if (absl::Status s = bench::SeedTasksInTx(**tx, tasks); !s.ok()) {
      return std::fprintf(stderr, "seeding tasks: %s\n", s.ToString().c_str()), 1;
    }
    if (!(*tx)->Commit().ok()) return std::fprintf(stderr, "seeding failed\n"), 1;
  }
  const double seed_s = std::chrono::duration<double>(Clock::now() - seed_start).count();

  auto server = bench::StartTlsServer(std::move(*store), *ca);
  if (!server.ok()) return std::fprintf(stderr, "%s\n", server.status().ToString().c_str()), 1;
  absl::StatusOr<KeyAndCert> cert = IssueServerCert(*ca, {"localhost", "127.0.0.1"});
  if (!cert.ok()) return 1;
  auto web = WebServer::Start("127.0.0.1:0", cert->cert_pem, cert->key_pem, (*server)->web_core());
  if (!web.ok()) return std::fprintf(stderr, "%s\n", web.status().ToString().c_str()), 1;
  auto admin = (*server)->tokens()->CreateToken("bench", "bench-admin", v1::ADMIN);
  auto vendor = (*server)->tokens()->CreateToken("bench", "bench-vendor", v1::VENDOR, "vendors/1");
  if (!admin.ok() || !vendor.ok()) return 1;
  const std::string ca_file = dir.path() + "/ca.crt";
  std::ofstream(ca_file) << ca->cert_pem;
  Browser coordinator((*web)->port(), ca_file), provider((*web)->port(), ca_file);
  if (!coordinator.SignIn(admin->secret()) || !provider.SignIn(vendor->secret())) {
    return std::fprintf(stderr, "sign-in failed\n"), 1;
  }

  struct Page {
    const char* what;
    Browser* browser;
    std::string path;
    bool after_a_write = false;  // each request follows a write: no cached report
  };
  const std::vector<Page> pages = {
      {"empty request (style sheet)", &coordinator, "/static/app.css"},
      {"dashboard", &coordinator, "/"},
      {"dashboard after a write", &coordinator, "/", true},
      {"licenses (300)", &coordinator, "/licenses"},
      {"people, search 'P1'", &coordinator, "/people?q=P1"},
      {"person page", &coordinator, "/people/2"},
      {"devices, search 'NB-42'", &coordinator, "/devices?q=NB-42"},
      {"device page (1,500 packages)", &coordinator, "/devices/2"},
      {"applications and vendors", &coordinator, "/applications"},
      {"renewals (a year)", &coordinator, "/renewals"},
      {"risky access", &coordinator, "/findings"},
      {"audit log, newest 100", &coordinator, "/audit"},
      {"tasks, open (a page of 100)", &coordinator, "/tasks"},
      {"tasks, one provider's open", &provider, "/tasks"},
      {"tasks CSV, one provider's open", &provider, "/tasks.csv"},
  };
  std::printf("bench_web: %d devices x 1,500 packages, %d tasks (seeded in %.1f s); %d rounds\n",
              counts["devices"], tasks, seed_s, rounds);
  std::printf("%-34s %9s %9s %9s %10s\n", "page", "p50 ms", "p95 ms", "p95/empty", "size KB");
  double empty_p95 = 0;
  for (const Page& p : pages) {
    std::vector<double> ms;
    size_t size = 0;
    for (int i = 0; i < rounds + 2; ++i) {
      if (p.after_a_write) {
        auto tx = (*server)->store()->BeginWrite();  // ends unchanged, as rolled back
        if (!tx.ok()) return 1;
      }
      const auto start = Clock::now();
      auto [status, bytes] = p.browser->Get(p.path);
      const double elapsed =
          std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      if (status != 200) return std::fprintf(stderr, "%s: status %d\n", p.path.c_str(), status), 1;
      if (i >= 2) ms.push_back(elapsed);  // the first two warm the caches
      size = bytes;
    }
    const double p50 = Percentile(ms, 0.5), p95 = Percentile(ms, 0.95);
    if (empty_p95 == 0) empty_p95 = p95;
    std::printf("%-34s %9.2f %9.2f %9.1f %10.1f\n", p.what, p50, p95, p95 / empty_p95,
                static_cast<double>(size) / 1024);
  }
  return 0;
}

}  // namespace
}  // namespace bestand

int main(int argc, char** argv) { return bestand::Main(argc, argv); }
