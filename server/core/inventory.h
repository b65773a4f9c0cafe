// The inventory's business rules over the store: validation, natural-key resolution, defaults,
// uniqueness, seat limits, audit events and CSV import. Generic over the resource kinds of
// model/resources.h; no gRPC and no SQL here.
//
// Thread safety: safe to call from many threads; the store serialises writers.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/resources.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "server/storage/store.h"

namespace bestand {

// Explicit bounds; every violation is INVALID_ARGUMENT naming the field.
inline constexpr int kDefaultPageSize = 100;
inline constexpr int kMaxPageSize = 1000;
inline constexpr size_t kMaxTextLength = 200;    // characters, single-line fields
inline constexpr size_t kMaxNotesLength = 2000;  // characters, notes and responsibilities
// How an update may bend a rule.
struct UpdateOptions {
  // Lower a license's seats below the number assigned (recorded in the audit trail, flagged
  // in the licenses report and the summary as a compliance risk).
  bool force = false;
};

// The page size a List request asks for: 0 means kDefaultPageSize; INVALID_ARGUMENT naming
// page_size outside 0..kMaxPageSize.
absl::StatusOr<int> PageSize(int32_t requested);

class Inventory {
 public:
  // `store` must outlive the inventory.
  explicit Inventory(Store* store) : store_(store) {}

  // Called inside the transaction after each resource this inventory creates or changes
  // (Create, Update, and the importers); an error rolls the change back. Set before serving.
  using ChangeHook =
      std::function<absl::Status(WriteTx& tx, absl::string_view actor, Kind kind, int64_t id)>;
  void SetChangeHook(ChangeHook hook) { hook_ = std::move(hook); }

  // `name` is a resource name or natural key. NOT_FOUND when there is no such resource.
  absl::Status Get(Kind kind, absl::string_view name, google::protobuf::Message* out);
  // `request` is the kind's List request message, `response` its List response.
  absl::Status List(Kind kind, const google::protobuf::Message& request,
                    google::protobuf::Message* response);
  absl::Status Create(absl::string_view actor, Kind kind, const google::protobuf::Message& resource,
                      google::protobuf::Message* out);
  absl::Status Update(absl::string_view actor, Kind kind, const google::protobuf::Message& resource,
                      const google::protobuf::FieldMask& mask, google::protobuf::Message* out,
                      const UpdateOptions& options = {});
  absl::Status Delete(absl::string_view actor, Kind kind, absl::string_view name);

  // For importers that write through this inventory's store and change hook.
  Store* store() { return store_; }
  const ChangeHook& change_hook() const { return hook_; }

 private:
  Store* store_;
  ChangeHook hook_;
};

// The building blocks of Create and Update, for callers that change several resources in one
// transaction: validation, defaults, uniqueness, the write and its audit event.
// Creates `resource` (its output-only fields are cleared; `name` and the times are filled in).
absl::StatusOr<int64_t> CreateInTx(WriteTx& tx, absl::string_view actor, const ResourceSpec& spec,
                                   google::protobuf::Message* resource);
// Applies the fields of `request` named in `mask` (all set ones when empty) to resource `id`.
// Returns false when nothing changed (then nothing is written); `after` receives the result.
absl::StatusOr<bool> UpdateInTx(WriteTx& tx, absl::string_view actor, const ResourceSpec& spec,
                                int64_t id, const google::protobuf::Message& request,
                                const google::protobuf::FieldMask& mask,
                                google::protobuf::Message* after,
                                const UpdateOptions& options = {});

// The stored resource that `resource` (fields as a create request carries them; references may
// be natural keys) shares a natural key with, or nullopt. INVALID_ARGUMENT or NOT_FOUND, naming
// the field, when a field does not validate.
absl::StatusOr<std::optional<int64_t>> FindExistingInTx(ReadTx& tx, const ResourceSpec& spec,
                                                        const google::protobuf::Message& resource);

// A single-field error in the form "field: message"; callers wrap it with where it came from.
absl::Status FieldError(absl::StatusCode code, absl::string_view field, absl::string_view message);

// The id in a canonical resource name ("people/42" -> 42); 0 when it holds none.
int64_t IdOf(absl::string_view name);

// Finds the resource that `text` names: its resource name ("people/42"), or a natural key with or
// without the collection ("people/anna@firma.de", "anna@firma.de"). NOT_FOUND names it.
absl::StatusOr<int64_t> ResolveName(ReadTx& tx, Kind kind, absl::string_view text);

// What an audit query's `text` means as a resource filter: a resource name ("people/42") or a
// collection ("people") as given; otherwise a natural key of any kind (an email, an asset tag,
// an application's name), which must name exactly one resource. NOT_FOUND when it names none,
// INVALID_ARGUMENT (listing them) when it names several.
absl::StatusOr<std::string> AuditResourceFilter(ReadTx& tx, absl::string_view text);

// True for values that firmware writes where a serial number should be ("To be filled by
// O.E.M.", "Default string", "0123456789", all zeros, ...). They never identify a device.
bool IsJunkSerial(absl::string_view serial);

}  // namespace bestand
