#include "client/connect_commands.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "common/status_macros.h"

namespace bestand {
namespace {

// The first line of file `path` given with --`flag`: a secret never goes on the command line,
// where other users see it in the process list.
absl::StatusOr<std::string> SecretFile(Context& c, const std::string& flag) {
  BESTAND_ASSIGN_OR_RETURN(std::string path, c.Required(flag));
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return c.Usage(absl::StrCat("--", flag, ": ", text.status().message()));
  std::string secret(absl::StripTrailingAsciiWhitespace(text->substr(0, text->find('\n'))));
  if (secret.empty()) return c.Usage(absl::StrCat("--", flag, ": ", path, " is empty"));
  return secret;
}

}  // namespace

absl::Status AppConnect(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string app, c.Arg(2, "the application"));
  const auto& a = c.args();
  v1::ConnectRequest req;
  v1::Connection& conn = *req.mutable_connection();
  conn.set_application(app);
  if (a.Has("ldap") == a.Has("scim")) {
    return c.Usage("give either --ldap URL (Active Directory, OpenLDAP) or --scim URL");
  }
  if (a.Has("ldap")) {
    conn.set_protocol(v1::Connection::LDAP);
    conn.set_url(a.Get("ldap"));
    BESTAND_ASSIGN_OR_RETURN(*conn.mutable_bind_dn(), c.Required("bind-dn"));
    BESTAND_ASSIGN_OR_RETURN(*conn.mutable_base_dn(), c.Required("base-dn"));
    BESTAND_ASSIGN_OR_RETURN(*conn.mutable_secret(), SecretFile(c, "password-file"));
    const std::string flavor = absl::AsciiStrToLower(a.Get("flavor"));
    if (flavor.empty() || flavor == "ad") {
      conn.set_flavor(v1::Connection::ACTIVE_DIRECTORY);
    } else if (flavor == "openldap") {
      conn.set_flavor(v1::Connection::OPENLDAP);
    } else {
      return c.Usage(absl::StrCat("--flavor: '", a.Get("flavor"), "' is not ad or openldap"));
    }
    conn.set_disabled_ou(a.Get("disabled-ou"));
    conn.set_users_ou(a.Get("users-ou"));
    conn.set_login_pattern(a.Get("login-pattern"));
    conn.set_lock_attribute(a.Get("lock"));
  } else {
    conn.set_protocol(v1::Connection::SCIM);
    conn.set_url(a.Get("scim"));
    BESTAND_ASSIGN_OR_RETURN(*conn.mutable_secret(), SecretFile(c, "token-file"));
  }
  conn.set_allow_plaintext(a.Has("allow-plaintext"));
  if (a.Has("ca-file")) {
    absl::StatusOr<std::string> pem = ReadFileToString(a.Get("ca-file"));
    if (!pem.ok()) return c.Usage(absl::StrCat("--ca-file: ", pem.status().message()));
    conn.set_ca_pem(*pem);
  }
  BESTAND_ASSIGN_OR_RETURN(v1::Connection out, c.client().Connect(req));
  c.One(out);
  if (c.format() == Format::kTable) {
    c.err() << "Stored; the secret is sealed and never shown again. 'bestand app connection test "
            << app << "' tries it.\n";
  }
  return absl::OkStatus();
}

absl::Status ConnectionShow(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string app, c.Arg(3, "the application"));
  v1::GetConnectionRequest req;
  req.set_application(app);
  BESTAND_ASSIGN_OR_RETURN(v1::Connection out, c.client().GetConnection(req));
  c.One(out);
  return absl::OkStatus();
}

absl::Status ConnectionTest(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string app, c.Arg(3, "the application"));
  v1::TestConnectionRequest req;
  req.set_application(app);
  BESTAND_ASSIGN_OR_RETURN(v1::TestConnectionResponse out, c.client().TestConnection(req));
  if (c.format() != Format::kTable) {
    c.One(out);
  } else {
    c.out() << out.detail() << " (" << out.elapsed_ms() << " ms)\n";
  }
  return absl::OkStatus();
}

absl::Status ConnectionRemove(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string app, c.Arg(3, "the application"));
  v1::RemoveConnectionRequest req;
  req.set_application(app);
  BESTAND_RETURN_IF_ERROR(c.client().RemoveConnection(req).status());
  c.Confirm({{"removed", app}},
            absl::StrCat("Removed the connection of ", app, "; its tasks go to its provider"));
  return absl::OkStatus();
}

absl::Status ConnectorsRun(Context& c) {
  v1::RunConnectorsRequest req;
  req.set_case_(c.args().Get("case"));
  BESTAND_ASSIGN_OR_RETURN(v1::RunConnectorsResponse out, c.client().RunConnectors(req));
  c.List(out.outcomes(), {"task", "done", "detail"});
  return absl::OkStatus();
}

void PrintOneTimePassword(Context& c, const v1::ConnectorOutcome& o) {
  if (o.one_time_password().empty()) return;
  c.out() << "    one-time password: " << o.one_time_password()
          << "  (shown this once, stored nowhere; changed at the first login)\n";
}

absl::Status ConnectorsActivate(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string person, c.Arg(2, "the person"));
  v1::ActivateAccountsRequest req;
  req.set_person(person);
  BESTAND_ASSIGN_OR_RETURN(v1::ActivateAccountsResponse out, c.client().ActivateAccounts(req));
  if (c.format() != Format::kTable) {
    c.One(out);
    return absl::OkStatus();
  }
  if (out.outcomes().empty()) {
    c.out() << person << " has no accounts in a connected application.\n";
  }
  for (const v1::ConnectorOutcome& o : out.outcomes()) {
    c.out() << o.account() << "  " << (o.done() ? "" : "failed: ") << o.detail() << "\n";
    PrintOneTimePassword(c, o);
  }
  return absl::OkStatus();
}

absl::Status AppSync(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string app, c.Arg(2, "the application"));
  v1::SyncConnectionRequest req;
  req.set_application(app);
  BESTAND_ASSIGN_OR_RETURN(v1::SyncConnectionResponse out, c.client().SyncConnection(req));
  if (c.format() != Format::kTable) {
    c.One(out);
    return absl::OkStatus();
  }
  c.out() << "The directory of " << app << " lists " << out.listed() << " accounts: " << out.added()
          << " added, " << out.changed() << " changed, " << out.left_out()
          << " left out (disabled and nobody's, or not to be added).\n";
  for (bool findings : {false, true}) {
    bool first = true;
    for (const v1::SyncChange& change : out.changes()) {
      if (change.finding() != findings) continue;
      if (first) c.out() << (findings ? "Findings:\n" : "Changes:\n");
      first = false;
      c.out() << "  " << change.username()
              << (change.account().empty() ? "" : absl::StrCat(" (", change.account(), ")")) << ": "
              << change.detail() << "\n";
    }
  }
  return absl::OkStatus();
}

}  // namespace bestand
