// The company's settings and the working days they define for task due dates.
#include "server/core/settings.h"

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "server/core/audit.h"
#include "server/core/audit_verify.h"
#include "server/core/inventory.h"
#include "server/core/workflow.h"
#include "tests/core/core_fixture.h"

namespace bestand {
namespace {

using ::testing::HasSubstr;

class SettingsTest : public testing::CoreTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CoreTest::SetUp());
    v1::Application mail;
    mail.set_display_name("Mail");
    v1::Application out;
    ASSERT_TRUE(inventory_->Create("test", Kind::kApplication, mail, &out).ok());
    v1::TemplateItem item;
    item.set_template_("office");
    item.set_application("Mail");
    v1::TemplateItem created;
    ASSERT_TRUE(inventory_->Create("test", Kind::kTemplateItem, item, &created).ok());
  }

  // The due date of the tasks of someone starting on `start`.
  std::string DueFor(const std::string& start) {
    v1::OnboardRequest r;
    r.set_email(absl::StrCat("p", ++hires_, "@firma.de"));
    r.set_display_name("P");
    r.set_template_("office");
    r.set_start_date(start);
    absl::StatusOr<v1::CaseView> c = workflow_->Onboard("test", r);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? c->tasks(0).due_date() : "";
  }

  absl::StatusOr<v1::Settings> SetRegion(const std::string& region) {
    v1::UpdateSettingsRequest r;
    r.mutable_settings()->set_holiday_region(region);
    r.mutable_update_mask()->add_paths("holiday_region");
    return CompanySettings(store_.get()).Update("test", r);
  }

  int hires_ = 0;
};

TEST_F(SettingsTest, DueDatesSkipWeekendsAndTheRegionsHolidays) {
  // Nationwide by default. Start Monday 2026-12-28: Sunday 27, Saturday 26 and Friday 25 (two
  // Christmas holidays) are skipped: Thursday 24 December.
  EXPECT_EQ(DueFor("2026-12-28"), "2026-12-24");
  // Start Tuesday 2027-03-30: Easter Monday 29, Sunday, Saturday, Good Friday 26: Thursday 25.
  EXPECT_EQ(DueFor("2027-03-30"), "2027-03-25");
  // Start Thursday 2027-01-07: Wednesday 6 January is a working day nationwide...
  EXPECT_EQ(DueFor("2027-01-07"), "2027-01-06");
  // ... but Epiphany in Bavaria: Tuesday 5 January there.
  absl::StatusOr<v1::Settings> bavaria = SetRegion("de-by");
  ASSERT_TRUE(bavaria.ok()) << bavaria.status();
  EXPECT_EQ(bavaria->holiday_region(), "DE-BY");
  EXPECT_EQ(DueFor("2027-01-07"), "2027-01-05");
  // Thursday 2027-11-02, the day after All Saints' (Monday 1 November in Bavaria): the Friday
  // before.
  EXPECT_EQ(DueFor("2027-11-02"), "2027-10-29");

  absl::StatusOr<v1::Settings> bad = SetRegion("DE-XX");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("holiday_region"));
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("DE-BY"));
  auto tx = store_->BeginRead();
  EXPECT_EQ(LoadSettings(**tx)->holiday_region(), "DE-BY") << "a refused change changes nothing";
}

TEST_F(SettingsTest, ChangesAreAuditedAndEditsOutsideBestandAreFound) {
  ASSERT_TRUE(SetRegion("DE-NW").ok());
  ASSERT_TRUE(SetRegion("DE-NW").ok()) << "setting the same again changes nothing";
  {
    auto tx = store_->BeginRead();
    auto verified = VerifyAudit(**tx);
    ASSERT_TRUE(verified.ok());
    EXPECT_TRUE(verified->ok()) << verified->DebugString();
    AuditQuery q;
    q.resource = "settings";
    EXPECT_EQ((*tx)->ListAudit(q)->size(), 1u);
  }
  {
    auto tx = *store_->BeginWrite();
    ASSERT_TRUE(tx->PutSetting("company", R"({"holiday_region":"DE-BE"})").ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto tx = store_->BeginRead();
  auto verified = VerifyAudit(**tx);
  ASSERT_TRUE(verified.ok());
  EXPECT_FALSE(verified->ok());
  EXPECT_THAT(verified->problems(), ::testing::Contains(HasSubstr("settings/company: differs")));
}

}  // namespace
}  // namespace bestand
