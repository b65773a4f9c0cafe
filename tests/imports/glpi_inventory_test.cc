// The GLPI / FusionInventory / OCS inventory readers: what each agent's dialect carries arrives.
#include "server/imports/glpi_inventory.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/json_nesting.h"
#include "gtest/gtest.h"

namespace bestand {
namespace {

int64_t Utc(int y, int m, int d, int hh = 0, int mm = 0, int ss = 0) {
  return absl::ToUnixSeconds(
      absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss), absl::UTCTimeZone()));
}

std::string GlpiWithSoftware(const std::string& install_date) {
  return R"({"action":"inventory","deviceid":"pc-2026-01-01-10-00-00","itemtype":"Computer",
             "content":{"hardware":{"name":"pc"},"softwares":[{"name":"x","version":"1",
             "install_date":")" +
         install_date + R"("}]}})";
}

TEST(GlpiInventoryTest, InstallDatesInEveryAgentsFormat) {
  const std::pair<const char*, int64_t> cases[] = {
      {"2016-10-26", Utc(2016, 10, 26)},
      {"26/10/2016", Utc(2016, 10, 26)},
      {"2025/04/20 10:00:00", Utc(2025, 4, 20, 10)},
      {"2019-12-19 10:11:12", Utc(2019, 12, 19, 10, 11, 12)},
      {"2019-12-19T10:11:12Z", Utc(2019, 12, 19, 10, 11, 12)},
      {"2006-08-20 12:06", Utc(2006, 8, 20, 12, 6)},
  };
  for (const auto& [text, seconds] : cases) {
    absl::StatusOr<v1::InventoryReport> r = ParseGlpiInventory(GlpiWithSoftware(text));
    ASSERT_TRUE(r.ok()) << text << ": " << r.status();
    ASSERT_EQ(r->software_size(), 1);
    EXPECT_EQ(r->software(0).install_time().seconds(), seconds) << text;
  }
  for (const char* nothing : {"N/A", "1970-01-01", "2019-02-31", "31/13/2019", ""}) {
    absl::StatusOr<v1::InventoryReport> r = ParseGlpiInventory(GlpiWithSoftware(nothing));
    ASSERT_TRUE(r.ok()) << nothing << ": " << r.status();
    EXPECT_FALSE(r->software(0).has_install_time()) << nothing;
  }
}

TEST(GlpiInventoryTest, DeviceIdAndPartialAreRead) {
  absl::StatusOr<v1::InventoryReport> full = ParseGlpiInventory(GlpiWithSoftware("2016-10-26"));
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->agent_device_id(), "pc-2026-01-01-10-00-00");
  EXPECT_FALSE(full->partial());
  absl::StatusOr<v1::InventoryReport> partial = ParseGlpiInventory(
      R"({"action":"inventory","deviceid":"pc-1","partial":true,"content":{"hardware":{}}})");
  ASSERT_TRUE(partial.ok()) << partial.status();
  EXPECT_TRUE(partial->partial());
  EXPECT_EQ(partial->software_size(), 0);
  EXPECT_EQ(partial->hostname(), "pc-1");  // no name: the device id stands in
}

TEST(GlpiInventoryTest, OcsDialect) {
  absl::StatusOr<v1::InventoryReport> r = ParseFusionInventory(R"(<?xml version="1.0"?>
<REQUEST><CONTENT>
  <HARDWARE><NAME>vm</NAME><OSNAME>Debian GNU/Linux 12</OSNAME><OSVERSION>12</OSVERSION>
    <DESCRIPTION>x86_64/00-00-00 07:08:59</DESCRIPTION></HARDWARE>
  <SOFTWARES><ARCHITECTURE>all</ARCHITECTURE><FROM>deb</FROM>
    <INSTALLDATE>2025/04/20 00:00:00</INSTALLDATE><NAME>adduser</NAME><VERSION>3.134</VERSION>
  </SOFTWARES>
</CONTENT><DEVICEID>vm-2026-12-01-15-59-23</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>)");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->os().pretty_name(), "Debian GNU/Linux 12");
  EXPECT_EQ(r->os().version_id(), "12");
  EXPECT_EQ(r->os().architecture(), "x86_64");
  EXPECT_EQ(r->agent_device_id(), "vm-2026-12-01-15-59-23");
  ASSERT_EQ(r->software_size(), 1);
  EXPECT_EQ(r->software(0).architecture(), "all");
  EXPECT_EQ(r->software(0).source(), "dpkg");
  // OCS counts a Debian package's month from 0: 20 May, as dpkg's own files say.
  EXPECT_EQ(r->software(0).install_time().seconds(), Utc(2025, 5, 20));
}

TEST(GlpiInventoryTest, HardwareFactsInTheAgentsUnits) {
  absl::StatusOr<v1::InventoryReport> r = ParseGlpiInventory(R"json({"content":{
      "hardware":{"name":"pc","memory":7800},
      "cpus":[{"name":"Intel(R) Core(TM) i5-6200U CPU @ 2.30GHz","core":2,"thread":4}],
      "storages":[{"name":"nvme0n1","model":"PM951","serial":"S29N","disksize":256060}],
      "networks":[{"description":"eth0","macaddr":"AA:BB:CC:00:11:22","ipaddress":"10.0.0.5",
                   "status":"Up","virtualdev":false},
                  {"description":"eth0","ipaddress6":"fe80::1"},
                  {"description":"lo","ipaddress":"127.0.0.1","virtualdev":true}]}})json");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->cpu().model(), "Intel(R) Core(TM) i5-6200U CPU @ 2.30GHz");
  EXPECT_EQ(r->cpu().sockets(), 1);
  EXPECT_EQ(r->cpu().cores(), 2);
  EXPECT_EQ(r->cpu().threads(), 4);
  EXPECT_EQ(r->memory_bytes(), int64_t{7800} * 1024 * 1024);
  ASSERT_EQ(r->disks_size(), 1);
  EXPECT_EQ(r->disks(0).size_bytes(), int64_t{256060} * 1000 * 1000);
  EXPECT_EQ(r->disks(0).serial_number(), "S29N");
  ASSERT_EQ(r->interfaces_size(), 2);  // eth0 once, with both addresses
  EXPECT_EQ(r->interfaces(0).mac(), "aa:bb:cc:00:11:22");
  EXPECT_EQ(r->interfaces(0).addresses_size(), 2);
  EXPECT_TRUE(r->interfaces(0).up());
  EXPECT_TRUE(r->interfaces(0).physical());
  EXPECT_FALSE(r->interfaces(1).physical());
  // OCS: sizes as decimal text, CPU type, corrupt amounts ignored rather than overflowing.
  r = ParseFusionInventory(
      "<REQUEST><CONTENT><HARDWARE><MEMORY>1e30</MEMORY></HARDWARE><CPUS><TYPE>Xeon</TYPE>"
      "<CORES>2</CORES><THREADS>2</THREADS></CPUS><STORAGES><NAME>vda</NAME>"
      "<DISKSIZE>274877.906944</DISKSIZE></STORAGES></CONTENT></REQUEST>");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->cpu().model(), "Xeon");
  EXPECT_EQ(r->memory_bytes(), 0);
  EXPECT_EQ(r->disks(0).size_bytes(), int64_t{274877906944});
}

TEST(GlpiInventoryTest, MacOsNameGetsItsVersion) {
  absl::StatusOr<v1::InventoryReport> r = ParseGlpiInventory(
      R"({"content":{"operatingsystem":{"name":"Mac OS X","version":"10.6.8"}}})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->os().pretty_name(), "Mac OS X 10.6.8");
  r = ParseGlpiInventory(R"json({"content":{"operatingsystem":{
      "full_name":"Debian GNU/Linux 12 (bookworm)","version":"12"}}})json");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->os().pretty_name(), "Debian GNU/Linux 12 (bookworm)");
}

TEST(GlpiInventoryTest, ContactMessagesAndDeepNesting) {
  absl::StatusOr<GlpiMessage> contact = ParseGlpiMessage(
      R"({"action":"contact","deviceid":"pc-1","installed-tasks":["Inventory","Deploy"]})");
  ASSERT_TRUE(contact.ok()) << contact.status();
  EXPECT_EQ(contact->action, "contact");
  EXPECT_EQ(contact->installed_tasks, (std::vector<std::string>{"inventory", "deploy"}));
  absl::StatusOr<v1::InventoryReport> not_inventory = ParseGlpiInventory(R"({"action":"contact"})");
  EXPECT_FALSE(not_inventory.ok());
  // 8,000 levels are refused before the parser sees them, quickly.
  const std::string deep = "{\"a\":" + std::string(8000, '[') + std::string(8000, ']') + "}";
  absl::StatusOr<GlpiMessage> refused = ParseGlpiMessage(deep);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "nests deeper than 12"))
      << refused.status();
  // Brackets inside strings, escaped quotes included, do not count.
  EXPECT_TRUE(CheckJsonNesting(R"({"a":"[[[[\"[[[[[[[[[[[[[[[["})", 2).ok());
  EXPECT_FALSE(CheckJsonNesting("[[[", 2).ok());
}

}  // namespace
}  // namespace bestand
