#include "server/core/fleet.h"

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bestand/v1/inventory.pb.h"
#include "common/report_hash.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "server/core/audit.h"
#include "server/core/audit_verify.h"
#include "server/core/audited_state.h"
#include "server/core/auth.h"
#include "server/core/fleet/versions.h"
#include "server/core/inventory.h"
#include "server/core/workflow.h"
#include "server/pki/ca.h"
#include "tests/core/core_fixture.h"
#include "tests/test_util.h"

namespace bestand {
namespace {

TEST(CompareVersionsTest, FollowsDebianOrdering) {
  EXPECT_LT(CompareVersions("1.0", "1.1"), 0);
  EXPECT_LT(CompareVersions("1.9", "1.10"), 0);
  EXPECT_LT(CompareVersions("1.0~rc1", "1.0"), 0);  // '~' sorts before the end
  EXPECT_LT(CompareVersions("1.0", "1.0+deb12u1"), 0);
  EXPECT_LT(CompareVersions("2.0", "1:1.0"), 0);  // epoch wins
  EXPECT_LT(CompareVersions("128.5.1esr-1~deb12u1", "128.6.0esr-1~deb12u1"), 0);
  EXPECT_LT(CompareVersions("1.0-1", "1.0-2"), 0);
  EXPECT_EQ(CompareVersions("1.02", "1.2"), 0);
  EXPECT_GT(CompareVersions("1.0a", "1.0"), 0);
}

// A store that notes when someone asks for a write transaction, so that a test can wait for a
// thread to be blocked in it (instead of sleeping and hoping).
class WriteWatchingStore : public Store {
 public:
  explicit WriteWatchingStore(Store* inner) : inner_(inner) {}
  absl::StatusOr<std::unique_ptr<ReadTx>> BeginRead() override { return inner_->BeginRead(); }
  absl::StatusOr<std::unique_ptr<WriteTx>> TryBeginWrite() override {
    return inner_->TryBeginWrite();
  }
  absl::StatusOr<std::unique_ptr<WriteTx>> BeginWrite() override {
    std::call_once(once_, [this] { asked_.set_value(); });
    return inner_->BeginWrite();
  }
  uint64_t WriteGeneration() const override { return inner_->WriteGeneration(); }
  // Returns once BeginWrite has been called.
  void WaitForWriter() { asked_future_.wait(); }

 private:
  Store* inner_;
  std::once_flag once_;
  std::promise<void> asked_;
  std::shared_future<void> asked_future_ = asked_.get_future().share();
};

class FleetTest : public testing::CoreTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CoreTest::SetUp());
    auto ca = CreateCa("Test CA");
    ASSERT_TRUE(ca.ok());
    fleet_ = std::make_unique<Fleet>(store_.get(), *ca);
    ASSERT_TRUE(fleet_->Load().ok());
    v1::CreateEnrollmentTokenRequest req;
    req.mutable_token()->set_max_uses(10);
    auto token = fleet_->CreateEnrollmentToken("test", req);
    ASSERT_TRUE(token.ok()) << token.status();
    token_ = token->secret();
  }

  absl::StatusOr<AgentIdentity> Enroll(const std::string& machine_id) {
    auto csr = CreateKeyAndCsr("pc");
    if (!csr.ok()) return csr.status();
    v1::EnrollRequest req;
    req.set_csr_pem(csr->cert_pem);
    req.set_hostname("pc");
    req.set_machine_id(machine_id);
    req.set_serial_number("To be filled by O.E.M.");
    auto resp = fleet_->Enroll(token_, req);
    if (!resp.ok()) return resp.status();
    return fleet_->AuthenticateAgent(resp->certificate_pem());
  }

  static v1::SoftwarePackage* Add(v1::InventoryReport* r, const std::string& name,
                                  const std::string& version, const std::string& source = "rpm") {
    v1::SoftwarePackage* p = r->add_software();
    p->set_name(name);
    p->set_version(version);
    p->set_architecture("x86_64");
    p->set_source(source);
    return p;
  }

  std::vector<std::string> Changes(int64_t device) {
    v1::ListSoftwareChangesRequest req;
    req.set_device("devices/" + std::to_string(device));
    auto resp = fleet_->ListSoftwareChanges(req);
    EXPECT_TRUE(resp.ok()) << resp.status();
    std::vector<std::string> out;
    for (const auto& c : resp->changes()) {
      out.push_back(absl::StrCat(v1::SoftwareChange::Kind_Name(c.kind()), " ", c.name(), " ",
                                 c.old_version(), ">", c.new_version()));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::unique_ptr<Fleet> fleet_;
  std::string token_;
};

TEST_F(FleetTest, HistoryHandlesSeveralVersionsOfOnePackage) {
  auto agent = Enroll("0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(agent.ok()) << agent.status();
  v1::ReportRequest first;
  first.mutable_report()->set_hostname("pc");
  Add(first.mutable_report(), "kernel", "5.14.0-1");
  Add(first.mutable_report(), "kernel", "5.14.0-2");
  Add(first.mutable_report(), "bash", "5.1.8-6");
  Add(first.mutable_report(), "vim", "9.0-3");
  ASSERT_TRUE(fleet_->Report(*agent, first).ok());
  EXPECT_THAT(Changes(agent->device_id), ::testing::IsEmpty()) << "a first report is no history";

  // A new kernel next to the newest, the oldest removed; bash downgraded; vim gone; zsh new.
  v1::ReportRequest second;
  second.mutable_report()->set_hostname("pc");
  Add(second.mutable_report(), "kernel", "5.14.0-2");
  Add(second.mutable_report(), "kernel", "5.14.0-3");
  Add(second.mutable_report(), "bash", "5.1.8-5");
  Add(second.mutable_report(), "zsh", "5.8-9");
  auto resp = fleet_->Report(*agent, second);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->acknowledged_hash(), ReportContentHash(second.report()));
  EXPECT_THAT(Changes(agent->device_id),
              ::testing::ElementsAre("DOWNGRADED bash 5.1.8-6>5.1.8-5", "INSTALLED zsh >5.8-9",
                                     "REMOVED vim 9.0-3>", "UPGRADED kernel 5.14.0-1>5.14.0-3"));

  // The same report again changes nothing.
  ASSERT_TRUE(fleet_->Report(*agent, second).ok());
  EXPECT_EQ(Changes(agent->device_id).size(), 4u);
  v1::HeartbeatRequest hb;
  hb.set_content_hash(ReportContentHash(second.report()));
  EXPECT_FALSE(fleet_->Heartbeat(*agent, hb)->send_full_report());
  hb.set_content_hash("something else");
  EXPECT_TRUE(fleet_->Heartbeat(*agent, hb)->send_full_report());

  // A new publisher alone is no install or removal.
  v1::ReportRequest third = second;
  third.mutable_report()->mutable_software(3)->set_publisher("zsh maintainers");
  ASSERT_TRUE(fleet_->Report(*agent, third).ok());
  EXPECT_EQ(Changes(agent->device_id).size(), 4u);

  auto tx = store_->BeginRead();
  EXPECT_TRUE((*VerifyAudit(**tx)).ok());
}

// An empty first report still starts the history; a package listed twice is one package.
TEST_F(FleetTest, SoftwareAfterAnEmptyReportIsHistory) {
  auto agent = Enroll("0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(agent.ok()) << agent.status();
  v1::ReportRequest empty;
  empty.mutable_report()->set_hostname("pc");
  ASSERT_TRUE(fleet_->Report(*agent, empty).ok());
  v1::ReportRequest next = empty;
  Add(next.mutable_report(), "firefox-esr", "128.6.0esr-1~deb12u1", "dpkg");
  Add(next.mutable_report(), "firefox-esr", "128.6.0esr-1~deb12u1", "dpkg");
  ASSERT_TRUE(fleet_->Report(*agent, next).ok());
  EXPECT_THAT(Changes(agent->device_id),
              ::testing::ElementsAre("INSTALLED firefox-esr >128.6.0esr-1~deb12u1"));
}

TEST_F(FleetTest, PackagesAreStoredOnceAcrossDevicesAndRestarts) {
  auto a = Enroll("0123456789abcdef0123456789abcdef");
  auto b = Enroll("abcdef0123456789abcdef0123456789");
  ASSERT_TRUE(a.ok() && b.ok());
  v1::ReportRequest r;
  r.mutable_report()->set_hostname("pc");
  Add(r.mutable_report(), "bash", "5.1.8-6");
  Add(r.mutable_report(), "bash", "5.1.8-6");  // listed twice: stored once
  Add(r.mutable_report(), "vim", "9.0-3")->set_publisher("Red Hat");
  Add(r.mutable_report(), "vim", "9.0-3")->set_publisher("Fedora");  // another package
  ASSERT_TRUE(fleet_->Report(*a, r).ok());
  ASSERT_TRUE(fleet_->Report(*b, r).ok());
  auto count = [&] {
    int n = 0;
    auto tx = store_->BeginRead();
    EXPECT_TRUE((*tx)
                    ->ScanPackages([&](const PackageRecord&) {
                      ++n;
                      return absl::OkStatus();
                    })
                    .ok());
    return n;
  };
  EXPECT_EQ(count(), 3);

  // A restarted server loads the index: the same packages are not stored again.
  fleet_ = std::make_unique<Fleet>(store_.get(), *CreateCa("Test CA"));
  ASSERT_TRUE(fleet_->Load().ok());
  Add(r.mutable_report(), "zsh", "5.8-9");
  ASSERT_TRUE(fleet_->Report(*a, r).ok());
  EXPECT_EQ(count(), 4);
  EXPECT_THAT(Changes(a->device_id), ::testing::ElementsAre("INSTALLED zsh >5.8-9"));
}

// Agents reporting at once from their own threads, as gRPC's threads call in: every report is
// stored once, shared packages once, and each device ends with its own last report. Under the
// tsan build this is what checks the group commit, the package index and the agent registry.
TEST_F(FleetTest, ConcurrentReportsFromManyThreadsAreEachStoredOnce) {
  constexpr int kAgents = 8;
  constexpr int kRounds = 5;
  std::vector<AgentIdentity> agents;
  for (int i = 0; i < kAgents; ++i) {
    auto a = Enroll(absl::StrCat("fedcba9876543210fedcba987654321", i));
    ASSERT_TRUE(a.ok()) << a.status();
    agents.push_back(*a);
  }
  std::vector<std::thread> threads;
  std::vector<int> failures(kAgents, 0);
  for (int i = 0; i < kAgents; ++i) {
    threads.emplace_back([&, i] {
      for (int round = 0; round < kRounds; ++round) {
        v1::ReportRequest r;
        r.mutable_report()->set_hostname(absl::StrCat("pc-", i));
        Add(r.mutable_report(), "shared", absl::StrCat("1.", round));
        Add(r.mutable_report(), absl::StrCat("own-", i), "1.0");
        if (!fleet_->Report(agents[i], r).ok()) ++failures[i];
        (void)fleet_->Heartbeat(agents[i], v1::HeartbeatRequest());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures, std::vector<int>(kAgents, 0));
  for (int i = 0; i < kAgents; ++i) {
    // The first report is the device's starting point; each later round upgraded the shared
    // package, in the order that agent sent them.
    EXPECT_THAT(Changes(agents[i].device_id),
                ::testing::ElementsAre("UPGRADED shared 1.0>1.1", "UPGRADED shared 1.1>1.2",
                                       "UPGRADED shared 1.2>1.3", "UPGRADED shared 1.3>1.4"))
        << "device " << agents[i].device_id;
  }
}

TEST_F(FleetTest, ReportsQueuedTogetherCommitTogetherAndABadOneFailsAlone) {
  std::vector<AgentIdentity> agents;
  for (int i = 0; i < 4; ++i) {
    auto a = Enroll(absl::StrCat("0123456789abcdef0123456789abcde", i));
    ASSERT_TRUE(a.ok()) << a.status();
    agents.push_back(*a);
  }
  ASSERT_TRUE(fleet_->RevokeAgent("test", "devices/3").ok());
  std::vector<v1::ReportRequest> reports(4);
  for (int i = 0; i < 4; ++i) {
    reports[i].mutable_report()->set_hostname(absl::StrCat("pc-", i));
    Add(reports[i].mutable_report(), "shared-new-package", "1.0");
    Add(reports[i].mutable_report(), absl::StrCat("own-package-", i), "1.0");
  }
  // While the store's writer is held, the first report's thread waits in the writer role and
  // the others only queue; they are then written in one transaction. The fleet writes through
  // a store that says when its writer asks for the write transaction.
  WriteWatchingStore watching(store_.get());
  Fleet fleet(&watching, *CreateCa("Test CA"));
  ASSERT_TRUE(fleet.Load().ok());
  auto blocker = store_->BeginWrite();
  ASSERT_TRUE(blocker.ok());
  absl::StatusOr<v1::ReportResponse> first;
  std::thread leader([&] { first = fleet.Report(agents[0], reports[0]); });
  watching.WaitForWriter();  // the leader holds the writer role, waiting for `blocker`
  std::mutex mu;
  std::condition_variable answer;
  std::vector<absl::StatusOr<v1::ReportResponse>> results(4);
  int answered = 0;
  for (int i = 1; i < 4; ++i) {
    fleet.Report(agents[i], reports[i], [&, i](absl::StatusOr<v1::ReportResponse> r) {
      std::lock_guard<std::mutex> lock(mu);
      results[i] = std::move(r);
      ++answered;
      answer.notify_all();
    });
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(answered, 0) << "answered before anything was committed";
  }
  blocker->reset();
  leader.join();
  {
    std::unique_lock<std::mutex> lock(mu);
    answer.wait(lock, [&] { return answered == 3; });
  }
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(results[1].ok()) << results[1].status();
  EXPECT_EQ(results[2].status().code(), absl::StatusCode::kUnauthenticated);  // revoked
  EXPECT_TRUE(results[3].ok()) << results[3].status();

  v1::SearchSoftwareRequest search;
  search.set_name("package");
  auto found = fleet_->SearchSoftware(search);
  ASSERT_TRUE(found.ok()) << found.status();
  std::vector<std::string> names;
  for (const auto& p : found->software()) {
    names.push_back(absl::StrCat(p.name(), " on ", p.device_count()));
  }
  EXPECT_THAT(names,
              ::testing::UnorderedElementsAre("own-package-0 on 1", "own-package-1 on 1",
                                              "own-package-3 on 1", "shared-new-package on 3"));
  auto tx = store_->BeginRead();
  EXPECT_TRUE((*VerifyAudit(**tx)).ok());
}

TEST_F(FleetTest, PackageTextMustBeUtf8WithoutControlCharacters) {
  auto a = Enroll("0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(a.ok());
  v1::ReportRequest ok;
  Add(ok.mutable_report(), "hunspell-de-de Wörterbuch für Größen", "1");
  EXPECT_TRUE(fleet_->Report(*a, ok).ok());
  // Bad bytes early, inside a full eight-byte word and in the tail of a value.
  for (std::string bad : {std::string("\x7fpkg"),
                          std::string("01234567\x01"
                                      "zzzzzz"),
                          std::string("0123456789abc\x7f"), std::string("name \xff\xfe bytes"),
                          std::string("abcdefgh\xc3")}) {
    v1::ReportRequest r;
    Add(r.mutable_report(), bad, "1");
    EXPECT_EQ(fleet_->Report(*a, r).status().code(), absl::StatusCode::kInvalidArgument)
        << absl::CEscape(bad);
  }
  // Only new packages are scanned (stored ones were when they came first): the error names the
  // new one after a stored one, and nothing of that report is kept.
  v1::ReportRequest mixed = ok;
  Add(mixed.mutable_report(), "bad\x01name", "2");
  auto refused = fleet_->Report(*a, mixed);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "report.software[1].name"))
      << refused.status();
  v1::GetDeviceInventoryRequest get;
  get.set_device(absl::StrCat("devices/", a->device_id));
  get.set_include_software(true);
  auto device = fleet_->GetDeviceInventory(get);
  ASSERT_TRUE(device.ok()) << device.status();
  EXPECT_EQ(device->software_size(), 1);
}

TEST_F(FleetTest, AHandCorrectionStandsUntilTheMachineChanges) {
  auto a = Enroll("0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(a.ok());
  v1::ReportRequest r;
  r.mutable_report()->set_hostname("pc-17");
  r.mutable_report()->mutable_os()->set_pretty_name("Debian GNU/Linux 12 (bookworm)");
  ASSERT_TRUE(fleet_->Report(*a, r).ok());
  v1::Device d, out;
  ASSERT_TRUE(inventory_->Get(Kind::kDevice, "devices/1", &d).ok());
  EXPECT_EQ(d.hostname(), "pc-17");
  d.set_hostname("pc-17.buero.example");
  google::protobuf::FieldMask mask;
  mask.add_paths("hostname");
  ASSERT_TRUE(inventory_->Update("coordinator", Kind::kDevice, d, mask, &out).ok());

  ASSERT_TRUE(fleet_->Report(*a, r).ok());  // nothing new on the machine
  ASSERT_TRUE(inventory_->Get(Kind::kDevice, "devices/1", &d).ok());
  EXPECT_EQ(d.hostname(), "pc-17.buero.example");

  r.mutable_report()->set_hostname("pc-18");  // renamed on the machine
  ASSERT_TRUE(fleet_->Report(*a, r).ok());
  ASSERT_TRUE(inventory_->Get(Kind::kDevice, "devices/1", &d).ok());
  EXPECT_EQ(d.hostname(), "pc-18");
  auto tx = store_->BeginRead();
  EXPECT_TRUE((*VerifyAudit(**tx)).ok());
}

TEST_F(FleetTest, AnEnrolledDeviceIsNotTakenOverAndReportsCannotPlantIdentity) {
  auto a = Enroll("0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(a.ok()) << a.status();
  // Another machine claiming the same machine-id gets a device of its own.
  auto again = Enroll("0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->device_id, 2);

  // A report naming another machine's identity does not change the device's identity.
  v1::ReportRequest r;
  r.mutable_report()->set_hostname("pc");
  r.mutable_report()->set_machine_id("ffffffffffffffffffffffffffffffff");
  r.mutable_report()->mutable_hardware()->set_hardware_uuid("4c4c4544-0058-4b10-8032-b7c04f514833");
  ASSERT_TRUE(fleet_->Report(*a, r).ok());
  v1::Device d;
  ASSERT_TRUE(inventory_->Get(Kind::kDevice, "devices/1", &d).ok());
  EXPECT_EQ(d.machine_id(), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(d.hardware_uuid(), "");
  EXPECT_EQ(d.serial_number(), "") << "a firmware placeholder became a serial number";

  // Control characters and oversized lists are refused, naming the field.
  r.mutable_report()->set_hostname("a\x1b[31mb");
  EXPECT_THAT(fleet_->Report(*a, r).status().message(), ::testing::HasSubstr("report.hostname"));
  r.mutable_report()->set_hostname("pc");
  for (int i = 0; i < kMaxReportItems + 1; ++i) r.mutable_report()->add_users()->set_name("u");
  EXPECT_THAT(fleet_->Report(*a, r).status().message(), ::testing::HasSubstr("report.users"));
  r.mutable_report()->clear_users();
  for (int i = 0; i < 9000; ++i) {
    Add(r.mutable_report(), "pkg" + std::to_string(i), "1")->set_publisher(std::string(999, 'x'));
  }
  EXPECT_THAT(fleet_->Report(*a, r).status().message(), ::testing::HasSubstr("at most 8388608"));
  ASSERT_TRUE(inventory_->Get(Kind::kDevice, "devices/1", &d).ok());
  v1::GetDeviceInventoryRequest inv_req;
  inv_req.set_device("devices/1");
  inv_req.set_include_software(true);
  EXPECT_EQ(fleet_->GetDeviceInventory(inv_req)->software_size(), 0)
      << "a refused report changed data";
}

TEST_F(FleetTest, JoiningAnExistingDeviceTakesATokenBoundToIt) {
  // The coordinator recorded the laptop by hand; its agent has not enrolled yet.
  v1::Device laptop, out;
  laptop.set_asset_tag("NB-0042");
  laptop.set_serial_number("PF4K2M1A");
  ASSERT_TRUE(inventory_->Create("test", Kind::kDevice, laptop, &out).ok());
  // An enrollment with the rollout token, claiming that serial number: a device of its own,
  // and the coordinator is told they may be one machine.
  auto csr = CreateKeyAndCsr("pc");
  ASSERT_TRUE(csr.ok());
  v1::EnrollRequest req;
  req.set_csr_pem(csr->cert_pem);
  req.set_hostname("pc-anna");
  req.set_machine_id("0123456789abcdef0123456789abcdef");
  req.set_serial_number("PF4K2M1A");
  auto unbound = fleet_->Enroll(token_, req);
  ASSERT_TRUE(unbound.ok()) << unbound.status();
  EXPECT_EQ(unbound->device(), "devices/2");
  auto findings = workflow_->ListFindings();
  ASSERT_TRUE(findings.ok());
  ASSERT_EQ(findings->findings_size(), 1) << findings->DebugString();
  EXPECT_EQ(findings->findings(0).kind(), "possible duplicate device");
  EXPECT_THAT(findings->findings(0).description(),
              ::testing::HasSubstr("have the same serial number; if they are one machine, bind "
                                   "an enrollment token to NB-0042"));
  // What an agent reports never blocks recording the real device.
  v1::Device d2;
  ASSERT_TRUE(inventory_->Get(Kind::kDevice, "devices/2", &d2).ok());
  EXPECT_EQ(d2.reported_serial_number(), "PF4K2M1A");
  EXPECT_EQ(d2.serial_number(), "");
  req.set_serial_number("XK99");
  req.set_machine_id("abcdef0123456789abcdef0123456789");
  auto other = fleet_->Enroll(token_, req);
  ASSERT_TRUE(other.ok()) << other.status();
  v1::Device desk;
  desk.set_asset_tag("PC-7");
  desk.set_serial_number("XK99");  // what the agent of devices/3 reported
  EXPECT_TRUE(inventory_->Create("test", Kind::kDevice, desk, &out).ok());

  // The coordinator decides: this machine is NB-0042.
  v1::CreateEnrollmentTokenRequest bind;
  bind.mutable_token()->set_device("NB-0042");
  bind.mutable_token()->set_max_uses(2);
  EXPECT_EQ(fleet_->CreateEnrollmentToken("test", bind).status().code(),
            absl::StatusCode::kInvalidArgument)
      << "a bound token is good for one machine";
  bind.mutable_token()->clear_max_uses();
  auto bound = fleet_->CreateEnrollmentToken("test", bind);
  ASSERT_TRUE(bound.ok()) << bound.status();
  EXPECT_EQ(bound->token().device(), "devices/1");
  req.set_machine_id("0123456789abcdef0123456789abcdef");
  req.set_serial_number("PF4K2M1A");
  auto joined = fleet_->Enroll(bound->secret(), req);
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined->device(), "devices/1");
  ASSERT_TRUE(inventory_->Get(Kind::kDevice, "NB-0042", &laptop).ok());
  EXPECT_EQ(laptop.machine_id(), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(fleet_->Enroll(bound->secret(), req).status().code(),
            absl::StatusCode::kUnauthenticated)
      << "used up";
  // A device with an active agent is joined only after its agent is revoked.
  auto again = fleet_->CreateEnrollmentToken("test", bind);
  ASSERT_TRUE(again.ok());
  auto refused = fleet_->Enroll(again->secret(), req);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()), ::testing::HasSubstr("agent revoke"));
  auto tx = store_->BeginRead();
  auto verified = VerifyAudit(**tx);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok()) << verified->DebugString();
}

TEST_F(FleetTest, VerifyFindsAgentDataEditedOrRemovedBehindBestandsBack) {
  // An agent's device with history, and an imported device.
  auto a = Enroll("0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(a.ok()) << a.status();
  v1::ReportRequest r;
  r.mutable_report()->set_hostname("pc");
  Add(r.mutable_report(), "libreoffice", "7.4");
  Add(r.mutable_report(), "vim", "9.0");
  ASSERT_TRUE(fleet_->Report(*a, r).ok());
  r.mutable_report()->mutable_software(1)->set_version("9.1");
  Add(r.mutable_report(), "curl", "7.88");
  ASSERT_TRUE(fleet_->Report(*a, r).ok());
  ASSERT_TRUE(fleet_->Heartbeat(*a, v1::HeartbeatRequest()).ok());
  ASSERT_TRUE(fleet_->FlushLastSeen().ok());
  v1::InventoryReport imported;
  imported.set_hostname("mac");
  imported.mutable_hardware()->set_hardware_uuid("4c4c4544-0058-4b10-8032-b7c04f514833");
  Add(&imported, "Safari", "17.1", "pkg");
  ASSERT_TRUE(fleet_->ImportInventory("test", imported, false).ok());
  auto problems = [&] {
    auto tx = store_->BeginRead();
    auto v = VerifyAudit(**tx, {}, &fleet_->sealer());
    EXPECT_TRUE(v.ok()) << v.status();
    return std::vector<std::string>(v->problems().begin(), v->problems().end());
  };
  ASSERT_THAT(problems(), ::testing::IsEmpty());

  testing::ExecSql(db(), "UPDATE agents SET last_seen_time = last_seen_time - 86400000000");
  EXPECT_THAT(problems(), ::testing::ElementsAre(::testing::HasSubstr(
                              "agents/1: the last-seen time was edited outside Bestand")));
  testing::ExecSql(db(), "UPDATE agents SET last_seen_time = last_seen_time + 86400000000");
  ASSERT_THAT(problems(), ::testing::IsEmpty());

  // History: deleting an event (the upgrade of vim) breaks the device's chain.
  testing::ExecSql(db(),
                   "DELETE FROM software_events WHERE id = (SELECT MIN(id) FROM "
                   "software_events)");
  EXPECT_THAT(problems(), ::testing::Contains(::testing::HasSubstr(
                              "software history of devices/1: events were removed or edited")));
  // The software set of the agent's device: removing it is named through the agent's seal.
  testing::ExecSql(db(), "DELETE FROM software_events WHERE device_id = 1");
  testing::ExecSql(db(), "DELETE FROM device_software WHERE device_id = 1");
  EXPECT_THAT(problems(),
              ::testing::ElementsAre(::testing::HasSubstr(
                  "agents/1: its last report or the device's software was changed or removed")));
  // The imported device's software is anchored in the audit trail.
  testing::ExecSql(db(), "DELETE FROM device_software WHERE device_id = 2");
  EXPECT_THAT(problems(), ::testing::Contains(
                              ::testing::HasSubstr("software/2: removed without an audit event")));
}

TEST_F(FleetTest, RevokedTokensAndAgentsAreRefused) {
  auto a = Enroll("0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(fleet_->RevokeAgent("test", "devices/1").ok());
  EXPECT_EQ(fleet_->Heartbeat(*a, v1::HeartbeatRequest()).status().code(),
            absl::StatusCode::kUnauthenticated);
  ASSERT_TRUE(fleet_->RevokeEnrollmentToken("test", "enrollmentTokens/1").ok());
  auto b = Enroll("abcdef0123456789abcdef0123456789");
  EXPECT_EQ(b.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StrContains(b.status().message(), "revoked"));
}

class TokenTest : public testing::CoreTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CoreTest::SetUp());
    auto tokens = TokenManager::Create(store_.get());
    ASSERT_TRUE(tokens.ok());
    tokens_ = std::move(*tokens);
  }

  std::unique_ptr<TokenManager> tokens_;
};

TEST_F(TokenTest, RevokedNamesCanBeReusedAndIdsWin) {
  ASSERT_TRUE(tokens_->CreateToken("t", "admin", v1::ADMIN).ok());
  ASSERT_TRUE(tokens_->CreateToken("t", "ci", v1::COORDINATOR).ok());
  EXPECT_EQ(tokens_->CreateToken("t", "ci", v1::VIEWER).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(tokens_->CreateToken("t", "tokens/1", v1::VIEWER).status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(tokens_->RevokeToken("t", "ci").ok());
  auto again = tokens_->CreateToken("t", "ci", v1::VIEWER);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->token().name(), "tokens/3");
  // Revoking by id names exactly that token.
  auto revoked = tokens_->RevokeToken("t", "tokens/3");
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(revoked->display_name(), "ci");
  auto tx = store_->BeginRead();
  EXPECT_TRUE((*VerifyAudit(**tx)).ok());
}

TEST_F(TokenTest, VerifyComparesTheWholeStoredHashOfEveryToken) {
  ASSERT_TRUE(tokens_->CreateToken("t", "admin", v1::ADMIN).ok());
  auto ca = CreateCa("Test CA");
  ASSERT_TRUE(ca.ok());
  Fleet fleet(store_.get(), *ca);
  ASSERT_TRUE(fleet.CreateEnrollmentToken("t", {}).ok());
  auto verify = [&] {
    auto tx = store_->BeginRead();
    return *VerifyAudit(**tx);
  };
  ASSERT_TRUE(verify().ok());
  // Someone swaps in the hash of a secret of their own, keeping the first 12 hex digits (the
  // fingerprint token list shows): found, for API and enrollment tokens alike.
  testing::ExecSql(db(),
                   "UPDATE tokens SET secret_sha256 = substr(secret_sha256, 1, 12) || "
                   "'0000000000000000000000000000000000000000000000000000'");
  testing::ExecSql(db(),
                   "UPDATE enrollment_tokens SET secret_sha256 = 'ab' || "
                   "substr(secret_sha256, 3)");
  const v1::VerifyAuditResponse v = verify();
  EXPECT_FALSE(v.ok());
  EXPECT_THAT(v.problems(),
              ::testing::UnorderedElementsAre(
                  "tokens/1: differs from its last audited state (fields: secret)",
                  "enrollmentTokens/1: differs from its last audited state (fields: secret)"));
}

TEST_F(TokenTest, TokensAuditedInTheFormerFormatVerifyAfterTheUpgrade) {
  auto admin = tokens_->CreateToken("t", "admin", v1::ADMIN);
  ASSERT_TRUE(admin.ok());
  {
    // The state an earlier version recorded: the token without the digest of its hash.
    auto tx = *store_->BeginWrite();
    v1::Token legacy = admin->token();
    std::string json;
    google::protobuf::util::JsonPrintOptions o;
    o.preserve_proto_field_names = true;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(legacy, &json, o).ok());
    ASSERT_TRUE(RecordAudit(*tx, "t", "token.create", "tokens/1", "", json).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto verify = [&] {
    auto tx = store_->BeginRead();
    return *VerifyAudit(**tx);
  };
  EXPECT_FALSE(verify().ok());
  ASSERT_TRUE(UpgradeAuditFormats(store_.get()).ok());
  EXPECT_TRUE(verify().ok()) << verify().DebugString();
  ASSERT_TRUE(UpgradeAuditFormats(store_.get()).ok());
  auto tx = store_->BeginRead();
  AuditQuery q;
  q.resource = "tokens/1";
  EXPECT_EQ((*tx)->ListAudit(q)->size(), 3u) << "the format change is recorded once";
}

class TimestampTest : public testing::CoreTest {};

TEST_F(TimestampTest, NanosecondsAreTruncatedSoTheAuditMatchesTheStoredRow) {
  v1::Application app, app_out;
  app.set_display_name("GitLab");
  ASSERT_TRUE(inventory_->Create("t", Kind::kApplication, app, &app_out).ok());
  v1::Account acc, out;
  acc.set_application("GitLab");
  acc.set_username("anna");
  acc.mutable_last_activity_time()->set_seconds(1764300000);
  acc.mutable_last_activity_time()->set_nanos(123456789);
  ASSERT_TRUE(inventory_->Create("t", Kind::kAccount, acc, &out).ok());
  EXPECT_EQ(out.last_activity_time().nanos(), 123456000);
  auto tx = store_->BeginRead();
  auto v = VerifyAudit(**tx);
  EXPECT_TRUE(v->ok()) << v->DebugString();
}

}  // namespace
}  // namespace bestand
