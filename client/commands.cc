#include "client/commands.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "client/admin_commands.h"
#include "client/connect_commands.h"
#include "client/fleet_commands.h"
#include "client/import_command.h"
#include "client/notify_commands.h"
#include "client/nouns.h"
#include "client/report_commands.h"
#include "client/resource_commands.h"
#include "client/workflow_commands.h"
#include "common/resources.h"

namespace bestand {
namespace {

bool SameNoun(const std::string& noun, const std::string& word) {
  const Noun* n = FindNoun(word);
  return noun == word || (n != nullptr && n->word == noun);
}

std::string VerbAlias(const std::string& verb) {
  static const std::map<std::string, std::string> kAliases = {
      {"create", "add"}, {"ls", "list"},   {"get", "show"},
      {"set", "update"}, {"rm", "remove"}, {"delete", "remove"}};
  auto it = kAliases.find(verb);
  return it == kAliases.end() ? verb : it->second;
}

}  // namespace

const std::vector<FlagSpec>& GlobalFlags() {
  static const std::vector<FlagSpec>* const flags = new std::vector<FlagSpec>{
      {"server", "HOST:PORT", "the Bestand server (BESTAND_SERVER, the config file)"},
      {"ca", "FILE", "the server's CA certificate (BESTAND_CA)"},
      {"token", "TOKEN", "your API token (BESTAND_TOKEN)"},
      {"insecure", "", "plaintext, for local development only"},
      {"output", "FORMAT", "-o table|wide|json|csv: wide shows every column, untruncated"},
      {"timeout", "SECONDS", "per call, 1..3600 (default 30)"},
      {"lang", "de|en", "task titles, task export and HTML reports in German or English"},
      {"help", "", "this command's options"},
  };
  return *flags;
}

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec>* const commands = [] {
    auto* c = new std::vector<CommandSpec>;
    for (const Noun& n : Nouns()) {
      const std::string w(n.word);
      const std::string collection(Spec(n.kind).collection);
      std::vector<FlagSpec> update = FieldFlagSpecs(n);
      if (n.kind == Kind::kLicense) {
        update.push_back(
            {"force", "", "allow fewer seats than are assigned (a recorded compliance risk)"});
      }
      std::vector<FlagSpec> show;
      if (n.kind == Kind::kDevice) show.push_back({"software", "", "its hardware and software"});
      c->push_back({{w, "add"},
                    "--FIELD VALUE ...",
                    absl::StrCat("create a ", w),
                    FieldFlagSpecs(n),
                    &NounAdd,
                    &n});
      c->push_back(
          {{w, "list"}, "", absl::StrCat("list ", collection), FilterFlagSpecs(n), &NounList, &n});
      c->push_back({{w, "show"},
                    "NAME",
                    n.kind == Kind::kTemplateItem
                        ? "a template's items (NAME: the template), or one item (templateItems/N)"
                        : "one " + w + " by id or natural key (email, asset tag, serial, name)",
                    show,
                    &NounShow,
                    &n});
      c->push_back({{w, "update"},
                    "NAME --FIELD VALUE ...",
                    "change the fields given",
                    update,
                    &NounUpdate,
                    &n});
      c->push_back({{w, "remove"},
                    "NAME",
                    n.kind == Kind::kPerson ? "refused: people are never removed (offboard them)"
                                            : "remove a " + w + " entered by mistake",
                    {},
                    &NounRemove,
                    &n});
      c->push_back({{w, "fields"},
                    "",
                    absl::StrCat("every field a ", w, " has, with what it takes"),
                    {},
                    &NounFields,
                    &n});
    }
    const std::vector<FlagSpec> holder = {{"person", "PERSON", "the person holding the seat"},
                                          {"device", "DEVICE", "or the device holding it"}};
    std::vector<FlagSpec> assign = holder;
    assign.push_back({"assign-date", "DATE", "date YYYY-MM-DD (default today)"});
    assign.push_back({"notes", "TEXT", "free text"});
    const std::vector<CommandSpec> others = {
        {{"license", "assign"},
         "LICENSE",
         "give a seat to a person or a device",
         assign,
         &LicenseAssign},
        {{"license", "unassign"}, "LICENSE", "free a seat", holder, &LicenseUnassign},
        {{"license", "seats"}, "LICENSE", "who holds its seats", {}, &LicenseSeats},
        {{"device", "history"},
         "DEVICE",
         "installs, removals and upgrades",
         {{"limit", "N", "at most N changes (default 100)"}},
         &DeviceHistory},
        {{"device", "stale"},
         "",
         "enrolled devices not seen for N days",
         {{"days", "N", "days since the last report or heartbeat"}},
         &DeviceStale},
        {{"import"},
         "KIND FILE",
         "KIND: people, devices, apps, vendors, accounts, access, licenses, assignments, "
         "templates (CSV); m365-users, m365-activity, google-users (the admin consoles' exports); "
         "glpi FILE.json, fusion FILE.xml (one machine's inventory)",
         {{"dry-run", "", "check and count, change nothing"},
          {"mark-deleted", "", "user exports: mark accounts missing from the file deleted"}},
         &Import},
        {{"onboard"},
         "EMAIL",
         "create the person, reserve seats and a device, open a task per template item",
         {{"name", "NAME", "full name (required)"},
          {"template", "TEMPLATE", "role template (required)"},
          {"start", "DATE", "first working day (required)"},
          {"department", "DEPARTMENT", ""},
          {"manager", "PERSON", ""},
          {"title", "TITLE", "job title"},
          {"cost-center", "CODE", ""},
          {"now", "",
           "connected applications create the accounts at once, enabled, each with a one-time "
           "password shown once"},
          {"plan", "",
           "show the case it would open and what each connector would do; change "
           "nothing"}},
         &Onboard},
        {{"offboard"},
         "PERSON",
         "a task per account, role, seat and device; running it twice changes nothing",
         {{"last-day", "DATE", "last working day (required)"},
          {"reason", "TEXT", ""},
          {"now", "", "connected applications act at once instead of after the last day"},
          {"plan", "", "show the tasks and what each connector would do; change nothing"}},
         &Offboard},
        {{"case", "show"}, "CASE", "an onboarding or offboarding with its tasks", {}, &CaseShow},
        {{"case", "list"},
         "",
         "cases",
         {{"person", "PERSON", ""}, {"status", "open|closed", ""}},
         &CaseList},
        {{"task", "list"},
         "",
         "tasks",
         {{"vendor", "VENDOR", "one provider's"},
          {"case", "CASE", "one case's"},
          {"person", "PERSON", "one person's"},
          {"status", "open|in_progress|done|accepted", ""},
          {"open", "", "not done yet"},
          {"overdue", "", "open and past their due date"}},
         &TaskList},
        {{"task", "export"},
         "",
         "what to send to a provider: its open tasks",
         {{"vendor", "VENDOR", "the provider (required)"}},
         &TaskExport,
         nullptr,
         {"md"}},
        {{"task", "add"},
         "",
         "a department's request",
         {{"title", "TEXT", "what to do (required)"},
          {"app", "APPLICATION", ""},
          {"vendor", "VENDOR", "who does it (default: the coordinator)"},
          {"person", "PERSON", "whom it concerns"},
          {"priority", "low|normal|high", ""},
          {"due", "DATE", ""},
          {"acceptance", "TEXT", "what done must mean"},
          {"requested-by", "WHO", ""},
          {"case", "CASE", ""}},
         &TaskAdd},
        {{"task", "done"},
         "TASK",
         "done, applied to the inventory in the same transaction",
         {{"evidence", "TEXT", "what was done: ticket, date, who (required)"}},
         &TaskSetStatus},
        {{"task", "start"}, "TASK", "in progress", {}, &TaskSetStatus},
        {{"task", "accept"}, "TASK", "accept a done task (coordinator)", {}, &TaskSetStatus},
        {{"task", "reopen"},
         "TASK",
         "open again (the inventory is not changed back)",
         {},
         &TaskSetStatus},
        {{"report", "licenses"},
         "",
         "seats used, recent, idle, held by leavers; waste",
         {{"inactive-days", "N", "idle after N days without activity (default 90, 1..3650)"}},
         &ReportLicenses,
         nullptr,
         {"html"}},
        {{"report", "overlaps"},
         "",
         "tools of one category, who uses several, the saving",
         {},
         &ReportOverlaps,
         nullptr,
         {"html"}},
        {{"report", "renewals"},
         "",
         "cancellation deadlines and next term's cost",
         {{"within", "N", "deadlines in the next N days (default 90, 1..3650; 90d works too)"}},
         &ReportRenewals,
         nullptr,
         {"html"}},
        {{"report", "costs"},
         "",
         "monthly and annual costs per group",
         {{"by", "GROUP", "department|cost-center|vendor|application|person"}},
         &ReportCosts,
         nullptr,
         {"html"}},
        {{"report", "compliance"},
         "",
         "installs (agent data) against seats, per product",
         {},
         &ReportCompliance,
         nullptr,
         {"html"}},
        {{"report", "summary"},
         "",
         "one page for management",
         {{"inactive-days", "N", "as for licenses"}, {"within", "N", "as for renewals"}},
         &ReportSummary,
         nullptr,
         {"html"}},
        {{"report", "access"},
         "",
         "access of leavers, orphaned accounts, admins without MFA, duplicate devices",
         {{"risky", "", "(required)"}},
         &ReportAccess},
        {{"product", "rule", "add"},
         "PATTERN",
         "map package names to a product",
         {{"product", "NAME", "the product, as licenses name it (required)"}},
         &ProductRuleAdd},
        {{"product", "rule", "list"}, "", "the rules", {}, &ProductRuleList},
        {{"product", "rule", "remove"}, "RULE", "productRules/N", {}, &ProductRuleRemove},
        {{"agent-token", "create"},
         "",
         "an enrollment token; the secret is shown once",
         {{"uses", "N", "enrollments allowed (default 1)"},
          {"expires", "DURATION", "30m, 24h, 7d (default 24h, at most 30d)"},
          {"name", "NAME", ""},
          {"device", "DEVICE", "the enrolling machine is this device (one use)"}},
         &AgentTokenCreate},
        {{"agent-token", "list"}, "", "enrollment tokens", {}, &AgentTokenList},
        {{"agent-token", "revoke"},
         "NAME",
         "refuse an enrollment token from now on",
         {},
         &AgentTokenRevoke},
        {{"agent", "revoke"},
         "DEVICE",
         "refuse the device's agent certificate from now on",
         {},
         &AgentRevoke},
        {{"software", "list"},
         "",
         "which devices have which versions",
         {{"name", "PATTERN", "part of the package name"}, {"limit", "N", ""}},
         &SoftwareList},
        {{"login"},
         "",
         "check the server, token and CA, then save them to the config file",
         {},
         &Login},
        {{"whoami"}, "", "the token in use", {}, &WhoAmI},
        {{"token", "create"},
         "",
         "an API token; the secret is shown once",
         {{"role", "ROLE", "admin|coordinator|viewer|vendor|inventory (required)"},
          {"name", "NAME", "(required)"},
          {"vendor", "VENDOR", "the provider a vendor token acts for"},
          {"expires", "DURATION", "refused from then on: 30m, 24h, 90d (default: never)"}},
         &TokenCreate},
        {{"token", "link"},
         "",
         "a sign-in link for the web interface that works once (for providers: send it by mail)",
         {{"vendor", "VENDOR", "the provider it signs in (role vendor)"},
          {"role", "ROLE", "coordinator|viewer|admin for a link of another role"},
          {"name", "NAME", "the token's name (default: 'link VENDOR DATE')"},
          {"expires", "DURATION", "unused, it is refused from then on (default: 7d)"}},
         &TokenLink},
        {{"token", "list"}, "", "tokens, with fingerprints, never secrets", {}, &TokenList},
        {{"token", "revoke"}, "NAME", "refuse a token from now on", {}, &TokenRevoke},
        {{"audit", "list"},
         "",
         "audit events, newest first",
         {{"resource", "NAME", "a resource, a natural key or a collection"},
          {"actor", "ACTOR", "e.g. token:it-partner"},
          {"limit", "N", "default 100"}},
         &AuditList},
        {{"audit", "verify"},
         "",
         "recompute the hash chain and the seals, compare every record",
         {{"anchor", "SEQUENCE:HASH", "a head printed by an earlier verify (repeatable)"}},
         &AuditVerify},
        {{"settings", "show"}, "", "the company's settings", {}, &SettingsShow},
        {{"settings", "set"},
         "",
         "change a setting",
         {{"holiday-region", "REGION",
           "DE (nationwide holidays) or a state: DE-BW, DE-BY, DE-BE, ... (ISO 3166-2)"}},
         &SettingsSet},
        {{"notify", "rules"},
         "",
         "which notifications Bestand sends, when and to whom",
         {},
         &NotifyRules},
        {{"notify", "set"},
         "",
         "change who hears what and when",
         {{"deadline-days", "N,N,...",
           "days before a cancellation deadline (e.g. 90,60,30,14,7,1)"},
          {"term-end-days", "N,N,...", "days before a term without auto-renew ends (e.g. 30,7)"},
          {"starter-days", "N", "working days before a start with open tasks (1..20)"},
          {"send-hour", "H",
           "hour from which the day's mails go out (0..23, Europe/Berlin; default 7)"},
          {"coordinators", "EMAIL,...", "who hears as the coordinators"},
          {"management", "EMAIL,...", "who gets the monthly management digest"},
          {"admins", "EMAIL,...", "who hears about expiring certificates"},
          {"stale-days", "N", "days without a report before a device counts as not seen"},
          {"language", "de|en", "for addresses that are no person's or vendor's"},
          {"enable", "RULE,...", "switch rules on"},
          {"disable", "RULE,...", "switch rules off"}},
         &NotifySet},
        {{"notify", "list"},
         "",
         "the outbox, newest first",
         {{"state", "STATE", "pending, sent, failed or dry-run"}, {"limit", "N", "default 100"}},
         &NotifyList},
        {{"notify", "preview"},
         "",
         "what the rules would send on a day; queues nothing",
         {{"at", "DATE", "the day (default today)"}},
         &NotifyPreview},
        {{"notify", "test"},
         "ADDRESS|webhooks/N",
         "send a test mail through the server's mail server, or post one to a webhook",
         {{"language", "de|en", "default: the settings' language"}},
         &NotifyTest},
        {{"notify", "webhook", "add"},
         "URL",
         "post the rules' messages to a Teams, Mattermost or Slack incoming webhook (signed)",
         {{"rules", "RULE,...", "the rules it follows (default: all but management-digest)"},
          {"language", "de|en", "default: the settings' language"},
          {"secret-file", "FILE", "the HMAC signing secret (default: one is made and shown)"}},
         &WebhookAdd},
        {{"notify", "webhook", "list"},
         "",
         "the webhooks (never their URLs' paths)",
         {},
         &WebhookList},
        {{"notify", "webhook", "remove"},
         "webhooks/N",
         "stop posting to a webhook",
         {},
         &WebhookRemove},
        {{"app", "connect"},
         "APP",
         "Bestand creates and disables accounts and their group memberships in the application "
         "itself",
         {{"ldap", "URL", "ldaps://HOST[:PORT] (Active Directory, OpenLDAP)"},
          {"bind-dn", "DN", "LDAP: who Bestand binds as (AD: also user@REALM)"},
          {"password-file", "FILE", "LDAP: the bind password (first line)"},
          {"base-dn", "DN", "LDAP: where users and groups are"},
          {"flavor", "ad|openldap", "LDAP: default ad"},
          {"disabled-ou", "DN", "LDAP: move disabled accounts here (openldap: this or --lock)"},
          {"lock", "ATTR=VALUE",
           "openldap: lock disabled accounts (e.g. pwdAccountLockedTime=000001010000Z)"},
          {"users-ou", "DN", "LDAP: create new accounts here (default: the base DN)"},
          {"login-pattern", "PATTERN",
           "LDAP: new login names from {first} {last} {f} {local} (default {local})"},
          {"scim", "URL", "https://HOST/scim/v2 (SaaS with SCIM 2.0)"},
          {"token-file", "FILE", "SCIM: the bearer token (first line)"},
          {"ca-file", "FILE", "a CA certificate to trust besides the system's"},
          {"allow-plaintext", "",
           "ldap:// without StartTLS, http:// (the secret travels readable)"}},
         &AppConnect},
        {{"app", "connection", "show"},
         "APP",
         "the application's connection (never its secret)",
         {},
         &ConnectionShow},
        {{"app", "connection", "test"}, "APP", "connect and authenticate", {}, &ConnectionTest},
        {{"app", "connection", "remove"},
         "APP",
         "Bestand no longer acts in the application; its tasks go to its provider",
         {},
         &ConnectionRemove},
        {{"app", "sync"},
         "APP",
         "read the application's directory into its accounts and grants; list orphans and drift",
         {},
         &AppSync},
        {{"connectors", "run"},
         "",
         "act now on what is due in the connected applications (the server does every minute)",
         {{"case", "CASE", "every open task of this case, due or not"}},
         &ConnectorsRun},
        {{"connectors", "activate"},
         "PERSON",
         "on the first day: enable the person's accounts created disabled, with one-time passwords",
         {},
         &ConnectorsActivate},
        {{"calendar", "link"},
         "PERSON",
         "a secret calendar feed (ICS) of the person's deadlines and due dates",
         {},
         &CalendarLink},
        {{"calendar", "revoke"},
         "PERSON",
         "end every calendar link of the person",
         {},
         &CalendarRevoke},
    };
    c->insert(c->end(), others.begin(), others.end());
    return c;
  }();
  return *commands;
}

std::set<std::string> Switches() {
  std::set<std::string> out;
  for (const FlagSpec& f : GlobalFlags()) {
    if (f.value.empty()) out.insert(f.name);
  }
  for (const CommandSpec& c : Commands()) {
    for (const FlagSpec& f : c.flags) {
      if (f.value.empty()) out.insert(f.name);
    }
  }
  return out;
}

const CommandSpec* FindCommand(const std::vector<std::string>& words) {
  for (bool alias : {false, true}) {
    const CommandSpec* best = nullptr;
    for (const CommandSpec& c : Commands()) {
      if (c.path.size() > words.size() || (best && best->path.size() >= c.path.size())) continue;
      bool match = true;
      for (size_t i = 0; i < c.path.size() && match; ++i) {
        match = i == 0 ? SameNoun(c.path[0], words[0])
                       : c.path[i] == (alias ? VerbAlias(words[i]) : words[i]);
      }
      if (match) best = &c;
    }
    if (best) return best;
  }
  return nullptr;
}

std::vector<const CommandSpec*> CommandsOf(const std::string& word) {
  std::vector<const CommandSpec*> out;
  for (const CommandSpec& c : Commands()) {
    if (SameNoun(c.path[0], word)) out.push_back(&c);
  }
  return out;
}

}  // namespace bestand
