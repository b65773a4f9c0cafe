// Readable labels for the references tables show: "people/3" -> "anna@firma.de", "devices/7" ->
// "NB-0042" (or its hostname), "accounts/5" -> its username, "licenseAssignments/4" ->
// "Zoom Pro seat". Fetched in batches before a table is printed and kept for the rest of the
// command.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "client/client.h"
#include "common/resources.h"
#include "google/protobuf/message.h"

namespace bestand {

class Labels {
 public:
  // `client` (may be null: then every label is its reference) must outlive this.
  explicit Labels(Client* client) : client_(client) {}

  // Fetches the labels of the `refs` not known yet, one call per collection: a Get when a
  // collection has one of them, else its List page by page until each is found (a List returns
  // resources by id, so it stops at the highest id asked for). License assignments are known by
  // their license: those follow in one more call. A reference that cannot be fetched (gone, not
  // readable with this token, a kind without a label such as cases/N) keeps itself as label.
  void Resolve(const std::vector<std::string>& refs);

  // The label of `ref` as resolved; `ref` itself when it was not.
  std::string Find(const std::string& ref) const;

 private:
  // The resources of `kind` that `names` name, by the name asked for.
  std::vector<std::pair<std::string, std::unique_ptr<google::protobuf::Message>>> Fetch(
      Kind kind, const std::set<std::string>& names);

  Client* client_;
  std::map<std::string, std::string> labels_;
};

}  // namespace bestand
