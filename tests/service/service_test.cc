// The gRPC layer over an in-process channel: authentication, roles and status mapping.
#include "absl/strings/match.h"
#include "bestand/v1/audit.grpc.pb.h"
#include "bestand/v1/auth.grpc.pb.h"
#include "bestand/v1/inventory.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "gtest/gtest.h"
#include "server/app.h"
#include "server/pki/ca.h"
#include "server/service/services.h"
#include "server/storage/sqlite/sqlite_store.h"
#include "tests/test_util.h"

namespace bestand {
namespace {

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore({.path = dir_.File("t.db")});
    ASSERT_TRUE(store.ok());
    auto ca = CreateCa("Test CA");
    ASSERT_TRUE(ca.ok());
    auto server = BestandServer::Start(std::move(*store), "127.0.0.1:0",
                                       grpc::InsecureServerCredentials(), *ca);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = server_->grpc_server()->InProcessChannel(grpc::ChannelArguments());
    admin_ = Token("admin", v1::ADMIN);
    coordinator_ = Token("coordinator", v1::COORDINATOR);
    viewer_ = Token("geschaeftsfuehrung", v1::VIEWER);
  }

  std::string Token(const std::string& name, v1::Role role) {
    auto t = server_->tokens()->CreateToken("test", name, role);
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? t->secret() : "";
  }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }

  grpc::Status CreatePerson(const std::string& token, const std::string& email) {
    auto stub = v1::PersonService::NewStub(channel_);
    v1::CreatePersonRequest req;
    req.mutable_person()->set_email(email);
    req.mutable_person()->set_display_name("Jürgen Weiß");
    v1::Person out;
    return stub->CreatePerson(Ctx(token).get(), req, &out);
  }

  testing::TempDir dir_;
  std::unique_ptr<BestandServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::string admin_, coordinator_, viewer_;
};

TEST_F(ServiceTest, CallsWithoutAValidTokenAreUnauthenticated) {
  auto stub = v1::PersonService::NewStub(channel_);
  v1::ListPeopleResponse out;
  grpc::Status s = stub->ListPeople(Ctx("").get(), v1::ListPeopleRequest(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "no token"));
  s = stub->ListPeople(Ctx("bst_made_up").get(), v1::ListPeopleRequest(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ServiceTest, ViewerReadsButCannotWrite) {
  ASSERT_TRUE(CreatePerson(coordinator_, "a@firma.de").ok());
  grpc::Status s = CreatePerson(viewer_, "b@firma.de");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "role viewer"));

  auto stub = v1::PersonService::NewStub(channel_);
  v1::ListPeopleResponse out;
  ASSERT_TRUE(stub->ListPeople(Ctx(viewer_).get(), v1::ListPeopleRequest(), &out).ok());
  EXPECT_EQ(out.people_size(), 1);

  auto audit = v1::AuditService::NewStub(channel_);
  v1::VerifyAuditResponse verify;
  ASSERT_TRUE(audit->VerifyAudit(Ctx(viewer_).get(), v1::VerifyAuditRequest(), &verify).ok());
  EXPECT_TRUE(verify.ok());
}

TEST_F(ServiceTest, OnlyAdminsManageTokensAndRevokedTokensAreRefused) {
  auto tokens = v1::TokenService::NewStub(channel_);
  v1::CreateTokenRequest req;
  req.mutable_token()->set_display_name("script");
  req.mutable_token()->set_role(v1::COORDINATOR);
  v1::CreateTokenResponse created;
  EXPECT_EQ(tokens->CreateToken(Ctx(coordinator_).get(), req, &created).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(tokens->CreateToken(Ctx(admin_).get(), req, &created).ok());
  ASSERT_TRUE(CreatePerson(created.secret(), "a@firma.de").ok());

  v1::ListTokensResponse list;
  ASSERT_TRUE(tokens->ListTokens(Ctx(admin_).get(), v1::ListTokensRequest(), &list).ok());
  for (const auto& t : list.tokens()) {
    EXPECT_FALSE(absl::StrContains(t.DebugString(), created.secret()));
  }

  v1::RevokeTokenRequest revoke;
  revoke.set_name("script");
  v1::Token revoked;
  ASSERT_TRUE(tokens->RevokeToken(Ctx(admin_).get(), revoke, &revoked).ok());
  EXPECT_TRUE(revoked.has_revoke_time());
  EXPECT_EQ(CreatePerson(created.secret(), "b@firma.de").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  revoke.set_name("admin");
  EXPECT_EQ(tokens->RevokeToken(Ctx(admin_).get(), revoke, &revoked).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(ServiceTest, ErrorsMapToCanonicalCodes) {
  ASSERT_TRUE(CreatePerson(admin_, "a@firma.de").ok());
  grpc::Status s = CreatePerson(admin_, "a@firma.de");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(CreatePerson(admin_, "not-an-email").error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  auto devices = v1::DeviceService::NewStub(channel_);
  v1::GetDeviceRequest get;
  get.set_name("devices/42");
  v1::Device d;
  s = devices->GetDevice(Ctx(admin_).get(), get, &d);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "device 'devices/42' not found");
}

TEST_F(ServiceTest, ImportStreamsProgressAndASummary) {
  std::string csv = "email,display_name\n";
  for (int i = 0; i < 1100; ++i) csv += "p" + std::to_string(i) + "@firma.de,P\n";
  auto stub = v1::ImportService::NewStub(channel_);
  v1::ImportCsvRequest req;
  req.set_collection("people");
  req.set_content(csv);
  auto ctx = Ctx(coordinator_);
  auto reader = stub->ImportCsv(ctx.get(), req);
  std::vector<v1::ImportCsvProgress> got;
  v1::ImportCsvProgress p;
  while (reader->Read(&p)) got.push_back(p);
  ASSERT_TRUE(reader->Finish().ok());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].rows_done(), 500);
  EXPECT_EQ(got[1].rows_done(), 1000);
  EXPECT_TRUE(got[2].done());
  EXPECT_EQ(got[2].created(), 1100);

  auto vctx = Ctx(viewer_);
  auto denied = stub->ImportCsv(vctx.get(), req);
  while (denied->Read(&p)) {
  }
  EXPECT_EQ(denied->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ServiceTest, HealthServiceServes) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(health->Check(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(ServiceTest, ARequestThatIsNotUtf8IsAnInvalidArgument) {
  // GetPersonRequest{name: "\xff\xfe"} by hand: field 1, length-delimited, two bytes that are
  // not UTF-8. gRPC cannot parse it into the request message.
  const std::string raw("\x0a\x02\xff\xfe", 4);
  grpc::GenericStub stub(channel_);
  grpc::Slice slice(raw);
  grpc::ByteBuffer request(&slice, 1), response;
  auto ctx = Ctx(admin_);
  grpc::CompletionQueue cq;
  auto call = stub.PrepareUnaryCall(ctx.get(), "/bestand.v1.PersonService/GetPerson", request, &cq);
  call->StartCall();
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(cq.Next(&tag, &ok));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_TRUE(absl::StrContains(status.error_message(), "not UTF-8")) << status.error_message();
  EXPECT_TRUE(absl::StrContains(status.error_message(), "PersonService/GetPerson"));
  // A method that does not exist stays UNIMPLEMENTED.
  grpc::ClientContext other;
  other.AddMetadata("authorization", "Bearer " + admin_);
  auto missing = stub.PrepareUnaryCall(&other, "/bestand.v1.PersonService/Nope", request, &cq);
  missing->StartCall();
  missing->Finish(&response, &status, reinterpret_cast<void*>(2));
  ASSERT_TRUE(cq.Next(&tag, &ok));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

TEST(StatusMappingTest, InternalErrorsNeverCarryTheirDetailsToTheCaller) {
  grpc::Status s = ToGrpcStatus(absl::InternalError(
      "reading a person: sqlite: no such column: t.email in SELECT t.id FROM people t"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_FALSE(absl::StrContains(s.error_message(), "SELECT")) << s.error_message();
  EXPECT_FALSE(absl::StrContains(s.error_message(), "sqlite")) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "internal error #")) << s.error_message();
  // Everything else keeps its message, which names what the caller got wrong.
  s = ToGrpcStatus(absl::InvalidArgumentError("email: 'x' is not an email address"));
  EXPECT_EQ(s.error_message(), "email: 'x' is not an email address");
}

}  // namespace
}  // namespace bestand
