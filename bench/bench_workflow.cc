// Offboarding and task lists over TLS against an in-process server, each next to an empty RPC
// (grpc.health.v1.Health/Check) timed in the same run. Medians of --rounds calls, one client:
//   Offboard   a person with 200 accounts, 200 access grants and 200 license seats across 100
//              applications (one transaction: 600 tasks)      target <= 50 ms
//   ListTasks  over 100,000 tasks: one vendor's open tasks, every overdue task (first page of
//              1,000), the first page of all tasks            target <= 50 ms
// Not a test: it prints.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench/bench_server.h"
#include "bench/bench_util.h"
#include "bestand/v1/workflow.grpc.pb.h"
#include "common/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/app.h"
#include "server/core/inventory.h"
#include "server/pki/ca.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace bestand {
namespace {

using bench::Median;

using Clock = std::chrono::steady_clock;

constexpr int kApps = 100;
constexpr int kPerPerson = 200;  // accounts, grants and seats
constexpr int kVendors = 50;

// Milliseconds of each of `n` calls of `call`.
std::vector<double> Time(int n, const std::function<grpc::Status()>& call) {
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    auto start = Clock::now();
    grpc::Status s = call();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    if (!s.ok()) std::fprintf(stderr, "call failed: %s\n", s.error_message().c_str());
  }
  return ms;
}

// Creates `text` (protobuf text format) of `kind` with validation and audit, like the API.
int64_t Create(WriteTx& tx, Kind kind, const std::string& text) {
  std::unique_ptr<google::protobuf::Message> m = bench::ParseResource(kind, text);
  absl::StatusOr<int64_t> id = CreateInTx(tx, "bench", Spec(kind), m.get());
  if (!id.ok())
    std::fprintf(stderr, "seeding %s: %s\n", text.c_str(), id.status().ToString().c_str());
  return id.value_or(0);
}

int Main(int argc, char** argv) {
  std::map<std::string, int> counts = {{"rounds", 7}, {"tasks", 100000}};
  if (!bench::ParseCounts(argc, argv, &counts, "bench_workflow [--rounds N] [--tasks N]")) {
    return 2;
  }
  const int rounds = counts["rounds"], tasks = counts["tasks"];
  bench::BenchDir dir;
  auto store = OpenSqliteStore({.path = dir.path() + "/bench.db"});
  auto ca = CreateCa("Bench CA");
  if (!store.ok() || !ca.ok()) return std::fprintf(stderr, "setup failed\n"), 1;
  Store* db = store->get();

  // The company: vendors, 100 applications with two licenses each, `rounds` people with 200
  // accounts (two per application), a role on each and 200 seats; 100,000 tasks around them.
  {
    auto tx = db->BeginWrite();
    for (int v = 0; v < kVendors; ++v) {
      Create(**tx, Kind::kVendor, absl::StrCat("display_name: 'Vendor ", v, "'"));
    }
    for (int a = 0; a < kApps; ++a) {
      Create(**tx, Kind::kApplication,
             absl::StrCat("display_name: 'App ", a, "' vendor: 'vendors/", 1 + a % kVendors, "'"));
      for (int l = 0; l < 2; ++l) {
        Create(**tx, Kind::kLicense,
               absl::StrCat("display_name: 'License ", a, "-", l, "' seats: 1000 vendor: 'vendors/",
                            1 + a % kVendors, "' application: 'applications/", a + 1, "'"));
      }
    }
    for (int p = 0; p < rounds; ++p) {
      int64_t person =
          Create(**tx, Kind::kPerson,
                 absl::StrCat("email: 'leaver", p, "@firma.de' display_name: 'Leaver ", p, "'"));
      for (int i = 0; i < kPerPerson; ++i) {
        int64_t account =
            Create(**tx, Kind::kAccount,
                   absl::StrCat("application: 'applications/", 1 + i % kApps, "' username: 'leaver",
                                p, "-", i, "' person: 'people/", person, "'"));
        Create(**tx, Kind::kAccessGrant,
               absl::StrCat("account: 'accounts/", account, "' role: 'user'"));
        Create(**tx, Kind::kLicenseAssignment,
               absl::StrCat("license: 'licenses/", 1 + i, "' person: 'people/", person, "'"));
      }
    }
    // Tasks are written straight into the store: seeding, not what is measured.
    v1::Task t;
    const absl::CivilDay today = TodayUtc();
    for (int i = 0; i < tasks; ++i) {
      t.set_title(absl::StrCat("Task ", i));
      t.set_action(v1::Task::REQUEST);
      t.set_vendor(absl::StrCat("vendors/", 1 + i % kVendors));
      t.set_status(i / kVendors % 5 == 0 ? v1::Task::OPEN : v1::Task::DONE);  // a fifth open
      t.set_priority(v1::Task::NORMAL);
      t.set_due_date(FormatIsoDate(today + (i % 200) - 100));
      if (!(*tx)->Insert(Kind::kTask, t).ok()) return std::fprintf(stderr, "seeding tasks\n"), 1;
    }
    if (!(*tx)->Commit().ok()) return std::fprintf(stderr, "seeding failed\n"), 1;
  }

  auto server = bench::StartTlsServer(std::move(*store), *ca);
  if (!server.ok()) return std::fprintf(stderr, "%s\n", server.status().ToString().c_str()), 1;
  auto admin = (*server)->tokens()->CreateToken("bench", "bench", v1::ADMIN);
  grpc::SslCredentialsOptions cssl;
  cssl.pem_root_certs = ca->cert_pem;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  auto channel = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                                           grpc::SslCredentials(cssl), args);
  auto health = grpc::health::v1::Health::NewStub(channel);
  auto workflow = v1::WorkflowService::NewStub(channel);
  auto authed = [&](grpc::ClientContext* c) {
    c->AddMetadata("authorization", "Bearer " + admin->secret());
  };

  auto empty = [&] {
    grpc::ClientContext c;
    grpc::health::v1::HealthCheckResponse r;
    return health->Check(&c, grpc::health::v1::HealthCheckRequest(), &r);
  };
  Time(50, empty);  // connect and warm up
  const double empty_ms = Median(Time(std::max(rounds, 50), empty));
  int next = 0;
  size_t offboard_tasks = 0;
  const double offboard_ms = Median(Time(rounds, [&] {
    grpc::ClientContext c;
    authed(&c);
    v1::OffboardRequest req;
    req.set_person(absl::StrCat("leaver", next++, "@firma.de"));
    req.set_last_day(FormatIsoDate(TodayUtc() + 14));
    v1::CaseView view;
    grpc::Status s = workflow->Offboard(&c, req, &view);
    offboard_tasks = view.tasks_size();
    return s;
  }));
  auto list = [&](v1::ListTasksRequest req, size_t* n) {
    return [&, req, n] {
      grpc::ClientContext c;
      authed(&c);
      v1::ListTasksResponse resp;
      grpc::Status s = workflow->ListTasks(&c, req, &resp);
      *n = resp.tasks_size();
      return s;
    };
  };
  v1::ListTasksRequest vendor_open;
  vendor_open.set_vendor("Vendor 7");
  vendor_open.set_open_only(true);
  vendor_open.set_page_size(1000);
  v1::ListTasksRequest overdue;
  overdue.set_overdue_only(true);
  overdue.set_page_size(1000);
  v1::ListTasksRequest first_page;
  first_page.set_page_size(1000);
  size_t n_vendor = 0, n_overdue = 0, n_first = 0;
  const double vendor_ms = Median(Time(std::max(rounds, 20), list(vendor_open, &n_vendor)));
  const double overdue_ms = Median(Time(std::max(rounds, 20), list(overdue, &n_overdue)));
  const double first_ms = Median(Time(std::max(rounds, 20), list(first_page, &n_first)));

  std::printf("bench_workflow: TLS, one client, %d tasks stored, medians\n", tasks);
  std::printf("%-58s %9s %9s\n", "rpc", "ms", "x empty");
  std::printf("%-58s %9.3f %9.1f\n", "empty (Health/Check)", empty_ms, 1.0);
  auto row = [&](const std::string& what, double ms) {
    std::printf("%-58s %9.3f %9.1f   target <= 50 ms: %s\n", what.c_str(), ms, ms / empty_ms,
                ms <= 50 ? "met" : "MISSED");
  };
  row(absl::StrCat("Offboard: 200 accounts+grants+seats, 100 apps (", offboard_tasks, " tasks)"),
      offboard_ms);
  row(absl::StrCat("ListTasks: one vendor's open tasks (", n_vendor, ")"), vendor_ms);
  row(absl::StrCat("ListTasks: overdue, first page (", n_overdue, ")"), overdue_ms);
  row(absl::StrCat("ListTasks: all, first page (", n_first, ")"), first_ms);
  return 0;
}

}  // namespace
}  // namespace bestand

int main(int argc, char** argv) { return bestand::Main(argc, argv); }
