// Checking a resource's fields against the model's rules before it is stored (inventory.cc's
// create and update, and the importers' matching, go through here).
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/resources.h"
#include "google/protobuf/message.h"
#include "server/storage/store.h"

namespace bestand {

// Checks and canonicalises every caller-settable field of `m` by its kind (field_options.proto):
// UTF-8 text trimmed and bounded (notes kept as given), references resolved to
// "{collection}/{id}", dates, currency codes, email addresses, serial numbers, enum values,
// integer ranges, times; then that every required field is set. INVALID_ARGUMENT or NOT_FOUND
// naming the field; `m` is then partly changed.
absl::Status Normalize(ReadTx& tx, const ResourceSpec& spec, google::protobuf::Message* m);

}  // namespace bestand
