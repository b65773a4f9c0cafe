#include "server/storage/sqlite/computed_fields.h"

namespace bestand::sqlite {
namespace {

struct Computed {
  Kind kind;
  absl::string_view field;
  absl::string_view sql;
};

constexpr Computed kComputed[] = {
    // A grant's person and application are its account's.
    {Kind::kAccessGrant, "person",
     "(SELECT a.person_id FROM accounts a WHERE a.id = t.account_id)"},
    {Kind::kAccessGrant, "application",
     "(SELECT a.application_id FROM accounts a WHERE a.id = t.account_id)"},
    // When the device's agent last reported (Bestand's own, else another agent's inventory).
    {Kind::kDevice, "last_report_time",
     "COALESCE((SELECT a.last_seen_time FROM agents a WHERE a.device_id = t.id), "
     "(SELECT f.report_time FROM imported_facts f WHERE f.device_id = t.id))"},
    // Seats in use: the license's assignments.
    {Kind::kLicense, "assigned_seats",
     "(SELECT COUNT(*) FROM license_assignments a WHERE a.license_id = t.id)"},
};

}  // namespace

absl::string_view ComputedFieldSql(Kind kind, absl::string_view field) {
  for (const Computed& c : kComputed) {
    if (c.kind == kind && c.field == field) return c.sql;
  }
  return "";
}

}  // namespace bestand::sqlite
