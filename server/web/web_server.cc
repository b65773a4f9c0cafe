#include "server/web/web_server.h"

#include <httplib.h>
#include <openssl/crypto.h>

#include <functional>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/crypto.h"
#include "server/http/rate_limit.h"

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
        sessions_(options.sessions, options.clock),
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
      if (CurrentSession(req)) return Redirect(res, "/");
      Messages m(Language(req));
      const std::string notice = req.get_param_value("m");
      SignInPage(req, res, m, 200,
                 notice == "signed_out" || notice == "session_ended" ? m.Text(notice) : "", "");
    });
    s.Post("/sign-in",
           [this](const httplib::Request& req, httplib::Response& res) { SignIn(req, res); });
    s.Post("/sign-out", [this](const httplib::Request& req, httplib::Response& res) {
      WithSession(req, res, Permission::kTasks, true, [&](const WebSession&, const Messages&) {
        if (auto id = Cookie(req, kSessionCookie)) sessions_.End(*id);
        res.set_header("Set-Cookie", SetCookie(kSessionCookie, "", "; Max-Age=0"));
        Redirect(res, "/sign-in?m=signed_out");
      });
    });
    Page(s, "/", "dashboard", "nav_dashboard", "/",
         [this](const httplib::Request&, const Messages& m) { return DashboardPage(core_, m); });
    Page(s, "/licenses", "licenses", "licenses_title", "/licenses",
         [this](const httplib::Request&, const Messages& m) { return LicensesPage(core_, m); });
    Page(s, "/people", "people", "people_title", "/people",
         [this](const httplib::Request& req, const Messages& m) {
           return PeoplePage(core_, m, req.get_param_value("q"), req.get_param_value("page"));
         });
    Page(s, "/people/([0-9]{1,18})", "person", "", "/people",
         [this](const httplib::Request& req, const Messages& m) {
           return PersonPage(core_, m, absl::StrCat("people/", std::string(req.matches[1])));
         });
  }

 private:
  using Build = std::function<absl::StatusOr<PageData>(const httplib::Request&, const Messages&)>;

  // A read-only page for roles that may read the inventory. `title_key` empty: the page's
  // "name" is its title.
  void Page(httplib::Server& s, const std::string& pattern, std::string template_name,
            std::string title_key, std::string nav, Build build) {
    s.Get(pattern, [=, this](const httplib::Request& req, httplib::Response& res) {
      WithSession(req, res, Permission::kRead, false,
                  [&](const WebSession& session, const Messages& m) {
                    absl::StatusOr<PageData> page = build(req, m);
                    if (!page.ok()) return StatusPage(req, res, m, &session, page.status());
                    std::string title;
                    if (title_key.empty()) {
                      const auto* name = page->get("name");
                      title = name != nullptr && name->is_string() ? name->string_value() : "";
                    } else {
                      title = m.Text(title_key);
                    }
                    Render(req, res, m, &session, 200, template_name, *std::move(page), title, nav);
                  });
    });
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

  // Runs `handle` for a signed-in person whose role has `needed`; `post` also checks the
  // request's origin and CSRF token. Otherwise answers: to the sign-in page, 403 or 400.
  void WithSession(const httplib::Request& req, httplib::Response& res, Permission needed,
                   bool post,
                   const std::function<void(const WebSession&, const Messages&)>& handle) {
    Messages m(Language(req));
    std::optional<WebSession> session = CurrentSession(req);
    if (!session) {
      if (post) {
        return ErrorPage(req, res, m, nullptr, 403, m.Text("error_forbidden_title"),
                         m.Text("session_ended"));
      }
      return Redirect(res, Cookie(req, kSessionCookie) ? "/sign-in?m=session_ended" : "/sign-in");
    }
    if (!Authorize(session->principal, needed).ok()) {
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
    std::optional<std::string> form_token = Cookie(req, kSignInCookie);
    if (!SameOrigin(req) || !form_token || !SameSecret(req.get_param_value("csrf"), *form_token)) {
      return SignInPage(req, res, m, 403, "", m.Text("sign_in_form_expired"));
    }
    if (!sign_in_limit_.Allow(req.remote_addr)) {
      return SignInPage(req, res, m, 429, "", m.Text("sign_in_rate"));
    }
    absl::StatusOr<Principal> who = core_.tokens->Authenticate(req.get_param_value("token"));
    if (!who.ok()) return SignInPage(req, res, m, 401, "", m.Text("sign_in_unknown"));
    if (who->role == v1::INVENTORY) {
      return SignInPage(req, res, m, 403, "", m.Text("sign_in_inventory"));
    }
    // A new id at every sign-in: an id planted before sign-in is worth nothing after it.
    if (auto old = Cookie(req, kSessionCookie)) sessions_.End(*old);
    absl::StatusOr<std::string> id = sessions_.Create(*who);
    if (!id.ok()) return StatusPage(req, res, m, nullptr, id.status());
    res.set_header("Set-Cookie", SetCookie(kSessionCookie, *id, ""));
    res.set_header("Set-Cookie", SetCookie(kSignInCookie, "", "; Max-Age=0"));
    Redirect(res, "/");
  }

  void SignInPage(const httplib::Request& req, httplib::Response& res, const Messages& m,
                  int status, const std::string& notice, const std::string& error) {
    absl::StatusOr<std::string> form_token = RandomToken(32);
    if (!form_token.ok()) return StatusPage(req, res, m, nullptr, form_token.status());
    res.set_header("Set-Cookie", SetCookie(kSignInCookie, *form_token, "; Max-Age=3600"));
    PageData page;
    page.set("csrf", *form_token);
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
  SessionStore sessions_;
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
