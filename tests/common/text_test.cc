// Cutting UTF-8 text to a number of bytes without splitting a character.
#include "common/text.h"

#include "gtest/gtest.h"

namespace bestand {
namespace {

TEST(Utf8PrefixTest, EndsBetweenCharactersWithinTheBytesGiven) {
  EXPECT_EQ(Utf8Prefix("Weiß", 10), "Weiß");
  EXPECT_EQ(Utf8Prefix("Weiß", 5), "Weiß");  // ß is 2 bytes
  EXPECT_EQ(Utf8Prefix("Weiß", 4), "Wei");
  EXPECT_EQ(Utf8Prefix("→x", 2), "");  // → is 3 bytes
  EXPECT_EQ(Utf8Prefix("→x", 3), "→");
  EXPECT_EQ(Utf8Prefix("", 0), "");
}

}  // namespace
}  // namespace bestand
