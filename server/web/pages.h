// The data of each page of the web interface, from the same core calls the gRPC services make
// (reports, inventory, audit log): no rule is computed twice. Texts come from the catalog in
// the reader's language; the web server checks the role before it calls any of these.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/i18n/catalog.h"
#include "server/core/audit_log.h"
#include "server/core/auth.h"
#include "server/core/connectors/connectors.h"
#include "server/core/fleet.h"
#include "server/core/inventory.h"
#include "server/core/notify/calendar.h"
#include "server/core/reports.h"
#include "server/core/workflow.h"
#include "server/web/render.h"

namespace bestand {

// What the pages read from; each must outlive the web server.
struct WebCore {
  TokenManager* tokens = nullptr;
  Inventory* inventory = nullptr;
  Reports* reports = nullptr;
  AuditLog* audit = nullptr;
  Workflow* workflow = nullptr;
  Fleet* fleet = nullptr;
  Calendars* calendars = nullptr;    // serves the calendar feeds
  Connectors* connectors = nullptr;  // nullptr: no application is connected
};

// Deadlines within this many days are on the dashboard.
inline constexpr int kDashboardDeadlineDays = 90;

// The request of the dashboard's summary report.
v1::SummaryReportRequest DashboardRequest();
PageData DashboardPage(const v1::SummaryReport& r, const Messages& m);
PageData LicensesPage(const v1::LicenseReport& r, const Messages& m);
// People whose name or email contains `query`, 100 a page from `page_token`. Onboarding is
// offered to `who` when their role may change the inventory, with the role templates there are.
absl::StatusOr<PageData> PeoplePage(const WebCore& core, const Messages& m, const Principal& who,
                                    absl::string_view query, absl::string_view page_token);
// `person` is "people/{id}"; NOT_FOUND when there is none. Offboarding is offered to `who`
// when their role may change the inventory.
absl::StatusOr<PageData> PersonPage(const WebCore& core, const Messages& m, const Principal& who,
                                    absl::string_view person);
// Adds to a person's page what ActivateAccounts did (`done`), with the one-time passwords: the
// page answering the POST shows them once.
void SetActivated(PageData& page, const WebCore& core, const Messages& m,
                  const v1::ActivateAccountsResponse& done);

// Devices whose asset tag, serial number, model or host name contains `query`, 100 a page.
absl::StatusOr<PageData> DevicesPage(const WebCore& core, const Messages& m,
                                     absl::string_view query, absl::string_view page_token);
// `device` is "devices/{id}": its record, the hardware last reported, kSoftwarePerPage of the
// packages whose name contains `software_query` from the `software_from`th, and its newest
// kHistoryEntries software changes and audit events. NOT_FOUND when there is none.
inline constexpr int kSoftwarePerPage = 250;
inline constexpr int kHistoryEntries = 100;
absl::StatusOr<PageData> DevicePage(const WebCore& core, const Messages& m,
                                    absl::string_view device, absl::string_view software_query,
                                    int software_from);

// Applications and vendors, at most kCatalogRows of each (the page says when there are more).
inline constexpr int kCatalogRows = 1000;
absl::StatusOr<PageData> ApplicationsPage(const WebCore& core, const Messages& m);
// The renewals page looks this many days ahead.
inline constexpr int kRenewalsDays = 365;
// The renewal report as a timeline: missed deadlines, then one group per month with its total
// of next terms per currency.
absl::StatusOr<PageData> RenewalsPage(const v1::RenewalReport& r, const Messages& m);
// Risky access: the findings by kind.
absl::StatusOr<PageData> FindingsPage(const WebCore& core, const Messages& m);
// The audit trail, newest first, kAuditPerPage a page from `page_token`; with `verify`, the
// result of verifying the whole chain and its head.
inline constexpr int kAuditPerPage = 100;
absl::StatusOr<PageData> AuditPage(const WebCore& core, const Messages& m,
                                   absl::string_view page_token, bool verify);

// The tasks `who` may see (a vendor: its own), kTasksPerPage a page from `page_token`, by
// provider, overdue first. `show` is "open" (the default), "overdue", "done" or "all".
inline constexpr int kTasksPerPage = 100;
absl::StatusOr<PageData> TasksPage(const WebCore& core, const Messages& m, const Principal& who,
                                   absl::string_view show, absl::string_view page_token);
// The open tasks `who` may see as CSV (locale-neutral: ISO dates, status names), for providers
// to take into their own ticket systems; at most kTasksPerList (as on the person page).
inline constexpr int kTasksPerList = 1000;
absl::StatusOr<std::string> TasksCsv(const WebCore& core, const Principal& who);

}  // namespace bestand
