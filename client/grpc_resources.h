// The five calls of each inventory resource service (Get, List, Create, Update, Delete) over its
// generated stub, behind one interface so that GrpcClient can pick them by Kind.
#pragma once

#include <map>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/client.h"
#include "client/grpc_call.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"

namespace bestand {

// One kind's calls; the contracts are Client's inventory methods for that kind.
class ResourceCalls {
 public:
  virtual ~ResourceCalls() = default;
  virtual absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Get(
      absl::string_view name) = 0;
  virtual absl::StatusOr<ListPage> List(const ListRequest& request) = 0;
  virtual absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Create(
      const google::protobuf::Message& resource) = 0;
  virtual absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Update(
      const google::protobuf::Message& resource, const google::protobuf::FieldMask& mask,
      bool force) = 0;
  virtual absl::Status Delete(absl::string_view name) = 0;
};

// The calls of the nine inventory kinds over `channel`, each made through `call` (which must
// outlive them).
std::map<Kind, std::unique_ptr<ResourceCalls>> NewResourceCalls(
    const std::shared_ptr<grpc::Channel>& channel, const GrpcCall& call);

}  // namespace bestand
