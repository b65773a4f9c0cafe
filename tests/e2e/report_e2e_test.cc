// End to end: the summary report from the real server and CLI as one HTML file, rendered by
// headless Chromium: a screenshot is taken, the console has no errors, the totals are in the DOM
// and the file loads nothing from elsewhere.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/e2e/server_process.h"
#include "tests/test_util.h"

namespace bestand {
namespace {

using testing::ProcessResult;
using testing::ReadFile;
using testing::RunProcess;
using testing::TempDir;

TEST(ReportE2eTest, SummaryHtmlRendersInChromiumWithItsTotals) {
  TempDir dir;
  testing::ServerProcess server;
  server.Init(dir.File("data"));
  server.Start();
  for (std::vector<std::string> cmd : std::vector<std::vector<std::string>>{
           {"app", "add", "--display-name", "Zoom", "--category", "Video"},
           {"app", "add", "--display-name", "Teams", "--category", "Video"},
           {"person", "add", "--email", "anna@firma.de", "--display-name", "Anna"},
           // 3 x 13.99 x 12 = 503.64 and 2 x 120.00 = 240.00: 743.64 a year.
           {"license", "add", "--display-name", "Zoom Pro", "--application", "Zoom", "--seats", "3",
            "--price-per-seat-minor", "1399", "--term-end", "2099-01-31", "--auto-renew", "true",
            "--notice-period-days", "30"},
           {"license", "add", "--display-name", "Teams <Premium> & Co", "--application", "Teams",
            "--seats", "2", "--price-per-seat-minor", "12000", "--billing-period", "yearly"},
           {"license", "assign", "Zoom Pro", "--person", "anna@firma.de"},
           // Anna used Zoom an hour ago: her seat is active.
           {"account", "add", "--application", "Zoom", "--username", "anna", "--person",
            "anna@firma.de", "--last-activity-time",
            absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now() - absl::Hours(1),
                             absl::UTCTimeZone())},
       }) {
    ProcessResult r = server.Admin(cmd);
    ASSERT_EQ(r.exit_code, 0) << absl::StrJoin(cmd, " ") << ": " << r.err;
  }
  ProcessResult html = server.Admin({"report", "summary", "-o", "html"});
  ASSERT_EQ(html.exit_code, 0) << html.err;
  EXPECT_TRUE(absl::StartsWith(html.out, "<!DOCTYPE html>")) << html.out.substr(0, 200);
  for (const char* external : {"<script", "http://", "https://", "<link", "<img", "@import"}) {
    EXPECT_FALSE(absl::StrContains(html.out, external)) << "loads " << external;
  }
  EXPECT_TRUE(absl::StrContains(html.out, "Teams &lt;Premium&gt; &amp; Co")) << "not escaped";
  const std::string page = dir.File("summary.html");
  testing::WriteFile(page, html.out);

  // Chromium comes with deploy/install-deps.sh; the test fails rather than skip without it.
  const std::vector<std::string> chromium = {"/usr/bin/chromium",
                                             "--headless",
                                             "--no-sandbox",
                                             "--disable-gpu",
                                             "--enable-logging=stderr",
                                             "--v=0",
                                             "--window-size=794,1123",
                                             "--user-data-dir=" + dir.File("profile")};
  std::vector<std::string> shot = chromium;
  shot.push_back("--screenshot=" + dir.File("summary.png"));
  shot.push_back("file://" + page);
  ProcessResult s = RunProcess(shot);
  ASSERT_EQ(s.exit_code, 0) << "chromium failed (installed by deploy/install-deps.sh): " << s.err;
  std::string png = ReadFile(dir.File("summary.png"));
  ASSERT_GT(png.size(), 1000u) << "no screenshot";
  EXPECT_EQ(png.substr(1, 3), "PNG");
  EXPECT_FALSE(absl::StrContains(s.err, "CONSOLE")) << s.err;

  std::vector<std::string> dump = chromium;
  dump.push_back("--dump-dom");
  dump.push_back("file://" + page);
  ProcessResult dom = RunProcess(dump);
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  EXPECT_FALSE(absl::StrContains(dom.err, "CONSOLE")) << dom.err;
  EXPECT_TRUE(absl::StrContains(dom.out, "id=\"annual-spend\">€743.64<")) << dom.out;
  // Waste: Zoom 2 unassigned x 167.88 + Teams 2 unassigned x 120.00 = 575.76.
  EXPECT_TRUE(absl::StrContains(dom.out, "id=\"annual-waste\">€575.76<")) << dom.out;
  EXPECT_TRUE(absl::StrContains(dom.out, "<svg")) << "no charts";

  // The same report for German readers: the catalog's texts, amounts and dates in German form.
  ProcessResult de = server.Admin({"report", "summary", "-o", "html", "--lang", "de"});
  ASSERT_EQ(de.exit_code, 0) << de.err;
  EXPECT_TRUE(absl::StrContains(de.out, "<html lang=\"de\">")) << de.out.substr(0, 300);
  EXPECT_TRUE(absl::StrContains(de.out, "id=\"annual-spend\">743,64 €<")) << de.out;
  EXPECT_TRUE(absl::StrContains(de.out, "id=\"annual-waste\">575,76 €<")) << de.out;
  EXPECT_TRUE(absl::StrContains(de.out, "<h2>Größte Einsparungen</h2>")) << de.out;
  EXPECT_FALSE(absl::StrContains(de.out, "Annual spend")) << de.out;
  // Zoom Pro has 3 seats and one active holder: reduce to 1, said in German.
  EXPECT_TRUE(absl::StrContains(de.out, "Zoom Pro: auf 1 Platz reduzieren")) << de.out;
}

}  // namespace
}  // namespace bestand
