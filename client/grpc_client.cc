#include "client/grpc_client.h"

#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "bestand/v1/agent.grpc.pb.h"
#include "bestand/v1/audit.grpc.pb.h"
#include "bestand/v1/auth.grpc.pb.h"
#include "bestand/v1/connect.grpc.pb.h"
#include "bestand/v1/inventory.grpc.pb.h"
#include "bestand/v1/notify.grpc.pb.h"
#include "bestand/v1/report.grpc.pb.h"
#include "bestand/v1/settings.grpc.pb.h"
#include "bestand/v1/workflow.grpc.pb.h"
#include "client/grpc_call.h"
#include "client/grpc_resources.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"

namespace bestand {
namespace {

using google::protobuf::Message;

class GrpcClient final : public Client {
 public:
  GrpcClient(const ClientConfig& config, const std::shared_ptr<grpc::Channel>& channel)
      : call_(config),
        resources_(NewResourceCalls(channel, call_)),
        import_(v1::ImportService::NewStub(channel)),
        tokens_(v1::TokenService::NewStub(channel)),
        audit_(v1::AuditService::NewStub(channel)),
        agents_(v1::AgentAdminService::NewStub(channel)),
        software_(v1::SoftwareService::NewStub(channel)),
        workflow_(v1::WorkflowService::NewStub(channel)),
        reports_(v1::ReportService::NewStub(channel)),
        rules_(v1::ProductRuleService::NewStub(channel)),
        settings_(v1::SettingsService::NewStub(channel)),
        notify_(v1::NotificationService::NewStub(channel)),
        connections_(v1::ConnectionService::NewStub(channel)) {}

  absl::StatusOr<std::unique_ptr<Message>> Get(Kind kind, absl::string_view name) override {
    BESTAND_ASSIGN_OR_RETURN(ResourceCalls * calls, Resource(kind));
    return calls->Get(name);
  }
  absl::StatusOr<ListPage> List(Kind kind, const ListRequest& request) override {
    BESTAND_ASSIGN_OR_RETURN(ResourceCalls * calls, Resource(kind));
    return calls->List(request);
  }
  absl::StatusOr<std::unique_ptr<Message>> Create(Kind kind, const Message& resource) override {
    BESTAND_ASSIGN_OR_RETURN(ResourceCalls * calls, Resource(kind));
    return calls->Create(resource);
  }
  absl::StatusOr<std::unique_ptr<Message>> Update(Kind kind, const Message& resource,
                                                  const google::protobuf::FieldMask& mask,
                                                  bool force) override {
    BESTAND_ASSIGN_OR_RETURN(ResourceCalls * calls, Resource(kind));
    return calls->Update(resource, mask, force);
  }
  absl::Status Delete(Kind kind, absl::string_view name) override {
    BESTAND_ASSIGN_OR_RETURN(ResourceCalls * calls, Resource(kind));
    return calls->Delete(name);
  }

  absl::StatusOr<v1::ImportCsvProgress> ImportCsv(
      const v1::ImportCsvRequest& request,
      const std::function<void(const v1::ImportCsvProgress&)>& progress) override {
    grpc::ClientContext context;
    // A big import may take longer than one ordinary call.
    call_.Prepare(&context, call_.timeout() * 10);
    auto reader = import_->ImportCsv(&context, request);
    v1::ImportCsvProgress p, last;
    while (reader->Read(&p)) {
      if (progress) progress(p);
      last = p;
    }
    BESTAND_RETURN_IF_ERROR(call_.Status(reader->Finish()));
    if (!last.done()) return absl::InternalError("the server ended the import without a summary");
    return last;
  }

  absl::StatusOr<v1::CreateTokenResponse> CreateToken(const v1::CreateTokenRequest& r) override {
    return call_.Unary(*tokens_, &v1::TokenService::Stub::CreateToken, r);
  }
  absl::StatusOr<v1::ListTokensResponse> ListTokens(const v1::ListTokensRequest& r) override {
    return call_.Unary(*tokens_, &v1::TokenService::Stub::ListTokens, r);
  }
  absl::StatusOr<v1::Token> RevokeToken(const v1::RevokeTokenRequest& r) override {
    return call_.Unary(*tokens_, &v1::TokenService::Stub::RevokeToken, r);
  }
  absl::StatusOr<v1::WhoAmIResponse> WhoAmI(const v1::WhoAmIRequest& r) override {
    return call_.Unary(*tokens_, &v1::TokenService::Stub::WhoAmI, r);
  }

  absl::StatusOr<v1::ListAuditEventsResponse> ListAuditEvents(
      const v1::ListAuditEventsRequest& r) override {
    return call_.Unary(*audit_, &v1::AuditService::Stub::ListAuditEvents, r);
  }
  absl::StatusOr<v1::VerifyAuditResponse> VerifyAudit(const v1::VerifyAuditRequest& r) override {
    return call_.Unary(*audit_, &v1::AuditService::Stub::VerifyAudit, r);
  }

  absl::StatusOr<v1::CreateEnrollmentTokenResponse> CreateEnrollmentToken(
      const v1::CreateEnrollmentTokenRequest& r) override {
    return call_.Unary(*agents_, &v1::AgentAdminService::Stub::CreateEnrollmentToken, r);
  }
  absl::StatusOr<v1::ListEnrollmentTokensResponse> ListEnrollmentTokens(
      const v1::ListEnrollmentTokensRequest& r) override {
    return call_.Unary(*agents_, &v1::AgentAdminService::Stub::ListEnrollmentTokens, r);
  }
  absl::StatusOr<v1::RevokeEnrollmentTokenResponse> RevokeEnrollmentToken(
      const v1::RevokeEnrollmentTokenRequest& r) override {
    return call_.Unary(*agents_, &v1::AgentAdminService::Stub::RevokeEnrollmentToken, r);
  }
  absl::StatusOr<v1::RevokeAgentResponse> RevokeAgent(const v1::RevokeAgentRequest& r) override {
    return call_.Unary(*agents_, &v1::AgentAdminService::Stub::RevokeAgent, r);
  }
  absl::StatusOr<v1::DeviceInventory> GetDeviceInventory(
      const v1::GetDeviceInventoryRequest& r) override {
    return call_.Unary(*software_, &v1::SoftwareService::Stub::GetDeviceInventory, r);
  }
  absl::StatusOr<v1::ListSoftwareChangesResponse> ListSoftwareChanges(
      const v1::ListSoftwareChangesRequest& r) override {
    return call_.Unary(*software_, &v1::SoftwareService::Stub::ListSoftwareChanges, r);
  }
  absl::StatusOr<v1::ListStaleDevicesResponse> ListStaleDevices(
      const v1::ListStaleDevicesRequest& r) override {
    return call_.Unary(*software_, &v1::SoftwareService::Stub::ListStaleDevices, r);
  }
  absl::StatusOr<v1::SearchSoftwareResponse> SearchSoftware(
      const v1::SearchSoftwareRequest& r) override {
    return call_.Unary(*software_, &v1::SoftwareService::Stub::SearchSoftware, r);
  }

  absl::StatusOr<v1::CaseView> Onboard(const v1::OnboardRequest& r) override {
    return call_.Unary(*workflow_, &v1::WorkflowService::Stub::Onboard, r);
  }
  absl::StatusOr<v1::CaseView> Offboard(const v1::OffboardRequest& r) override {
    return call_.Unary(*workflow_, &v1::WorkflowService::Stub::Offboard, r);
  }
  absl::StatusOr<v1::CaseView> GetCase(const v1::GetCaseRequest& r) override {
    return call_.Unary(*workflow_, &v1::WorkflowService::Stub::GetCase, r);
  }
  absl::StatusOr<v1::ListCasesResponse> ListCases(const v1::ListCasesRequest& r) override {
    return call_.Unary(*workflow_, &v1::WorkflowService::Stub::ListCases, r);
  }
  absl::StatusOr<v1::ListTasksResponse> ListTasks(const v1::ListTasksRequest& r) override {
    return call_.Unary(*workflow_, &v1::WorkflowService::Stub::ListTasks, r);
  }
  absl::StatusOr<v1::Task> CreateTask(const v1::CreateTaskRequest& r) override {
    return call_.Unary(*workflow_, &v1::WorkflowService::Stub::CreateTask, r);
  }
  absl::StatusOr<v1::Task> UpdateTaskStatus(const v1::UpdateTaskStatusRequest& r) override {
    return call_.Unary(*workflow_, &v1::WorkflowService::Stub::UpdateTaskStatus, r);
  }
  absl::StatusOr<v1::ListFindingsResponse> ListFindings(const v1::ListFindingsRequest& r) override {
    return call_.Unary(*workflow_, &v1::WorkflowService::Stub::ListFindings, r);
  }

  absl::StatusOr<v1::LicenseReport> GetLicenseReport(const v1::LicenseReportRequest& r) override {
    return call_.Unary(*reports_, &v1::ReportService::Stub::GetLicenseReport, r);
  }
  absl::StatusOr<v1::RenewalReport> GetRenewalReport(const v1::RenewalReportRequest& r) override {
    return call_.Unary(*reports_, &v1::ReportService::Stub::GetRenewalReport, r);
  }
  absl::StatusOr<v1::CostReport> GetCostReport(const v1::CostReportRequest& r) override {
    return call_.Unary(*reports_, &v1::ReportService::Stub::GetCostReport, r);
  }
  absl::StatusOr<v1::OverlapReport> GetOverlapReport(const v1::OverlapReportRequest& r) override {
    return call_.Unary(*reports_, &v1::ReportService::Stub::GetOverlapReport, r);
  }
  absl::StatusOr<v1::ComplianceReport> GetComplianceReport(
      const v1::ComplianceReportRequest& r) override {
    return call_.Unary(*reports_, &v1::ReportService::Stub::GetComplianceReport, r);
  }
  absl::StatusOr<v1::SummaryReport> GetSummaryReport(const v1::SummaryReportRequest& r) override {
    return call_.Unary(*reports_, &v1::ReportService::Stub::GetSummaryReport, r);
  }
  absl::StatusOr<v1::ProductRule> CreateProductRule(
      const v1::CreateProductRuleRequest& r) override {
    return call_.Unary(*rules_, &v1::ProductRuleService::Stub::CreateProductRule, r);
  }
  absl::StatusOr<v1::ListProductRulesResponse> ListProductRules(
      const v1::ListProductRulesRequest& r) override {
    return call_.Unary(*rules_, &v1::ProductRuleService::Stub::ListProductRules, r);
  }
  absl::Status DeleteProductRule(const v1::DeleteProductRuleRequest& r) override {
    return call_.Unary(*rules_, &v1::ProductRuleService::Stub::DeleteProductRule, r).status();
  }

  absl::StatusOr<v1::Settings> GetSettings(const v1::GetSettingsRequest& r) override {
    return call_.Unary(*settings_, &v1::SettingsService::Stub::GetSettings, r);
  }
  absl::StatusOr<v1::Settings> UpdateSettings(const v1::UpdateSettingsRequest& r) override {
    return call_.Unary(*settings_, &v1::SettingsService::Stub::UpdateSettings, r);
  }

  absl::StatusOr<v1::NotificationSettings> GetNotificationSettings(
      const v1::GetNotificationSettingsRequest& r) override {
    return call_.Unary(*notify_, &v1::NotificationService::Stub::GetNotificationSettings, r);
  }
  absl::StatusOr<v1::NotificationSettings> UpdateNotificationSettings(
      const v1::UpdateNotificationSettingsRequest& r) override {
    return call_.Unary(*notify_, &v1::NotificationService::Stub::UpdateNotificationSettings, r);
  }
  absl::StatusOr<v1::ListNotificationsResponse> ListNotifications(
      const v1::ListNotificationsRequest& r) override {
    return call_.Unary(*notify_, &v1::NotificationService::Stub::ListNotifications, r);
  }
  absl::StatusOr<v1::PreviewNotificationsResponse> PreviewNotifications(
      const v1::PreviewNotificationsRequest& r) override {
    return call_.Unary(*notify_, &v1::NotificationService::Stub::PreviewNotifications, r);
  }
  absl::StatusOr<v1::Notification> SendTestNotification(
      const v1::SendTestNotificationRequest& r) override {
    return call_.Unary(*notify_, &v1::NotificationService::Stub::SendTestNotification, r);
  }
  absl::StatusOr<v1::AddWebhookResponse> AddWebhook(const v1::AddWebhookRequest& r) override {
    return call_.Unary(*notify_, &v1::NotificationService::Stub::AddWebhook, r);
  }
  absl::StatusOr<v1::ListWebhooksResponse> ListWebhooks(const v1::ListWebhooksRequest& r) override {
    return call_.Unary(*notify_, &v1::NotificationService::Stub::ListWebhooks, r);
  }
  absl::Status RemoveWebhook(const v1::RemoveWebhookRequest& r) override {
    return call_.Unary(*notify_, &v1::NotificationService::Stub::RemoveWebhook, r).status();
  }
  absl::StatusOr<v1::CalendarLink> CreateCalendarLink(
      const v1::CreateCalendarLinkRequest& r) override {
    return call_.Unary(*notify_, &v1::NotificationService::Stub::CreateCalendarLink, r);
  }
  absl::StatusOr<v1::RevokeCalendarLinksResponse> RevokeCalendarLinks(
      const v1::RevokeCalendarLinksRequest& r) override {
    return call_.Unary(*notify_, &v1::NotificationService::Stub::RevokeCalendarLinks, r);
  }
  absl::StatusOr<v1::Connection> Connect(const v1::ConnectRequest& r) override {
    return call_.Unary(*connections_, &v1::ConnectionService::Stub::Connect, r);
  }
  absl::StatusOr<v1::Connection> GetConnection(const v1::GetConnectionRequest& r) override {
    return call_.Unary(*connections_, &v1::ConnectionService::Stub::GetConnection, r);
  }
  absl::StatusOr<v1::TestConnectionResponse> TestConnection(
      const v1::TestConnectionRequest& r) override {
    return call_.Unary(*connections_, &v1::ConnectionService::Stub::TestConnection, r);
  }
  absl::StatusOr<v1::RemoveConnectionResponse> RemoveConnection(
      const v1::RemoveConnectionRequest& r) override {
    return call_.Unary(*connections_, &v1::ConnectionService::Stub::RemoveConnection, r);
  }
  absl::StatusOr<v1::RunConnectorsResponse> RunConnectors(
      const v1::RunConnectorsRequest& r) override {
    return call_.Unary(*connections_, &v1::ConnectionService::Stub::RunConnectors, r);
  }
  absl::StatusOr<v1::SyncConnectionResponse> SyncConnection(
      const v1::SyncConnectionRequest& r) override {
    return call_.Unary(*connections_, &v1::ConnectionService::Stub::SyncConnection, r);
  }
  absl::StatusOr<v1::ActivateAccountsResponse> ActivateAccounts(
      const v1::ActivateAccountsRequest& r) override {
    return call_.Unary(*connections_, &v1::ConnectionService::Stub::ActivateAccounts, r);
  }

 private:
  absl::StatusOr<ResourceCalls*> Resource(Kind kind) {
    auto it = resources_.find(kind);
    if (it == resources_.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", Spec(kind).collection, "' is not an inventory resource"));
    }
    return it->second.get();
  }

  GrpcCall call_;
  std::map<Kind, std::unique_ptr<ResourceCalls>> resources_;  // they use call_
  std::unique_ptr<v1::ImportService::Stub> import_;
  std::unique_ptr<v1::TokenService::Stub> tokens_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
  std::unique_ptr<v1::AgentAdminService::Stub> agents_;
  std::unique_ptr<v1::SoftwareService::Stub> software_;
  std::unique_ptr<v1::WorkflowService::Stub> workflow_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
  std::unique_ptr<v1::ProductRuleService::Stub> rules_;
  std::unique_ptr<v1::SettingsService::Stub> settings_;
  std::unique_ptr<v1::NotificationService::Stub> notify_;
  std::unique_ptr<v1::ConnectionService::Stub> connections_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Client>> ConnectGrpcClient(const ClientConfig& config) {
  if (config.server.empty()) {
    return absl::InvalidArgumentError(
        "no server given: pass --server, set BESTAND_SERVER or run 'bestand login'");
  }
  // gRPC aborts the process on header values outside printable ASCII; refuse them here.
  for (char c : config.token) {
    if (c < 0x21 || c > 0x7E) {
      return absl::InvalidArgumentError(
          "the token contains spaces, line breaks or non-ASCII characters; copy it again");
    }
  }
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (config.insecure) {
    creds = grpc::InsecureChannelCredentials();
  } else {
    if (config.ca_file.empty()) {
      return absl::InvalidArgumentError(
          "no CA certificate given: pass --ca DATA_DIR/ca.crt, set BESTAND_CA or run "
          "'bestand login'");
    }
    grpc::SslCredentialsOptions options;
    BESTAND_ASSIGN_OR_RETURN(options.pem_root_certs, ReadFileToString(config.ca_file));
    creds = grpc::SslCredentials(options);
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(17 * 1024 * 1024);
  args.SetMaxSendMessageSize(17 * 1024 * 1024);
  return std::unique_ptr<Client>(
      new GrpcClient(config, grpc::CreateCustomChannel(config.server, creds, args)));
}

}  // namespace bestand
