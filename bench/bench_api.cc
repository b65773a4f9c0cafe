// API throughput over TLS with 16 concurrent clients, each figure next to an empty RPC
// (grpc.health.v1.Health/Check) measured in the same run on the same server:
//   Get    GetPerson by resource name           target >= 0.5 x the empty-RPC rate
//   List   ListPeople, one page of 1,000 people  target <= 20 ms per call (median)
//   Create CreatePerson
// Each throughput is the median of --rounds rounds of --seconds each. Not a test: it prints.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench/bench_server.h"
#include "bench/bench_util.h"
#include "bestand/v1/inventory.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/app.h"
#include "server/pki/ca.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace bestand {
namespace {

using bench::Median;

using Clock = std::chrono::steady_clock;

struct Options {
  int clients = 16;
  int people = 1000;
  double seconds = 2.0;
  int rounds = 5;
  int list_calls = 50;
};

class Bench {
 public:
  Bench(const Options& o, const std::string& addr, const std::string& ca, const std::string& token)
      : o_(o), token_(token) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ca;
    for (int i = 0; i < o.clients; ++i) {
      grpc::ChannelArguments args;
      // One TLS connection per client, as 16 separate CLI processes or scripts would have.
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetMaxReceiveMessageSize(64 << 20);
      channels_.push_back(grpc::CreateCustomChannel(addr, grpc::SslCredentials(ssl), args));
    }
  }

  // Runs `call(client, i)` on every client for o_.seconds; returns calls per second.
  template <typename Call>
  double Rate(Call call) {
    std::atomic<bool> stop{false};
    std::atomic<int64_t> done{0}, failed{0};
    std::vector<std::thread> threads;
    auto start = Clock::now();
    for (int c = 0; c < o_.clients; ++c) {
      threads.emplace_back([&, c] {
        int64_t i = 0;
        while (!stop.load(std::memory_order_relaxed)) {
          grpc::Status s = call(c, i++);
          if (s.ok()) {
            done.fetch_add(1, std::memory_order_relaxed);
          } else if (failed.fetch_add(1, std::memory_order_relaxed) == 0) {
            std::fprintf(stderr, "call failed: %s\n", s.error_message().c_str());
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(o_.seconds));
    stop = true;
    for (auto& t : threads) t.join();
    double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (failed > 0) std::fprintf(stderr, "warning: %lld calls failed\n", (long long)failed.load());
    return done / elapsed;
  }

  template <typename Call>
  double MedianRate(Call call) {
    std::vector<double> rates;
    for (int r = 0; r < o_.rounds; ++r) rates.push_back(Rate(call));
    return Median(rates);
  }

  std::unique_ptr<grpc::ClientContext> Ctx(bool auth) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (auth) ctx->AddMetadata("authorization", "Bearer " + token_);
    return ctx;
  }

  grpc::Status Empty(int c, int64_t) {
    auto stub = grpc::health::v1::Health::NewStub(channels_[c]);
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    return stub->Check(Ctx(false).get(), req, &resp);
  }

  grpc::Status Get(int c, int64_t i) {
    auto stub = v1::PersonService::NewStub(channels_[c]);
    v1::GetPersonRequest req;
    req.set_name(absl::StrCat("people/", 1 + (i * 7919 + c * 104729) % o_.people));
    v1::Person resp;
    return stub->GetPerson(Ctx(true).get(), req, &resp);
  }

  grpc::Status List(int c, int64_t) {
    auto stub = v1::PersonService::NewStub(channels_[c]);
    v1::ListPeopleRequest req;
    req.set_page_size(1000);
    v1::ListPeopleResponse resp;
    grpc::Status s = stub->ListPeople(Ctx(true).get(), req, &resp);
    if (s.ok() && resp.people_size() != std::min(o_.people, 1000)) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "short page");
    }
    return s;
  }

  grpc::Status Create(int c, int64_t) {
    auto stub = v1::PersonService::NewStub(channels_[c]);
    v1::CreatePersonRequest req;
    req.mutable_person()->set_email(absl::StrCat("bench-", next_email_++, "@firma.de"));
    req.mutable_person()->set_display_name("Benchmark Person");
    req.mutable_person()->set_department("Lasttest");
    v1::Person resp;
    return stub->CreatePerson(Ctx(true).get(), req, &resp);
  }

  // Latency of single ListPeople calls (one client, nothing else running), in milliseconds.
  std::vector<double> ListLatencies() {
    std::vector<double> ms;
    for (int i = 0; i < o_.list_calls; ++i) {
      auto t0 = Clock::now();
      grpc::Status s = List(0, i);
      if (!s.ok()) std::fprintf(stderr, "list failed: %s\n", s.error_message().c_str());
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    return ms;
  }

 private:
  std::atomic<int64_t> next_email_{0};
  Options o_;
  std::string token_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
};

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    double v = 0;
    if (!absl::SimpleAtod(argv[i + 1], &v)) return 2;
    if (flag == "--seconds")
      o.seconds = v;
    else if (flag == "--rounds")
      o.rounds = static_cast<int>(v);
    else if (flag == "--clients")
      o.clients = static_cast<int>(v);
    else
      return std::fprintf(stderr, "usage: bench_api [--seconds S] [--rounds N] [--clients N]\n"), 2;
  }
  bench::BenchDir dir;
  auto store = OpenSqliteStore({.path = dir.path() + "/bench.db"});
  auto ca = CreateCa("Bench CA");
  if (!store.ok() || !ca.ok()) return std::fprintf(stderr, "setup failed\n"), 1;
  auto server = bench::StartTlsServer(std::move(*store), *ca);
  if (!server.ok()) return std::fprintf(stderr, "%s\n", server.status().ToString().c_str()), 1;
  auto admin = (*server)->tokens()->CreateToken("bench", "bench", v1::ADMIN);
  std::string addr = absl::StrCat("127.0.0.1:", (*server)->port());

  Bench bench(o, addr, ca->cert_pem, admin->secret());
  // Seed 1,000 people through the API's CSV import.
  {
    std::string csv = "email,display_name,department,cost_center\n";
    for (int i = 0; i < o.people; ++i) {
      csv += absl::StrCat("person", i, "@firma.de,Person Nummer ", i, ",Abteilung ", i % 12, ",",
                          1000 + i % 7, "\n");
    }
    grpc::SslCredentialsOptions cssl;
    cssl.pem_root_certs = ca->cert_pem;
    auto stub = v1::ImportService::NewStub(grpc::CreateChannel(addr, grpc::SslCredentials(cssl)));
    v1::ImportCsvRequest req;
    req.set_collection("people");
    req.set_content(csv);
    auto ctx = bench.Ctx(true);
    auto reader = stub->ImportCsv(ctx.get(), req);
    v1::ImportCsvProgress p;
    while (reader->Read(&p)) {
    }
    if (!reader->Finish().ok()) return std::fprintf(stderr, "seeding failed\n"), 1;
  }

  std::printf("bench_api: %d clients, TLS (ECDSA P-256), %d people, %d rounds x %.1f s, medians\n",
              o.clients, o.people, o.rounds, o.seconds);
  // Warm up connections (TLS handshakes) before measuring.
  bench.Rate([&](int c, int64_t i) { return bench.Empty(c, i); });
  double empty = bench.MedianRate([&](int c, int64_t i) { return bench.Empty(c, i); });
  double get = bench.MedianRate([&](int c, int64_t i) { return bench.Get(c, i); });
  double list = bench.MedianRate([&](int c, int64_t i) { return bench.List(c, i); });
  double create = bench.MedianRate([&](int c, int64_t i) { return bench.Create(c, i); });
  std::vector<double> lat = bench.ListLatencies();
  std::sort(lat.begin(), lat.end());
  double p50 = lat[lat.size() / 2], p95 = lat[lat.size() * 95 / 100];

  std::printf("%-34s %12s %10s\n", "rpc", "calls/s", "vs empty");
  std::printf("%-34s %12.0f %10.2f\n", "empty (Health/Check)", empty, 1.0);
  std::printf("%-34s %12.0f %10.2f   target >= 0.50: %s\n", "GetPerson", get, get / empty,
              get / empty >= 0.5 ? "met" : "MISSED");
  std::printf("%-34s %12.0f %10.3f\n", "ListPeople (1,000 per page)", list, list / empty);
  std::printf("%-34s %12.0f %10.2f\n", "CreatePerson", create, create / empty);
  std::printf(
      "ListPeople 1,000 people, one client: median %.2f ms, p95 %.2f ms   target <= 20 ms: %s\n",
      p50, p95, p50 <= 20 ? "met" : "MISSED");
  return 0;
}

}  // namespace
}  // namespace bestand

int main(int argc, char** argv) { return bestand::Main(argc, argv); }
