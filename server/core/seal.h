// Seals over what agents report: software sets and their history, agents' last reports and
// last-seen times. They change too often for an audit event each (every report, every
// heartbeat), so each stored row carries an HMAC-SHA256 under a key kept outside the database
// (the data directory's seal.key, mode 0600). Someone who can write the database file but not
// read the key cannot forge them: audit verify recomputes every seal and names the rows edited
// or removed behind Bestand's back. The key is as sensitive as the CA key next to it.
//
// Thread safety: immutable after construction; safe for concurrent use.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/storage/store.h"

namespace bestand {

class Sealer {
 public:
  // `key`: at least 32 bytes (LoadOrCreateKeyFile, common/crypto.h).
  explicit Sealer(std::string key);

  // A device's software set (its times in whole seconds, as stored) with the head of its
  // history chain.
  std::string Software(int64_t device_id, const DeviceSoftwareRecord& software) const;
  // The history chain: the head after `event` follows `head` ("" before the first event).
  std::string NextHead(absl::string_view head, const SoftwareEventRecord& event) const;
  // An agent's record (certificates, last report, its facts) and its device's software seal
  // ("" when it has none), so that removing the software row breaks the agent's seal.
  std::string Agent(const AgentRecord& agent, absl::string_view software_seal) const;
  // An agent's last-seen time, written apart from the rest (heartbeats, every few seconds).
  std::string Seen(int64_t device_id, int64_t last_seen_micros) const;

 private:
  std::string key_;
};

}  // namespace bestand
