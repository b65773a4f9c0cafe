// The report service: each management report, read-only.
#include <memory>

#include "absl/status/status.h"
#include "bestand/v1/report.grpc.pb.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "server/core/auth.h"
#include "server/core/reports.h"
#include "server/service/service_impl.h"
#include "server/service/unary.h"

namespace bestand {
namespace {

class ReportServiceImpl final : public v1::ReportService::CallbackService {
 public:
  explicit ReportServiceImpl(const ServiceDeps& d) : d_(d) {}

  template <typename Fn, typename Out>
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* ctx, Out* out, Fn&& fn) {
    return Unary(d_, ctx, Permission::kRead, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, fn());
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* GetLicenseReport(grpc::CallbackServerContext* ctx,
                                             const v1::LicenseReportRequest* req,
                                             v1::LicenseReport* out) override {
    return Run(ctx, out, [&] { return d_.reports->Licenses(*req); });
  }
  grpc::ServerUnaryReactor* GetRenewalReport(grpc::CallbackServerContext* ctx,
                                             const v1::RenewalReportRequest* req,
                                             v1::RenewalReport* out) override {
    return Run(ctx, out, [&] { return d_.reports->Renewals(*req); });
  }
  grpc::ServerUnaryReactor* GetCostReport(grpc::CallbackServerContext* ctx,
                                          const v1::CostReportRequest* req,
                                          v1::CostReport* out) override {
    return Run(ctx, out, [&] { return d_.reports->Costs(*req); });
  }
  grpc::ServerUnaryReactor* GetOverlapReport(grpc::CallbackServerContext* ctx,
                                             const v1::OverlapReportRequest*,
                                             v1::OverlapReport* out) override {
    return Run(ctx, out, [&] { return d_.reports->Overlaps(); });
  }
  grpc::ServerUnaryReactor* GetComplianceReport(grpc::CallbackServerContext* ctx,
                                                const v1::ComplianceReportRequest*,
                                                v1::ComplianceReport* out) override {
    return Run(ctx, out, [&] { return d_.reports->Compliance(); });
  }
  grpc::ServerUnaryReactor* GetSummaryReport(grpc::CallbackServerContext* ctx,
                                             const v1::SummaryReportRequest* req,
                                             v1::SummaryReport* out) override {
    return Run(ctx, out, [&] { return d_.reports->Summary(*req); });
  }

 private:
  ServiceDeps d_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeReportService(const ServiceDeps& deps) {
  return std::make_unique<ReportServiceImpl>(deps);
}

}  // namespace bestand
