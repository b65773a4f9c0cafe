#include "client/resource_commands.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bestand/v1/inventory.pb.h"
#include "client/fleet_commands.h"
#include "client/nouns.h"
#include "common/proto_text.h"
#include "common/resources.h"
#include "common/status_macros.h"

namespace bestand {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr int32_t kMaxPageSize = 1000;

const Noun& NounOf(const Context& c) { return *c.command().noun; }

// Fills `resource` from the command's flags that name its fields (others, like --force, are the
// caller's); adds each to `mask` if given.
absl::Status FillFields(const Context& c, Kind kind, Message* resource,
                        google::protobuf::FieldMask* mask) {
  BESTAND_ASSIGN_OR_RETURN(Flags flags, c.CommandFlags());
  for (const auto& [flag, value] : flags) {
    const FieldDescriptor* f = Spec(kind).descriptor->FindFieldByName(FlagToField(flag));
    if (f == nullptr) continue;
    BESTAND_RETURN_IF_ERROR(SetFieldFromText(resource, f, value));
    if (mask) mask->add_paths(f->name());
  }
  return absl::OkStatus();
}

// Every page (or up to `limit` items; 0: all) of `kind` matching `filters` (flags named like
// the fields of the kind's List request).
absl::StatusOr<std::vector<std::unique_ptr<Message>>> ListAll(Context& c, Kind kind,
                                                              const Flags& filters, int64_t limit) {
  ListRequest request;
  for (const auto& [flag, value] : filters) request.filters.emplace_back(FlagToField(flag), value);
  std::vector<std::unique_ptr<Message>> items;
  while (true) {
    const int64_t left = limit - static_cast<int64_t>(items.size());
    request.page_size =
        static_cast<int32_t>(limit > 0 ? std::min<int64_t>(kMaxPageSize, left) : kMaxPageSize);
    BESTAND_ASSIGN_OR_RETURN(ListPage page, c.client().List(kind, request));
    for (auto& item : page.items) items.push_back(std::move(item));
    if (page.next_page_token.empty() || (limit > 0 && static_cast<int64_t>(items.size()) >= limit))
      break;
    request.page_token = page.next_page_token;
  }
  return items;
}

// template show TEMPLATE: the template's items.
absl::Status TemplateShow(Context& c, const std::string& name) {
  ListRequest request;
  request.filters = {{"template", name}};
  request.page_size = kMaxPageSize;
  BESTAND_ASSIGN_OR_RETURN(ListPage page, c.client().List(Kind::kTemplateItem, request));
  if (page.items.empty()) {
    return absl::NotFoundError(absl::StrCat("template '", name, "' has no items"));
  }
  c.List(page.items, NounForKind(Kind::kTemplateItem).columns);
  return absl::OkStatus();
}

// --person or --device, exactly one of them: which it is.
absl::StatusOr<std::string> Holder(const Context& c) {
  const bool person = c.args().Has("person"), device = c.args().Has("device");
  if (person == device) return c.Usage("give exactly one of --person and --device");
  return std::string(person ? "person" : "device");
}

}  // namespace

absl::Status NounAdd(Context& c) {
  const Noun& noun = NounOf(c);
  std::unique_ptr<Message> resource = NewResource(Spec(noun.kind));
  BESTAND_RETURN_IF_ERROR(FillFields(c, noun.kind, resource.get(), nullptr));
  BESTAND_ASSIGN_OR_RETURN(auto created, c.client().Create(noun.kind, *resource));
  c.One(*created);
  return absl::OkStatus();
}

absl::Status NounList(Context& c) {
  const Noun& noun = NounOf(c);
  BESTAND_ASSIGN_OR_RETURN(Flags filters, c.CommandFlags());
  std::erase_if(filters, [](const auto& f) { return f.first == "limit"; });
  BESTAND_ASSIGN_OR_RETURN(int64_t limit, c.Limit());
  BESTAND_ASSIGN_OR_RETURN(auto items, ListAll(c, noun.kind, filters, limit));
  c.List(items, noun.columns);
  return absl::OkStatus();
}

absl::Status NounShow(Context& c) {
  const Noun& noun = NounOf(c);
  const auto& words = c.args().positional();
  if (noun.kind == Kind::kDevice && c.args().Has("software")) return DeviceInventory(c);
  if (noun.kind == Kind::kTemplateItem && words.size() > 2 &&
      !absl::StartsWith(words[2], "templateItems/")) {
    return TemplateShow(c, words[2]);
  }
  BESTAND_ASSIGN_OR_RETURN(std::string name, c.Arg(2, absl::StrCat(noun.word, " to show")));
  BESTAND_ASSIGN_OR_RETURN(auto resource, c.client().Get(noun.kind, name));
  c.One(*resource);
  return absl::OkStatus();
}

absl::Status NounUpdate(Context& c) {
  const Noun& noun = NounOf(c);
  BESTAND_ASSIGN_OR_RETURN(std::string name, c.Arg(2, absl::StrCat(noun.word, " to update")));
  std::unique_ptr<Message> resource = NewResource(Spec(noun.kind));
  google::protobuf::FieldMask mask;
  BESTAND_RETURN_IF_ERROR(FillFields(c, noun.kind, resource.get(), &mask));
  if (mask.paths().empty()) return c.Usage("nothing to update: give --FIELD VALUE options");
  SetFieldFromText(resource.get(), resource->GetDescriptor()->FindFieldByName("name"), name)
      .IgnoreError();
  BESTAND_ASSIGN_OR_RETURN(auto updated,
                           c.client().Update(noun.kind, *resource, mask, c.args().Has("force")));
  c.One(*updated);
  return absl::OkStatus();
}

absl::Status NounRemove(Context& c) {
  const Noun& noun = NounOf(c);
  BESTAND_ASSIGN_OR_RETURN(std::string name, c.Arg(2, absl::StrCat(noun.word, " to remove")));
  BESTAND_RETURN_IF_ERROR(c.client().Delete(noun.kind, name));
  c.Confirm({{"removed", name}}, absl::StrCat("removed ", noun.word, " ", name));
  return absl::OkStatus();
}

absl::Status NounFields(Context& c) {
  const ResourceSpec& spec = Spec(NounOf(c).kind);
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < spec.descriptor->field_count(); ++i) {
    const FieldDescriptor* f = spec.descriptor->field(i);
    const bool required =
        std::find(spec.required.begin(), spec.required.end(), f->name()) != spec.required.end();
    rows.push_back({f->name(), FieldHelp(spec, f), required ? "yes" : "",
                    IsOutputOnly(spec, f->name()) ? "yes" : ""});
  }
  PrintRows(c.out(), c.format(), {"field", "takes", "required", "output only"}, rows,
            c.printer().wide);
  return absl::OkStatus();
}

absl::Status LicenseAssign(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string license, c.Arg(2, "license"));
  BESTAND_ASSIGN_OR_RETURN(Flags flags, c.CommandFlags());
  BESTAND_RETURN_IF_ERROR(Holder(c).status());
  v1::LicenseAssignment seat;
  seat.set_license(license);
  for (const auto& [flag, value] : flags) {
    BESTAND_RETURN_IF_ERROR(
        SetFieldFromText(&seat, seat.GetDescriptor()->FindFieldByName(FlagToField(flag)), value));
  }
  BESTAND_ASSIGN_OR_RETURN(auto created, c.client().Create(Kind::kLicenseAssignment, seat));
  c.One(*created);
  return absl::OkStatus();
}

absl::Status LicenseUnassign(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string license, c.Arg(2, "license"));
  BESTAND_RETURN_IF_ERROR(c.CommandFlags().status());
  BESTAND_ASSIGN_OR_RETURN(std::string holder, Holder(c));
  const std::string who = c.args().Get(holder);
  BESTAND_ASSIGN_OR_RETURN(
      auto seats, ListAll(c, Kind::kLicenseAssignment, {{"license", license}, {holder, who}}, 0));
  if (seats.empty()) {
    return absl::NotFoundError(
        absl::StrCat(holder, " '", who, "' holds no seat of license '", license, "'"));
  }
  const Message& seat = *seats[0];
  const std::string name =
      seat.GetReflection()->GetString(seat, seat.GetDescriptor()->FindFieldByName("name"));
  BESTAND_RETURN_IF_ERROR(c.client().Delete(Kind::kLicenseAssignment, name));
  c.Confirm({{"freed", license}, {holder, who}},
            absl::StrCat("freed the seat of ", license, " held by ", who));
  return absl::OkStatus();
}

absl::Status LicenseSeats(Context& c) {
  BESTAND_ASSIGN_OR_RETURN(std::string license, c.Arg(2, "license"));
  BESTAND_ASSIGN_OR_RETURN(auto seats,
                           ListAll(c, Kind::kLicenseAssignment, {{"license", license}}, 0));
  c.List(seats, NounForKind(Kind::kLicenseAssignment).columns);
  return absl::OkStatus();
}

}  // namespace bestand
