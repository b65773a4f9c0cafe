// Calendar feeds (RFC 5545, written with libical): one per person at a secret, revocable URL.
// A person's feed has the cancellation deadline and the renewal (or end) of every license they
// own or stand in for; a coordinator's (NotificationSettings.coordinator_emails) has every
// license's and every open task's due date. Each event is a whole day with an alarm, and its UID
// names what it is about, never its date, so a calendar client updates an event that moved
// rather than add another.
//
// Links are audited on the person ("calendar-link", "calendar-revoke"); only the secret's
// SHA-256 is stored. Thread safety: safe from any thread.
#pragma once

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "bestand/v1/notify.pb.h"
#include "common/time.h"
#include "server/storage/store.h"

namespace bestand {

// Open tasks a coordinator's feed holds at most (the soonest due).
inline constexpr int kMaxFeedTasks = 2000;

class Calendars {
 public:
  // `store` must outlive this.
  Calendars(Store* store, Clock clock) : store_(store), clock_(std::move(clock)) {}

  // Where feeds are served: the web interface's address, e.g. "https://inventar:8445".
  void SetFeedUrl(std::string base) ABSL_LOCKS_EXCLUDED(mu_);
  // A new link for `r.person()`. NOT_FOUND for no such person; FAILED_PRECONDITION before
  // SetFeedUrl.
  absl::StatusOr<v1::CalendarLink> CreateLink(absl::string_view actor,
                                              const v1::CreateCalendarLinkRequest& r);
  absl::StatusOr<v1::RevokeCalendarLinksResponse> RevokeLinks(
      absl::string_view actor, const v1::RevokeCalendarLinksRequest& r);
  // The feed behind `secret`, as text/calendar. NOT_FOUND for an unknown or revoked secret (and
  // for a person who has left).
  absl::StatusOr<std::string> Feed(absl::string_view secret) const;

 private:
  Store* store_;
  Clock clock_;
  absl::Mutex mu_;
  std::string feed_url_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bestand
