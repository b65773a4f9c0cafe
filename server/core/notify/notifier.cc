#include "server/core/notify/notifier.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/crypto.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "server/core/inventory.h"
#include "server/core/notify/notify_settings.h"

namespace bestand {
namespace {

constexpr absl::string_view kBefore = "before:";
// Messages attempted per transaction of reading the outbox.
constexpr int kBatch = 200;
constexpr absl::Duration kFirstRetry = absl::Seconds(30);
constexpr absl::Duration kMaxRetry = absl::Minutes(15);
constexpr absl::Duration kGiveUpAfter = absl::Hours(72);
// Errors kept per message (a mail server's answer can be long).
constexpr size_t kMaxErrorBytes = 500;

absl::Duration Backoff(int attempts) {
  absl::Duration d = kFirstRetry;
  for (int i = 1; i < attempts && d < kMaxRetry; ++i) d *= 2;
  return std::min(d, kMaxRetry);
}

std::string Domain(const std::string& address) {
  size_t at = address.rfind('@');
  return at == std::string::npos ? "bestand.invalid" : address.substr(at + 1);
}

bool IsWebhook(absl::string_view recipient) { return absl::StartsWith(recipient, kWebhookPrefix); }

}  // namespace

absl::TimeZone CompanyTimeZone() {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone("Europe/Berlin", &tz)) tz = absl::FixedTimeZone(3600);
  return tz;
}

v1::Notification NotificationOf(const OutboxRecord& r) {
  v1::Notification n;
  n.set_name(absl::StrCat("notifications/", r.id));
  n.set_rule(static_cast<v1::NotificationRule>(r.rule));
  n.set_key(r.key);
  n.set_recipient(r.recipient);
  n.set_language(r.language);
  n.set_subject(r.subject);
  n.set_text(r.body_text);
  n.set_message_id(r.message_id);
  n.set_state(static_cast<v1::Notification::State>(r.state));
  n.set_attempts(r.attempts);
  *n.mutable_create_time() = FromMicros(r.create_micros);
  if (r.state == v1::Notification::PENDING) {
    *n.mutable_next_attempt_time() = FromMicros(r.next_attempt_micros);
  }
  *n.mutable_sent_time() = FromMicros(r.sent_micros);
  n.set_last_error(r.last_error);
  return n;
}

Notifier::Notifier(Store* store, std::unique_ptr<MailTransport> transport, NotifierOptions options,
                   std::unique_ptr<ChatTransport> chat)
    : store_(store),
      transport_(std::move(transport)),
      chat_(std::move(chat)),
      options_(std::move(options)) {
  if (options_.secrets) {
    webhooks_ = std::make_unique<Webhooks>(store_, options_.secrets, options_.clock);
  }
}

Notifier::~Notifier() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Notifier::Start() {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      lock.unlock();
      if (absl::Status s = Tick(); !s.ok()) {
        std::cerr << "bestand-server: notifications: " << s.message() << std::endl;
      }
      lock.lock();
      cv_.wait_for(lock, absl::ToChronoMilliseconds(options_.interval),
                   [this] { return stopping_ || kicked_; });
      kicked_ = false;
    }
  });
}

absl::Status Notifier::Tick() {
  if (!sending()) return absl::OkStatus();
  std::lock_guard<std::mutex> lock(tick_mu_);
  const absl::Time now = options_.clock();
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(v1::NotificationSettings settings, LoadNotifySettings(*tx));
  tx.reset();
  const NotifyPolicy policy(settings);
  if (absl::ToCivilHour(now, CompanyTimeZone()).hour() >= policy.send_hour) {
    BESTAND_RETURN_IF_ERROR(Queue(now).status());
  }
  return Deliver(now).status();
}

OutboxRecord Notifier::RecordOf(const Notice& n, absl::Time now) const {
  OutboxRecord r;
  r.rule = n.rule;
  r.key = n.key;
  r.recipient = AsciiLower(n.recipient);
  r.language = std::string(LangCode(n.lang));
  r.subject = n.subject;
  r.body_text = n.text;
  r.body_html = n.html;
  r.message_id = absl::StrCat(Sha256Hex(absl::StrCat(r.key, "\n", r.recipient)).substr(0, 32), "@",
                              Domain(options_.from));
  r.state = v1::Notification::PENDING;
  r.create_micros = absl::ToUnixMicros(now);
  r.next_attempt_micros = r.create_micros;
  return r;
}

absl::StatusOr<RuleContext> Notifier::ContextAt(ReadTx& tx, const NotifyPolicy& policy,
                                                absl::Time at) const {
  RuleContext ctx;
  ctx.today = absl::ToCivilDay(at, CompanyTimeZone());
  ctx.web_url = options_.web_url;
  ctx.server_cert_expiry = options_.server_cert_expiry;
  if (webhooks_) {
    BESTAND_ASSIGN_OR_RETURN(std::vector<WebhookRecord> hooks, tx.ListWebhooks());
    ctx.channels = Webhooks::ChannelsOf(hooks, policy.lang);
  }
  return ctx;
}

absl::StatusOr<int> Notifier::Queue(absl::Time now) {
  std::vector<Notice> notices;
  {
    BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
    BESTAND_ASSIGN_OR_RETURN(v1::NotificationSettings settings, LoadNotifySettings(*tx));
    const NotifyPolicy policy(settings);
    BESTAND_ASSIGN_OR_RETURN(RuleContext ctx, ContextAt(*tx, policy, now));
    if (!chats()) ctx.channels.clear();
    // Nobody to tell: the rules need not be evaluated.
    if (!mails() && ctx.channels.empty()) return 0;
    BESTAND_ASSIGN_OR_RETURN(notices, EvaluateRules(*tx, policy, ctx));
  }
  int queued = 0;
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  for (const Notice& n : notices) {
    // Mail waits for a mail server: queued now, it would go out when one is configured, late.
    if (!IsWebhook(n.recipient) && !mails()) continue;
    BESTAND_ASSIGN_OR_RETURN(int64_t id, tx->InsertOutbox(RecordOf(n, now)));
    if (id != 0) ++queued;
  }
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  return queued;
}

absl::Status Notifier::Attempt(OutboxRecord& r, absl::Time now) {
  ++r.attempts;
  if (options_.dry_run) {
    std::cerr << "bestand-server: notification (dry run) to " << r.recipient << ": " << r.subject
              << std::endl;
    r.state = v1::Notification::DRY_RUN;
    r.last_error.clear();
    return absl::OkStatus();
  }
  absl::Status sent;
  if (IsWebhook(r.recipient)) {
    absl::StatusOr<ChatPost> post =
        chat_ && webhooks_ ? webhooks_->Compose(r, now)
                           : absl::FailedPreconditionError("the server posts to no webhooks");
    if (absl::IsNotFound(post.status())) {
      // Removed since: nobody is left to post to.
      r.state = v1::Notification::FAILED;
      r.last_error = std::string(post.status().message());
      return absl::OkStatus();
    }
    sent = post.ok() ? chat_->Post(*post) : post.status();
  } else if (transport_) {
    MailMessage m;
    m.from = options_.from;
    m.to = r.recipient;
    m.subject = r.subject;
    m.text = r.body_text;
    m.html = r.body_html;
    m.message_id = r.message_id;
    m.date = now;
    sent = transport_->Send(m);
  } else {
    sent = absl::FailedPreconditionError("the server sends no mail (no --smtp)");
  }
  if (sent.ok()) {
    r.state = v1::Notification::SENT;
    r.sent_micros = absl::ToUnixMicros(now);
    r.last_error.clear();
    return absl::OkStatus();
  }
  r.last_error = std::string(sent.message().substr(0, kMaxErrorBytes));
  if (now - absl::FromUnixMicros(r.create_micros) >= kGiveUpAfter) {
    r.state = v1::Notification::FAILED;
  } else {
    r.next_attempt_micros = absl::ToUnixMicros(now + Backoff(r.attempts));
  }
  return sent;
}

absl::StatusOr<int> Notifier::Deliver(absl::Time now) {
  if (!sending()) return 0;
  int delivered = 0;
  const int64_t now_micros = absl::ToUnixMicros(now);
  absl::Status failed;
  std::map<std::string, int64_t> down;  // way out -> when its messages are tried again
  while (true) {
    std::vector<OutboxRecord> due;
    {
      BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
      BESTAND_ASSIGN_OR_RETURN(due, tx->DueOutbox(now_micros, kBatch));
    }
    if (due.empty()) break;
    for (OutboxRecord& r : due) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return delivered;
      }
      // A mail server (or webhook) that refused now refuses the rest too: they wait with the
      // refused message, without an attempt counted.
      const std::string way = IsWebhook(r.recipient) ? r.recipient : "mail";
      if (auto it = down.find(way); it != down.end()) {
        r.next_attempt_micros = std::max(r.next_attempt_micros, it->second);
      } else if (absl::Status s = Attempt(r, now); !s.ok()) {
        if (failed.ok()) failed = s;
        down[way] = r.state == v1::Notification::PENDING ? r.next_attempt_micros : now_micros + 1;
      }
      if (r.state != v1::Notification::PENDING) ++delivered;
      BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
      BESTAND_RETURN_IF_ERROR(tx->UpdateOutbox(r));
      BESTAND_RETURN_IF_ERROR(tx->Commit());
    }
  }
  if (!failed.ok()) return failed;
  return delivered;
}

absl::StatusOr<v1::NotificationSettings> Notifier::GetSettings() const {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  return LoadNotifySettings(*tx);
}

absl::StatusOr<v1::NotificationSettings> Notifier::UpdateSettings(
    absl::string_view actor, const v1::UpdateNotificationSettingsRequest& r) {
  return UpdateNotifySettings(store_, actor, r);
}

absl::StatusOr<v1::ListNotificationsResponse> Notifier::List(
    const v1::ListNotificationsRequest& r) const {
  BESTAND_ASSIGN_OR_RETURN(int page, PageSize(r.page_size()));
  OutboxQuery q;
  q.state = r.state();
  q.limit = page + 1;
  if (!r.page_token().empty()) {
    std::string raw;
    absl::string_view rest;
    if (!absl::WebSafeBase64Unescape(r.page_token(), &raw) ||
        !absl::ConsumePrefix(&(rest = raw), kBefore) || !absl::SimpleAtoi(rest, &q.before_id)) {
      return FieldError(absl::StatusCode::kInvalidArgument, "page_token",
                        "not a token from a previous page of this list");
    }
  }
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(std::vector<OutboxRecord> records, tx->ListOutbox(q));
  v1::ListNotificationsResponse out;
  for (size_t i = 0; i < records.size() && static_cast<int>(i) < page; ++i) {
    *out.add_notifications() = NotificationOf(records[i]);
  }
  if (static_cast<int>(records.size()) > page) {
    out.set_next_page_token(absl::WebSafeBase64Escape(absl::StrCat(kBefore, records[page - 1].id)));
  }
  return out;
}

absl::StatusOr<v1::PreviewNotificationsResponse> Notifier::Preview(
    const v1::PreviewNotificationsRequest& r) const {
  const absl::Time at = r.has_time() ? absl::FromUnixMicros(ToMicros(r.time())) : options_.clock();
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(v1::NotificationSettings settings, LoadNotifySettings(*tx));
  const NotifyPolicy policy(settings);
  BESTAND_ASSIGN_OR_RETURN(RuleContext ctx, ContextAt(*tx, policy, at));
  BESTAND_ASSIGN_OR_RETURN(std::vector<Notice> notices, EvaluateRules(*tx, policy, ctx));
  v1::PreviewNotificationsResponse out;
  for (const Notice& n : notices) {
    OutboxRecord record = RecordOf(n, at);
    BESTAND_ASSIGN_OR_RETURN(bool queued, tx->OutboxHas(record.key, record.recipient));
    if (queued) out.set_already_queued(out.already_queued() + 1);
    v1::Notification shown = NotificationOf(record);
    shown.clear_name();
    shown.clear_state();
    shown.clear_create_time();
    shown.clear_next_attempt_time();
    *out.add_notifications() = std::move(shown);
  }
  return out;
}

absl::StatusOr<v1::Notification> Notifier::SendTest(const v1::SendTestNotificationRequest& r) {
  const bool webhook = IsWebhook(r.recipient());
  if (!webhook && !IsEmailAddress(r.recipient())) {
    return FieldError(absl::StatusCode::kInvalidArgument, "recipient",
                      absl::StrCat("'", r.recipient(), "' is not an email address or a webhook"));
  }
  Lang lang;
  if (r.language().empty()) {
    BESTAND_ASSIGN_OR_RETURN(v1::NotificationSettings settings, GetSettings());
    lang = NotifyPolicy(settings).lang;
  } else if (!ParseLang(r.language(), &lang)) {
    return FieldError(absl::StatusCode::kInvalidArgument, "language",
                      absl::StrCat("'", r.language(), "' is not de or en"));
  }
  if (webhook) {
    if (!chats()) return absl::FailedPreconditionError("the server posts to no webhooks");
    BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
    absl::StatusOr<WebhookRecord> hook = webhooks_->Active(*tx, r.recipient());
    if (!hook.ok()) return FieldError(hook.status().code(), "recipient", hook.status().message());
  } else if (!mails()) {
    return absl::FailedPreconditionError(
        "the server sends no mail: start it with --smtp smtp://HOST:PORT --smtp-from ADDRESS");
  }
  const absl::Time now = options_.clock();
  OutboxRecord record = RecordOf(TestNotice(r.recipient(), lang, now), now);
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(record.id, tx->InsertOutbox(record));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  {
    std::lock_guard<std::mutex> lock(mu_);
    kicked_ = true;  // the thread delivers it at once
  }
  cv_.notify_all();
  return NotificationOf(record);
}

}  // namespace bestand
