// Sessions of people signed in to the web interface. A person signs in once with their token;
// the browser then holds only a session id (256 random bits) in a cookie. Only the SHA-256 of
// each id is kept, in memory: a restart signs everybody out. A session ends after 30 minutes
// without a request, 12 hours after sign-in whatever happens, at sign-out, or when its token is
// revoked or expires (the web server checks the token on every request).
//
// Each session has its own CSRF token, which every form sends back.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/core/auth.h"

namespace bestand {

struct SessionOptions {
  absl::Duration idle_timeout = absl::Minutes(30);
  absl::Duration absolute_timeout = absl::Hours(12);
  // Beyond this many sessions the longest idle is ended first.
  size_t max_sessions = 10000;
};

struct WebSession {
  Principal principal;
  std::string csrf_token;
  absl::Time created;
  absl::Time last_used;
};

class SessionStore {
 public:
  using Clock = std::function<absl::Time()>;
  explicit SessionStore(SessionOptions options = {}, Clock clock = absl::Now)
      : options_(options), clock_(std::move(clock)) {}

  // A new session for `who`; returns the id for the cookie. Ids are never reused.
  absl::StatusOr<std::string> Create(const Principal& who);
  // The session with `id`, its idle time reset; nullopt when there is none (unknown, ended,
  // idle longer than the idle timeout or older than the absolute one).
  std::optional<WebSession> Find(const std::string& id);
  void End(const std::string& id);
  size_t size();

 private:
  bool Ended(const WebSession& s, absl::Time now) const;

  const SessionOptions options_;
  const Clock clock_;
  std::mutex mu_;
  // By SHA-256 of the id.
  absl::flat_hash_map<std::string, WebSession> sessions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bestand
