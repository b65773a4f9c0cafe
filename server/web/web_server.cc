#include "server/web/web_server.h"

#include <httplib.h>
#include <openssl/crypto.h>

#include <functional>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/crypto.h"
#include "common/status_macros.h"
#include "server/http/rate_limit.h"
#include "server/web/report_cache.h"

namespace bestand {
namespace {

constexpr char kSessionCookie[] = "__Host-bestand_session";
constexpr char kSignInCookie[] = "__Host-bestand_signin";
constexpr char kLangCookie[] = "__Host-bestand_lang";

std::optional<std::string> Cookie(const httplib::Request& req, absl::string_view name) {
  for (size_t i = 0, n = req.get_header_value_count("Cookie"); i < n; ++i) {
    for (absl::string_view part : absl::StrSplit(req.get_header_value("Cookie", i), ';')) {
      part = absl::StripAsciiWhitespace(part);
      if (absl::ConsumePrefix(&part, name) && absl::ConsumePrefix(&part, "=")) {
        return std::string(part);
      }
    }
  }
  return std::nullopt;
}

std::string SetCookie(absl::string_view name, absl::string_view value, absl::string_view extra) {
  return absl::StrCat(name, "=", value, "; Path=/; Secure; HttpOnly; SameSite=Strict", extra);
}

bool SameSecret(absl::string_view a, absl::string_view b) {
  return !a.empty() && a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// A local path to return to: "/..." but neither "//host" nor anything with a scheme or a
// line break.
std::string LocalPath(absl::string_view back) {
  if (back.empty() || back[0] != '/' || absl::StartsWith(back, "//") ||
      back.find_first_of("\\\r\n") != absl::string_view::npos) {
    return "/";
  }
  return std::string(back);
}

void SecurityHeaders(httplib::Response& res) {
  if (res.has_header("Content-Security-Policy")) return;
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; frame-ancestors 'none'; form-action 'self'; "
                 "base-uri 'none'; object-src 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  // "same-origin", not "no-referrer": with no referrer browsers send "Origin: null" on POSTs.
  res.set_header("Referrer-Policy", "same-origin");
  res.set_header("Strict-Transport-Security", "max-age=31536000");
  if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
}

void Redirect(httplib::Response& res, absl::string_view to) {
  res.status = 303;
  res.set_header("Location", std::string(to));
}

}  // namespace

class WebApp {
 public:
  WebApp(const WebCore& core, const WebOptions& options)
      : core_(core),
        reports_(core.reports),
        sessions_(options.sessions, options.clock),
        idle_minutes_(std::max<int64_t>(
            1, absl::ToInt64Minutes(options.sessions.idle_timeout + absl::Seconds(30)))),
        sign_in_limit_(options.sign_in_burst, options.sign_in_refill_per_second) {}

  void Routes(httplib::Server& s) {
    s.set_post_routing_handler(
        [](const httplib::Request&, httplib::Response& res) { SecurityHeaders(res); });
    // Called for every status from 400 on; pages without a body are the library's own (no
    // route, a request it refused).
    s.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (res.body.empty()) {
        Messages m(Language(req));
        const bool not_found = res.status == 404;
        ErrorPage(req, res, m, nullptr, res.status,
                  m.Text(not_found ? "error_not_found_title" : "error_title"),
                  not_found ? m.Text("error_not_found") : absl::StrCat("HTTP ", res.status));
      }
      SecurityHeaders(res);
    });
    s.Get("/static/(app\\.css|app\\.js)", [](const httplib::Request& req, httplib::Response& res) {
      const std::string name = req.matches[1];
      res.set_header("Cache-Control", "public, max-age=3600");
      res.set_content(std::string(StaticFile(name)), absl::EndsWith(name, ".css")
                                                         ? "text/css; charset=utf-8"
                                                         : "text/javascript; charset=utf-8");
    });
    s.Get("/language", [](const httplib::Request& req, httplib::Response& res) {
      Lang lang;
      if (ParseLang(req.get_param_value("to"), &lang)) {
        res.set_header("Set-Cookie", SetCookie(kLangCookie, LangCode(lang), "; Max-Age=31536000"));
      }
      Redirect(res, LocalPath(req.get_param_value("back")));
    });
    s.Get("/sign-in", [this](const httplib::Request& req, httplib::Response& res) {
      if (auto session = CurrentSession(req)) return Redirect(res, Landing(session->principal));
      Messages m(Language(req));
      const std::string notice = req.get_param_value("m");
      SignInPage(req, res, m, 200,
                 notice == "signed_out" || notice == "session_ended" ? m.Text(notice) : "", "");
    });
    s.Post("/sign-in",
           [this](const httplib::Request& req, httplib::Response& res) { SignIn(req, res); });
    // A calendar feed: the secret in its address is the only credential (core/notify/calendar.h).
    s.Get("/calendar/([A-Za-z0-9_-]{1,100})\\.ics",
          [this](const httplib::Request& req, httplib::Response& res) {
            absl::StatusOr<std::string> feed =
                core_.calendars ? core_.calendars->Feed(std::string(req.matches[1]))
                                : absl::NotFoundError("no calendars");
            res.set_header("Cache-Control", "private, no-store");
            if (!feed.ok()) {
              res.status = absl::IsNotFound(feed.status()) ? 404 : 500;
              res.set_content("No such calendar.\n", "text/plain; charset=utf-8");
              return;
            }
            res.set_content(*std::move(feed), "text/calendar; charset=utf-8");
          });
    // A sign-in link shows a button first: mail scanners that open links do not use them up.
    s.Get("/link/([A-Za-z0-9_-]{1,200})", [this](const httplib::Request& req,
                                                 httplib::Response& res) {
      Messages m(Language(req));
      absl::StatusOr<std::string> form_token = NewSignInForm(res);
      if (!form_token.ok()) return StatusPage(req, res, m, nullptr, form_token.status());
      PageData page;
      page.set("csrf", *form_token);
      page.set("link", std::string(req.matches[1]));
      page.set("intro", m.Format("link_intro", {{"minutes", idle_minutes_}}));
      Render(req, res, m, nullptr, 200, "sign_in_link", std::move(page), m.Text("link_title"), "");
    });
    s.Post("/link", [this](const httplib::Request& req, httplib::Response& res) {
      Messages m(Language(req));
      if (!SignInFormAccepted(req, res, m)) return;
      absl::StatusOr<Principal> who = core_.tokens->RedeemSignInLink(req.get_param_value("link"));
      if (!who.ok()) {
        PageData page;
        page.set("error", m.Text("link_invalid"));
        page.set("intro", m.Format("link_intro", {{"minutes", idle_minutes_}}));
        return Render(req, res, m, nullptr, 401, "sign_in_link", std::move(page),
                      m.Text("link_title"), "");
      }
      StartSession(req, res, m, *who);
    });
    s.Post("/sign-out", [this](const httplib::Request& req, httplib::Response& res) {
      WithSession(req, res, Permission::kTasks, true, [&](const WebSession&, const Messages&) {
        if (auto id = Cookie(req, kSessionCookie)) sessions_.End(*id);
        res.set_header("Set-Cookie", SetCookie(kSessionCookie, "", "; Max-Age=0"));
        Redirect(res, "/sign-in?m=signed_out");
      });
    });
    s.Get("/", [this](const httplib::Request& req, httplib::Response& res) {
      // A provider has no dashboard: its landing page is its tasks.
      if (auto session = CurrentSession(req); session && session->principal.role == v1::VENDOR) {
        return Redirect(res, "/tasks");
      }
      ReadPage(req, res, "dashboard", "nav_dashboard", "/",
               [this](const Messages& m, const WebSession&) -> absl::StatusOr<PageData> {
                 BESTAND_ASSIGN_OR_RETURN(v1::SummaryReport r,
                                          reports_.Summary(DashboardRequest()));
                 return DashboardPage(r, m);
               });
    });
    s.Get("/licenses", [this](const httplib::Request& req, httplib::Response& res) {
      ReadPage(req, res, "licenses", "licenses_title", "/licenses",
               [this](const Messages& m, const WebSession&) -> absl::StatusOr<PageData> {
                 BESTAND_ASSIGN_OR_RETURN(v1::LicenseReport r, reports_.Licenses({}));
                 return LicensesPage(r, m);
               });
    });
    s.Get("/people", [this](const httplib::Request& req, httplib::Response& res) {
      ReadPage(req, res, "people", "people_title", "/people",
               [&](const Messages& m, const WebSession& session) {
                 return PeoplePage(core_, m, session.principal, req.get_param_value("q"),
                                   req.get_param_value("page"));
               });
    });
    s.Get("/people/([0-9]{1,18})", [this](const httplib::Request& req, httplib::Response& res) {
      ReadPage(
          req, res, "person", "", "/people", [&](const Messages& m, const WebSession& session) {
            absl::StatusOr<PageData> page = PersonPage(
                core_, m, session.principal, absl::StrCat("people/", std::string(req.matches[1])));
            const std::string notice = req.get_param_value("m");
            if (page.ok() && (notice == "offboarded" || notice == "onboarded")) {
              page->set("notice", m.Text(notice));
            }
            return page;
          });
    });
    s.Get("/devices", [this](const httplib::Request& req, httplib::Response& res) {
      ReadPage(req, res, "devices", "devices_title", "/devices",
               [&](const Messages& m, const WebSession&) {
                 return DevicesPage(core_, m, req.get_param_value("q"),
                                    req.get_param_value("page"));
               });
    });
    s.Get("/devices/([0-9]{1,18})", [this](const httplib::Request& req, httplib::Response& res) {
      ReadPage(req, res, "device", "", "/devices", [&](const Messages& m, const WebSession&) {
        int from = 0;
        if (!absl::SimpleAtoi(req.get_param_value("from"), &from)) from = 0;
        return DevicePage(core_, m, absl::StrCat("devices/", std::string(req.matches[1])),
                          req.get_param_value("sq"), from);
      });
    });
    s.Get("/applications", [this](const httplib::Request& req, httplib::Response& res) {
      ReadPage(req, res, "applications", "applications_title", "/applications",
               [this](const Messages& m, const WebSession&) { return ApplicationsPage(core_, m); });
    });
    s.Get("/renewals", [this](const httplib::Request& req, httplib::Response& res) {
      ReadPage(req, res, "renewals", "renewals_title", "/renewals",
               [this](const Messages& m, const WebSession&) -> absl::StatusOr<PageData> {
                 v1::RenewalReportRequest request;
                 request.set_within_days(kRenewalsDays);
                 BESTAND_ASSIGN_OR_RETURN(v1::RenewalReport r, reports_.Renewals(request));
                 return RenewalsPage(r, m);
               });
    });
    s.Get("/findings", [this](const httplib::Request& req, httplib::Response& res) {
      ReadPage(req, res, "findings", "findings_title", "/findings",
               [this](const Messages& m, const WebSession&) { return FindingsPage(core_, m); });
    });
    s.Get("/audit", [this](const httplib::Request& req, httplib::Response& res) {
      ReadPage(req, res, "audit", "audit_title", "/audit",
               [&](const Messages& m, const WebSession&) {
                 return AuditPage(core_, m, req.get_param_value("page"),
                                  req.get_param_value("verify") == "1");
               });
    });
    s.Post("/people/onboard", [this](const httplib::Request& req, httplib::Response& res) {
      WithSession(req, res, Permission::kWrite, true,
                  [&](const WebSession& session, const Messages& m) {
                    v1::OnboardRequest r;
                    r.set_email(req.get_param_value("email"));
                    r.set_display_name(req.get_param_value("display_name"));
                    r.set_department(req.get_param_value("department"));
                    r.set_job_title(req.get_param_value("job_title"));
                    r.set_template_(req.get_param_value("template"));
                    r.set_start_date(req.get_param_value("start_date"));
                    absl::StatusOr<v1::CaseView> done =
                        core_.workflow->Onboard(session.principal.Actor(), r);
                    if (!done.ok()) return Refused(req, res, m, session, done.status());
                    Redirect(res, absl::StrCat("/", done->record().person(), "?m=onboarded"));
                  });
    });
    s.Post("/people/([0-9]{1,18})/offboard", [this](const httplib::Request& req,
                                                    httplib::Response& res) {
      WithSession(req, res, Permission::kWrite, true,
                  [&](const WebSession& session, const Messages& m) {
                    const std::string person = absl::StrCat("people/", std::string(req.matches[1]));
                    v1::OffboardRequest r;
                    r.set_person(person);
                    r.set_last_day(req.get_param_value("last_day"));
                    absl::StatusOr<v1::CaseView> done =
                        core_.workflow->Offboard(session.principal.Actor(), r);
                    if (!done.ok()) return Refused(req, res, m, session, done.status());
                    Redirect(res, absl::StrCat("/", person, "?m=offboarded"));
                  });
    });
    s.Post("/people/([0-9]{1,18})/activate", [this](const httplib::Request& req,
                                                    httplib::Response& res) {
      WithSession(
          req, res, Permission::kWrite, true, [&](const WebSession& session, const Messages& m) {
            const std::string person = absl::StrCat("people/", std::string(req.matches[1]));
            if (!core_.connectors) {
              return Refused(req, res, m, session,
                             absl::FailedPreconditionError("no application is connected"));
            }
            v1::ActivateAccountsRequest r;
            r.set_person(person);
            absl::StatusOr<v1::ActivateAccountsResponse> done =
                core_.connectors->Activate(session.principal.Actor(), r);
            if (!done.ok()) return Refused(req, res, m, session, done.status());
            // The passwords are in this answer only (no-store): no redirect to a page that
            // could show them again.
            absl::StatusOr<PageData> page = PersonPage(core_, m, session.principal, person);
            if (!page.ok()) return StatusPage(req, res, m, &session, page.status());
            SetActivated(*page, core_, m, *done);
            const std::string title = NameOf(*page);
            Render(req, res, m, &session, 200, "person", *std::move(page), title, "/people");
          });
    });
    s.Get("/tasks", [this](const httplib::Request& req, httplib::Response& res) {
      ReadPage(
          req, res, "tasks", "tasks_title", "/tasks",
          [&](const Messages& m, const WebSession& session) {
            absl::StatusOr<PageData> page =
                TasksPage(core_, m, session.principal, req.get_param_value("show"),
                          req.get_param_value("page"));
            if (page.ok() && req.get_param_value("m") == "saved") {
              page->set("notice", m.Text("saved"));
            }
            return page;
          },
          Permission::kTasks);
    });
    s.Get("/tasks.csv", [this](const httplib::Request& req, httplib::Response& res) {
      WithSession(req, res, Permission::kTasks, false,
                  [&](const WebSession& session, const Messages& m) {
                    absl::StatusOr<std::string> csv = TasksCsv(core_, session.principal);
                    if (!csv.ok()) return StatusPage(req, res, m, &session, csv.status());
                    res.set_header("Content-Disposition", "attachment; filename=\"tasks.csv\"");
                    res.set_content(*std::move(csv), "text/csv; charset=utf-8");
                  });
    });
    for (const auto& [verb, status] :
         {std::pair{"done", v1::Task::DONE}, std::pair{"accept", v1::Task::ACCEPTED}}) {
      const v1::Task::Status to = status;
      s.Post(absl::StrCat("/tasks/([0-9]{1,18})/", verb),
             [this, to](const httplib::Request& req, httplib::Response& res) {
               WithSession(req, res, AuthorizeTaskChange, true,
                           [&](const WebSession& session, const Messages& m) {
                             v1::UpdateTaskStatusRequest r;
                             r.set_name(absl::StrCat("tasks/", std::string(req.matches[1])));
                             r.set_status(to);
                             r.set_evidence(req.get_param_value("evidence"));
                             absl::StatusOr<v1::Task> updated = core_.workflow->UpdateTaskStatus(
                                 session.principal.Actor(), TaskScopeOf(session.principal), r);
                             if (!updated.ok()) {
                               return Refused(req, res, m, session, updated.status());
                             }
                             Redirect(res, "/tasks?m=saved");
                           });
             });
    }
  }

 private:
  using Handle = std::function<void(const WebSession&, const Messages&)>;
  using Check = std::function<absl::Status(const Principal&)>;
  using Build = std::function<absl::StatusOr<PageData>(const Messages&, const WebSession&)>;

  // A page's "name", which titles pages about one record; empty when it has none.
  static std::string NameOf(const PageData& page) {
    const PageData* name = page.get("name");
    return name != nullptr && name->is_string() ? name->string_value() : "";
  }

  static std::string Landing(const Principal& who) {
    return who.role == v1::VENDOR ? "/tasks" : "/";
  }

  // A page for roles with `needed`, built by `build`. `title_key` empty: the page's "name" is
  // its title.
  void ReadPage(const httplib::Request& req, httplib::Response& res,
                const std::string& template_name, const std::string& title_key,
                const std::string& nav, const Build& build, Permission needed = Permission::kRead) {
    WithSession(req, res, needed, false, [&](const WebSession& session, const Messages& m) {
      absl::StatusOr<PageData> page = build(m, session);
      if (!page.ok()) return StatusPage(req, res, m, &session, page.status());
      const std::string title = title_key.empty() ? NameOf(*page) : m.Text(title_key);
      Render(req, res, m, &session, 200, template_name, *std::move(page), title, nav);
    });
  }

  // A change the core refused: what it said, with the status it means.
  void Refused(const httplib::Request& req, httplib::Response& res, const Messages& m,
               const WebSession& session, const absl::Status& status) {
    if (absl::IsNotFound(status)) return StatusPage(req, res, m, &session, status);
    int code = 400;
    if (absl::IsPermissionDenied(status)) code = 403;
    if (absl::IsFailedPrecondition(status) || absl::IsAlreadyExists(status)) code = 409;
    if (absl::IsInternal(status) || absl::IsUnavailable(status)) code = 500;
    ErrorPage(req, res, m, &session, code, m.Text("error_title"),
              m.Format("error_rejected", {{"message", std::string(status.message())}}));
  }

  Lang Language(const httplib::Request& req) const {
    Lang lang;
    if (auto chosen = Cookie(req, kLangCookie); chosen && ParseLang(*chosen, &lang)) return lang;
    return LangFromAcceptLanguage(req.get_header_value("Accept-Language"));
  }

  // The signed-in session, while its token is still active.
  std::optional<WebSession> CurrentSession(const httplib::Request& req) {
    std::optional<std::string> id = Cookie(req, kSessionCookie);
    if (!id) return std::nullopt;
    std::optional<WebSession> session = sessions_.Find(*id);
    if (session && !core_.tokens->CheckActive(session->principal.token_id).ok()) {
      sessions_.End(*id);
      return std::nullopt;
    }
    return session;
  }

  // A POST must come from a page of this server: browsers send Origin with every POST.
  static bool SameOrigin(const httplib::Request& req) {
    if (!req.has_header("Origin")) return true;  // not a browser's cross-site request
    return req.get_header_value("Origin") == absl::StrCat("https://", req.get_header_value("Host"));
  }

  void WithSession(const httplib::Request& req, httplib::Response& res, Permission needed,
                   bool post, const Handle& handle) {
    WithSession(
        req, res, [needed](const Principal& who) { return Authorize(who, needed); }, post, handle);
  }
  // Runs `handle` for a signed-in person whom `check` lets through; `post` also checks the
  // request's origin and CSRF token. Otherwise answers: to the sign-in page, or 403.
  void WithSession(const httplib::Request& req, httplib::Response& res, const Check& check,
                   bool post, const Handle& handle) {
    Messages m(Language(req));
    std::optional<WebSession> session = CurrentSession(req);
    if (!session) {
      if (post) {
        return ErrorPage(req, res, m, nullptr, 403, m.Text("error_forbidden_title"),
                         m.Text("session_ended"));
      }
      return Redirect(res, Cookie(req, kSessionCookie) ? "/sign-in?m=session_ended" : "/sign-in");
    }
    if (!check(session->principal).ok()) {
      return ErrorPage(
          req, res, m, &*session, 403, m.Text("error_forbidden_title"),
          m.Format("error_forbidden",
                   {{"role", m.Text(absl::StrCat("role_", RoleName(session->principal.role)))}}));
    }
    if (post &&
        (!SameOrigin(req) || !SameSecret(req.get_param_value("csrf"), session->csrf_token))) {
      return ErrorPage(req, res, m, &*session, 403, m.Text("error_forbidden_title"),
                       m.Text("error_csrf"));
    }
    handle(*session, m);
  }

  void SignIn(const httplib::Request& req, httplib::Response& res) {
    Messages m(Language(req));
    if (!SignInFormAccepted(req, res, m)) return;
    absl::StatusOr<Principal> who = core_.tokens->Authenticate(req.get_param_value("token"));
    if (!who.ok()) return SignInPage(req, res, m, 401, "", m.Text("sign_in_unknown"));
    if (who->role == v1::INVENTORY) {
      return SignInPage(req, res, m, 403, "", m.Text("sign_in_inventory"));
    }
    StartSession(req, res, m, *who);
  }

  // The sign-in forms (token and link) carry a token of their own in a cookie and a field:
  // a login CSRF would sign a victim in as the attacker. A new one for each form shown.
  static absl::StatusOr<std::string> NewSignInForm(httplib::Response& res) {
    absl::StatusOr<std::string> form_token = RandomToken(32);
    if (form_token.ok()) {
      res.set_header("Set-Cookie", SetCookie(kSignInCookie, *form_token, "; Max-Age=3600"));
    }
    return form_token;
  }

  // True when a sign-in POST came from our form and its address may try again; otherwise
  // answers with the sign-in page and the reason.
  bool SignInFormAccepted(const httplib::Request& req, httplib::Response& res, const Messages& m) {
    std::optional<std::string> form_token = Cookie(req, kSignInCookie);
    if (!SameOrigin(req) || !form_token || !SameSecret(req.get_param_value("csrf"), *form_token)) {
      SignInPage(req, res, m, 403, "", m.Text("sign_in_form_expired"));
      return false;
    }
    if (!sign_in_limit_.Allow(req.remote_addr)) {
      SignInPage(req, res, m, 429, "", m.Text("sign_in_rate"));
      return false;
    }
    return true;
  }

  void StartSession(const httplib::Request& req, httplib::Response& res, const Messages& m,
                    const Principal& who) {
    // A new id at every sign-in: an id planted before sign-in is worth nothing after it.
    if (auto old = Cookie(req, kSessionCookie)) sessions_.End(*old);
    absl::StatusOr<std::string> id = sessions_.Create(who);
    if (!id.ok()) return StatusPage(req, res, m, nullptr, id.status());
    res.set_header("Set-Cookie", SetCookie(kSessionCookie, *id, ""));
    res.set_header("Set-Cookie", SetCookie(kSignInCookie, "", "; Max-Age=0"));
    Redirect(res, Landing(who));
  }

  void SignInPage(const httplib::Request& req, httplib::Response& res, const Messages& m,
                  int status, const std::string& notice, const std::string& error) {
    absl::StatusOr<std::string> form_token = NewSignInForm(res);
    if (!form_token.ok()) return StatusPage(req, res, m, nullptr, form_token.status());
    PageData page;
    page.set("csrf", *form_token);
    page.set("intro", m.Format("sign_in_intro", {{"minutes", idle_minutes_}}));
    if (!notice.empty()) page.set("notice", notice);
    if (!error.empty()) page.set("error", error);
    Render(req, res, m, nullptr, status, "sign_in", std::move(page), m.Text("sign_in_title"), "");
  }

  void StatusPage(const httplib::Request& req, httplib::Response& res, const Messages& m,
                  const WebSession* session, const absl::Status& status) {
    if (absl::IsNotFound(status)) {
      return ErrorPage(req, res, m, session, 404, m.Text("error_not_found_title"),
                       m.Text("error_not_found"));
    }
    ErrorPage(req, res, m, session, 500, m.Text("error_title"),
              m.Format("error_internal", {{"message", std::string(status.message())}}));
  }

  void ErrorPage(const httplib::Request& req, httplib::Response& res, const Messages& m,
                 const WebSession* session, int status, const std::string& heading,
                 const std::string& message) {
    PageData page;
    page.set("heading", heading);
    page.set("message", message);
    page.set("signed_in", session != nullptr);
    Render(req, res, m, session, status, "error", std::move(page), heading, "");
  }

  void Render(const httplib::Request& req, httplib::Response& res, const Messages& m,
              const WebSession* session, int status, const std::string& template_name,
              PageData page, const std::string& title, const std::string& nav) {
    PageFrame frame;
    frame.title = title;
    frame.path = httplib::detail::encode_query_param(req.target.empty() ? req.path : req.target);
    frame.session = session;
    frame.nav = nav;
    absl::StatusOr<std::string> html = RenderPage(m, template_name, std::move(page), frame);
    if (!html.ok()) {
      res.status = 500;
      res.set_content(std::string(html.status().message()), "text/plain; charset=utf-8");
      return;
    }
    res.status = status;
    res.set_content(*std::move(html), "text/html; charset=utf-8");
  }

  const WebCore core_;
  ReportCache reports_;
  SessionStore sessions_;
  const int64_t idle_minutes_;  // as the sign-in pages say it
  RateLimit sign_in_limit_;
};

absl::StatusOr<std::unique_ptr<WebServer>> WebServer::Start(const std::string& listen,
                                                            const std::string& cert_pem,
                                                            const std::string& key_pem,
                                                            const WebCore& core,
                                                            const WebOptions& options) {
  std::unique_ptr<WebServer> s(new WebServer());
  s->app_ = std::make_unique<WebApp>(core, options);
  WebApp* app = s->app_.get();
  auto https = HttpsServer::Start("the web interface", listen, cert_pem, key_pem, options.https,
                                  [app](httplib::Server& server) { app->Routes(server); });
  if (!https.ok()) return https.status();
  s->https_ = *std::move(https);
  return s;
}

WebServer::~WebServer() = default;

}  // namespace bestand
