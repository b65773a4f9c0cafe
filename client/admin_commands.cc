#include "client/admin_commands.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bestand/v1/audit.pb.h"
#include "bestand/v1/auth.pb.h"
#include "bestand/v1/settings.pb.h"
#include "client/config.h"
#include "client/nouns.h"
#include "common/proto_text.h"
#include "common/status_macros.h"
#include "common/time.h"

namespace bestand {
namespace {

// Writes `config` to `path` via a temporary file, readable by its owner only.
absl::Status SaveConfig(const ClientConfig& config, const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::string tmp = path + ".tmp";
  {
    // The file holds the token: readable by its owner only, from the moment it exists.
    ::umask(077);
    std::ofstream f(tmp, std::ios::trunc);
    f << "# written by 'bestand login'\nserver = " << config.server << "\nca = " << config.ca_file
      << "\ntoken = " << config.token << "\n"
      << (config.insecure ? "insecure = true\n" : "");
    if (!f) return absl::InternalError(absl::StrCat("cannot write ", tmp));
  }
  ::chmod(tmp.c_str(), 0600);
  std::filesystem::rename(tmp, path, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot write ", path, ": ", ec.message()));
  return absl::OkStatus();
}

// What the settings say; in a table an unset holiday region as its default.
void PrintSettings(Context& c, const v1::Settings& settings) {
  if (settings.holiday_region().empty() && c.format() == Format::kTable) {
    c.out() << "holiday_region  DE (nationwide holidays; the default)\n";
    return;
  }
  c.One(settings);
}

}  // namespace

absl::Status Login(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(ClientConfig config, ResolveConfig(c.args()));
  if (!config.ca_file.empty()) {
    config.ca_file = std::filesystem::absolute(config.ca_file).string();
  }
  BESTAND_RETURN_IF_ERROR(c.Connect(config));
  BESTAND_ASSIGN_OR_RETURN(v1::WhoAmIResponse who, c.client().WhoAmI(v1::WhoAmIRequest()));
  std::string path = ConfigPath();
  if (path.empty()) return absl::FailedPreconditionError("no HOME to keep the config file in");
  BESTAND_RETURN_IF_ERROR(SaveConfig(config, path));
  const std::string role = absl::AsciiStrToLower(v1::Role_Name(who.token().role()));
  c.Confirm({{"server", config.server},
             {"token", who.token().display_name()},
             {"role", role},
             {"config", path}},
            absl::StrCat("logged in to ", config.server, " as '", who.token().display_name(), "' (",
                         role, "); saved to ", path));
  return absl::OkStatus();
}

absl::Status WhoAmI(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(v1::WhoAmIResponse who, c.client().WhoAmI(v1::WhoAmIRequest()));
  c.One(who.token());
  return absl::OkStatus();
}

absl::Status TokenCreate(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string role, c.Required("role"));
  BESTAND_ASSIGN_OR_RETURN(std::string name, c.Required("name"));
  v1::CreateTokenRequest req;
  req.mutable_token()->set_display_name(name);
  if (c.args().Has("expires")) {
    BESTAND_ASSIGN_OR_RETURN(absl::Duration ttl, c.Expires());
    *req.mutable_token()->mutable_expire_time() = FromMicros(absl::ToUnixMicros(absl::Now() + ttl));
  }
  req.mutable_token()->set_vendor(c.args().Get("vendor"));
  BESTAND_RETURN_IF_ERROR(SetFieldFromText(req.mutable_token(),
                                           v1::Token::descriptor()->FindFieldByName("role"), role));
  BESTAND_ASSIGN_OR_RETURN(v1::CreateTokenResponse resp, c.client().CreateToken(req));
  if (c.format() == Format::kJson) {
    c.One(resp);
    return absl::OkStatus();
  }
  c.out() << resp.secret() << "\n";
  c.err() << "created " << resp.token().name() << " '" << name << "' (" << role
          << "); the secret above is shown only now\n";
  return absl::OkStatus();
}

absl::Status TokenLink(Context& c) {
  const Args& args = c.args();
  const std::string vendor = args.Get("vendor");
  std::string role = args.Get("role");
  if (role.empty() && vendor.empty()) {
    return c.Usage("token link needs --vendor VENDOR (a provider's link) or --role ROLE");
  }
  if (role.empty()) role = "vendor";
  absl::Duration expires = absl::Hours(24 * 7);
  if (args.Has("expires")) {
    BESTAND_ASSIGN_OR_RETURN(expires, c.Expires());
  }
  v1::CreateTokenRequest req;
  v1::Token& t = *req.mutable_token();
  const absl::Time until = absl::Now() + expires;
  *t.mutable_expire_time() = FromMicros(absl::ToUnixMicros(until));
  t.set_display_name(
      args.Has("name")
          ? args.Get("name")
          : absl::StrCat("link ", vendor.empty() ? role : vendor, " ",
                         absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::Now(), absl::UTCTimeZone())));
  t.set_vendor(vendor);
  t.set_sign_in_link(true);
  BESTAND_RETURN_IF_ERROR(
      SetFieldFromText(&t, v1::Token::descriptor()->FindFieldByName("role"), role));
  BESTAND_ASSIGN_OR_RETURN(v1::CreateTokenResponse resp, c.client().CreateToken(req));
  if (c.format() == Format::kJson) {
    resp.clear_secret();  // it is in the link
    c.One(resp);
    return absl::OkStatus();
  }
  c.out() << resp.sign_in_url() << "\n";
  c.err() << "created " << resp.token().name() << " '" << resp.token().display_name()
          << "': the link above signs in once, until "
          << absl::FormatTime("%Y-%m-%d %H:%M UTC", until, absl::UTCTimeZone())
          << "; revoke it with 'bestand token revoke " << resp.token().name() << "'\n";
  return absl::OkStatus();
}

absl::Status TokenList(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(v1::ListTokensResponse resp,
                           c.client().ListTokens(v1::ListTokensRequest()));
  c.List(resp.tokens(), {"name", "display_name", "role", "fingerprint", "create_time",
                         "last_used_time", "expire_time", "revoke_time"});
  return absl::OkStatus();
}

absl::Status TokenRevoke(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string name, c.Arg(2, "token to revoke"));
  v1::RevokeTokenRequest req;
  req.set_name(name);
  BESTAND_ASSIGN_OR_RETURN(v1::Token token, c.client().RevokeToken(req));
  if (c.format() == Format::kJson) {
    c.One(token);
  } else {
    c.err() << "revoked " << token.name() << " '" << token.display_name() << "'\n";
  }
  return absl::OkStatus();
}

absl::Status AuditList(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(int64_t limit, c.Limit());
  if (limit == 0) limit = 100;
  v1::ListAuditEventsRequest req;
  req.set_resource(c.args().Get("resource"));
  req.set_actor(c.args().Get("actor"));
  google::protobuf::RepeatedPtrField<v1::AuditEvent> events;
  while (events.size() < limit) {
    req.set_page_size(static_cast<int32_t>(std::min<int64_t>(1000, limit - events.size())));
    BESTAND_ASSIGN_OR_RETURN(v1::ListAuditEventsResponse resp, c.client().ListAuditEvents(req));
    for (auto& e : *resp.mutable_events()) *events.Add() = std::move(e);
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  c.List(events, {"sequence", "time", "actor", "action", "resource"});
  return absl::OkStatus();
}

absl::Status AuditVerify(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(Flags flags, c.CommandFlags());
  v1::VerifyAuditRequest req;
  for (const auto& [name, value] : flags) req.add_anchors(value);
  BESTAND_ASSIGN_OR_RETURN(v1::VerifyAuditResponse resp, c.client().VerifyAudit(req));
  if (c.format() == Format::kJson) {
    c.One(resp);
  } else {
    std::ostream& out = c.out();
    for (const auto& p : resp.problems()) out << "PROBLEM  " << p << "\n";
    out << (resp.ok() ? "OK" : "TAMPERED") << ": " << resp.events_checked() << " audit events and "
        << resp.resources_checked() << " records checked; "
        << (resp.ok() ? "the hash chain is intact and every record matches its last event"
                      : "see the problems above")
        << "\n";
    if (!resp.head().empty()) {
      out << "head " << resp.head() << "  (keep it outside Bestand; a later 'audit verify --anchor "
          << resp.head() << "' proves the chain was not rewritten since)\n";
    }
  }
  if (!resp.ok()) {
    return absl::DataLossError(
        absl::StrCat("the audit trail does not match (", resp.problems_size(), " problems)"));
  }
  return absl::OkStatus();
}

absl::Status SettingsShow(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(v1::Settings settings, c.client().GetSettings(v1::GetSettingsRequest()));
  PrintSettings(c, settings);
  return absl::OkStatus();
}

absl::Status SettingsSet(Context& c) {
  v1::UpdateSettingsRequest req;
  BESTAND_ASSIGN_OR_RETURN(Flags flags, c.CommandFlags());
  for (const auto& [flag, value] : flags) {
    const auto* f = v1::Settings::descriptor()->FindFieldByName(FlagToField(flag));
    BESTAND_RETURN_IF_ERROR(SetFieldFromText(req.mutable_settings(), f, value));
    req.mutable_update_mask()->add_paths(f->name());
  }
  if (flags.empty()) return c.Usage("settings set needs --holiday-region REGION");
  BESTAND_ASSIGN_OR_RETURN(v1::Settings settings, c.client().UpdateSettings(req));
  PrintSettings(c, settings);
  return absl::OkStatus();
}

}  // namespace bestand
