// gRPC adapters (callback API): authenticate the bearer token, check the role, call the core,
// map absl::Status to grpc::Status. No business rules here.
#pragma once

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/support/server_interceptor.h"
#include "server/core/audit_log.h"
#include "server/core/auth.h"
#include "server/core/connectors/connectors.h"
#include "server/core/fleet.h"
#include "server/core/inventory.h"
#include "server/core/notify/calendar.h"
#include "server/core/notify/notifier.h"
#include "server/core/reports.h"
#include "server/core/settings.h"
#include "server/core/workflow.h"

namespace bestand {

// The core the services call; they reach the store only through it.
struct ServiceDeps {
  Inventory* inventory;
  TokenManager* tokens;
  Fleet* fleet;
  Workflow* workflow;
  Reports* reports;
  CompanySettings* settings;
  AuditLog* audit;
  Notifier* notifier;
  Calendars* calendars;
  Connectors* connectors;  // nullptr without a secrets key
};

// Every Bestand service; register each with the ServerBuilder. `deps` must outlive them.
std::vector<std::unique_ptr<grpc::Service>> MakeServices(const ServiceDeps& deps);

// The one place where absl::Status becomes grpc::Status. INTERNAL and UNKNOWN errors are logged
// to stderr with an incident number; the caller gets only that number, never SQL or paths.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Server interceptors: requests gRPC cannot parse (not UTF-8, not protobuf) are answered with
// INVALID_ARGUMENT naming the method instead of gRPC's bare UNIMPLEMENTED.
std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
MakeInterceptors();

}  // namespace bestand
