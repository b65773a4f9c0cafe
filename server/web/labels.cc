#include "server/web/labels.h"

#include "absl/strings/str_cat.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/workflow.pb.h"

namespace bestand {
namespace {

template <typename Message>
std::string DisplayName(Inventory* inventory, Kind kind, const std::string& name) {
  Message m;
  return inventory->Get(kind, name, &m).ok() ? m.display_name() : "";
}

}  // namespace

const std::string& Labels::Of(Kind kind, const std::string& name) {
  auto it = labels_.find(name);
  if (it != labels_.end()) return it->second;
  std::string label;
  switch (kind) {
    case Kind::kPerson:
      label = DisplayName<v1::Person>(inventory_, kind, name);
      break;
    case Kind::kApplication:
      label = DisplayName<v1::Application>(inventory_, kind, name);
      break;
    case Kind::kLicense:
      label = DisplayName<v1::License>(inventory_, kind, name);
      break;
    case Kind::kVendor:
      label = DisplayName<v1::Vendor>(inventory_, kind, name);
      break;
    case Kind::kAccount: {
      v1::Account a;
      if (inventory_->Get(kind, name, &a).ok()) label = a.username();
      break;
    }
    case Kind::kAccessGrant: {
      v1::AccessGrant g;
      if (inventory_->Get(kind, name, &g).ok()) label = g.role();
      break;
    }
    case Kind::kDevice: {
      v1::Device d;
      if (inventory_->Get(kind, name, &d).ok()) {
        label = !d.asset_tag().empty()  ? d.asset_tag()
                : !d.hostname().empty() ? d.hostname()
                                        : name;
        if (!d.model().empty()) absl::StrAppend(&label, " (", d.model(), ")");
      }
      break;
    }
    default:
      break;
  }
  if (name.empty()) label.clear();
  return labels_[name] = label;
}

}  // namespace bestand
