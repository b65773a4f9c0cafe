#include "server/core/notify/rules.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "bestand/v1/workflow.pb.h"
#include "common/i18n/report_texts.h"
#include "common/i18n/task_titles.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "common/time.h"
#include "server/core/fleet.h"
#include "server/core/holidays.h"
#include "server/core/inventory.h"
#include "server/core/notify/mail_content.h"
#include "server/core/reports.h"
#include "server/core/reports_internal.h"
#include "server/core/settings.h"
#include "server/core/workflow.h"

namespace bestand {
namespace {

// Lines of one list in a mail; the rest is counted ("… and 12 more").
constexpr int kMaxLines = 50;

// One catalog per language, made when first needed.
class Catalogs {
 public:
  const Messages& Of(Lang lang) {
    std::unique_ptr<Messages>& m = lang == Lang::kDe ? de_ : en_;
    if (!m) m = std::make_unique<Messages>(lang);
    return *m;
  }

 private:
  std::unique_ptr<Messages> de_, en_;
};

struct Recipient {
  std::string email;  // or a webhook's name
  Lang lang;
  std::string name;      // for the greeting; may be empty
  bool channel = false;  // a webhook: no greeting, its own footer
};

Lang LangOr(const std::string& code, Lang fallback) {
  Lang lang;
  return !code.empty() && ParseLang(code, &lang) ? lang : fallback;
}

// The whole evaluation: the company read once, with who is who.
class Evaluation {
 public:
  Evaluation(ReadTx& tx, const NotifyPolicy& policy, const RuleContext& ctx, Company company)
      : tx_(tx), policy_(policy), ctx_(ctx), c_(std::move(company)) {
    for (const auto& [id, p] : c_.people) by_email_[p.email()] = &p;
  }

  absl::Status Licenses(std::vector<Notice>* out);
  absl::Status Tasks(std::vector<Notice>* out);
  absl::Status Cases(std::vector<Notice>* out);
  absl::Status StaleDevices(std::vector<Notice>* out);
  absl::Status Management(std::vector<Notice>* out);
  absl::Status RiskyAccess(std::vector<Notice>* out);
  absl::Status Certificates(std::vector<Notice>* out);

 private:
  // `base` and the webhooks that follow `rule`.
  std::vector<Recipient> With(v1::NotificationRule rule, std::vector<Recipient> base) const {
    for (const Channel& c : ctx_.channels) {
      if (c.Follows(rule)) base.push_back({c.recipient, c.lang, "", true});
    }
    return base;
  }
  // Who hears about certificates: the admins, else the coordinators.
  std::vector<Recipient> Admins() const {
    return policy_.settings.admin_emails().empty() ? Coordinators()
                                                   : Addresses(policy_.settings.admin_emails());
  }
  std::optional<Recipient> PersonRecipient(const std::string& name) const {
    auto it = c_.people.find(IdOf(name));
    if (name.empty() || it == c_.people.end() || it->second.email().empty()) return std::nullopt;
    if (it->second.status() == v1::Person::LEFT) return std::nullopt;
    return Recipient{it->second.email(), LangOr(it->second.language(), policy_.lang),
                     it->second.display_name()};
  }
  std::vector<Recipient> Coordinators() const {
    return Addresses(policy_.settings.coordinator_emails());
  }
  // Each of `emails`, in its person's language when it is a person's.
  std::vector<Recipient> Addresses(
      const google::protobuf::RepeatedPtrField<std::string>& emails) const {
    std::vector<Recipient> out;
    for (const std::string& email : emails) {
      auto it = by_email_.find(email);
      if (it != by_email_.end()) {
        out.push_back(
            {email, LangOr(it->second->language(), policy_.lang), it->second->display_name()});
      } else {
        out.push_back({email, policy_.lang, ""});
      }
    }
    return out;
  }
  // The license's owner and deputy; the coordinators when it has neither.
  std::vector<Recipient> Owners(const v1::License& l) const {
    std::vector<Recipient> out;
    for (const std::string* who : {&l.owner(), &l.deputy()}) {
      std::optional<Recipient> r = PersonRecipient(*who);
      if (r && (out.empty() || out[0].email != r->email)) out.push_back(*r);
    }
    return out.empty() ? Coordinators() : out;
  }
  std::string Label(Kind kind, const std::string& name) {
    if (name.empty()) return "";
    const int64_t id = IdOf(name);
    switch (kind) {
      case Kind::kPerson: {
        auto it = c_.people.find(id);
        return it == c_.people.end() ? "" : it->second.display_name();
      }
      case Kind::kApplication: {
        auto it = c_.apps.find(id);
        return it == c_.apps.end() ? "" : it->second.display_name();
      }
      case Kind::kVendor: {
        auto it = c_.vendors.find(id);
        return it == c_.vendors.end() ? "" : it->second.display_name();
      }
      case Kind::kLicense:
        for (const v1::License& l : c_.licenses) {
          if (l.name() == name) return l.display_name();
        }
        return "";
      case Kind::kDevice: {
        auto it = c_.devices.find(id);
        if (it == c_.devices.end()) return "";
        const v1::Device& d = it->second;
        std::string label = !d.asset_tag().empty()  ? d.asset_tag()
                            : !d.hostname().empty() ? d.hostname()
                                                    : name;
        if (!d.model().empty()) absl::StrAppend(&label, " (", d.model(), ")");
        return label;
      }
      case Kind::kAccount: {
        v1::Account a;
        absl::StatusOr<bool> found = tx_.Get(kind, id, &a);
        return found.ok() && *found ? a.username() : "";
      }
      case Kind::kAccessGrant: {
        v1::AccessGrant g;
        absl::StatusOr<bool> found = tx_.Get(kind, id, &g);
        return found.ok() && *found ? g.role() : "";
      }
      default:
        return "";
    }
  }
  std::string Greeting(const Messages& m, const Recipient& r) const {
    if (r.channel) return "";
    return r.name.empty() ? m.Text("mail_greeting_plain")
                          : m.Format("mail_greeting", {{"name", r.name}});
  }
  std::string TaskLine(const Messages& m, const v1::Task& t) {
    LabelOf label = [this](Kind kind, const std::string& name) { return Label(kind, name); };
    return m.Format("mail_task_line",
                    {{"title", TaskTitle(t, m, label)}, {"due", DateText(m, t.due_date())}});
  }
  // At most kMaxLines of `tasks`, then how many more there are.
  std::vector<std::string> TaskLines(const Messages& m, const std::vector<const v1::Task*>& tasks) {
    std::vector<std::string> lines;
    for (const v1::Task* t : tasks) {
      if (static_cast<int>(lines.size()) == kMaxLines) {
        lines.push_back(
            m.Format("mail_more", {{"count", static_cast<int64_t>(tasks.size()) - kMaxLines}}));
        break;
      }
      lines.push_back(TaskLine(m, *t));
    }
    return lines;
  }
  std::string TasksLink() const { return ctx_.web_url.empty() ? "" : ctx_.web_url + "/tasks"; }
  void Add(v1::NotificationRule rule, std::string key, const Recipient& r,
           const MailContent& content, std::vector<Notice>* out) {
    Notice& n = out->emplace_back();
    n.rule = rule;
    n.key = std::move(key);
    n.recipient = r.email;
    n.lang = r.lang;
    n.subject = content.subject;
    if (r.channel) {
      MailContent c = content;
      c.footer = catalogs_.Of(r.lang).Text("mail_reason_webhook");
      n.text = MailText(c);
    } else {
      n.text = MailText(content);
      n.html = MailHtml(content, std::string(LangCode(r.lang)));
    }
  }
  // The nearest lead time at or beyond `days`; nullopt when `days` is beyond them all or past.
  static std::optional<int> LeadFor(const std::vector<int>& leads_descending, int64_t days) {
    std::optional<int> lead;
    if (days < 0) return lead;
    for (int l : leads_descending) {
      if (l >= days) lead = l;
    }
    return lead;
  }
  absl::Status OpenTasksOf(const std::string& case_name, std::vector<v1::Task>* out) {
    ListQuery q;
    q.equals.push_back({"parent", IdOf(case_name)});
    q.below.push_back({"status", int64_t{v1::Task::DONE}});
    return tx_.List(Kind::kTask, q, [&](int64_t, const google::protobuf::Message& m) {
      out->push_back(static_cast<const v1::Task&>(m));
      return absl::OkStatus();
    });
  }

  ReadTx& tx_;
  const NotifyPolicy& policy_;
  const RuleContext& ctx_;
  Company c_;
  std::map<std::string, const v1::Person*> by_email_;
  Catalogs catalogs_;
};

absl::Status Evaluation::Licenses(std::vector<Notice>* out) {
  const bool deadlines = policy_.Enabled(v1::CANCELLATION_DEADLINE);
  const bool terms = policy_.Enabled(v1::TERM_ENDING);
  if (!deadlines && !terms) return absl::OkStatus();
  BESTAND_ASSIGN_OR_RETURN(v1::LicenseReport usage, LicensesOf(c_, ctx_.today, 90));
  std::map<std::string, const v1::LicenseUsage*> usage_of;
  for (const v1::LicenseUsage& u : usage.licenses()) usage_of[u.license()] = &u;
  for (const v1::License& l : c_.licenses) {
    std::optional<Term> term = CurrentTerm(l, ctx_.today);
    if (!term || term->end < ctx_.today) continue;
    const absl::CivilDay deadline = CancellationDeadline(term->end, l.notice_period_days());
    const bool renews = l.auto_renew();
    const int64_t days = renews ? deadline - ctx_.today : term->end - ctx_.today;
    std::optional<int> lead =
        LeadFor(renews ? policy_.deadline_lead_days : policy_.term_end_lead_days, days);
    if (!lead || !(renews ? deadlines : terms)) continue;
    const std::string key =
        renews ? absl::StrCat(l.name(), "/deadline/", FormatIsoDate(deadline), "/", *lead)
               : absl::StrCat(l.name(), "/term-end/", FormatIsoDate(term->end), "/", *lead);
    const v1::LicenseUsage* u = usage_of.count(l.name()) ? usage_of[l.name()] : nullptr;
    for (const Recipient& r :
         With(renews ? v1::CANCELLATION_DEADLINE : v1::TERM_ENDING, Owners(l))) {
      const Messages& m = catalogs_.Of(r.lang);
      MailContent mail;
      mail.greeting = Greeting(m, r);
      const std::vector<MessageArg> when = {{"license", l.display_name()},
                                            {"date", m.Date(renews ? deadline : term->end)},
                                            {"days", days}};
      if (renews) {
        mail.subject = m.Format("mail_deadline_subject", when);
        mail.paragraphs.push_back(
            m.Format("mail_deadline_intro", {{"license", l.display_name()},
                                             {"renews", m.Date(term->end + 1)},
                                             {"deadline", m.Date(deadline)}}));
      } else {
        mail.subject = m.Format("mail_term_subject", when);
        mail.paragraphs.push_back(m.Format(
            "mail_term_intro", {{"license", l.display_name()}, {"end", m.Date(term->end)}}));
      }
      if (u) {
        const std::string cost = m.Money(u->annual_cost_minor(), u->currency());
        mail.paragraphs.push_back(m.Format("mail_annual_cost", {{"cost", cost}}));
        mail.paragraphs.push_back(
            u->unlimited() ? m.Format("mail_seats_unlimited", {{"assigned", int64_t{u->assigned()}},
                                                               {"active", int64_t{u->active()}},
                                                               {"idle", int64_t{u->idle()}}})
                           : m.Format("mail_seats", {{"seats", int64_t{u->seats()}},
                                                     {"assigned", int64_t{u->assigned()}},
                                                     {"active", int64_t{u->active()}},
                                                     {"idle", int64_t{u->idle()}},
                                                     {"unassigned", int64_t{u->unassigned()}}}));
        bool act = false;
        mail.paragraphs.push_back(
            m.Format("mail_recommendation", {{"recommendation", RecommendationText(m, *u, &act)}}));
        if (!u->reclaimable().empty()) {
          MailSection& s = mail.sections.emplace_back();
          s.heading = m.Text("mail_reclaimable");
          for (const std::string& line : u->reclaimable()) {
            if (static_cast<int>(s.lines.size()) == kMaxLines) {
              s.lines.push_back(
                  m.Format("mail_more", {{"count", int64_t{u->reclaimable_size() - kMaxLines}}}));
              break;
            }
            s.lines.push_back(line);
          }
        }
      }
      if (!ctx_.web_url.empty()) mail.link = ctx_.web_url + "/renewals";
      mail.footer = m.Text("mail_reason_owner");
      Add(renews ? v1::CANCELLATION_DEADLINE : v1::TERM_ENDING, key, r, mail, out);
    }
  }
  return absl::OkStatus();
}

absl::Status Evaluation::Tasks(std::vector<Notice>* out) {
  if (!policy_.Enabled(v1::TASKS_DUE)) return absl::OkStatus();
  const std::string today = FormatIsoDate(ctx_.today);
  // Open tasks due tomorrow or before, soonest first.
  std::vector<v1::Task> tasks;
  ListQuery q;
  q.below.push_back({"status", int64_t{v1::Task::DONE}});
  q.below.push_back({"due_date", FormatIsoDate(ctx_.today + 2)});
  BESTAND_RETURN_IF_ERROR(
      tx_.List(Kind::kTask, q, [&](int64_t, const google::protobuf::Message& m) {
        const auto& t = static_cast<const v1::Task&>(m);
        if (!t.due_date().empty() && t.due_date() != today) tasks.push_back(t);
        return absl::OkStatus();
      }));
  // Sorted by pointer: moving the messages themselves costs more than reading them.
  std::vector<const v1::Task*> all;
  all.reserve(tasks.size());
  for (const v1::Task& t : tasks) all.push_back(&t);
  std::stable_sort(all.begin(), all.end(), [](const v1::Task* a, const v1::Task* b) {
    return a->due_date() < b->due_date();
  });
  // Tasks due today were in yesterday's mail as due tomorrow; tomorrow's mail has them overdue.
  auto digest = [&](const Recipient& r, const std::string& key, const std::string& vendor,
                    const std::vector<const v1::Task*>& list) {
    std::vector<const v1::Task*> overdue, due;
    for (const v1::Task* t : list) (t->due_date() < today ? overdue : due).push_back(t);
    const Messages& m = catalogs_.Of(r.lang);
    MailContent mail;
    mail.subject = m.Format("mail_tasks_subject", {{"count", static_cast<int64_t>(list.size())},
                                                   {"date", m.Date(ctx_.today)}});
    mail.greeting = Greeting(m, r);
    mail.paragraphs.push_back(vendor.empty()
                                  ? m.Text("mail_tasks_intro")
                                  : m.Format("mail_tasks_intro_vendor", {{"vendor", vendor}}));
    if (!overdue.empty()) {
      mail.sections.push_back({m.Text("mail_tasks_overdue"), TaskLines(m, overdue)});
    }
    if (!due.empty())
      mail.sections.push_back({m.Text("mail_tasks_due_tomorrow"), TaskLines(m, due)});
    mail.link = TasksLink();
    mail.footer = vendor.empty() ? m.Text("mail_reason_coordinator")
                                 : m.Format("mail_reason_vendor", {{"vendor", vendor}});
    Add(v1::TASKS_DUE, key, r, mail, out);
  };
  std::map<std::string, std::vector<const v1::Task*>> by_vendor;
  for (const v1::Task* t : all) {
    if (!t->vendor().empty()) by_vendor[t->vendor()].push_back(t);
  }
  for (const auto& [vendor, list] : by_vendor) {
    auto it = c_.vendors.find(IdOf(vendor));
    if (it == c_.vendors.end() || !IsEmailAddress(it->second.contact_email())) continue;
    const Recipient r{it->second.contact_email(), LangOr(it->second.language(), policy_.lang),
                      it->second.contact_name()};
    digest(r, absl::StrCat(vendor, "/tasks-due/", today), it->second.display_name(), list);
  }
  if (!all.empty()) {
    for (const Recipient& r : With(v1::TASKS_DUE, Coordinators())) {
      digest(r, absl::StrCat("tasks-due/", today), "", all);
    }
  }
  return absl::OkStatus();
}

absl::Status Evaluation::Cases(std::vector<Notice>* out) {
  const bool leavers = policy_.Enabled(v1::LEAVER_OPEN_TASKS);
  const bool starters = policy_.Enabled(v1::STARTER_OPEN_TASKS);
  if (!leavers && !starters) return absl::OkStatus();
  BESTAND_ASSIGN_OR_RETURN(HolidayCalendar calendar, LoadHolidayCalendar(tx_));
  std::vector<v1::Case> cases;
  ListQuery q;
  q.equals.push_back({"status", int64_t{v1::Case::OPEN}});
  BESTAND_RETURN_IF_ERROR(
      tx_.List(Kind::kCase, q, [&](int64_t, const google::protobuf::Message& m) {
        cases.push_back(static_cast<const v1::Case&>(m));
        return absl::OkStatus();
      }));
  for (const v1::Case& k : cases) {
    absl::StatusOr<absl::CivilDay> day = ParseIsoDate(k.effective_date());
    if (!day.ok()) continue;
    const bool leaver = k.kind() == v1::Case::OFFBOARDING;
    if (leaver ? !(leavers && *day < ctx_.today)
               : !(starters && k.kind() == v1::Case::ONBOARDING && *day > ctx_.today &&
                   *day <=
                       calendar.AddWorkingDays(ctx_.today + 1, policy_.starter_working_days - 1))) {
      continue;
    }
    std::vector<v1::Task> open;
    BESTAND_RETURN_IF_ERROR(OpenTasksOf(k.name(), &open));
    if (open.empty()) continue;
    std::vector<const v1::Task*> list;
    for (const v1::Task& t : open) list.push_back(&t);
    const std::string person = Label(Kind::kPerson, k.person());
    for (const Recipient& r :
         With(leaver ? v1::LEAVER_OPEN_TASKS : v1::STARTER_OPEN_TASKS, Coordinators())) {
      const Messages& m = catalogs_.Of(r.lang);
      const std::vector<MessageArg> args = {
          {"person", person}, {"date", m.Date(*day)}, {"count", static_cast<int64_t>(open.size())}};
      MailContent mail;
      mail.subject = m.Format(leaver ? "mail_leaver_subject" : "mail_starter_subject", args);
      mail.greeting = Greeting(m, r);
      mail.paragraphs.push_back(
          m.Format(leaver ? "mail_leaver_intro" : "mail_starter_intro", args));
      mail.sections.push_back({"", TaskLines(m, list)});
      mail.link = TasksLink();
      mail.footer = m.Text("mail_reason_coordinator");
      Add(leaver ? v1::LEAVER_OPEN_TASKS : v1::STARTER_OPEN_TASKS,
          absl::StrCat(k.name(), leaver ? "/leaver-open" : "/starter-open"), r, mail, out);
    }
  }
  return absl::OkStatus();
}

absl::Status Evaluation::StaleDevices(std::vector<Notice>* out) {
  if (!policy_.Enabled(v1::STALE_DEVICES)) return absl::OkStatus();
  const absl::Time cutoff =
      absl::FromCivil(ctx_.today - policy_.stale_device_days, absl::UTCTimeZone());
  BESTAND_ASSIGN_OR_RETURN(v1::ListStaleDevicesResponse found,
                           StaleDevicesIn(tx_, absl::ToUnixMicros(cutoff), nullptr));
  std::vector<std::pair<int64_t, int64_t>> stale;  // (last seen, device id), oldest first
  for (const v1::StaleDevice& d : found.devices()) {
    stale.emplace_back(ToMicros(d.last_seen_time()), IdOf(d.device()));
  }
  if (stale.empty()) return absl::OkStatus();
  std::sort(stale.begin(), stale.end());
  const std::string key =
      absl::StrCat("stale-devices/", absl::FormatCivilTime(absl::CivilMonth(ctx_.today)));
  for (const Recipient& r : With(v1::STALE_DEVICES, Coordinators())) {
    const Messages& m = catalogs_.Of(r.lang);
    const int64_t days = policy_.stale_device_days;
    MailContent mail;
    mail.subject = m.Format("mail_stale_subject",
                            {{"count", static_cast<int64_t>(stale.size())}, {"days", days}});
    mail.greeting = Greeting(m, r);
    mail.paragraphs.push_back(m.Format("mail_stale_intro", {{"days", days}}));
    MailSection& s = mail.sections.emplace_back();
    for (const auto& [micros, id] : stale) {
      if (static_cast<int>(s.lines.size()) == kMaxLines) {
        s.lines.push_back(
            m.Format("mail_more", {{"count", static_cast<int64_t>(stale.size()) - kMaxLines}}));
        break;
      }
      const v1::Device& d = c_.devices.at(id);
      const std::string person = Label(Kind::kPerson, d.assignee());
      s.lines.push_back(m.Format(
          "mail_stale_line",
          {{"device", Label(Kind::kDevice, absl::StrCat("devices/", id))},
           {"person", person.empty() ? m.Text("none") : person},
           {"date", m.Date(absl::ToCivilDay(absl::FromUnixMicros(micros), absl::UTCTimeZone()))}}));
    }
    if (!ctx_.web_url.empty()) mail.link = ctx_.web_url + "/devices";
    mail.footer = m.Text("mail_reason_coordinator");
    Add(v1::STALE_DEVICES, key, r, mail, out);
  }
  return absl::OkStatus();
}

absl::Status Evaluation::Management(std::vector<Notice>* out) {
  const std::vector<Recipient> recipients =
      With(v1::MANAGEMENT_DIGEST, Addresses(policy_.settings.management_emails()));
  if (!policy_.Enabled(v1::MANAGEMENT_DIGEST) || recipients.empty()) return absl::OkStatus();
  BESTAND_ASSIGN_OR_RETURN(v1::SummaryReport summary, SummaryOf(c_, ctx_.today, 90, 90));
  const absl::CivilMonth month(ctx_.today);
  const std::string key = absl::StrCat("management/", absl::FormatCivilTime(month));
  for (const Recipient& r : recipients) {
    const Messages& m = catalogs_.Of(r.lang);
    MailContent mail;
    mail.subject = m.Format("mail_management_subject", {{"month", m.Month(month)}});
    mail.greeting = Greeting(m, r);
    mail.paragraphs.push_back(
        m.Format("mail_management_figures", {{"spend", TotalsText(m, summary.annual_spend())},
                                             {"waste", TotalsText(m, summary.annual_waste())},
                                             {"savings", TotalsText(m, summary.total_savings())}}));
    if (!summary.top_savings().empty()) {
      MailSection& s = mail.sections.emplace_back();
      s.heading = m.Text("mail_management_savings");
      for (const v1::Saving& saving : summary.top_savings())
        s.lines.push_back(SavingText(m, saving));
    }
    if (!summary.upcoming_deadlines().empty()) {
      MailSection& s = mail.sections.emplace_back();
      s.heading = m.Text("mail_management_deadlines");
      for (const v1::Renewal& renewal : summary.upcoming_deadlines()) {
        if (static_cast<int>(s.lines.size()) == kMaxLines) {
          s.lines.push_back(m.Format(
              "mail_more",
              {{"count", static_cast<int64_t>(summary.upcoming_deadlines_size()) - kMaxLines}}));
          break;
        }
        s.lines.push_back(
            m.Format("mail_deadline_line",
                     {{"license", renewal.display_name()},
                      {"date", DateText(m, renewal.cancellation_deadline())},
                      {"cost", m.Money(renewal.next_term_cost_minor(), renewal.currency())}}));
      }
    }
    if (!ctx_.web_url.empty()) mail.link = ctx_.web_url + "/";
    mail.footer = m.Text("mail_reason_management");
    Add(v1::MANAGEMENT_DIGEST, key, r, mail, out);
  }
  return absl::OkStatus();
}

absl::Status Evaluation::RiskyAccess(std::vector<Notice>* out) {
  if (!policy_.Enabled(v1::RISKY_ACCESS)) return absl::OkStatus();
  BESTAND_ASSIGN_OR_RETURN(v1::ListFindingsResponse findings, ListFindingsIn(tx_, ctx_.today));
  if (findings.findings().empty()) return absl::OkStatus();
  // One mail a week, keyed by the week's Monday.
  const absl::CivilDay monday = absl::PrevWeekday(ctx_.today + 1, absl::Weekday::monday);
  const std::string key = absl::StrCat("risky-access/", FormatIsoDate(monday));
  const FindingGroups by_kind = GroupByKind(findings);
  for (const Recipient& r : With(v1::RISKY_ACCESS, Coordinators())) {
    const Messages& m = catalogs_.Of(r.lang);
    MailContent mail;
    mail.subject = m.Format(
        "mail_risky_subject",
        {{"count", static_cast<int64_t>(findings.findings_size())}, {"date", m.Date(ctx_.today)}});
    mail.greeting = Greeting(m, r);
    mail.paragraphs.push_back(m.Text("mail_risky_intro"));
    for (const auto& [kind, list] : by_kind) {
      const std::string k = absl::StrReplaceAll(kind, {{" ", "_"}});
      MailSection& s = mail.sections.emplace_back();
      s.heading = absl::StrCat(m.Text("finding_" + k), " – ", m.Text("finding_hint_" + k));
      for (const v1::Finding* f : list) {
        if (static_cast<int>(s.lines.size()) == kMaxLines) {
          s.lines.push_back(
              m.Format("mail_more", {{"count", static_cast<int64_t>(list.size()) - kMaxLines}}));
          break;
        }
        // The core describes in English; German readers get the names it refers to.
        const std::string person = Label(Kind::kPerson, f->person());
        const ResourceSpec* spec =
            SpecByCollection(f->resource().substr(0, f->resource().find('/')));
        const std::string what = spec ? Label(spec->kind, f->resource()) : "";
        s.lines.push_back(m.lang() == Lang::kEn || what.empty()
                              ? f->description()
                              : absl::StrCat(person.empty() ? m.Text("none") : person, ": ", what));
      }
    }
    if (!ctx_.web_url.empty()) mail.link = ctx_.web_url + "/findings";
    mail.footer = m.Text("mail_reason_coordinator");
    Add(v1::RISKY_ACCESS, key, r, mail, out);
  }
  return absl::OkStatus();
}

absl::Status Evaluation::Certificates(std::vector<Notice>* out) {
  if (!policy_.Enabled(v1::CERTIFICATE_EXPIRY)) return absl::OkStatus();
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::Time today = absl::FromCivil(ctx_.today, utc);
  if (ctx_.server_cert_expiry) {
    const absl::CivilDay expiry = absl::ToCivilDay(*ctx_.server_cert_expiry, utc);
    if (std::optional<int> lead = LeadFor({30, 7, 1}, expiry - ctx_.today)) {
      const std::string key =
          absl::StrCat("certificates/server/", FormatIsoDate(expiry), "/", *lead);
      for (const Recipient& r : With(v1::CERTIFICATE_EXPIRY, Admins())) {
        const Messages& m = catalogs_.Of(r.lang);
        MailContent mail;
        const std::vector<MessageArg> args = {{"date", m.Date(expiry)},
                                              {"days", int64_t{expiry - ctx_.today}}};
        mail.subject = m.Format("mail_server_cert_subject", args);
        mail.greeting = Greeting(m, r);
        mail.paragraphs.push_back(m.Format("mail_server_cert_intro", args));
        mail.footer = m.Text("mail_reason_admin");
        Add(v1::CERTIFICATE_EXPIRY, key, r, mail, out);
      }
    }
  }
  // Agents renew on their own well before this: one whose certificate is this close has not
  // reached the server for a long time. Once a week (keyed by its Monday), soonest first.
  std::vector<std::pair<int64_t, int64_t>> expiring;  // (expiry, device id)
  // Expired ones are past reminding: their devices show as not seen.
  const int64_t from = absl::ToUnixMicros(today);
  const int64_t horizon = absl::ToUnixMicros(today + absl::Hours(24 * 31));
  BESTAND_RETURN_IF_ERROR(tx_.ListAgents([&](const AgentRecord& a) {
    if (a.revoke_micros == 0 && a.cert_expire_micros > from && a.cert_expire_micros < horizon) {
      expiring.emplace_back(a.cert_expire_micros, a.device_id);
    }
    return absl::OkStatus();
  }));
  if (expiring.empty()) return absl::OkStatus();
  std::sort(expiring.begin(), expiring.end());
  const absl::CivilDay monday = absl::PrevWeekday(ctx_.today + 1, absl::Weekday::monday);
  const std::string key = absl::StrCat("certificates/agents/", FormatIsoDate(monday));
  for (const Recipient& r : With(v1::CERTIFICATE_EXPIRY, Admins())) {
    const Messages& m = catalogs_.Of(r.lang);
    MailContent mail;
    mail.subject =
        m.Format("mail_agent_certs_subject", {{"count", static_cast<int64_t>(expiring.size())}});
    mail.greeting = Greeting(m, r);
    mail.paragraphs.push_back(m.Text("mail_agent_certs_intro"));
    MailSection& s = mail.sections.emplace_back();
    for (const auto& [micros, id] : expiring) {
      if (static_cast<int>(s.lines.size()) == kMaxLines) {
        s.lines.push_back(
            m.Format("mail_more", {{"count", static_cast<int64_t>(expiring.size()) - kMaxLines}}));
        break;
      }
      s.lines.push_back(
          m.Format("mail_agent_cert_line",
                   {{"device", Label(Kind::kDevice, absl::StrCat("devices/", id))},
                    {"date", m.Date(absl::ToCivilDay(absl::FromUnixMicros(micros), utc))}}));
    }
    if (!ctx_.web_url.empty()) mail.link = ctx_.web_url + "/devices";
    mail.footer = m.Text("mail_reason_admin");
    Add(v1::CERTIFICATE_EXPIRY, key, r, mail, out);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<Notice>> EvaluateRules(ReadTx& tx, const NotifyPolicy& policy,
                                                  const RuleContext& ctx) {
  BESTAND_ASSIGN_OR_RETURN(Company company, LoadCompany(tx));
  Evaluation e(tx, policy, ctx, std::move(company));
  std::vector<Notice> out;
  BESTAND_RETURN_IF_ERROR(e.Licenses(&out));
  BESTAND_RETURN_IF_ERROR(e.Tasks(&out));
  BESTAND_RETURN_IF_ERROR(e.Cases(&out));
  BESTAND_RETURN_IF_ERROR(e.StaleDevices(&out));
  BESTAND_RETURN_IF_ERROR(e.Management(&out));
  BESTAND_RETURN_IF_ERROR(e.RiskyAccess(&out));
  BESTAND_RETURN_IF_ERROR(e.Certificates(&out));
  return out;
}

Notice TestNotice(const std::string& recipient, Lang lang, absl::Time now) {
  Messages m(lang);
  MailContent mail;
  mail.subject = m.Text("mail_test_subject");
  mail.greeting = m.Text("mail_greeting_plain");
  mail.paragraphs.push_back(m.Format("mail_test_body", {{"recipient", recipient}}));
  mail.footer = m.Format("mail_reason_test", {{"time", m.DateTime(now)}});
  Notice n;
  n.rule = v1::TEST;
  n.key = absl::StrCat("test/", absl::ToUnixMicros(now));
  n.recipient = recipient;
  n.lang = lang;
  n.subject = mail.subject;
  n.text = MailText(mail);
  n.html = MailHtml(mail, std::string(LangCode(lang)));
  return n;
}

}  // namespace bestand
