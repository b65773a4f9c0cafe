// The inventory nouns of the CLI (person, device, app, ...): which resource kind each is, the
// columns its tables show, and the flags its generic commands (add, list, update) take.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "client/command_spec.h"
#include "common/resources.h"
#include "google/protobuf/descriptor.h"

namespace bestand {

struct Noun {
  absl::string_view word;  // e.g. "person"
  Kind kind;
  // The kind's List request message: its fields are the filters of `NOUN list`.
  const google::protobuf::Descriptor* list_request;
  std::vector<absl::string_view> columns;  // of a table
  absl::string_view description;           // for help
};

// Every inventory noun, in the order help lists them.
const std::vector<Noun>& Nouns();
// The noun `word` names: its singular, collection name or a plural people type ("people",
// "apps"); nullptr for none.
const Noun* FindNoun(absl::string_view word);
// The noun of an inventory kind (kPerson ... kTemplateItem); aborts for another kind.
const Noun& NounForKind(Kind kind);

// "assign-date" <-> "assign_date".
std::string FlagToField(absl::string_view flag);
std::string FieldToFlag(absl::string_view field);

// What a field takes, for help: "reference to person (name or id)", "laptop|desktop|...",
// "date YYYY-MM-DD", "number, 0..N".
std::string FieldHelp(const ResourceSpec& spec, const google::protobuf::FieldDescriptor* f);
// Flags for the fields of `noun` that callers may set (add, update), with what each takes.
std::vector<FlagSpec> FieldFlagSpecs(const Noun& noun);
// Flags for the filters of `noun`'s List request, and --limit.
std::vector<FlagSpec> FilterFlagSpecs(const Noun& noun);

}  // namespace bestand
