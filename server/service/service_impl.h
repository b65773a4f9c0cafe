// The services MakeServices registers, one factory each, grouped by the file that implements
// them. Each service authenticates and authorises every call (unary.h), calls the core through
// `deps` and maps the result with ToGrpcStatus. `deps` must outlive the service.
#pragma once

#include <memory>

#include "grpcpp/impl/service_type.h"
#include "server/service/services.h"

namespace bestand {

// inventory_services.cc: the resource services, Get/List/Create/Update/Delete of one kind each
// over the generic Inventory (reads need kRead, changes kWrite), and the CSV import.
std::unique_ptr<grpc::Service> MakePersonService(const ServiceDeps& deps);       // people
std::unique_ptr<grpc::Service> MakeDeviceService(const ServiceDeps& deps);       // devices
std::unique_ptr<grpc::Service> MakeApplicationService(const ServiceDeps& deps);  // applications
std::unique_ptr<grpc::Service> MakeVendorService(const ServiceDeps& deps);       // vendors
std::unique_ptr<grpc::Service> MakeAccountService(const ServiceDeps& deps);      // accounts
std::unique_ptr<grpc::Service> MakeAccessGrantService(const ServiceDeps& deps);  // access grants
std::unique_ptr<grpc::Service> MakeLicenseService(const ServiceDeps& deps);      // licenses
// License seats (assignments to a person or a device).
std::unique_ptr<grpc::Service> MakeLicenseAssignmentService(const ServiceDeps& deps);
// Items of the role templates onboarding works from.
std::unique_ptr<grpc::Service> MakeTemplateItemService(const ServiceDeps& deps);
// The rules naming which installed packages are which licensed product.
std::unique_ptr<grpc::Service> MakeProductRuleService(const ServiceDeps& deps);
// Imports a CSV, a directory export or an agent inventory (kWrite) on a worker thread, streaming
// its progress; the last message carries done = true.
std::unique_ptr<grpc::Service> MakeImportService(const ServiceDeps& deps);

// workflow_services.cc: onboarding, offboarding, cases, tasks and findings. Vendor tokens see
// and change only their own vendor's tasks; only admins and coordinators accept or reopen them.
std::unique_ptr<grpc::Service> MakeWorkflowService(const ServiceDeps& deps);

// report_services.cc: the management reports (kRead).
std::unique_ptr<grpc::Service> MakeReportService(const ServiceDeps& deps);

// admin_services.cc: the audit trail (kRead), company settings (read: kRead, change: kAdmin)
// and API tokens (kAdmin; WhoAmI for every role).
std::unique_ptr<grpc::Service> MakeAuditService(const ServiceDeps& deps);
std::unique_ptr<grpc::Service> MakeSettingsService(const ServiceDeps& deps);
std::unique_ptr<grpc::Service> MakeTokenService(const ServiceDeps& deps);

// fleet_services.cc: the agents' service (Enroll with an enrollment token, then Report,
// Heartbeat and RenewCertificate with the client certificate; no bearer token), the
// administration of enrollment tokens and agents (kWrite), and the software inventory (kRead).
std::unique_ptr<grpc::Service> MakeAgentService(const ServiceDeps& deps);
std::unique_ptr<grpc::Service> MakeAgentAdminService(const ServiceDeps& deps);
std::unique_ptr<grpc::Service> MakeSoftwareService(const ServiceDeps& deps);
std::unique_ptr<grpc::Service> MakeNotificationService(const ServiceDeps& deps);

// connect_services.cc: applications' connections (change and test: kAdmin; read and run the
// connectors: kWrite).
std::unique_ptr<grpc::Service> MakeConnectionService(const ServiceDeps& deps);

}  // namespace bestand
