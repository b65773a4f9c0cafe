// Offboarding that acts, against real directory servers on loopback: Samba as an Active
// Directory domain controller (LDAPS) and five SCIM services (tests/directory/scim_server.mjs,
// scimmy), started by tests/directory/directory_server.py. Each round offboards another person
// with an AD account in 15 groups and an account in each SCIM service, each in one group (20
// memberships), from the offboarding to every change made and read back (Workflow::Offboard,
// then Connectors::Run for the case, over a real SQLite store and the real LDAP and SCIM
// connectors); target <= 2 s. Next to it, in the same run: a plain LDAPS bind and a plain SCIM
// GET (each connector's Check on a new connection). Medians of --rounds. Not a test: it prints.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/bench_util.h"
#include "common/secret_box.h"
#include "server/connectors/directories.h"
#include "server/core/connectors/connectors.h"
#include "server/core/inventory.h"
#include "server/core/notify/notifier.h"
#include "server/core/workflow.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace bestand {
namespace {

constexpr int kScimServices = 5;
constexpr int kAdGroups = 15;
constexpr char kPassword[] = "Adm1n-Bench!x7";
constexpr char kToken[] = "bench-token-9d1f";

// directory_server.py `kind` with `flags`; its pid once ready, -1 when it does not start.
pid_t StartServer(const std::string& kind, const std::vector<std::string>& flags) {
  std::vector<std::string> args = {"/usr/bin/python3", BESTAND_DIRECTORY_SERVER, kind};
  args.insert(args.end(), flags.begin(), flags.end());
  return bench::StartReady(std::move(args));
}

void Stop(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
}

std::string User(int i) { return absl::StrCat("leaver", i); }

absl::Status Create(Inventory& inv, Kind kind, const std::string& text) {
  std::unique_ptr<google::protobuf::Message> m = bench::ParseResource(kind, text);
  std::unique_ptr<google::protobuf::Message> out(m->New());
  return inv.Create("bench", kind, *m, out.get());
}

int Main(int argc, char** argv) {
  std::map<std::string, int> counts = {{"rounds", 7}};
  if (!bench::ParseCounts(argc, argv, &counts, "bench_connectors [--rounds N]")) return 2;
  const int rounds = counts["rounds"];
  bench::BenchDir dir;
  if (dir.path().empty()) return std::fprintf(stderr, "no temporary directory\n"), 1;
  const std::string d = dir.path();

  // The directories: a leaver per round in AD (15 groups) and in each SCIM service (1 group).
  std::string ldif;
  for (int g = 0; g < kAdGroups; ++g) {
    absl::StrAppend(&ldif, "dn: CN=Group ", g, ",CN=Users,DC=test,DC=bestand\nobjectClass: group\n",
                    "sAMAccountName: group", g, "\n");
    for (int i = 0; i < rounds; ++i) {
      absl::StrAppend(&ldif, "member: CN=", User(i), ",CN=Users,DC=test,DC=bestand\n");
    }
    ldif += "\n";
  }
  for (int i = 0; i < rounds; ++i) {
    absl::StrAppend(&ldif, "dn: CN=", User(i), ",CN=Users,DC=test,DC=bestand\nobjectClass: user\n",
                    "sAMAccountName: ", User(i), "\nuserPassword: Us3r-Pass!x\n",
                    "userAccountControl: 512\n\n");
  }
  // Groups before their members would not add: users first.
  {
    std::string users = ldif.substr(ldif.find("dn: CN=leaver0"));
    std::ofstream(d + "/ad.ldif") << users << "\n" << ldif.substr(0, ldif.find("dn: CN=leaver0"));
  }
  std::string json = "{\"users\": [";
  for (int i = 0; i < rounds; ++i) {
    absl::StrAppend(&json, i ? "," : "", "{\"userName\": \"", User(i), "@firma.test\"}");
  }
  json += "], \"groups\": [{\"displayName\": \"Team\", \"members\": [";
  for (int i = 0; i < rounds; ++i)
    absl::StrAppend(&json, i ? "," : "", "\"", User(i), "@firma.test\"");
  json += "]}]}";
  std::ofstream(d + "/scim.json") << json;

  std::vector<pid_t> servers;
  auto stop_all = [&] {
    for (pid_t p : servers) Stop(p);
  };
  servers.push_back(StartServer(
      "samba", {"--dir", d + "/samba", "--password", kPassword, "--seed", d + "/ad.ldif"}));
  std::vector<int> ports;
  for (int s = 0; s < kScimServices; ++s) {
    ports.push_back(bench::FreePort());
    servers.push_back(StartServer(
        "scim", {"--dir", absl::StrCat(d, "/scim", s), "--port", std::to_string(ports.back()),
                 "--token", kToken, "--seed", d + "/scim.json"}));
  }
  for (pid_t p : servers) {
    if (p < 0) {
      stop_all();
      return std::fprintf(stderr,
                          "a directory server did not start (deploy/install-deps.sh, "
                          "npm ci in tests/directory?)\n"),
             1;
    }
  }

  auto store = OpenSqliteStore({.path = d + "/bench.db"});
  if (!store.ok()) return stop_all(), std::fprintf(stderr, "store failed\n"), 1;
  Inventory inventory(store->get());
  Workflow workflow(store->get());
  inventory.SetChangeHook([&](WriteTx& tx, absl::string_view actor, Kind kind, int64_t id) {
    return workflow.OnInventoryChange(tx, actor, kind, id);
  });
  Connectors connectors(store->get(), &workflow,
                        std::make_shared<const SecretBox>(std::string(32, 'b')), OpenDirectory,
                        CompanyTimeZone(), [] { return absl::Now(); });
  absl::Status seeded = Create(inventory, Kind::kApplication, "display_name: 'AD'");
  v1::ConnectRequest ad;
  ad.mutable_connection()->set_application("AD");
  ad.mutable_connection()->set_protocol(v1::Connection::LDAP);
  ad.mutable_connection()->set_url("ldaps://127.0.0.1:636");
  ad.mutable_connection()->set_bind_dn("Administrator@TEST.BESTAND");
  ad.mutable_connection()->set_base_dn("DC=test,DC=bestand");
  ad.mutable_connection()->set_secret(kPassword);
  std::ifstream ca(d + "/samba/ca.crt");
  ad.mutable_connection()->set_ca_pem(std::string(std::istreambuf_iterator<char>(ca), {}));
  if (seeded.ok()) seeded = connectors.Connect("bench", ad).status();
  for (int s = 0; s < kScimServices && seeded.ok(); ++s) {
    const std::string app = absl::StrCat("SaaS ", s);
    seeded = Create(inventory, Kind::kApplication, absl::StrCat("display_name: '", app, "'"));
    v1::ConnectRequest r;
    r.mutable_connection()->set_application(app);
    r.mutable_connection()->set_protocol(v1::Connection::SCIM);
    r.mutable_connection()->set_url(absl::StrCat("https://127.0.0.1:", ports[s], "/scim/v2"));
    r.mutable_connection()->set_secret(kToken);
    std::ifstream sca(absl::StrCat(d, "/scim", s, "/ca.crt"));
    r.mutable_connection()->set_ca_pem(std::string(std::istreambuf_iterator<char>(sca), {}));
    if (seeded.ok()) seeded = connectors.Connect("bench", r).status();
  }
  int64_t account = 0;
  for (int i = 0; i < rounds && seeded.ok(); ++i) {
    const std::string email = absl::StrCat(User(i), "@firma.test");
    seeded = Create(inventory, Kind::kPerson,
                    absl::StrCat("email: '", email, "' display_name: 'Leaver ", i, "'"));
    if (seeded.ok()) {
      seeded =
          Create(inventory, Kind::kAccount,
                 absl::StrCat("application: 'AD' username: '", User(i), "' person: '", email, "'"));
    }
    const int64_t ad_account = ++account;
    for (int g = 0; g < kAdGroups && seeded.ok(); ++g) {
      seeded = Create(inventory, Kind::kAccessGrant,
                      absl::StrCat("account: 'accounts/", ad_account, "' role: 'group", g, "'"));
    }
    for (int s = 0; s < kScimServices && seeded.ok(); ++s) {
      seeded = Create(inventory, Kind::kAccount,
                      absl::StrCat("application: 'SaaS ", s, "' username: '", email, "' person: '",
                                   email, "'"));
      ++account;
      if (seeded.ok()) {
        seeded = Create(inventory, Kind::kAccessGrant,
                        absl::StrCat("account: 'accounts/", account, "' role: 'Team'"));
      }
    }
  }
  if (!seeded.ok()) {
    stop_all();
    return std::fprintf(stderr, "seeding: %s\n", seeded.ToString().c_str()), 1;
  }

  // The baselines: one bind, one GET, each on a new connection.
  DirectoryConfig ldap_config;
  ldap_config.protocol = v1::Connection::LDAP;
  ldap_config.url = "ldaps://127.0.0.1:636";
  ldap_config.bind_dn = "Administrator@TEST.BESTAND";
  ldap_config.base_dn = "DC=test,DC=bestand";
  ldap_config.secret = kPassword;
  ldap_config.ca_pem = ad.connection().ca_pem();
  const double bind_ms = bench::MedianMs(rounds * 3, [&]() -> absl::Status {
    absl::StatusOr<std::unique_ptr<Directory>> dir = OpenDirectory(ldap_config);
    if (!dir.ok()) return dir.status();
    return (*dir)->Check().status();
  });
  DirectoryConfig scim_config;
  scim_config.protocol = v1::Connection::SCIM;
  scim_config.url = absl::StrCat("https://127.0.0.1:", ports[0], "/scim/v2");
  scim_config.secret = kToken;
  std::ifstream sca(d + "/scim0/ca.crt");
  scim_config.ca_pem = std::string(std::istreambuf_iterator<char>(sca), {});
  const double get_ms = bench::MedianMs(rounds * 3, [&]() -> absl::Status {
    absl::StatusOr<std::unique_ptr<Directory>> dir = OpenDirectory(scim_config);
    if (!dir.ok()) return dir.status();
    return (*dir)->Check().status();
  });

  int round = 0, changes = 0;
  const double offboard_ms = bench::MedianMs(rounds, [&]() -> absl::Status {
    v1::OffboardRequest off;
    off.set_person(absl::StrCat(User(round++), "@firma.test"));
    off.set_last_day(FormatIsoDate(absl::Now()));
    absl::StatusOr<v1::CaseView> c = workflow.Offboard("bench", off);
    if (!c.ok()) return c.status();
    v1::RunConnectorsRequest run;
    run.set_case_(c->record().name());
    absl::StatusOr<v1::RunConnectorsResponse> done = connectors.Run("bench", run);
    if (!done.ok()) return done.status();
    for (const v1::ConnectorOutcome& o : done->outcomes()) {
      if (!o.done()) return absl::InternalError(absl::StrCat(o.task(), ": ", o.detail()));
    }
    changes = done->outcomes_size();
    return absl::OkStatus();
  });
  stop_all();
  std::printf(
      "offboard (1 AD + %d SCIM accounts, %d memberships; %d changes read back)  "
      "%8.1f ms  (target <= 2000 ms)\n",
      kScimServices, kAdGroups + kScimServices, changes, offboard_ms);
  std::printf("plain LDAPS bind (new connection)                               %8.1f ms\n",
              bind_ms);
  std::printf("plain SCIM GET /Users (new connection)                          %8.1f ms\n", get_ms);
  std::printf("offboarding / (bind + 5 GETs)                                   %8.1fx\n",
              offboard_ms / (bind_ms + kScimServices * get_ms));
  return 0;
}

}  // namespace
}  // namespace bestand

int main(int argc, char** argv) { return bestand::Main(argc, argv); }
