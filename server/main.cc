// bestand-server: `init` prepares a data directory, `serve` runs the gRPC API.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/args.h"
#include "common/crypto.h"
#include "common/files.h"
#include "common/pki/cert.h"
#include "common/secret_box.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "common/time.h"
#include "server/app.h"
#include "server/http/inventory_http.h"
#include "server/mail/smtp_transport.h"
#include "server/mail/webhook_transport.h"
#include "server/storage/sqlite/sqlite_store.h"
#include "server/web/web_server.h"

namespace bestand {
namespace {

constexpr char kUsage[] = R"(usage:
  bestand-server init --data-dir DIR [--hostname NAME ...]
      Creates the database, a CA, a server certificate (localhost, 127.0.0.1, ::1 and every
      --hostname) and the first admin token, which is printed once.
  bestand-server renew-cert --data-dir DIR [--hostname NAME ...]
      Replaces the server certificate (valid 825 days) with a new one from the same CA, for
      the current certificate's names and every --hostname; clients need no new file. Restart
      the server afterwards.
  bestand-server serve --data-dir DIR [--listen ADDR] [--report-interval SECONDS] [--insecure]
                       [--inventory-listen ADDR] [--web-listen ADDR] [--web-url URL]
                       [--web-idle-timeout DURATION]
                       [--smtp URL --smtp-from ADDRESS [--smtp-user USER --smtp-password-file F]
                        [--smtp-ca FILE] [--smtp-plaintext]] [--notify-dry-run]
                       [--notify-interval DURATION] [--webhook-ca FILE]
      Serves the API over TLS on ADDR (default 127.0.0.1:8443; port 0 picks a free port).
      Agents are told to report every --report-interval seconds (default 3600).
      --inventory-listen (off by default) also accepts FusionInventory/OCS and GLPI agents'
      inventories over HTTPS there (e.g. 0.0.0.0:8444); they log in with HTTP Basic, the
      password a token of role inventory: fusioninventory-agent --server https://HOST:8444/
      --ca-cert-file ca.crt --user bestand --password TOKEN
      --web-listen (off by default) serves the web interface over HTTPS there (e.g.
      0.0.0.0:8445), with the server's certificate; people sign in with their token.
      --web-url is its address as people reach it, for sign-in links ('bestand token link');
      by default https://HOST:PORT of --web-listen (localhost for an unspecified address).
      --web-idle-timeout ends a web session after that long without a request (10s..12h,
      default 30m); every session ends 12 hours after sign-in.
      --smtp sends notifications (reminders before cancellation deadlines, the providers'
      morning mails, leavers and starters with open tasks; 'bestand notify rules') through the
      mail server at smtp://HOST:PORT (STARTTLS required) or smtps://HOST:PORT, from
      --smtp-from, logging in with --smtp-user and the password in --smtp-password-file.
      Certificates are verified (--smtp-ca adds a CA file); --smtp-plaintext allows smtp://
      without TLS, for a mail server on this machine only. --notify-dry-run queues
      notifications as usual but only logs them. --notify-interval is how often the rules
      are evaluated and due mails sent (1s..1h, default 1m). Chat webhooks
      ('bestand notify webhook add URL') get the same messages, also without --smtp; their
      certificates are verified against the system's CAs and --webhook-ca. Their URLs and
      secrets are sealed with the data directory's secrets.key (made when missing): back it
      up with the directory.
      --insecure serves plaintext: for local development only (agents cannot report).
)";

// Each command and the flags it takes (every one also takes --help).
const CommandTable& Commands() {
  static const auto* commands = new CommandTable{
      {"init", {"data-dir", "hostname"}},
      {"renew-cert", {"data-dir", "hostname"}},
      {"serve",
       {"data-dir", "listen", "report-interval", "insecure", "inventory-listen", "web-listen",
        "web-url", "web-idle-timeout", "smtp", "smtp-from", "smtp-user", "smtp-password-file",
        "smtp-ca", "smtp-plaintext", "notify-dry-run", "notify-interval", "webhook-ca"}},
  };
  return *commands;
}

// "https://HOST:PORT" for a listen address "HOST:PORT" ("[v6]:port", ":port").
std::string WebUrl(const std::string& listen, int port) {
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host.empty() || host == "0.0.0.0" || host == "[::]") host = "localhost";
  return absl::StrCat("https://", host, ":", port);
}

absl::Status Init(const Args& args) {
  BESTAND_ASSIGN_OR_RETURN(std::string dir, args.Required("data-dir"));
  BESTAND_ASSIGN_OR_RETURN(std::string secret, InitDataDir(dir, args.All("hostname")));
  DataDirLayout layout{dir};
  std::cout << "Initialised " << dir << "\n"
            << "  database     " << layout.Database() << "\n"
            << "  CA           " << layout.CaCert() << " (give this file to clients)\n"
            << "  admin token  " << secret << "\n"
            << "The admin token is shown only now. Keep it safe, then run:\n"
            << "  bestand-server serve --data-dir " << dir << "\n"
            << "  bestand login --server 127.0.0.1:8443 --ca " << layout.CaCert()
            << " --token <admin token>\n";
  return absl::OkStatus();
}

absl::Status RenewCert(const Args& args) {
  BESTAND_ASSIGN_OR_RETURN(std::string dir, args.Required("data-dir"));
  BESTAND_ASSIGN_OR_RETURN(int64_t expiry, RenewServerCert(dir, args.All("hostname")));
  BESTAND_ASSIGN_OR_RETURN(std::string cert, ReadFileToString(DataDirLayout{dir}.ServerCert()));
  BESTAND_ASSIGN_OR_RETURN(std::vector<std::string> hosts, CertHosts(cert));
  std::cout << "Renewed " << DataDirLayout{dir}.ServerCert() << ": valid until "
            << FormatIsoDate(absl::FromUnixSeconds(expiry)) << " for " << absl::StrJoin(hosts, ", ")
            << "\nRestart the server to use it.\n";
  return absl::OkStatus();
}

// The mail transport and the notifier's options from serve's --smtp* and --notify-dry-run.
absl::StatusOr<NotifyConfig> NotifyConfigOf(const Args& args) {
  NotifyConfig config;
  config.options.dry_run = args.Has("notify-dry-run");
  if (args.Has("notify-interval")) {
    absl::Duration d;
    if (!absl::ParseDuration(args.Get("notify-interval"), &d) || d < absl::Seconds(1) ||
        d > absl::Hours(1)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--notify-interval: '", args.Get("notify-interval"),
                       "' is not a duration from 1s to 1h (e.g. 30s)"));
    }
    config.options.interval = d;
  }
  if (args.Has("web-url")) {
    config.options.web_url = std::string(absl::StripSuffix(args.Get("web-url"), "/"));
  }
  BESTAND_ASSIGN_OR_RETURN(config.chat, NewWebhookTransport({.ca_file = args.Get("webhook-ca")}));
  if (!args.Has("smtp")) {
    for (const char* flag : {"smtp-from", "smtp-user", "smtp-password-file", "smtp-ca"}) {
      if (args.Has(flag))
        return absl::InvalidArgumentError(absl::StrCat("--", flag, " needs --smtp"));
    }
    if (config.options.dry_run) config.options.from = "bestand@localhost.invalid";
    return config;
  }
  config.options.from = args.Get("smtp-from");
  if (!IsEmailAddress(config.options.from)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--smtp-from: '", config.options.from, "' is not an email address"));
  }
  SmtpOptions smtp;
  smtp.url = args.Get("smtp");
  smtp.user = args.Get("smtp-user");
  smtp.ca_file = args.Get("smtp-ca");
  smtp.allow_plaintext = args.Has("smtp-plaintext");
  if (args.Has("smtp-password-file") != args.Has("smtp-user")) {
    return absl::InvalidArgumentError("--smtp-user and --smtp-password-file go together");
  }
  if (args.Has("smtp-password-file")) {
    BESTAND_ASSIGN_OR_RETURN(std::string password,
                             ReadFileToString(args.Get("smtp-password-file")));
    smtp.password = std::string(absl::StripTrailingAsciiWhitespace(password));
    if (smtp.password.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--smtp-password-file: ", args.Get("smtp-password-file"), " is empty"));
    }
  }
  if (!smtp.ca_file.empty() && ::access(smtp.ca_file.c_str(), R_OK) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("--smtp-ca: cannot read ", smtp.ca_file));
  }
  BESTAND_ASSIGN_OR_RETURN(config.transport, NewSmtpTransport(smtp));
  return config;
}

absl::Status Serve(const Args& args) {
  // Block the stop signals before anything starts a thread (gRPC does, as soon as credentials
  // are created); one thread then waits for them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  // A closed stdout or a vanished peer must not kill the server.
  signal(SIGPIPE, SIG_IGN);

  BESTAND_ASSIGN_OR_RETURN(std::string dir, args.Required("data-dir"));
  std::string listen = args.Get("listen", "127.0.0.1:8443");
  DataDirLayout layout{dir};
  if (::access(dir.c_str(), F_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no data directory ", dir, "; run 'bestand-server init --data-dir ", dir, "' first"));
  }
  // Held until the process ends: a second server on this directory stops here.
  BESTAND_ASSIGN_OR_RETURN(std::unique_ptr<DataDirLock> lock, DataDirLock::Acquire(dir));
  BESTAND_ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                           OpenSqliteStore({.path = layout.Database(), .create = false}));
  std::shared_ptr<grpc::ServerCredentials> creds;
  BESTAND_ASSIGN_OR_RETURN(KeyAndCert ca, LoadCa(layout));
  FleetOptions fleet;
  bool new_seal_key = false;
  BESTAND_ASSIGN_OR_RETURN(fleet.seal_key, LoadOrCreateKeyFile(layout.SealKey(), &new_seal_key));
  if (args.Has("report-interval")) {
    if (!absl::SimpleAtoi(args.Get("report-interval"), &fleet.report_interval_seconds) ||
        fleet.report_interval_seconds < 10 || fleet.report_interval_seconds > 7 * 86400) {
      return absl::InvalidArgumentError("--report-interval: expected 10..604800 seconds");
    }
  }
  std::optional<absl::Time> server_cert_expiry;
  if (args.Has("insecure")) {
    std::cerr << "WARNING: --insecure: serving plaintext, tokens cross the network unencrypted\n";
    creds = grpc::InsecureServerCredentials();
  } else {
    BESTAND_ASSIGN_OR_RETURN(creds, LoadServerCredentials(layout));
    BESTAND_ASSIGN_OR_RETURN(std::string cert, ReadFileToString(layout.ServerCert()));
    absl::StatusOr<int64_t> expiry = CertExpirySeconds(cert);
    if (expiry.ok()) server_cert_expiry = absl::FromUnixSeconds(*expiry);
    if (expiry.ok() && absl::FromUnixSeconds(*expiry) < absl::Now() + absl::Hours(30 * 24)) {
      std::cerr << "WARNING: the server certificate expires on "
                << FormatIsoDate(absl::FromUnixSeconds(*expiry))
                << "; run 'bestand-server renew-cert --data-dir " << dir << "' and restart\n";
    }
  }

  BESTAND_ASSIGN_OR_RETURN(NotifyConfig notify, NotifyConfigOf(args));
  const bool mail = notify.transport != nullptr;
  bool new_secrets_key = false;
  BESTAND_ASSIGN_OR_RETURN(std::string secrets_key,
                           LoadOrCreateKeyFile(layout.SecretsKey(), &new_secrets_key));
  notify.options.secrets = std::make_shared<const SecretBox>(std::move(secrets_key));
  notify.options.server_cert_expiry = server_cert_expiry;
  BESTAND_ASSIGN_OR_RETURN(std::unique_ptr<BestandServer> server,
                           BestandServer::Start(std::move(store), listen, creds, std::move(ca),
                                                fleet, std::move(notify)));
  if (new_seal_key) {
    // A data directory from before seals existed: what agents reported so far is sealed now.
    BESTAND_ASSIGN_OR_RETURN(int64_t sealed, server->fleet()->SealUnsealed());
    std::cerr << "bestand-server: created " << layout.SealKey() << " and sealed " << sealed
              << " records of agent data\n";
  }
  if (new_secrets_key) std::cerr << "bestand-server: created " << layout.SecretsKey() << "\n";
  std::unique_ptr<InventoryHttpServer> inventory_http;
  if (args.Has("inventory-listen")) {
    if (args.Has("insecure")) {
      return absl::InvalidArgumentError("--inventory-listen needs TLS; drop --insecure");
    }
    BESTAND_ASSIGN_OR_RETURN(std::string cert, ReadFileToString(layout.ServerCert()));
    BESTAND_ASSIGN_OR_RETURN(std::string key, ReadFileToString(layout.ServerKey()));
    BESTAND_ASSIGN_OR_RETURN(inventory_http,
                             InventoryHttpServer::Start(args.Get("inventory-listen"), cert, key,
                                                        server->fleet(), server->tokens()));
  }
  std::unique_ptr<WebServer> web;
  if (args.Has("web-listen")) {
    if (args.Has("insecure"))
      return absl::InvalidArgumentError("--web-listen needs TLS; drop --insecure");
    BESTAND_ASSIGN_OR_RETURN(std::string cert, ReadFileToString(layout.ServerCert()));
    BESTAND_ASSIGN_OR_RETURN(std::string key, ReadFileToString(layout.ServerKey()));
    WebOptions options;
    if (args.Has("web-idle-timeout")) {
      absl::Duration idle;
      if (!absl::ParseDuration(args.Get("web-idle-timeout"), &idle) || idle < absl::Seconds(10) ||
          idle > options.sessions.absolute_timeout) {
        return absl::InvalidArgumentError(
            absl::StrCat("--web-idle-timeout: '", args.Get("web-idle-timeout"),
                         "' is not a duration from 10s to 12h (e.g. 15m)"));
      }
      options.sessions.idle_timeout = idle;
    }
    BESTAND_ASSIGN_OR_RETURN(
        web, WebServer::Start(args.Get("web-listen"), cert, key, server->web_core(), options));
    const std::string web_url = args.Has("web-url")
                                    ? std::string(absl::StripSuffix(args.Get("web-url"), "/"))
                                    : WebUrl(args.Get("web-listen"), web->port());
    server->tokens()->SetSignInUrl(web_url);
    server->calendars()->SetFeedUrl(web_url);
  }
  std::string host = listen.substr(0, listen.rfind(':'));
  std::cout << "bestand-server " << BESTAND_VERSION << " listening on " << host << ":"
            << server->port() << (args.Has("insecure") ? " (plaintext)" : " (TLS)") << std::endl;
  if (inventory_http) {
    std::cout << "inventory endpoint for GLPI, FusionInventory and OCS agents on https://"
              << args.Get("inventory-listen").substr(0, args.Get("inventory-listen").rfind(':'))
              << ":" << inventory_http->port() << "/" << std::endl;
  }
  if (web) {
    std::cout << "web interface on https://"
              << args.Get("web-listen").substr(0, args.Get("web-listen").rfind(':')) << ":"
              << web->port() << "/" << std::endl;
  }
  if (mail) {
    std::cout << "notifications through " << args.Get("smtp")
              << (args.Has("notify-dry-run") ? " (dry run: logged, not sent)" : "") << std::endl;
  } else if (args.Has("notify-dry-run")) {
    std::cout << "notifications: dry run (logged, not sent)" << std::endl;
  }
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop, &sig);
    std::cerr << "bestand-server: stopping (signal " << sig << ")" << std::endl;
    server->Shutdown();
  });
  server->Wait();
  waiter.join();
  web.reset();
  inventory_http.reset();
  return absl::OkStatus();
}

}  // namespace
}  // namespace bestand

int main(int argc, char** argv) {
  using namespace bestand;
  InitOpenSslForProcess();

  absl::StatusOr<Args> args = Args::Parse(
      argc, argv, /*bool_flags=*/{"insecure", "help", "smtp-plaintext", "notify-dry-run"});
  if (!args.ok()) {
    std::cerr << "bestand-server: " << args.status().message() << "\n" << kUsage;
    return 2;
  }
  if (args->Has("help") || args->positional().empty()) {
    std::cout << kUsage;
    return args->Has("help") ? 0 : 2;
  }
  if (absl::Status usage = CheckCommandLine(*args, Commands(), {"help"}); !usage.ok()) {
    std::cerr << "bestand-server: " << usage.message() << " (see 'bestand-server --help')\n";
    return 2;
  }
  const std::string& cmd = args->positional()[0];
  absl::Status s;
  if (cmd == "init") {
    s = Init(*args);
  } else if (cmd == "renew-cert") {
    s = RenewCert(*args);
  } else {
    s = Serve(*args);
  }
  if (!s.ok()) {
    std::cerr << "bestand-server: " << s.message() << "\n";
    return 1;
  }
  return 0;
}
