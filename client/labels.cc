#include "client/labels.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"

namespace bestand {
namespace {

using google::protobuf::Message;

// The largest page a List request may ask for.
constexpr int32_t kMaxPageSize = 1000;

// The fields a resource of `spec`'s kind is known by, best first; none for kinds without a
// label. A device an agent found may only have a hostname; an account is its username, an
// access grant its role, a seat its license.
std::vector<absl::string_view> LabelFields(const ResourceSpec& spec) {
  std::vector<absl::string_view> fields = spec.alias_keys;
  if (spec.kind == Kind::kDevice) fields.push_back("hostname");
  if (spec.kind == Kind::kAccount) fields.push_back("username");
  if (spec.kind == Kind::kAccessGrant) fields.push_back("role");
  if (spec.kind == Kind::kLicenseAssignment) fields.push_back("license");
  return fields;
}

// The first of `fields` set in `m`; empty when none is.
std::string FirstSet(const Message& m, const std::vector<absl::string_view>& fields) {
  for (absl::string_view field : fields) {
    const auto* f = m.GetDescriptor()->FindFieldByName(std::string(field));
    std::string v = f ? m.GetReflection()->GetString(m, f) : "";
    if (!v.empty()) return v;
  }
  return "";
}

std::string NameOf(const Message& m) {
  return m.GetReflection()->GetString(m, m.GetDescriptor()->FindFieldByName("name"));
}

// The id of "{collection}/{id}"; 0 when it has none.
int64_t IdOf(absl::string_view name) {
  int64_t id = 0;
  size_t slash = name.find('/');
  if (slash == absl::string_view::npos || !absl::SimpleAtoi(name.substr(slash + 1), &id)) return 0;
  return id;
}

}  // namespace

void Labels::Resolve(const std::vector<std::string>& refs) {
  std::map<Kind, std::set<std::string>> wanted;
  for (const std::string& ref : refs) {
    if (labels_.count(ref)) continue;
    labels_[ref] = ref;  // unless fetched below
    const ResourceSpec* spec = SpecByCollection(ref.substr(0, ref.find('/')));
    if (client_ == nullptr || spec == nullptr || LabelFields(*spec).empty()) continue;
    wanted[spec->kind].insert(ref);
  }
  std::vector<std::pair<std::string, std::string>> seats;  // assignment, its license
  for (const auto& [kind, names] : wanted) {
    const std::vector<absl::string_view> fields = LabelFields(Spec(kind));
    for (const auto& [name, resource] : Fetch(kind, names)) {
      std::string label = FirstSet(*resource, fields);
      if (label.empty()) continue;
      if (kind == Kind::kLicenseAssignment) {
        seats.emplace_back(name, label);
      } else {
        labels_[name] = label;
      }
    }
  }
  if (seats.empty()) return;
  std::vector<std::string> licenses;
  for (const auto& [seat, license] : seats) licenses.push_back(license);
  Resolve(licenses);
  for (const auto& [seat, license] : seats) labels_[seat] = Find(license) + " seat";
}

std::string Labels::Find(const std::string& ref) const {
  auto it = labels_.find(ref);
  return it == labels_.end() ? ref : it->second;
}

std::vector<std::pair<std::string, std::unique_ptr<Message>>> Labels::Fetch(
    Kind kind, const std::set<std::string>& names) {
  std::vector<std::pair<std::string, std::unique_ptr<Message>>> found;
  if (names.size() == 1) {
    absl::StatusOr<std::unique_ptr<Message>> one = client_->Get(kind, *names.begin());
    if (one.ok()) found.emplace_back(*names.begin(), *std::move(one));
    return found;
  }
  int64_t last = 0;
  for (const std::string& name : names) last = std::max(last, IdOf(name));
  ListRequest request;
  request.page_size = kMaxPageSize;
  while (found.size() < names.size()) {
    absl::StatusOr<ListPage> page = client_->List(kind, request);
    if (!page.ok()) break;
    int64_t id = 0;
    for (std::unique_ptr<Message>& item : page->items) {
      std::string name = NameOf(*item);
      id = IdOf(name);
      if (names.count(name)) found.emplace_back(std::move(name), std::move(item));
    }
    if (page->next_page_token.empty() || id >= last) break;
    request.page_token = page->next_page_token;
  }
  return found;
}

}  // namespace bestand
