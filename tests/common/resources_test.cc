#include "common/resources.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "bestand/v1/inventory.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/timestamp.pb.h"
#include "gtest/gtest.h"

namespace bestand {
namespace {

using google::protobuf::FieldDescriptor;

// Builds a file with one message "Thing" holding the standard fields plus `fields` (text format
// FieldDescriptorProto bodies) in a pool of its own, and returns the result of checking it.
class CheckFieldsTest : public ::testing::Test {
 protected:
  absl::Status Check(const std::string& fields) {
    pool_ = std::make_unique<google::protobuf::DescriptorPool>();
    // The files the test file imports, copied from the generated pool.
    for (const char* name : {"google/protobuf/descriptor.proto", "google/protobuf/timestamp.proto",
                             "google/protobuf/duration.proto", "bestand/v1/field_options.proto"}) {
      google::protobuf::FileDescriptorProto proto;
      google::protobuf::DescriptorPool::generated_pool()->FindFileByName(name)->CopyTo(&proto);
      if (pool_->BuildFile(proto) == nullptr) return absl::InternalError(name);
    }
    google::protobuf::FileDescriptorProto file;
    const std::string text = absl::StrCat(R"(
      name: "thing.proto" package: "test" syntax: "proto3"
      dependency: "google/protobuf/timestamp.proto"
      dependency: "google/protobuf/duration.proto"
      dependency: "bestand/v1/field_options.proto"
      message_type {
        name: "Thing"
        field { name: "name" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
        field { name: "create_time" number: 2 type: TYPE_MESSAGE label: LABEL_OPTIONAL
                type_name: ".google.protobuf.Timestamp" }
        field { name: "update_time" number: 3 type: TYPE_MESSAGE label: LABEL_OPTIONAL
                type_name: ".google.protobuf.Timestamp" }
        )",
                                          fields, "}");
    if (!google::protobuf::TextFormat::ParseFromString(text, &file)) {
      return absl::InternalError("test proto does not parse");
    }
    const google::protobuf::FileDescriptor* built = pool_->BuildFile(file);
    if (built == nullptr) return absl::InternalError("test proto does not build");
    return CheckResourceFields(built->message_type(0), collections_);
  }

 private:
  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
  const absl::string_view collections_[2] = {"people", "devices"};
};

TEST_F(CheckFieldsTest, AcceptsTheTypesTheModelStores) {
  EXPECT_TRUE(Check(R"(
    field { name: "title" number: 4 type: TYPE_STRING label: LABEL_OPTIONAL }
    field { name: "done" number: 5 type: TYPE_BOOL label: LABEL_OPTIONAL }
    field { name: "start" number: 6 type: TYPE_STRING label: LABEL_OPTIONAL
            options { [bestand.v1.field] { kind: DATE } } }
    field { name: "seats" number: 7 type: TYPE_INT32 label: LABEL_OPTIONAL
            options { [bestand.v1.field] { kind: SEATS } } }
    field { name: "owner" number: 8 type: TYPE_STRING label: LABEL_OPTIONAL
            options { [bestand.v1.field] { reference: "people" } } }
  )")
                  .ok());
}

TEST_F(CheckFieldsTest, RefusesWhatTheModelCannotStoreNamingTheField) {
  EXPECT_EQ(Check(R"(field { name: "tags" number: 4 type: TYPE_STRING label: LABEL_REPEATED })")
                .message(),
            "test.Thing.tags: repeated fields are not supported");
  EXPECT_EQ(Check(R"(field { name: "span" number: 4 type: TYPE_MESSAGE label: LABEL_OPTIONAL
                             type_name: ".google.protobuf.Duration" })")
                .message(),
            "test.Thing.span: messages other than google.protobuf.Timestamp are not supported "
            "(google.protobuf.Duration)");
  EXPECT_EQ(Check(R"(field { name: "count" number: 4 type: TYPE_INT64 label: LABEL_OPTIONAL })")
                .message(),
            "test.Thing.count: an integer field needs (bestand.v1.field).kind MONEY, "
            "PRICE_PER_SEAT, SEATS or DAYS");
  EXPECT_EQ(Check(R"(field { name: "ratio" number: 4 type: TYPE_DOUBLE label: LABEL_OPTIONAL })")
                .message(),
            "test.Thing.ratio: double fields are not supported");
  EXPECT_EQ(
      Check(R"(field { name: "blob" number: 4 type: TYPE_BYTES label: LABEL_OPTIONAL })").message(),
      "test.Thing.blob: bytes fields are not supported");
  EXPECT_EQ(Check(R"(field { name: "when" number: 4 type: TYPE_BOOL label: LABEL_OPTIONAL
                             options { [bestand.v1.field] { kind: DATE } } })")
                .message(),
            "test.Thing.when: a text kind on a field that is not a string");
  EXPECT_EQ(Check(R"(field { name: "cost" number: 4 type: TYPE_STRING label: LABEL_OPTIONAL
                             options { [bestand.v1.field] { kind: MONEY } } })")
                .message(),
            "test.Thing.cost: an integer kind on a field that is not one");
  EXPECT_EQ(Check(R"(field { name: "done" number: 4 type: TYPE_BOOL label: LABEL_OPTIONAL
                             options { [bestand.v1.field] { required: true } } })")
                .message(),
            "test.Thing.done: required, alias and searchable are for string fields");
  EXPECT_EQ(Check(R"(field { name: "room" number: 4 type: TYPE_STRING label: LABEL_OPTIONAL
                             options { [bestand.v1.field] { reference: "rooms" } } })")
                .message(),
            "test.Thing.room: reference to 'rooms', which is no collection");
}

TEST(ResourceModelTest, RulesComeFromTheFieldOptions) {
  const ResourceSpec& person = Spec(Kind::kPerson);
  EXPECT_EQ(person.alias_keys, std::vector<absl::string_view>({"email"}));
  EXPECT_EQ(person.required, std::vector<absl::string_view>({"email", "display_name"}));
  ASSERT_NE(person.FindReference("manager"), nullptr);
  EXPECT_EQ(person.FindReference("manager")->target, Kind::kPerson);
  const ResourceSpec& device = Spec(Kind::kDevice);
  EXPECT_EQ(device.computed, std::vector<absl::string_view>({"last_report_time"}));
  EXPECT_TRUE(IsOutputOnly(device, "hardware_uuid"));
  EXPECT_FALSE(IsOutputOnly(device, "hostname"));
  const auto* d = v1::Device::descriptor();
  EXPECT_TRUE(IsDateField(d->FindFieldByName("warranty_end")));
  EXPECT_FALSE(IsDateField(d->FindFieldByName("hostname")));
  EXPECT_TRUE(IsMoneyField(d->FindFieldByName("purchase_price_minor")));
  EXPECT_EQ(IntFieldMax(d->FindFieldByName("purchase_price_minor")), kMaxMoneyMinor);
  const auto* l = v1::License::descriptor();
  EXPECT_EQ(IntFieldMax(l->FindFieldByName("notice_period_days")), 3650);
  EXPECT_EQ(IntFieldMax(l->FindFieldByName("pack_size")), kMaxSeats);
  EXPECT_EQ(IntFieldMax(l->FindFieldByName("price_per_seat_minor")), kMaxPricePerSeatMinor);
}

TEST(ResourceModelTest, EverySpecSitsAtItsKindAndPassesTheCheck) {
  ASSERT_EQ(AllSpecs().size(), kKindCount);
  std::vector<absl::string_view> collections;
  for (const ResourceSpec& s : AllSpecs()) collections.push_back(s.collection);
  for (size_t k = 0; k < kKindCount; ++k) {
    EXPECT_EQ(static_cast<size_t>(AllSpecs()[k].kind), k);
    EXPECT_TRUE(CheckResourceFields(AllSpecs()[k].descriptor, collections).ok())
        << AllSpecs()[k].noun;
  }
}

}  // namespace
}  // namespace bestand
