// The notification service: settings, the outbox, previews, test messages, webhooks and
// calendar links.
#include <memory>

#include "absl/status/status.h"
#include "bestand/v1/notify.grpc.pb.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "server/core/auth.h"
#include "server/core/notify/notifier.h"
#include "server/service/service_impl.h"
#include "server/service/unary.h"

namespace bestand {
namespace {

class NotificationServiceImpl final : public v1::NotificationService::CallbackService {
 public:
  explicit NotificationServiceImpl(const ServiceDeps& d) : d_(d) {}

  grpc::ServerUnaryReactor* GetNotificationSettings(grpc::CallbackServerContext* ctx,
                                                    const v1::GetNotificationSettingsRequest*,
                                                    v1::NotificationSettings* out) override {
    return Unary(d_, ctx, Permission::kWrite, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.notifier->GetSettings());
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* UpdateNotificationSettings(
      grpc::CallbackServerContext* ctx, const v1::UpdateNotificationSettingsRequest* req,
      v1::NotificationSettings* out) override {
    return Unary(d_, ctx, Permission::kAdmin, [&](const Principal& who) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.notifier->UpdateSettings(who.Actor(), *req));
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* ListNotifications(grpc::CallbackServerContext* ctx,
                                              const v1::ListNotificationsRequest* req,
                                              v1::ListNotificationsResponse* out) override {
    return Unary(d_, ctx, Permission::kWrite, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.notifier->List(*req));
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* PreviewNotifications(grpc::CallbackServerContext* ctx,
                                                 const v1::PreviewNotificationsRequest* req,
                                                 v1::PreviewNotificationsResponse* out) override {
    return Unary(d_, ctx, Permission::kWrite, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.notifier->Preview(*req));
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* SendTestNotification(grpc::CallbackServerContext* ctx,
                                                 const v1::SendTestNotificationRequest* req,
                                                 v1::Notification* out) override {
    return Unary(d_, ctx, Permission::kAdmin, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.notifier->SendTest(*req));
      return absl::OkStatus();
    });
  }

  grpc::ServerUnaryReactor* AddWebhook(grpc::CallbackServerContext* ctx,
                                       const v1::AddWebhookRequest* req,
                                       v1::AddWebhookResponse* out) override {
    return Unary(d_, ctx, Permission::kAdmin, [&](const Principal& who) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(Webhooks * hooks, WebhooksOf());
      BESTAND_ASSIGN_OR_RETURN(*out, hooks->Add(who.Actor(), *req));
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* ListWebhooks(grpc::CallbackServerContext* ctx,
                                         const v1::ListWebhooksRequest*,
                                         v1::ListWebhooksResponse* out) override {
    return Unary(d_, ctx, Permission::kWrite, [&](const Principal&) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(Webhooks * hooks, WebhooksOf());
      BESTAND_ASSIGN_OR_RETURN(*out, hooks->List());
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* RemoveWebhook(grpc::CallbackServerContext* ctx,
                                          const v1::RemoveWebhookRequest* req,
                                          v1::RemoveWebhookResponse*) override {
    return Unary(d_, ctx, Permission::kAdmin, [&](const Principal& who) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(Webhooks * hooks, WebhooksOf());
      return hooks->Remove(who.Actor(), *req);
    });
  }

  grpc::ServerUnaryReactor* CreateCalendarLink(grpc::CallbackServerContext* ctx,
                                               const v1::CreateCalendarLinkRequest* req,
                                               v1::CalendarLink* out) override {
    return Unary(d_, ctx, Permission::kWrite, [&](const Principal& who) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.calendars->CreateLink(who.Actor(), *req));
      return absl::OkStatus();
    });
  }
  grpc::ServerUnaryReactor* RevokeCalendarLinks(grpc::CallbackServerContext* ctx,
                                                const v1::RevokeCalendarLinksRequest* req,
                                                v1::RevokeCalendarLinksResponse* out) override {
    return Unary(d_, ctx, Permission::kWrite, [&](const Principal& who) -> absl::Status {
      BESTAND_ASSIGN_OR_RETURN(*out, d_.calendars->RevokeLinks(who.Actor(), *req));
      return absl::OkStatus();
    });
  }

 private:
  absl::StatusOr<Webhooks*> WebhooksOf() const {
    if (Webhooks* hooks = d_.notifier->webhooks()) return hooks;
    return absl::FailedPreconditionError("this server keeps no webhooks (no secrets key)");
  }

  ServiceDeps d_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeNotificationService(const ServiceDeps& deps) {
  return std::make_unique<NotificationServiceImpl>(deps);
}

}  // namespace bestand
