// XML read with expat (Debian's libexpat) into a small tree of elements, attributes and text.
// What others send is refused before it can amplify: no document type declaration at all (so no
// entity expansion and no external entities), elements nested at most `max_depth` deep, at most
// `max_elements` elements — and by default no more than one per 16 bytes of input, which bounds
// the tree to about ten times the size of the text.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace bestand {

struct XmlElement {
  std::string name;  // as written, prefix included ("xml:lang" stays as it is)
  std::vector<std::pair<std::string, std::string>> attributes;
  std::string text;  // the character data directly inside, CDATA included, untrimmed
  std::vector<XmlElement> children;

  // The first child named `child`, or nullptr.
  const XmlElement* Child(absl::string_view child) const;
  // The value of attribute `attribute`, or "".
  std::string Attribute(absl::string_view attribute) const;
};

struct XmlLimits {
  int max_depth = 32;
  size_t max_elements = 0;  // 0: one per 16 bytes of input, at least 1,000
};

// The root element. INVALID_ARGUMENT with expat's message and the line for malformed XML, and
// naming the limit for a DOCTYPE, too deep a tree or too many elements.
absl::StatusOr<XmlElement> ParseXml(absl::string_view xml, XmlLimits limits = {});

}  // namespace bestand
