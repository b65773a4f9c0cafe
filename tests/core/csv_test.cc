#include "common/csv.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace bestand {
namespace {

TEST(CsvTest, ParsesQuotesSeparatorsAndLineBreaks) {
  auto t = ParseCsv("a,b,c\n1,\"x, \"\"y\"\"\",\"multi\nline\"\n\n2,,\n");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0].fields, (std::vector<std::string>{"1", "x, \"y\"", "multi\nline"}));
  EXPECT_EQ(t->rows[0].line, 2);
  EXPECT_EQ(t->rows[1].line, 5);  // after the two-line record and a blank line
  EXPECT_EQ(t->rows[1].fields, (std::vector<std::string>{"2", "", ""}));
}

TEST(CsvTest, DetectsSemicolonsAndSkipsBomAndCrLf) {
  auto t = ParseCsv("\xEF\xBB\xBFName;Betrag\r\nMüller, Hans;12,50\r\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->separator, ';');
  EXPECT_EQ(t->header.fields, (std::vector<std::string>{"Name", "Betrag"}));
  EXPECT_EQ(t->rows[0].fields, (std::vector<std::string>{"Müller, Hans", "12,50"}));
}

// Found by fuzz/csv_fuzz.cc: a file saved by two tools that each add a byte order mark kept the
// second one in its first column's name, and a cell starting with one lost it when written first.
TEST(CsvTest, EveryLeadingByteOrderMarkIsSkippedAndOneInACellSurvives) {
  auto t = ParseCsv(
      "\xEF\xBB\xBF\xEF\xBB\xBF"
      "email,name\na@b.de,A\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->header.fields, (std::vector<std::string>{"email", "name"}));
  const std::string cell = "\xEF\xBB\xBFtext";
  EXPECT_EQ(CsvEscape(cell), "\"" + cell + "\"");
  auto back = ParseCsv(CsvEscape(cell) + "\nx\n");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->header.fields, (std::vector<std::string>{cell}));
}

// Found by fuzz/csv_fuzz.cc: the separator was taken from the first line even when that was a
// blank one before the header.
TEST(CsvTest, TheSeparatorComesFromTheHeaderAfterBlankLines) {
  auto t = ParseCsv("\n\"\"\r\nName;Betrag\n\"Müller, Hans\";12,50\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->separator, ';');
  EXPECT_EQ(t->header.fields, (std::vector<std::string>{"Name", "Betrag"}));
  EXPECT_EQ(t->rows[0].fields, (std::vector<std::string>{"Müller, Hans", "12,50"}));
  // A header line ended by a lone carriage return: the next line's semicolons do not count.
  t = ParseCsv("a,b;c\r1;2;3,4\r");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->separator, ',');
  EXPECT_EQ(t->header.fields, (std::vector<std::string>{"a", "b;c"}));
}

TEST(CsvTest, ErrorsNameTheLine) {
  EXPECT_TRUE(absl::StrContains(ParseCsv("a,b\n1,2\n3\n").status().message(),
                                "line 3: has 1 field but the header has 2"));
  EXPECT_TRUE(absl::StrContains(ParseCsv("a\n\"open\n").status().message(),
                                "line 2: a quoted field is not closed"));
  EXPECT_TRUE(absl::StrContains(ParseCsv("a\n\"x\"y\n").status().message(),
                                "line 2: unexpected text after a closing quote"));
  EXPECT_TRUE(absl::StrContains(ParseCsv("a\nok\nbad \xE4\n").status().message(),
                                "line 3: the file is not UTF-8"));
  EXPECT_TRUE(absl::StrContains(ParseCsv("").status().message(), "empty"));
  EXPECT_TRUE(absl::StrContains(ParseCsv("a\n1\n2\n3\n", {.max_rows = 2}).status().message(),
                                "line 4: more than 2 rows"));
}

TEST(CsvTest, EscapeRoundTrips) {
  std::string field = "Weiß, \"Jürgen\"\nzweite Zeile";
  auto t = ParseCsv("h\n" + CsvEscape(field) + "\n");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->rows[0].fields[0], field);
  EXPECT_EQ(CsvEscape("plain"), "plain");
}

TEST(CsvTest, FormulasComeOutInertAndImportBackAsTheyWere) {
  // OWASP's CSV injection: cells a spreadsheet would run. Hostnames and models come from agents.
  EXPECT_EQ(CsvEscape("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
  EXPECT_EQ(CsvEscape("+49 30 1234"), "'+49 30 1234");
  EXPECT_EQ(CsvEscape("-2+3+cmd|' /C calc'!A0"), "'-2+3+cmd|' /C calc'!A0");
  EXPECT_EQ(CsvEscape("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvEscape("\tx"), "'\tx");
  EXPECT_EQ(CsvEscape("\r=1"), "\"'\r=1\"");
  // Numbers stay numbers; text with an apostrophe of its own survives the round trip.
  EXPECT_EQ(CsvEscape("-5"), "-5");
  EXPECT_EQ(CsvEscape("+12.50"), "+12.50");
  EXPECT_EQ(CsvEscape("'s-Hertogenbosch"), "'s-Hertogenbosch");
  EXPECT_EQ(CsvEscape("'=1"), "''=1");
  EXPECT_EQ(CsvEscape("a=b"), "a=b");
  for (const std::string field : {"=1+2", "+49 30 1234", "-x", "@a", "\tindent", "\r=cr", "-5",
                                  "'=1", "''a", "'", "'s-Hertogenbosch", "plain", "", "-"}) {
    auto t = ParseCsv("h,i\n" + CsvEscape(field) + ",x\n");
    ASSERT_TRUE(t.ok()) << field << ": " << t.status();
    EXPECT_EQ(t->rows[0].fields[0], field);
  }
}

}  // namespace
}  // namespace bestand
