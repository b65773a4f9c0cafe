#include "agent/collect/linux/snap.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace bestand::agent::collect {

std::string YamlScalar(absl::string_view v) {
  v = absl::StripAsciiWhitespace(v);
  std::string out;
  if (!v.empty() && (v[0] == '\'' || v[0] == '"')) {
    const char quote = v[0];
    for (size_t i = 1; i < v.size(); ++i) {
      if (v[i] == quote) {
        // '' is an escaped quote inside single quotes; otherwise the scalar ends here.
        if (quote == '\'' && i + 1 < v.size() && v[i + 1] == '\'') {
          out.push_back('\'');
          ++i;
          continue;
        }
        return out;
      }
      if (quote == '"' && v[i] == '\\' && i + 1 < v.size()) ++i;
      out.push_back(v[i]);
    }
    return out;  // unterminated: take what is there
  }
  size_t comment = v.find(" #");
  if (comment != absl::string_view::npos) {
    v = absl::StripTrailingAsciiWhitespace(v.substr(0, comment));
  }
  return std::string(v);
}

// snap.yaml is YAML, but the fields wanted here are top-level scalars plus the architectures
// list, so a line reader does.
SnapYaml ParseSnapYaml(absl::string_view text) {
  SnapYaml y;
  bool in_architectures = false;
  ForEachLine(text, [&](absl::string_view line, int) {
    if (absl::StripAsciiWhitespace(line).empty() || line[0] == '#') return;
    const bool indented = line[0] == ' ' || line[0] == '\t' || line[0] == '-';
    if (indented) {
      absl::string_view item = absl::StripAsciiWhitespace(line);
      if (in_architectures && absl::ConsumePrefix(&item, "-")) {
        y.architectures.push_back(YamlScalar(item));
      }
      return;
    }
    in_architectures = false;
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos) return;
    absl::string_view key = line.substr(0, colon);
    absl::string_view value = line.substr(colon + 1);
    if (key == "name") {
      y.name = YamlScalar(value);
    } else if (key == "version") {
      y.version = YamlScalar(value);
    } else if (key == "publisher") {
      y.publisher = YamlScalar(value);
    } else if (key == "architectures") {
      value = absl::StripAsciiWhitespace(value);
      if (absl::ConsumePrefix(&value, "[") && absl::ConsumeSuffix(&value, "]")) {
        for (absl::string_view a : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
          y.architectures.push_back(YamlScalar(a));
        }
      } else {
        in_architectures = true;
      }
    }
  });
  return y;
}

// /snap/NAME/current is a symlink to the active revision, which snapd mounts at /snap/NAME/REV.
absl::Status CollectSnap(const std::string& root, Packages* out) {
  const std::string dir = Under(root, "/snap");
  std::vector<std::string> names;
  absl::Status st = ListDir(dir, &names);
  if (absl::IsNotFound(st)) return absl::OkStatus();
  if (!st.ok()) return st;
  absl::Status result;
  std::string revision, yaml_text;
  for (const std::string& name : names) {
    const std::string snap_dir = dir + "/" + name;
    const std::string current = snap_dir + "/current";
    // /snap/bin, /snap/README and snaps half-way through removal have no current revision.
    if (!ReadLink(current, &revision).ok()) continue;
    const std::string yaml_path = ResolveTarget(root, snap_dir, revision) + "/meta/snap.yaml";
    st = ReadFileTo(yaml_path, &yaml_text);
    if (!st.ok()) {
      result.Update(absl::NotFoundError(
          absl::StrCat("snap ", name, " revision ", revision, ": ", st.message())));
      continue;
    }
    SnapYaml y = ParseSnapYaml(yaml_text);
    if (y.name.empty()) {
      result.Update(absl::InvalidArgumentError(absl::StrCat(yaml_path, ": no name")));
      continue;
    }
    v1::SoftwarePackage& p = out->emplace_back();
    p.set_source("snap");
    p.set_name(y.name);
    p.set_version(y.version);
    p.set_architecture(absl::StrJoin(y.architectures, ","));
    p.set_publisher(y.publisher);
    // snapd re-points "current" when it activates a revision: that is when this one arrived.
    if (int64_t t = LinkMtimeSeconds(current); t > 0) SetSeconds(t, p.mutable_install_time());
  }
  return result;
}

}  // namespace bestand::agent::collect
