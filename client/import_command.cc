#include "client/import_command.h"

#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "bestand/v1/inventory.pb.h"
#include "client/nouns.h"
#include "common/files.h"
#include "common/resources.h"
#include "common/status_macros.h"
#include "common/text.h"

namespace bestand {
namespace {

// One machine's inventory file: the device it was matched to or created as.
absl::Status ImportInventoryFile(Context& c, const v1::ImportCsvRequest& req,
                                 const std::string& path) {
  BESTAND_ASSIGN_OR_RETURN(v1::ImportCsvProgress result,
                           c.client().ImportCsv(req, [](const v1::ImportCsvProgress&) {}));
  if (c.format() == Format::kJson) {
    c.One(result);
    return absl::OkStatus();
  }
  c.out() << (req.dry_run() ? "dry run, nothing changed: " : "imported ") << path << ": "
          << result.device() << (result.created() ? " (new)" : " (matched)") << ", "
          << Counted(result.software_changes(), "software change") << " recorded\n";
  return absl::OkStatus();
}

// The collection `what` names for a CSV import: a user export as it is, else an inventory
// noun's collection; a usage error for anything else, or for --mark-deleted on a noun.
absl::StatusOr<std::string> CsvCollection(const Context& c, const std::string& what) {
  if (what == "m365-users" || what == "m365-activity" || what == "google-users") return what;
  const Noun* noun = FindNoun(what);
  if (noun == nullptr) {
    return c.Usage(absl::StrCat(
        "cannot import '", what,
        "'; KIND is one of people, devices, apps, vendors, accounts, access, licenses, "
        "assignments, templates, m365-users, m365-activity, google-users, glpi, fusion"));
  }
  if (c.args().Has("mark-deleted")) return c.Usage("--mark-deleted is for user exports");
  return std::string(Spec(noun->kind).collection);
}

// "imported FILE: N rows, N new, N updated, N unchanged[, N missing from the file ...]" and the
// missing accounts, one a line.
void PrintCsvResult(Context& c, const v1::ImportCsvRequest& req, const std::string& path,
                    const v1::ImportCsvProgress& result) {
  std::ostream& out = c.out();
  out << (req.dry_run() ? "dry run, nothing changed: " : "imported ") << path << ": "
      << Counted(result.rows_total(), "row") << ", " << result.created() << " new, "
      << result.updated() << " updated, " << result.unchanged() << " unchanged";
  if (result.missing_size() > 0) {
    out << ", " << result.missing_size() << " missing from the file"
        << (result.deleted()             ? absl::StrCat(" (", result.deleted(), " marked deleted)")
            : req.mark_missing_deleted() ? ""
                                         : " (mark them deleted with --mark-deleted)");
  }
  out << "\n";
  for (const std::string& m : result.missing()) out << "  missing: " << m << "\n";
}

}  // namespace

absl::Status Import(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string what, c.Arg(1, "what to import (people, devices, ...)"));
  BESTAND_ASSIGN_OR_RETURN(std::string path, c.Arg(2, "the CSV file"));
  v1::ImportCsvRequest req;
  if (what == "glpi" || what == "fusion") {
    req.set_collection(what);
    BESTAND_ASSIGN_OR_RETURN(*req.mutable_content(), ReadFileToString(path));
    req.set_dry_run(c.args().Has("dry-run"));
    return ImportInventoryFile(c, req, path);
  }
  BESTAND_ASSIGN_OR_RETURN(*req.mutable_collection(), CsvCollection(c, what));
  req.set_mark_missing_deleted(c.args().Has("mark-deleted"));  // user exports only, as checked
  BESTAND_ASSIGN_OR_RETURN(*req.mutable_content(), ReadFileToString(path));
  req.set_dry_run(c.args().Has("dry-run"));
  const bool tty = ::isatty(STDERR_FILENO);
  BESTAND_ASSIGN_OR_RETURN(v1::ImportCsvProgress result,
                           c.client().ImportCsv(req, [&](const v1::ImportCsvProgress& p) {
                             if (tty && !p.done()) {
                               c.err() << "\rimporting " << path << ": " << p.rows_done() << " of "
                                       << p.rows_total() << " rows" << std::flush;
                             }
                           }));
  if (tty && result.rows_total() >= 500) c.err() << "\r\033[K";
  if (c.format() == Format::kJson) {
    c.One(result);
    return absl::OkStatus();
  }
  PrintCsvResult(c, req, path, result);
  return absl::OkStatus();
}

}  // namespace bestand
