#include "client/grpc_resources.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "bestand/v1/inventory.grpc.pb.h"
#include "bestand/v1/workflow.grpc.pb.h"
#include "common/proto_text.h"
#include "common/status_macros.h"

namespace bestand {
namespace {

using google::protobuf::Message;

// The types and rpcs of one resource service, named as the generated code names them: `Res`
// the message ("Person"), `Plural` the List rpc's word ("People"), `field` the request field
// holding the resource ("person"), `items` the List response's list ("people"). A name that
// does not exist fails to compile.
#define BESTAND_RESOURCE_RPCS(Res, Plural, field, items)                              \
  struct Res##Rpcs {                                                                  \
    using Service = v1::Res##Service;                                                 \
    using Resource = v1::Res;                                                         \
    using GetRequest = v1::Get##Res##Request;                                         \
    using ListRpcRequest = v1::List##Plural##Request;                                 \
    using CreateRequest = v1::Create##Res##Request;                                   \
    using UpdateRequest = v1::Update##Res##Request;                                   \
    using DeleteRequest = v1::Delete##Res##Request;                                   \
    static constexpr auto kGet = &Service::Stub::Get##Res;                            \
    static constexpr auto kList = &Service::Stub::List##Plural;                       \
    static constexpr auto kCreate = &Service::Stub::Create##Res;                      \
    static constexpr auto kUpdate = &Service::Stub::Update##Res;                      \
    static constexpr auto kDelete = &Service::Stub::Delete##Res;                      \
    static Resource* Field(CreateRequest& r) { return r.mutable_##field(); }          \
    static Resource* Field(UpdateRequest& r) { return r.mutable_##field(); }          \
    static auto* Items(v1::List##Plural##Response& r) { return r.mutable_##items(); } \
  }

BESTAND_RESOURCE_RPCS(Person, People, person, people);
BESTAND_RESOURCE_RPCS(Device, Devices, device, devices);
BESTAND_RESOURCE_RPCS(Application, Applications, application, applications);
BESTAND_RESOURCE_RPCS(Vendor, Vendors, vendor, vendors);
BESTAND_RESOURCE_RPCS(Account, Accounts, account, accounts);
BESTAND_RESOURCE_RPCS(AccessGrant, AccessGrants, access_grant, access_grants);
BESTAND_RESOURCE_RPCS(License, Licenses, license, licenses);
BESTAND_RESOURCE_RPCS(LicenseAssignment, LicenseAssignments, license_assignment,
                      license_assignments);
BESTAND_RESOURCE_RPCS(TemplateItem, TemplateItems, template_item, template_items);

#undef BESTAND_RESOURCE_RPCS

// Client's inventory methods for the kind whose rpcs `R` names.
template <typename R>
class TypedResourceCalls final : public ResourceCalls {
 public:
  using Resource = typename R::Resource;

  TypedResourceCalls(const std::shared_ptr<grpc::Channel>& channel, const GrpcCall& call)
      : stub_(R::Service::NewStub(channel)), call_(call) {}

  absl::StatusOr<std::unique_ptr<Message>> Get(absl::string_view name) override {
    typename R::GetRequest request;
    request.set_name(std::string(name));
    return Boxed(call_.Unary(*stub_, R::kGet, request));
  }

  absl::StatusOr<ListPage> List(const ListRequest& in) override {
    typename R::ListRpcRequest request;
    for (const auto& [field, value] : in.filters) {
      const auto* f = request.GetDescriptor()->FindFieldByName(field);
      if (f == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("'", field, "' is no filter of ", request.GetDescriptor()->name()));
      }
      BESTAND_RETURN_IF_ERROR(SetFieldFromText(&request, f, value));
    }
    request.set_page_size(in.page_size);
    request.set_page_token(in.page_token);
    BESTAND_ASSIGN_OR_RETURN(auto response, call_.Unary(*stub_, R::kList, request));
    ListPage page;
    for (Resource& item : *R::Items(response)) {
      page.items.push_back(std::make_unique<Resource>(std::move(item)));
    }
    page.next_page_token = response.next_page_token();
    return page;
  }

  absl::StatusOr<std::unique_ptr<Message>> Create(const Message& resource) override {
    BESTAND_ASSIGN_OR_RETURN(const Resource* typed, Typed(resource));
    typename R::CreateRequest request;
    *R::Field(request) = *typed;
    return Boxed(call_.Unary(*stub_, R::kCreate, request));
  }

  absl::StatusOr<std::unique_ptr<Message>> Update(const Message& resource,
                                                  const google::protobuf::FieldMask& mask,
                                                  bool force) override {
    BESTAND_ASSIGN_OR_RETURN(const Resource* typed, Typed(resource));
    typename R::UpdateRequest request;
    *R::Field(request) = *typed;
    *request.mutable_update_mask() = mask;
    if constexpr (requires { request.set_force(true); }) request.set_force(force);
    return Boxed(call_.Unary(*stub_, R::kUpdate, request));
  }

  absl::Status Delete(absl::string_view name) override {
    typename R::DeleteRequest request;
    request.set_name(std::string(name));
    return call_.Unary(*stub_, R::kDelete, request).status();
  }

 private:
  static absl::StatusOr<std::unique_ptr<Message>> Boxed(absl::StatusOr<Resource> r) {
    if (!r.ok()) return r.status();
    return std::make_unique<Resource>(*std::move(r));
  }

  static absl::StatusOr<const Resource*> Typed(const Message& resource) {
    const Resource* typed = google::protobuf::DynamicCastToGenerated<Resource>(&resource);
    if (typed == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("expected a ", Resource::descriptor()->name(),
                                                     ", not a ", resource.GetDescriptor()->name()));
    }
    return typed;
  }

  std::unique_ptr<typename R::Service::Stub> stub_;
  const GrpcCall& call_;
};

// Adds the calls of `R` under the kind whose resource type `R` serves.
template <typename R>
void Add(std::map<Kind, std::unique_ptr<ResourceCalls>>& out,
         const std::shared_ptr<grpc::Channel>& channel, const GrpcCall& call) {
  for (const ResourceSpec& spec : AllSpecs()) {
    if (spec.descriptor == R::Resource::descriptor()) {
      out[spec.kind] = std::make_unique<TypedResourceCalls<R>>(channel, call);
    }
  }
}

}  // namespace

std::map<Kind, std::unique_ptr<ResourceCalls>> NewResourceCalls(
    const std::shared_ptr<grpc::Channel>& channel, const GrpcCall& call) {
  std::map<Kind, std::unique_ptr<ResourceCalls>> out;
  Add<PersonRpcs>(out, channel, call);
  Add<DeviceRpcs>(out, channel, call);
  Add<ApplicationRpcs>(out, channel, call);
  Add<VendorRpcs>(out, channel, call);
  Add<AccountRpcs>(out, channel, call);
  Add<AccessGrantRpcs>(out, channel, call);
  Add<LicenseRpcs>(out, channel, call);
  Add<LicenseAssignmentRpcs>(out, channel, call);
  Add<TemplateItemRpcs>(out, channel, call);
  return out;
}

}  // namespace bestand
