#include "agent/collect/linux/flatpak.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/xml.h"

namespace bestand::agent::collect {
namespace {

// Sets version and publisher of `*p` from the first metainfo file deployment `deploy` of app
// `id` has; `*text` is scratch space. Older apps install appdata under the pre-2016 name and
// directory.
void ReadMetainfo(const std::string& deploy, const std::string& id, std::string* text,
                  v1::SoftwarePackage* p) {
  for (const std::string& candidate : {deploy + "/files/share/metainfo/" + id + ".metainfo.xml",
                                       deploy + "/files/share/metainfo/" + id + ".appdata.xml",
                                       deploy + "/files/share/appdata/" + id + ".appdata.xml"}) {
    if (ReadFileTo(candidate, text).ok()) {
      Metainfo m = ParseMetainfo(*text);
      p->set_version(m.version);
      p->set_publisher(m.developer);
      return;
    }
  }
}

}  // namespace

namespace {

// Document order: the first <release>, the first untranslated <developer_name> or
// <developer><name>.
void Visit(const XmlElement& e, bool* have_release, Metainfo* m) {
  const bool translated = !e.Attribute("xml:lang").empty();
  if (e.name == "release" && !*have_release) {
    m->version = e.Attribute("version");
    *have_release = true;
  } else if (e.name == "developer_name" && !translated && m->developer.empty()) {
    m->developer = std::string(absl::StripAsciiWhitespace(e.text));
  } else if (e.name == "developer" && m->developer.empty()) {
    for (const XmlElement& child : e.children) {
      if (child.name == "name" && child.Attribute("xml:lang").empty()) {
        m->developer = std::string(absl::StripAsciiWhitespace(child.text));
        break;
      }
    }
  }
  for (const XmlElement& child : e.children) Visit(child, have_release, m);
}

}  // namespace

Metainfo ParseMetainfo(absl::string_view xml) {
  Metainfo m;
  absl::StatusOr<XmlElement> root = ParseXml(xml);
  if (!root.ok()) return m;  // a broken file says nothing
  bool have_release = false;
  Visit(*root, &have_release, &m);
  return m;
}

std::string FlatpakMetadataName(absl::string_view text) {
  std::string name;
  bool in_application = false;
  ForEachLine(text, [&](absl::string_view line, int) {
    line = absl::StripAsciiWhitespace(line);
    if (absl::StartsWith(line, "[")) {
      in_application = line == "[Application]";
    } else if (in_application && absl::ConsumePrefix(&line, "name=") && name.empty()) {
      name = std::string(line);
    }
  });
  return name;
}

// /var/lib/flatpak/app/ID/current -> ARCH/BRANCH, ARCH/BRANCH/active -> COMMIT, and the
// deployment in ARCH/BRANCH/COMMIT holds "metadata" and the app's files/.
absl::Status CollectFlatpak(const std::string& root, Packages* out) {
  const std::string dir = Under(root, "/var/lib/flatpak/app");
  std::vector<std::string> ids;
  absl::Status st = ListDir(dir, &ids);
  if (absl::IsNotFound(st)) return absl::OkStatus();
  if (!st.ok()) return st;
  absl::Status result;
  std::string current, commit, text;
  for (const std::string& id : ids) {
    const std::string app_dir = dir + "/" + id;
    if (!ReadLink(app_dir + "/current", &current).ok()) continue;  // not (fully) installed
    std::vector<std::string> arch_branch = absl::StrSplit(current, '/');
    if (arch_branch.size() != 2 || arch_branch[0].empty() || arch_branch[1].empty()) {
      result.Update(absl::InvalidArgumentError(
          absl::StrCat("flatpak ", id, ": current points to '", current, "', not ARCH/BRANCH")));
      continue;
    }
    const std::string branch_dir = app_dir + "/" + current;
    const std::string active = branch_dir + "/active";
    st = ReadLink(active, &commit);
    if (!st.ok()) {
      result.Update(absl::NotFoundError(absl::StrCat("flatpak ", id, ": ", st.message())));
      continue;
    }
    const std::string deploy = ResolveTarget(root, branch_dir, commit);
    st = ReadFileTo(deploy + "/metadata", &text);
    if (!st.ok()) {
      result.Update(absl::NotFoundError(absl::StrCat("flatpak ", id, ": ", st.message())));
      continue;
    }
    std::string name = FlatpakMetadataName(text);
    v1::SoftwarePackage& p = out->emplace_back();
    p.set_source("flatpak");
    p.set_name(name.empty() ? id : name);
    p.set_architecture(arch_branch[0]);
    ReadMetainfo(deploy, id, &text, &p);
    // flatpak re-points "active" on every deploy of this branch.
    if (int64_t t = LinkMtimeSeconds(active); t > 0) SetSeconds(t, p.mutable_install_time());
  }
  return result;
}

}  // namespace bestand::agent::collect
