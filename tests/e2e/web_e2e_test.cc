// The web interface of a real bestand-server (serve --web-listen) with the sample company of
// deploy/sample, driven over HTTPS as a browser drives it: sign-in, session cookie, CSRF
// tokens, roles, language. The pages' look and accessibility are checked in a real browser by
// tests/web (Playwright).
#include <httplib.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "tests/e2e/browser.h"
#include "tests/e2e/server_process.h"
#include "tests/test_util.h"

namespace bestand {
namespace {

using testing::Browser;
using testing::ProcessResult;
using testing::TempDir;

class WebTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Init(dir_.File("data"));
    server_.Start(0, /*inventory_endpoint=*/false, /*web=*/true);
    for (const char* what : {"people", "vendors", "apps", "devices", "licenses", "accounts",
                             "access", "assignments"}) {
      ProcessResult r =
          server_.Admin({"import", what, absl::StrCat(BESTAND_SAMPLE, "/", what, ".csv")});
      ASSERT_EQ(r.exit_code, 0) << what << ": " << r.err;
    }
  }
  std::string Token(std::vector<std::string> args) {
    std::vector<std::string> argv = {"token", "create"};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessResult r = server_.Admin(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return std::string(absl::StripAsciiWhitespace(r.out));
  }
  Browser NewBrowser() { return Browser(server_.web_port(), server_.ca()); }

  TempDir dir_;
  testing::ServerProcess server_;
};

TEST_F(WebTest, SignInGivesAHardenedSessionAndAGermanDashboard) {
  Browser b = NewBrowser();
  httplib::Result first = b.Get("/");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 303);
  EXPECT_EQ(first->get_header_value("Location"), "/sign-in");

  ASSERT_EQ(b.SignIn(server_.admin_token()), 303);
  ASSERT_EQ(b.cookies().count("__Host-bestand_session"), 1u);
  std::string session_cookie;
  for (const std::string& c : b.set_cookies) {
    if (absl::StartsWith(c, "__Host-bestand_session=")) session_cookie = c;
  }
  EXPECT_TRUE(absl::StrContains(session_cookie, "; HttpOnly")) << session_cookie;
  EXPECT_TRUE(absl::StrContains(session_cookie, "; Secure")) << session_cookie;
  EXPECT_TRUE(absl::StrContains(session_cookie, "; SameSite=Strict")) << session_cookie;
  EXPECT_TRUE(absl::StrContains(session_cookie, "; Path=/")) << session_cookie;
  // The token itself is nowhere in what the browser keeps.
  for (const std::string& c : b.set_cookies) {
    EXPECT_FALSE(absl::StrContains(c, server_.admin_token()));
  }

  httplib::Result page = b.Get("/");
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200) << page->body;
  EXPECT_TRUE(absl::StrContains(page->body, "<html lang=\"de\">"));
  EXPECT_TRUE(absl::StrContains(page->body, "Ausgaben pro Jahr"));
  // Microsoft 365 8 x 11.70 x 12 = 1,123.20; DATEV 2 x 35.00 x 12 = 840.00; Zoom 3 x 159.90 =
  // 479.70; Acrobat 2 x 23.80 x 12 = 571.20: 3,014.10 a year.
  EXPECT_TRUE(absl::StrContains(page->body, "id=\"annual-spend-EUR\">3.014,10 €<")) << page->body;
  // Zoom's term ends 2027-01-31 with 30 days' notice: cancel by 01.01.2027.
  EXPECT_TRUE(absl::StrContains(page->body, "<time datetime=\"2027-01-01\">01.01.2027</time>"))
      << page->body;
  EXPECT_TRUE(absl::StrContains(page->body, "<svg class=\"chart\""));
  EXPECT_EQ(page->get_header_value("Content-Security-Policy").rfind("default-src 'self'", 0), 0u);
  EXPECT_TRUE(absl::StrContains(page->get_header_value("Content-Security-Policy"),
                                "frame-ancestors 'none'"));
  EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(page->get_header_value("Cache-Control"), "no-store");
  // Nothing is loaded from elsewhere.
  EXPECT_FALSE(absl::StrContains(page->body, "src=\"http")) << page->body;
  EXPECT_FALSE(absl::StrContains(page->body, "href=\"http")) << page->body;

  httplib::Result licenses = b.Get("/licenses");
  ASSERT_TRUE(licenses);
  EXPECT_EQ(licenses->status, 200);
  EXPECT_TRUE(absl::StrContains(licenses->body, "1.123,20 €")) << licenses->body;
}

TEST_F(WebTest, EnglishByAcceptLanguageOrByChoice) {
  Browser b = NewBrowser();
  ASSERT_EQ(b.SignIn(server_.admin_token()), 303);
  httplib::Result en = b.Get("/", {{"Accept-Language", "en-GB,en;q=0.9,de;q=0.5"}});
  ASSERT_TRUE(en);
  EXPECT_TRUE(absl::StrContains(en->body, "<html lang=\"en\">"));
  EXPECT_TRUE(absl::StrContains(en->body, "id=\"annual-spend-EUR\">€3,014.10<")) << en->body;

  // The language switch wins over the header and returns to the page it was on.
  httplib::Result pick = b.Get("/language?to=de&back=%2Flicenses");
  ASSERT_TRUE(pick);
  EXPECT_EQ(pick->status, 303);
  EXPECT_EQ(pick->get_header_value("Location"), "/licenses");
  httplib::Result de = b.Get("/", {{"Accept-Language", "en"}});
  ASSERT_TRUE(de);
  EXPECT_TRUE(absl::StrContains(de->body, "3.014,10 €"));
  // It never sends anyone elsewhere.
  httplib::Result away = b.Get("/language?to=en&back=%2F%2Fevil.example%2F");
  ASSERT_TRUE(away);
  EXPECT_EQ(away->get_header_value("Location"), "/");
}

TEST_F(WebTest, SignInRefusesWrongTokensInventoryTokensAndForgedForms) {
  const std::string inventory = Token({"--role", "inventory", "--name", "rollout"});
  Browser b = NewBrowser();
  EXPECT_EQ(b.SignIn("bst_not-a-token"), 401);
  EXPECT_EQ(b.SignIn(inventory), 403);
  EXPECT_EQ(b.cookies().count("__Host-bestand_session"), 0u);

  // Without the sign-in form's cookie, or with another site's Origin: refused.
  Browser fresh = NewBrowser();
  httplib::Result no_form =
      fresh.Post("/sign-in", {{"csrf", "x"}, {"token", server_.admin_token()}});
  ASSERT_TRUE(no_form);
  EXPECT_EQ(no_form->status, 403);
  httplib::Result form = fresh.Get("/sign-in");
  ASSERT_TRUE(form);
  httplib::Result cross = fresh.Post(
      "/sign-in", {{"csrf", Browser::Hidden(form->body, "csrf")}, {"token", server_.admin_token()}},
      {{"Origin", "https://evil.example"}});
  ASSERT_TRUE(cross);
  EXPECT_EQ(cross->status, 403);
  EXPECT_EQ(fresh.cookies().count("__Host-bestand_session"), 0u);
}

TEST_F(WebTest, SignInAttemptsAreRateLimitedPerAddress) {
  Browser b = NewBrowser();
  int last = 0;
  for (int i = 0; i < 12 && last != 429; ++i) last = b.SignIn("bst_guess" + std::to_string(i));
  EXPECT_EQ(last, 429);
  // Even the right token waits now.
  EXPECT_EQ(b.SignIn(server_.admin_token()), 429);
}

TEST_F(WebTest, RolesDecideWhatEachMaySee) {
  const std::string viewer = Token({"--role", "viewer", "--name", "geschaeftsfuehrung"});
  const std::string vendor =
      Token({"--role", "vendor", "--name", "systemhaus", "--vendor", "Systemhaus Nord GmbH"});
  Browser v = NewBrowser();
  ASSERT_EQ(v.SignIn(viewer), 303);
  for (const char* path :
       {"/people", "/devices", "/applications", "/renewals", "/findings", "/audit"}) {
    httplib::Result r = v.Get(path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << path;
  }

  Browser p = NewBrowser();
  ASSERT_EQ(p.SignIn(vendor), 303);
  httplib::Result home = p.Get("/");
  ASSERT_TRUE(home);
  EXPECT_EQ(home->get_header_value("Location"), "/tasks");  // a provider's page is its tasks
  for (const char* path : {"/people", "/licenses", "/people/1", "/devices", "/devices/1",
                           "/applications", "/renewals", "/findings", "/audit"}) {
    httplib::Result r = p.Get(path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << path;
    EXPECT_FALSE(absl::StrContains(r->body, "weiss-haustechnik.de")) << path;
  }
}

TEST_F(WebTest, FormsNeedTheSessionsCsrfTokenAndSignOutEndsTheSession) {
  Browser b = NewBrowser();
  ASSERT_EQ(b.SignIn(server_.admin_token()), 303);
  httplib::Result forged = b.Post("/sign-out", {{"csrf", "forged"}});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  httplib::Result still = b.Get("/");
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200);

  const std::string csrf = b.Csrf();
  ASSERT_FALSE(csrf.empty());
  const std::string session = b.cookies()["__Host-bestand_session"];
  httplib::Result out = b.Post("/sign-out", {{"csrf", csrf}});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 303);
  EXPECT_EQ(out->get_header_value("Location"), "/sign-in?m=signed_out");
  // The old session id is worth nothing, even when a client keeps sending it.
  b.cookies()["__Host-bestand_session"] = session;
  httplib::Result after = b.Get("/");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 303);
}

TEST_F(WebTest, ARevokedTokenEndsItsSessions) {
  const std::string viewer = Token({"--role", "viewer", "--name", "assistenz"});
  Browser b = NewBrowser();
  ASSERT_EQ(b.SignIn(viewer), 303);
  ASSERT_EQ(b.Get("/")->status, 200);
  ProcessResult revoke = server_.Admin({"token", "revoke", "assistenz"});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.err;
  httplib::Result r = b.Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 303);
  EXPECT_EQ(r->get_header_value("Location"), "/sign-in?m=session_ended");
}

TEST_F(WebTest, TheCoordinatorFindsAPersonAndSeesEverythingTheyHold) {
  Browser b = NewBrowser();
  ASSERT_EQ(b.SignIn(server_.admin_token()), 303);
  httplib::Result found = b.Get("/people?q=M%C3%BCller");
  ASSERT_TRUE(found);
  ASSERT_EQ(found->status, 200);
  const std::string marker = "<a href=\"/people/";
  const size_t at = found->body.find(marker);
  ASSERT_NE(at, std::string::npos) << found->body;
  const std::string href = found->body.substr(at + 9, found->body.find('"', at + 9) - at - 9);
  EXPECT_TRUE(absl::StrContains(found->body, ">Bernd Müller</a>"));
  EXPECT_FALSE(absl::StrContains(found->body, "Anna Schmidt"));

  httplib::Result person = b.Get(href);
  ASSERT_TRUE(person);
  ASSERT_EQ(person->status, 200);
  EXPECT_TRUE(absl::StrContains(person->body, "<h1>Bernd Müller</h1>"));
  EXPECT_TRUE(absl::StrContains(person->body, "<td>bmueller</td>")) << person->body;  // VPN
  EXPECT_TRUE(absl::StrContains(person->body, "<td>Zoom Pro</td>"));                  // his seat
  EXPECT_TRUE(absl::StrContains(person->body, "<td>VPN Außendienst</td>"));           // his grant
  EXPECT_TRUE(absl::StrContains(person->body, "<td>token:admin</td>"));  // the audit trail

  httplib::Result missing = b.Get("/people/999999");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  httplib::Result unknown = b.Get("/nothing-here");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_TRUE(absl::StrContains(unknown->body, "Nicht gefunden"));
}

// The task list as the CLI prints it, without the ids: status, due date, vendor, title.
std::vector<std::string> TaskLines(const testing::ServerProcess& server, const std::string& who) {
  ProcessResult r = server.Admin({"task", "list", "--person", who, "-o", "csv"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines;
  // Without the name in front and the columns from create_time on (the times; what follows
  // them is empty here) at the end.
  const std::string header = r.out.substr(0, r.out.find('\n'));
  const size_t from = header.find(",create_time");
  const int tail = from == std::string::npos
                       ? 0
                       : static_cast<int>(std::count(header.begin() + from, header.end(), ','));
  for (absl::string_view line : absl::StrSplit(r.out, '\n', absl::SkipEmpty())) {
    absl::string_view rest = line.substr(line.find(',') + 1);
    for (int i = 0; i < tail; ++i) rest = rest.substr(0, rest.rfind(','));
    lines.push_back(std::string(rest));
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST_F(WebTest, OffboardingFromThePersonPageMakesTheTasksTheCliMakes) {
  const std::string bernd = "bernd.mueller@weiss-haustechnik.de";
  // The same company on a second server, offboarded with the CLI.
  TempDir other_dir;
  testing::ServerProcess other;
  other.Init(other_dir.File("data"));
  other.Start();
  for (const char* what :
       {"people", "vendors", "apps", "devices", "licenses", "accounts", "access", "assignments"}) {
    ASSERT_EQ(
        other.Admin({"import", what, absl::StrCat(BESTAND_SAMPLE, "/", what, ".csv")}).exit_code,
        0);
  }
  ProcessResult cli = other.Admin({"offboard", bernd, "--last-day", "2026-12-18"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;

  Browser b = NewBrowser();
  ASSERT_EQ(b.SignIn(server_.admin_token()), 303);
  httplib::Result found = b.Get("/people?q=bernd");
  ASSERT_TRUE(found);
  const size_t at = found->body.find("<a href=\"/people/");
  ASSERT_NE(at, std::string::npos);
  const std::string href = found->body.substr(at + 9, found->body.find('"', at + 9) - at - 9);
  httplib::Result page = b.Get(href);
  ASSERT_TRUE(page);
  const std::string csrf = Browser::Hidden(page->body, "csrf");
  ASSERT_TRUE(absl::StrContains(page->body, "action=\"" + href + "/offboard\"")) << page->body;

  httplib::Result forged = b.Post(href + "/offboard", {{"last_day", "2026-12-18"}});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  EXPECT_TRUE(TaskLines(server_, bernd).empty())
      << "a POST without the CSRF token changed something";

  httplib::Result done = b.Post(href + "/offboard", {{"csrf", csrf}, {"last_day", "2026-12-18"}});
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, 303);
  EXPECT_EQ(done->get_header_value("Location"), href + "?m=offboarded");
  const std::vector<std::string> web_tasks = TaskLines(server_, bernd);
  EXPECT_GE(web_tasks.size(), 5u);  // 3 accounts, 1 grant, 2 seats, 2 devices of his
  EXPECT_EQ(web_tasks, TaskLines(other, bernd));
  // Audited as the signed-in token.
  ProcessResult audit = server_.Admin({"audit", "list", "--actor", "token:admin", "-o", "csv"});
  EXPECT_TRUE(absl::StrContains(audit.out, "cases/")) << audit.out.substr(0, 800);

  // A viewer sees the person page without the form, and a forged POST is refused.
  Browser v = NewBrowser();
  ASSERT_EQ(v.SignIn(Token({"--role", "viewer", "--name", "gf"})), 303);
  httplib::Result view = v.Get("/people?q=anna");
  ASSERT_TRUE(view);
  const size_t anna = view->body.find("<a href=\"/people/");
  ASSERT_NE(anna, std::string::npos);
  const std::string anna_href =
      view->body.substr(anna + 9, view->body.find('"', anna + 9) - anna - 9);
  httplib::Result anna_page = v.Get(anna_href);
  ASSERT_TRUE(anna_page);
  EXPECT_FALSE(absl::StrContains(anna_page->body, "/offboard\"")) << anna_page->body;
  httplib::Result refused =
      v.Post(anna_href + "/offboard",
             {{"csrf", Browser::Hidden(anna_page->body, "csrf")}, {"last_day", "2026-12-18"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_TRUE(TaskLines(server_, "anna.schmidt@weiss-haustechnik.de").empty());
}

TEST_F(WebTest, OnboardingFromThePeoplePageMakesTheTasksTheCliMakes) {
  const std::string lena = "lena.vogt@weiss-haustechnik.de";
  auto Exists = [&](const std::string& email) {
    return server_.Admin({"person", "get", email}).exit_code == 0;
  };
  // A sales template on both servers; the second onboards with the CLI.
  const std::vector<std::vector<std::string>> template_items = {
      {"template", "add", "--template", "vertrieb", "--application", "Microsoft 365", "--role",
       "Benutzer"},
      {"template", "add", "--template", "vertrieb", "--license", "Zoom Pro"},
      {"template", "add", "--template", "vertrieb", "--device-type", "laptop"}};
  TempDir other_dir;
  testing::ServerProcess other;
  other.Init(other_dir.File("data"));
  other.Start();
  for (testing::ServerProcess* s : {&server_, &other}) {
    if (s == &other) {
      for (const char* what : {"people", "vendors", "apps", "devices", "licenses", "accounts",
                               "access", "assignments"}) {
        ASSERT_EQ(
            s->Admin({"import", what, absl::StrCat(BESTAND_SAMPLE, "/", what, ".csv")}).exit_code,
            0);
      }
    }
    for (const auto& item : template_items) {
      ProcessResult r = s->Admin(item);
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }
  ProcessResult cli = other.Admin({"onboard", lena, "--name", "Lena Vogt", "--template", "vertrieb",
                                   "--start", "2027-02-01", "--department", "Vertrieb"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;

  Browser b = NewBrowser();
  ASSERT_EQ(b.SignIn(server_.admin_token()), 303);
  httplib::Result people = b.Get("/people");
  ASSERT_TRUE(people);
  ASSERT_TRUE(absl::StrContains(people->body, "action=\"/people/onboard\"")) << people->body;
  EXPECT_TRUE(absl::StrContains(people->body, "<option>vertrieb</option>")) << people->body;
  const httplib::Params form = {{"csrf", Browser::Hidden(people->body, "csrf")},
                                {"display_name", "Lena Vogt"},
                                {"email", lena},
                                {"department", "Vertrieb"},
                                {"template", "vertrieb"},
                                {"start_date", "2027-02-01"}};
  // Without the form's token nothing happens.
  httplib::Params forged = form;
  forged.erase("csrf");
  ASSERT_EQ(b.Post("/people/onboard", forged)->status, 403);
  EXPECT_FALSE(Exists(lena));
  // A bad date is refused with the core's words and changes nothing.
  httplib::Params bad = form;
  bad.find("start_date")->second = "2027-02-30";
  httplib::Result refused = b.Post("/people/onboard", bad);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_TRUE(absl::StrContains(refused->body, "start_date")) << refused->body;
  EXPECT_FALSE(Exists(lena));

  httplib::Result done = b.Post("/people/onboard", form);
  ASSERT_TRUE(done);
  ASSERT_EQ(done->status, 303) << done->body;
  const std::string location = done->get_header_value("Location");
  EXPECT_TRUE(absl::StartsWith(location, "/people/")) << location;
  EXPECT_TRUE(absl::EndsWith(location, "?m=onboarded")) << location;
  EXPECT_TRUE(Exists(lena));
  const std::vector<std::string> web_tasks = TaskLines(server_, lena);
  EXPECT_GE(web_tasks.size(), 3u);  // an account with its role, a seat, a laptop
  EXPECT_EQ(web_tasks, TaskLines(other, lena));
  httplib::Result page = b.Get(location);
  ASSERT_TRUE(page);
  EXPECT_TRUE(absl::StrContains(page->body, "<h1>Lena Vogt</h1>"));
  EXPECT_TRUE(absl::StrContains(page->body, "Der Eintritt ist angelegt"));

  // Sent again (a double click): the open case as it is, nothing doubles.
  httplib::Result again = b.Post("/people/onboard", form);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->get_header_value("Location"), location) << again->body;
  EXPECT_EQ(TaskLines(server_, lena), web_tasks);

  // A viewer has no form, and a forged POST is refused.
  Browser v = NewBrowser();
  ASSERT_EQ(v.SignIn(Token({"--role", "viewer", "--name", "gf"})), 303);
  httplib::Result view = v.Get("/people");
  ASSERT_TRUE(view);
  EXPECT_FALSE(absl::StrContains(view->body, "/people/onboard")) << view->body;
  httplib::Params as_viewer = form;
  as_viewer.find("csrf")->second = Browser::Hidden(view->body, "csrf");
  as_viewer.find("email")->second = "someone.else@weiss-haustechnik.de";
  EXPECT_EQ(v.Post("/people/onboard", as_viewer)->status, 403);
  EXPECT_FALSE(Exists("someone.else@weiss-haustechnik.de"));
}

TEST_F(WebTest, AProviderSeesOnlyItsTasksAndFinishesThemWithEvidence) {
  ASSERT_EQ(
      server_.Admin({"offboard", "bernd.mueller@weiss-haustechnik.de", "--last-day", "2026-12-18"})
          .exit_code,
      0);
  ProcessResult all = server_.Admin({"task", "list", "-o", "csv"});
  const std::string vendor =
      Token({"--role", "vendor", "--name", "systemhaus", "--vendor", "Systemhaus Nord GmbH"});
  ProcessResult own = server_.Cli({"task", "list", "-o", "csv"}, vendor);
  ASSERT_EQ(own.exit_code, 0) << own.err;
  std::vector<std::string> own_lines = absl::StrSplit(own.out, '\n', absl::SkipEmpty());
  ASSERT_GE(own_lines.size(), 2u) << "the sample's MSP has no task: " << all.out;
  ASSERT_LT(own_lines.size(),
            std::vector<std::string>(absl::StrSplit(all.out, '\n', absl::SkipEmpty())).size());
  const std::string task = own_lines[1].substr(0, own_lines[1].find(','));  // tasks/N

  Browser p = NewBrowser();
  ASSERT_EQ(p.SignIn(vendor), 303);
  httplib::Result landing = p.Get("/");
  ASSERT_TRUE(landing);
  EXPECT_EQ(landing->get_header_value("Location"), "/tasks");
  httplib::Result list = p.Get("/tasks");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200);
  EXPECT_TRUE(absl::StrContains(list->body, "<h2 id=\"group-0\">Systemhaus Nord GmbH"))
      << list->body;
  EXPECT_FALSE(absl::StrContains(list->body, "Koordination (intern)"));
  // Titles in the reader's language, from what the task refers to.
  EXPECT_TRUE(absl::StrContains(list->body, "Konto „bmueller“ von Bernd Müller in VPN sperren"))
      << list->body;
  httplib::Result english = p.Get("/tasks", {{"Accept-Language", "en"}});
  ASSERT_TRUE(english);
  EXPECT_TRUE(
      absl::StrContains(english->body, "Disable the account ‘bmueller’ of Bernd Müller in VPN"))
      << english->body;
  EXPECT_FALSE(absl::StrContains(list->body, "/licenses\"")) << "no inventory in the nav";
  httplib::Result csv = p.Get("/tasks.csv");
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  std::vector<std::string> csv_lines = absl::StrSplit(csv->body, '\n', absl::SkipEmpty());
  EXPECT_EQ(csv_lines.size(), own_lines.size());
  EXPECT_EQ(csv_lines[0], "task,title,person,vendor,due_date,status,acceptance");
  for (size_t i = 1; i < csv_lines.size(); ++i) {
    EXPECT_TRUE(absl::StrContains(csv_lines[i], ",Systemhaus Nord GmbH,")) << csv_lines[i];
  }

  const std::string id = task.substr(task.find('/') + 1);
  const std::string csrf = Browser::Hidden(list->body, "csrf");
  httplib::Result empty = p.Post("/tasks/" + id + "/done", {{"csrf", csrf}, {"evidence", ""}});
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400);  // the core wants evidence
  EXPECT_TRUE(absl::StrContains(empty->body, "evidence")) << empty->body;
  httplib::Result accept = p.Post("/tasks/" + id + "/accept", {{"csrf", csrf}});
  ASSERT_TRUE(accept);
  EXPECT_EQ(accept->status, 403);  // providers do not accept their own work
  httplib::Result done = p.Post("/tasks/" + id + "/done",
                                {{"csrf", csrf}, {"evidence", "Ticket 4711, 18.12., T. Lange"}});
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, 303);
  ProcessResult shown = server_.Admin({"task", "list", "--status", "done", "-o", "csv"});
  std::vector<std::string> done_lines = absl::StrSplit(shown.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(done_lines.size(), 2u) << shown.out;
  EXPECT_TRUE(absl::StartsWith(done_lines[1], task + ",")) << shown.out;
  EXPECT_TRUE(absl::StrContains(done_lines[1], "Ticket 4711, 18.12., T. Lange")) << shown.out;
  ProcessResult audit =
      server_.Admin({"audit", "list", "--actor", "token:systemhaus", "-o", "csv"});
  EXPECT_TRUE(absl::StrContains(audit.out, task)) << audit.out;

  // Another vendor's task, or one of the coordinator's: not found, as if it did not exist.
  std::vector<std::string> all_lines = absl::StrSplit(all.out, '\n', absl::SkipEmpty());
  for (size_t i = 1; i < all_lines.size(); ++i) {
    const std::string other = all_lines[i].substr(0, all_lines[i].find(','));
    if (absl::StrContains(own.out, other + ",")) continue;
    httplib::Result foreign = p.Post("/tasks/" + other.substr(other.find('/') + 1) + "/done",
                                     {{"csrf", csrf}, {"evidence", "x"}});
    ASSERT_TRUE(foreign);
    EXPECT_EQ(foreign->status, 404) << other;
    break;
  }

  // A viewer reads the tasks but cannot finish any.
  Browser v = NewBrowser();
  ASSERT_EQ(v.SignIn(Token({"--role", "viewer", "--name", "gf"})), 303);
  httplib::Result view = v.Get("/tasks");
  ASSERT_TRUE(view);
  EXPECT_FALSE(absl::StrContains(view->body, "/done\"")) << "a viewer is offered a form";
  httplib::Result refused = v.Post(
      "/tasks/" + id + "/done", {{"csrf", Browser::Hidden(view->body, "csrf")}, {"evidence", "x"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
}

TEST_F(WebTest, ASignInLinkWorksOnceAndNowhereElse) {
  ProcessResult link = server_.Admin({"token", "link", "--vendor", "Systemhaus Nord GmbH"});
  ASSERT_EQ(link.exit_code, 0) << link.err;
  const std::string url(absl::StripAsciiWhitespace(link.out));
  const std::string prefix = absl::StrCat("https://127.0.0.1:", server_.web_port(), "/link/");
  ASSERT_TRUE(absl::StartsWith(url, prefix)) << url;
  const std::string secret = url.substr(prefix.size());
  EXPECT_TRUE(absl::StrContains(link.err, "signs in once")) << link.err;

  // The secret is no API token.
  ProcessResult api = server_.Cli({"whoami"}, secret);
  EXPECT_NE(api.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(api.err, "sign-in link")) << api.err;
  // Nor does it work in the sign-in form.
  Browser form = NewBrowser();
  EXPECT_EQ(form.SignIn(secret), 401);

  // Opening the link changes nothing yet (mail scanners open links); its button signs in.
  Browser p = NewBrowser();
  httplib::Result opened = p.Get("/link/" + secret);
  ASSERT_TRUE(opened);
  ASSERT_EQ(opened->status, 200);
  EXPECT_EQ(p.cookies().count("__Host-bestand_session"), 0u);
  httplib::Result opened_again = p.Get("/link/" + secret);
  ASSERT_TRUE(opened_again);
  httplib::Result signed_in =
      p.Post("/link", {{"csrf", Browser::Hidden(opened_again->body, "csrf")}, {"link", secret}});
  ASSERT_TRUE(signed_in);
  EXPECT_EQ(signed_in->status, 303);
  EXPECT_EQ(signed_in->get_header_value("Location"), "/tasks");
  httplib::Result tasks = p.Get("/tasks");
  ASSERT_TRUE(tasks);
  EXPECT_EQ(tasks->status, 200);

  // Replayed, in another browser: refused, and the first session goes on.
  Browser replay = NewBrowser();
  httplib::Result again = replay.Get("/link/" + secret);
  ASSERT_TRUE(again);
  httplib::Result refused =
      replay.Post("/link", {{"csrf", Browser::Hidden(again->body, "csrf")}, {"link", secret}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_TRUE(absl::StrContains(refused->body, "schon benutzt")) << refused->body;
  EXPECT_EQ(replay.cookies().count("__Host-bestand_session"), 0u);
  EXPECT_EQ(p.Get("/tasks")->status, 200);

  // Used up in the audit trail, which still verifies.
  ProcessResult audit = server_.Admin({"audit", "list", "-o", "csv"});
  EXPECT_TRUE(absl::StrContains(audit.out, "token.sign_in_link")) << audit.out.substr(0, 600);
  ProcessResult verify = server_.Admin({"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;

  // Revoking the link's token ends the session it started.
  ProcessResult list = server_.Admin({"token", "list", "-o", "csv"});
  std::string name;
  for (absl::string_view line : absl::StrSplit(list.out, '\n')) {
    if (absl::StrContains(line, ",link Systemhaus"))
      name = std::string(line.substr(0, line.find(',')));
  }
  ASSERT_FALSE(name.empty()) << list.out;
  ASSERT_EQ(server_.Admin({"token", "revoke", name}).exit_code, 0);
  EXPECT_EQ(p.Get("/tasks")->status, 303);
}

// The href of the first link in `body` that starts with `prefix` ("/devices/"); empty when none.
std::string FirstLink(const std::string& body, const std::string& prefix) {
  const std::string marker = "<a href=\"" + prefix;
  const size_t at = body.find(marker);
  if (at == std::string::npos) return "";
  const size_t from = at + 9;
  return body.substr(from, body.find('"', from) - from);
}

// How often `needle` occurs in `haystack`.
int Count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

TEST_F(WebTest, TheDevicePageShowsWhatItsAgentReportedAndWhatChanged) {
  // A Fedora laptop reported twice through the GLPI Agent's format: 3,033 packages, then 3,184
  // with hundreds upgraded.
  for (const char* file : {"computer_3.json", "computer_3_updated.json"}) {
    ProcessResult r = server_.Admin({"import", "glpi", absl::StrCat(BESTAND_GLPI, "/", file)});
    ASSERT_EQ(r.exit_code, 0) << file << ": " << r.err;
  }
  Browser b = NewBrowser();
  ASSERT_EQ(b.SignIn(server_.admin_token()), 303);
  httplib::Result found = b.Get("/devices?q=lf014");  // its host name
  ASSERT_TRUE(found);
  ASSERT_EQ(found->status, 200);
  const std::string href = FirstLink(found->body, "/devices/");
  ASSERT_FALSE(href.empty()) << found->body;
  EXPECT_EQ(Count(found->body, "<a href=\"/devices/"), 1) << found->body;

  httplib::Result page = b.Get(href);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200) << page->body;
  EXPECT_TRUE(absl::StrContains(page->body, "<h1>LF014.glpi-project.infra</h1>"))
      << page->body.substr(0, 3000);
  EXPECT_TRUE(absl::StrContains(page->body, "Fedora release 25")) << page->body.substr(0, 3000);
  EXPECT_TRUE(absl::StrContains(page->body, "i5-4210U")) << page->body.substr(0, 3000);
  // 7,908 MiB of memory, said in whole gigabytes.
  EXPECT_TRUE(absl::StrContains(page->body, "<dd>8 GB</dd>")) << page->body.substr(0, 3000);
  EXPECT_TRUE(absl::StrContains(page->body, "<td>sda</td>")) << page->body.substr(0, 3000);
  // The software a page at a time: 250 rows of 3,184 and a link to the next 250.
  EXPECT_TRUE(absl::StrContains(page->body, "3.184 Pakete von 3.184, angezeigt 1 bis 250"))
      << page->body.substr(0, 3000);
  const size_t software = page->body.find("id=\"software-table\"");
  const size_t changes = page->body.find("id=\"changes-h\"");
  ASSERT_NE(software, std::string::npos);
  ASSERT_NE(changes, std::string::npos);
  EXPECT_EQ(Count(page->body.substr(software, changes - software), "<tr><td>"), 250);
  EXPECT_TRUE(absl::StrContains(page->body, "&amp;from=250#software-h")) << page->body;
  // Upgrades between the two reports are its history, with both versions.
  EXPECT_TRUE(absl::StrContains(page->body, "<td>aktualisiert</td>"));
  EXPECT_LT(page->body.size(), 200u * 1024);

  httplib::Result last = b.Get(href + "?sq=&from=3000");
  ASSERT_TRUE(last);
  EXPECT_TRUE(absl::StrContains(last->body, "angezeigt 3.001 bis 3.184")) << last->body;
  EXPECT_FALSE(absl::StrContains(last->body, "#software-h\">"));

  httplib::Result geoip = b.Get(href + "?sq=geoip");
  ASSERT_TRUE(geoip);
  EXPECT_TRUE(absl::StrContains(geoip->body, "2 Pakete von 3.184")) << geoip->body;
  EXPECT_TRUE(absl::StrContains(geoip->body, "<tr><td>GeoIP</td><td>1.6.10-1.fc25</td>"))
      << geoip->body;

  // The person page links the devices a person holds.
  httplib::Result bernd = b.Get("/people?q=bernd");
  ASSERT_TRUE(bernd);
  httplib::Result person = b.Get(FirstLink(bernd->body, "/people/"));
  ASSERT_TRUE(person);
  const std::string laptop = FirstLink(person->body, "/devices/");
  ASSERT_FALSE(laptop.empty()) << person->body;
  httplib::Result nb = b.Get(laptop);
  ASSERT_TRUE(nb);
  EXPECT_TRUE(absl::StrContains(nb->body, "<h1>nb-0003</h1>")) << nb->body.substr(0, 2000);
  EXPECT_TRUE(absl::StrContains(nb->body, "Dell Latitude 5440"));
  EXPECT_TRUE(absl::StrContains(nb->body, "1.180,00 €"));  // its purchase price
  EXPECT_TRUE(absl::StrContains(nb->body, "noch kein Bericht"));

  EXPECT_EQ(b.Get("/devices/999999")->status, 404);
}

TEST_F(WebTest, ApplicationsRenewalsRisksAndTheAuditLogForManagement) {
  const std::string viewer = Token({"--role", "viewer", "--name", "geschaeftsfuehrung"});
  Browser b = NewBrowser();
  ASSERT_EQ(b.SignIn(viewer), 303);

  httplib::Result apps = b.Get("/applications");
  ASSERT_TRUE(apps);
  ASSERT_EQ(apps->status, 200);
  EXPECT_TRUE(absl::StrContains(apps->body,
                                "<a href=\"https://zoom.us\" rel=\"noopener noreferrer\">Zoom</a>"))
      << apps->body;
  EXPECT_TRUE(absl::StrContains(
      apps->body, "<th scope=\"row\">Systemhaus Nord GmbH</th><td>IT-Dienstleister</td>"))
      << apps->body;
  EXPECT_TRUE(absl::StrContains(apps->body, "mailto:support@systemhaus-nord.example"));

  // Deadlines (term end less the notice period) by month, with the next term's cost: Zoom Pro
  // 2027-01-31 - 30 days = 01.01.2027, 3 x 159.90 = 479,70 €; Microsoft 365 2027-03-31 - 30 =
  // 01.03.2027, 8 x 11.70 x 12 = 1.123,20 €; Acrobat 2027-06-30 - 14 = 16.06.2027, 2 x 23.80 x
  // 12 = 571,20 €. (The sample's dates hold until the first of them passes.)
  httplib::Result renewals = b.Get("/renewals");
  ASSERT_TRUE(renewals);
  ASSERT_EQ(renewals->status, 200);
  const std::string& r = renewals->body;
  for (const char* month : {"<h2>Januar 2027</h2>", "<h2>März 2027</h2>", "<h2>Juni 2027</h2>"}) {
    EXPECT_TRUE(absl::StrContains(r, month)) << month << r;
  }
  EXPECT_LT(r.find("<h2>Januar 2027</h2>"),
            r.find("<time datetime=\"2027-01-01\">01.01.2027</time>"));
  EXPECT_LT(r.find("<time datetime=\"2027-01-01\">"), r.find("<h2>März 2027</h2>"));
  EXPECT_TRUE(absl::StrContains(r, "<time datetime=\"2027-03-01\">01.03.2027</time>"));
  EXPECT_TRUE(absl::StrContains(r, "<time datetime=\"2027-06-16\">16.06.2027</time>"));
  EXPECT_TRUE(absl::StrContains(r, "zusammen: <span class=\"money\">1.123,20 €</span>")) << r;
  EXPECT_TRUE(absl::StrContains(r, "zusammen: <span class=\"money\">571,20 €</span>")) << r;

  // Risky access, said in German from the findings' kinds, with links to the people.
  ProcessResult cli = server_.Admin({"report", "access", "--risky", "-o", "csv"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  httplib::Result risks = b.Get("/findings");
  ASSERT_TRUE(risks);
  ASSERT_EQ(risks->status, 200);
  if (absl::StrContains(cli.out, "privileged account without MFA")) {
    EXPECT_TRUE(absl::StrContains(risks->body, "Privilegierte Konten ohne MFA")) << risks->body;
  }
  if (absl::StrContains(cli.out, "orphaned account")) {
    EXPECT_TRUE(absl::StrContains(risks->body, "Konten ohne Person")) << risks->body;
  }
  // As many rows as the CLI lists findings (its CSV has a header line).
  EXPECT_EQ(Count(risks->body, "<tr><td>"), Count(cli.out, "\n") - 1) << cli.out << risks->body;

  // The audit log with the chain head the CLI's verification prints; 40 more events make it
  // longer than a page.
  for (int i = 0; i < 40; ++i) Token({"--role", "viewer", "--name", absl::StrCat("t", i)});
  httplib::Result audit = b.Get("/audit?verify=1");
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->status, 200);
  EXPECT_TRUE(absl::StrContains(audit->body, "Intakt:")) << audit->body.substr(0, 3000);
  ProcessResult verify = server_.Admin({"audit", "verify"});
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  const size_t head_at = verify.out.find("head ");
  ASSERT_NE(head_at, std::string::npos) << verify.out;
  const std::string head =
      verify.out.substr(head_at + 5, verify.out.find_first_of(" \n", head_at + 5) - head_at - 5);
  EXPECT_TRUE(absl::StrContains(audit->body, "<code class=\"head\">" + head + "</code>"))
      << head << audit->body.substr(0, 3000);
  ProcessResult events = server_.Admin({"audit", "list", "--limit", "1000", "-o", "csv"});
  const int total = Count(events.out, "\n") - 1;
  ASSERT_GT(total, 100);
  // The newest page, then the rest: every event once.
  EXPECT_EQ(Count(audit->body, "<tr><td class=\"n\">"), 100);
  EXPECT_TRUE(absl::StrContains(audit->body, absl::StrCat("<td class=\"n\">", total, "</td>")));
  const std::string next = FirstLink(audit->body, "/audit?page=");
  ASSERT_FALSE(next.empty()) << audit->body;
  httplib::Result older = b.Get(next);
  ASSERT_TRUE(older);
  EXPECT_EQ(older->status, 200);
  EXPECT_EQ(Count(older->body, "<tr><td class=\"n\">"), total - 100);
  EXPECT_TRUE(absl::StrContains(older->body, "<td class=\"n\">1</td>"));
}

TEST_F(WebTest, TheCliSaysTaskTitlesAndTheExportInTheLanguageAsked) {
  ASSERT_EQ(
      server_.Admin({"offboard", "bernd.mueller@weiss-haustechnik.de", "--last-day", "2027-06-30"})
          .exit_code,
      0);
  ProcessResult md = server_.Admin(
      {"task", "export", "--vendor", "Systemhaus Nord GmbH", "-o", "md", "--lang", "de"});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_TRUE(absl::StrContains(md.out, "# Offene Aufgaben für Systemhaus Nord GmbH\n")) << md.out;
  EXPECT_TRUE(absl::StrContains(
      md.out,
      "**Konto „bmueller“ von bernd.mueller@weiss-haustechnik.de in VPN sperren** "
      "(fällig am 30.06.2027)"))
      << md.out;
  ProcessResult table = server_.Admin({"task", "list", "--lang", "de", "-o", "wide"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_TRUE(absl::StrContains(table.out, "Rolle „VPN Außendienst“ von")) << table.out;
  // Without --lang, and in machine formats, the stored English titles.
  ProcessResult en =
      server_.Admin({"task", "export", "--vendor", "Systemhaus Nord GmbH", "-o", "md"});
  EXPECT_TRUE(absl::StrContains(en.out, "# Open tasks for Systemhaus Nord GmbH\n")) << en.out;
  EXPECT_TRUE(absl::StrContains(en.out, "(due 2027-06-30)")) << en.out;
  ProcessResult csv = server_.Admin({"task", "list", "--lang", "de", "-o", "csv"});
  EXPECT_TRUE(absl::StrContains(csv.out, ",Disable the account 'bmueller'")) << csv.out;
  EXPECT_FALSE(absl::StrContains(csv.out, "sperren")) << csv.out;
  // Without --lang the locale decides: German from LANG or LANGUAGE, English under C and for
  // languages the catalog lacks.
  const std::vector<std::string> export_md = {"task", "export", "--vendor", "Systemhaus Nord GmbH",
                                              "-o",   "md"};
  for (const std::vector<std::string>& env :
       {std::vector<std::string>{"LANG=de_DE.UTF-8"},
        std::vector<std::string>{"LANGUAGE=de:en", "LANG=en_US.UTF-8"}}) {
    ProcessResult r = server_.Cli(export_md, server_.admin_token(), env);
    EXPECT_TRUE(absl::StrContains(r.out, "# Offene Aufgaben für")) << env[0] << r.out;
  }
  // LC_ALL=C comes before LANG; French is not in the catalog.
  for (const std::vector<std::string>& env :
       {std::vector<std::string>{"LANG=de_DE.UTF-8", "LC_ALL=C"},
        std::vector<std::string>{"LANG=fr_FR.UTF-8"}}) {
    ProcessResult r = server_.Cli(export_md, server_.admin_token(), env);
    EXPECT_TRUE(absl::StrContains(r.out, "# Open tasks for")) << env.back() << r.out;
  }
  ProcessResult bad = server_.Admin({"task", "list", "--lang", "fr"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(bad.err, "--lang: 'fr' is not one of de, en")) << bad.err;
}

TEST(WebOptionsTest, AnIdleTimeoutOutsideItsRangeIsRefused) {
  TempDir dir;
  ASSERT_EQ(
      testing::RunProcess({BESTAND_SERVER_BIN, "init", "--data-dir", dir.File("data")}).exit_code,
      0);
  for (const char* idle : {"5s", "13h", "soon"}) {
    ProcessResult r = testing::RunProcess(
        {BESTAND_SERVER_BIN, "serve", "--data-dir", dir.File("data"), "--listen", "127.0.0.1:0",
         "--web-listen", "127.0.0.1:0", "--web-idle-timeout", idle});
    EXPECT_NE(r.exit_code, 0) << idle;
    EXPECT_TRUE(absl::StrContains(r.err, absl::StrCat("--web-idle-timeout: '", idle, "'")))
        << r.err;
  }
}

TEST(WebLinkTest, WithoutTheWebInterfaceThereAreNoLinks) {
  TempDir dir;
  testing::ServerProcess server;
  server.Init(dir.File("data"));
  server.Start();
  ProcessResult link = server.Admin({"token", "link", "--role", "viewer"});
  EXPECT_NE(link.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(link.err, "--web-listen")) << link.err;
}

}  // namespace
}  // namespace bestand
