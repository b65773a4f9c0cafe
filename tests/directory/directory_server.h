// The connector tests' directory servers (tests/directory/directory_server.py: slapd, Samba AD,
// a SCIM service), each on loopback in its own directory; stopped on destruction.
#pragma once

#include <string>
#include <vector>

#include "tests/notify/smtp_sink.h"

namespace bestand::testing {

class DirectoryServer : public ReadyProcess {
 public:
  // `kind` "slapd", "samba" or "scim"; `flags` go to the script (--dir, --port, ...).
  DirectoryServer(const std::string& kind, const std::vector<std::string>& flags)
      : ReadyProcess(Args(kind, flags)) {}

 private:
  static std::vector<std::string> Args(const std::string& kind,
                                       const std::vector<std::string>& flags) {
    std::vector<std::string> args = {
        "/usr/bin/python3", BESTAND_SOURCE_DIR "/tests/directory/directory_server.py", kind};
    args.insert(args.end(), flags.begin(), flags.end());
    return args;
  }
};

}  // namespace bestand::testing
