#include "agent/collect/collectors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utmp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "agent/collect/linux/memory.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace bestand::agent {
namespace {

namespace fs = std::filesystem;
using ::bestand::testing::TempDir;
using ::bestand::testing::WriteFile;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// ---------------------------------------------------------------------------------------------
// Fixture trees.

void MakeDirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  ASSERT_FALSE(ec) << path << ": " << ec.message();
}

void WriteIn(const std::string& root, const std::string& path, const std::string& content) {
  MakeDirs(fs::path(root + path).parent_path());
  WriteFile(root + path, content);
}

void SetMtime(const std::string& path, time_t seconds) {
  timespec times[2] = {{seconds, 0}, {seconds, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
}

void Symlink(const std::string& target, const std::string& link, time_t mtime) {
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0) << link << ": " << std::strerror(errno);
  SetMtime(link, mtime);
}

// The agent only reads ut_type, ut_user and (implicitly, by position) the record order; the rest
// is filled the way login(1) and sshd fill it.
utmp Utmp(short type, const std::string& user, const std::string& line, int32_t when) {
  utmp u;
  std::memset(&u, 0, sizeof u);
  u.ut_type = type;
  u.ut_pid = 1000 + when % 1000;
  std::memcpy(u.ut_line, line.data(), std::min(line.size(), sizeof u.ut_line));
  std::memcpy(u.ut_user, user.data(), std::min(user.size(), sizeof u.ut_user));
  u.ut_tv.tv_sec = when;
  return u;
}

std::string UtmpBytes(const std::vector<utmp>& records) {
  return std::string(reinterpret_cast<const char*>(records.data()), records.size() * sizeof(utmp));
}

// RPM header entries as rpm lays them out: strings NUL-terminated, INT32 aligned to 4 bytes.
constexpr uint32_t kRpmString = 6, kRpmInt32 = 4, kRpmBin = 7, kRpmI18n = 9;

struct RpmEntry {
  uint32_t tag, type, count;
  std::string data;
};

RpmEntry Str(uint32_t tag, const std::string& s) { return {tag, kRpmString, 1, s + '\0'}; }
RpmEntry I18n(uint32_t tag, const std::string& s) { return {tag, kRpmI18n, 1, s + '\0'}; }

std::string BigEndian(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

RpmEntry Int32(uint32_t tag, uint32_t v) { return {tag, kRpmInt32, 1, BigEndian(v)}; }

std::string RpmHeader(const std::vector<RpmEntry>& entries) {
  std::string index, data;
  // Installed headers start with the immutable region tag pointing at a 16-byte trailer.
  std::vector<RpmEntry> all = {{63, kRpmBin, 16, ""}};
  all.insert(all.end(), entries.begin(), entries.end());
  for (const RpmEntry& e : all) {
    if (e.type == kRpmInt32) data.resize((data.size() + 3) / 4 * 4, '\0');
    uint32_t offset = static_cast<uint32_t>(data.size());
    if (e.tag == 63) offset = 0;  // patched below
    index += BigEndian(e.tag) + BigEndian(e.type) + BigEndian(offset) + BigEndian(e.count);
    data += e.data;
  }
  const uint32_t trailer = static_cast<uint32_t>(data.size());
  data += BigEndian(63) + BigEndian(kRpmBin) +
          BigEndian(static_cast<uint32_t>(-16 * static_cast<int64_t>(all.size()))) + BigEndian(16);
  index.replace(8, 4, BigEndian(trailer));
  return BigEndian(static_cast<uint32_t>(all.size())) +
         BigEndian(static_cast<uint32_t>(data.size())) + index + data;
}

void WriteRpmDb(const std::string& root, const std::vector<std::string>& blobs) {
  MakeDirs(root + "/var/lib/rpm");
  const std::string db = root + "/var/lib/rpm/rpmdb.sqlite";
  std::string sql =
      "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);"
      "CREATE TABLE Name (key TEXT NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL);";
  for (size_t i = 0; i < blobs.size(); ++i) {
    absl::StrAppend(&sql, "INSERT INTO Packages VALUES (", i + 1, ", X'",
                    absl::BytesToHexString(blobs[i]), "');");
  }
  bestand::testing::ExecSql(db, sql);
}

constexpr uint32_t kName = 1000, kVersion = 1001, kRelease = 1002, kSummary = 1004,
                   kInstallTime = 1008, kVendor = 1011, kArch = 1022;

std::vector<std::string> FedoraPackages() {
  return {
      RpmHeader({Str(kName, "bash"), Str(kVersion, "5.2.26"), Str(kRelease, "3.fc40"),
                 I18n(kSummary, "The GNU Bourne Again shell"), Int32(kInstallTime, 1717171717),
                 Str(kVendor, "Fedora Project"), Str(kArch, "x86_64")}),
      RpmHeader({Str(kName, "gpg-pubkey"), Str(kVersion, "a15b79cc"), Str(kRelease, "63d04c2c"),
                 I18n(kSummary, "Fedora (40) <fedora-40-primary@fedoraproject.org> public key"),
                 Int32(kInstallTime, 1717000000)}),
      RpmHeader({I18n(kName, "google-chrome-stable"), Str(kVersion, "131.0.6778.108"),
                 Str(kRelease, "1"), Int32(kInstallTime, 1733000000), Str(kVendor, "Google Inc."),
                 Str(kArch, "x86_64")}),
      RpmHeader({Str(kName, "local-tool"), Str(kVersion, "0.3"), Str(kArch, "noarch")}),
  };
}

const std::map<std::string, time_t>& DpkgListTimes() {
  static const auto* times =
      new std::map<std::string, time_t>{{"adduser.list", 1700000000},
                                        {"firefox-esr.list", 1733500000},
                                        {"libc6:amd64.list", 1690000000},
                                        {"libc6:i386.list", 1695000000},
                                        {"linux-image-6.1.0-28-amd64.list", 1732000000},
                                        {"zlib1g:amd64.list", 1680000000}};
  return *times;
}

constexpr time_t kSnapFirefoxTime = 1733600000;
constexpr time_t kFlatpakGimpTime = 1715000000;

// A writable copy of a committed tree plus what git carries badly: symlinks with known mtimes,
// mtimes of dpkg file lists, empty mount point directories and binary files.
class FixtureRoot {
 public:
  explicit FixtureRoot(const std::string& name) {
    std::error_code ec;
    fs::copy(std::string(BESTAND_AGENT_FIXTURES) + "/" + name, dir_.path(),
             fs::copy_options::recursive, ec);
    EXPECT_FALSE(ec) << ec.message();
  }
  const std::string& path() const { return dir_.path(); }
  std::string operator()(const std::string& abs) const { return dir_.path() + abs; }

 private:
  TempDir dir_;
};

class Workstation : public FixtureRoot {
 public:
  Workstation() : FixtureRoot("workstation") {
    const std::string& r = path();
    for (const auto& [file, when] : DpkgListTimes())
      SetMtime(r + "/var/lib/dpkg/info/" + file, when);

    Symlink("4793", r + "/snap/firefox/current", kSnapFirefoxTime);
    Symlink("1380", r + "/snap/core22/current", 1712600000);
    const std::string gimp = r + "/var/lib/flatpak/app/org.gimp.GIMP";
    Symlink("x86_64/stable", gimp + "/current", 1700000000);
    Symlink("6b7f1d5c4a3e2f0b9a8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a",
            gimp + "/x86_64/stable/active", kFlatpakGimpTime);
    const std::string kcalc = r + "/var/lib/flatpak/app/org.kde.kcalc";
    Symlink("x86_64/stable", kcalc + "/current", 1700000000);
    Symlink("0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
            kcalc + "/x86_64/stable/active", 1731000000);

    for (const char* mp :
         {"/boot/efi", "/home", "/srv/archive", "/media/anna/USB STICK", "/mnt/projects"}) {
      MakeDirs(r + mp);
    }

    // Unit serial number VPD page of a SATA disk behind libata: header, then the ATA serial
    // right-aligned in 20 characters.
    std::string vpd = std::string("\x00\x80\x00\x14", 4) + "            ZFN1ABCD";
    WriteFile(r + "/sys/block/sda/device/vpd_pg80", vpd);

    WriteIn(r, "/var/log/wtmp",
            UtmpBytes({Utmp(BOOT_TIME, "reboot", "~", 1733212800),
                       Utmp(RUN_LVL, "runlevel", "~", 1733212805),
                       Utmp(LOGIN_PROCESS, "LOGIN", "tty1", 1733212810),
                       Utmp(USER_PROCESS, "anna", "tty2", 1733213000),
                       Utmp(USER_PROCESS, "bernd", "pts/0", 1733220000),
                       Utmp(DEAD_PROCESS, "", "pts/0", 1733223600),
                       Utmp(LOGIN_PROCESS, "LOGIN", "tty3", 1733224000)}));
  }
};

std::vector<std::string> Names(const google::protobuf::RepeatedPtrField<v1::SoftwarePackage>& s) {
  std::vector<std::string> out;
  for (const auto& p : s) {
    out.push_back(absl::StrCat(p.source(), ":", p.name(), ":", p.architecture(), "=", p.version()));
  }
  return out;
}

std::map<std::string, std::string> Errors(const v1::InventoryReport& r) {
  std::map<std::string, std::string> out;
  for (const auto& e : r.errors()) out[e.collector()] = e.message();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Placeholders.

TEST(IsPlaceholderTest, RecognisesFirmwareTemplateValues) {
  for (const char* junk : {"To be filled by O.E.M.",
                           "TO BE FILLED BY O.E.M.",
                           "  To Be Filled By O.E.M.\n",
                           "Default string",
                           "System Serial Number",
                           "System Product Name",
                           "System manufacturer",
                           "0123456789",
                           "Not Specified",
                           "None",
                           "N/A",
                           "",
                           "   ",
                           "00000000",
                           "FFFFFFFF",
                           "........",
                           "0",
                           "00000000-0000-0000-0000-000000000000",
                           "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
                           "ffffffff-ffff-ffff-ffff-ffffffffffff",
                           "03000200-0400-0500-0006-000700080009",
                           "03000200-0400-0500-0006-000700080009 "}) {
    EXPECT_TRUE(IsPlaceholder(junk)) << "'" << junk << "'";
  }
}

TEST(IsPlaceholderTest, KeepsRealValues) {
  for (const char* real :
       {"Dell Inc.", "7XK2QH3", "PF3ABCDE", "4c4c4544-0058-4b10-8032-b7c04f514833", "P5.80",
        "10/13/2021", "ThinkPad T14 Gen 3", "1.0", "S5GXNF0R812345K", "11111112"}) {
    EXPECT_FALSE(IsPlaceholder(real)) << "'" << real << "'";
  }
}

// ---------------------------------------------------------------------------------------------
// System.

TEST(SystemTest, ReadsIdentityOsKernelAndBootTime) {
  Workstation ws;
  v1::InventoryReport r;
  ASSERT_TRUE(CollectSystem(ws.path(), &r).ok());
  EXPECT_EQ(r.hostname(), "ws-cad-07");
  EXPECT_EQ(r.fqdn(), "ws-cad-07");  // no DNS for a fixture root
  EXPECT_EQ(r.machine_id(), "5f1c9e07a2b84d6c9a3e1f0b7c2d4e68");
  EXPECT_EQ(r.os().id(), "debian");
  EXPECT_EQ(r.os().pretty_name(), "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(r.os().version_id(), "12");
  EXPECT_EQ(r.os().kernel_release(), "6.1.0-28-amd64");
  EXPECT_EQ(r.os().architecture(), "");  // uname() would describe this machine, not the fixture
  EXPECT_EQ(r.boot_time().seconds(), 1733212800);
}

TEST(SystemTest, FallsBackToEtcHostnameAndUsrLibOsRelease) {
  FixtureRoot whitebox("whitebox");
  v1::InventoryReport r;
  ASSERT_TRUE(CollectSystem(whitebox.path(), &r).ok());
  EXPECT_EQ(r.hostname(), "buero-pc-12");  // past the comment and the blank line
  EXPECT_EQ(r.fqdn(), "buero-pc-12");
  EXPECT_EQ(r.os().id(), "ubuntu");
  EXPECT_EQ(r.os().pretty_name(), "Ubuntu 24.04.1 LTS");
  EXPECT_EQ(r.os().version_id(), "24.04");
  EXPECT_FALSE(r.has_boot_time());
}

TEST(SystemTest, ParsesQuotingInOsRelease) {
  TempDir root;
  WriteIn(root.path(), "/etc/os-release",
          "# comment\nID='opensuse-leap'\nPRETTY_NAME=\"openSUSE \\\"Leap\\\" 15.6\"\n"
          "VERSION_ID=15.6\nnot an assignment\n");
  v1::InventoryReport r;
  ASSERT_TRUE(CollectSystem(root.path(), &r).ok());
  EXPECT_EQ(r.os().id(), "opensuse-leap");
  EXPECT_EQ(r.os().pretty_name(), "openSUSE \"Leap\" 15.6");
  EXPECT_EQ(r.os().version_id(), "15.6");
}

TEST(SystemTest, MalformedBootTimeIsAnError) {
  TempDir root;
  WriteIn(root.path(), "/proc/sys/kernel/hostname", "pc\n");
  WriteIn(root.path(), "/proc/stat", "cpu  1 2 3 4\nbtime soon\n");
  v1::InventoryReport r;
  absl::Status st = CollectSystem(root.path(), &r);
  EXPECT_TRUE(absl::StrContains(st.message(), "btime")) << st;
  EXPECT_EQ(r.hostname(), "pc");  // the rest is still reported
}

// ---------------------------------------------------------------------------------------------
// DMI.

TEST(DmiTest, ReportsVendorModelSerialUuidBiosAndChassis) {
  Workstation ws;
  v1::InventoryReport r;
  ASSERT_TRUE(CollectDmi(ws.path(), &r).ok());
  const v1::Hardware& hw = r.hardware();
  EXPECT_EQ(hw.manufacturer(), "Dell Inc.");
  EXPECT_EQ(hw.model(), "Precision 7920 Tower");
  EXPECT_EQ(hw.serial_number(), "7XK2QH3");
  EXPECT_EQ(hw.hardware_uuid(), "4c4c4544-0058-4b10-8032-b7c04f514833");
  EXPECT_EQ(hw.bios_vendor(), "Dell Inc.");
  EXPECT_EQ(hw.bios_version(), "2.38.0");
  EXPECT_EQ(hw.bios_date(), "05/21/2024");
  EXPECT_EQ(hw.chassis_type(), "Tower");
}

TEST(DmiTest, DropsPlaceholdersAndNamesTheBoardOfASelfBuiltPc) {
  FixtureRoot whitebox("whitebox");
  v1::InventoryReport r;
  ASSERT_TRUE(CollectDmi(whitebox.path(), &r).ok());
  const v1::Hardware& hw = r.hardware();
  EXPECT_EQ(hw.manufacturer(), "ASRock");
  EXPECT_EQ(hw.model(), "B450M Pro4");
  EXPECT_EQ(hw.serial_number(), "");
  EXPECT_EQ(hw.hardware_uuid(), "");  // the AMI template UUID shared by thousands of boards
  EXPECT_EQ(hw.bios_vendor(), "American Megatrends Inc.");
  EXPECT_EQ(hw.bios_version(), "P5.80");
  EXPECT_EQ(hw.chassis_type(), "Desktop");
}

TEST(DmiTest, DropsOtherVendorsPlaceholdersAndZeroUuids) {
  TempDir root;
  const std::string d = "/sys/class/dmi/id/";
  WriteIn(root.path(), d + "sys_vendor", "Gigabyte Technology Co., Ltd.\n");
  WriteIn(root.path(), d + "product_name", "B550 AORUS ELITE\n");
  WriteIn(root.path(), d + "product_serial", "Default string\n");
  WriteIn(root.path(), d + "product_uuid", "00000000-0000-0000-0000-000000000000\n");
  WriteIn(root.path(), d + "bios_vendor", "American Megatrends International, LLC.\n");
  WriteIn(root.path(), d + "bios_version", "F16\n");
  WriteIn(root.path(), d + "bios_date", "........\n");
  WriteIn(root.path(), d + "chassis_type", "2\n");  // "Unknown"
  v1::InventoryReport r;
  ASSERT_TRUE(CollectDmi(root.path(), &r).ok());
  EXPECT_EQ(r.hardware().manufacturer(), "Gigabyte Technology Co., Ltd.");
  EXPECT_EQ(r.hardware().model(), "B550 AORUS ELITE");
  EXPECT_EQ(r.hardware().serial_number(), "");
  EXPECT_EQ(r.hardware().hardware_uuid(), "");
  EXPECT_EQ(r.hardware().bios_date(), "");
  EXPECT_EQ(r.hardware().chassis_type(), "");

  WriteIn(root.path(), d + "product_serial", "System Serial Number\n");
  WriteIn(root.path(), d + "product_uuid", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF\n");
  r.Clear();
  ASSERT_TRUE(CollectDmi(root.path(), &r).ok());
  EXPECT_EQ(r.hardware().serial_number(), "");
  EXPECT_EQ(r.hardware().hardware_uuid(), "");

  WriteIn(root.path(), d + "product_serial", "0123456789\n");
  r.Clear();
  ASSERT_TRUE(CollectDmi(root.path(), &r).ok());
  EXPECT_EQ(r.hardware().serial_number(), "");
}

TEST(DmiTest, LenovoModelComesFromProductVersion) {
  TempDir root;
  const std::string d = "/sys/class/dmi/id/";
  WriteIn(root.path(), d + "sys_vendor", "LENOVO\n");
  WriteIn(root.path(), d + "product_name", "21AH00BXGE\n");
  WriteIn(root.path(), d + "product_version", "ThinkPad T14 Gen 3\n");
  WriteIn(root.path(), d + "product_serial", "PF3ABCDE\n");
  WriteIn(root.path(), d + "chassis_type", "10\n");
  v1::InventoryReport r;
  ASSERT_TRUE(CollectDmi(root.path(), &r).ok());
  EXPECT_EQ(r.hardware().model(), "ThinkPad T14 Gen 3");
  EXPECT_EQ(r.hardware().serial_number(), "PF3ABCDE");
  EXPECT_EQ(r.hardware().chassis_type(), "Notebook");
}

TEST(DmiTest, MapsSmbiosChassisNumbers) {
  const std::map<std::string, std::string> expected = {{"3", "Desktop"},
                                                       {"4", "Low Profile Desktop"},
                                                       {"6", "Mini Tower"},
                                                       {"7", "Tower"},
                                                       {"8", "Portable"},
                                                       {"9", "Laptop"},
                                                       {"10", "Notebook"},
                                                       {"13", "All in One"},
                                                       {"14", "Sub Notebook"},
                                                       {"17", "Main Server Chassis"},
                                                       {"23", "Rack Mount Chassis"},
                                                       {"30", "Tablet"},
                                                       {"31", "Convertible"},
                                                       {"32", "Detachable"},
                                                       {"35", "Mini PC"},
                                                       {"36", "Stick PC"},
                                                       {"1", "Other"},
                                                       {"2", ""},
                                                       {"99", ""},
                                                       {"131", "Desktop"} /* lock bit set */};
  TempDir root;
  for (const auto& [number, name] : expected) {
    WriteIn(root.path(), "/sys/class/dmi/id/chassis_type", number + "\n");
    v1::InventoryReport r;
    ASSERT_TRUE(CollectDmi(root.path(), &r).ok());
    EXPECT_EQ(r.hardware().chassis_type(), name) << number;
  }
}

TEST(DmiTest, NoDmiIsNotAnError) {
  FixtureRoot pi("rpi4");
  v1::InventoryReport r;
  EXPECT_TRUE(CollectDmi(pi.path(), &r).ok());
  EXPECT_FALSE(r.has_hardware());
}

TEST(DmiTest, NonNumericChassisTypeIsAnErrorButTheRestIsKept) {
  TempDir root;
  WriteIn(root.path(), "/sys/class/dmi/id/sys_vendor", "HP\n");
  WriteIn(root.path(), "/sys/class/dmi/id/chassis_type", "Notebook\n");
  v1::InventoryReport r;
  absl::Status st = CollectDmi(root.path(), &r);
  EXPECT_TRUE(absl::StrContains(st.message(), "chassis_type")) << st;
  EXPECT_EQ(r.hardware().manufacturer(), "HP");
}

// ---------------------------------------------------------------------------------------------
// CPU and memory.

TEST(CpuMemoryTest, CountsSocketsCoresAndThreadsOfATwoSocketMachine) {
  Workstation ws;
  v1::InventoryReport r;
  ASSERT_TRUE(CollectCpuMemory(ws.path(), &r).ok());
  EXPECT_EQ(r.cpu().model(), "Intel(R) Xeon(R) Gold 5222 CPU @ 3.80GHz");
  EXPECT_EQ(r.cpu().sockets(), 2);
  EXPECT_EQ(r.cpu().cores(), 8);
  EXPECT_EQ(r.cpu().threads(), 16);
  EXPECT_EQ(r.memory_bytes(), int64_t{65566776} * 1024);
}

TEST(CpuMemoryTest, ArmWithoutTopologyOrModelName) {
  FixtureRoot pi("rpi4");
  v1::InventoryReport r;
  ASSERT_TRUE(CollectCpuMemory(pi.path(), &r).ok());
  EXPECT_EQ(r.cpu().model(), "ARM Cortex-A72");
  EXPECT_EQ(r.cpu().sockets(), 1);
  EXPECT_EQ(r.cpu().cores(), 4);
  EXPECT_EQ(r.cpu().threads(), 4);
  EXPECT_EQ(r.memory_bytes(), int64_t{3884580} * 1024);
}

TEST(CpuMemoryTest, CoreIdsCountCoresWhenCpuCoresIsMissing) {
  TempDir root;
  std::string cpuinfo;
  for (int i = 0; i < 4; ++i) {
    absl::StrAppend(&cpuinfo, "processor\t: ", i, "\nmodel name\t: Some CPU\nphysical id\t: 0\n",
                    "core id\t\t: ", i / 2, "\n\n");
  }
  WriteIn(root.path(), "/proc/cpuinfo", cpuinfo);
  v1::InventoryReport r;
  ASSERT_TRUE(CollectCpuMemory(root.path(), &r).ok());
  EXPECT_EQ(r.cpu().sockets(), 1);
  EXPECT_EQ(r.cpu().cores(), 2);
  EXPECT_EQ(r.cpu().threads(), 4);
}

TEST(CpuMemoryTest, MalformedFilesAreErrors) {
  TempDir root;
  WriteIn(root.path(), "/proc/cpuinfo", "garbage without processors\n");
  WriteIn(root.path(), "/proc/meminfo", "MemFree: 1 kB\n");
  v1::InventoryReport r;
  absl::Status st = CollectCpuMemory(root.path(), &r);
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(r.has_cpu());
  EXPECT_EQ(r.memory_bytes(), 0);
}

TEST(CpuMemoryTest, MemTotalBeyondInt64BytesIsAnErrorNotAnOverflow) {
  EXPECT_EQ(*collect::ParseMemTotal("MemTotal:       16318412 kB\n"), int64_t{16318412} * 1024);
  absl::StatusOr<int64_t> huge = collect::ParseMemTotal("MemTotal: 9007199254740993 kB\n");
  ASSERT_FALSE(huge.ok());
  EXPECT_TRUE(absl::StrContains(huge.status().message(), "MemTotal")) << huge.status();
  EXPECT_FALSE(collect::ParseMemTotal("MemTotal: 99999999999999999999 kB\n").ok());
}

// ---------------------------------------------------------------------------------------------
// Storage.

TEST(StorageTest, ListsDisksAndFindsLuksUnderLvm) {
  Workstation ws;
  v1::InventoryReport r;
  ASSERT_TRUE(CollectStorage(ws.path(), &r).ok());
  ASSERT_EQ(r.disks_size(), 3);  // no loop, zram, dm-* or empty optical drive
  const v1::Disk& nvme = r.disks(0);
  EXPECT_EQ(nvme.name(), "nvme0n1");
  EXPECT_EQ(nvme.model(), "Samsung SSD 980 PRO 1TB");
  EXPECT_EQ(nvme.serial_number(), "S5GXNF0R812345K");
  EXPECT_EQ(nvme.size_bytes(), int64_t{2000409264} * 512);
  EXPECT_TRUE(nvme.ssd());
  EXPECT_FALSE(nvme.removable());
  EXPECT_TRUE(nvme.encrypted());

  const v1::Disk& hdd = r.disks(1);
  EXPECT_EQ(hdd.name(), "sda");
  EXPECT_EQ(hdd.model(), "ST4000DM004-2CV1");
  EXPECT_EQ(hdd.serial_number(), "ZFN1ABCD");
  EXPECT_EQ(hdd.size_bytes(), int64_t{7814037168} * 512);
  EXPECT_FALSE(hdd.ssd());
  EXPECT_FALSE(hdd.encrypted());  // LVM, but no dm-crypt

  const v1::Disk& stick = r.disks(2);
  EXPECT_EQ(stick.name(), "sdb");
  EXPECT_EQ(stick.model(), "Ultra Fit");
  EXPECT_EQ(stick.serial_number(), "");
  EXPECT_TRUE(stick.removable());
  EXPECT_FALSE(stick.encrypted());
}

TEST(StorageTest, ListsRealFilesystemsWithSizesAndEncryption) {
  Workstation ws;
  v1::InventoryReport r;
  ASSERT_TRUE(CollectStorage(ws.path(), &r).ok());
  std::vector<std::string> got;
  for (const v1::Filesystem& f : r.filesystems()) {
    got.push_back(absl::StrCat(f.mount_point(), " ", f.device(), " ", f.type(),
                               f.encrypted() ? " encrypted" : ""));
  }
  EXPECT_THAT(
      got, ElementsAre("/ /dev/mapper/vg0-root ext4 encrypted", "/boot /dev/nvme0n1p2 ext4",
                       "/boot/efi /dev/nvme0n1p1 vfat", "/home /dev/mapper/vg0-home ext4 encrypted",
                       "/srv/archive /dev/mapper/data-archive xfs",
                       "/media/anna/USB STICK /dev/sdb1 vfat",
                       "/mnt/projects nas.example.lan:/export/projects nfs4"));
  for (const v1::Filesystem& f : r.filesystems()) {
    if (f.type() == "nfs4") {
      EXPECT_EQ(f.size_bytes(), 0) << "network shares are not statvfs()ed";
    } else {
      EXPECT_GT(f.size_bytes(), 0) << f.mount_point();
      EXPECT_GT(f.free_bytes(), 0) << f.mount_point();
      EXPECT_LE(f.free_bytes(), f.size_bytes()) << f.mount_point();
    }
  }
}

TEST(StorageTest, LuksOnLvmMarksTheDiskAndDmDeviceMounts) {
  // The other stacking order: LVM on a partition, a LUKS mapping inside a logical volume, and a
  // filesystem mounted by its /dev/dm-N name.
  TempDir root;
  const std::string& r = root.path();
  WriteIn(r, "/sys/block/sda/size", "500118192\n");
  WriteIn(r, "/sys/block/sda/queue/rotational", "0\n");
  WriteIn(r, "/sys/block/sda/sda1/partition", "1\n");
  WriteIn(r, "/sys/block/sda/sda2/partition", "2\n");
  WriteIn(r, "/sys/block/sdb/size", "976773168\n");
  WriteIn(r, "/sys/block/dm-0/dm/name", "vg-crypt\n");
  WriteIn(r, "/sys/block/dm-0/dm/uuid", "LVM-abc\n");
  WriteIn(r, "/sys/block/dm-0/slaves/sda2", "");
  WriteIn(r, "/sys/block/dm-1/dm/name", "home\n");
  WriteIn(r, "/sys/block/dm-1/dm/uuid", "CRYPT-LUKS1-0123456789abcdef0123456789abcdef-home\n");
  WriteIn(r, "/sys/block/dm-1/slaves/dm-0", "");
  WriteIn(r, "/proc/mounts",
          "/dev/sda1 / ext4 rw 0 0\n/dev/dm-1 /home btrfs rw 0 0\n"
          "/dev/sdb /data\\011tab\\134x ext4 rw 0 0\n");
  v1::InventoryReport report;
  ASSERT_TRUE(CollectStorage(r, &report).ok());
  ASSERT_EQ(report.disks_size(), 2);
  EXPECT_TRUE(report.disks(0).encrypted());
  EXPECT_FALSE(report.disks(1).encrypted());
  ASSERT_EQ(report.filesystems_size(), 3);
  EXPECT_FALSE(report.filesystems(0).encrypted());
  EXPECT_TRUE(report.filesystems(1).encrypted());
  EXPECT_EQ(report.filesystems(2).mount_point(), "/data\ttab\\x");
}

TEST(StorageTest, MissingSysfsAndMountsAreNotErrors) {
  TempDir root;
  v1::InventoryReport r;
  EXPECT_TRUE(CollectStorage(root.path(), &r).ok());
  EXPECT_THAT(r.disks(), IsEmpty());
  EXPECT_THAT(r.filesystems(), IsEmpty());
}

// ---------------------------------------------------------------------------------------------
// Network.

TEST(NetworkTest, ListsInterfacesWithStateAndIpv6Addresses) {
  Workstation ws;
  v1::InventoryReport r;
  ASSERT_TRUE(CollectNetwork(ws.path(), &r).ok());
  std::vector<std::string> got;
  for (const v1::NetworkInterface& i : r.interfaces()) {
    got.push_back(absl::StrCat(i.name(), " [", i.mac(), "]", i.up() ? " up" : " down",
                               i.physical() ? " physical" : "", " ",
                               absl::StrJoin(i.addresses(), ",")));
  }
  EXPECT_THAT(got, ElementsAre("docker0 [02:42:6b:1f:9a:3c] down ",
                               "eno1 [f4:8e:38:ab:cd:ef] up physical "
                               "fe80::f68e:38ff:feab:cdef/64,2001:67c:1254:3a::23/64",
                               "enp179s0 [a0:36:9f:12:34:56] down physical ",
                               "veth4f2a1c9 [a2:b1:c2:d3:e4:f5] up fe80::a0b1:c2ff:fed3:e4f5/64",
                               "wg0 [] up fd42::1/64"));
}

TEST(NetworkTest, MalformedIfInet6IsAnError) {
  TempDir root;
  WriteIn(root.path(), "/sys/class/net/eth0/address", "52:54:00:12:34:56\n");
  WriteIn(root.path(), "/proc/net/if_inet6", "fe80zz 02 40 20 80 eth0\n");
  v1::InventoryReport r;
  absl::Status st = CollectNetwork(root.path(), &r);
  EXPECT_TRUE(absl::StrContains(st.message(), "if_inet6 line 1")) << st;
  ASSERT_EQ(r.interfaces_size(), 1);
  EXPECT_EQ(r.interfaces(0).mac(), "52:54:00:12:34:56");
}

// ---------------------------------------------------------------------------------------------
// Users.

TEST(UsersTest, ListsPeopleAndTheLastLogin) {
  Workstation ws;
  v1::InventoryReport r;
  ASSERT_TRUE(CollectUsers(ws.path(), &r).ok());
  std::vector<std::string> got;
  for (const v1::LocalUser& u : r.users()) {
    got.push_back(absl::StrCat(u.name(), " ", u.uid(), " '", u.full_name(), "' ", u.home()));
  }
  EXPECT_THAT(got, ElementsAre("anna 1000 'Anna Schmidt' /home/anna",
                               "bernd 1001 'Bernd Meier' /home/bernd",
                               "carla 1004 'Carla Jovanović' /home/carla"));
  EXPECT_EQ(r.last_login_user(), "bernd");
}

TEST(UsersTest, LastLoginScansBackOverManyRecordsAndIgnoresAPartialOne) {
  TempDir root;
  std::vector<utmp> records = {Utmp(USER_PROCESS, "a-user-name-of-exactly-32-chars!", "pts/1", 1)};
  for (int i = 0; i < 300; ++i) records.push_back(Utmp(DEAD_PROCESS, "", "pts/1", 2 + i));
  std::string bytes = UtmpBytes(records);
  // Half a USER_PROCESS record still being written by sshd.
  utmp partial = Utmp(USER_PROCESS, "mallory", "pts/2", 9999);
  bytes.append(reinterpret_cast<const char*>(&partial), sizeof partial / 2);
  WriteIn(root.path(), "/var/log/wtmp", bytes);
  v1::InventoryReport r;
  ASSERT_TRUE(CollectUsers(root.path(), &r).ok());
  EXPECT_EQ(r.last_login_user(), "a-user-name-of-exactly-32-chars!");
}

TEST(UsersTest, MalformedPasswdLineIsAnErrorButOthersAreKept) {
  TempDir root;
  WriteIn(root.path(), "/etc/passwd",
          "anna:x:1000:1000:Anna:/home/anna:/bin/bash\nbroken line\n"
          "+@netgroup::::::\nbob:x:1001:1001::/home/bob:/bin/sh\n");
  v1::InventoryReport r;
  absl::Status st = CollectUsers(root.path(), &r);
  EXPECT_TRUE(absl::StrContains(st.message(), "/etc/passwd line 2")) << st;
  EXPECT_EQ(r.users_size(), 2);
}

// ---------------------------------------------------------------------------------------------
// Software.

TEST(SoftwareTest, DpkgInstalledPackagesOnly) {
  Workstation ws;
  fs::remove_all(ws("/snap"));
  fs::remove_all(ws("/var/lib/flatpak"));
  v1::InventoryReport r;
  ASSERT_TRUE(CollectSoftware(ws.path(), &r).ok());
  EXPECT_THAT(Names(r.software()),
              ElementsAre("dpkg:adduser:all=3.134", "dpkg:firefox-esr:amd64=128.5.1esr-1~deb12u1",
                          "dpkg:fonts-dejavu-core:all=2.37-6", "dpkg:libc6:amd64=2.36-9+deb12u9",
                          "dpkg:libc6:i386=2.36-9+deb12u9",
                          "dpkg:linux-image-6.1.0-28-amd64:amd64=6.1.119-1",
                          "dpkg:zlib1g:amd64=1:1.2.13.dfsg-1"));
  std::map<std::string, const v1::SoftwarePackage*> by_key;
  for (const auto& p : r.software()) by_key[p.name() + ":" + p.architecture()] = &p;
  EXPECT_EQ(by_key["adduser:all"]->publisher(),
            "Debian Adduser Developers <adduser@packages.debian.org>");
  EXPECT_EQ(by_key["adduser:all"]->install_time().seconds(), 1700000000);
  // Multi-Arch: same packages keep one file list per architecture.
  EXPECT_EQ(by_key["libc6:amd64"]->install_time().seconds(), 1690000000);
  EXPECT_EQ(by_key["libc6:i386"]->install_time().seconds(), 1695000000);
  EXPECT_EQ(by_key["zlib1g:amd64"]->install_time().seconds(), 1680000000);
  EXPECT_EQ(by_key["linux-image-6.1.0-28-amd64:amd64"]->install_time().seconds(), 1732000000);
  EXPECT_FALSE(by_key["fonts-dejavu-core:all"]->has_install_time());
}

TEST(SoftwareTest, RpmDatabase) {
  TempDir root;
  WriteRpmDb(root.path(), FedoraPackages());
  v1::InventoryReport r;
  ASSERT_TRUE(CollectSoftware(root.path(), &r).ok());
  ASSERT_THAT(Names(r.software()), ElementsAre("rpm:bash:x86_64=5.2.26-3.fc40",
                                               "rpm:google-chrome-stable:x86_64=131.0.6778.108-1",
                                               "rpm:local-tool:noarch=0.3"));
  EXPECT_EQ(r.software(0).publisher(), "Fedora Project");
  EXPECT_EQ(r.software(0).install_time().seconds(), 1717171717);
  EXPECT_EQ(r.software(1).publisher(), "Google Inc.");
  EXPECT_EQ(r.software(2).publisher(), "");
  EXPECT_FALSE(r.software(2).has_install_time());
}

TEST(SoftwareTest, CorruptRpmHeadersAreErrorsButGoodOnesAreKept) {
  TempDir root;
  std::vector<std::string> blobs = FedoraPackages();
  blobs.push_back(std::string("\x00\x00", 2));                          // too short
  blobs.push_back(std::string("\x00\x00\x03\xe8\x00\x00\x00\x10", 8));  // 1000 entries promised
  // NAME declared as INT32: the type field of the entry after the region tag.
  blobs.push_back(RpmHeader({Str(kName, "bad-name-type")}).replace(8 + 16 + 4, 4, BigEndian(4)));
  WriteRpmDb(root.path(), blobs);
  v1::InventoryReport r;
  absl::Status st = CollectSoftware(root.path(), &r);
  EXPECT_TRUE(absl::StrContains(
      st.message(), "rpm: 3 of 7 package headers are unreadable, first package 5: header shorter"))
      << st;
  EXPECT_EQ(r.software_size(), 3);
}

TEST(SoftwareTest, RpmHeaderErrorsSayWhatIsWrong) {
  const std::map<std::string, std::string> cases = {
      {std::string("\x00\x00\x03\xe8\x00\x00\x00\x10", 8), "header is 8 bytes"},
      {std::string("\x7f\xff\xff\xff\x00\x00\x00\x10", 8), "implausible header sizes"},
      {RpmHeader({Str(kName, "x")}).replace(8 + 16 + 4, 4, BigEndian(4)),
       "tag 1000 has type 4, expected a string"},
      {RpmHeader({Str(kName, "x")}).replace(8 + 16 + 8, 4, BigEndian(1000)),
       "tag 1000 offset out of range"},
      {RpmHeader({Str(kVersion, "1.0")}), "header without a NAME"},
  };
  for (const auto& [blob, message] : cases) {
    TempDir root;
    WriteRpmDb(root.path(), {blob});
    v1::InventoryReport r;
    absl::Status st = CollectSoftware(root.path(), &r);
    EXPECT_TRUE(absl::StrContains(st.message(), message)) << st;
  }
}

TEST(SoftwareTest, SnapsAndFlatpaks) {
  Workstation ws;
  fs::remove(ws("/var/lib/dpkg/status"));
  v1::InventoryReport r;
  ASSERT_TRUE(CollectSoftware(ws.path(), &r).ok());
  ASSERT_THAT(
      Names(r.software()),
      ElementsAre("flatpak:org.gimp.GIMP:x86_64=2.10.38", "flatpak:org.kde.kcalc:x86_64=24.08.3",
                  "snap:core22:amd64=20240408", "snap:firefox:amd64=133.0-2"));
  EXPECT_EQ(r.software(0).publisher(), "The GIMP Team");
  EXPECT_EQ(r.software(0).install_time().seconds(), kFlatpakGimpTime);
  EXPECT_EQ(r.software(1).publisher(), "KDE");
  EXPECT_EQ(r.software(2).publisher(), "");
  EXPECT_EQ(r.software(3).install_time().seconds(), kSnapFirefoxTime);
}

TEST(SoftwareTest, SnapPublisherAndFlowArchitectures) {
  TempDir root;
  WriteIn(root.path(), "/snap/hello/42/meta/snap.yaml",
          "name: \"hello\"\nversion: 2.10 # upstream\npublisher: Canonical\n"
          "architectures: [amd64, arm64]\n");
  Symlink("/snap/hello/42", root.File("snap/hello/current"), 1700000000);  // absolute target
  v1::InventoryReport r;
  ASSERT_TRUE(CollectSoftware(root.path(), &r).ok());
  ASSERT_EQ(r.software_size(), 1);
  EXPECT_EQ(r.software(0).name(), "hello");
  EXPECT_EQ(r.software(0).version(), "2.10");
  EXPECT_EQ(r.software(0).publisher(), "Canonical");
  EXPECT_EQ(r.software(0).architecture(), "amd64,arm64");
}

TEST(SoftwareTest, AllSourcesSortedBySourceNameArchitecture) {
  Workstation ws;
  WriteRpmDb(ws.path(), FedoraPackages());
  v1::InventoryReport r;
  ASSERT_TRUE(CollectSoftware(ws.path(), &r).ok());
  EXPECT_EQ(r.software_size(), 7 + 3 + 2 + 2);
  EXPECT_TRUE(std::is_sorted(r.software().begin(), r.software().end(),
                             [](const v1::SoftwarePackage& a, const v1::SoftwarePackage& b) {
                               return std::tie(a.source(), a.name(), a.architecture()) <
                                      std::tie(b.source(), b.name(), b.architecture());
                             }));
  EXPECT_EQ(r.software(0).source(), "dpkg");
  EXPECT_EQ(r.software(r.software_size() - 1).source(), "snap");
}

// ---------------------------------------------------------------------------------------------
// CollectAll.

TEST(CollectAllTest, WorkstationWithoutErrors) {
  Workstation ws;
  v1::InventoryReport r = CollectAll(ws.path());
  EXPECT_THAT(r.errors(), IsEmpty()) << r.DebugString();
  EXPECT_EQ(r.agent_version(), BESTAND_VERSION);
  EXPECT_NEAR(r.collect_time().seconds(), absl::ToUnixSeconds(absl::Now()), 60);
  EXPECT_EQ(r.hostname(), "ws-cad-07");
  EXPECT_EQ(r.hardware().serial_number(), "7XK2QH3");
  EXPECT_EQ(r.cpu().threads(), 16);
  EXPECT_EQ(r.disks_size(), 3);
  EXPECT_EQ(r.filesystems_size(), 7);
  EXPECT_EQ(r.interfaces_size(), 5);
  EXPECT_EQ(r.users_size(), 3);
  EXPECT_EQ(r.software_size(), 7 + 2 + 2);
}

TEST(CollectAllTest, EmptyRootReportsNothingAndNoErrors) {
  TempDir root;
  v1::InventoryReport r = CollectAll(root.path());
  EXPECT_THAT(r.errors(), IsEmpty()) << r.DebugString();
  EXPECT_EQ(r.hostname(), "");
  EXPECT_FALSE(r.has_os());
  EXPECT_FALSE(r.has_hardware());
  EXPECT_FALSE(r.has_cpu());
  EXPECT_THAT(r.software(), IsEmpty());
  EXPECT_EQ(r.agent_version(), BESTAND_VERSION);
}

TEST(CollectAllTest, EachBrokenSourceIsReportedUnderItsCollector) {
  Workstation ws;
  const std::string& r = ws.path();
  WriteFile(ws("/sys/class/dmi/id/chassis_type"), "tower\n");
  WriteFile(ws("/proc/cpuinfo"), "nothing here\n");
  WriteFile(ws("/proc/net/if_inet6"), "short line\n");
  WriteFile(ws("/etc/passwd"), "anna:x:1000\n");
  WriteFile(ws("/sys/block/sdb/size"), "lots\n");
  // A stanza with a line that is no field: that stanza goes, the others stay.
  std::string status = bestand::testing::ReadFile(ws("/var/lib/dpkg/status"));
  status.insert(status.find("Package: zlib1g"),
                "Package: broken\nStatus: install ok installed\nthis is not a field\n\n");
  WriteFile(ws("/var/lib/dpkg/status"), status);
  MakeDirs(r + "/var/lib/rpm");
  WriteFile(ws("/var/lib/rpm/rpmdb.sqlite"), "this is not an SQLite database, just text\n");
  fs::remove_all(ws("/snap/core22/1380"));
  fs::remove(ws("/var/lib/flatpak/app/org.kde.kcalc/current"));
  Symlink("x86_64", ws("/var/lib/flatpak/app/org.kde.kcalc/current"), 1700000000);

  v1::InventoryReport report = CollectAll(r);
  std::map<std::string, std::string> errors = Errors(report);
  std::vector<std::string> collectors;
  for (const auto& [name, message] : errors) collectors.push_back(name);
  EXPECT_THAT(collectors, UnorderedElementsAre("dmi", "cpu", "network", "users", "storage", "dpkg",
                                               "rpm", "snap", "flatpak"))
      << report.DebugString();
  EXPECT_TRUE(absl::StrContains(errors["dpkg"], "line")) << errors["dpkg"];
  EXPECT_TRUE(absl::StrContains(errors["snap"], "core22")) << errors["snap"];
  // Everything that could be read still is.
  EXPECT_EQ(report.hostname(), "ws-cad-07");
  EXPECT_EQ(report.hardware().manufacturer(), "Dell Inc.");
  EXPECT_EQ(report.memory_bytes(), int64_t{65566776} * 1024);
  EXPECT_EQ(report.disks_size(), 2);
  EXPECT_EQ(report.interfaces_size(), 5);
  EXPECT_EQ(report.last_login_user(), "bernd");
  EXPECT_THAT(Names(report.software()), ::testing::Contains("dpkg:zlib1g:amd64=1:1.2.13.dfsg-1"));
  EXPECT_THAT(Names(report.software()), ::testing::Contains("snap:firefox:amd64=133.0-2"));
  EXPECT_THAT(Names(report.software()),
              ::testing::Contains("flatpak:org.gimp.GIMP:x86_64=2.10.38"));
  EXPECT_EQ(report.software_size(), 7 + 1 + 1);
}

// The machine the tests run on: whatever it has, collecting must work and be quick.
TEST(CollectAllTest, RealMachine) {
  timespec start, end;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &start);
  v1::InventoryReport r = CollectAll("/");
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &end);
  const double cpu_ms = (end.tv_sec - start.tv_sec) * 1e3 + (end.tv_nsec - start.tv_nsec) / 1e6;
  int dpkg = 0;
  for (const auto& p : r.software()) dpkg += p.source() == "dpkg";
  std::cout << "CollectAll(\"/\"): " << cpu_ms << " ms CPU, " << dpkg << " dpkg packages, "
            << r.software_size() << " packages in all, errors: " << r.errors_size() << "\n";
  for (const auto& e : r.errors())
    std::cout << "  " << e.collector() << ": " << e.message() << "\n";
  EXPECT_FALSE(r.hostname().empty());
  EXPECT_FALSE(r.fqdn().empty());
  EXPECT_GT(r.cpu().threads(), 0);
  EXPECT_GT(r.memory_bytes(), 0);
  EXPECT_FALSE(r.os().architecture().empty());
  if (access("/var/lib/dpkg/status", R_OK) == 0) {
    EXPECT_GT(dpkg, 0);
  }
  EXPECT_EQ(Errors(r).count("dmi"), 0u);
}

}  // namespace
}  // namespace bestand::agent
