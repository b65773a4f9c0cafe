#include "server/core/audit.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "google/protobuf/util/json_util.h"
#include "server/core/auth.h"
#include "server/core/fleet.h"
#include "server/core/settings.h"

namespace bestand {
namespace {

using google::protobuf::Message;

constexpr size_t kMaxProblems = 100;
constexpr size_t kMaxAnchors = 100;
const std::string kZeroHash(64, '0');

std::string ToJson(const Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string out;
  // Printing a valid generated message cannot fail.
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

// Names of the top-level fields in which two JSON objects of `prototype`'s type differ.
std::string DifferingFields(const Message& prototype, const std::string& a, const std::string& b) {
  std::unique_ptr<Message> ma(prototype.New()), mb(prototype.New());
  google::protobuf::util::JsonParseOptions lenient;
  lenient.ignore_unknown_fields = true;  // e.g. a token's secret_digest
  if (!google::protobuf::util::JsonStringToMessage(a, ma.get(), lenient).ok() ||
      !google::protobuf::util::JsonStringToMessage(b, mb.get(), lenient).ok()) {
    return "unreadable";
  }
  std::vector<std::string> fields;
  const auto* d = prototype.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    std::unique_ptr<Message> fa(prototype.New()), fb(prototype.New());
    fa->GetReflection()->SwapFields(ma.get(), fa.get(), {f});
    fb->GetReflection()->SwapFields(mb.get(), fb.get(), {f});
    if (fa->SerializeAsString() != fb->SerializeAsString()) fields.push_back(f->name());
  }
  return fields.empty() ? std::string("secret") : absl::StrJoin(fields, ", ");
}

}  // namespace

std::string AuditJson(const ResourceSpec& spec, const Message& resource) {
  if (spec.computed.empty()) return ToJson(resource);
  std::unique_ptr<Message> copy(resource.New());
  copy->CopyFrom(resource);
  for (absl::string_view f : spec.computed) {
    copy->GetReflection()->ClearField(copy.get(), spec.descriptor->FindFieldByName(std::string(f)));
  }
  return ToJson(*copy);
}

namespace {

// `json` (an object) with the SHA-256 of a stored secret hash added: the audited state then
// covers the whole hash, while the trail shows neither the secret nor the hash it is checked by.
std::string WithSecretDigest(std::string json, absl::string_view secret_sha256) {
  json.pop_back();  // '}'
  return absl::StrCat(json, json.size() > 1 ? "," : "", "\"secret_digest\":\"",
                      Sha256Hex(secret_sha256), "\"}");
}

std::string LegacyTokenAuditJson(const TokenRecord& record) {
  v1::Token t = TokenFromRecord(record);
  t.clear_last_used_time();
  return ToJson(t);
}

std::string LegacyEnrollmentTokenAuditJson(const EnrollmentTokenRecord& record) {
  return ToJson(EnrollmentTokenFromRecord(record));
}

// Appends a format change for `resource` when its last audited state is `legacy` (the record
// was consistent under the former format) and the current format says more.
absl::Status Reaudit(WriteTx& tx, const std::string& resource, const std::string& legacy,
                     const std::string& current) {
  if (legacy == current) return absl::OkStatus();
  AuditQuery q;
  q.resource = resource;
  q.limit = 1;
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::AuditEvent> last, tx.ListAudit(q));
  if (last.empty() || last[0].after() != legacy) return absl::OkStatus();
  return RecordAudit(tx, "system", "audit.format", resource, legacy, current);
}

}  // namespace

std::string TokenAuditJson(const TokenRecord& record) {
  return WithSecretDigest(LegacyTokenAuditJson(record), record.secret_sha256);
}

std::string EnrollmentTokenAuditJson(const EnrollmentTokenRecord& record) {
  return WithSecretDigest(LegacyEnrollmentTokenAuditJson(record), record.secret_sha256);
}

absl::Status UpgradeAuditFormats(Store* store) {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(std::vector<TokenRecord> tokens, tx->ListTokens());
  for (const TokenRecord& t : tokens) {
    BESTAND_RETURN_IF_ERROR(
        Reaudit(*tx, absl::StrCat("tokens/", t.id), LegacyTokenAuditJson(t), TokenAuditJson(t)));
  }
  BESTAND_ASSIGN_OR_RETURN(std::vector<EnrollmentTokenRecord> enrollment,
                           tx->ListEnrollmentTokens());
  for (const EnrollmentTokenRecord& t : enrollment) {
    BESTAND_RETURN_IF_ERROR(Reaudit(*tx, absl::StrCat("enrollmentTokens/", t.id),
                                    LegacyEnrollmentTokenAuditJson(t),
                                    EnrollmentTokenAuditJson(t)));
  }
  return tx->Commit();
}

std::string AuditHash(const v1::AuditEvent& e) {
  // Length-prefixed fields: no two different events encode to the same bytes.
  std::string buf;
  auto add = [&buf](absl::string_view s) { absl::StrAppend(&buf, s.size(), ":", s, ";"); };
  add(absl::StrCat(e.sequence()));
  add(absl::StrCat(ToMicros(e.time())));
  add(e.actor());
  add(e.action());
  add(e.resource());
  add(e.before());
  add(e.after());
  add(e.prev_hash());
  return Sha256Hex(buf);
}

absl::Status RecordAudit(WriteTx& tx, absl::string_view actor, absl::string_view action,
                         absl::string_view resource, std::string before, std::string after) {
  BESTAND_ASSIGN_OR_RETURN(std::optional<v1::AuditEvent> last, tx.LastAudit());
  v1::AuditEvent e;
  e.set_sequence(last ? last->sequence() + 1 : 1);
  *e.mutable_time() = FromMicros(NowMicros());
  e.set_actor(std::string(actor));
  e.set_action(std::string(action));
  e.set_resource(std::string(resource));
  e.set_before(std::move(before));
  e.set_after(std::move(after));
  e.set_prev_hash(last ? last->hash() : kZeroHash);
  e.set_hash(AuditHash(e));
  return tx.AppendAudit(e);
}

absl::StatusOr<v1::VerifyAuditResponse> VerifyAudit(ReadTx& tx,
                                                    absl::Span<const std::string> anchors,
                                                    const Sealer* sealer) {
  if (anchors.size() > kMaxAnchors) {
    return absl::InvalidArgumentError(
        absl::StrCat("anchors: ", anchors.size(), "; at most ", kMaxAnchors));
  }
  std::map<int64_t, std::string> anchored;  // sequence -> hash
  for (const std::string& anchor : anchors) {
    std::pair<std::string, std::string> parts = absl::StrSplit(anchor, absl::MaxSplits(':', 1));
    int64_t sequence = 0;
    if (!absl::SimpleAtoi(parts.first, &sequence) || sequence < 1 || parts.second.size() != 64 ||
        parts.second.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("anchor '", anchor, "': expected SEQUENCE:HASH as audit verify printed it"));
    }
    anchored[sequence] = parts.second;
  }
  v1::VerifyAuditResponse out;
  auto problem = [&out](std::string p) {
    if (static_cast<size_t>(out.problems_size()) < kMaxProblems) out.add_problems(std::move(p));
  };
  // The last recorded state of every resource the chain mentions.
  std::unordered_map<std::string, std::string> last_state;
  int64_t expected = 1;
  std::string prev = kZeroHash;
  BESTAND_RETURN_IF_ERROR(tx.ScanAudit([&](const v1::AuditEvent& e) {
    if (e.sequence() != expected) {
      problem(absl::StrCat("event ", e.sequence(), ": expected sequence ", expected,
                           " (events missing)"));
    }
    if (e.prev_hash() != prev) {
      problem(absl::StrCat("event ", e.sequence(), ": does not link to the event before it"));
    }
    if (AuditHash(e) != e.hash()) {
      problem(absl::StrCat("event ", e.sequence(), ": content does not match its hash (edited)"));
    }
    if (auto it = anchored.find(e.sequence()); it != anchored.end()) {
      if (it->second != e.hash()) {
        problem(absl::StrCat("anchor ", e.sequence(),
                             ": the chain holds another event there (rewritten since)"));
      }
      anchored.erase(it);
    }
    last_state[e.resource()] = e.after();
    expected = e.sequence() + 1;
    prev = e.hash();
    out.set_events_checked(out.events_checked() + 1);
    out.set_head(absl::StrCat(e.sequence(), ":", e.hash()));
    return absl::OkStatus();
  }));
  for (const auto& [sequence, hash] : anchored) {
    problem(absl::StrCat("anchor ", sequence, ": the chain has no such event (cut short)"));
  }

  auto compare = [&](const std::string& name, const std::string& json, const Message* prototype) {
    out.set_resources_checked(out.resources_checked() + 1);
    auto it = last_state.find(name);
    if (it == last_state.end()) {
      problem(absl::StrCat(name, ": has no audit event (written outside Bestand)"));
      return;
    }
    if (it->second != json) {
      problem(absl::StrCat(name, ": differs from its last audited state (fields: ",
                           prototype ? DifferingFields(*prototype, it->second, json) : "agent",
                           ")"));
    }
    last_state.erase(it);
  };
  for (const ResourceSpec& spec : AllSpecs()) {
    BESTAND_RETURN_IF_ERROR(tx.List(spec.kind, ListQuery{}, [&](int64_t, const Message& m) {
      compare(m.GetReflection()->GetString(m, spec.descriptor->FindFieldByName("name")),
              AuditJson(spec, m), &m);
      return absl::OkStatus();
    }));
  }
  BESTAND_ASSIGN_OR_RETURN(std::vector<TokenRecord> tokens, tx.ListTokens());
  for (const TokenRecord& t : tokens) {
    v1::Token token = TokenFromRecord(t);
    compare(token.name(), TokenAuditJson(t), &token);
  }
  BESTAND_ASSIGN_OR_RETURN(std::vector<EnrollmentTokenRecord> enrollment,
                           tx.ListEnrollmentTokens());
  for (const EnrollmentTokenRecord& t : enrollment) {
    v1::EnrollmentToken token = EnrollmentTokenFromRecord(t);
    compare(token.name(), EnrollmentTokenAuditJson(t), &token);
  }
  BESTAND_ASSIGN_OR_RETURN(std::optional<std::string> stored, tx.GetSetting(kSettingsName));
  if (stored) {
    v1::Settings settings;
    if (!google::protobuf::util::JsonStringToMessage(*stored, &settings).ok()) {
      problem(absl::StrCat(kSettingsResource, ": the stored record is not readable"));
    } else {
      compare(std::string(kSettingsResource), SettingsJson(settings), &settings);
    }
  }
  // What agents reported: the seals (seal.h) over software sets, their history chains, agents'
  // records and last-seen times.
  std::unordered_map<int64_t, std::string> software_seals;  // by device
  if (sealer) {
    std::unordered_map<int64_t, std::string> heads;
    BESTAND_RETURN_IF_ERROR(tx.ScanSoftwareEvents([&](const SoftwareEventRecord& e) {
      std::string& head = heads[e.device_id];
      head = sealer->NextHead(head, e);
      return absl::OkStatus();
    }));
    BESTAND_RETURN_IF_ERROR(tx.ScanDeviceSoftware([&](int64_t device,
                                                      const DeviceSoftwareRecord& r) {
      out.set_resources_checked(out.resources_checked() + 1);
      software_seals[device] = r.seal;
      if (r.seal != sealer->Software(device, r)) {
        problem(absl::StrCat("software of devices/", device,
                             ": the installed software was edited outside Bestand (its seal does "
                             "not match)"));
      }
      auto head = heads.find(device);
      if ((head == heads.end() ? std::string() : head->second) != r.events_head) {
        problem(absl::StrCat("software history of devices/", device,
                             ": events were removed or edited outside Bestand"));
      }
      if (head != heads.end()) heads.erase(head);
      return absl::OkStatus();
    }));
    for (const auto& [device, head] : heads) {
      problem(absl::StrCat("software history of devices/", device,
                           ": the device's software was removed outside Bestand"));
    }
  }
  std::set<int64_t> with_agent;
  BESTAND_RETURN_IF_ERROR(tx.ListAgents([&](const AgentRecord& a) {
    compare(absl::StrCat("agents/", a.device_id), AgentAuditJson(a), nullptr);
    with_agent.insert(a.device_id);
    if (!sealer) return absl::OkStatus();
    auto software = software_seals.find(a.device_id);
    if (a.seal != sealer->Agent(a, software == software_seals.end() ? "" : software->second)) {
      problem(absl::StrCat("agents/", a.device_id,
                           ": its last report or the device's software was changed or removed "
                           "outside Bestand (the seal does not match)"));
    }
    if (a.seen_seal != sealer->Seen(a.device_id, a.last_seen_micros)) {
      problem(
          absl::StrCat("agents/", a.device_id, ": the last-seen time was edited outside Bestand"));
    }
    return absl::OkStatus();
  }));
  // Software of devices without an agent (imported) is anchored in the audit trail.
  for (const auto& [device, seal] : software_seals) {
    if (with_agent.count(device)) {
      last_state.erase(SoftwareName(device));  // the agent's seal covers it
    } else {
      compare(SoftwareName(device), SoftwareAuditJson(seal), nullptr);
    }
  }
  if (!sealer) {
    std::erase_if(last_state,
                  [](const auto& entry) { return absl::StartsWith(entry.first, "software/"); });
  }
  // Whatever the chain still holds with a non-empty state was removed behind its back.
  std::vector<std::string> vanished;
  for (const auto& [name, after] : last_state) {
    if (!after.empty()) vanished.push_back(name);
  }
  std::sort(vanished.begin(), vanished.end());
  for (const std::string& name : vanished) {
    problem(absl::StrCat(name, ": removed without an audit event"));
  }
  out.set_ok(out.problems_size() == 0);
  return out;
}

}  // namespace bestand
