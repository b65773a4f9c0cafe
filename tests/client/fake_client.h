// FakeClient: a Client (client/client.h) that keeps the inventory in memory, for running the CLI
// (RunCli) without a server. Not a mock: the nine inventory kinds behave like a small server
// (names "{collection}/{id}" on create, lookup by name or natural key, lists in id order page by
// page, updates through their field mask); the other rpcs return what a test set for them.
// Every call is recorded, so a test can check what the CLI asked and how often.
//
// Copies share one state: the connector() hands RunCli a copy, the test inspects the original.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/client.h"
#include "common/resources.h"
#include "google/protobuf/message.h"

namespace bestand::testing {

// One call the fake received.
struct FakeCall {
  // The rpc: "Get people", "List devices", "Create accounts", "Update people", "Delete
  // licenseAssignments" for the inventory kinds (verb and collection), else the method's name
  // ("VerifyAudit", "WhoAmI", ...).
  std::string method;
  // The request in one-line text format: for List the kind's List request message
  // (`page_size: 1000 page_token: "2"`), for Get and Delete `name: "..."`, for Create the
  // resource, for Update the resource then ` update_mask { ... } force: false`.
  std::string request;
};

class FakeClient final : public Client {
 public:
  FakeClient();

  // ---- Setting up -----------------------------------------------------------------------------
  // Stores `resource` (of the kind's type) as the server would on create, without recording a
  // call; returns its name "{collection}/{id}", ids counting from 1 per kind.
  std::string Add(Kind kind, const google::protobuf::Message& resource);
  // The largest page List returns, whatever the request asks for (default 1,000).
  void set_max_page_size(int32_t size);
  // The answer of a non-inventory rpc, by method name ("VerifyAudit"); the response must be of
  // the method's response type.
  void SetResponse(const std::string& method, const google::protobuf::Message& response);
  // Makes every later call of `method` (a FakeCall::method: "List people", "VerifyAudit") fail
  // with `status`, recorded as a call all the same.
  void SetError(const std::string& method, absl::Status status);
  // Makes connector() fail with `status`.
  void set_connect_error(absl::Status status);

  // Makes clients sharing this fake's state; records each configuration it is given.
  Connector connector() const;

  // ---- Inspecting -----------------------------------------------------------------------------
  const std::vector<FakeCall>& calls() const;
  // The methods of calls(), in order.
  std::vector<std::string> methods() const;
  int CallCount(absl::string_view method) const;
  void ClearCalls();
  // The configurations connector() was given, in order.
  const std::vector<ClientConfig>& configs() const;
  // The stored resource `name` names ("{collection}/{id}" or natural key); nullptr for none.
  const google::protobuf::Message* Find(Kind kind, absl::string_view name) const;
  template <typename T>
  const T* FindAs(Kind kind, absl::string_view name) const {
    return google::protobuf::DynamicCastToGenerated<T>(Find(kind, name));
  }
  // How many resources of `kind` are stored.
  int Count(Kind kind) const;

  // ---- Client: inventory ----------------------------------------------------------------------
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Get(Kind kind,
                                                                 absl::string_view name) override;
  absl::StatusOr<ListPage> List(Kind kind, const ListRequest& request) override;
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Create(
      Kind kind, const google::protobuf::Message& resource) override;
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Update(
      Kind kind, const google::protobuf::Message& resource, const google::protobuf::FieldMask& mask,
      bool force) override;
  absl::Status Delete(Kind kind, absl::string_view name) override;
  // The canned "ImportCsv" response, also passed to `progress` once.
  absl::StatusOr<v1::ImportCsvProgress> ImportCsv(
      const v1::ImportCsvRequest& request,
      const std::function<void(const v1::ImportCsvProgress&)>& progress) override;

  // ---- Client: the rest, canned ---------------------------------------------------------------
#define BESTAND_FAKE_RPC(Method, Response, Request)                  \
  absl::StatusOr<Response> Method(const Request& request) override { \
    Response out;                                                    \
    absl::Status s = Canned(#Method, request, &out);                 \
    if (!s.ok()) return s;                                           \
    return out;                                                      \
  }
  BESTAND_FAKE_RPC(CreateToken, v1::CreateTokenResponse, v1::CreateTokenRequest)
  BESTAND_FAKE_RPC(ListTokens, v1::ListTokensResponse, v1::ListTokensRequest)
  BESTAND_FAKE_RPC(RevokeToken, v1::Token, v1::RevokeTokenRequest)
  BESTAND_FAKE_RPC(WhoAmI, v1::WhoAmIResponse, v1::WhoAmIRequest)
  BESTAND_FAKE_RPC(ListAuditEvents, v1::ListAuditEventsResponse, v1::ListAuditEventsRequest)
  BESTAND_FAKE_RPC(VerifyAudit, v1::VerifyAuditResponse, v1::VerifyAuditRequest)
  BESTAND_FAKE_RPC(CreateEnrollmentToken, v1::CreateEnrollmentTokenResponse,
                   v1::CreateEnrollmentTokenRequest)
  BESTAND_FAKE_RPC(ListEnrollmentTokens, v1::ListEnrollmentTokensResponse,
                   v1::ListEnrollmentTokensRequest)
  BESTAND_FAKE_RPC(RevokeEnrollmentToken, v1::RevokeEnrollmentTokenResponse,
                   v1::RevokeEnrollmentTokenRequest)
  BESTAND_FAKE_RPC(RevokeAgent, v1::RevokeAgentResponse, v1::RevokeAgentRequest)
  BESTAND_FAKE_RPC(GetDeviceInventory, v1::DeviceInventory, v1::GetDeviceInventoryRequest)
  BESTAND_FAKE_RPC(ListSoftwareChanges, v1::ListSoftwareChangesResponse,
                   v1::ListSoftwareChangesRequest)
  BESTAND_FAKE_RPC(ListStaleDevices, v1::ListStaleDevicesResponse, v1::ListStaleDevicesRequest)
  BESTAND_FAKE_RPC(SearchSoftware, v1::SearchSoftwareResponse, v1::SearchSoftwareRequest)
  BESTAND_FAKE_RPC(Onboard, v1::CaseView, v1::OnboardRequest)
  BESTAND_FAKE_RPC(Offboard, v1::CaseView, v1::OffboardRequest)
  BESTAND_FAKE_RPC(GetCase, v1::CaseView, v1::GetCaseRequest)
  BESTAND_FAKE_RPC(ListCases, v1::ListCasesResponse, v1::ListCasesRequest)
  BESTAND_FAKE_RPC(ListTasks, v1::ListTasksResponse, v1::ListTasksRequest)
  BESTAND_FAKE_RPC(CreateTask, v1::Task, v1::CreateTaskRequest)
  BESTAND_FAKE_RPC(UpdateTaskStatus, v1::Task, v1::UpdateTaskStatusRequest)
  BESTAND_FAKE_RPC(ListFindings, v1::ListFindingsResponse, v1::ListFindingsRequest)
  BESTAND_FAKE_RPC(GetLicenseReport, v1::LicenseReport, v1::LicenseReportRequest)
  BESTAND_FAKE_RPC(GetRenewalReport, v1::RenewalReport, v1::RenewalReportRequest)
  BESTAND_FAKE_RPC(GetCostReport, v1::CostReport, v1::CostReportRequest)
  BESTAND_FAKE_RPC(GetOverlapReport, v1::OverlapReport, v1::OverlapReportRequest)
  BESTAND_FAKE_RPC(GetComplianceReport, v1::ComplianceReport, v1::ComplianceReportRequest)
  BESTAND_FAKE_RPC(GetSummaryReport, v1::SummaryReport, v1::SummaryReportRequest)
  BESTAND_FAKE_RPC(CreateProductRule, v1::ProductRule, v1::CreateProductRuleRequest)
  BESTAND_FAKE_RPC(ListProductRules, v1::ListProductRulesResponse, v1::ListProductRulesRequest)
  BESTAND_FAKE_RPC(GetSettings, v1::Settings, v1::GetSettingsRequest)
  BESTAND_FAKE_RPC(UpdateSettings, v1::Settings, v1::UpdateSettingsRequest)
  BESTAND_FAKE_RPC(GetNotificationSettings, v1::NotificationSettings,
                   v1::GetNotificationSettingsRequest)
  BESTAND_FAKE_RPC(UpdateNotificationSettings, v1::NotificationSettings,
                   v1::UpdateNotificationSettingsRequest)
  BESTAND_FAKE_RPC(ListNotifications, v1::ListNotificationsResponse, v1::ListNotificationsRequest)
  BESTAND_FAKE_RPC(PreviewNotifications, v1::PreviewNotificationsResponse,
                   v1::PreviewNotificationsRequest)
  BESTAND_FAKE_RPC(SendTestNotification, v1::Notification, v1::SendTestNotificationRequest)
  BESTAND_FAKE_RPC(CreateCalendarLink, v1::CalendarLink, v1::CreateCalendarLinkRequest)
  BESTAND_FAKE_RPC(RevokeCalendarLinks, v1::RevokeCalendarLinksResponse,
                   v1::RevokeCalendarLinksRequest)
  BESTAND_FAKE_RPC(AddWebhook, v1::AddWebhookResponse, v1::AddWebhookRequest)
  BESTAND_FAKE_RPC(ListWebhooks, v1::ListWebhooksResponse, v1::ListWebhooksRequest)
  BESTAND_FAKE_RPC(Connect, v1::Connection, v1::ConnectRequest)
  BESTAND_FAKE_RPC(GetConnection, v1::Connection, v1::GetConnectionRequest)
  BESTAND_FAKE_RPC(TestConnection, v1::TestConnectionResponse, v1::TestConnectionRequest)
  BESTAND_FAKE_RPC(RemoveConnection, v1::RemoveConnectionResponse, v1::RemoveConnectionRequest)
  BESTAND_FAKE_RPC(RunConnectors, v1::RunConnectorsResponse, v1::RunConnectorsRequest)
  BESTAND_FAKE_RPC(SyncConnection, v1::SyncConnectionResponse, v1::SyncConnectionRequest)
  BESTAND_FAKE_RPC(ActivateAccounts, v1::ActivateAccountsResponse, v1::ActivateAccountsRequest)
#undef BESTAND_FAKE_RPC
  absl::Status DeleteProductRule(const v1::DeleteProductRuleRequest& request) override;
  absl::Status RemoveWebhook(const v1::RemoveWebhookRequest& request) override;

 private:
  struct State;
  explicit FakeClient(std::shared_ptr<State> state) : state_(std::move(state)) {}

  // Records the call; its error if one is set.
  absl::Status Record(const std::string& method, const std::string& request);
  // Records the call, then sets `response` to the canned one: the error set for `method`, or
  // UNIMPLEMENTED naming it when neither is set.
  absl::Status Canned(const std::string& method, const google::protobuf::Message& request,
                      google::protobuf::Message* response);

  std::shared_ptr<State> state_;
};

}  // namespace bestand::testing
