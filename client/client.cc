#include "client/client.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "bestand/v1/inventory.grpc.pb.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "grpcpp/impl/client_unary_call.h"
#include "grpcpp/impl/rpc_method.h"

namespace bestand {

absl::StatusOr<std::unique_ptr<BestandClient>> BestandClient::Connect(const ClientConfig& config) {
  if (config.server.empty()) {
    return absl::InvalidArgumentError(
        "no server given: pass --server, set BESTAND_SERVER or run 'bestand login'");
  }
  // gRPC aborts the process on header values outside printable ASCII; refuse them here.
  for (char c : config.token) {
    if (c < 0x21 || c > 0x7E) {
      return absl::InvalidArgumentError(
          "the token contains spaces, line breaks or non-ASCII characters; copy it again");
    }
  }
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (config.insecure) {
    creds = grpc::InsecureChannelCredentials();
  } else {
    if (config.ca_file.empty()) {
      return absl::InvalidArgumentError(
          "no CA certificate given: pass --ca DATA_DIR/ca.crt, set BESTAND_CA or run "
          "'bestand login'");
    }
    grpc::SslCredentialsOptions options;
    BESTAND_ASSIGN_OR_RETURN(options.pem_root_certs, ReadFileToString(config.ca_file));
    creds = grpc::SslCredentials(options);
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(17 * 1024 * 1024);
  args.SetMaxSendMessageSize(17 * 1024 * 1024);
  auto channel = grpc::CreateCustomChannel(config.server, creds, args);
  return std::unique_ptr<BestandClient>(new BestandClient(config, std::move(channel)));
}

void BestandClient::Prepare(grpc::ClientContext* ctx) const {
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + config_.timeout));
  if (!config_.token.empty()) ctx->AddMetadata("authorization", "Bearer " + config_.token);
}

absl::Status BestandClient::FromGrpc(const grpc::Status& s) const {
  if (s.ok()) return absl::OkStatus();
  std::string msg = s.error_message();
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE) {
    msg = absl::StrCat("cannot reach the server at ", config_.server, ": ", msg);
  } else if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    msg = absl::StrCat("the server at ", config_.server, " did not answer within ",
                       absl::FormatDuration(config_.timeout));
  }
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), msg);
}

absl::Status BestandClient::Call(absl::string_view method, const google::protobuf::Message& request,
                                 google::protobuf::Message* response) {
  grpc::ClientContext ctx;
  Prepare(&ctx);
  std::string name(method);
  grpc::internal::RpcMethod rpc(name.c_str(), grpc::internal::RpcMethod::NORMAL_RPC);
  return FromGrpc(
      grpc::internal::BlockingUnaryCall<google::protobuf::Message, google::protobuf::Message>(
          channel_.get(), rpc, &ctx, request, response));
}

absl::Status BestandClient::CallByName(absl::string_view service, absl::string_view rpc,
                                       const google::protobuf::Message& request,
                                       google::protobuf::Message* response) {
  return Call(absl::StrCat("/", service, "/", rpc), request, response);
}

absl::StatusOr<v1::ImportCsvProgress> BestandClient::ImportCsv(
    const v1::ImportCsvRequest& request,
    const std::function<void(const v1::ImportCsvProgress&)>& progress) {
  auto stub = v1::ImportService::NewStub(channel_);
  grpc::ClientContext ctx;
  Prepare(&ctx);
  // A big import may take longer than one ordinary call.
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + config_.timeout * 10));
  auto reader = stub->ImportCsv(&ctx, request);
  v1::ImportCsvProgress p, last;
  while (reader->Read(&p)) {
    if (progress) progress(p);
    last = p;
  }
  grpc::Status s = reader->Finish();
  if (!s.ok()) return FromGrpc(s);
  if (!last.done()) return absl::InternalError("the server ended the import without a summary");
  return last;
}

}  // namespace bestand
