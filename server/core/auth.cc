#include "server/core/auth.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "common/time.h"
#include "server/core/audit.h"
#include "server/core/audited_state.h"
#include "server/core/inventory.h"

namespace bestand {
namespace {

constexpr absl::string_view kSecretPrefix = "bst_";
constexpr size_t kMaxTokenName = 100;
// last_used_time is written at most this often per token, to keep reads free of writes.
constexpr int64_t kTouchIntervalMicros = 60 * 1000000LL;

}  // namespace

absl::Status Authorize(const Principal& who, Permission needed) {
  bool ok = false;
  switch (needed) {
    case Permission::kRead:
      ok = who.role == v1::ADMIN || who.role == v1::COORDINATOR || who.role == v1::VIEWER;
      break;
    case Permission::kWrite:
      ok = who.role == v1::ADMIN || who.role == v1::COORDINATOR;
      break;
    case Permission::kAdmin:
      ok = who.role == v1::ADMIN;
      break;
    case Permission::kTasks:
      ok = who.role == v1::ADMIN || who.role == v1::COORDINATOR || who.role == v1::VIEWER ||
           who.role == v1::VENDOR;
      break;
    case Permission::kSubmitInventory:
      ok = who.role == v1::INVENTORY;
      break;
  }
  if (ok) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("token '", who.token_name, "' has role ", RoleName(who.role), ", which may not ",
                   needed == Permission::kAdmin   ? "manage tokens"
                   : needed == Permission::kRead  ? "read the inventory"
                   : needed == Permission::kTasks ? "see tasks"
                   : needed == Permission::kSubmitInventory
                       ? "submit inventories (that takes a token of role inventory)"
                       : "change the inventory"));
}

absl::StatusOr<v1::Role> ParseRole(absl::string_view text) {
  std::string t = absl::AsciiStrToLower(text);
  if (t == "admin") return v1::ADMIN;
  if (t == "coordinator") return v1::COORDINATOR;
  if (t == "viewer") return v1::VIEWER;
  if (t == "vendor") return v1::VENDOR;
  if (t == "inventory") return v1::INVENTORY;
  return absl::InvalidArgumentError(absl::StrCat(
      "role: '", text, "' is not one of admin, coordinator, viewer, vendor, inventory"));
}

std::string RoleName(v1::Role role) {
  switch (role) {
    case v1::ADMIN:
      return "admin";
    case v1::COORDINATOR:
      return "coordinator";
    case v1::VIEWER:
      return "viewer";
    case v1::VENDOR:
      return "vendor";
    case v1::INVENTORY:
      return "inventory";
    default:
      return "none";
  }
}

absl::StatusOr<std::unique_ptr<TokenManager>> TokenManager::Create(Store* store) {
  std::unique_ptr<TokenManager> m(new TokenManager(store));
  BESTAND_RETURN_IF_ERROR(m->Reload());
  return m;
}

absl::Status TokenManager::Reload() {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(std::vector<TokenRecord> tokens, tx->ListTokens());
  std::lock_guard<std::mutex> lock(mu_);
  active_.clear();
  for (const TokenRecord& t : tokens) {
    if (t.revoke_micros != 0) continue;
    active_[t.secret_sha256] = {{t.id, t.display_name, t.role, t.vendor_id},
                                t.last_used_micros,
                                t.expire_micros,
                                t.sign_in_link};
  }
  return absl::OkStatus();
}

absl::Status TokenManager::CheckActive(int64_t token_id) {
  const int64_t now = NowMicros();
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [hash, cached] : active_) {
    if (cached.principal.token_id != token_id) continue;
    if (cached.expire_micros != 0 && now >= cached.expire_micros) break;
    return absl::OkStatus();
  }
  return absl::UnauthenticatedError("the token is revoked or expired");
}

absl::StatusOr<Principal> TokenManager::Authenticate(absl::string_view secret) {
  if (secret.empty()) {
    return absl::UnauthenticatedError(
        "no token given: pass --token, set BESTAND_TOKEN or run 'bestand login'");
  }
  std::string hash = Sha256Hex(secret);
  int64_t now = NowMicros();
  Principal who;
  bool touch = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = active_.find(hash);
    if (it == active_.end()) {
      return absl::UnauthenticatedError("the token is unknown or revoked");
    }
    if (it->second.expire_micros != 0 && now >= it->second.expire_micros) {
      return absl::UnauthenticatedError(absl::StrCat(
          "the token expired at ", FormatTimestamp(FromMicros(it->second.expire_micros))));
    }
    if (it->second.sign_in_link) {
      return absl::UnauthenticatedError(
          "this is a sign-in link's secret: it works only in the link, in a browser");
    }
    who = it->second.principal;
    if (now - it->second.last_used_micros > kTouchIntervalMicros) {
      it->second.last_used_micros = now;
      touch = true;
    }
  }
  if (touch) {
    // Best effort and never waiting for the writer: recording the use must not slow the call.
    if (auto tx = store_->TryBeginWrite(); tx.ok()) {
      if ((*tx)->TouchToken(who.token_id, now).ok()) (*tx)->Commit().IgnoreError();
    }
  }
  return who;
}

absl::StatusOr<v1::CreateTokenResponse> TokenManager::CreateToken(
    absl::string_view actor, absl::string_view display_name, v1::Role role,
    absl::string_view vendor, int64_t expire_micros, bool sign_in_link) {
  std::string name(absl::StripAsciiWhitespace(display_name));
  if (name.empty() || Utf8Length(name) > kMaxTokenName || !IsValidUtf8(name) ||
      name.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("display_name: a token needs a name of 1 to ",
                                                   kMaxTokenName, " characters without '/'"));
  }
  if (role != v1::ADMIN && role != v1::COORDINATOR && role != v1::VIEWER && role != v1::VENDOR &&
      role != v1::INVENTORY) {
    return absl::InvalidArgumentError(
        "role: must be admin, coordinator, viewer, vendor or inventory");
  }
  if ((role == v1::VENDOR) != !vendor.empty()) {
    return absl::InvalidArgumentError(role == v1::VENDOR
                                          ? "vendor: a vendor token needs the vendor it acts for"
                                          : "vendor: only vendor tokens are bound to a vendor");
  }
  if (expire_micros != 0 && expire_micros <= NowMicros()) {
    return absl::InvalidArgumentError("expire_time: must be in the future");
  }
  std::string url_base;
  if (sign_in_link) {
    if (role == v1::INVENTORY) {
      return absl::InvalidArgumentError("role: an inventory token cannot sign in to the web");
    }
    std::lock_guard<std::mutex> lock(mu_);
    url_base = sign_in_url_;
  }
  if (sign_in_link && url_base.empty()) {
    return absl::FailedPreconditionError(
        "the server serves no web interface: start it with --web-listen");
  }
  BESTAND_ASSIGN_OR_RETURN(std::string random, RandomToken(32));
  std::string secret = absl::StrCat(kSecretPrefix, random);
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  TokenRecord rec;
  rec.display_name = name;
  rec.role = role;
  if (!vendor.empty()) {
    absl::StatusOr<int64_t> id = ResolveName(*tx, Kind::kVendor, vendor);
    if (!id.ok()) return FieldError(id.status().code(), "vendor", id.status().message());
    rec.vendor_id = *id;
  }
  rec.secret_sha256 = Sha256Hex(secret);
  rec.create_micros = NowMicros();
  rec.expire_micros = expire_micros;
  rec.sign_in_link = sign_in_link;
  absl::StatusOr<int64_t> id = tx->InsertToken(rec);
  if (absl::IsAlreadyExists(id.status())) {
    return absl::AlreadyExistsError(absl::StrCat("a token named '", name, "' already exists"));
  }
  BESTAND_RETURN_IF_ERROR(id.status());
  rec.id = *id;
  v1::CreateTokenResponse resp;
  *resp.mutable_token() = TokenFromRecord(rec);
  BESTAND_RETURN_IF_ERROR(
      RecordAudit(*tx, actor, "token.create", resp.token().name(), "", TokenAuditJson(rec)));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  {
    std::lock_guard<std::mutex> lock(mu_);
    active_[rec.secret_sha256] = {
        {rec.id, rec.display_name, rec.role, rec.vendor_id}, 0, rec.expire_micros, sign_in_link};
  }
  if (sign_in_link) resp.set_sign_in_url(absl::StrCat(url_base, "/link/", secret));
  resp.set_secret(std::move(secret));
  return resp;
}

void TokenManager::SetSignInUrl(std::string base) {
  std::lock_guard<std::mutex> lock(mu_);
  sign_in_url_ = std::move(base);
}

absl::StatusOr<Principal> TokenManager::RedeemSignInLink(absl::string_view secret) {
  const std::string hash = Sha256Hex(secret);
  const int64_t now = NowMicros();
  Principal who;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = active_.find(hash);
    if (it == active_.end() || !it->second.sign_in_link ||
        (it->second.expire_micros != 0 && now >= it->second.expire_micros)) {
      return absl::UnauthenticatedError("the sign-in link is used, expired, revoked or unknown");
    }
    who = it->second.principal;
  }
  BESTAND_ASSIGN_OR_RETURN(std::string random, RandomToken(32));
  const std::string replacement = Sha256Hex(absl::StrCat(kSecretPrefix, random));
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(std::vector<TokenRecord> records, tx->ListTokens());
  TokenRecord rec;
  for (const TokenRecord& r : records) {
    if (r.id == who.token_id) rec = r;
  }
  BESTAND_ASSIGN_OR_RETURN(bool replaced, tx->ReplaceTokenSecret(who.token_id, hash, replacement));
  if (!replaced || rec.revoke_micros != 0) {
    return absl::UnauthenticatedError("the sign-in link is used, expired, revoked or unknown");
  }
  const std::string before = TokenAuditJson(rec);
  rec.secret_sha256 = replacement;
  BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, who.Actor(), "token.sign_in_link",
                                      TokenFromRecord(rec).name(), before, TokenAuditJson(rec)));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  std::lock_guard<std::mutex> lock(mu_);
  auto it = active_.find(hash);
  if (it != active_.end()) {
    Cached cached = it->second;
    active_.erase(it);
    active_[replacement] = cached;
  }
  return who;
}

absl::StatusOr<std::vector<v1::Token>> TokenManager::ListTokens() {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(std::vector<TokenRecord> records, tx->ListTokens());
  std::vector<v1::Token> out;
  for (const TokenRecord& r : records) out.push_back(TokenFromRecord(r));
  return out;
}

absl::StatusOr<v1::Token> TokenManager::GetToken(int64_t id) {
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::Token> tokens, ListTokens());
  for (v1::Token& t : tokens) {
    if (t.name() == absl::StrCat("tokens/", id)) return t;
  }
  return absl::NotFoundError(absl::StrCat("token tokens/", id, " not found"));
}

absl::StatusOr<v1::Token> TokenManager::RevokeToken(absl::string_view actor,
                                                    absl::string_view name) {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(std::vector<TokenRecord> records, tx->ListTokens());
  // "tokens/{id}" names one token; a display name names the active token of that name.
  const TokenRecord* target = nullptr;
  int active_admins = 0;
  int64_t id = 0;
  const bool by_id = absl::StartsWith(name, "tokens/") && absl::SimpleAtoi(name.substr(7), &id);
  for (const TokenRecord& r : records) {
    if (r.role == v1::ADMIN && r.revoke_micros == 0) ++active_admins;
    if (by_id ? r.id == id
              : (r.revoke_micros == 0 && absl::EqualsIgnoreCase(r.display_name, name))) {
      target = &r;
    }
  }
  if (target == nullptr) return absl::NotFoundError(absl::StrCat("token '", name, "' not found"));
  TokenRecord rec = *target;
  if (rec.revoke_micros != 0) return TokenFromRecord(rec);  // already revoked: nothing to do
  if (rec.role == v1::ADMIN && active_admins <= 1) {
    return absl::FailedPreconditionError(
        "this is the last active admin token; create another admin token first");
  }
  std::string before = TokenAuditJson(rec);
  rec.revoke_micros = NowMicros();
  BESTAND_RETURN_IF_ERROR(tx->RevokeToken(rec.id, rec.revoke_micros));
  v1::Token token = TokenFromRecord(rec);
  BESTAND_RETURN_IF_ERROR(
      RecordAudit(*tx, actor, "token.revoke", token.name(), before, TokenAuditJson(rec)));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  {
    std::lock_guard<std::mutex> lock(mu_);
    active_.erase(rec.secret_sha256);
  }
  return token;
}

}  // namespace bestand
