// Helpers shared by the tests: temporary directories, running processes, direct SQL on a
// database file (to play the attacker who edits it behind Bestand's back).
#pragma once

#include <string>
#include <vector>

namespace bestand::testing {

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& content);
std::string ReadFile(const std::string& path);

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `argv` with extra environment entries ("NAME=value") to completion.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::vector<std::string>& env = {});

// Executes `sql` on the SQLite file `db`; fails the test on error.
void ExecSql(const std::string& db, const std::string& sql);
// The first column of every row `sql` returns, one per line.
std::string QuerySql(const std::string& db, const std::string& sql);

}  // namespace bestand::testing
