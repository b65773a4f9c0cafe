// Local accounts: /etc/passwd; the last login from /var/log/wtmp.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/agent.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace bestand::agent::collect {

// False for the shells that refuse a login ("nologin", "false", wherever they are installed);
// true for all others, including "" (passwd(5): /bin/sh).
bool IsLoginShell(absl::string_view shell);

// Appends the human accounts in passwd(5) `text` to `*users`, in file order: name, uid, full
// name (the GECOS field up to its first comma) and home, for uids 1000-59999 with a login shell.
// Blank lines, comments and NIS compat entries ("+...", "-...") are skipped. A line that is not
// seven fields with a name and a numeric uid is skipped and is an error (InvalidArgument
// "/etc/passwd line N: not name:x:uid:gid:gecos:home:shell", the first of them).
absl::Status ParsePasswd(absl::string_view text,
                         google::protobuf::RepeatedPtrField<v1::LocalUser>* users);

// The user of the newest login in the utmp(5) file at `path` (the last USER_PROCESS record
// with a user name; a trailing partial record is ignored), "" when there is none or the file
// does not exist. Errors are FileError's of reading it.
absl::StatusOr<std::string> LastLoginUser(const std::string& path);

// report.users from /etc/passwd and report.last_login_user from /var/log/wtmp. Absent files are
// no error; files that cannot be read and malformed passwd lines are (the rest is still filled).
absl::Status CollectUsers(const std::string& root, v1::InventoryReport* report);

}  // namespace bestand::agent::collect
