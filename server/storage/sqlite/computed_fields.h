// The SQL behind the resource fields the model marks COMPUTED (field_options.proto): each is a
// subquery over other tables, evaluated whenever the resource is read, and never stored.
#pragma once

#include "absl/strings/string_view.h"
#include "common/resources.h"

namespace bestand::sqlite {

// The SELECT expression of computed field `field` of `kind`, over the resource's row as table
// alias "t" (e.g. a license's assigned seats counted from its assignments); "" when the field
// has none, which the mapping refuses at start-up.
absl::string_view ComputedFieldSql(Kind kind, absl::string_view field);

}  // namespace bestand::sqlite
