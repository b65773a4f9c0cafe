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

namespace bestand::agent::collect {
namespace {

// Just enough XML for AppStream metainfo: find start tags outside comments, read attributes
// and text, decode the predefined entities.

// Metainfo is UTF-8; encoding character references as UTF-8 keeps names like "Ærø" intact.
void AppendUtf8(uint32_t code, std::string* out) {
  if (code < 0x80) {
    out->push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code >> 6)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

// Appends what entity `ent` (the text between '&' and ';') stands for to `*out`; false, and
// nothing appended, for one it does not know.
bool AppendEntity(absl::string_view ent, std::string* out) {
  static constexpr std::pair<absl::string_view, char> kEntities[] = {
      {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
  for (const auto& [name, c] : kEntities) {
    if (ent == name) {
      out->push_back(c);
      return true;
    }
  }
  uint32_t code = 0;
  if (!absl::ConsumePrefix(&ent, "#")) return false;
  bool ok = absl::ConsumePrefix(&ent, "x") ? absl::SimpleHexAtoi(ent, &code)
                                           : absl::SimpleAtoi(ent, &code);
  if (!ok || code == 0 || code >= 0x110000) return false;
  AppendUtf8(code, out);
  return true;
}

struct XmlTag {
  absl::string_view name;
  absl::string_view attributes;
  size_t content = 0;  // offset just past the tag's '>'
};

// The next start tag at or after `*pos`, skipping comments, processing instructions, CDATA and
// end tags. False at the end of the document.
bool NextStartTag(absl::string_view xml, size_t* pos, XmlTag* tag) {
  while (true) {
    size_t lt = xml.find('<', *pos);
    if (lt == absl::string_view::npos) return false;
    absl::string_view rest = xml.substr(lt);
    size_t skip_to = absl::string_view::npos;
    if (absl::StartsWith(rest, "<!--")) {
      skip_to = xml.find("-->", lt);
      if (skip_to != absl::string_view::npos) skip_to += 3;
    } else if (absl::StartsWith(rest, "<![CDATA[")) {
      skip_to = xml.find("]]>", lt);
      if (skip_to != absl::string_view::npos) skip_to += 3;
    } else if (absl::StartsWith(rest, "<?") || absl::StartsWith(rest, "<!") ||
               absl::StartsWith(rest, "</")) {
      skip_to = xml.find('>', lt);
      if (skip_to != absl::string_view::npos) skip_to += 1;
    } else {
      size_t gt = xml.find('>', lt);
      if (gt == absl::string_view::npos) return false;
      absl::string_view inner = xml.substr(lt + 1, gt - lt - 1);
      if (absl::EndsWith(inner, "/")) inner.remove_suffix(1);
      size_t name_end = inner.find_first_of(" \t\r\n");
      tag->name = inner.substr(0, name_end);
      tag->attributes = name_end == absl::string_view::npos ? "" : inner.substr(name_end);
      tag->content = gt + 1;
      *pos = gt + 1;
      return true;
    }
    if (skip_to == absl::string_view::npos) return false;
    *pos = skip_to;
  }
}

// The text right after start tag `tag`, up to the next tag, whitespace stripped and unescaped.
std::string XmlText(absl::string_view xml, const XmlTag& tag) {
  size_t end = xml.find('<', tag.content);
  if (end == absl::string_view::npos) return "";
  return XmlUnescape(absl::StripAsciiWhitespace(xml.substr(tag.content, end - tag.content)));
}

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

std::string XmlUnescape(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == absl::string_view::npos || semi - i > 10) {
      out.push_back(s[i]);
      continue;
    }
    if (AppendEntity(s.substr(i + 1, semi - i - 1), &out)) {
      i = semi;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string XmlAttribute(absl::string_view attributes, absl::string_view name) {
  size_t pos = 0;
  while (pos < attributes.size()) {
    size_t eq = attributes.find('=', pos);
    if (eq == absl::string_view::npos) return "";
    absl::string_view key = absl::StripAsciiWhitespace(attributes.substr(pos, eq - pos));
    size_t q = attributes.find_first_not_of(" \t\r\n", eq + 1);
    if (q == absl::string_view::npos || (attributes[q] != '"' && attributes[q] != '\'')) return "";
    size_t close = attributes.find(attributes[q], q + 1);
    if (close == absl::string_view::npos) return "";
    if (key == name) return XmlUnescape(attributes.substr(q + 1, close - q - 1));
    pos = close + 1;
  }
  return "";
}

// Translations carry xml:lang and are skipped.
Metainfo ParseMetainfo(absl::string_view xml) {
  Metainfo m;
  bool have_release = false, in_developer = false;
  size_t pos = 0;
  XmlTag tag;
  while (NextStartTag(xml, &pos, &tag)) {
    const bool translated = absl::StrContains(tag.attributes, "xml:lang");
    if (tag.name == "release" && !have_release) {
      m.version = XmlAttribute(tag.attributes, "version");
      have_release = true;
    } else if (tag.name == "developer_name" && !translated && m.developer.empty()) {
      m.developer = XmlText(xml, tag);
    } else if (tag.name == "developer") {
      in_developer = true;
    } else if (tag.name == "name" && in_developer && !translated && m.developer.empty()) {
      m.developer = XmlText(xml, tag);
    } else if (tag.name != "name") {
      in_developer = false;
    }
  }
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
