// Bestand speaks first: evaluates the notification rules (core/notify/rules.h), queues what
// they want in the outbox and delivers the outbox through a mail transport and, to chat
// webhooks (core/notify/webhooks.h), a chat transport.
//
// Delivery is at least once with a stable Message-ID: a message is marked sent only after the
// mail server accepted it, in a transaction of its own, so a crash between the two sends it
// again with the same Message-ID (mail clients show one). (key, recipient) is queued once, ever:
// restarts and repeated evaluations queue nothing twice. A failed attempt is retried after 30 s,
// doubling up to 15 minutes, for three days; then the message is FAILED with the last error.
// A failure holds back only its own way out: the mail server's, or that one webhook's.
//
// Time comes from the options' clock only, so tests can travel through a year in milliseconds.
// Thread safety: every method may be called from any thread; Tick runs one at a time.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bestand/v1/notify.pb.h"
#include "common/secret_box.h"
#include "common/time.h"
#include "server/core/notify/chat.h"
#include "server/core/notify/mail.h"
#include "server/core/notify/rules.h"
#include "server/core/notify/webhooks.h"
#include "server/storage/store.h"

namespace bestand {

struct NotifierOptions {
  // The sender's address (From); its domain names the Message-IDs.
  std::string from;
  // Queue as usual but send nothing: each message is logged and marked DRY_RUN.
  bool dry_run = false;
  // Where people reach the web interface, for links in mails; empty for none.
  std::string web_url;
  Clock clock = [] { return absl::Now(); };
  // How often the background thread evaluates the rules and drains the outbox.
  absl::Duration interval = absl::Minutes(1);
  // Seals webhooks' URLs and secrets; without it there are no webhooks.
  std::shared_ptr<const SecretBox> secrets;
  // When the server's certificate expires, for the certificate rule; unset without TLS.
  std::optional<absl::Time> server_cert_expiry;
};

class Notifier {
 public:
  // `store` must outlive the notifier. Mail is queued only with a mail transport, messages to
  // webhooks only with a chat transport (both with dry_run); settings, preview and the
  // outbox's list always work.
  Notifier(Store* store, std::unique_ptr<MailTransport> transport, NotifierOptions options,
           std::unique_ptr<ChatTransport> chat = nullptr);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Runs Tick every `interval` on a thread of its own until destruction.
  void Start();
  // One round at the clock's time: from the settings' send hour on (Europe/Berlin), queue what
  // the rules want today; then deliver what is due.
  absl::Status Tick();
  // Queues what the rules want on the day of `now` (any hour); returns how many were new.
  absl::StatusOr<int> Queue(absl::Time now);
  // Attempts every message due at `now`; returns how many were done with (sent, or given up).
  // A refused attempt is recorded on its message and ends the round with its error; the rest
  // wait for their next attempt.
  absl::StatusOr<int> Deliver(absl::Time now);

  absl::StatusOr<v1::NotificationSettings> GetSettings() const;
  absl::StatusOr<v1::NotificationSettings> UpdateSettings(
      absl::string_view actor, const v1::UpdateNotificationSettingsRequest& r);
  absl::StatusOr<v1::ListNotificationsResponse> List(const v1::ListNotificationsRequest& r) const;
  // What the rules want at `r.time()` (the clock's time when unset); queues nothing.
  absl::StatusOr<v1::PreviewNotificationsResponse> Preview(
      const v1::PreviewNotificationsRequest& r) const;
  // Queues a test message to `r.recipient()` (an address or a webhook). FAILED_PRECONDITION
  // when the server has no way to send it; INVALID_ARGUMENT for a bad address or language;
  // NOT_FOUND for no such webhook.
  absl::StatusOr<v1::Notification> SendTest(const v1::SendTestNotificationRequest& r);

  // Null without `options.secrets`.
  Webhooks* webhooks() { return webhooks_.get(); }
  // Whether anything can be sent (mail, webhooks or a dry run).
  bool sending() const { return mails() || chats(); }

 private:
  bool mails() const { return transport_ != nullptr || options_.dry_run; }
  bool chats() const { return (chat_ != nullptr || options_.dry_run) && webhooks_ != nullptr; }
  // The rules' context at `at`, with the webhooks there are.
  absl::StatusOr<RuleContext> ContextAt(ReadTx& tx, const NotifyPolicy& policy,
                                        absl::Time at) const;
  absl::Status Attempt(OutboxRecord& record, absl::Time now);
  OutboxRecord RecordOf(const Notice& n, absl::Time now) const;

  Store* store_;
  std::unique_ptr<MailTransport> transport_;
  std::unique_ptr<ChatTransport> chat_;
  std::unique_ptr<Webhooks> webhooks_;
  NotifierOptions options_;
  std::mutex tick_mu_;  // one Tick at a time (the thread and tests' direct calls)
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool kicked_ = false;  // a message was queued to be sent now
};

// The company's time zone (Europe/Berlin; UTC+1 when the system has no time zone data).
absl::TimeZone CompanyTimeZone();

// The message as the API shows it.
v1::Notification NotificationOf(const OutboxRecord& r);

}  // namespace bestand
