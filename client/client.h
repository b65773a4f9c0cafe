// Client: what the CLI asks of a Bestand server, one method per rpc it uses. GrpcClient
// (grpc_client.h) implements it over the generated stubs; tests use a fake.
//
// Every method returns the server's answer or its error status with the server's message
// (NOT_FOUND "person 'x' not found", ...); UNAVAILABLE and DEADLINE_EXCEEDED name the server.
// An implementation is used by one thread at a time.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "bestand/v1/agent.pb.h"
#include "bestand/v1/audit.pb.h"
#include "bestand/v1/auth.pb.h"
#include "bestand/v1/connect.pb.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/notify.pb.h"
#include "bestand/v1/report.pb.h"
#include "bestand/v1/settings.pb.h"
#include "bestand/v1/workflow.pb.h"
#include "common/resources.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"

namespace bestand {

struct ClientConfig {
  // "host:port".
  std::string server = "127.0.0.1:8443";
  // PEM file of the CA that signed the server certificate (the server's data-dir/ca.crt).
  std::string ca_file;
  std::string token;
  // Plaintext, for a server started with --insecure.
  bool insecure = false;
  // The deadline of each call (an import gets ten times as long).
  absl::Duration timeout = absl::Seconds(30);
};

// One page of an inventory List request.
struct ListRequest {
  // Filters: fields of the kind's List request message ("department", "status", "query", ...)
  // with their values as text (enums by name, references by name or natural key).
  std::vector<std::pair<std::string, std::string>> filters;
  int32_t page_size = 0;  // 0: the server's default (100); at most 1,000
  std::string page_token;
};

struct ListPage {
  // Messages of the kind's resource type, in the server's order (by id).
  std::vector<std::unique_ptr<google::protobuf::Message>> items;
  std::string next_page_token;  // empty on the last page
};

class Client {
 public:
  virtual ~Client() = default;

  // ---- Inventory resources --------------------------------------------------------------------
  // `kind` is one of the nine inventory kinds (kPerson ... kTemplateItem); resource messages are
  // of the kind's type (Spec(kind).descriptor: v1::Person for kPerson, ...). A message of another
  // type or another kind is INVALID_ARGUMENT, without a call.

  // `name`: "{collection}/{id}" or a natural key (email, asset tag, serial number, name).
  virtual absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Get(
      Kind kind, absl::string_view name) = 0;
  // INVALID_ARGUMENT naming the filter when the kind's List request has no such field or the
  // value does not parse.
  virtual absl::StatusOr<ListPage> List(Kind kind, const ListRequest& request) = 0;
  // Returns the created resource as stored.
  virtual absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Create(
      Kind kind, const google::protobuf::Message& resource) = 0;
  // Changes the fields in `mask` of the resource `resource.name` names; `force` where the
  // request has it (a license's seats below those assigned), else ignored.
  virtual absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Update(
      Kind kind, const google::protobuf::Message& resource, const google::protobuf::FieldMask& mask,
      bool force) = 0;
  virtual absl::Status Delete(Kind kind, absl::string_view name) = 0;

  // Runs a CSV or inventory-file import, calling `progress` (may be empty) for each progress
  // message; returns the final one. INTERNAL when the server ends without a summary.
  virtual absl::StatusOr<v1::ImportCsvProgress> ImportCsv(
      const v1::ImportCsvRequest& request,
      const std::function<void(const v1::ImportCsvProgress&)>& progress) = 0;

  // ---- TokenService ---------------------------------------------------------------------------
  virtual absl::StatusOr<v1::CreateTokenResponse> CreateToken(const v1::CreateTokenRequest&) = 0;
  virtual absl::StatusOr<v1::ListTokensResponse> ListTokens(const v1::ListTokensRequest&) = 0;
  virtual absl::StatusOr<v1::Token> RevokeToken(const v1::RevokeTokenRequest&) = 0;
  virtual absl::StatusOr<v1::WhoAmIResponse> WhoAmI(const v1::WhoAmIRequest&) = 0;

  // ---- AuditService ---------------------------------------------------------------------------
  virtual absl::StatusOr<v1::ListAuditEventsResponse> ListAuditEvents(
      const v1::ListAuditEventsRequest&) = 0;
  virtual absl::StatusOr<v1::VerifyAuditResponse> VerifyAudit(const v1::VerifyAuditRequest&) = 0;

  // ---- AgentAdminService and SoftwareService --------------------------------------------------
  virtual absl::StatusOr<v1::CreateEnrollmentTokenResponse> CreateEnrollmentToken(
      const v1::CreateEnrollmentTokenRequest&) = 0;
  virtual absl::StatusOr<v1::ListEnrollmentTokensResponse> ListEnrollmentTokens(
      const v1::ListEnrollmentTokensRequest&) = 0;
  virtual absl::StatusOr<v1::RevokeEnrollmentTokenResponse> RevokeEnrollmentToken(
      const v1::RevokeEnrollmentTokenRequest&) = 0;
  virtual absl::StatusOr<v1::RevokeAgentResponse> RevokeAgent(const v1::RevokeAgentRequest&) = 0;
  virtual absl::StatusOr<v1::DeviceInventory> GetDeviceInventory(
      const v1::GetDeviceInventoryRequest&) = 0;
  virtual absl::StatusOr<v1::ListSoftwareChangesResponse> ListSoftwareChanges(
      const v1::ListSoftwareChangesRequest&) = 0;
  virtual absl::StatusOr<v1::ListStaleDevicesResponse> ListStaleDevices(
      const v1::ListStaleDevicesRequest&) = 0;
  virtual absl::StatusOr<v1::SearchSoftwareResponse> SearchSoftware(
      const v1::SearchSoftwareRequest&) = 0;

  // ---- WorkflowService ------------------------------------------------------------------------
  virtual absl::StatusOr<v1::CaseView> Onboard(const v1::OnboardRequest&) = 0;
  virtual absl::StatusOr<v1::CaseView> Offboard(const v1::OffboardRequest&) = 0;
  virtual absl::StatusOr<v1::CaseView> GetCase(const v1::GetCaseRequest&) = 0;
  virtual absl::StatusOr<v1::ListCasesResponse> ListCases(const v1::ListCasesRequest&) = 0;
  virtual absl::StatusOr<v1::ListTasksResponse> ListTasks(const v1::ListTasksRequest&) = 0;
  virtual absl::StatusOr<v1::Task> CreateTask(const v1::CreateTaskRequest&) = 0;
  virtual absl::StatusOr<v1::Task> UpdateTaskStatus(const v1::UpdateTaskStatusRequest&) = 0;
  virtual absl::StatusOr<v1::ListFindingsResponse> ListFindings(const v1::ListFindingsRequest&) = 0;

  // ---- ReportService and ProductRuleService ---------------------------------------------------
  virtual absl::StatusOr<v1::LicenseReport> GetLicenseReport(const v1::LicenseReportRequest&) = 0;
  virtual absl::StatusOr<v1::RenewalReport> GetRenewalReport(const v1::RenewalReportRequest&) = 0;
  virtual absl::StatusOr<v1::CostReport> GetCostReport(const v1::CostReportRequest&) = 0;
  virtual absl::StatusOr<v1::OverlapReport> GetOverlapReport(const v1::OverlapReportRequest&) = 0;
  virtual absl::StatusOr<v1::ComplianceReport> GetComplianceReport(
      const v1::ComplianceReportRequest&) = 0;
  virtual absl::StatusOr<v1::SummaryReport> GetSummaryReport(const v1::SummaryReportRequest&) = 0;
  virtual absl::StatusOr<v1::ProductRule> CreateProductRule(
      const v1::CreateProductRuleRequest&) = 0;
  virtual absl::StatusOr<v1::ListProductRulesResponse> ListProductRules(
      const v1::ListProductRulesRequest&) = 0;
  virtual absl::Status DeleteProductRule(const v1::DeleteProductRuleRequest&) = 0;

  // ---- SettingsService ------------------------------------------------------------------------
  virtual absl::StatusOr<v1::Settings> GetSettings(const v1::GetSettingsRequest&) = 0;
  virtual absl::StatusOr<v1::Settings> UpdateSettings(const v1::UpdateSettingsRequest&) = 0;

  // ---- NotificationService --------------------------------------------------------------------
  virtual absl::StatusOr<v1::NotificationSettings> GetNotificationSettings(
      const v1::GetNotificationSettingsRequest&) = 0;
  virtual absl::StatusOr<v1::NotificationSettings> UpdateNotificationSettings(
      const v1::UpdateNotificationSettingsRequest&) = 0;
  virtual absl::StatusOr<v1::ListNotificationsResponse> ListNotifications(
      const v1::ListNotificationsRequest&) = 0;
  virtual absl::StatusOr<v1::PreviewNotificationsResponse> PreviewNotifications(
      const v1::PreviewNotificationsRequest&) = 0;
  virtual absl::StatusOr<v1::Notification> SendTestNotification(
      const v1::SendTestNotificationRequest&) = 0;
  virtual absl::StatusOr<v1::CalendarLink> CreateCalendarLink(
      const v1::CreateCalendarLinkRequest&) = 0;
  virtual absl::StatusOr<v1::RevokeCalendarLinksResponse> RevokeCalendarLinks(
      const v1::RevokeCalendarLinksRequest&) = 0;
  virtual absl::StatusOr<v1::AddWebhookResponse> AddWebhook(const v1::AddWebhookRequest&) = 0;
  virtual absl::StatusOr<v1::ListWebhooksResponse> ListWebhooks(const v1::ListWebhooksRequest&) = 0;
  virtual absl::Status RemoveWebhook(const v1::RemoveWebhookRequest&) = 0;
  virtual absl::StatusOr<v1::Connection> Connect(const v1::ConnectRequest&) = 0;
  virtual absl::StatusOr<v1::Connection> GetConnection(const v1::GetConnectionRequest&) = 0;
  virtual absl::StatusOr<v1::TestConnectionResponse> TestConnection(
      const v1::TestConnectionRequest&) = 0;
  virtual absl::StatusOr<v1::RemoveConnectionResponse> RemoveConnection(
      const v1::RemoveConnectionRequest&) = 0;
  virtual absl::StatusOr<v1::RunConnectorsResponse> RunConnectors(
      const v1::RunConnectorsRequest&) = 0;
  virtual absl::StatusOr<v1::SyncConnectionResponse> SyncConnection(
      const v1::SyncConnectionRequest&) = 0;
  virtual absl::StatusOr<v1::ActivateAccountsResponse> ActivateAccounts(
      const v1::ActivateAccountsRequest&) = 0;
};

// Makes the client a command talks to; main wires GrpcClient::Connect, tests a fake.
using Connector = std::function<absl::StatusOr<std::unique_ptr<Client>>(const ClientConfig&)>;

}  // namespace bestand
