// Bestand's own records (audit events, agents, packages, software events and software sets)
// as rows: the column lists to select them with and the readers of a selected row.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/audit.pb.h"
#include "server/storage/sqlite/connection.h"
#include "server/storage/store.h"

namespace bestand::sqlite {

inline constexpr char kAuditColumns[] =
    "SELECT sequence, time, actor, action, resource, before, after, prev_hash, hash "
    "FROM audit_events";
inline constexpr char kAgentColumns[] =
    "SELECT device_id, cert_serial, enroll_time, revoke_time, last_seen_time, last_report_time, "
    "report_hash, facts, previous_cert_serial, seal, seen_seal, cert_expire_time FROM agents";
inline constexpr char kImportedFactsColumns[] =
    "SELECT device_id, report_time, facts FROM imported_facts";
inline constexpr char kPackageColumns[] =
    "SELECT p.id, o.source, p.name, o.architecture, p.version, o.publisher "
    "FROM software_packages p JOIN software_origins o ON o.id = p.origin_id";

// Each reads the current row of `st`, selected with the columns above.
void ReadAudit(Stmt& st, v1::AuditEvent* e);
void ReadAgent(Stmt& st, AgentRecord* a);
// Columns id, device_id, time, kind, package_id, previous_package_id (each query selects them).
void ReadSoftwareEvent(Stmt& st, SoftwareEventRecord* e);
void ReadPackage(Stmt& st, PackageRecord* p);

// A device's software set as one compact blob: a format byte (1), then per package varints of
// the id delta and the zigzag deltas of install and first-seen time (whole seconds; 0 =
// unknown) from the previous package. Ids are sorted and most times repeat, so a package costs
// ~4 bytes instead of a row with an index entry.
std::string EncodeSoftware(const DeviceSoftwareRecord& r);
// DATA_LOSS for a blob of another format or a truncated one.
absl::Status DecodeSoftware(absl::string_view in, DeviceSoftwareRecord* r);

}  // namespace bestand::sqlite
