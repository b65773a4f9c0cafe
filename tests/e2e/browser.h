// A browser's side of the web interface for the end-to-end tests: one HTTPS connection with a
// cookie jar, sign-in with a token, the CSRF token of a page.
#pragma once

#include <httplib.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace bestand::testing {

// A browser's view of the server: one connection, a cookie jar, TLS verified against the
// server's CA.
class Browser {
 public:
  Browser(int port, const std::string& ca) : client_("127.0.0.1", port) {
    client_.set_ca_cert_path(ca.c_str());
    client_.enable_server_certificate_verification(true);
  }

  httplib::Result Get(const std::string& path, httplib::Headers headers = {}) {
    AddCookies(headers);
    httplib::Result r = client_.Get(path.c_str(), headers);
    Keep(r);
    return r;
  }
  httplib::Result Post(const std::string& path, const httplib::Params& form,
                       httplib::Headers headers = {}) {
    AddCookies(headers);
    httplib::Result r = client_.Post(path.c_str(), headers, form);
    Keep(r);
    return r;
  }
  // The value of a hidden input `name` in `html`.
  static std::string Hidden(const std::string& html, const std::string& name) {
    const std::string marker = "name=\"" + name + "\" value=\"";
    size_t at = html.find(marker);
    if (at == std::string::npos) return "";
    at += marker.size();
    return html.substr(at, html.find('"', at) - at);
  }
  // Signs in with `token`; returns the status of the sign-in POST.
  int SignIn(const std::string& token) {
    httplib::Result form = Get("/sign-in");
    if (!form) return -1;
    httplib::Result r = Post("/sign-in", {{"csrf", Hidden(form->body, "csrf")}, {"token", token}});
    return r ? r->status : -1;
  }
  std::string Csrf() {
    httplib::Result page = Get("/");
    return page ? Hidden(page->body, "csrf") : "";
  }
  std::map<std::string, std::string>& cookies() { return cookies_; }
  std::vector<std::string> set_cookies;  // every Set-Cookie header received, in order

 private:
  void AddCookies(httplib::Headers& headers) {
    std::string cookie;
    for (const auto& [name, value] : cookies_) {
      absl::StrAppend(&cookie, cookie.empty() ? "" : "; ", name, "=", value);
    }
    if (!cookie.empty()) headers.emplace("Cookie", cookie);
  }
  void Keep(const httplib::Result& r) {
    if (!r) return;
    for (size_t i = 0, n = r->get_header_value_count("Set-Cookie"); i < n; ++i) {
      const std::string header = r->get_header_value("Set-Cookie", i);
      set_cookies.push_back(header);
      std::vector<std::string> parts = absl::StrSplit(header, ';');
      std::vector<std::string> kv = absl::StrSplit(parts[0], absl::MaxSplits('=', 1));
      if (kv.size() != 2) continue;
      if (kv[1].empty() || absl::StrContains(header, "Max-Age=0")) {
        cookies_.erase(kv[0]);
      } else {
        cookies_[kv[0]] = kv[1];
      }
    }
  }

  httplib::SSLClient client_;
  std::map<std::string, std::string> cookies_;
};

}  // namespace bestand::testing
