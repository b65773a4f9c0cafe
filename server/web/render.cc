#include "server/web/render.h"

#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "server/core/auth.h"

namespace bestand {

// The templates and static files, embedded by cmake/embed.cmake.
absl::string_view WebFile(absl::string_view name);

namespace {

using kainjow::mustache::mustache;

// Templates parsed once per thread: rendering a parsed template on several threads at once is
// not something the library promises.
absl::StatusOr<mustache*> Template(absl::string_view name) {
  thread_local std::map<std::string, std::unique_ptr<mustache>, std::less<>> parsed;
  auto it = parsed.find(name);
  if (it != parsed.end()) return it->second.get();
  absl::string_view text = WebFile(absl::StrCat("templates/", name, ".mustache"));
  if (text.empty()) return absl::InternalError(absl::StrCat("no template '", name, "'"));
  auto t = std::make_unique<mustache>(std::string(text));
  if (!t->is_valid()) {
    return absl::InternalError(absl::StrCat("template '", name, "': ", t->error_message()));
  }
  return parsed.emplace(std::string(name), std::move(t)).first->second.get();
}

// The catalog's texts as template data, built once per thread and language.
const PageData& Texts(const Messages& messages) {
  thread_local std::map<Lang, PageData> texts;
  auto it = texts.find(messages.lang());
  if (it != texts.end()) return it->second;
  PageData t;
  for (const auto& [key, text] : messages.All()) t.set(key, text);
  return texts.emplace(messages.lang(), std::move(t)).first->second;
}

std::string RoleText(const Messages& m, v1::Role role) {
  return m.Text(absl::StrCat("role_", RoleName(role)));
}

struct NavEntry {
  const char* href;
  const char* key;
  Permission needed;
};

}  // namespace

absl::StatusOr<std::string> RenderPage(const Messages& messages, absl::string_view template_name,
                                       PageData page, const PageFrame& frame) {
  const PageData& t = Texts(messages);
  page.set("t", t);
  if (frame.session != nullptr) page.set("csrf", frame.session->csrf_token);
  absl::StatusOr<mustache*> body = Template(template_name);
  if (!body.ok()) return body.status();
  std::string content = (*body)->render(page);
  if (!(*body)->error_message().empty()) {
    return absl::InternalError(
        absl::StrCat("template '", template_name, "': ", (*body)->error_message()));
  }

  PageData layout;
  layout.set("t", t);
  layout.set("lang", std::string(LangCode(messages.lang())));
  layout.set("title", frame.title);
  layout.set("path", frame.path);
  layout.set("content", content);
  layout.set("signed_in", frame.session != nullptr);
  if (frame.session != nullptr) {
    const Principal& who = frame.session->principal;
    layout.set("csrf", frame.session->csrf_token);
    layout.set("signed_in_as",
               messages.Format("signed_in_as",
                               {{"name", who.token_name}, {"role", RoleText(messages, who.role)}}));
    PageData nav = PageList();
    for (const NavEntry& e : {NavEntry{"/", "nav_dashboard", Permission::kRead},
                              NavEntry{"/licenses", "nav_licenses", Permission::kRead},
                              NavEntry{"/renewals", "nav_renewals", Permission::kRead},
                              NavEntry{"/people", "nav_people", Permission::kRead},
                              NavEntry{"/devices", "nav_devices", Permission::kRead},
                              NavEntry{"/applications", "nav_applications", Permission::kRead},
                              NavEntry{"/tasks", "nav_tasks", Permission::kTasks},
                              NavEntry{"/findings", "nav_findings", Permission::kRead},
                              NavEntry{"/audit", "nav_audit", Permission::kRead}}) {
      if (!Authorize(who, e.needed).ok()) continue;
      PageData item;
      item.set("href", e.href);
      item.set("label", messages.Text(e.key));
      item.set("current", frame.nav == e.href);
      nav.push_back(item);
    }
    layout.set("nav", nav);
  }
  absl::StatusOr<mustache*> frame_template = Template("layout");
  if (!frame_template.ok()) return frame_template.status();
  return (*frame_template)->render(layout);
}

absl::string_view StaticFile(absl::string_view name) {
  return WebFile(absl::StrCat("static/", name));
}

}  // namespace bestand
