#include "server/core/notify/webhooks.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/crypto.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/core/audit.h"
#include "server/core/audited_state.h"
#include "server/core/inventory.h"

namespace bestand {
namespace {

constexpr size_t kMaxUrlBytes = 2048;
constexpr size_t kMinSecretBytes = 16;
constexpr size_t kMaxSecretBytes = 256;
constexpr int kMaxWebhooks = 20;
// Chat services cut long messages; Slack's limit for one text is 40,000 characters.
constexpr size_t kMaxTextBytes = 30000;
// Sealing contexts: a sealed URL never opens as a secret, nor the other way round.
constexpr absl::string_view kUrlContext = "webhook url";
constexpr absl::string_view kSecretContext = "webhook secret";

absl::Status UrlError(absl::string_view why) {
  return FieldError(absl::StatusCode::kInvalidArgument, "webhook.url", why);
}

// `text` cut to at most `max` bytes without splitting a UTF-8 character.
std::string Cut(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  return absl::StrCat(Utf8Prefix(text, max), "\n…");
}

}  // namespace

bool Channel::Follows(v1::NotificationRule rule) const {
  if (rules.empty()) return rule != v1::MANAGEMENT_DIGEST && rule != v1::TEST;
  return std::find(rules.begin(), rules.end(), rule) != rules.end();
}

absl::StatusOr<std::string> CheckWebhookUrl(absl::string_view url) {
  if (url.empty()) return UrlError("required");
  if (url.size() > kMaxUrlBytes) {
    return UrlError(absl::StrCat(url.size(), " characters; at most ", kMaxUrlBytes));
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return UrlError("contains a space or a control character");
    }
  }
  absl::string_view rest = url;
  const bool https = absl::ConsumePrefix(&rest, "https://");
  if (!https && !absl::ConsumePrefix(&rest, "http://")) {
    return UrlError("must start with https://");
  }
  const absl::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (absl::StrContains(authority, '@')) {
    return UrlError("must not carry a user or password; the URL itself is the credential");
  }
  absl::string_view host = authority;
  if (absl::StartsWith(host, "[")) {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (host.empty() || host == "[]") return UrlError("has no host");
  if (absl::string_view port = authority.substr(host.size()); !port.empty()) {
    int number = 0;
    if (!absl::ConsumePrefix(&port, ":") || !absl::SimpleAtoi(port, &number) || number < 1 ||
        number > 65535 || port.find_first_not_of("0123456789") != absl::string_view::npos) {
      return UrlError("has a port that is not a number from 1 to 65535");
    }
  }
  const std::string lower = absl::AsciiStrToLower(host);
  if (!https && lower != "127.0.0.1" && lower != "[::1]" && lower != "localhost") {
    return UrlError("must use https:// (http:// only to this machine)");
  }
  return absl::StrCat(https ? "https://" : "http://", absl::AsciiStrToLower(authority),
                      rest.size() > authority.size() ? "/…" : "");
}

std::string WebhookSignature(absl::string_view secret, int64_t unix_seconds,
                             absl::string_view body) {
  return absl::StrCat("sha256=", HmacSha256Hex(secret, absl::StrCat(unix_seconds, ".", body)));
}

Webhooks::Webhooks(Store* store, std::shared_ptr<const SecretBox> box, Clock clock)
    : store_(store), box_(std::move(box)), clock_(std::move(clock)) {}

absl::StatusOr<v1::AddWebhookResponse> Webhooks::Add(absl::string_view actor,
                                                     const v1::AddWebhookRequest& r) {
  const v1::Webhook& in = r.webhook();
  BESTAND_ASSIGN_OR_RETURN(std::string hint, CheckWebhookUrl(in.url()));
  WebhookRecord record;
  record.url_hint = hint;
  if (!in.language().empty()) {
    Lang lang;
    if (in.language().size() != 2 || !ParseLang(in.language(), &lang)) {
      return FieldError(absl::StatusCode::kInvalidArgument, "webhook.language",
                        absl::StrCat("'", in.language(), "' is not de or en"));
    }
    record.language = absl::AsciiStrToLower(in.language());
  }
  for (int rule : in.rules()) {
    if (rule == v1::NOTIFICATION_RULE_UNSPECIFIED || rule == v1::TEST ||
        !v1::NotificationRule_IsValid(rule)) {
      return FieldError(absl::StatusCode::kInvalidArgument, "webhook.rules",
                        absl::StrCat(rule, " is not a rule a webhook can follow"));
    }
    if (std::find(record.rules.begin(), record.rules.end(), rule) == record.rules.end()) {
      record.rules.push_back(rule);
    }
  }
  v1::AddWebhookResponse out;
  std::string secret = r.secret();
  if (secret.empty()) {
    BESTAND_ASSIGN_OR_RETURN(secret, RandomToken(32));
    out.set_secret(secret);
  } else if (secret.size() < kMinSecretBytes || secret.size() > kMaxSecretBytes) {
    return FieldError(absl::StatusCode::kInvalidArgument, "secret",
                      absl::StrCat(secret.size(), " bytes; a signing secret has ", kMinSecretBytes,
                                   " to ", kMaxSecretBytes));
  }
  BESTAND_ASSIGN_OR_RETURN(record.url_sealed, box_->Seal(in.url(), kUrlContext));
  BESTAND_ASSIGN_OR_RETURN(record.secret_sealed, box_->Seal(secret, kSecretContext));
  record.create_micros = absl::ToUnixMicros(clock_());
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(std::vector<WebhookRecord> existing, tx->ListWebhooks());
  if (static_cast<int>(existing.size()) >= kMaxWebhooks) {
    return absl::FailedPreconditionError(
        absl::StrCat("there are ", existing.size(), " webhooks already; at most ", kMaxWebhooks));
  }
  BESTAND_ASSIGN_OR_RETURN(record.id, tx->InsertWebhook(record));
  *out.mutable_webhook() = WebhookFromRecord(record);
  BESTAND_RETURN_IF_ERROR(
      RecordAudit(*tx, actor, "create", out.webhook().name(), "", WebhookAuditJson(record)));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  return out;
}

absl::StatusOr<v1::ListWebhooksResponse> Webhooks::List() const {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(std::vector<WebhookRecord> records, tx->ListWebhooks());
  v1::ListWebhooksResponse out;
  for (const WebhookRecord& r : records) *out.add_webhooks() = WebhookFromRecord(r);
  return out;
}

absl::StatusOr<WebhookRecord> Webhooks::Active(ReadTx& tx, absl::string_view name) const {
  absl::string_view rest = name;
  int64_t id = 0;
  if (!absl::ConsumePrefix(&rest, kWebhookPrefix) || !absl::SimpleAtoi(rest, &id)) {
    return absl::InvalidArgumentError(absl::StrCat("'", name, "' is not a webhook's name"));
  }
  BESTAND_ASSIGN_OR_RETURN(std::optional<WebhookRecord> r, tx.GetWebhook(id));
  if (!r || r->remove_micros != 0) {
    return absl::NotFoundError(absl::StrCat("no webhook ", name));
  }
  return *std::move(r);
}

absl::Status Webhooks::Remove(absl::string_view actor, const v1::RemoveWebhookRequest& r) {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  absl::StatusOr<WebhookRecord> hook = Active(*tx, r.name());
  if (!hook.ok()) return FieldError(hook.status().code(), "name", hook.status().message());
  BESTAND_ASSIGN_OR_RETURN(bool removed, tx->RemoveWebhook(hook->id, absl::ToUnixMicros(clock_())));
  if (!removed) return absl::NotFoundError(absl::StrCat("no webhook ", r.name()));
  BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, actor, "delete", r.name(), WebhookAuditJson(*hook), ""));
  return tx->Commit();
}

std::vector<Channel> Webhooks::ChannelsOf(const std::vector<WebhookRecord>& records,
                                          Lang fallback) {
  std::vector<Channel> out;
  for (const WebhookRecord& r : records) {
    Lang lang = fallback;
    if (!r.language.empty()) ParseLang(r.language, &lang);
    out.push_back({absl::StrCat(kWebhookPrefix, r.id), lang, r.rules});
  }
  return out;
}

absl::StatusOr<ChatPost> Webhooks::Compose(const OutboxRecord& m, absl::Time now) const {
  WebhookRecord hook;
  {
    BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
    BESTAND_ASSIGN_OR_RETURN(hook, Active(*tx, m.recipient));
  }
  ChatPost post;
  BESTAND_ASSIGN_OR_RETURN(post.url, box_->Open(hook.url_sealed, kUrlContext));
  BESTAND_ASSIGN_OR_RETURN(std::string secret, box_->Open(hook.secret_sealed, kSecretContext));
  google::protobuf::Struct message;
  (*message.mutable_fields())["text"].set_string_value(
      Cut(absl::StrCat(m.subject, "\n\n", m.body_text), kMaxTextBytes));
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(message, &post.body, options).ok()) {
    return absl::InternalError("writing the webhook's JSON failed");
  }
  const int64_t seconds = absl::ToUnixSeconds(now);
  post.headers.push_back(absl::StrCat("X-Bestand-Timestamp: ", seconds));
  post.headers.push_back(
      absl::StrCat("X-Bestand-Signature: ", WebhookSignature(secret, seconds, post.body)));
  post.headers.push_back(absl::StrCat("X-Bestand-Delivery: ", m.message_id));
  return post;
}

}  // namespace bestand
