// Pages rendered from the Mustache templates in server/web/templates (compiled into the
// binary), always inside layout.mustache. Templates escape every value they print ({{x}});
// none prints raw HTML but the layout's {{{content}}}, the page it wraps.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/i18n/catalog.h"
#include "kainjow/mustache.hpp"
#include "server/web/sessions.h"

namespace bestand {

using PageData = kainjow::mustache::data;

// An empty list for PageData.
inline PageData PageList() { return PageData(PageData::type::list); }

// What the layout around a page shows.
struct PageFrame {
  std::string title;
  // The request's path and query, for the language switch to return to.
  std::string path;
  // nullptr before sign-in: no navigation, no sign-out.
  const WebSession* session = nullptr;
  // The navigation entry of this page ("/", "/licenses", "/people").
  std::string nav;
};

// The page `template_name` ("dashboard" for templates/dashboard.mustache) with `page` and the
// catalog's texts as `t`, inside the layout. INTERNAL naming the template when it is missing or
// does not parse.
absl::StatusOr<std::string> RenderPage(const Messages& messages, absl::string_view template_name,
                                       PageData page, const PageFrame& frame);

// A static file of server/web/static ("app.css"); empty when there is none.
absl::string_view StaticFile(absl::string_view name);

}  // namespace bestand
