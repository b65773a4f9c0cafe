#include "server/service/services.h"

#include <memory>
#include <vector>

#include "server/service/service_impl.h"

namespace bestand {

std::vector<std::unique_ptr<grpc::Service>> MakeServices(const ServiceDeps& d) {
  std::vector<std::unique_ptr<grpc::Service>> out;
  out.push_back(MakePersonService(d));
  out.push_back(MakeDeviceService(d));
  out.push_back(MakeApplicationService(d));
  out.push_back(MakeVendorService(d));
  out.push_back(MakeAccountService(d));
  out.push_back(MakeAccessGrantService(d));
  out.push_back(MakeLicenseService(d));
  out.push_back(MakeLicenseAssignmentService(d));
  out.push_back(MakeTemplateItemService(d));
  out.push_back(MakeWorkflowService(d));
  out.push_back(MakeProductRuleService(d));
  out.push_back(MakeReportService(d));
  out.push_back(MakeImportService(d));
  out.push_back(MakeAuditService(d));
  out.push_back(MakeSettingsService(d));
  out.push_back(MakeTokenService(d));
  out.push_back(MakeAgentService(d));
  out.push_back(MakeAgentAdminService(d));
  out.push_back(MakeSoftwareService(d));
  out.push_back(MakeNotificationService(d));
  out.push_back(MakeConnectionService(d));
  return out;
}

}  // namespace bestand
