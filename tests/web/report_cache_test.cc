#include "server/web/report_cache.h"

#include "gtest/gtest.h"
#include "tests/core/core_fixture.h"

namespace bestand {
namespace {

class ReportCacheTest : public testing::CoreTest {};

TEST_F(ReportCacheTest, AReportIsKeptUntilTheStoreChanges) {
  ReportCache cache(reports_.get());
  Create(Kind::kLicense,
         "display_name: 'Zoom' seats: 2 price_per_seat_minor: 1000 "
         "billing_period: YEARLY");
  auto first = cache.Licenses({});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->licenses_size(), 1);
  auto again = cache.Licenses({});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->SerializeAsString(), first->SerializeAsString());

  Create(Kind::kLicense,
         "display_name: 'Miro' seats: 1 price_per_seat_minor: 800 "
         "billing_period: YEARLY");
  auto changed = cache.Licenses({});
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->licenses_size(), 2);
  // 2 x 10.00 + 1 x 8.00 a year.
  ASSERT_EQ(changed->annual_cost_size(), 1);
  EXPECT_EQ(changed->annual_cost(0).minor(), 2800);
}

TEST_F(ReportCacheTest, AReportOlderThanItsAgeIsComputedAgain) {
  ReportCache cache(reports_.get(), absl::ZeroDuration());
  auto first = cache.Summary({});
  auto second = cache.Summary({});
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_GE(absl::FromUnixSeconds(second->create_time().seconds()) +
                absl::Nanoseconds(second->create_time().nanos()),
            absl::FromUnixSeconds(first->create_time().seconds()) +
                absl::Nanoseconds(first->create_time().nanos()));
  EXPECT_NE(second->create_time().SerializeAsString(), first->create_time().SerializeAsString());
}

}  // namespace
}  // namespace bestand
