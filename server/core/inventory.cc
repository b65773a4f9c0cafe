#include "server/core/inventory.h"

#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/workflow.pb.h"
#include "common/csv.h"
#include "common/proto_text.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "common/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "server/core/audit.h"
#include "server/core/audited_state.h"
#include "server/core/field_checks.h"

namespace bestand {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::FieldMask;
using google::protobuf::Message;

const FieldDescriptor* Field(const ResourceSpec& spec, absl::string_view name) {
  return spec.descriptor->FindFieldByName(std::string(name));
}

std::string GetString(const Message& m, absl::string_view field) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(std::string(field));
  return f ? m.GetReflection()->GetString(m, f) : std::string();
}

void SetString(Message* m, absl::string_view field, std::string value) {
  const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(std::string(field));
  m->GetReflection()->SetString(m, f, std::move(value));
}

// "people/42" -> 42 when `name` is a canonical resource name of `spec`.
std::optional<int64_t> CanonicalId(const ResourceSpec& spec, absl::string_view name) {
  int64_t id = 0;
  if (name.size() > spec.collection.size() + 1 && absl::StartsWith(name, spec.collection) &&
      name[spec.collection.size()] == '/' &&
      absl::SimpleAtoi(name.substr(spec.collection.size() + 1), &id) && id > 0) {
    return id;
  }
  return std::nullopt;
}

std::string ResourceName(const ResourceSpec& spec, int64_t id) {
  return absl::StrCat(spec.collection, "/", id);
}

// Finds the resource that `text` names: "people/42", "people/anna@firma.de" or "anna@firma.de".
absl::StatusOr<int64_t> Resolve(ReadTx& tx, const ResourceSpec& spec, absl::string_view text) {
  absl::string_view key = text;
  if (std::optional<int64_t> id = CanonicalId(spec, text)) {
    std::unique_ptr<Message> scratch = NewResource(spec);
    BESTAND_ASSIGN_OR_RETURN(bool found, tx.Get(spec.kind, *id, scratch.get()));
    if (found) return *id;
    return absl::NotFoundError(absl::StrCat(spec.noun, " '", text, "' not found"));
  }
  if (absl::StartsWith(key, spec.collection) && key.size() > spec.collection.size() &&
      key[spec.collection.size()] == '/') {
    key.remove_prefix(spec.collection.size() + 1);
  }
  if (!key.empty()) {
    for (absl::string_view alias : spec.alias_keys) {
      BESTAND_ASSIGN_OR_RETURN(std::optional<int64_t> id,
                               tx.FindId(spec.kind, {{std::string(alias), std::string(key)}}));
      if (id) return *id;
    }
  }
  return absl::NotFoundError(absl::StrCat(spec.noun, " '", text, "' not found"));
}

void SetEnumIfUnset(Message* m, absl::string_view field, int value) {
  const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(std::string(field));
  if (m->GetReflection()->GetEnumValue(*m, f) == 0) m->GetReflection()->SetEnumValue(m, f, value);
}

void SetStringIfEmpty(Message* m, absl::string_view field, std::string value) {
  if (GetString(*m, field).empty()) SetString(m, field, std::move(value));
}

// Defaults and rules that span fields or resources. `self` is 0 on create.
absl::Status ApplyRules(WriteTx& tx, const ResourceSpec& spec, Message* m, int64_t self,
                        const UpdateOptions& options = {}) {
  switch (spec.kind) {
    case Kind::kPerson:
      SetEnumIfUnset(m, "status", v1::Person::ACTIVE);
      if (self && GetString(*m, "manager") == ResourceName(spec, self)) {
        return FieldError(absl::StatusCode::kInvalidArgument, "manager",
                          "a person cannot be their own manager");
      }
      break;
    case Kind::kDevice:
      SetEnumIfUnset(
          m, "status",
          GetString(*m, "assignee").empty() ? v1::Device::IN_STOCK : v1::Device::ASSIGNED);
      SetStringIfEmpty(m, "currency", "EUR");
      break;
    case Kind::kAccount:
      SetEnumIfUnset(m, "status", v1::Account::ACTIVE);
      break;
    case Kind::kAccessGrant:
      SetStringIfEmpty(m, "grant_date", FormatIsoDate(TodayUtc()));
      break;
    case Kind::kLicense: {
      SetStringIfEmpty(m, "currency", "EUR");
      SetEnumIfUnset(m, "billing_period", v1::License::MONTHLY);
      if (!GetString(*m, "term_start").empty() && !GetString(*m, "term_end").empty() &&
          GetString(*m, "term_end") < GetString(*m, "term_start")) {
        return FieldError(absl::StatusCode::kInvalidArgument, "term_end", "is before term_start");
      }
      if (self == 0) {
        BESTAND_ASSIGN_OR_RETURN(int64_t licenses, tx.Count(Kind::kLicense, {}));
        if (licenses >= kMaxLicenses) {
          return absl::ResourceExhaustedError(absl::StrCat(
              "there are ", licenses, " licenses, the most Bestand keeps (", kMaxLicenses,
              ", so that no cost total can overflow); remove licenses that ended first"));
        }
        break;
      }
      const v1::License& license = static_cast<const v1::License&>(*m);
      if (license.unlimited_seats()) break;
      BESTAND_ASSIGN_OR_RETURN(int64_t assigned,
                               tx.Count(Kind::kLicenseAssignment, {{"license", self}}));
      if (license.seats() < assigned && !options.force) {
        return FieldError(
            absl::StatusCode::kFailedPrecondition, "seats",
            absl::StrCat(license.seats(), " is less than the ", assigned, " seats assigned; free ",
                         assigned - license.seats(),
                         " of them first ('bestand license seats' lists them), or pass --force "
                         "to record the over-assignment: the licenses report and the summary "
                         "then flag it as a compliance risk until seats are bought"));
      }
      break;
    }
    case Kind::kTemplateItem: {
      const auto& item = static_cast<const v1::TemplateItem&>(*m);
      const int given = !item.application().empty() + !item.license().empty() +
                        (item.device_type() != v1::Device::TYPE_UNSPECIFIED);
      if (given != 1) {
        return FieldError(absl::StatusCode::kInvalidArgument, "application",
                          "a template item gives exactly one of application (with an optional "
                          "role), license and device_type");
      }
      if (!item.role().empty() && item.application().empty()) {
        return FieldError(absl::StatusCode::kInvalidArgument, "role",
                          "is a role in an application: give the application too");
      }
      break;
    }
    case Kind::kLicenseAssignment: {
      const bool person = !GetString(*m, "person").empty();
      const bool device = !GetString(*m, "device").empty();
      if (person == device) {
        return FieldError(absl::StatusCode::kInvalidArgument, "person",
                          "exactly one of person and device must be set");
      }
      SetStringIfEmpty(m, "assign_date", FormatIsoDate(TodayUtc()));
      const ResourceSpec& lspec = Spec(Kind::kLicense);
      const std::string license_name = GetString(*m, "license");
      int64_t license_id = *CanonicalId(lspec, license_name);
      v1::License license;
      BESTAND_ASSIGN_OR_RETURN(bool found, tx.Get(Kind::kLicense, license_id, &license));
      if (!found)
        return absl::NotFoundError(absl::StrCat("license '", license_name, "' not found"));
      if (!license.unlimited_seats()) {
        // Seats held by others: every assignment of this license but this one.
        BESTAND_ASSIGN_OR_RETURN(int64_t taken,
                                 tx.Count(Kind::kLicenseAssignment, {{"license", license_id}}));
        if (self) {
          BESTAND_ASSIGN_OR_RETURN(
              int64_t mine,
              tx.Count(Kind::kLicenseAssignment, {{"license", license_id}, {"name", self}}));
          taken -= mine;
        }
        if (taken >= license.seats()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "license '", license.display_name(), "' has ", Counted(license.seats(), "seat"),
              " and ", license.seats() == 1 ? "it is" : "all are",
              " assigned; free a seat or raise the seat count"));
        }
      }
      break;
    }
    default:
      break;
  }
  return absl::OkStatus();
}

// The value of `field` for key comparison; false when empty and the spec's keys do not include
// empty values (an empty key never collides then).
bool KeyValue(const ResourceSpec& spec, const Message& m, absl::string_view field,
              FieldValue* out) {
  const FieldDescriptor* f = Field(spec, field);
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    const int v = m.GetReflection()->GetEnumValue(m, f);
    *out = int64_t{v};
    return v != 0 || spec.keys_include_empty;
  }
  std::string v = m.GetReflection()->GetString(m, f);
  if (v.empty()) {
    if (!spec.keys_include_empty) return false;
    *out = spec.FindReference(field) ? FieldValue(int64_t{0}) : FieldValue(std::string());
    return true;
  }
  if (const Reference* ref = spec.FindReference(field)) {
    std::optional<int64_t> id = CanonicalId(Spec(ref->target), v);
    if (!id) return false;
    *out = *id;
  } else {
    *out = std::move(v);
  }
  return true;
}

// The first existing resource other than `self` that shares a natural key with `m`, and which key.
absl::StatusOr<std::optional<std::pair<int64_t, size_t>>> FindByNaturalKey(ReadTx& tx,
                                                                           const ResourceSpec& spec,
                                                                           const Message& m,
                                                                           int64_t self) {
  for (size_t k = 0; k < spec.unique_keys.size(); ++k) {
    std::vector<FieldEquals> key;
    for (absl::string_view field : spec.unique_keys[k]) {
      FieldValue v;
      if (!KeyValue(spec, m, field, &v)) break;
      key.push_back({std::string(field), std::move(v)});
    }
    if (key.size() != spec.unique_keys[k].size()) continue;
    BESTAND_ASSIGN_OR_RETURN(std::optional<int64_t> id, tx.FindId(spec.kind, key));
    if (id && *id != self) return std::make_optional(std::make_pair(*id, k));
  }
  return std::nullopt;
}

absl::Status CheckUnique(ReadTx& tx, const ResourceSpec& spec, const Message& m, int64_t self) {
  BESTAND_ASSIGN_OR_RETURN(auto hit, FindByNaturalKey(tx, spec, m, self));
  if (!hit) return absl::OkStatus();
  std::vector<std::string> parts;
  for (absl::string_view field : spec.unique_keys[hit->second]) {
    const std::string value = FieldToText(m, Field(spec, field));
    if (!value.empty()) parts.push_back(absl::StrCat(field, " '", value, "'"));
  }
  return FieldError(absl::StatusCode::kAlreadyExists, spec.unique_keys[hit->second][0],
                    absl::StrCat("a ", spec.noun, " with ", absl::StrJoin(parts, " and "),
                                 " already exists: ", ResourceName(spec, hit->first)));
}

void StampTime(Message* m, absl::string_view field, int64_t micros) {
  const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(std::string(field));
  m->GetReflection()->MutableMessage(m, f)->CopyFrom(FromMicros(micros));
}

void ClearOutputOnly(const ResourceSpec& spec, Message* m) {
  for (int i = 0; i < spec.descriptor->field_count(); ++i) {
    if (IsOutputOnly(spec, spec.descriptor->field(i)->name())) {
      m->GetReflection()->ClearField(m, spec.descriptor->field(i));
    }
  }
}

}  // namespace

absl::StatusOr<int64_t> CreateInTx(WriteTx& tx, absl::string_view actor, const ResourceSpec& spec,
                                   Message* m) {
  ClearOutputOnly(spec, m);
  BESTAND_RETURN_IF_ERROR(Normalize(tx, spec, m));
  BESTAND_RETURN_IF_ERROR(ApplyRules(tx, spec, m, 0));
  BESTAND_RETURN_IF_ERROR(CheckUnique(tx, spec, *m, 0));
  const int64_t now = NowMicros();
  StampTime(m, kCreateTimeField, now);
  StampTime(m, kUpdateTimeField, now);
  BESTAND_ASSIGN_OR_RETURN(int64_t id, tx.Insert(spec.kind, *m));
  SetString(m, kNameField, ResourceName(spec, id));
  BESTAND_RETURN_IF_ERROR(
      RecordAudit(tx, actor, "create", ResourceName(spec, id), "", AuditJson(spec, *m)));
  return id;
}

// Applies the fields of `request` named in `mask` to resource `id`. Returns false when nothing
// changed (then nothing is written). `after` receives the resulting resource.
absl::StatusOr<bool> UpdateInTx(WriteTx& tx, absl::string_view actor, const ResourceSpec& spec,
                                int64_t id, const Message& request, const FieldMask& mask,
                                Message* after, const UpdateOptions& options) {
  std::unique_ptr<Message> before = NewResource(spec);
  BESTAND_ASSIGN_OR_RETURN(bool found, tx.Get(spec.kind, id, before.get()));
  if (!found) {
    return absl::NotFoundError(absl::StrCat(spec.noun, " ", ResourceName(spec, id), " not found"));
  }
  std::vector<const FieldDescriptor*> fields;
  if (mask.paths().empty()) {
    // AIP-134: no mask means every field the request sets.
    for (int i = 0; i < spec.descriptor->field_count(); ++i) {
      const FieldDescriptor* f = spec.descriptor->field(i);
      if (!IsOutputOnly(spec, f->name()) && request.GetReflection()->HasField(request, f)) {
        fields.push_back(f);
      }
    }
  } else {
    for (const std::string& path : mask.paths()) {
      const FieldDescriptor* f = Field(spec, path);
      if (f == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("update_mask: '", path, "' is not a field of ", spec.noun));
      }
      if (IsOutputOnly(spec, path)) {
        return absl::InvalidArgumentError(
            absl::StrCat("update_mask: '", path, "' is output only and cannot be changed"));
      }
      fields.push_back(f);
    }
  }
  after->CopyFrom(*before);
  for (const FieldDescriptor* f : fields) {
    after->GetReflection()->ClearField(after, f);
    if (request.GetReflection()->HasField(request, f)) {
      // Copy one field by swapping it out of a scratch copy of the request.
      std::unique_ptr<Message> scratch(request.New());
      scratch->CopyFrom(request);
      after->GetReflection()->SwapFields(after, scratch.get(), {f});
    }
  }
  BESTAND_RETURN_IF_ERROR(Normalize(tx, spec, after));
  BESTAND_RETURN_IF_ERROR(ApplyRules(tx, spec, after, id, options));
  BESTAND_RETURN_IF_ERROR(CheckUnique(tx, spec, *after, id));
  std::string before_json = AuditJson(spec, *before);
  if (AuditJson(spec, *after) == before_json) return false;
  StampTime(after, kUpdateTimeField, NowMicros());
  BESTAND_RETURN_IF_ERROR(tx.Update(spec.kind, id, *after));
  BESTAND_RETURN_IF_ERROR(RecordAudit(tx, actor, "update", ResourceName(spec, id),
                                      std::move(before_json), AuditJson(spec, *after)));
  return true;
}

namespace {

std::string EncodePageToken(int64_t last_id) {
  return absl::WebSafeBase64Escape(absl::StrCat("after:", last_id));
}

absl::StatusOr<int64_t> DecodePageToken(absl::string_view token) {
  std::string raw;
  int64_t id = 0;
  if (token.empty()) return 0;
  if (!absl::WebSafeBase64Unescape(token, &raw) || !absl::StartsWith(raw, "after:") ||
      !absl::SimpleAtoi(raw.substr(6), &id) || id < 0) {
    return absl::InvalidArgumentError("page_token: not a token from a previous page of this list");
  }
  return id;
}

}  // namespace

absl::StatusOr<int> PageSize(int32_t requested) {
  if (requested < 0 || requested > kMaxPageSize) {
    return FieldError(absl::StatusCode::kInvalidArgument, "page_size",
                      absl::StrCat(requested, " is out of range 0..", kMaxPageSize));
  }
  return requested ? requested : kDefaultPageSize;
}

int64_t IdOf(absl::string_view name) {
  int64_t id = 0;
  size_t slash = name.rfind('/');
  if (slash != absl::string_view::npos) (void)absl::SimpleAtoi(name.substr(slash + 1), &id);
  return id;
}

absl::StatusOr<int64_t> ResolveName(ReadTx& tx, Kind kind, absl::string_view text) {
  return Resolve(tx, Spec(kind), text);
}

absl::StatusOr<std::string> AuditResourceFilter(ReadTx& tx, absl::string_view text) {
  // Audited collections beyond the inventory's resources: tokens and agents.
  static constexpr absl::string_view kOtherCollections[] = {"tokens", "enrollmentTokens", "agents",
                                                            "settings"};
  bool collection = absl::c_linear_search(kOtherCollections, text);
  for (const ResourceSpec& spec : AllSpecs()) collection |= spec.collection == text;
  if (text.empty() || collection || absl::StrContains(text, '/')) return std::string(text);
  std::vector<std::string> names;
  for (const ResourceSpec& spec : AllSpecs()) {
    absl::StatusOr<int64_t> id = Resolve(tx, spec, text);
    if (id.ok()) names.push_back(ResourceName(spec, *id));
    if (!id.ok() && !absl::IsNotFound(id.status())) return id.status();
  }
  if (names.empty()) {
    return FieldError(
        absl::StatusCode::kNotFound, "resource",
        absl::StrCat("'", text,
                     "' names nothing: give a resource name (people/42), a "
                     "collection (people) or a natural key (email, asset tag, name)"));
  }
  if (names.size() > 1) {
    return FieldError(
        absl::StatusCode::kInvalidArgument, "resource",
        absl::StrCat("'", text, "' names ", absl::StrJoin(names, " and "), "; give one of these"));
  }
  return names[0];
}

absl::Status FieldError(absl::StatusCode code, absl::string_view field, absl::string_view message) {
  return absl::Status(code, absl::StrCat(field, ": ", message));
}

absl::Status Inventory::Get(Kind kind, absl::string_view name, Message* out) {
  const ResourceSpec& spec = Spec(kind);
  if (name.empty()) return FieldError(absl::StatusCode::kInvalidArgument, "name", "is required");
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  // A canonical name is read once; anything else is resolved to an id first.
  std::optional<int64_t> id = CanonicalId(spec, name);
  if (!id) {
    BESTAND_ASSIGN_OR_RETURN(id, Resolve(*tx, spec, name));
  }
  BESTAND_ASSIGN_OR_RETURN(bool found, tx->Get(kind, *id, out));
  if (!found) return absl::NotFoundError(absl::StrCat(spec.noun, " '", name, "' not found"));
  return absl::OkStatus();
}

absl::Status Inventory::List(Kind kind, const Message& request, Message* response) {
  const ResourceSpec& spec = Spec(kind);
  const auto* rd = request.GetDescriptor();
  const auto* rr = request.GetReflection();
  ListQuery q;
  int page_size = kDefaultPageSize;
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  for (int i = 0; i < rd->field_count(); ++i) {
    const FieldDescriptor* f = rd->field(i);
    const std::string& name = f->name();
    if (name == "page_size") {
      BESTAND_ASSIGN_OR_RETURN(page_size, PageSize(rr->GetInt32(request, f)));
    } else if (name == "page_token") {
      BESTAND_ASSIGN_OR_RETURN(q.after_id, DecodePageToken(rr->GetString(request, f)));
    } else if (name == "query") {
      q.search = std::string(absl::StripAsciiWhitespace(rr->GetString(request, f)));
      if (Utf8Length(q.search) > kMaxTextLength) {
        return FieldError(absl::StatusCode::kInvalidArgument, name, "is too long");
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
      if (int v = rr->GetEnumValue(request, f); v != 0) q.equals.push_back({name, int64_t{v}});
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      std::string v = rr->GetString(request, f);
      if (v.empty()) continue;
      if (const Reference* ref = spec.FindReference(name)) {
        absl::StatusOr<int64_t> id = Resolve(*tx, Spec(ref->target), v);
        if (!id.ok()) return FieldError(id.status().code(), name, id.status().message());
        q.equals.push_back({name, *id});
      } else {
        q.equals.push_back({name, v});
      }
    }
  }
  q.limit = page_size + 1;  // one more tells whether there is a next page
  const auto* resp_d = response->GetDescriptor();
  const FieldDescriptor* items = nullptr;
  for (int i = 0; i < resp_d->field_count(); ++i) {
    if (resp_d->field(i)->is_repeated()) items = resp_d->field(i);
  }
  int count = 0;
  int64_t last_id = 0;
  bool more = false;
  BESTAND_RETURN_IF_ERROR(tx->List(kind, q, [&](int64_t id, const Message& m) {
    if (count == page_size) {
      more = true;
      return absl::OkStatus();
    }
    response->GetReflection()->AddMessage(response, items)->CopyFrom(m);
    last_id = id;
    ++count;
    return absl::OkStatus();
  }));
  if (more) {
    response->GetReflection()->SetString(response, resp_d->FindFieldByName("next_page_token"),
                                         EncodePageToken(last_id));
  }
  return absl::OkStatus();
}

absl::Status Inventory::Create(absl::string_view actor, Kind kind, const Message& resource,
                               Message* out) {
  const ResourceSpec& spec = Spec(kind);
  out->CopyFrom(resource);
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(int64_t id, CreateInTx(*tx, actor, spec, out));
  if (hook_) BESTAND_RETURN_IF_ERROR(hook_(*tx, actor, kind, id));
  BESTAND_RETURN_IF_ERROR(tx->Get(kind, id, out).status());
  return tx->Commit();
}

absl::Status Inventory::Update(absl::string_view actor, Kind kind, const Message& resource,
                               const FieldMask& mask, Message* out, const UpdateOptions& options) {
  const ResourceSpec& spec = Spec(kind);
  std::string name = GetString(resource, kNameField);
  if (name.empty()) return FieldError(absl::StatusCode::kInvalidArgument, "name", "is required");
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(int64_t id, Resolve(*tx, spec, name));
  BESTAND_ASSIGN_OR_RETURN(bool changed,
                           UpdateInTx(*tx, actor, spec, id, resource, mask, out, options));
  if (!changed) return absl::OkStatus();
  if (hook_) BESTAND_RETURN_IF_ERROR(hook_(*tx, actor, kind, id));
  BESTAND_RETURN_IF_ERROR(tx->Get(kind, id, out).status());
  return tx->Commit();
}

absl::Status Inventory::Delete(absl::string_view actor, Kind kind, absl::string_view name) {
  const ResourceSpec& spec = Spec(kind);
  if (kind == Kind::kPerson) {
    return absl::FailedPreconditionError(
        "people are never deleted, so their history stays; offboard the person instead "
        "(status leaving, then left)");
  }
  if (name.empty()) return FieldError(absl::StatusCode::kInvalidArgument, "name", "is required");
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(int64_t id, Resolve(*tx, spec, name));
  std::unique_ptr<Message> before = NewResource(spec);
  BESTAND_RETURN_IF_ERROR(tx->Get(kind, id, before.get()).status());
  absl::Status s = tx->Delete(kind, id);
  if (absl::IsFailedPrecondition(s)) {
    return absl::FailedPreconditionError(absl::StrCat(
        ResourceName(spec, id),
        kind == Kind::kDevice
            ? " has license seats or agent data; retire it instead (--status retired)"
            : " is still referenced by other records (accounts, grants, licenses, assignments "
              "or devices); remove or change those first"));
  }
  BESTAND_RETURN_IF_ERROR(s);
  BESTAND_RETURN_IF_ERROR(
      RecordAudit(*tx, actor, "delete", ResourceName(spec, id), AuditJson(spec, *before), ""));
  return tx->Commit();
}

absl::StatusOr<std::optional<int64_t>> FindExistingInTx(ReadTx& tx, const ResourceSpec& spec,
                                                        const Message& resource) {
  std::unique_ptr<Message> probe(resource.New());
  probe->CopyFrom(resource);
  BESTAND_RETURN_IF_ERROR(Normalize(tx, spec, probe.get()));
  BESTAND_ASSIGN_OR_RETURN(auto hit, FindByNaturalKey(tx, spec, *probe, 0));
  if (!hit) return std::nullopt;
  return hit->first;
}

}  // namespace bestand
