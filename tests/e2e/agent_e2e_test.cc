// End to end: real bestand-server, bestand-agent (on fixture trees) and bestand CLI processes.
#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/e2e/server_process.h"
#include "tests/test_util.h"

namespace bestand {
namespace {

using testing::ProcessResult;
using testing::ReadFile;
using testing::RunProcess;
using testing::TempDir;
using testing::WriteFile;

namespace fs = std::filesystem;

class AgentE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Init(dir_.File("data"));
    server_.Start();
  }

  // A private copy of a fixture machine that the test may change.
  std::string Machine(const std::string& fixture, const std::string& name) {
    std::string root = dir_.File(name);
    fs::copy(std::string(BESTAND_AGENT_FIXTURES) + "/" + fixture, root,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    return root;
  }

  ProcessResult Agent(std::vector<std::string> args, const std::string& state,
                      const std::string& root) {
    std::vector<std::string> argv = {BESTAND_AGENT_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--state-dir", state, "--root", root});
    return RunProcess(argv);
  }

  ProcessResult Enroll(const std::string& state, const std::string& root,
                       const std::string& token) {
    return Agent({"enroll", "--server", server_.address(), "--ca", server_.ca(), "--token", token},
                 state, root);
  }

  std::string EnrollmentToken(int uses) {
    ProcessResult r = server_.Admin({"agent-token", "create", "--uses", std::to_string(uses)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return std::string(absl::StripTrailingAsciiWhitespace(r.out));
  }

  TempDir dir_;
  testing::ServerProcess server_;
};

TEST_F(AgentE2eTest, EnrollsReportsOnlyChangesAndKeepsHistory) {
  std::string root = Machine("workstation", "pc1");
  std::string state = dir_.File("state1");
  ProcessResult r = Enroll(state, root, EnrollmentToken(1));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "enrolled as devices/1\n");
  struct stat st;
  ASSERT_EQ(stat((state + "/key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  r = Agent({"run", "--once"}, state, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, "reported ")) << r.out;
  r = Agent({"run", "--once"}, state, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "heartbeat: inventory unchanged\n");

  ProcessResult dev = server_.Admin({"device", "show", "devices/1", "-o", "json"});
  EXPECT_TRUE(absl::StrContains(dev.out, "\"reported_serial_number\": \"7XK2QH3\"")) << dev.out;
  EXPECT_TRUE(
      absl::StrContains(dev.out, "\"hardware_uuid\": \"4c4c4544-0058-4b10-8032-b7c04f514833\""))
      << dev.out;
  EXPECT_TRUE(absl::StrContains(dev.out, "\"last_report_time\"")) << dev.out;

  // An upgrade, a removal and an install on the PC.
  std::string status_file = root + "/var/lib/dpkg/status";
  std::string status = ReadFile(status_file);
  status = absl::StrReplaceAll(status,
                               {{"Version: 128.5.1esr-1~deb12u1", "Version: 128.6.0esr-1~deb12u1"},
                                {"Package: zlib1g\n", "Package: zlib1g-gone\n"}});
  size_t gone = status.find("Package: zlib1g-gone");
  ASSERT_NE(gone, std::string::npos);
  status = status.substr(0, gone);
  status +=
      "Package: htop\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.2.2-2\n"
      "Maintainer: Daniel Lange <DLange@debian.org>\n\n";
  WriteFile(status_file, status);
  r = Agent({"run", "--once"}, state, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, "reported ")) << r.out;

  ProcessResult history = server_.Admin({"device", "history", "devices/1", "-o", "csv"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_TRUE(absl::StrContains(
      history.out, ",upgraded,firefox-esr,amd64,dpkg,128.5.1esr-1~deb12u1,128.6.0esr-1~deb12u1,"))
      << history.out;
  EXPECT_TRUE(absl::StrContains(history.out, ",removed,zlib1g,amd64,dpkg,1:1.2.13.dfsg-1,,"))
      << history.out;
  EXPECT_TRUE(absl::StrContains(history.out, ",installed,htop,amd64,dpkg,,3.2.2-2,"))
      << history.out;
  EXPECT_EQ(std::count(history.out.begin(), history.out.end(), '\n'), 4) << history.out;

  ProcessResult software = server_.Admin({"software", "list", "--name", "firefox", "-o", "csv"});
  EXPECT_TRUE(absl::StrContains(software.out, "firefox-esr,128.6.0esr-1~deb12u1,dpkg,1,devices/1"))
      << software.out;
  ProcessResult verify = server_.Admin({"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out;

  // Agent data edited in the database file, behind Bestand's back, is found: a history event
  // deleted, then the device's whole software set (the compliance report would count no
  // install), then its last-seen time moved.
  testing::ExecSql(server_.db(), "DELETE FROM software_events WHERE kind = 1");
  verify = server_.Admin({"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 4) << verify.out;
  EXPECT_TRUE(absl::StrContains(verify.out, "software history of devices/1: events were removed"))
      << verify.out;
  testing::ExecSql(server_.db(), "DELETE FROM software_events; DELETE FROM device_software");
  verify = server_.Admin({"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 4) << verify.out;
  EXPECT_TRUE(absl::StrContains(verify.out, "agents/1: its last report or the device's software"))
      << verify.out;
  // Stopped first: a running server writes the heartbeats it holds every few seconds, and one
  // written after the edit would undo it.
  server_.Stop();
  testing::ExecSql(server_.db(), "UPDATE agents SET last_seen_time = 1");
  server_.Start(server_.port());
  verify = server_.Admin({"audit", "verify"});
  EXPECT_TRUE(absl::StrContains(verify.out, "agents/1: the last-seen time was edited"))
      << verify.out;
}

TEST_F(AgentE2eTest, CertificatesAreRenewedAndTheOneBeforeLastIsRefused) {
  std::string root = Machine("workstation", "pc1");
  std::string state = dir_.File("state");
  ASSERT_EQ(Enroll(state, root, EnrollmentToken(1)).exit_code, 0);
  // The agent as it was with its first certificate.
  fs::copy(state, dir_.File("enrolled"), fs::copy_options::recursive);
  const std::string first_cert = ReadFile(state + "/cert.pem");

  // The agent renews by itself once its certificate expires within --renew-days (30 by
  // default; a first certificate is valid 825 days), before it reports.
  ProcessResult r = Agent({"run", "--once", "--renew-days", "900"}, state, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, "certificate renewed, valid until ")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\nreported ")) << r.out;
  EXPECT_NE(ReadFile(state + "/cert.pem"), first_cert);
  EXPECT_FALSE(fs::exists(state + "/cert.pem.new"));
  // The server keeps the new certificate's expiry, for the reminder before it (825 days).
  int64_t expire_micros = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      absl::StripAsciiWhitespace(testing::QuerySql(
          server_.db(), "SELECT cert_expire_time FROM agents WHERE device_id = 1")),
      &expire_micros));
  EXPECT_LT(absl::AbsDuration(absl::FromUnixMicros(expire_micros) -
                              (absl::Now() + absl::Hours(24 * 825))),
            absl::Hours(1));
  struct stat st;
  ASSERT_EQ(stat((state + "/key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  r = Agent({"run", "--once"}, state, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "heartbeat: inventory unchanged\n");

  // The certificate before stays valid (an agent whose answer was lost can renew again) ...
  r = Agent({"run", "--once"}, dir_.File("enrolled"), root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // ... until the next renewal.
  r = Agent({"renew"}, state, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, "certificate renewed, valid until ")) << r.out;
  r = Agent({"run", "--once"}, dir_.File("enrolled"), root);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "no longer valid")) << r.err;
  r = Agent({"run", "--once"}, state, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // A renewal cut short after the new key was written is dropped; the pair in use still works.
  WriteFile(state + "/key.pem.new", "half a renewal");
  r = Agent({"run", "--once"}, state, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(state + "/key.pem.new"));

  // A revoked agent cannot renew its way back.
  ASSERT_EQ(server_.Admin({"agent", "revoke", "devices/1"}).exit_code, 0);
  r = Agent({"renew"}, state, root);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "revoked")) << r.err;
  ProcessResult audit = server_.Admin({"audit", "list", "-o", "csv"});
  EXPECT_EQ(audit.exit_code, 0) << audit.err;
  int renewals = 0;
  for (size_t at = 0; (at = audit.out.find("agent.renew", at)) != std::string::npos; ++at) {
    ++renewals;
  }
  EXPECT_EQ(renewals, 2) << audit.out;
  EXPECT_EQ(server_.Admin({"audit", "verify"}).exit_code, 0);
}

TEST_F(AgentE2eTest, ARenewedServerCertificateKeepsAgentsAndClientsWorking) {
  std::string root = Machine("workstation", "pc1");
  std::string state = dir_.File("state");
  ASSERT_EQ(Enroll(state, root, EnrollmentToken(1)).exit_code, 0);
  const std::string cert_file = dir_.File("data/server.crt");
  const std::string old_cert = ReadFile(cert_file);
  const int port = server_.port();
  server_.Stop();
  ProcessResult r = RunProcess({BESTAND_SERVER_BIN, "renew-cert", "--data-dir", dir_.File("data"),
                                "--hostname", "inventar.firma.local"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The names of the certificate before are kept, the new one added.
  EXPECT_TRUE(absl::StrContains(r.out, "for localhost, 127.0.0.1, ::1, inventar.firma.local\n"))
      << r.out;
  EXPECT_NE(ReadFile(cert_file), old_cert);
  struct stat st;
  ASSERT_EQ(stat(dir_.File("data/server.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Agents and the CLI trust the CA, not the certificate: nothing to hand out again.
  server_.Start(port);
  r = Agent({"run", "--once"}, state, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, "reported ")) << r.out;
  EXPECT_EQ(server_.Admin({"device", "list"}).exit_code, 0);
}

TEST_F(AgentE2eTest, IdentityFollowsTheMachineNotItsNameOrJunkSerial) {
  // Two self-built PCs with the same firmware placeholders: only machine-id tells them apart.
  std::string a = Machine("whitebox", "a");
  std::string b = Machine("whitebox", "b");
  WriteFile(b + "/etc/machine-id", "0123456789abcdef0123456789abcdef\n");
  std::string token = EnrollmentToken(3);
  ProcessResult r = Enroll(dir_.File("sa"), a, token);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "enrolled as devices/1\n");
  r = Enroll(dir_.File("sb"), b, token);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "enrolled as devices/2\n");
  // PC a, re-imaged under a new name, enrolls again with the rollout token: anyone can claim a
  // machine-id, so it gets a device of its own, and the coordinator sees a possible duplicate.
  WriteFile(a + "/etc/hostname", "neuer-name\n");
  r = Enroll(dir_.File("stray"), a, token);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "enrolled as devices/3\n");
  ProcessResult findings = server_.Admin({"report", "access", "--risky", "-o", "csv"});
  EXPECT_TRUE(absl::StrContains(findings.out, "possible duplicate device")) << findings.out;
  // The coordinator decides it is devices/1: the old agent is revoked, a token bound to the
  // device lets the machine join it, and the stray device is retired.
  ASSERT_EQ(server_.Admin({"agent", "revoke", "devices/1"}).exit_code, 0);
  ProcessResult bound = server_.Admin({"agent-token", "create", "--device", "devices/1"});
  ASSERT_EQ(bound.exit_code, 0) << bound.err;
  r = Enroll(dir_.File("sa2"), a, std::string(absl::StripTrailingAsciiWhitespace(bound.out)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "enrolled as devices/1\n");
  ASSERT_EQ(server_.Admin({"agent", "revoke", "devices/3"}).exit_code, 0);
  ASSERT_EQ(server_.Admin({"device", "update", "devices/3", "--status", "retired"}).exit_code, 0);
  findings = server_.Admin({"report", "access", "--risky", "-o", "csv"});
  EXPECT_FALSE(absl::StrContains(findings.out, "possible duplicate device")) << findings.out;
  // The rollout token was for three enrollments.
  r = Enroll(dir_.File("sc"), a, token);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "used up")) << r.err;
  // The old certificate of PC a was replaced by the new one.
  r = Agent({"run", "--once"}, dir_.File("sa"), a);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "no longer valid")) << r.err;
  // A report cannot hold control characters that would reach an administrator's terminal.
  WriteFile(a + "/etc/hostname", "evil\x1b[2Jname\n");
  r = Agent({"run", "--once"}, dir_.File("sa2"), a);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "control characters")) << r.err;
  WriteFile(a + "/etc/hostname", "neuer-name\n");
  r = Agent({"run", "--once"}, dir_.File("sa2"), a);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(AgentE2eTest, RevokedBadTokenAndForeignCertificatesAreRefused) {
  std::string root = Machine("workstation", "pc");
  ProcessResult r = Enroll(dir_.File("s"), root, "bse_not_a_token");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "unknown enrollment token")) << r.err;

  ASSERT_EQ(Enroll(dir_.File("s"), root, EnrollmentToken(1)).exit_code, 0);
  ProcessResult revoke = server_.Admin({"agent", "revoke", "devices/1"});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.err;
  r = Agent({"run", "--once"}, dir_.File("s"), root);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "revoked")) << r.err;

  // A certificate from another Bestand server's CA does not get past TLS.
  testing::ServerProcess other;
  other.Init(dir_.File("other"));
  other.Start();
  ProcessResult t = other.Admin({"agent-token", "create"});
  std::string foreign = dir_.File("foreign");
  ASSERT_EQ(Agent({"enroll", "--server", other.address(), "--ca", other.ca(), "--token",
                   std::string(absl::StripTrailingAsciiWhitespace(t.out))},
                  foreign, root)
                .exit_code,
            0);
  // Point the foreign agent at our server, trusting our CA: only its certificate is foreign.
  WriteFile(foreign + "/server", server_.address() + "\n");
  WriteFile(foreign + "/ca.pem", ReadFile(server_.ca()));
  r = Agent({"run", "--once"}, foreign, root);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  ProcessResult verify = server_.Admin({"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
}

TEST_F(AgentE2eTest, AReportMadeWhileTheServerIsDownArrivesOnceItIsBack) {
  std::string root = Machine("workstation", "pc");
  std::string state = dir_.File("s");
  ASSERT_EQ(Enroll(state, root, EnrollmentToken(1)).exit_code, 0);
  int port = server_.port();
  server_.Stop();

  ProcessResult r = Agent({"run", "--once"}, state, root);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "cannot reach the server")) << r.err;
  EXPECT_TRUE(fs::exists(state + "/spool.pb")) << "the unsent report was not kept";

  // The daemon, started while the server is down, retries with backoff until it is back.
  pid_t agent = fork();
  if (agent == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    execl(BESTAND_AGENT_BIN, BESTAND_AGENT_BIN, "run", "--state-dir", state.c_str(), "--root",
          root.c_str(), "--retry-seconds", "0.2", nullptr);
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  server_.Start(port);
  for (int i = 0; i < 100 && fs::exists(state + "/spool.pb"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(agent, SIGTERM);
  int status = 0;
  waitpid(agent, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_FALSE(fs::exists(state + "/spool.pb")) << "the report was not delivered";

  // Delivered exactly once: the device has its software and no duplicated history.
  ProcessResult inv = server_.Admin({"device", "show", "devices/1", "--software", "-o", "csv"});
  EXPECT_TRUE(absl::StrContains(inv.out, "firefox-esr")) << inv.out;
  ProcessResult history = server_.Admin({"device", "history", "devices/1", "-o", "csv"});
  EXPECT_EQ(history.out, "") << history.out;
  r = Agent({"run", "--once"}, state, root);
  EXPECT_EQ(r.out, "heartbeat: inventory unchanged\n");
}

// Eight agents report as fast as they can, each report adding one new package version; the
// server is killed with SIGKILL in the middle. Every report an agent saw acknowledged must be in
// the database afterwards, and the database must be intact.
TEST_F(AgentE2eTest, SigkillDuringAReportStormLosesNoAcknowledgedReport) {
  constexpr int kAgents = 8;
  std::string token = EnrollmentToken(kAgents);
  struct Pc {
    std::string root, state, device;
    int acked = 0;  // the highest storm version the server acknowledged
  };
  std::vector<Pc> pcs(kAgents);
  for (int i = 0; i < kAgents; ++i) {
    pcs[i].root = Machine("workstation", "pc" + std::to_string(i));
    pcs[i].state = dir_.File("state" + std::to_string(i));
    char id[33];
    std::snprintf(id, sizeof id, "%032x", i + 1);
    WriteFile(pcs[i].root + "/etc/machine-id", std::string(id) + "\n");
    WriteFile(pcs[i].root + "/sys/class/dmi/id/product_uuid",
              absl::StrCat("4c4c4544-0058-4b10-8032-00000000000", i, "\n"));
    ProcessResult r = Enroll(pcs[i].state, pcs[i].root, token);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    pcs[i].device =
        std::string(absl::StripPrefix(absl::StripTrailingAsciiWhitespace(r.out), "enrolled as "));
  }
  const std::string base = ReadFile(pcs[0].root + "/var/lib/dpkg/status");
  std::atomic<int> acknowledged{0};  // reports acknowledged so far, all agents together
  std::vector<std::thread> threads;
  for (Pc& pc : pcs) {
    threads.emplace_back([&, pc = &pc] {
      for (int v = 1; v < 1000; ++v) {
        WriteFile(pc->root + "/var/lib/dpkg/status",
                  base +
                      "Package: storm\nStatus: install ok installed\nArchitecture: all\n"
                      "Version: " +
                      std::to_string(v) + "\n\n");
        ProcessResult r = Agent({"run", "--once"}, pc->state, pc->root);
        if (r.exit_code != 0) break;  // the server is gone
        pc->acked = v;
        ++acknowledged;
      }
    });
  }
  // The kill comes in the middle of the storm, however fast this machine is: once every agent
  // could have had two reports acknowledged, while all of them are still sending.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (acknowledged < 2 * kAgents && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  server_.Kill();
  for (auto& t : threads) t.join();

  EXPECT_EQ(testing::QuerySql(server_.db(), "PRAGMA integrity_check"), "ok\n");
  server_.Start();
  ProcessResult sw = server_.Admin({"software", "list", "--name", "storm", "-o", "csv"});
  ASSERT_EQ(sw.exit_code, 0) << sw.err;
  // Rows "storm,VERSION,dpkg,COUNT,devices/1 devices/4 ...": which version each device holds.
  std::map<std::string, int> held;
  for (absl::string_view line : absl::StrSplit(sw.out, '\n', absl::SkipEmpty())) {
    std::vector<std::string> cols = absl::StrSplit(line, ',');
    int version = 0;
    if (cols.size() != 5 || !absl::SimpleAtoi(cols[1], &version)) continue;
    for (absl::string_view d : absl::StrSplit(cols[4], ' ')) held[std::string(d)] = version;
  }
  int total = 0;
  for (const Pc& pc : pcs) {
    total += pc.acked;
    // The acknowledged version, or the next one if its acknowledgement was lost in the kill.
    if (pc.acked == 0) continue;
    EXPECT_TRUE(held[pc.device] == pc.acked || held[pc.device] == pc.acked + 1)
        << pc.device << " acknowledged version " << pc.acked << ", the server holds "
        << held[pc.device];
  }
  EXPECT_GE(total, 2 * kAgents) << "the storm was too short to mean anything";
  ProcessResult verify = server_.Admin({"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
}

// A typo in a flag or command of either daemon stops it with the nearest valid name, instead of
// being ignored (a mistyped --listen would otherwise serve on the default address).
TEST(DaemonUsageTest, UnknownFlagsAndCommandsAreUsageErrorsWithASuggestion) {
  TempDir dir;
  ProcessResult r = RunProcess(
      {BESTAND_SERVER_BIN, "serve", "--data-dir", dir.File("data"), "--lisen", "127.0.0.1:0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "bestand-server: unknown option --lisen for 'serve' (did you mean --listen?) (see "
            "'bestand-server --help')\n");
  r = RunProcess({BESTAND_SERVER_BIN, "init", "--data-dir", dir.File("data"), "--listen", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "bestand-server: unknown option --listen for 'init' (see 'bestand-server --help')\n");
  EXPECT_FALSE(std::filesystem::exists(dir.File("data"))) << "a usage error changes nothing";
  r = RunProcess({BESTAND_SERVER_BIN, "srve"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "bestand-server: unknown command 'srve' (did you mean serve?) (see 'bestand-server "
            "--help')\n");

  r = RunProcess({BESTAND_AGENT_BIN, "run", "--onse", "--state-dir", dir.File("state")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "bestand-agent: unknown option --onse for 'run' (did you mean --once?) (see "
            "'bestand-agent --help')\n");
  r = RunProcess({BESTAND_AGENT_BIN, "inventory", "--server", "h:1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "bestand-agent: unknown option --server for 'inventory' (see 'bestand-agent "
            "--help')\n");
  r = RunProcess({BESTAND_AGENT_BIN, "run", "--once", "--retry-seconds", "soon"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "bestand-agent: --retry-seconds: expected a positive number of seconds (see "
            "'bestand-agent --help')\n");
  r = RunProcess({BESTAND_AGENT_BIN, "enrol"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "bestand-agent: unknown command 'enrol' (did you mean enroll?) (see 'bestand-agent "
            "--help')\n");
}

}  // namespace
}  // namespace bestand
