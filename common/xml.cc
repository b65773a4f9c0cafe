#include "common/xml.h"

#include <expat.h>

#include <algorithm>
#include <climits>

#include "absl/strings/str_cat.h"

namespace bestand {
namespace {

struct Builder {
  XML_Parser parser = nullptr;
  XmlLimits limits;
  std::vector<XmlElement> stack;  // the open elements, innermost last
  XmlElement root;
  bool have_root = false;
  size_t elements = 0;
  std::string refusal;  // set when a handler stopped the parser

  void Refuse(std::string why) {
    if (refusal.empty()) refusal = std::move(why);
    XML_StopParser(parser, XML_FALSE);
  }
};

void XMLCALL OnStart(void* data, const XML_Char* name, const XML_Char** attributes) {
  auto* b = static_cast<Builder*>(data);
  if (static_cast<int>(b->stack.size()) >= b->limits.max_depth) {
    return b->Refuse(absl::StrCat("elements nest deeper than ", b->limits.max_depth));
  }
  if (++b->elements > b->limits.max_elements) {
    return b->Refuse(absl::StrCat("more than ", b->limits.max_elements, " elements"));
  }
  XmlElement e;
  e.name = name;
  for (const XML_Char** a = attributes; a[0] != nullptr; a += 2)
    e.attributes.emplace_back(a[0], a[1]);
  b->stack.push_back(std::move(e));
}

void XMLCALL OnEnd(void* data, const XML_Char* /*name*/) {
  auto* b = static_cast<Builder*>(data);
  XmlElement done = std::move(b->stack.back());
  b->stack.pop_back();
  if (b->stack.empty()) {
    b->root = std::move(done);
    b->have_root = true;
  } else {
    b->stack.back().children.push_back(std::move(done));
  }
}

void XMLCALL OnText(void* data, const XML_Char* text, int length) {
  auto* b = static_cast<Builder*>(data);
  if (!b->stack.empty()) b->stack.back().text.append(text, static_cast<size_t>(length));
}

void XMLCALL OnDoctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  static_cast<Builder*>(data)->Refuse("a document type declaration (DOCTYPE) is not accepted");
}

}  // namespace

const XmlElement* XmlElement::Child(absl::string_view child) const {
  auto it = std::find_if(children.begin(), children.end(),
                         [&](const XmlElement& e) { return e.name == child; });
  return it == children.end() ? nullptr : &*it;
}

std::string XmlElement::Attribute(absl::string_view attribute) const {
  for (const auto& [key, value] : attributes) {
    if (key == attribute) return value;
  }
  return "";
}

absl::StatusOr<XmlElement> ParseXml(absl::string_view xml, XmlLimits limits) {
  if (xml.size() > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError("the XML is larger than 2 GiB");
  }
  if (limits.max_elements == 0) limits.max_elements = std::max<size_t>(1000, xml.size() / 16);
  Builder b;
  b.limits = limits;
  b.parser = XML_ParserCreate("UTF-8");
  if (b.parser == nullptr) return absl::ResourceExhaustedError("expat: out of memory");
  XML_SetUserData(b.parser, &b);
  XML_SetElementHandler(b.parser, &OnStart, &OnEnd);
  XML_SetCharacterDataHandler(b.parser, &OnText);
  XML_SetStartDoctypeDeclHandler(b.parser, &OnDoctype);
  XML_SetParamEntityParsing(b.parser, XML_PARAM_ENTITY_PARSING_NEVER);
  const XML_Status status =
      XML_Parse(b.parser, xml.data(), static_cast<int>(xml.size()), /*isFinal=*/XML_TRUE);
  const std::string error = !b.refusal.empty() ? b.refusal
                            : status != XML_STATUS_OK
                                ? std::string(XML_ErrorString(XML_GetErrorCode(b.parser)))
                                : "";
  const auto line = XML_GetCurrentLineNumber(b.parser);
  XML_ParserFree(b.parser);
  if (!error.empty()) return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", error));
  if (!b.have_root) return absl::InvalidArgumentError("no root element");
  return std::move(b.root);
}

}  // namespace bestand
