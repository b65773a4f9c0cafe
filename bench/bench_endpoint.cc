// The agents' HTTPS endpoint under load, in-process with a real TLS server on loopback: GLPI JSON
// inventories (--packages 1,500 each, 80% shared between devices, zlib-compressed as the GLPI
// Agent sends them) from --clients 16 clients, each with its own kept-alive connection. Printed,
// not asserted, as medians of --rounds rounds, next to baselines measured in the same rounds:
//   refused   the same compressed bodies without credentials: read in full, then refused
//   grpc      the same inventories (uncompressed) through ImportCsv(collection "glpi") over gRPC,
//             the path of 'bestand import glpi'
//   endpoint  the inventories over HTTPS with an inventory token
// Target (issue "Every PC reports"): endpoint >= 0.5 x grpc. Then one inventory of
// --big-packages packages alone: the server's peak memory growth while it is inflated, parsed
// and stored, per byte of decompressed body (target <= 20).
#include <httplib.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "bench/bench_server.h"
#include "bench/bench_util.h"
#include "bestand/v1/inventory.grpc.pb.h"
#include "server/http/inventory_http.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace bestand {
namespace {

using bench::Median;
using Clock = std::chrono::steady_clock;

// One GLPI inventory for device `d`: 80% of its packages the same on every device.
std::string Inventory(int d, int packages) {
  std::string json = absl::StrCat(
      R"({"action":"inventory","itemtype":"Computer","deviceid":"pc-)", d,
      R"(-2026-01-01-08-00-00","content":{"hardware":{"name":"pc-)", d,
      R"(","memory":16384},"operatingsystem":{"full_name":"Windows 11 Pro","version":"23H2"},)",
      R"("cpus":[{"name":"Intel Core i5","core":4,"thread":8}],"softwares":[)");
  for (int p = 0; p < packages; ++p) {
    const bool shared = p < packages * 8 / 10;
    absl::StrAppend(&json, p ? "," : "", R"({"name":"package-)", shared ? 0 : d, "-", p,
                    R"(","version":"1.)", p % 17, R"(.0","publisher":"Vendor )", p % 40,
                    R"(","install_date":"2025-03-0)", 1 + p % 9, R"(","arch":"x86_64"})");
  }
  return json + "]}}";
}

std::string Deflate(const std::string& in) {
  uLongf size = compressBound(in.size());
  std::string out(size, '\0');
  compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(in.data()),
            in.size(), Z_DEFAULT_COMPRESSION);
  out.resize(size);
  return out;
}

// The process's resident set and its peak, in bytes (/proc/self/status).
std::pair<double, double> RssAndPeak() {
  std::ifstream in("/proc/self/status");
  std::string line;
  double rss = 0, peak = 0;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) rss = std::stod(line.substr(6)) * 1024;
    if (line.rfind("VmHWM:", 0) == 0) peak = std::stod(line.substr(6)) * 1024;
  }
  return {rss, peak};
}

// Runs `send(client, index)` for `count` items over `clients` threads; items per second, or -1
// when any failed (a figure with failures in it would be no figure).
template <typename Send>
double Rate(int clients, int count, Send send) {
  std::atomic<int> next{0}, failed{0};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int i; (i = next++) < count;) {
        if (!send(c, i) && failed++ == 0) std::fprintf(stderr, "a request failed\n");
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed > 0) return -1;
  return count / std::chrono::duration<double>(Clock::now() - start).count();
}

int Main(int argc, char** argv) {
  std::map<std::string, int> o = {{"rounds", 3},
                                  {"clients", 16},
                                  {"devices", 200},
                                  {"packages", 1500},
                                  {"big-packages", 20000}};
  if (!bench::ParseCounts(argc, argv, &o,
                          "bench_endpoint [--rounds N] [--clients N] [--devices N] [--packages N] "
                          "[--big-packages N]")) {
    return 2;
  }
  bench::BenchDir dir;
  auto store = OpenSqliteStore({.path = dir.path() + "/bench.db"});
  auto ca = CreateCa("Bench CA");
  if (!store.ok() || !ca.ok()) return std::fprintf(stderr, "setup failed\n"), 1;
  auto cert = IssueServerCert(*ca, {"127.0.0.1"});
  auto server = bench::StartTlsServer(std::move(*store), *ca);
  if (!server.ok() || !cert.ok()) return std::fprintf(stderr, "server failed\n"), 1;
  // Every client is on 127.0.0.1 here: the per-address rate limit would cut the run short.
  InventoryEndpointOptions unlimited;
  unlimited.burst = 1e9;
  auto http = InventoryHttpServer::Start("127.0.0.1:0", cert->cert_pem, cert->key_pem,
                                         (*server)->fleet(), (*server)->tokens(), unlimited);
  if (!http.ok()) return std::fprintf(stderr, "%s\n", http.status().ToString().c_str()), 1;
  const std::string admin = (*server)->tokens()->CreateToken("bench", "admin", v1::ADMIN)->secret();
  const std::string rollout =
      (*server)->tokens()->CreateToken("bench", "rollout", v1::INVENTORY)->secret();

  const std::string ca_file = dir.path() + "/ca.crt";
  std::ofstream(ca_file) << ca->cert_pem;
  std::vector<std::unique_ptr<httplib::SSLClient>> https;
  std::vector<std::unique_ptr<v1::ImportService::Stub>> grpc_clients;
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ca->cert_pem;
  for (int c = 0; c < o["clients"]; ++c) {
    auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", (*http)->port());
    client->set_ca_cert_path(ca_file.c_str());
    client->set_keep_alive(true);
    https.push_back(std::move(client));
    grpc::ChannelArguments args;
    args.SetInt("grpc.use_local_subchannel_pool", 1);  // a connection per client
    grpc_clients.push_back(v1::ImportService::NewStub(grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", (*server)->port()), grpc::SslCredentials(ssl), args)));
  }
  const int n = o["devices"];
  std::printf(
      "bench_endpoint: %d clients, %d inventories of %d packages per round, %d rounds, "
      "medians\n",
      o["clients"], n, o["packages"], o["rounds"]);
  std::vector<double> refused, grpc_rate, endpoint;
  for (int round = 0; round < o["rounds"]; ++round) {
    // Each round brings new devices, so that every inventory is a first one.
    std::vector<std::string> plain(2 * n), compressed(2 * n);
    for (int i = 0; i < 2 * n; ++i) {
      plain[i] = Inventory(round * 2 * n + i, o["packages"]);
      compressed[i] = Deflate(plain[i]);
    }
    auto post = [&](int c, int i, bool auth) {
      httplib::Headers headers;
      if (auth)
        headers.emplace("Authorization", "Basic " + absl::Base64Escape("bestand:" + rollout));
      auto r = https[c]->Post("/", headers, compressed[i], "application/x-compress-zlib");
      return r && r->status == (auth ? 200 : 401);
    };
    refused.push_back(Rate(o["clients"], n, [&](int c, int i) { return post(c, i, false); }));
    grpc_rate.push_back(Rate(o["clients"], n, [&](int c, int i) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + admin);
      v1::ImportCsvRequest req;
      req.set_collection("glpi");
      req.set_content(plain[i]);
      auto reader = grpc_clients[c]->ImportCsv(&ctx, req);
      v1::ImportCsvProgress p;
      while (reader->Read(&p)) {
      }
      return reader->Finish().ok();
    }));
    endpoint.push_back(Rate(o["clients"], n, [&](int c, int i) { return post(c, n + i, true); }));
  }
  for (const auto* rates : {&refused, &grpc_rate, &endpoint}) {
    if (std::count(rates->begin(), rates->end(), -1.0) > 0) {
      return std::fprintf(stderr, "requests failed: no figures\n"), 1;
    }
  }
  const double g = Median(grpc_rate), e = Median(endpoint), r = Median(refused);
  std::printf("%-44s %12s %10s\n", "request", "per second", "vs grpc");
  std::printf("%-44s %12.1f %10.2f\n", "refused (same body, no credentials)", r, r / g);
  std::printf("%-44s %12.1f %10.2f\n", "grpc ImportCsv glpi (bestand import glpi)", g, 1.0);
  std::printf("%-44s %12.1f %10.2f   target >= 0.50: %s\n",
              "endpoint (HTTPS, zlib, inventory token)", e, e / g, e / g >= 0.5 ? "met" : "MISSED");

  // One large inventory alone: peak growth of this process (the server; the client holds only
  // the compressed body) while the endpoint takes it.
  https.clear();  // their kept-alive connections count against the 16 per address
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const std::string big = Inventory(999999, o["big-packages"]);
  const std::string body = Deflate(big);
  httplib::SSLClient one("127.0.0.1", (*http)->port());
  one.set_ca_cert_path(ca_file.c_str());
  one.set_read_timeout(120);
  std::ofstream("/proc/self/clear_refs") << "5";  // resets VmHWM to the current RSS
  const double before = RssAndPeak().first;
  auto res = one.Post("/", {{"Authorization", "Basic " + absl::Base64Escape("bestand:" + rollout)}},
                      body, "application/x-compress-zlib");
  const double peak = RssAndPeak().second;
  if (!res || res->status != 200) {
    return std::fprintf(stderr, "the large inventory failed: %s\n",
                        res ? res->body.c_str() : httplib::to_string(res.error()).c_str()),
           1;
  }
  const double ratio = (peak - before) / static_cast<double>(big.size());
  std::printf(
      "one inventory of %d packages: %.1f MB decompressed (%.1f MB sent), peak growth "
      "%.1f MB = %.1f x the body   target <= 20: %s\n",
      o["big-packages"], big.size() / 1e6, body.size() / 1e6, (peak - before) / 1e6, ratio,
      ratio <= 20 ? "met" : "MISSED");
  return 0;
}

}  // namespace
}  // namespace bestand

int main(int argc, char** argv) { return bestand::Main(argc, argv); }
