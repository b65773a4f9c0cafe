#include "client/notify_commands.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "bestand/v1/notify.pb.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "common/time.h"

namespace bestand {
namespace {

// "cancellation-deadline" for CANCELLATION_DEADLINE.
std::string RuleWord(v1::NotificationRule rule) {
  return absl::StrReplaceAll(absl::AsciiStrToLower(v1::NotificationRule_Name(rule)), {{"_", "-"}});
}

std::vector<v1::NotificationRule> Rules() {
  std::vector<v1::NotificationRule> out;
  for (int i = v1::NotificationRule_MIN; i <= v1::NotificationRule_MAX; ++i) {
    if (v1::NotificationRule_IsValid(i) && i != v1::NOTIFICATION_RULE_UNSPECIFIED &&
        i != v1::TEST) {
      out.push_back(static_cast<v1::NotificationRule>(i));
    }
  }
  return out;
}

absl::StatusOr<v1::NotificationRule> ParseRule(Context& c, absl::string_view word) {
  for (v1::NotificationRule r : Rules()) {
    if (RuleWord(r) == absl::AsciiStrToLower(word)) return r;
  }
  std::vector<std::string> words;
  for (v1::NotificationRule r : Rules()) words.push_back(RuleWord(r));
  return c.Usage(
      absl::StrCat("'", word, "' is not a rule; the rules are ", absl::StrJoin(words, ", ")));
}

std::vector<std::string> Items(absl::string_view list) {
  std::vector<std::string> out;
  for (absl::string_view item : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    out.emplace_back(absl::StripAsciiWhitespace(item));
  }
  return out;
}

absl::Status Days(Context& c, const std::string& flag, absl::string_view list,
                  google::protobuf::RepeatedField<int32_t>* out) {
  for (const std::string& item : Items(list)) {
    int32_t d;
    if (!absl::SimpleAtoi(item, &d)) {
      return c.Usage(absl::StrCat("--", flag, ": '", item, "' is not a number of days"));
    }
    out->Add(d);
  }
  return absl::OkStatus();
}

std::string DaysText(const google::protobuf::RepeatedField<int32_t>& days,
                     const std::vector<int>& defaults) {
  std::vector<int> d(days.begin(), days.end());
  if (d.empty()) d = defaults;
  std::sort(d.rbegin(), d.rend());
  return absl::StrCat(absl::StrJoin(d, ", "), days.empty() ? " (default)" : "");
}

void PrintRules(Context& c, const v1::NotificationSettings& s) {
  if (c.format() != Format::kTable) return c.One(s);
  auto on = [&](v1::NotificationRule r) {
    return std::find(s.disabled_rules().begin(), s.disabled_rules().end(), r) ==
                   s.disabled_rules().end()
               ? "on "
               : "off";
  };
  const std::string coordinators = s.coordinator_emails().empty()
                                       ? "(none: set --coordinators)"
                                       : absl::StrJoin(s.coordinator_emails(), ", ");
  std::ostream& out = c.out();
  out << "RULE                   ON   WHEN, TO WHOM\n";
  for (v1::NotificationRule r : Rules()) {
    std::string when;
    switch (r) {
      case v1::CANCELLATION_DEADLINE:
        when = absl::StrCat(DaysText(s.deadline_lead_days(), {90, 60, 30, 14, 7, 1}),
                            " days before a cancellation deadline; to the license's owner and "
                            "deputy (else the coordinators)");
        break;
      case v1::TERM_ENDING:
        when = absl::StrCat(DaysText(s.term_end_lead_days(), {30, 7}),
                            " days before a term without auto-renew ends; to owner and deputy");
        break;
      case v1::TASKS_DUE:
        when =
            "each morning, tasks due tomorrow and overdue; to each vendor's contact and the "
            "coordinators";
        break;
      case v1::LEAVER_OPEN_TASKS:
        when = "once when a leaver's last day has passed with tasks open; to the coordinators";
        break;
      case v1::STARTER_OPEN_TASKS:
        when = absl::StrCat("once when a starter begins within ",
                            s.starter_working_days() > 0 ? s.starter_working_days() : 3,
                            " working days with tasks open; to the coordinators");
        break;
      case v1::STALE_DEVICES:
        when = absl::StrCat("monthly, devices not seen for ",
                            s.stale_device_days() > 0 ? s.stale_device_days() : 30,
                            " days; to the coordinators");
        break;
      case v1::MANAGEMENT_DIGEST:
        when = absl::StrCat("monthly, spend, waste, savings and deadlines; to ",
                            s.management_emails().empty()
                                ? "nobody (set --management)"
                                : absl::StrJoin(s.management_emails(), ", "));
        break;
      case v1::RISKY_ACCESS:
        when = "weekly, the risky-access findings; to the coordinators";
        break;
      case v1::CERTIFICATE_EXPIRY:
        when = absl::StrCat(
            "30, 7 and 1 days before the server's certificate expires, weekly the agents' "
            "expiring within 30 days; to ",
            s.admin_emails().empty() ? "the coordinators (set --admins)"
                                     : absl::StrJoin(s.admin_emails(), ", "));
        break;
      default:
        break;
    }
    out << absl::StrCat(RuleWord(r),
                        std::string(23 - std::min<size_t>(22, RuleWord(r).size()), ' '), on(r),
                        "  ", when, "\n");
  }
  out << "\nmails go out from " << (s.has_send_hour() ? s.send_hour() : 7)
      << ":00 (Europe/Berlin), in " << (s.language().empty() ? "de" : s.language())
      << " unless the person or vendor has a language\ncoordinators: " << coordinators << "\n";
}

}  // namespace

absl::Status NotifyRules(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(v1::NotificationSettings s, c.client().GetNotificationSettings({}));
  PrintRules(c, s);
  return absl::OkStatus();
}

absl::Status NotifySet(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(Flags flags, c.CommandFlags());
  if (flags.empty()) return c.Usage("notify set needs a setting to change (see --help)");
  v1::UpdateNotificationSettingsRequest req;
  v1::NotificationSettings* s = req.mutable_settings();
  // --enable and --disable change the stored list, so start from it.
  BESTAND_ASSIGN_OR_RETURN(v1::NotificationSettings current,
                           c.client().GetNotificationSettings({}));
  std::vector<int> disabled(current.disabled_rules().begin(), current.disabled_rules().end());
  bool rules_changed = false;
  auto mask = [&](const char* field) { req.mutable_update_mask()->add_paths(field); };
  for (const auto& [flag, value] : flags) {
    if (flag == "deadline-days") {
      BESTAND_RETURN_IF_ERROR(Days(c, flag, value, s->mutable_deadline_lead_days()));
      mask("deadline_lead_days");
    } else if (flag == "term-end-days") {
      BESTAND_RETURN_IF_ERROR(Days(c, flag, value, s->mutable_term_end_lead_days()));
      mask("term_end_lead_days");
    } else if (flag == "starter-days" || flag == "send-hour" || flag == "stale-days") {
      int32_t n;
      if (!absl::SimpleAtoi(value, &n)) {
        return c.Usage(absl::StrCat("--", flag, ": '", value, "' is not a number"));
      }
      if (flag == "send-hour") {
        s->set_send_hour(n);
        mask("send_hour");
      } else if (flag == "stale-days") {
        s->set_stale_device_days(n);
        mask("stale_device_days");
      } else {
        s->set_starter_working_days(n);
        mask("starter_working_days");
      }
    } else if (flag == "coordinators") {
      for (const std::string& email : Items(value)) s->add_coordinator_emails(email);
      mask("coordinator_emails");
    } else if (flag == "management") {
      for (const std::string& email : Items(value)) s->add_management_emails(email);
      mask("management_emails");
    } else if (flag == "admins") {
      for (const std::string& email : Items(value)) s->add_admin_emails(email);
      mask("admin_emails");
    } else if (flag == "language") {
      s->set_language(value);
      mask("language");
    } else if (flag == "enable" || flag == "disable") {
      for (const std::string& word : Items(value)) {
        BESTAND_ASSIGN_OR_RETURN(v1::NotificationRule r, ParseRule(c, word));
        disabled.erase(std::remove(disabled.begin(), disabled.end(), r), disabled.end());
        if (flag == "disable") disabled.push_back(r);
      }
      rules_changed = true;
    }
  }
  if (rules_changed) {
    std::sort(disabled.begin(), disabled.end());
    for (int r : disabled) s->add_disabled_rules(static_cast<v1::NotificationRule>(r));
    mask("disabled_rules");
  }
  BESTAND_ASSIGN_OR_RETURN(v1::NotificationSettings after,
                           c.client().UpdateNotificationSettings(req));
  PrintRules(c, after);
  return absl::OkStatus();
}

absl::Status NotifyList(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(int64_t limit, c.Limit());
  if (limit == 0) limit = 100;
  v1::ListNotificationsRequest req;
  if (c.args().Has("state")) {
    const std::string state =
        absl::StrReplaceAll(absl::AsciiStrToUpper(c.args().Get("state")), {{"-", "_"}});
    v1::Notification::State parsed;
    if (!v1::Notification::State_Parse(state, &parsed) ||
        parsed == v1::Notification::STATE_UNSPECIFIED) {
      return c.Usage(absl::StrCat("--state: '", c.args().Get("state"),
                                  "' is not pending, sent, failed or dry-run"));
    }
    req.set_state(parsed);
  }
  google::protobuf::RepeatedPtrField<v1::Notification> all;
  while (all.size() < limit) {
    req.set_page_size(static_cast<int32_t>(std::min<int64_t>(1000, limit - all.size())));
    BESTAND_ASSIGN_OR_RETURN(v1::ListNotificationsResponse resp, c.client().ListNotifications(req));
    for (auto& n : *resp.mutable_notifications()) *all.Add() = std::move(n);
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  c.List(all, {"name", "state", "rule", "recipient", "subject", "attempts", "sent_time"});
  return absl::OkStatus();
}

absl::Status NotifyPreview(Context& c) {
  v1::PreviewNotificationsRequest req;
  if (c.args().Has("at")) {
    absl::StatusOr<absl::CivilDay> day = ParseIsoDate(c.args().Get("at"));
    if (!day.ok()) return c.Usage(absl::StrCat("--at: ", day.status().message()));
    // Noon in Germany falls on the same day in every time zone of the company's year.
    *req.mutable_time() = FromMicros(
        absl::ToUnixMicros(absl::FromCivil(absl::CivilHour(*day) + 11, absl::UTCTimeZone())));
  }
  BESTAND_ASSIGN_OR_RETURN(v1::PreviewNotificationsResponse resp,
                           c.client().PreviewNotifications(req));
  if (c.format() == Format::kJson) {
    c.One(resp);
    return absl::OkStatus();
  }
  c.List(resp.notifications(), {"rule", "recipient", "language", "subject", "key"});
  c.Footer(absl::StrCat(resp.notifications_size(), " notifications, ", resp.already_queued(),
                        " of them already queued"));
  return absl::OkStatus();
}

absl::Status NotifyTest(Context& c) {
  v1::SendTestNotificationRequest req;
  BESTAND_ASSIGN_OR_RETURN(std::string recipient,
                           c.Arg(2, "the address to send the test message to"));
  req.set_recipient(recipient);
  req.set_language(c.args().Get("language"));
  BESTAND_ASSIGN_OR_RETURN(v1::Notification n, c.client().SendTestNotification(req));
  c.One(n);
  return absl::OkStatus();
}

absl::Status WebhookAdd(Context& c) {
  v1::AddWebhookRequest req;
  BESTAND_ASSIGN_OR_RETURN(std::string url, c.Arg(3, "the webhook's URL"));
  req.mutable_webhook()->set_url(url);
  req.mutable_webhook()->set_language(c.args().Get("language"));
  for (const std::string& word : Items(c.args().Get("rules"))) {
    BESTAND_ASSIGN_OR_RETURN(v1::NotificationRule r, ParseRule(c, word));
    req.mutable_webhook()->add_rules(r);
  }
  if (c.args().Has("secret-file")) {
    absl::StatusOr<std::string> secret = ReadFileToString(c.args().Get("secret-file"));
    if (!secret.ok()) return c.Usage(absl::StrCat("--secret-file: ", secret.status().message()));
    req.set_secret(std::string(absl::StripAsciiWhitespace(*secret)));
  }
  BESTAND_ASSIGN_OR_RETURN(v1::AddWebhookResponse r, c.client().AddWebhook(req));
  if (c.format() != Format::kTable) {
    c.One(r);
    return absl::OkStatus();
  }
  c.out() << r.webhook().name() << "  " << r.webhook().url() << "\n";
  if (!r.secret().empty()) {
    c.out() << "signing secret: " << r.secret() << "\n";
    c.err() << "Shown only now. Receivers that check signatures compare X-Bestand-Signature with "
               "sha256=HMAC-SHA256(secret, X-Bestand-Timestamp + \".\" + body). 'bestand notify "
               "test "
            << r.webhook().name() << "' posts a test message.\n";
  }
  return absl::OkStatus();
}

absl::Status WebhookList(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(v1::ListWebhooksResponse r, c.client().ListWebhooks({}));
  c.List(r.webhooks(), {"name", "url", "language", "rules", "create_time"});
  return absl::OkStatus();
}

absl::Status WebhookRemove(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string name, c.Arg(3, "the webhook (webhooks/N)"));
  if (!absl::StartsWith(name, "webhooks/")) name = absl::StrCat("webhooks/", name);
  v1::RemoveWebhookRequest req;
  req.set_name(name);
  BESTAND_RETURN_IF_ERROR(c.client().RemoveWebhook(req));
  c.Confirm({{"removed", name}}, absl::StrCat("Removed ", name));
  return absl::OkStatus();
}

absl::Status CalendarLink(Context& c) {
  v1::CreateCalendarLinkRequest req;
  BESTAND_ASSIGN_OR_RETURN(std::string person, c.Arg(2, "the person whose calendar it is"));
  req.set_person(person);
  BESTAND_ASSIGN_OR_RETURN(v1::CalendarLink link, c.client().CreateCalendarLink(req));
  if (c.format() != Format::kTable) {
    c.One(link);
  } else {
    c.out() << link.url() << "\n";
    c.err() << "Shown only now: whoever has this address reads the calendar. Subscribe to it in "
               "the calendar (Outlook: Add calendar, From the internet); 'bestand calendar "
               "revoke "
            << person << "' ends it.\n";
  }
  return absl::OkStatus();
}

absl::Status CalendarRevoke(Context& c) {
  v1::RevokeCalendarLinksRequest req;
  BESTAND_ASSIGN_OR_RETURN(std::string person, c.Arg(2, "the person whose links to revoke"));
  req.set_person(person);
  BESTAND_ASSIGN_OR_RETURN(v1::RevokeCalendarLinksResponse r, c.client().RevokeCalendarLinks(req));
  c.Confirm({{"revoked", std::to_string(r.revoked())}},
            absl::StrCat("Revoked ", r.revoked(), " calendar link(s) of ", person));
  return absl::OkStatus();
}

}  // namespace bestand
