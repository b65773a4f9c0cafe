// End to end with the agents that nobody on the project wrote: the GLPI Agent (from
// ../shared/peers/glpi-agent, run from source), FusionInventory and OCS Inventory (Debian
// packages) report this machine to a real bestand-server's HTTPS endpoint with a token of role
// inventory. Also: the endpoint's roles, and clients that hold connections without sending.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "tests/e2e/server_process.h"
#include "tests/test_util.h"

namespace bestand {
namespace {

namespace fs = std::filesystem;
using testing::ProcessResult;
using testing::RunProcess;
using testing::TempDir;

size_t Lines(const std::string& s) { return std::count(s.begin(), s.end(), '\n'); }

class PeerAgentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Init(dir_.File("data"));
    server_.Start(0, /*inventory_endpoint=*/true);
    url_ = absl::StrCat("https://127.0.0.1:", server_.inventory_port(), "/");
    ProcessResult token =
        server_.Admin({"token", "create", "--role", "inventory", "--name", "rollout"});
    ASSERT_EQ(token.exit_code, 0) << token.err;
    token_ = std::string(absl::StripAsciiWhitespace(token.out));
  }

  // The device list as CSV lines without the header.
  std::vector<std::string> Devices() {
    ProcessResult r = server_.Admin({"device", "list", "-o", "csv"});
    std::vector<std::string> lines = absl::StrSplit(r.out, '\n', absl::SkipEmpty());
    if (!lines.empty()) lines.erase(lines.begin());
    return lines;
  }
  size_t Packages(const std::string& device) {
    ProcessResult r = server_.Admin({"device", "show", device, "--software", "-o", "csv"});
    return Lines(r.out) - 1;
  }
  std::string History(const std::string& device) {
    return server_.Admin({"device", "history", device, "--limit", "5000", "-o", "csv"}).out;
  }

  // A directory for PATH whose dpkg-query sees one package more than this machine has (a copy
  // of the dpkg database with "bestand-probe" added): how the agents see a package change.
  std::string PackageChange() {
    const std::string admin = dir_.File("dpkg");
    fs::create_directories(admin + "/updates");
    fs::copy_file("/var/lib/dpkg/status", admin + "/status");
    std::ofstream(admin + "/status", std::ios::app)
        << "\nPackage: bestand-probe\nStatus: install ok installed\nPriority: optional\n"
           "Section: misc\nInstalled-Size: 1\nMaintainer: Bestand <test@bestand.invalid>\n"
           "Architecture: all\nVersion: 1.0\nDescription: exists only for a test\n";
    const std::string bin = dir_.File("bin");
    fs::create_directories(bin);
    std::ofstream(bin + "/dpkg-query")
        << "#!/bin/sh\nexec /usr/bin/dpkg-query --admindir=" << admin << " \"$@\"\n";
    fs::permissions(bin + "/dpkg-query", fs::perms::owner_all);
    return bin;
  }
  static std::string PathWith(const std::string& bin) {
    return "PATH=" + bin + ":" + (std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin");
  }
  // After PackageChange(): one device, one package more, its installation in the history.
  void ExpectProbeInstalled(const std::string& device, size_t packages_before) {
    EXPECT_EQ(Devices().size(), 1u);
    EXPECT_EQ(Packages(device), packages_before + 1);
    const std::string history = History(device);
    EXPECT_TRUE(absl::StrContains(history, "bestand-probe")) << history.substr(0, 400);
    EXPECT_FALSE(absl::StrContains(history, ",removed,")) << history.substr(0, 400);
  }

  // The hardware facts every agent sends arrive, shown as for Bestand's own agents.
  void ExpectHardware(const std::string& device) {
    ProcessResult r = server_.Admin({"device", "show", device, "--software"});
    EXPECT_FALSE(absl::StrContains(r.out, " 0 cores")) << r.out.substr(0, 600);
    EXPECT_FALSE(absl::StrContains(r.out, "memory        0 MiB")) << r.out.substr(0, 600);
    EXPECT_FALSE(absl::StrContains(r.out, "last report   \n")) << r.out.substr(0, 600);
    ProcessResult json = server_.Admin({"device", "show", device, "--software", "-o", "json"});
    EXPECT_TRUE(absl::StrContains(json.out, "\"disks\"")) << json.out.substr(0, 2000);
    EXPECT_TRUE(absl::StrContains(json.out, "\"interfaces\"")) << json.out.substr(0, 2000);
  }

  ProcessResult Curl(std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/curl", "-sS", "--cacert",
                                     server_.ca(),    "-w",  "\n%{http_code}"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(url_);
    return RunProcess(argv);
  }

  TempDir dir_;
  testing::ServerProcess server_;
  std::string url_;
  std::string token_;
};

// Runs the GLPI Agent from the peers folder once; `env` as RunProcess takes it.
ProcessResult RunGlpiAgent(const std::string& url, const std::string& ca, const std::string& token,
                           const std::string& vardir, const std::vector<std::string>& env = {}) {
  const std::string peer = BESTAND_PEERS "/glpi-agent";
  return RunProcess(
      {"/usr/bin/perl", "-I" + peer + "/lib", peer + "/bin/glpi-agent", "--server=" + url,
       "--ca-cert-file=" + ca, "--user=bestand", "--password=" + token, "--vardir=" + vardir,
       "--config=none", "--no-httpd", "--logger=stderr"},
      env);
}

// The GLPI Agent: XML PROLOG, moved to JSON by the CONTACT answer, a full inventory, then
// partial ones. One device throughout; a partial run without software keeps it; a package
// change becomes history; no [error] in any run.
TEST_F(PeerAgentsTest, GlpiAgentReportsFullThenPartialInventories) {
  ASSERT_TRUE(fs::exists(BESTAND_PEERS "/glpi-agent/bin/glpi-agent")) << BESTAND_PEERS;
  const std::string vardir = dir_.File("glpi-var");
  fs::create_directories(vardir);
  ProcessResult first = RunGlpiAgent(url_, server_.ca(), token_, vardir);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_FALSE(absl::StrContains(first.err, "[error]")) << first.err;
  std::vector<std::string> devices = Devices();
  ASSERT_EQ(devices.size(), 1u) << first.err;
  const std::string device = devices[0].substr(0, devices[0].find(','));
  const size_t dpkg = Lines(RunProcess({"/usr/bin/dpkg-query", "-W"}).out);
  const size_t packages = Packages(device);
  EXPECT_GE(packages, dpkg) << "fewer packages than dpkg-query -W lists";
  ProcessResult show = server_.Admin({"device", "show", device});
  EXPECT_TRUE(absl::StrContains(show.out, "agent_device_id")) << show.out;
  ExpectHardware(device);

  // Nothing changed: the agent leaves the software out ("partial"), which must keep it.
  ProcessResult second = RunGlpiAgent(url_, server_.ca(), token_, vardir);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_FALSE(absl::StrContains(second.err, "[error]")) << second.err;
  EXPECT_EQ(Devices().size(), 1u);
  EXPECT_EQ(Packages(device), packages);
  EXPECT_FALSE(absl::StrContains(History(device), ",removed,")) << History(device).substr(0, 400);
  ExpectHardware(device);

  // A package appears: the agent sends its software again.
  ProcessResult third =
      RunGlpiAgent(url_, server_.ca(), token_, vardir, {PathWith(PackageChange())});
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_FALSE(absl::StrContains(third.err, "[error]")) << third.err;
  ExpectProbeInstalled(device, packages);
  EXPECT_EQ(server_.Admin({"audit", "verify"}).exit_code, 0);
}

// The real FusionInventory agent from Debian: XML PROLOG, then a zlib XML inventory.
TEST_F(PeerAgentsTest, FusionInventoryAgentReportsThisMachine) {
  const std::vector<std::string> agent = {"/usr/bin/fusioninventory-agent",
                                          "--server",
                                          url_,
                                          "--ca-cert-file",
                                          server_.ca(),
                                          "--tasks",
                                          "inventory",
                                          "--force",
                                          "--no-httpd",
                                          "--logger",
                                          "stderr"};
  // Without a token the agent is refused and nothing is stored.
  RunProcess(agent);
  EXPECT_TRUE(Devices().empty());
  std::vector<std::string> with_token = agent;
  with_token.insert(with_token.end(), {"--user", "bestand", "--password", token_});
  ProcessResult r = RunProcess(with_token);
  ASSERT_EQ(r.exit_code, 0) << "fusioninventory-agent (installed by deploy/install-deps.sh): "
                            << r.err;
  std::vector<std::string> devices = Devices();
  ASSERT_EQ(devices.size(), 1u) << r.err;
  const std::string device = devices[0].substr(0, devices[0].find(','));
  EXPECT_GE(Packages(device), Lines(RunProcess({"/usr/bin/dpkg-query", "-W"}).out));
  ExpectHardware(device);
  // A second run after a package change is the same device, with the change as history.
  const size_t packages = Packages(device);
  r = RunProcess(with_token, {PathWith(PackageChange())});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(absl::StrContains(r.err, "[error]")) << r.err;
  ExpectProbeInstalled(device, packages);
  ProcessResult audit = server_.Admin({"audit", "list", "--actor", "token:rollout", "-o", "csv"});
  EXPECT_TRUE(absl::StrContains(audit.out, "create")) << audit.out;
  EXPECT_EQ(server_.Admin({"audit", "verify"}).exit_code, 0);
}

// The OCS Inventory agent from Debian. It needs the realm the server names, base64-decodes
// the user and password it is given before it sends them, and Debian configures it for local
// mode (hence --nolocal): the command the README documents.
TEST_F(PeerAgentsTest, OcsInventoryAgentReportsThisMachine) {
  auto base64 = [](const std::string& s) {
    return std::string(absl::StripAsciiWhitespace(
        RunProcess({"/bin/sh", "-c", "printf %s \"$0\" | base64 -w0", s}).out));
  };
  const std::vector<std::string> agent = {"/usr/bin/ocsinventory-agent",
                                          "--nolocal",
                                          "--server=" + url_,
                                          "--ssl=1",
                                          "--ca=" + server_.ca(),
                                          "--realm=bestand",
                                          "--user=" + base64("bestand"),
                                          "--password=" + base64(token_),
                                          "--basevardir=" + dir_.File("ocs"),
                                          "--force"};
  ProcessResult r = RunProcess(agent);
  ASSERT_EQ(r.exit_code, 0) << "ocsinventory-agent (installed by deploy/install-deps.sh): "
                            << r.err;
  EXPECT_FALSE(absl::StrContains(r.out + r.err, "[error]")) << r.out << r.err;
  std::vector<std::string> devices = Devices();
  ASSERT_EQ(devices.size(), 1u) << r.out << r.err;
  const std::string device = devices[0].substr(0, devices[0].find(','));
  const size_t packages = Packages(device);
  EXPECT_GE(packages, Lines(RunProcess({"/usr/bin/dpkg-query", "-W"}).out));
  ProcessResult show = server_.Admin({"device", "show", device});
  EXPECT_TRUE(absl::StrContains(show.out, "Debian GNU/Linux 12")) << show.out;
  ExpectHardware(device);
  // Its install dates come from dpkg's own files, corrected for its month (see the reader).
  ProcessResult adduser = server_.Admin({"device", "show", device, "--software", "-o", "csv"});
  const std::string listed =
      RunProcess({"/usr/bin/stat", "-c", "%y", "/var/lib/dpkg/info/adduser.list"}).out;
  const size_t line = adduser.out.find("\nadduser,");
  ASSERT_NE(line, std::string::npos) << adduser.out.substr(0, 300);
  EXPECT_TRUE(absl::StrContains(adduser.out.substr(line, adduser.out.find('\n', line + 1) - line),
                                "," + listed.substr(0, 10) + "T"))
      << listed << adduser.out.substr(line, 200);
  // A second run is the same device with the same software. (This agent lists only packages
  // with a file list under /var/lib/dpkg/info, so no package change is staged for it.)
  r = RunProcess(agent);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Devices().size(), 1u);
  EXPECT_EQ(Packages(device), packages);
  EXPECT_FALSE(absl::StrContains(History(device), ",removed,"));
}

// Only an inventory token submits, and an inventory token does nothing else.
TEST_F(PeerAgentsTest, EndpointTakesOnlyInventoryTokensWhichDoNothingElse) {
  const std::string contact =
      "{\"action\":\"contact\",\"installed-tasks\":[\"inventory\",\"deploy\"]}";
  ProcessResult admin = Curl({"-u", "bestand:" + server_.admin_token(), "-H",
                              "Content-Type: application/json", "--data", contact});
  EXPECT_TRUE(absl::EndsWith(admin.out, "\n403")) << admin.out;
  EXPECT_TRUE(absl::StrContains(admin.out, "role inventory")) << admin.out;
  ProcessResult none = Curl({"-H", "Content-Type: application/json", "--data", contact});
  EXPECT_TRUE(absl::EndsWith(none.out, "\n401")) << none.out;
  ProcessResult ok =
      Curl({"-u", "bestand:" + token_, "-H", "Content-Type: application/json", "--data", contact});
  EXPECT_TRUE(absl::StrContains(ok.out, "\"status\":\"ok\"")) << ok.out;
  EXPECT_TRUE(absl::StrContains(ok.out, "\"deploy\"")) << ok.out;  // disabled
  EXPECT_TRUE(absl::EndsWith(ok.out, "\n200")) << ok.out;
  // The inventory as GLPI posts it, then a message that is no inventory.
  ProcessResult glpi =
      Curl({"-u", "bestand:" + token_, "-H", "Content-Type: application/json", "--data-binary",
            "@" + std::string(BESTAND_GLPI) + "/computer_1.json"});
  EXPECT_TRUE(absl::StrContains(glpi.out, "\"status\":\"ok\"")) << glpi.out;
  ProcessResult bad = Curl({"-u", "bestand:" + token_, "--data", "{\"action\":\"inventory\"}"});
  EXPECT_TRUE(absl::EndsWith(bad.out, "\n400")) << bad.out;
  // Errors are JSON the agent can read, quotes and all.
  ProcessResult odd = Curl({"-u", "bestand:" + token_, "--data", R"({"action":"it's \"odd\""})"});
  EXPECT_TRUE(absl::StrContains(odd.out, R"("message":"the action 'it's \"odd\"' is not served)"))
      << odd.out;
  ProcessResult deep =
      Curl({"-u", "bestand:" + token_, "--data", "{\"a\":" + std::string(5000, '[')});
  EXPECT_TRUE(absl::StrContains(deep.out, "nests deeper")) << deep.out;
  ProcessResult config =
      RunProcess({"/usr/bin/curl", "-sSg", "--cacert", server_.ca(), "-u", "bestand:" + token_,
                  url_ + "?action=getConfig&task[Deploy]=1"});
  EXPECT_TRUE(absl::StrContains(config.out, "\"schedule\":[]")) << config.out;
  // Compressed transfer encodings would inflate inside the library: refused.
  ProcessResult encoded =
      Curl({"-u", "bestand:" + token_, "-H", "Content-Encoding: gzip", "--data", "x"});
  EXPECT_TRUE(absl::EndsWith(encoded.out, "\n415")) << encoded.out;

  // Every gRPC call refuses the inventory token.
  ProcessResult list = server_.Cli({"device", "list"}, token_);
  EXPECT_NE(list.exit_code, 0) << list.out;
  EXPECT_TRUE(absl::StrContains(list.err, "role inventory, which may not")) << list.err;
  EXPECT_NE(server_.Cli({"whoami"}, token_).exit_code, 0);
  std::vector<std::string> devices = Devices();
  EXPECT_EQ(devices.size(), 1u);

  // A rollout credential that expires: accepted until then, refused after, listed with its time.
  ProcessResult expiring = server_.Admin(
      {"token", "create", "--role", "inventory", "--name", "short", "--expires", "2s"});
  ASSERT_EQ(expiring.exit_code, 0) << expiring.err;
  const std::string short_token(absl::StripAsciiWhitespace(expiring.out));
  ProcessResult before = Curl({"-u", "bestand:" + short_token, "--data", contact});
  EXPECT_TRUE(absl::EndsWith(before.out, "\n200")) << before.out;
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  ProcessResult after = Curl({"-u", "bestand:" + short_token, "--data", contact});
  EXPECT_TRUE(absl::EndsWith(after.out, "\n401")) << after.out;
  EXPECT_TRUE(absl::StrContains(after.out, "the token expired at")) << after.out;
  ProcessResult listed = server_.Admin({"token", "list", "-o", "csv"});
  EXPECT_TRUE(absl::StrContains(listed.out, "expire_time")) << listed.out;
  EXPECT_EQ(
      server_.Admin({"token", "create", "--role", "inventory", "--name", "x", "--expires", "-5m"})
          .exit_code,
      2);
}

// A TCP connection that sends nothing, one that trickles a TLS handshake and one that trickles
// headers do not hold back a real request.
TEST_F(PeerAgentsTest, IdleAndTricklingConnectionsDoNotDelayOthers) {
  auto connect_raw = [&] {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server_.inventory_port()));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    return fd;
  };
  const int idle = connect_raw();
  const int trickle = connect_raw();
  std::atomic<bool> done{false};
  std::thread trickler([&] {
    const char hello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
    for (size_t i = 0; i < sizeof hello - 1 && !done; ++i) {
      if (send(trickle, hello + i, 1, MSG_NOSIGNAL) != 1) break;
      for (int t = 0; t < 20 && !done; ++t)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  const std::string contact = "{\"action\":\"contact\"}";
  const auto start = std::chrono::steady_clock::now();
  ProcessResult ok =
      Curl({"-u", "bestand:" + token_, "-H", "Content-Type: application/json", "--data", contact});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  done = true;
  trickler.join();
  EXPECT_TRUE(absl::StrContains(ok.out, "\"status\":\"ok\"")) << ok.out << ok.err;
  EXPECT_LT(seconds, 1.0) << "a real request waited behind idle connections";
  // SIGTERM stops the server promptly while those connections are still open.
  const auto stop = std::chrono::steady_clock::now();
  server_.Stop();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - stop).count(), 5.0);
  close(idle);
  close(trickle);
}

}  // namespace
}  // namespace bestand
