#include "server/core/notify/calendar.h"

#include <libical/ical.h>

#include <algorithm>
#include <map>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/workflow.pb.h"
#include "common/crypto.h"
#include "common/i18n/catalog.h"
#include "common/i18n/task_titles.h"
#include "common/status_macros.h"
#include "server/core/audit.h"
#include "server/core/audited_state.h"
#include "server/core/inventory.h"
#include "server/core/notify/notify_settings.h"
#include "server/core/reports.h"
#include "server/core/reports_internal.h"

namespace bestand {
namespace {

// Bytes of randomness in a link's secret.
constexpr size_t kSecretBytes = 32;

struct CalendarDeleter {
  void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};

icaltimetype IcalDate(absl::CivilDay day) {
  icaltimetype t = icaltime_null_date();
  t.year = static_cast<int>(day.year());
  t.month = day.month();
  t.day = day.day();
  return t;
}

// A whole-day event with an alarm `alarm_days` before it.
void AddEvent(icalcomponent* cal, const std::string& uid, absl::CivilDay day,
              const std::string& summary, const std::string& description, int alarm_days,
              absl::Time now) {
  icalcomponent* ev = icalcomponent_new_vevent();
  icalcomponent_add_property(ev, icalproperty_new_uid(uid.c_str()));
  icalcomponent_add_property(ev, icalproperty_new_dtstamp(icaltime_from_timet_with_zone(
                                     absl::ToTimeT(now), 0, icaltimezone_get_utc_timezone())));
  icalcomponent_add_property(ev, icalproperty_new_dtstart(IcalDate(day)));
  icalcomponent_add_property(ev, icalproperty_new_dtend(IcalDate(day + 1)));
  icalcomponent_add_property(ev, icalproperty_new_summary(summary.c_str()));
  if (!description.empty()) {
    icalcomponent_add_property(ev, icalproperty_new_description(description.c_str()));
  }
  icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));
  icalcomponent* alarm = icalcomponent_new_valarm();
  icalcomponent_add_property(alarm, icalproperty_new_action(ICAL_ACTION_DISPLAY));
  icalcomponent_add_property(
      alarm, icalproperty_new_trigger(icaltriggertype_from_int(-alarm_days * 86400)));
  icalcomponent_add_property(alarm, icalproperty_new_description(summary.c_str()));
  icalcomponent_add_component(ev, alarm);
  icalcomponent_add_component(cal, ev);
}

// What people call the resources a task names, read once each.
class TxLabels {
 public:
  explicit TxLabels(ReadTx& tx) : tx_(tx) {}
  std::string operator()(Kind kind, const std::string& name) {
    if (name.empty()) return "";
    auto it = cache_.find(name);
    if (it != cache_.end()) return it->second;
    std::unique_ptr<google::protobuf::Message> m = NewResource(Spec(kind));
    std::string label;
    absl::StatusOr<bool> found = tx_.Get(kind, IdOf(name), m.get());
    if (found.ok() && *found) {
      const auto* d = m->GetDescriptor();
      for (const char* field : {"display_name", "username", "role", "asset_tag", "hostname"}) {
        const auto* f = d->FindFieldByName(field);
        if (f && f->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
            !m->GetReflection()->GetString(*m, f).empty()) {
          label = m->GetReflection()->GetString(*m, f);
          break;
        }
      }
    }
    return cache_[name] = label;
  }

 private:
  ReadTx& tx_;
  std::map<std::string, std::string> cache_;
};

}  // namespace

void Calendars::SetFeedUrl(std::string base) {
  absl::MutexLock lock(&mu_);
  feed_url_ = std::move(base);
}

absl::StatusOr<v1::CalendarLink> Calendars::CreateLink(absl::string_view actor,
                                                       const v1::CreateCalendarLinkRequest& r) {
  std::string base;
  {
    absl::MutexLock lock(&mu_);
    base = feed_url_;
  }
  if (base.empty()) {
    return absl::FailedPreconditionError(
        "calendar feeds are served by the web interface: start the server with --web-listen");
  }
  BESTAND_ASSIGN_OR_RETURN(std::string secret, RandomToken(kSecretBytes));
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  absl::StatusOr<int64_t> person = ResolveName(*tx, Kind::kPerson, r.person());
  if (!person.ok()) return FieldError(person.status().code(), "person", person.status().message());
  CalendarLinkRecord link;
  link.person_id = *person;
  link.secret_sha256 = Sha256Hex(secret);
  link.create_micros = absl::ToUnixMicros(clock_());
  BESTAND_ASSIGN_OR_RETURN(link.id, tx->InsertCalendarLink(link));
  BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, actor, "calendar-link", CalendarLinkName(link.id), "",
                                      CalendarLinkAuditJson(link)));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  v1::CalendarLink out;
  out.set_person(absl::StrCat("people/", *person));
  out.set_url(absl::StrCat(base, "/calendar/", secret, ".ics"));
  *out.mutable_create_time() = FromMicros(link.create_micros);
  return out;
}

absl::StatusOr<v1::RevokeCalendarLinksResponse> Calendars::RevokeLinks(
    absl::string_view actor, const v1::RevokeCalendarLinksRequest& r) {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  absl::StatusOr<int64_t> person = ResolveName(*tx, Kind::kPerson, r.person());
  if (!person.ok()) return FieldError(person.status().code(), "person", person.status().message());
  BESTAND_ASSIGN_OR_RETURN(std::vector<CalendarLinkRecord> links, tx->ListCalendarLinks(*person));
  BESTAND_ASSIGN_OR_RETURN(int revoked,
                           tx->RevokeCalendarLinks(*person, absl::ToUnixMicros(clock_())));
  v1::RevokeCalendarLinksResponse out;
  out.set_revoked(revoked);
  if (revoked == 0) return out;
  for (const CalendarLinkRecord& l : links) {
    if (l.revoke_micros != 0) continue;
    BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, actor, "calendar-revoke", CalendarLinkName(l.id),
                                        CalendarLinkAuditJson(l), ""));
  }
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  return out;
}

absl::StatusOr<std::string> Calendars::Feed(absl::string_view secret) const {
  const absl::Status unknown = absl::NotFoundError("no such calendar");
  if (secret.empty() || secret.size() > 100) return unknown;
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(std::optional<CalendarLinkRecord> link,
                           tx->FindCalendarLink(Sha256Hex(secret)));
  if (!link || link->revoke_micros != 0) return unknown;
  v1::Person person;
  BESTAND_ASSIGN_OR_RETURN(bool found, tx->Get(Kind::kPerson, link->person_id, &person));
  if (!found || person.status() == v1::Person::LEFT) return unknown;
  BESTAND_ASSIGN_OR_RETURN(v1::NotificationSettings settings, LoadNotifySettings(*tx));
  const NotifyPolicy policy(settings);
  const bool coordinator =
      std::find(settings.coordinator_emails().begin(), settings.coordinator_emails().end(),
                person.email()) != settings.coordinator_emails().end();
  Lang lang = policy.lang;
  if (!person.language().empty()) ParseLang(person.language(), &lang);
  const Messages m(lang);
  const absl::Time now = clock_();
  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());

  std::unique_ptr<icalcomponent, CalendarDeleter> cal(icalcomponent_new_vcalendar());
  icalcomponent_add_property(cal.get(), icalproperty_new_version("2.0"));
  icalcomponent_add_property(cal.get(), icalproperty_new_prodid("-//Bestand//Bestand//DE"));
  icalcomponent_add_property(cal.get(), icalproperty_new_calscale("GREGORIAN"));
  icalcomponent_add_property(cal.get(), icalproperty_new_method(ICAL_METHOD_PUBLISH));
  icalproperty* title =
      icalproperty_new_x(m.Format("cal_name", {{"name", person.display_name()}}).c_str());
  icalproperty_set_x_name(title, "X-WR-CALNAME");
  icalcomponent_add_property(cal.get(), title);

  const std::string self = absl::StrCat("people/", link->person_id);
  BESTAND_RETURN_IF_ERROR(
      tx->List(Kind::kLicense, ListQuery(), [&](int64_t id, const google::protobuf::Message& msg) {
        const auto& l = static_cast<const v1::License&>(msg);
        if (!coordinator && l.owner() != self && l.deputy() != self) return absl::OkStatus();
        std::optional<Term> term = CurrentTerm(l, today);
        if (!term || term->end < today) return absl::OkStatus();
        const std::string license = l.display_name();
        if (l.auto_renew()) {
          const absl::CivilDay deadline = CancellationDeadline(term->end, l.notice_period_days());
          AddEvent(cal.get(), absl::StrCat("deadline-licenses-", id, "@bestand"), deadline,
                   m.Format("cal_deadline_summary", {{"license", license}}),
                   m.Format("cal_deadline_description",
                            {{"license", license}, {"renews", m.Date(term->end + 1)}}),
                   7, now);
          AddEvent(cal.get(), absl::StrCat("renewal-licenses-", id, "@bestand"), term->end + 1,
                   m.Format("cal_renewal_summary", {{"license", license}}), "", 1, now);
        } else {
          AddEvent(cal.get(), absl::StrCat("end-licenses-", id, "@bestand"), term->end,
                   m.Format("cal_end_summary", {{"license", license}}), "", 7, now);
        }
        return absl::OkStatus();
      }));
  if (coordinator) {
    std::vector<std::pair<int64_t, v1::Task>> tasks;
    ListQuery q;
    q.below.push_back({"status", int64_t{v1::Task::DONE}});
    BESTAND_RETURN_IF_ERROR(
        tx->List(Kind::kTask, q, [&](int64_t id, const google::protobuf::Message& msg) {
          const auto& t = static_cast<const v1::Task&>(msg);
          if (!t.due_date().empty()) tasks.emplace_back(id, t);
          return absl::OkStatus();
        }));
    std::stable_sort(tasks.begin(), tasks.end(), [](const auto& a, const auto& b) {
      return a.second.due_date() < b.second.due_date();
    });
    if (tasks.size() > static_cast<size_t>(kMaxFeedTasks)) tasks.resize(kMaxFeedTasks);
    TxLabels labels(*tx);
    const LabelOf label = [&](Kind kind, const std::string& name) { return labels(kind, name); };
    for (const auto& [id, t] : tasks) {
      absl::StatusOr<absl::CivilDay> due = ParseIsoDate(t.due_date());
      if (!due.ok()) continue;
      AddEvent(cal.get(), absl::StrCat("task-tasks-", id, "@bestand"), *due,
               m.Format("cal_task_summary", {{"title", TaskTitle(t, m, label)}}), "", 1, now);
    }
  }
  char* text = icalcomponent_as_ical_string_r(cal.get());
  if (text == nullptr) return absl::InternalError("libical could not write the calendar");
  std::string out(text);
  icalmemory_free_buffer(text);
  return out;
}

}  // namespace bestand
