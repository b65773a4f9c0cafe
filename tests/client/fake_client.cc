#include "tests/client/fake_client.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/nouns.h"
#include "common/proto_text.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/field_mask_util.h"

namespace bestand::testing {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::util::FieldMaskUtil;

// What a List returns when the request asks for no page size.
constexpr int32_t kDefaultPageSize = 100;

std::string Text(const Message& m) {
  google::protobuf::TextFormat::Printer p;
  p.SetSingleLineMode(true);
  std::string s;
  p.PrintToString(m, &s);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string StringField(const Message& m, absl::string_view field) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(std::string(field));
  return f ? FieldToText(m, f) : "";
}

bool IsInventory(Kind kind) {
  return std::any_of(Nouns().begin(), Nouns().end(),
                     [kind](const Noun& n) { return n.kind == kind; });
}

std::string Method(absl::string_view verb, Kind kind) {
  return absl::StrCat(verb, " ", Spec(kind).collection);
}

}  // namespace

struct FakeClient::State {
  std::map<Kind, std::map<int64_t, std::unique_ptr<Message>>> resources;
  std::map<Kind, int64_t> last_id;
  int32_t max_page_size = 1000;
  std::map<std::string, std::unique_ptr<Message>> responses;
  std::map<std::string, absl::Status> errors;
  absl::Status connect_error;
  std::vector<FakeCall> calls;
  std::vector<ClientConfig> configs;

  // The id of the stored resource `name` names, by "{collection}/{id}" or a natural key
  // (compared in any case); 0 for none.
  int64_t IdOf(Kind kind, absl::string_view name) const {
    const ResourceSpec& spec = Spec(kind);
    auto it = resources.find(kind);
    if (it == resources.end()) return 0;
    int64_t id = 0;
    if (absl::ConsumePrefix(&name, absl::StrCat(spec.collection, "/")) &&
        absl::SimpleAtoi(name, &id)) {
      return it->second.count(id) ? id : 0;
    }
    for (const auto& [resource_id, resource] : it->second) {
      for (absl::string_view key : spec.alias_keys) {
        std::string v = StringField(*resource, key);
        if (!v.empty() && absl::EqualsIgnoreCase(v, name)) return resource_id;
      }
    }
    return 0;
  }
};

FakeClient::FakeClient() : state_(std::make_shared<State>()) {}

std::string FakeClient::Add(Kind kind, const Message& resource) {
  const ResourceSpec& spec = Spec(kind);
  const int64_t id = ++state_->last_id[kind];
  std::unique_ptr<Message> stored(resource.New());
  stored->CopyFrom(resource);
  std::string name = absl::StrCat(spec.collection, "/", id);
  stored->GetReflection()->SetString(stored.get(), spec.descriptor->FindFieldByName("name"), name);
  state_->resources[kind][id] = std::move(stored);
  return name;
}

void FakeClient::set_max_page_size(int32_t size) { state_->max_page_size = size; }

void FakeClient::SetResponse(const std::string& method, const Message& response) {
  std::unique_ptr<Message> copy(response.New());
  copy->CopyFrom(response);
  state_->responses[method] = std::move(copy);
}

void FakeClient::SetError(const std::string& method, absl::Status status) {
  state_->errors[method] = std::move(status);
}

void FakeClient::set_connect_error(absl::Status status) {
  state_->connect_error = std::move(status);
}

Connector FakeClient::connector() const {
  std::shared_ptr<State> state = state_;
  return [state](const ClientConfig& config) -> absl::StatusOr<std::unique_ptr<Client>> {
    state->configs.push_back(config);
    if (!state->connect_error.ok()) return state->connect_error;
    return std::unique_ptr<Client>(new FakeClient(state));
  };
}

const std::vector<FakeCall>& FakeClient::calls() const { return state_->calls; }

std::vector<std::string> FakeClient::methods() const {
  std::vector<std::string> out;
  for (const FakeCall& c : state_->calls) out.push_back(c.method);
  return out;
}

int FakeClient::CallCount(absl::string_view method) const {
  return static_cast<int>(
      std::count_if(state_->calls.begin(), state_->calls.end(),
                    [method](const FakeCall& c) { return c.method == method; }));
}

void FakeClient::ClearCalls() { state_->calls.clear(); }

const std::vector<ClientConfig>& FakeClient::configs() const { return state_->configs; }

const Message* FakeClient::Find(Kind kind, absl::string_view name) const {
  const int64_t id = state_->IdOf(kind, name);
  return id == 0 ? nullptr : state_->resources[kind][id].get();
}

int FakeClient::Count(Kind kind) const {
  auto it = state_->resources.find(kind);
  return it == state_->resources.end() ? 0 : static_cast<int>(it->second.size());
}

absl::Status FakeClient::Record(const std::string& method, const std::string& request) {
  state_->calls.push_back({method, request});
  auto it = state_->errors.find(method);
  return it == state_->errors.end() ? absl::OkStatus() : it->second;
}

absl::Status FakeClient::Canned(const std::string& method, const Message& request,
                                Message* response) {
  if (absl::Status s = Record(method, Text(request)); !s.ok()) return s;
  auto it = state_->responses.find(method);
  if (it == state_->responses.end()) {
    return absl::UnimplementedError(absl::StrCat("FakeClient::", method, ": no response set"));
  }
  if (it->second->GetDescriptor() != response->GetDescriptor()) {
    return absl::InternalError(absl::StrCat("FakeClient::", method, ": the response set is a ",
                                            it->second->GetDescriptor()->name(), ", not a ",
                                            response->GetDescriptor()->name()));
  }
  response->CopyFrom(*it->second);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Message>> FakeClient::Get(Kind kind, absl::string_view name) {
  if (!IsInventory(kind)) return absl::UnimplementedError("FakeClient::Get: not an inventory kind");
  if (absl::Status s = Record(Method("Get", kind), absl::StrCat("name: \"", name, "\"")); !s.ok()) {
    return s;
  }
  const Message* found = Find(kind, name);
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrCat(Spec(kind).noun, " '", name, "' not found"));
  }
  std::unique_ptr<Message> copy(found->New());
  copy->CopyFrom(*found);
  return copy;
}

absl::StatusOr<ListPage> FakeClient::List(Kind kind, const ListRequest& in) {
  if (!IsInventory(kind))
    return absl::UnimplementedError("FakeClient::List: not an inventory kind");
  const ResourceSpec& spec = Spec(kind);
  // The kind's List request, as GrpcClient would send it.
  std::unique_ptr<Message> request(google::protobuf::MessageFactory::generated_factory()
                                       ->GetPrototype(NounForKind(kind).list_request)
                                       ->New());
  const auto* d = request->GetDescriptor();
  for (const auto& [field, value] : in.filters) {
    const FieldDescriptor* f = d->FindFieldByName(field);
    if (f == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("'", field, "' is no filter of ", d->name()));
    }
    if (absl::Status s = SetFieldFromText(request.get(), f, value); !s.ok()) return s;
  }
  request->GetReflection()->SetInt32(request.get(), d->FindFieldByName("page_size"), in.page_size);
  request->GetReflection()->SetString(request.get(), d->FindFieldByName("page_token"),
                                      in.page_token);
  if (absl::Status s = Record(Method("List", kind), Text(*request)); !s.ok()) return s;

  int64_t after = 0;  // the page token: the id the last page ended with
  if (!in.page_token.empty() && !absl::SimpleAtoi(in.page_token, &after)) {
    return absl::InvalidArgumentError(absl::StrCat("bad page token '", in.page_token, "'"));
  }
  int32_t size = in.page_size > 0 ? in.page_size : kDefaultPageSize;
  size = std::min(size, state_->max_page_size);

  // Does `resource` match every filter set? References may be given by natural key.
  auto matches = [&](const Message& resource) {
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* filter = d->field(i);
      if (filter->name() == "page_size" || filter->name() == "page_token") continue;
      std::string want = FieldToText(*request, filter);
      if (want.empty()) continue;
      if (filter->name() == "query") {
        bool any = false;
        for (absl::string_view field : spec.search_fields) {
          any = any || absl::StrContains(absl::AsciiStrToLower(StringField(resource, field)),
                                         absl::AsciiStrToLower(want));
        }
        if (!any) return false;
        continue;
      }
      if (const Reference* r = spec.FindReference(filter->name())) {
        const int64_t id = state_->IdOf(r->target, want);
        if (id != 0) want = absl::StrCat(Spec(r->target).collection, "/", id);
      }
      if (StringField(resource, filter->name()) != want) return false;
    }
    return true;
  };

  ListPage page;
  const auto& stored = state_->resources[kind];
  for (auto it = stored.upper_bound(after); it != stored.end(); ++it) {
    if (!matches(*it->second)) continue;
    if (static_cast<int32_t>(page.items.size()) == size) {
      page.next_page_token =
          StringField(*page.items.back(), "name")
              .substr(spec.collection.size() + 1);  // the id of the page's last item
      break;
    }
    std::unique_ptr<Message> copy(it->second->New());
    copy->CopyFrom(*it->second);
    page.items.push_back(std::move(copy));
  }
  return page;
}

absl::StatusOr<std::unique_ptr<Message>> FakeClient::Create(Kind kind, const Message& resource) {
  if (!IsInventory(kind))
    return absl::UnimplementedError("FakeClient::Create: not an inventory kind");
  if (resource.GetDescriptor() != Spec(kind).descriptor) {
    return absl::InvalidArgumentError(absl::StrCat("expected a ", Spec(kind).descriptor->name(),
                                                   ", not a ", resource.GetDescriptor()->name()));
  }
  if (absl::Status s = Record(Method("Create", kind), Text(resource)); !s.ok()) return s;
  std::string name = Add(kind, resource);
  std::unique_ptr<Message> copy(resource.New());
  copy->CopyFrom(*Find(kind, name));
  return copy;
}

absl::StatusOr<std::unique_ptr<Message>> FakeClient::Update(Kind kind, const Message& resource,
                                                            const google::protobuf::FieldMask& mask,
                                                            bool force) {
  if (!IsInventory(kind))
    return absl::UnimplementedError("FakeClient::Update: not an inventory kind");
  if (resource.GetDescriptor() != Spec(kind).descriptor) {
    return absl::InvalidArgumentError(absl::StrCat("expected a ", Spec(kind).descriptor->name(),
                                                   ", not a ", resource.GetDescriptor()->name()));
  }
  if (absl::Status s =
          Record(Method("Update", kind), absl::StrCat(Text(resource), " update_mask { ", Text(mask),
                                                      " } force: ", force ? "true" : "false"));
      !s.ok()) {
    return s;
  }
  const std::string name = StringField(resource, "name");
  const int64_t id = state_->IdOf(kind, name);
  if (id == 0) return absl::NotFoundError(absl::StrCat(Spec(kind).noun, " '", name, "' not found"));
  for (const std::string& path : mask.paths()) {
    if (path == "name" ||
        !FieldMaskUtil::GetFieldDescriptors(resource.GetDescriptor(), path, nullptr)) {
      return absl::InvalidArgumentError(absl::StrCat("update_mask: cannot update '", path, "'"));
    }
  }
  Message* stored = state_->resources[kind][id].get();
  FieldMaskUtil::MergeMessageTo(resource, mask, FieldMaskUtil::MergeOptions(), stored);
  std::unique_ptr<Message> copy(stored->New());
  copy->CopyFrom(*stored);
  return copy;
}

absl::Status FakeClient::Delete(Kind kind, absl::string_view name) {
  if (!IsInventory(kind))
    return absl::UnimplementedError("FakeClient::Delete: not an inventory kind");
  if (absl::Status s = Record(Method("Delete", kind), absl::StrCat("name: \"", name, "\""));
      !s.ok()) {
    return s;
  }
  const int64_t id = state_->IdOf(kind, name);
  if (id == 0) return absl::NotFoundError(absl::StrCat(Spec(kind).noun, " '", name, "' not found"));
  state_->resources[kind].erase(id);
  return absl::OkStatus();
}

absl::StatusOr<v1::ImportCsvProgress> FakeClient::ImportCsv(
    const v1::ImportCsvRequest& request,
    const std::function<void(const v1::ImportCsvProgress&)>& progress) {
  v1::ImportCsvProgress out;
  if (absl::Status s = Canned("ImportCsv", request, &out); !s.ok()) return s;
  if (progress) progress(out);
  return out;
}

absl::Status FakeClient::DeleteProductRule(const v1::DeleteProductRuleRequest& request) {
  if (absl::Status s = Record("DeleteProductRule", Text(request)); !s.ok()) return s;
  return absl::OkStatus();
}

absl::Status FakeClient::RemoveWebhook(const v1::RemoveWebhookRequest& request) {
  return Record("RemoveWebhook", Text(request));
}

}  // namespace bestand::testing
