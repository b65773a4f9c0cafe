#include "agent/collect/linux/users.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utmp.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agent/collect/linux/util.h"

namespace bestand::agent::collect {

bool IsLoginShell(absl::string_view shell) {
  // passwd(5): an empty shell field means /bin/sh.
  absl::string_view base = shell.substr(shell.rfind('/') + 1);
  return base != "nologin" && base != "false";
}

absl::Status ParsePasswd(absl::string_view text,
                         google::protobuf::RepeatedPtrField<v1::LocalUser>* users) {
  absl::Status result;
  ForEachLine(text, [&](absl::string_view line, int line_no) {
    // NIS compat entries ("+", "-name") name no local account.
    if (line.empty() || line[0] == '#' || line[0] == '+' || line[0] == '-') return;
    std::vector<absl::string_view> f = absl::StrSplit(line, ':');
    int uid = 0;
    if (f.size() != 7 || f[0].empty() || !absl::SimpleAtoi(f[2], &uid)) {
      result.Update(absl::InvalidArgumentError(
          absl::StrCat("/etc/passwd line ", line_no, ": not name:x:uid:gid:gecos:home:shell")));
      return;
    }
    // Debian policy: 1000-59999 are people; below are system accounts, above dynamic ones.
    if (uid < 1000 || uid > 59999 || !IsLoginShell(f[6])) return;
    v1::LocalUser* user = users->Add();
    user->set_name(std::string(f[0]));
    user->set_uid(uid);
    // GECOS is "full name,room,work phone,home phone,other".
    user->set_full_name(std::string(f[4].substr(0, f[4].find(','))));
    user->set_home(std::string(f[5]));
  });
  return result;
}

// wtmp only ever grows at the end, so the last USER_PROCESS record is the newest one even across
// clock changes, and reading backwards stops after a few records on a file holding months of
// history.
absl::StatusOr<std::string> LastLoginUser(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    absl::Status st = FileError(errno, path);
    if (absl::IsNotFound(st)) return std::string();
    return st;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return FileError(err, path);
  }
  // A trailing partial record is one being written right now; it is left for the next run.
  size_t end = static_cast<size_t>(st.st_size) / sizeof(utmp);
  constexpr size_t kBatch = 64;
  std::vector<utmp> batch(kBatch);
  while (end > 0) {
    size_t begin = end > kBatch ? end - kBatch : 0;
    size_t want = (end - begin) * sizeof(utmp);
    ssize_t n = pread(fd, batch.data(), want, static_cast<off_t>(begin * sizeof(utmp)));
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(want)) {
      int err = n < 0 ? errno : EIO;
      close(fd);
      return FileError(err, path);
    }
    for (size_t i = end - begin; i-- > 0;) {
      const utmp& u = batch[i];
      if (u.ut_type == USER_PROCESS && u.ut_user[0] != '\0') {
        close(fd);
        return std::string(u.ut_user, strnlen(u.ut_user, sizeof u.ut_user));
      }
    }
    end = begin;
  }
  close(fd);
  return std::string();
}

absl::Status CollectUsers(const std::string& root, v1::InventoryReport* report) {
  absl::Status result;
  std::string text;
  absl::Status st = ReadFileTo(Under(root, "/etc/passwd"), &text);
  if (st.ok()) {
    result.Update(ParsePasswd(text, report->mutable_users()));
  } else if (!absl::IsNotFound(st)) {
    result.Update(st);
  }
  absl::StatusOr<std::string> last = LastLoginUser(Under(root, "/var/log/wtmp"));
  if (last.ok()) {
    report->set_last_login_user(*last);
  } else {
    result.Update(last.status());
  }
  return result;
}

}  // namespace bestand::agent::collect
