// BestandClient: the one place where the CLI (and scripts built on this library) talk gRPC.
// Every call carries the bearer token and a deadline; grpc::Status becomes absl::Status here.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "bestand/v1/inventory.pb.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"

namespace bestand {

struct ClientConfig {
  // "host:port".
  std::string server = "127.0.0.1:8443";
  // PEM file of the CA that signed the server certificate (the server's data-dir/ca.crt).
  std::string ca_file;
  std::string token;
  // Plaintext, for a server started with --insecure.
  bool insecure = false;
  absl::Duration timeout = absl::Seconds(30);
};

class BestandClient {
 public:
  static absl::StatusOr<std::unique_ptr<BestandClient>> Connect(const ClientConfig& config);

  // Calls unary method `method` ("/bestand.v1.PersonService/GetPerson").
  absl::Status Call(absl::string_view method, const google::protobuf::Message& request,
                    google::protobuf::Message* response);
  // Calls the unary rpc `rpc` of `service` ("bestand.v1.PersonService", "GetPerson") with
  // messages of the rpc's own types, created from the descriptors.
  absl::Status CallByName(absl::string_view service, absl::string_view rpc,
                          const google::protobuf::Message& request,
                          google::protobuf::Message* response);

  // Runs a CSV import, calling `progress` for each progress message; returns the final one.
  absl::StatusOr<v1::ImportCsvProgress> ImportCsv(
      const v1::ImportCsvRequest& request,
      const std::function<void(const v1::ImportCsvProgress&)>& progress);

  std::shared_ptr<grpc::Channel> channel() { return channel_; }

 private:
  BestandClient(ClientConfig config, std::shared_ptr<grpc::Channel> channel)
      : config_(std::move(config)), channel_(std::move(channel)) {}
  void Prepare(grpc::ClientContext* ctx) const;
  absl::Status FromGrpc(const grpc::Status& s) const;

  ClientConfig config_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace bestand
