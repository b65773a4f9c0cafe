// What people call a referenced resource: a person's, application's, license's or vendor's
// display name, an account's user name, a grant's role, a device's asset tag or host name with
// its model. Each resource is read once.
#pragma once

#include <map>
#include <string>

#include "server/core/inventory.h"

namespace bestand {

// Not thread-safe: one per page.
class Labels {
 public:
  explicit Labels(Inventory* inventory) : inventory_(inventory) {}
  // Empty for an empty name and for a resource that cannot be read (deleted since).
  const std::string& Of(Kind kind, const std::string& name);
  // Of(), or `name` itself when it has no label.
  std::string OrName(Kind kind, const std::string& name) {
    const std::string& label = Of(kind, name);
    return label.empty() ? name : label;
  }

 private:
  Inventory* inventory_;
  std::map<std::string, std::string> labels_;
};

}  // namespace bestand
