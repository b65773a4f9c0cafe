// The notification rules (proto/bestand/v1/notify.proto, NotificationRule): what Bestand wants
// to tell whom on a given day, said in each recipient's language. Pure evaluation over one read
// of the store: nothing is queued or sent here (core/notify/notifier.h does that).
//
// Each notice has a key naming its rule, subject and occasion; a notice is wanted on every
// evaluation of the same day, so the outbox's (key, recipient) uniqueness is what sends it once.
// Lead times: of a deadline `d` days away only the nearest lead time L >= d is due, keyed by L,
// so each lead time fires once, on the day d == L, and a server that was down for a week sends
// the one reminder that is still current rather than every one it missed. Digests are keyed by
// their day, week (its Monday) or month: the first evaluation within it sends them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "bestand/v1/notify.pb.h"
#include "common/i18n/catalog.h"
#include "server/core/notify/notify_settings.h"
#include "server/core/notify/webhooks.h"
#include "server/storage/store.h"

namespace bestand {

struct Notice {
  // An address, or a webhook ("webhooks/3").
  v1::NotificationRule rule = v1::NOTIFICATION_RULE_UNSPECIFIED;
  std::string key;
  std::string recipient;
  Lang lang = Lang::kDe;
  std::string subject, text, html;
};

struct RuleContext {
  absl::CivilDay today;
  // Where the web interface is reached (links in mails); empty for none.
  std::string web_url;
  // The chat webhooks: each gets one notice per key of the rules it follows, the version
  // written for the coordinators (for licenses, the owners'), without a greeting.
  std::vector<Channel> channels;
  // When the server's certificate expires; unset when it serves without TLS.
  std::optional<absl::Time> server_cert_expiry;
};

// Every notice the enabled rules want sent on `ctx.today`, read in `tx`.
absl::StatusOr<std::vector<Notice>> EvaluateRules(ReadTx& tx, const NotifyPolicy& policy,
                                                  const RuleContext& ctx);

// The test message of `bestand notify test`.
Notice TestNotice(const std::string& recipient, Lang lang, absl::Time now);

}  // namespace bestand
