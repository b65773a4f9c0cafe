#include "server/storage/sqlite/schema.h"

namespace bestand::sqlite_schema {
namespace {

// Ids are AUTOINCREMENT: a deleted record's name ("licenses/5") is never given to another.
// Conventions: text columns are NOT NULL DEFAULT '' (empty = unset), numbers NOT NULL DEFAULT 0,
// timestamps INTEGER microseconds since the epoch or NULL, references "<field>_id" or NULL.
// Natural keys compare case-insensitively (COLLATE NOCASE).
constexpr absl::string_view kV1 = R"sql(
CREATE TABLE people (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL COLLATE NOCASE UNIQUE,
  display_name TEXT NOT NULL,
  department TEXT NOT NULL DEFAULT '',
  cost_center TEXT NOT NULL DEFAULT '',
  job_title TEXT NOT NULL DEFAULT '',
  manager_id INTEGER REFERENCES people(id),
  status INTEGER NOT NULL DEFAULT 0,
  start_date TEXT NOT NULL DEFAULT '',
  end_date TEXT NOT NULL DEFAULT '',
  notes TEXT NOT NULL DEFAULT '',
  create_time INTEGER,
  update_time INTEGER
);
CREATE INDEX people_department ON people(department);
CREATE INDEX people_manager ON people(manager_id);

CREATE TABLE vendors (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  display_name TEXT NOT NULL COLLATE NOCASE UNIQUE,
  kind INTEGER NOT NULL DEFAULT 0,
  contact_name TEXT NOT NULL DEFAULT '',
  contact_email TEXT NOT NULL DEFAULT '',
  contact_phone TEXT NOT NULL DEFAULT '',
  website TEXT NOT NULL DEFAULT '',
  customer_number TEXT NOT NULL DEFAULT '',
  internal_contact_id INTEGER REFERENCES people(id),
  responsibilities TEXT NOT NULL DEFAULT '',
  notes TEXT NOT NULL DEFAULT '',
  create_time INTEGER,
  update_time INTEGER
);

CREATE TABLE devices (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  asset_tag TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
  type INTEGER NOT NULL DEFAULT 0,
  manufacturer TEXT NOT NULL DEFAULT '',
  model TEXT NOT NULL DEFAULT '',
  serial_number TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
  hostname TEXT NOT NULL DEFAULT '',
  os TEXT NOT NULL DEFAULT '',
  assignee_id INTEGER REFERENCES people(id),
  status INTEGER NOT NULL DEFAULT 0,
  purchase_date TEXT NOT NULL DEFAULT '',
  warranty_end TEXT NOT NULL DEFAULT '',
  purchase_price_minor INTEGER NOT NULL DEFAULT 0,
  currency TEXT NOT NULL DEFAULT '',
  notes TEXT NOT NULL DEFAULT '',
  last_report_time INTEGER,
  create_time INTEGER,
  update_time INTEGER
);
CREATE UNIQUE INDEX devices_asset_tag ON devices(asset_tag) WHERE asset_tag <> '';
CREATE UNIQUE INDEX devices_serial_number ON devices(serial_number) WHERE serial_number <> '';
CREATE INDEX devices_assignee ON devices(assignee_id);

CREATE TABLE applications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  display_name TEXT NOT NULL COLLATE NOCASE UNIQUE,
  category TEXT NOT NULL DEFAULT '',
  hosting INTEGER NOT NULL DEFAULT 0,
  vendor_id INTEGER REFERENCES vendors(id),
  owner_id INTEGER REFERENCES people(id),
  url TEXT NOT NULL DEFAULT '',
  supports_scim INTEGER NOT NULL DEFAULT 0,
  mfa_enforced INTEGER NOT NULL DEFAULT 0,
  notes TEXT NOT NULL DEFAULT '',
  create_time INTEGER,
  update_time INTEGER
);
CREATE INDEX applications_vendor ON applications(vendor_id);
CREATE INDEX applications_owner ON applications(owner_id);

CREATE TABLE accounts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  application_id INTEGER NOT NULL REFERENCES applications(id),
  username TEXT NOT NULL COLLATE NOCASE,
  person_id INTEGER REFERENCES people(id),
  privileged INTEGER NOT NULL DEFAULT 0,
  mfa_enabled INTEGER NOT NULL DEFAULT 0,
  status INTEGER NOT NULL DEFAULT 0,
  last_activity_time INTEGER,
  external_id TEXT NOT NULL DEFAULT '',
  notes TEXT NOT NULL DEFAULT '',
  create_time INTEGER,
  update_time INTEGER,
  UNIQUE (application_id, username)
);
CREATE INDEX accounts_person ON accounts(person_id);

CREATE TABLE access_grants (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  role TEXT NOT NULL COLLATE NOCASE,
  granted_by TEXT NOT NULL DEFAULT '',
  approved_by_id INTEGER REFERENCES people(id),
  grant_date TEXT NOT NULL DEFAULT '',
  expire_date TEXT NOT NULL DEFAULT '',
  revoke_date TEXT NOT NULL DEFAULT '',
  notes TEXT NOT NULL DEFAULT '',
  create_time INTEGER,
  update_time INTEGER,
  UNIQUE (account_id, role)
);

CREATE TABLE licenses (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  display_name TEXT NOT NULL COLLATE NOCASE UNIQUE,
  application_id INTEGER REFERENCES applications(id),
  product TEXT NOT NULL DEFAULT '',
  vendor_id INTEGER REFERENCES vendors(id),
  seats INTEGER NOT NULL DEFAULT 0,
  unlimited_seats INTEGER NOT NULL DEFAULT 0,
  price_per_seat_minor INTEGER NOT NULL DEFAULT 0,
  currency TEXT NOT NULL DEFAULT '',
  billing_period INTEGER NOT NULL DEFAULT 0,
  term_start TEXT NOT NULL DEFAULT '',
  term_end TEXT NOT NULL DEFAULT '',
  auto_renew INTEGER NOT NULL DEFAULT 0,
  notice_period_days INTEGER NOT NULL DEFAULT 0,
  owner_id INTEGER REFERENCES people(id),
  cost_center TEXT NOT NULL DEFAULT '',
  notes TEXT NOT NULL DEFAULT '',
  create_time INTEGER,
  update_time INTEGER
);
CREATE INDEX licenses_application ON licenses(application_id);
CREATE INDEX licenses_vendor ON licenses(vendor_id);

CREATE TABLE license_assignments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  license_id INTEGER NOT NULL REFERENCES licenses(id),
  person_id INTEGER REFERENCES people(id),
  device_id INTEGER REFERENCES devices(id),
  assign_date TEXT NOT NULL DEFAULT '',
  notes TEXT NOT NULL DEFAULT '',
  create_time INTEGER,
  update_time INTEGER,
  CHECK ((person_id IS NULL) <> (device_id IS NULL)),
  UNIQUE (license_id, person_id),
  UNIQUE (license_id, device_id)
);
CREATE INDEX license_assignments_person ON license_assignments(person_id);
CREATE INDEX license_assignments_device ON license_assignments(device_id);

CREATE TABLE tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  display_name TEXT NOT NULL COLLATE NOCASE,
  role INTEGER NOT NULL,
  secret_sha256 TEXT NOT NULL UNIQUE,
  create_time INTEGER NOT NULL,
  revoke_time INTEGER,
  last_used_time INTEGER
);

-- A name is unique among active tokens; a revoked token's name may be used again.
CREATE UNIQUE INDEX tokens_active_name ON tokens(display_name) WHERE revoke_time IS NULL;

CREATE TABLE audit_events (
  sequence INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  resource TEXT NOT NULL,
  before TEXT NOT NULL,
  after TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_events_resource ON audit_events(resource, sequence);
)sql";

// Agents: devices learn hardware identity; agent certificates, enrollment tokens, normalised
// software (one row per distinct package, one compact row per device) and software history.
constexpr absl::string_view kV2 = R"sql(
ALTER TABLE devices DROP COLUMN last_report_time;
ALTER TABLE devices ADD COLUMN hardware_uuid TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN machine_id TEXT NOT NULL DEFAULT '';
CREATE INDEX devices_hardware_uuid ON devices(hardware_uuid) WHERE hardware_uuid <> '';
CREATE INDEX devices_machine_id ON devices(machine_id) WHERE machine_id <> '';

CREATE TABLE agents (
  device_id INTEGER PRIMARY KEY REFERENCES devices(id),
  cert_serial TEXT NOT NULL,
  enroll_time INTEGER NOT NULL,
  revoke_time INTEGER,
  last_seen_time INTEGER,
  last_report_time INTEGER,
  report_hash TEXT NOT NULL DEFAULT '',
  facts BLOB
);

CREATE TABLE enrollment_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  display_name TEXT NOT NULL,
  secret_sha256 TEXT NOT NULL UNIQUE,
  max_uses INTEGER NOT NULL,
  uses INTEGER NOT NULL DEFAULT 0,
  expire_time INTEGER NOT NULL,
  create_time INTEGER NOT NULL,
  revoke_time INTEGER
);

-- Publishers (maintainer, vendor) repeat across thousands of packages: stored once each.
CREATE TABLE software_publishers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE software_packages (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  architecture TEXT NOT NULL,
  source TEXT NOT NULL,
  publisher_id INTEGER NOT NULL REFERENCES software_publishers(id),
  UNIQUE (name, version, architecture, source, publisher_id)
);

-- One row per device: its package ids (sorted) with install and first-seen times, delta-coded.
CREATE TABLE device_software (
  device_id INTEGER PRIMARY KEY REFERENCES devices(id),
  packages BLOB NOT NULL,
  set_hash TEXT NOT NULL
);

CREATE TABLE software_events (
  id INTEGER PRIMARY KEY,
  device_id INTEGER NOT NULL REFERENCES devices(id),
  time INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  package_id INTEGER NOT NULL REFERENCES software_packages(id),
  previous_package_id INTEGER REFERENCES software_packages(id)
);
CREATE INDEX software_events_device ON software_events(device_id, id);
)sql";

// Software without a unique index: the server keeps the index in memory (64-bit content hashes,
// loaded at start) because the index on the text columns was as large as the table and most
// packages are seen once. Source, architecture and publisher repeat: stored once per
// combination ("origin").
constexpr absl::string_view kV3 = R"sql(
CREATE TABLE software_origins (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  architecture TEXT NOT NULL,
  publisher TEXT NOT NULL,
  UNIQUE (source, architecture, publisher)
);
INSERT INTO software_origins (source, architecture, publisher)
  SELECT DISTINCT p.source, p.architecture, pub.name
  FROM software_packages p JOIN software_publishers pub ON pub.id = p.publisher_id;

CREATE TABLE software_packages_v3 (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  origin_id INTEGER NOT NULL REFERENCES software_origins(id)
);
INSERT INTO software_packages_v3 (id, name, version, origin_id)
  SELECT p.id, p.name, p.version, o.id
  FROM software_packages p
  JOIN software_publishers pub ON pub.id = p.publisher_id
  JOIN software_origins o
    ON o.source = p.source AND o.architecture = p.architecture AND o.publisher = pub.name;
DROP TABLE software_packages;
DROP TABLE software_publishers;
ALTER TABLE software_packages_v3 RENAME TO software_packages;

-- Devices' package lists are compared directly; the hash of the list saved nothing.
ALTER TABLE device_software DROP COLUMN set_hash;
)sql";

// Onboarding and offboarding: role templates, cases, tasks; vendor tokens.
constexpr absl::string_view kV4 = R"sql(
CREATE TABLE template_items (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  template TEXT NOT NULL COLLATE NOCASE,
  application_id INTEGER REFERENCES applications(id),
  role TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
  license_id INTEGER REFERENCES licenses(id),
  device_type INTEGER NOT NULL DEFAULT 0,
  notes TEXT NOT NULL DEFAULT '',
  create_time INTEGER,
  update_time INTEGER
);
CREATE INDEX template_items_template ON template_items(template);

CREATE TABLE cases (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  person_id INTEGER NOT NULL REFERENCES people(id),
  kind INTEGER NOT NULL DEFAULT 0,
  status INTEGER NOT NULL DEFAULT 0,
  template TEXT NOT NULL DEFAULT '',
  effective_date TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  close_time INTEGER,
  create_time INTEGER,
  update_time INTEGER
);
CREATE INDEX cases_person ON cases(person_id, status);

CREATE TABLE tasks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  parent_id INTEGER REFERENCES cases(id),
  title TEXT NOT NULL,
  action INTEGER NOT NULL DEFAULT 0,
  status INTEGER NOT NULL DEFAULT 0,
  vendor_id INTEGER REFERENCES vendors(id),
  person_id INTEGER REFERENCES people(id),
  application_id INTEGER REFERENCES applications(id),
  account_id INTEGER REFERENCES accounts(id),
  access_grant_id INTEGER REFERENCES access_grants(id),
  license_id INTEGER REFERENCES licenses(id),
  device_id INTEGER REFERENCES devices(id),
  role TEXT NOT NULL DEFAULT '',
  device_type INTEGER NOT NULL DEFAULT 0,
  priority INTEGER NOT NULL DEFAULT 0,
  due_date TEXT NOT NULL DEFAULT '',
  acceptance TEXT NOT NULL DEFAULT '',
  evidence TEXT NOT NULL DEFAULT '',
  requested_by TEXT NOT NULL DEFAULT '',
  done_time INTEGER,
  create_time INTEGER,
  update_time INTEGER
);
CREATE INDEX tasks_parent ON tasks(parent_id);
CREATE INDEX tasks_vendor ON tasks(vendor_id, status);
CREATE INDEX tasks_status ON tasks(status, due_date);
CREATE INDEX tasks_person ON tasks(person_id);
CREATE INDEX tasks_account ON tasks(account_id);
CREATE INDEX tasks_access_grant ON tasks(access_grant_id);
CREATE INDEX tasks_device ON tasks(device_id);

-- A vendor token acts for one vendor only.
ALTER TABLE tokens ADD COLUMN vendor_id INTEGER REFERENCES vendors(id);
)sql";

// Reports: contract minimums and packs; rules mapping installed packages to products.
constexpr absl::string_view kV5 = R"sql(
ALTER TABLE licenses ADD COLUMN min_seats INTEGER NOT NULL DEFAULT 0;
ALTER TABLE licenses ADD COLUMN pack_size INTEGER NOT NULL DEFAULT 0;

CREATE TABLE product_rules (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  pattern TEXT NOT NULL COLLATE NOCASE,
  product TEXT NOT NULL COLLATE NOCASE,
  create_time INTEGER,
  update_time INTEGER,
  UNIQUE (pattern, product)
);
)sql";

// Agent certificates are renewed: the certificate before the current one stays valid until it
// expires, so an agent whose renewal answer was lost can still renew again.
constexpr absl::string_view kV6 = R"sql(
ALTER TABLE agents ADD COLUMN previous_cert_serial TEXT NOT NULL DEFAULT '';
)sql";

// The company's settings, one row per named record.
constexpr absl::string_view kV7 = R"sql(
CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql";

// Joining an existing device takes an enrollment token bound to it; agents' serial numbers are
// kept apart from the coordinator's, so they never block recording the real device.
constexpr absl::string_view kV8 = R"sql(
ALTER TABLE enrollment_tokens ADD COLUMN device_id INTEGER REFERENCES devices(id);
ALTER TABLE devices ADD COLUMN reported_serial_number TEXT NOT NULL DEFAULT '';
CREATE INDEX devices_reported_serial ON devices(reported_serial_number)
  WHERE reported_serial_number <> '';
)sql";

// Seals over what agents report (core/seal.h): software sets with the head of their history
// chain, agents' records and last-seen times.
constexpr absl::string_view kV9 = R"sql(
ALTER TABLE device_software ADD COLUMN events_head TEXT NOT NULL DEFAULT '';
ALTER TABLE device_software ADD COLUMN seal TEXT NOT NULL DEFAULT '';
ALTER TABLE agents ADD COLUMN seal TEXT NOT NULL DEFAULT '';
ALTER TABLE agents ADD COLUMN seen_seal TEXT NOT NULL DEFAULT '';
)sql";

// GLPI, FusionInventory and OCS agents name themselves: their device id finds machines that
// have no usable hardware UUID or serial number. What they send beside software is kept.
constexpr absl::string_view kV10 = R"sql(
ALTER TABLE devices ADD COLUMN agent_device_id TEXT NOT NULL DEFAULT '';
CREATE INDEX devices_agent_device_id ON devices(agent_device_id) WHERE agent_device_id <> '';

-- Rollout credentials expire.
ALTER TABLE tokens ADD COLUMN expire_time INTEGER;

-- Hardware and the rest of what those agents send, as Bestand's own agents' facts are kept.
CREATE TABLE imported_facts (
  device_id INTEGER PRIMARY KEY REFERENCES devices(id),
  report_time INTEGER NOT NULL,
  facts BLOB NOT NULL
);
)sql";

// Sign-in links for the web interface are tokens whose secret works once.
constexpr absl::string_view kV11 = R"sql(
ALTER TABLE tokens ADD COLUMN sign_in_link INTEGER NOT NULL DEFAULT 0;
)sql";

// Bestand speaks first: whom to write in which language, a license's deputy, and the outbox
// that holds every message until it is delivered ((key, recipient) is queued once), and the
// secret calendar links of people.
constexpr absl::string_view kV12 = R"sql(
ALTER TABLE people ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE vendors ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE licenses ADD COLUMN deputy_id INTEGER REFERENCES people(id);
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  rule INTEGER NOT NULL,
  key TEXT NOT NULL,
  recipient TEXT NOT NULL COLLATE NOCASE,
  language TEXT NOT NULL,
  subject TEXT NOT NULL,
  body_text TEXT NOT NULL,
  body_html TEXT NOT NULL,
  message_id TEXT NOT NULL,
  state INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  create_time INTEGER NOT NULL,
  next_attempt_time INTEGER NOT NULL,
  sent_time INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  UNIQUE (key, recipient)
);
CREATE INDEX outbox_pending ON outbox(next_attempt_time) WHERE state = 1;
CREATE TABLE calendar_links (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  person_id INTEGER NOT NULL REFERENCES people(id),
  secret_sha256 TEXT NOT NULL UNIQUE,
  create_time INTEGER NOT NULL,
  revoke_time INTEGER
);
)sql";

// Chat webhooks (their URL and secret sealed with the data directory's secrets.key) and when
// each agent's certificate expires, for the reminder before it does. Agents enrolled before
// this renew before it matters; until then their expiry is estimated from when they enrolled
// (the server issues certificates for 825 days).
constexpr absl::string_view kV13 = R"sql(
CREATE TABLE webhooks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  url_sealed TEXT NOT NULL,
  url_hint TEXT NOT NULL,
  secret_sealed TEXT NOT NULL,
  language TEXT NOT NULL,
  rules TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  remove_time INTEGER
);
ALTER TABLE agents ADD COLUMN cert_expire_time INTEGER NOT NULL DEFAULT 0;
UPDATE agents SET cert_expire_time = enroll_time + 825 * 86400000000;
)sql";

// Connectors: how Bestand reaches an application's directory (its secret sealed with the data
// directory's secrets.key), each task's failed attempts, and on the task why it failed.
constexpr absl::string_view kV14 = R"sql(
CREATE TABLE connections (
  application_id INTEGER PRIMARY KEY REFERENCES applications(id),
  protocol INTEGER NOT NULL,
  url TEXT NOT NULL,
  flavor INTEGER NOT NULL,
  bind_dn TEXT NOT NULL,
  base_dn TEXT NOT NULL,
  disabled_ou TEXT NOT NULL,
  ca_pem TEXT NOT NULL,
  allow_plaintext INTEGER NOT NULL,
  secret_sealed TEXT NOT NULL,
  update_time INTEGER NOT NULL
);
CREATE TABLE connector_runs (
  task_id INTEGER PRIMARY KEY REFERENCES tasks(id),
  attempts INTEGER NOT NULL,
  next_attempt_time INTEGER NOT NULL
);
ALTER TABLE tasks ADD COLUMN connector_error TEXT NOT NULL DEFAULT '';
CREATE INDEX tasks_application ON tasks(application_id, status);
)sql";

// Connectors create accounts: where (users_ou) and under which login name (login_pattern).
constexpr absl::string_view kV15 = R"sql(
ALTER TABLE connections ADD COLUMN users_ou TEXT NOT NULL DEFAULT '';
ALTER TABLE connections ADD COLUMN login_pattern TEXT NOT NULL DEFAULT '';
)sql";

// What sync found of each account in its application's directory (Account.directory_state).
constexpr absl::string_view kV16 = R"sql(
ALTER TABLE accounts ADD COLUMN directory_state INTEGER NOT NULL DEFAULT 0;
)sql";

// OpenLDAP accounts disabled by a lock attribute (Connection.lock_attribute).
constexpr absl::string_view kV17 = R"sql(
ALTER TABLE connections ADD COLUMN lock_attribute TEXT NOT NULL DEFAULT '';
)sql";

constexpr absl::string_view kMigrations[] = {kV1,  kV2,  kV3,  kV4,  kV5,  kV6,  kV7,  kV8, kV9,
                                             kV10, kV11, kV12, kV13, kV14, kV15, kV16, kV17};

}  // namespace

std::span<const absl::string_view> Migrations() { return kMigrations; }

}  // namespace bestand::sqlite_schema
