#include "server/core/audit_verify.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bestand/v1/settings.pb.h"
#include "common/resources.h"
#include "common/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "server/core/audit.h"
#include "server/core/audited_state.h"
#include "server/core/notify/notify_settings.h"
#include "server/core/settings.h"

namespace bestand {
namespace {

using google::protobuf::Message;

constexpr size_t kMaxProblems = 100;
constexpr size_t kMaxAnchors = 100;

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

// "SEQUENCE:HASH" anchors by sequence; INVALID_ARGUMENT naming a malformed one.
absl::StatusOr<std::map<int64_t, std::string>> ParseAnchors(absl::Span<const std::string> anchors) {
  if (anchors.size() > kMaxAnchors) {
    return absl::InvalidArgumentError(
        absl::StrCat("anchors: ", anchors.size(), "; at most ", kMaxAnchors));
  }
  std::map<int64_t, std::string> anchored;
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
  return anchored;
}

// One verification: each step adds what it checked and the problems it found to `out`.
class Verifier {
 public:
  Verifier(ReadTx& tx, const Sealer* sealer) : tx_(tx), sealer_(sealer) {}

  // The chain: sequence, links, hashes and anchors; remembers each resource's last state.
  absl::Status CheckChain(std::map<int64_t, std::string> anchored) {
    int64_t expected = 1;
    std::string prev = kZeroAuditHash;
    BESTAND_RETURN_IF_ERROR(tx_.ScanAudit([&](const v1::AuditEvent& e) {
      if (e.sequence() != expected) {
        Problem(absl::StrCat("event ", e.sequence(), ": expected sequence ", expected,
                             " (events missing)"));
      }
      if (e.prev_hash() != prev) {
        Problem(absl::StrCat("event ", e.sequence(), ": does not link to the event before it"));
      }
      if (AuditHash(e) != e.hash()) {
        Problem(absl::StrCat("event ", e.sequence(), ": content does not match its hash (edited)"));
      }
      if (auto it = anchored.find(e.sequence()); it != anchored.end()) {
        if (it->second != e.hash()) {
          Problem(absl::StrCat("anchor ", e.sequence(),
                               ": the chain holds another event there (rewritten since)"));
        }
        anchored.erase(it);
      }
      last_state_[e.resource()] = e.after();
      expected = e.sequence() + 1;
      prev = e.hash();
      out_.set_events_checked(out_.events_checked() + 1);
      out_.set_head(absl::StrCat(e.sequence(), ":", e.hash()));
      return absl::OkStatus();
    }));
    for (const auto& [sequence, hash] : anchored) {
      Problem(absl::StrCat("anchor ", sequence, ": the chain has no such event (cut short)"));
    }
    return absl::OkStatus();
  }

  // Every resource, token, enrollment token and the settings against their last state.
  absl::Status CompareRecords() {
    for (const ResourceSpec& spec : AllSpecs()) {
      BESTAND_RETURN_IF_ERROR(tx_.List(spec.kind, ListQuery{}, [&](int64_t, const Message& m) {
        Compare(m.GetReflection()->GetString(m, spec.descriptor->FindFieldByName("name")),
                AuditJson(spec, m), &m);
        return absl::OkStatus();
      }));
    }
    BESTAND_ASSIGN_OR_RETURN(std::vector<TokenRecord> tokens, tx_.ListTokens());
    for (const TokenRecord& t : tokens) {
      v1::Token token = TokenFromRecord(t);
      Compare(token.name(), TokenAuditJson(t), &token);
    }
    BESTAND_ASSIGN_OR_RETURN(std::vector<EnrollmentTokenRecord> enrollment,
                             tx_.ListEnrollmentTokens());
    for (const EnrollmentTokenRecord& t : enrollment) {
      v1::EnrollmentToken token = EnrollmentTokenFromRecord(t);
      Compare(token.name(), EnrollmentTokenAuditJson(t), &token);
    }
    BESTAND_ASSIGN_OR_RETURN(std::vector<WebhookRecord> hooks, tx_.ListWebhooks());
    for (const WebhookRecord& r : hooks) {
      Compare(WebhookFromRecord(r).name(), WebhookAuditJson(r), nullptr);
    }
    BESTAND_ASSIGN_OR_RETURN(std::vector<ConnectionRecord> connections, tx_.ListConnections());
    for (const ConnectionRecord& r : connections) {
      Compare(ConnectionName(r.application_id), ConnectionAuditJson(r), nullptr);
    }
    BESTAND_ASSIGN_OR_RETURN(std::vector<CalendarLinkRecord> links, tx_.ListCalendarLinks(0));
    for (const CalendarLinkRecord& l : links) {
      if (l.revoke_micros == 0) Compare(CalendarLinkName(l.id), CalendarLinkAuditJson(l), nullptr);
    }
    BESTAND_ASSIGN_OR_RETURN(std::optional<std::string> notify,
                             tx_.GetSetting(kNotifySettingsName));
    if (notify) {
      v1::NotificationSettings prototype;
      Compare(std::string(kNotifySettingsResource), *notify, &prototype);
    }
    BESTAND_ASSIGN_OR_RETURN(std::optional<std::string> stored, tx_.GetSetting(kSettingsName));
    if (stored) {
      v1::Settings settings;
      if (!google::protobuf::util::JsonStringToMessage(*stored, &settings).ok()) {
        Problem(absl::StrCat(kSettingsResource, ": the stored record is not readable"));
      } else {
        Compare(std::string(kSettingsResource), SettingsJson(settings), &settings);
      }
    }
    return absl::OkStatus();
  }

  // Software sets against their seals, and their history against its chain's head.
  absl::Status CheckSoftwareSeals() {
    std::unordered_map<int64_t, std::string> heads;
    BESTAND_RETURN_IF_ERROR(tx_.ScanSoftwareEvents([&](const SoftwareEventRecord& e) {
      std::string& head = heads[e.device_id];
      head = sealer_->NextHead(head, e);
      return absl::OkStatus();
    }));
    BESTAND_RETURN_IF_ERROR(tx_.ScanDeviceSoftware([&](int64_t device,
                                                       const DeviceSoftwareRecord& r) {
      out_.set_resources_checked(out_.resources_checked() + 1);
      software_seals_[device] = r.seal;
      if (r.seal != sealer_->Software(device, r)) {
        Problem(absl::StrCat("software of devices/", device,
                             ": the installed software was edited outside Bestand (its seal does "
                             "not match)"));
      }
      auto head = heads.find(device);
      if ((head == heads.end() ? std::string() : head->second) != r.events_head) {
        Problem(absl::StrCat("software history of devices/", device,
                             ": events were removed or edited outside Bestand"));
      }
      if (head != heads.end()) heads.erase(head);
      return absl::OkStatus();
    }));
    for (const auto& [device, head] : heads) {
      Problem(absl::StrCat("software history of devices/", device,
                           ": the device's software was removed outside Bestand"));
    }
    return absl::OkStatus();
  }

  // Agents against their last audited state and, with a sealer, their seals; the software of
  // devices without an agent (imported) against its audited seal.
  absl::Status CheckAgents() {
    std::set<int64_t> with_agent;
    BESTAND_RETURN_IF_ERROR(tx_.ListAgents([&](const AgentRecord& a) {
      Compare(AgentName(a.device_id), AgentAuditJson(a), nullptr);
      with_agent.insert(a.device_id);
      if (sealer_ == nullptr) return absl::OkStatus();
      auto software = software_seals_.find(a.device_id);
      if (a.seal != sealer_->Agent(a, software == software_seals_.end() ? "" : software->second)) {
        Problem(absl::StrCat(AgentName(a.device_id),
                             ": its last report or the device's software was changed or removed "
                             "outside Bestand (the seal does not match)"));
      }
      if (a.seen_seal != sealer_->Seen(a.device_id, a.last_seen_micros)) {
        Problem(absl::StrCat(AgentName(a.device_id),
                             ": the last-seen time was edited outside Bestand"));
      }
      return absl::OkStatus();
    }));
    for (const auto& [device, seal] : software_seals_) {
      if (with_agent.count(device)) {
        last_state_.erase(SoftwareName(device));  // the agent's seal covers it
      } else {
        Compare(SoftwareName(device), SoftwareAuditJson(seal), nullptr);
      }
    }
    if (sealer_ == nullptr) {
      std::erase_if(last_state_,
                    [](const auto& entry) { return absl::StartsWith(entry.first, "software/"); });
    }
    return absl::OkStatus();
  }

  // Whatever the chain still holds with a non-empty state was removed behind its back.
  v1::VerifyAuditResponse Finish() {
    std::vector<std::string> vanished;
    for (const auto& [name, after] : last_state_) {
      if (!after.empty()) vanished.push_back(name);
    }
    std::sort(vanished.begin(), vanished.end());
    for (const std::string& name : vanished) {
      Problem(absl::StrCat(name, ": removed without an audit event"));
    }
    out_.set_ok(out_.problems_size() == 0);
    return std::move(out_);
  }

  bool sealed() const { return sealer_ != nullptr; }

 private:
  void Problem(std::string p) {
    if (static_cast<size_t>(out_.problems_size()) < kMaxProblems) out_.add_problems(std::move(p));
  }

  // `name`'s state now (`json`) against its last audited one; `prototype` reads both to name
  // the fields that differ (nullptr: a state without a message type).
  void Compare(const std::string& name, const std::string& json, const Message* prototype) {
    out_.set_resources_checked(out_.resources_checked() + 1);
    auto it = last_state_.find(name);
    if (it == last_state_.end()) {
      Problem(absl::StrCat(name, ": has no audit event (written outside Bestand)"));
      return;
    }
    if (it->second != json) {
      Problem(absl::StrCat(name, ": differs from its last audited state (fields: ",
                           prototype ? DifferingFields(*prototype, it->second, json) : "state",
                           ")"));
    }
    last_state_.erase(it);
  }

  ReadTx& tx_;
  const Sealer* sealer_;
  v1::VerifyAuditResponse out_;
  // The last recorded state of every resource the chain mentions, until compared.
  std::unordered_map<std::string, std::string> last_state_;
  std::unordered_map<int64_t, std::string> software_seals_;  // by device
};

}  // namespace

absl::StatusOr<v1::VerifyAuditResponse> VerifyAudit(ReadTx& tx,
                                                    absl::Span<const std::string> anchors,
                                                    const Sealer* sealer) {
  BESTAND_ASSIGN_OR_RETURN(auto anchored, ParseAnchors(anchors));
  Verifier v(tx, sealer);
  BESTAND_RETURN_IF_ERROR(v.CheckChain(std::move(anchored)));
  BESTAND_RETURN_IF_ERROR(v.CompareRecords());
  if (v.sealed()) BESTAND_RETURN_IF_ERROR(v.CheckSoftwareSeals());
  BESTAND_RETURN_IF_ERROR(v.CheckAgents());
  return v.Finish();
}

}  // namespace bestand
