// The user exports of Microsoft 365 and Google Workspace as the admin consoles download them:
// people, accounts, license seats, last activity and MFA, imported in one transaction and matched
// to what is stored, so that importing the same file again changes nothing.
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/core/inventory.h"
#include "server/imports/import_result.h"

namespace bestand {

// True for "m365-users" (admin center, Active users, Export users), "m365-activity" (Reports,
// Usage, Active users) and "google-users" (Directory, Users, Download users).
bool IsDirectoryFormat(absl::string_view format);

// Imports an export of `format` through `inventory` (its store and change hook) in one
// transaction (none when `dry_run`). Accounts of the application that a user list no longer
// lists are reported in `missing`, and marked deleted with `mark_missing_deleted`; never
// removed. INVALID_ARGUMENT "line L, column 'C': ..." for a bad row (nothing is imported);
// FAILED_PRECONDITION for an activity report whose user names Microsoft concealed.
absl::StatusOr<ImportResult> ImportDirectoryExport(Inventory& inventory, absl::string_view actor,
                                                   absl::string_view format,
                                                   absl::string_view content, bool dry_run,
                                                   bool mark_missing_deleted);

}  // namespace bestand
