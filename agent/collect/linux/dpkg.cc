#include "agent/collect/linux/dpkg.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace bestand::agent::collect {
namespace {

// A stanza being read.
struct DpkgStanza {
  DpkgPackage fields;
  absl::string_view status;
  int line = 0;      // where the stanza starts, for messages
  bool bad = false;  // a malformed line inside; the stanza is dropped
  bool any = false;  // has at least one field
};

void SetField(absl::string_view key, absl::string_view value, DpkgStanza* e) {
  // Field names are case-insensitive in deb822; dpkg writes them capitalised, so the exact
  // compare usually decides and the fallback costs nothing.
  auto is = [&](absl::string_view name) {
    return key == name || absl::EqualsIgnoreCase(key, name);
  };
  switch (key[0] | 0x20) {
    case 'p':
      if (is("Package")) e->fields.package = value;
      break;
    case 's':
      if (is("Status")) e->status = value;
      break;
    case 'a':
      if (is("Architecture")) e->fields.architecture = value;
      break;
    case 'v':
      if (is("Version")) e->fields.version = value;
      break;
    case 'm':
      if (is("Maintainer")) {
        e->fields.maintainer = value;
      } else if (is("Multi-Arch")) {
        e->fields.multi_arch = value;
      }
      break;
    default:
      break;
  }
}

// Keeps the stanza `*e` if it is a good one of an installed package, and starts the next.
void FinishStanza(DpkgStanza* e, std::vector<DpkgPackage>* installed, absl::Status* result) {
  if (e->any && !e->bad) {
    if (e->fields.package.empty()) {
      result->Update(absl::InvalidArgumentError(
          absl::StrCat("dpkg status line ", e->line, ": stanza without a Package field")));
    } else if (IsInstalledStatus(e->status)) {
      installed->push_back(e->fields);
    }
  }
  *e = DpkgStanza();
}

// dpkg names the file list "NAME:ARCH.list" for Multi-Arch: same packages, which can be
// installed for several architectures at once, and "NAME.list" otherwise. `*list_path` is
// scratch space, reused across the thousands of packages.
int64_t ListMtime(const std::string& info_dir, const DpkgPackage& pkg, std::string* list_path) {
  const bool same = pkg.multi_arch == "same";
  for (int attempt = 0; attempt < 2; ++attempt) {
    list_path->assign(info_dir).append(pkg.package.data(), pkg.package.size());
    if (same == (attempt == 0) && !pkg.architecture.empty()) {
      list_path->append(":").append(pkg.architecture.data(), pkg.architecture.size());
    }
    list_path->append(".list");
    if (int64_t t = MtimeSeconds(*list_path); t > 0) return t;
  }
  return 0;
}

}  // namespace

bool IsInstalledStatus(absl::string_view status) {
  // "want flag status": only packages dpkg considers fully installed, whether held or not; a
  // removed package's leftover conffiles ("deinstall ok config-files") is not software.
  std::vector<absl::string_view> words =
      absl::StrSplit(status, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  return words.size() == 3 && (words[0] == "install" || words[0] == "hold") && words[1] == "ok" &&
         words[2] == "installed";
}

// deb822: "Field: value" lines, continuation lines starting with a space or tab (Description,
// Conffiles), stanzas separated by blank lines. The status file has thousands of stanzas, so
// this is one pass of string_view slicing over a single read.
absl::Status ParseDpkgStatus(absl::string_view text, std::vector<DpkgPackage>* installed) {
  absl::Status result;
  DpkgStanza e;
  ForEachLine(text, [&](absl::string_view line, int line_no) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      FinishStanza(&e, installed, &result);
      return;
    }
    if (line[0] == ' ' || line[0] == '\t') return;  // continuation of a multi-line field
    if (!e.any) {
      e.any = true;
      e.line = line_no;
    }
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos || colon == 0) {
      result.Update(absl::InvalidArgumentError(
          absl::StrCat("dpkg status line ", line_no, ": expected 'Field: value'")));
      e.bad = true;
      return;
    }
    SetField(line.substr(0, colon), absl::StripAsciiWhitespace(line.substr(colon + 1)), &e);
  });
  FinishStanza(&e, installed, &result);
  return result;
}

absl::Status CollectDpkg(const std::string& root, Packages* out) {
  std::string text;
  absl::Status st = ReadFileTo(Under(root, "/var/lib/dpkg/status"), &text);
  if (absl::IsNotFound(st)) return absl::OkStatus();
  if (!st.ok()) return st;
  std::vector<DpkgPackage> installed;
  absl::Status result = ParseDpkgStatus(text, &installed);
  const std::string info_dir = Under(root, "/var/lib/dpkg/info/");
  std::string list_path;
  for (const DpkgPackage& pkg : installed) {
    v1::SoftwarePackage& p = out->emplace_back();
    p.set_source("dpkg");
    p.set_name(std::string(pkg.package));
    p.set_version(std::string(pkg.version));
    p.set_architecture(std::string(pkg.architecture));
    p.set_publisher(std::string(pkg.maintainer));
    if (int64_t t = ListMtime(info_dir, pkg, &list_path); t > 0) {
      SetSeconds(t, p.mutable_install_time());
    }
  }
  return result;
}

}  // namespace bestand::agent::collect
