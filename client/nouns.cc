#include "client/nouns.h"

#include <cstdlib>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/workflow.pb.h"

namespace bestand {

using google::protobuf::FieldDescriptor;

const std::vector<Noun>& Nouns() {
  static const std::vector<Noun>* const nouns = new std::vector<Noun>{
      {"person",
       Kind::kPerson,
       v1::ListPeopleRequest::descriptor(),
       {"name", "email", "display_name", "department", "status", "start_date", "end_date"},
       "people: employees and others who hold access"},
      {"device",
       Kind::kDevice,
       v1::ListDevicesRequest::descriptor(),
       {"name", "asset_tag", "hostname", "type", "model", "os", "assignee", "status",
        "last_report_time"},
       "devices: laptops, desktops, phones, ... and who has them"},
      {"app",
       Kind::kApplication,
       v1::ListApplicationsRequest::descriptor(),
       {"name", "display_name", "category", "hosting", "vendor", "owner", "mfa_enforced"},
       "applications: the systems people hold accounts in (SaaS or on premise)"},
      {"vendor",
       Kind::kVendor,
       v1::ListVendorsRequest::descriptor(),
       {"name", "display_name", "kind", "contact_name", "contact_email", "contact_phone"},
       "vendors: providers, freelancers, SaaS vendors and who is responsible for what"},
      {"account",
       Kind::kAccount,
       v1::ListAccountsRequest::descriptor(),
       {"name", "application", "username", "person", "privileged", "mfa_enabled", "status"},
       "accounts: people's identities in applications"},
      {"access",
       Kind::kAccessGrant,
       v1::ListAccessGrantsRequest::descriptor(),
       {"name", "person", "application", "role", "grant_date", "expire_date", "revoke_date"},
       "access grants: roles and permissions held through accounts"},
      {"license",
       Kind::kLicense,
       v1::ListLicensesRequest::descriptor(),
       {"name", "display_name", "seats", "assigned_seats", "price_per_seat_minor", "billing_period",
        "term_end", "auto_renew"},
       "licenses: subscriptions and contracts, their seats, prices and terms"},
      {"assignment",
       Kind::kLicenseAssignment,
       v1::ListLicenseAssignmentsRequest::descriptor(),
       {"name", "license", "person", "device", "assign_date"},
       "license assignments: who holds which seat (also: license assign|unassign|seats)"},
      {"template",
       Kind::kTemplateItem,
       v1::ListTemplateItemsRequest::descriptor(),
       {"name", "template", "application", "role", "license", "device_type"},
       "role templates, item by item: what a new person in a role gets"},
  };
  return *nouns;
}

const Noun* FindNoun(absl::string_view word) {
  // Accept the singular, the collection name and a few plurals people type.
  static const std::map<absl::string_view, absl::string_view> kAliases = {
      {"people", "person"},
      {"persons", "person"},
      {"devices", "device"},
      {"apps", "app"},
      {"application", "app"},
      {"applications", "app"},
      {"vendors", "vendor"},
      {"accounts", "account"},
      {"grants", "access"},
      {"accessGrants", "access"},
      {"licenses", "license"},
      {"assignments", "assignment"},
      {"licenseAssignments", "assignment"},
      {"templates", "template"},
      {"templateItems", "template"}};
  if (auto it = kAliases.find(word); it != kAliases.end()) word = it->second;
  for (const Noun& n : Nouns()) {
    if (n.word == word) return &n;
  }
  return nullptr;
}

const Noun& NounForKind(Kind kind) {
  for (const Noun& n : Nouns()) {
    if (n.kind == kind) return n;
  }
  std::abort();
}

std::string FlagToField(absl::string_view flag) { return absl::StrReplaceAll(flag, {{"-", "_"}}); }

std::string FieldToFlag(absl::string_view field) {
  return absl::StrReplaceAll(field, {{"_", "-"}});
}

std::string FieldHelp(const ResourceSpec& spec, const FieldDescriptor* f) {
  if (const Reference* r = spec.FindReference(f->name())) {
    return absl::StrCat("reference to ", Spec(r->target).noun, " (name or id)");
  }
  if (f->enum_type()) {
    std::vector<std::string> values;
    for (int v = 1; v < f->enum_type()->value_count(); ++v) {
      values.push_back(absl::AsciiStrToLower(f->enum_type()->value(v)->name()));
    }
    return absl::StrJoin(values, "|");
  }
  if (f->message_type()) return "time (RFC 3339, or a date YYYY-MM-DD)";
  switch (FieldKind(f)) {
    case v1::FieldRules::DATE:
      return "date YYYY-MM-DD";
    case v1::FieldRules::NOTES:
      return "free text, line breaks allowed";
    case v1::FieldRules::EMAIL:
      return "email address";
    case v1::FieldRules::CURRENCY:
      return "currency code such as EUR";
    case v1::FieldRules::LANGUAGE:
      return "de|en";
    default:
      break;
  }
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_BOOL:
      return "true|false";
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(IsMoneyField(f) ? "amount in minor units (cents)" : "number", ", 0..",
                          IntFieldMax(f));
    default:
      return "text";
  }
}

std::vector<FlagSpec> FieldFlagSpecs(const Noun& noun) {
  const ResourceSpec& spec = Spec(noun.kind);
  std::vector<FlagSpec> out;
  for (int i = 0; i < spec.descriptor->field_count(); ++i) {
    const FieldDescriptor* f = spec.descriptor->field(i);
    if (IsOutputOnly(spec, f->name())) continue;
    const std::string value = spec.FindReference(f->name())                      ? "NAME"
                              : f->enum_type()                                   ? "VALUE"
                              : IsDateField(f)                                   ? "DATE"
                              : f->cpp_type() == FieldDescriptor::CPPTYPE_STRING ? "TEXT"
                                                                                 : "VALUE";
    out.push_back({FieldToFlag(f->name()), value, FieldHelp(spec, f)});
  }
  return out;
}

std::vector<FlagSpec> FilterFlagSpecs(const Noun& noun) {
  const google::protobuf::Descriptor* d = noun.list_request;
  std::vector<FlagSpec> out;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->name() == "page_size" || f->name() == "page_token") continue;
    std::string takes = f->name() == "query" ? "text: part of the name or key, any case"
                        : f->enum_type()     ? FieldHelp(Spec(noun.kind), f)
                                             : "only these (name or id)";
    out.push_back({FieldToFlag(f->name()), "VALUE", takes});
  }
  out.push_back({"limit", "N", "at most N rows (default: all)"});
  return out;
}

}  // namespace bestand
