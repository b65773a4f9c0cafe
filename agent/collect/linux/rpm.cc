#include "agent/collect/linux/rpm.h"

#include <sqlite3.h>

#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"

namespace bestand::agent::collect {
namespace {

// RPM header as rpm stores it in rpmdb.sqlite: big-endian il (index entries) and dl (data bytes),
// il 16-byte entries (tag, type, offset, count), then the data.
constexpr uint32_t kRpmTagName = 1000;
constexpr uint32_t kRpmTagVersion = 1001;
constexpr uint32_t kRpmTagRelease = 1002;
constexpr uint32_t kRpmTagInstallTime = 1008;
constexpr uint32_t kRpmTagVendor = 1011;
constexpr uint32_t kRpmTagArch = 1022;
constexpr uint32_t kRpmTypeInt32 = 4;
constexpr uint32_t kRpmTypeString = 6;
constexpr uint32_t kRpmTypeStringArray = 8;
constexpr uint32_t kRpmTypeI18nString = 9;

uint32_t BigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// The field of `pkg` that string tag `tag` fills, or nullptr for tags not read here.
std::string* StringField(uint32_t tag, RpmPackage* pkg) {
  switch (tag) {
    case kRpmTagName:
      return &pkg->name;
    case kRpmTagVersion:
      return &pkg->version;
    case kRpmTagRelease:
      return &pkg->release;
    case kRpmTagVendor:
      return &pkg->vendor;
    case kRpmTagArch:
      return &pkg->arch;
    default:
      return nullptr;
  }
}

// Reads the string entry (`tag`, `type`, `offset`) from the `dl` bytes at `data` into `*text`.
absl::Status ReadStringEntry(const char* data, uint32_t dl, uint32_t tag, uint32_t type,
                             uint32_t offset, std::string* text) {
  // An I18N string or string array starts with its first (default language) string.
  if (type != kRpmTypeString && type != kRpmTypeI18nString && type != kRpmTypeStringArray) {
    return absl::InvalidArgumentError(
        absl::StrCat("tag ", tag, " has type ", type, ", expected a string"));
  }
  if (offset >= dl)
    return absl::InvalidArgumentError(absl::StrCat("tag ", tag, " offset out of range"));
  const void* nul = std::memchr(data + offset, '\0', dl - offset);
  if (nul == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("tag ", tag, " string is not terminated"));
  }
  text->assign(data + offset, static_cast<const char*>(nul) - (data + offset));
  return absl::OkStatus();
}

// The database's path under `root`, or "" when there is none. Fedora 36+ and openSUSE moved the
// database to /usr/lib/sysimage/rpm and leave a symlink.
std::string RpmDatabasePath(const std::string& root) {
  for (const char* candidate :
       {"/var/lib/rpm/rpmdb.sqlite", "/usr/lib/sysimage/rpm/rpmdb.sqlite"}) {
    if (PathExists(Under(root, candidate))) return Under(root, candidate);
  }
  return "";
}

void AddPackage(const RpmPackage& pkg, Packages* out) {
  v1::SoftwarePackage& p = out->emplace_back();
  p.set_source("rpm");
  p.set_name(pkg.name);
  p.set_version(pkg.release.empty() ? pkg.version : absl::StrCat(pkg.version, "-", pkg.release));
  p.set_architecture(pkg.arch);
  p.set_publisher(pkg.vendor);
  if (pkg.install_time > 0) SetSeconds(pkg.install_time, p.mutable_install_time());
}

}  // namespace

absl::StatusOr<RpmPackage> ParseRpmHeader(absl::string_view blob) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  if (blob.size() < 8) return absl::InvalidArgumentError("header shorter than 8 bytes");
  const uint32_t il = BigEndian32(p), dl = BigEndian32(p + 4);
  // rpm itself rejects headers beyond these sizes.
  if (il == 0 || il > 0xffff || dl > (256u << 20)) {
    return absl::InvalidArgumentError(absl::StrCat("implausible header sizes il=", il, " dl=", dl));
  }
  const uint64_t need = 8 + uint64_t{16} * il + dl;
  if (blob.size() < need) {
    return absl::InvalidArgumentError(
        absl::StrCat("header is ", blob.size(), " bytes, its sizes need ", need));
  }
  const unsigned char* index = p + 8;
  const char* data = blob.data() + 8 + 16 * static_cast<size_t>(il);
  RpmPackage pkg;
  for (uint32_t i = 0; i < il; ++i) {
    const unsigned char* entry = index + 16 * static_cast<size_t>(i);
    const uint32_t tag = BigEndian32(entry), type = BigEndian32(entry + 4);
    const uint32_t offset = BigEndian32(entry + 8), count = BigEndian32(entry + 12);
    if (tag == kRpmTagInstallTime) {
      if (type != kRpmTypeInt32 || count < 1 || offset > dl || dl - offset < 4) {
        return absl::InvalidArgumentError("bad INSTALLTIME entry");
      }
      pkg.install_time = BigEndian32(reinterpret_cast<const unsigned char*>(data + offset));
    } else if (std::string* text = StringField(tag, &pkg); text != nullptr) {
      if (absl::Status st = ReadStringEntry(data, dl, tag, type, offset, text); !st.ok()) {
        return st;
      }
    }
  }
  if (pkg.name.empty()) return absl::InvalidArgumentError("header without a NAME");
  return pkg;
}

absl::Status CollectRpm(const std::string& root, Packages* out) {
  const std::string path = RpmDatabasePath(root);
  if (path.empty()) return absl::OkStatus();

  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> closer(db, sqlite3_close);
  if (rc != SQLITE_OK) {
    return absl::InternalError(absl::StrCat(path, ": ", db ? sqlite3_errmsg(db) : "cannot open"));
  }
  // rpm may be installing something right now; its write transactions are short.
  sqlite3_busy_timeout(db, 2000);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT hnum, blob FROM Packages", -1, &stmt, nullptr) != SQLITE_OK) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", sqlite3_errmsg(db)));
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> finalizer(stmt, sqlite3_finalize);
  absl::Status result;
  int rows = 0, bad = 0;
  std::string first_error;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    ++rows;
    const int64_t hnum = sqlite3_column_int64(stmt, 0);
    const void* blob = sqlite3_column_blob(stmt, 1);
    const int size = sqlite3_column_bytes(stmt, 1);
    absl::StatusOr<RpmPackage> pkg = ParseRpmHeader(
        absl::string_view(static_cast<const char*>(blob), blob ? static_cast<size_t>(size) : 0));
    if (!pkg.ok()) {
      // One message per header could be thousands on a damaged database; the first and a
      // count say enough.
      if (bad++ == 0) first_error = absl::StrCat("package ", hnum, ": ", pkg.status().message());
      continue;
    }
    // Imported signing keys are stored as pseudo-packages; they are no software.
    if (pkg->name != "gpg-pubkey") AddPackage(*pkg, out);
  }
  if (rc != SQLITE_DONE) {
    result.Update(absl::InternalError(absl::StrCat(path, ": ", sqlite3_errmsg(db))));
  }
  if (bad > 0) {
    result.Update(absl::InvalidArgumentError(
        absl::StrCat(bad, " of ", rows, " package headers are unreadable, first ", first_error)));
  }
  return result;
}

}  // namespace bestand::agent::collect
