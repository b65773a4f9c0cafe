// The resource services, one per kind of inventory record, and the import service.
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bestand/v1/inventory.grpc.pb.h"
#include "bestand/v1/report.grpc.pb.h"
#include "bestand/v1/workflow.grpc.pb.h"
#include "common/resources.h"
#include "common/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "server/core/auth.h"
#include "server/core/fleet.h"
#include "server/core/inventory.h"
#include "server/imports/directory_import.h"
#include "server/imports/glpi_inventory.h"
#include "server/imports/resource_csv.h"
#include "server/service/service_impl.h"
#include "server/service/unary.h"

namespace bestand {
namespace {

// The options an Update request carries: its `force` field, where it has one.
UpdateOptions UpdateOptionsOf(const google::protobuf::Message& request) {
  const google::protobuf::FieldDescriptor* force =
      request.GetDescriptor()->FindFieldByName("force");
  return {.force = force != nullptr && request.GetReflection()->GetBool(request, force)};
}

// One resource service: Get/List/Create/Update/Delete mapped onto the generic Inventory.
#define BESTAND_RESOURCE_SERVICE(Service, Res, Plural, field, kind)                               \
  class Service##Impl final : public v1::Service::CallbackService {                               \
   public:                                                                                        \
    explicit Service##Impl(const ServiceDeps& d) : d_(d) {}                                       \
    grpc::ServerUnaryReactor* Get##Res(grpc::CallbackServerContext* ctx,                          \
                                       const v1::Get##Res##Request* req, v1::Res* out) override { \
      return Unary(d_, ctx, Permission::kRead,                                                    \
                   [&](const Principal&) { return d_.inventory->Get(kind, req->name(), out); });  \
    }                                                                                             \
    grpc::ServerUnaryReactor* List##Plural(grpc::CallbackServerContext* ctx,                      \
                                           const v1::List##Plural##Request* req,                  \
                                           v1::List##Plural##Response* out) override {            \
      return Unary(d_, ctx, Permission::kRead,                                                    \
                   [&](const Principal&) { return d_.inventory->List(kind, *req, out); });        \
    }                                                                                             \
    grpc::ServerUnaryReactor* Create##Res(grpc::CallbackServerContext* ctx,                       \
                                          const v1::Create##Res##Request* req,                    \
                                          v1::Res* out) override {                                \
      return Unary(d_, ctx, Permission::kWrite, [&](const Principal& who) {                       \
        return d_.inventory->Create(who.Actor(), kind, req->field(), out);                        \
      });                                                                                         \
    }                                                                                             \
    grpc::ServerUnaryReactor* Update##Res(grpc::CallbackServerContext* ctx,                       \
                                          const v1::Update##Res##Request* req,                    \
                                          v1::Res* out) override {                                \
      return Unary(d_, ctx, Permission::kWrite, [&](const Principal& who) {                       \
        return d_.inventory->Update(who.Actor(), kind, req->field(), req->update_mask(), out,     \
                                    UpdateOptionsOf(*req));                                       \
      });                                                                                         \
    }                                                                                             \
    grpc::ServerUnaryReactor* Delete##Res(grpc::CallbackServerContext* ctx,                       \
                                          const v1::Delete##Res##Request* req,                    \
                                          google::protobuf::Empty*) override {                    \
      return Unary(d_, ctx, Permission::kWrite, [&](const Principal& who) {                       \
        return d_.inventory->Delete(who.Actor(), kind, req->name());                              \
      });                                                                                         \
    }                                                                                             \
                                                                                                  \
   private:                                                                                       \
    ServiceDeps d_;                                                                               \
  }

BESTAND_RESOURCE_SERVICE(PersonService, Person, People, person, Kind::kPerson);
BESTAND_RESOURCE_SERVICE(DeviceService, Device, Devices, device, Kind::kDevice);
BESTAND_RESOURCE_SERVICE(ApplicationService, Application, Applications, application,
                         Kind::kApplication);
BESTAND_RESOURCE_SERVICE(VendorService, Vendor, Vendors, vendor, Kind::kVendor);
BESTAND_RESOURCE_SERVICE(AccountService, Account, Accounts, account, Kind::kAccount);
BESTAND_RESOURCE_SERVICE(AccessGrantService, AccessGrant, AccessGrants, access_grant,
                         Kind::kAccessGrant);
BESTAND_RESOURCE_SERVICE(LicenseService, License, Licenses, license, Kind::kLicense);
BESTAND_RESOURCE_SERVICE(LicenseAssignmentService, LicenseAssignment, LicenseAssignments,
                         license_assignment, Kind::kLicenseAssignment);
BESTAND_RESOURCE_SERVICE(TemplateItemService, TemplateItem, TemplateItems, template_item,
                         Kind::kTemplateItem);
BESTAND_RESOURCE_SERVICE(ProductRuleService, ProductRule, ProductRules, product_rule,
                         Kind::kProductRule);
#undef BESTAND_RESOURCE_SERVICE

// Streams import progress while a worker thread runs the import.
class ImportReactor final : public grpc::ServerWriteReactor<v1::ImportCsvProgress> {
 public:
  ImportReactor(const ServiceDeps& d, grpc::CallbackServerContext* ctx,
                const v1::ImportCsvRequest* req) {
    Principal who;
    absl::Status s = Check(d, ctx, Permission::kWrite, &who);
    if (!s.ok()) {
      Finish(ToGrpcStatus(s));
      return;
    }
    worker_ = std::thread([this, d, ctx, req, actor = who.Actor()] {
      absl::StatusOr<v1::ImportCsvProgress> summary = Import(d, ctx, *req, actor);
      if (summary.ok()) {
        summary->set_done(true);
        Send(*std::move(summary));
      }
      std::lock_guard lock(mu_);
      final_ = ToGrpcStatus(summary.status());
      worker_done_ = true;
      if (!writing_) Finish(final_);
    });
  }

  // Runs the import the request names, streaming progress; returns the last message.
  absl::StatusOr<v1::ImportCsvProgress> Import(const ServiceDeps& d,
                                               grpc::CallbackServerContext* ctx,
                                               const v1::ImportCsvRequest& req,
                                               const std::string& actor) {
    v1::ImportCsvProgress p;
    if (req.collection() == "glpi" || req.collection() == "fusion") {
      BESTAND_ASSIGN_OR_RETURN(v1::InventoryReport report,
                               req.collection() == "glpi" ? ParseGlpiInventory(req.content())
                                                          : ParseFusionInventory(req.content()));
      BESTAND_ASSIGN_OR_RETURN(InventoryImport imported,
                               d.fleet->ImportInventory(actor, report, req.dry_run()));
      p.set_rows_done(1);
      p.set_rows_total(1);
      p.set_created(imported.created);
      p.set_updated(!imported.created);
      p.set_device(imported.device);
      p.set_software_changes(imported.changes);
      return p;
    }
    BESTAND_ASSIGN_OR_RETURN(
        ImportResult r,
        IsDirectoryFormat(req.collection())
            ? ImportDirectoryExport(*d.inventory, actor, req.collection(), req.content(),
                                    req.dry_run(), req.mark_missing_deleted())
            : ImportResourceCsv(
                  *d.inventory, actor, req.collection(), req.content(), req.dry_run(),
                  [this](int64_t done, int64_t total) {
                    v1::ImportCsvProgress progress;
                    progress.set_rows_done(done);
                    progress.set_rows_total(total);
                    Send(std::move(progress));
                  },
                  500, [ctx] { return ctx->IsCancelled(); }));
    p.set_rows_done(r.rows);
    p.set_rows_total(r.rows);
    p.set_created(r.created);
    p.set_updated(r.updated);
    p.set_unchanged(r.unchanged);
    for (std::string& m : r.missing) p.add_missing(std::move(m));
    p.set_deleted(r.deleted);
    return p;
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    queue_.pop_front();
    if (!ok) {
      broken_ = true;  // the client went away; the import still completes or rolls back
      queue_.clear();
    }
    if (!queue_.empty()) {
      StartWrite(&queue_.front());
      return;
    }
    writing_ = false;
    if (worker_done_) Finish(final_);
  }

  void OnDone() override {
    if (worker_.joinable()) worker_.join();
    delete this;
  }

 private:
  void Send(v1::ImportCsvProgress p) {
    std::lock_guard lock(mu_);
    if (broken_) return;
    queue_.push_back(std::move(p));  // deque: references to queued elements stay valid
    if (!writing_) {
      writing_ = true;
      StartWrite(&queue_.front());
    }
  }

  std::mutex mu_;
  std::deque<v1::ImportCsvProgress> queue_;
  bool writing_ = false;
  bool broken_ = false;
  bool worker_done_ = false;
  grpc::Status final_;
  std::thread worker_;
};

class ImportServiceImpl final : public v1::ImportService::CallbackService {
 public:
  explicit ImportServiceImpl(const ServiceDeps& d) : d_(d) {}
  grpc::ServerWriteReactor<v1::ImportCsvProgress>* ImportCsv(
      grpc::CallbackServerContext* ctx, const v1::ImportCsvRequest* req) override {
    return new ImportReactor(d_, ctx, req);
  }

 private:
  ServiceDeps d_;
};
}  // namespace

std::unique_ptr<grpc::Service> MakePersonService(const ServiceDeps& deps) {
  return std::make_unique<PersonServiceImpl>(deps);
}
std::unique_ptr<grpc::Service> MakeDeviceService(const ServiceDeps& deps) {
  return std::make_unique<DeviceServiceImpl>(deps);
}
std::unique_ptr<grpc::Service> MakeApplicationService(const ServiceDeps& deps) {
  return std::make_unique<ApplicationServiceImpl>(deps);
}
std::unique_ptr<grpc::Service> MakeVendorService(const ServiceDeps& deps) {
  return std::make_unique<VendorServiceImpl>(deps);
}
std::unique_ptr<grpc::Service> MakeAccountService(const ServiceDeps& deps) {
  return std::make_unique<AccountServiceImpl>(deps);
}
std::unique_ptr<grpc::Service> MakeAccessGrantService(const ServiceDeps& deps) {
  return std::make_unique<AccessGrantServiceImpl>(deps);
}
std::unique_ptr<grpc::Service> MakeLicenseService(const ServiceDeps& deps) {
  return std::make_unique<LicenseServiceImpl>(deps);
}
std::unique_ptr<grpc::Service> MakeLicenseAssignmentService(const ServiceDeps& deps) {
  return std::make_unique<LicenseAssignmentServiceImpl>(deps);
}
std::unique_ptr<grpc::Service> MakeTemplateItemService(const ServiceDeps& deps) {
  return std::make_unique<TemplateItemServiceImpl>(deps);
}
std::unique_ptr<grpc::Service> MakeProductRuleService(const ServiceDeps& deps) {
  return std::make_unique<ProductRuleServiceImpl>(deps);
}
std::unique_ptr<grpc::Service> MakeImportService(const ServiceDeps& deps) {
  return std::make_unique<ImportServiceImpl>(deps);
}

}  // namespace bestand
