#include "tests/core/core_fixture.h"

#include <utility>

#include "google/protobuf/text_format.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace bestand::testing {

void CoreTest::SetUp() {
  auto s = OpenSqliteStore({.path = db()});
  ASSERT_TRUE(s.ok()) << s.status();
  store_ = std::move(*s);
  inventory_ = std::make_unique<Inventory>(store_.get());
  workflow_ = std::make_unique<Workflow>(store_.get());
  reports_ = std::make_unique<Reports>(store_.get());
  inventory_->SetChangeHook(
      [w = workflow_.get()](WriteTx& tx, absl::string_view actor, Kind kind, int64_t id) {
        return w->OnInventoryChange(tx, actor, kind, id);
      });
}

void CoreTest::Create(Kind kind, const std::string& text) {
  std::unique_ptr<google::protobuf::Message> m = NewResource(Spec(kind));
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, m.get())) << text;
  std::unique_ptr<google::protobuf::Message> out(m->New());
  absl::Status s = inventory_->Create("test", kind, *m, out.get());
  ASSERT_TRUE(s.ok()) << text << ": " << s;
}

int64_t CoreTest::Count(Kind kind) {
  auto tx = store_->BeginRead();
  return *(*tx)->Count(kind, {});
}

}  // namespace bestand::testing
