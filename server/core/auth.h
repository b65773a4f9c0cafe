// API tokens and roles. Secrets are random 256-bit values shown once; only their SHA-256 is
// stored. Valid tokens are cached in memory so authenticating a call costs no database read.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/auth.pb.h"
#include "server/storage/store.h"

namespace bestand {

// Who is calling.
struct Principal {
  int64_t token_id = 0;
  std::string token_name;
  v1::Role role = v1::ROLE_UNSPECIFIED;
  int64_t vendor_id = 0;  // the vendor a VENDOR token acts for
  // "token:{name}", the audit actor.
  std::string Actor() const { return "token:" + token_name; }
};

// What a call needs.
enum class Permission {
  kRead,             // admin, coordinator, viewer
  kWrite,            // admin, coordinator
  kAdmin,            // admin only
  kTasks,            // admin, coordinator, viewer, vendor (which sees only its own vendor's tasks)
  kSubmitInventory,  // inventory only: the agents' endpoint
};

// OK, or PERMISSION_DENIED naming the role and what it lacks.
absl::Status Authorize(const Principal& who, Permission needed);

// Parses "admin", "coordinator", "viewer", "vendor", "inventory" (any case).
absl::StatusOr<v1::Role> ParseRole(absl::string_view text);
std::string RoleName(v1::Role role);

// Thread-safe.
class TokenManager {
 public:
  // Loads the active tokens from `store`; the store must outlive the manager.
  static absl::StatusOr<std::unique_ptr<TokenManager>> Create(Store* store);

  // UNAUTHENTICATED unless `secret` is an active token.
  absl::StatusOr<Principal> Authenticate(absl::string_view secret);
  // UNAUTHENTICATED unless the token `token_id` is still active and unexpired: for sessions
  // that began with a token (server/web), checked on every request.
  absl::Status CheckActive(int64_t token_id);

  // Creates a token and returns it with its secret. `actor` is recorded in the audit trail.
  // `vendor` (a vendor's resource name or natural key) is required for VENDOR tokens and must
  // be empty otherwise; NOT_FOUND naming it when there is no such vendor. `expire_micros`, when
  // not 0, must be in the future; from then on the token is refused.
  // With `sign_in_link` the token is a sign-in link for the web interface (see
  // RedeemSignInLink): the response's sign_in_url holds it; FAILED_PRECONDITION before
  // SetSignInUrl.
  absl::StatusOr<v1::CreateTokenResponse> CreateToken(absl::string_view actor,
                                                      absl::string_view display_name, v1::Role role,
                                                      absl::string_view vendor = "",
                                                      int64_t expire_micros = 0,
                                                      bool sign_in_link = false);
  // Where sign-in links point: the web interface's address, e.g. "https://inventar:8445".
  void SetSignInUrl(std::string base) ABSL_LOCKS_EXCLUDED(mu_);
  // The principal of the sign-in link `secret`, which is used up: its token's secret is replaced
  // by one nobody knows (recorded in the audit trail), so the link works once, also across
  // restarts and when two requests race. UNAUTHENTICATED when it is no active, unexpired link.
  absl::StatusOr<Principal> RedeemSignInLink(absl::string_view secret);
  absl::StatusOr<std::vector<v1::Token>> ListTokens();
  // `name` is "tokens/{id}" or the display name. FAILED_PRECONDITION for the last active admin.
  absl::StatusOr<v1::Token> RevokeToken(absl::string_view actor, absl::string_view name);
  absl::StatusOr<v1::Token> GetToken(int64_t id);

 private:
  explicit TokenManager(Store* store) : store_(store) {}
  absl::Status Reload() ABSL_LOCKS_EXCLUDED(mu_);

  struct Cached {
    Principal principal;
    int64_t last_used_micros = 0;
    int64_t expire_micros = 0;  // 0: never
    bool sign_in_link = false;
  };

  Store* store_;
  std::mutex mu_;
  // Active tokens by SHA-256 of the secret.
  std::unordered_map<std::string, Cached> active_ ABSL_GUARDED_BY(mu_);
  std::string sign_in_url_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bestand
