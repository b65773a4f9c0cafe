#include "server/core/audit.h"

#include <algorithm>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "server/common/status_macros.h"
#include "server/common/util.h"
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
  if (!google::protobuf::util::JsonStringToMessage(a, ma.get()).ok() ||
      !google::protobuf::util::JsonStringToMessage(b, mb.get()).ok()) {
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
  return absl::StrJoin(fields, ", ");
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

std::string TokenAuditJson(const v1::Token& token) {
  v1::Token t = token;
  t.clear_last_used_time();
  return ToJson(t);
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
                                                    absl::Span<const std::string> anchors) {
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
    compare(token.name(), TokenAuditJson(token), &token);
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
  BESTAND_RETURN_IF_ERROR(tx.ListAgents([&](const AgentRecord& a) {
    compare(absl::StrCat("agents/", a.device_id), AgentAuditJson(a), nullptr);
    return absl::OkStatus();
  }));
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
