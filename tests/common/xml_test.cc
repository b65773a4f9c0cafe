// common/xml.h: expat's tree with the limits that keep others' XML from amplifying.
#include "common/xml.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace bestand {
namespace {

TEST(XmlTest, ElementsAttributesTextAndCdata) {
  absl::StatusOr<XmlElement> root = ParseXml(
      "<?xml version=\"1.0\"?><!-- c --><component type=\"desktop\"><name xml:lang=\"de\">"
      "M&#xfc;ller &amp; S&#246;hne</name><name><![CDATA[<raw>]]></name></component>");
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(root->name, "component");
  EXPECT_EQ(root->Attribute("type"), "desktop");
  EXPECT_EQ(root->Attribute("missing"), "");
  ASSERT_EQ(root->children.size(), 2u);
  EXPECT_EQ(root->Child("name")->Attribute("xml:lang"), "de");
  EXPECT_EQ(root->children[0].text, "M\xc3\xbcller & S\xc3\xb6hne");
  EXPECT_EQ(root->children[1].text, "<raw>");
  EXPECT_EQ(root->Child("nothing"), nullptr);
}

TEST(XmlTest, RefusesWhatAmplifiesOrIsMalformed) {
  auto message = [](const std::string& xml, XmlLimits limits = {}) {
    absl::StatusOr<XmlElement> r = ParseXml(xml, limits);
    return r.ok() ? std::string("ok") : std::string(r.status().message());
  };
  EXPECT_TRUE(
      absl::StrContains(message("<!DOCTYPE a SYSTEM \"file:///etc/passwd\"><a/>"), "DOCTYPE"));
  EXPECT_TRUE(absl::StrContains(message("<a><b></a>"), "line 1: mismatched tag"))
      << message("<a><b></a>");
  EXPECT_TRUE(absl::StrContains(message(""), "no element found")) << message("");
  EXPECT_TRUE(absl::StrContains(message("<a><b/><b/><b/></a>", {.max_elements = 3}),
                                "more than 3 elements"));
  EXPECT_EQ(message("<a><b/><b/></a>", {.max_elements = 3}), "ok");
  EXPECT_TRUE(absl::StrContains(message("<a><a><a/></a></a>", {.max_depth = 2}), "deeper than 2"));
  // By default one element per 16 bytes: a megabyte of empty elements is refused.
  std::string many = "<a>";
  for (int i = 0; i < 250000; ++i) many += "<b/>";
  many += "</a>";
  EXPECT_TRUE(absl::StrContains(message(many), "elements")) << message(many).substr(0, 100);
}

}  // namespace
}  // namespace bestand
