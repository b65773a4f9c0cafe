#include "server/web/sessions.h"

#include <algorithm>

#include "common/crypto.h"
#include "common/status_macros.h"

namespace bestand {

absl::StatusOr<std::string> SessionStore::Create(const Principal& who) {
  BESTAND_ASSIGN_OR_RETURN(std::string id, RandomToken(32));
  WebSession s;
  s.principal = who;
  BESTAND_ASSIGN_OR_RETURN(s.csrf_token, RandomToken(32));
  s.created = s.last_used = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (Ended(it->second, s.created)) {
      sessions_.erase(it++);
    } else {
      ++it;
    }
  }
  if (sessions_.size() >= options_.max_sessions) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](auto& a, auto& b) {
      return a.second.last_used < b.second.last_used;
    });
    sessions_.erase(oldest);
  }
  sessions_[Sha256Hex(id)] = std::move(s);
  return id;
}

std::optional<WebSession> SessionStore::Find(const std::string& id) {
  if (id.empty()) return std::nullopt;
  const std::string key = Sha256Hex(id);
  const absl::Time now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return std::nullopt;
  WebSession& s = it->second;
  if (Ended(s, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  s.last_used = now;
  return s;
}

void SessionStore::End(const std::string& id) {
  const std::string key = Sha256Hex(id);
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(key);
}

bool SessionStore::Ended(const WebSession& s, absl::Time now) const {
  return now - s.last_used > options_.idle_timeout || now - s.created > options_.absolute_timeout;
}

size_t SessionStore::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

}  // namespace bestand
