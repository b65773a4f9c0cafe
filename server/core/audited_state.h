// What the audit trail records of each kind of record, and the names it records them by. One
// place for every "state" JSON, so that writers (the core) and the verifier agree.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/agent.pb.h"
#include "bestand/v1/auth.pb.h"
#include "bestand/v1/connect.pb.h"
#include "bestand/v1/notify.pb.h"
#include "common/resources.h"
#include "google/protobuf/message.h"
#include "server/storage/store.h"

namespace bestand {

// Protobuf JSON with proto field names; deterministic for equal messages.
std::string StateJson(const google::protobuf::Message& m);

// The JSON recorded for a resource: computed fields left out (they change when other resources
// change).
std::string AuditJson(const ResourceSpec& spec, const google::protobuf::Message& resource);

// Tokens as the API shows them (a fingerprint, never the secret or its hash).
v1::Token TokenFromRecord(const TokenRecord& r);
v1::EnrollmentToken EnrollmentTokenFromRecord(const EnrollmentTokenRecord& r);
// The JSON recorded for a token and an enrollment token: never the secret or the hash it is
// checked by, but the SHA-256 of that hash, so verify compares the whole stored hash.
std::string TokenAuditJson(const TokenRecord& record);
std::string EnrollmentTokenAuditJson(const EnrollmentTokenRecord& record);
// The audited state of an agent: what decides who may report (certificates, revocation).
std::string AgentAuditJson(const AgentRecord& agent);

// A webhook as the API shows it: the URL's hint only, never the URL or the secret.
v1::Webhook WebhookFromRecord(const WebhookRecord& r);
// The JSON recorded for a webhook and a calendar link: never a secret, but a digest of what is
// stored of it (the sealed values, the secret's hash), so verify sees a swapped one.
std::string WebhookAuditJson(const WebhookRecord& r);
std::string CalendarLinkAuditJson(const CalendarLinkRecord& r);
// A connection as the API shows it (`application` as a resource name): never the secret.
v1::Connection ConnectionFromRecord(const ConnectionRecord& r);
// "applications/{id}/connection".
std::string ConnectionName(int64_t application_id);
// The JSON recorded for a connection: never the secret, but a digest of it sealed.
std::string ConnectionAuditJson(const ConnectionRecord& r);

// Resource names in the audit trail.
std::string DeviceName(int64_t device_id);    // "devices/{id}"
std::string AgentName(int64_t device_id);     // "agents/{id}"
std::string SoftwareName(int64_t device_id);  // "software/{id}": a device's imported software
std::string CalendarLinkName(int64_t id);     // "calendarLinks/{id}"
// The audited state of imported software: the seal of the set (see seal.h).
std::string SoftwareAuditJson(absl::string_view seal);

// Records, once, the newer audit formats of records whose last audited state is in a former
// one (tokens before their secret digest was audited; calendar links first audited on their
// person), so a database from an earlier version verifies. Call at start-up, before serving.
absl::Status UpgradeAuditFormats(Store* store);

}  // namespace bestand
