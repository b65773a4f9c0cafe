// The outbox, the webhooks and the calendar links (store.h) in SQL: what
// SqliteTx's methods for them run on its connection.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/storage/sqlite/connection.h"
#include "server/storage/store.h"

namespace bestand::sqlite {

absl::StatusOr<std::vector<OutboxRecord>> ListOutbox(Connection& conn, const OutboxQuery& q);
absl::StatusOr<std::vector<OutboxRecord>> DueOutbox(Connection& conn, int64_t now_micros,
                                                    int limit);
absl::StatusOr<bool> OutboxHas(Connection& conn, absl::string_view key,
                               absl::string_view recipient);
absl::StatusOr<int64_t> InsertOutbox(Connection& conn, const OutboxRecord& r);
absl::Status UpdateOutbox(Connection& conn, const OutboxRecord& r);

absl::StatusOr<std::optional<WebhookRecord>> GetWebhook(Connection& conn, int64_t id);
absl::StatusOr<std::vector<WebhookRecord>> ListWebhooks(Connection& conn);
absl::StatusOr<int64_t> InsertWebhook(Connection& conn, const WebhookRecord& r);
absl::StatusOr<bool> RemoveWebhook(Connection& conn, int64_t id, int64_t micros);

absl::StatusOr<std::vector<CalendarLinkRecord>> ListCalendarLinks(Connection& conn,
                                                                  int64_t person_id);
absl::StatusOr<std::optional<CalendarLinkRecord>> FindCalendarLink(Connection& conn,
                                                                   absl::string_view sha256);
absl::StatusOr<int64_t> InsertCalendarLink(Connection& conn, const CalendarLinkRecord& r);
absl::StatusOr<int> RevokeCalendarLinks(Connection& conn, int64_t person_id, int64_t micros);

}  // namespace bestand::sqlite
