// The fixture the core's tests share: a SQLite store in a fresh temporary directory and the core
// objects over it, wired as server/app.cc wires them, plus the helpers several tests need.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <string>

#include "common/resources.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "server/core/inventory.h"
#include "server/core/reports.h"
#include "server/core/workflow.h"
#include "server/storage/store.h"
#include "tests/test_util.h"

namespace bestand::testing {

// Derive a test's fixture from CoreTest (and from ::testing::WithParamInterface<T> for TEST_P).
// A subclass that overrides SetUp calls ASSERT_NO_FATAL_FAILURE(CoreTest::SetUp()) first.
class CoreTest : public ::testing::Test {
 protected:
  // Opens dir_/t.db and builds the inventory, the workflow and the reports over it; the
  // inventory's change hook calls the workflow, as in the server.
  void SetUp() override;

  // The path of the store's database file.
  std::string db() const { return dir_.File("t.db"); }

  // Creates a resource from protobuf text format through the inventory (hook included); fails
  // the test when the text does not parse or the inventory refuses it.
  void Create(Kind kind, const std::string& text);
  // Creates `resource` through the inventory and returns it as stored (name, defaults); fails
  // the test (and returns an empty message) when the inventory refuses it.
  template <std::derived_from<google::protobuf::Message> M>
  M Create(Kind kind, const M& resource) {
    M out;
    absl::Status s = inventory_->Create("test", kind, resource, &out);
    EXPECT_TRUE(s.ok()) << resource.ShortDebugString() << ": " << s;
    return out;
  }
  // The resource of `kind` with that name or natural key; fails the test when there is none.
  template <std::derived_from<google::protobuf::Message> M>
  M Get(Kind kind, const std::string& name) {
    M m;
    absl::Status s = inventory_->Get(kind, name, &m);
    EXPECT_TRUE(s.ok()) << name << ": " << s;
    return m;
  }
  // How many resources of `kind` the store holds.
  int64_t Count(Kind kind);

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Inventory> inventory_;
  std::unique_ptr<Workflow> workflow_;
  std::unique_ptr<Reports> reports_;
};

}  // namespace bestand::testing
