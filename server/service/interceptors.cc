#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/support/server_interceptor.h"
#include "server/service/services.h"

namespace bestand {
namespace {

// gRPC answers a request it cannot parse (bytes that are not protobuf, a string field that is
// not UTF-8) with UNIMPLEMENTED and no message, as if the method did not exist. This interceptor
// makes that the INVALID_ARGUMENT it is.
class MalformedRequestInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit MalformedRequestInterceptor(std::string method) : method_(std::move(method)) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status s = methods->GetSendStatus();
      if (s.error_code() == grpc::StatusCode::UNIMPLEMENTED && s.error_message().empty()) {
        methods->ModifySendStatus(grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            absl::StrCat("the request to ", method_,
                         " cannot be read: a text field holds bytes that are not UTF-8, or the "
                         "message is not protobuf")));
      }
    }
    methods->Proceed();
  }

 private:
  std::string method_;
};

class MalformedRequestInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // "/bestand.v1.PersonService/GetPerson": a method that exists (others stay UNIMPLEMENTED).
    std::string method = info->method();
    if (method.size() < 2 || method[0] != '/') return nullptr;
    std::string full = method.substr(1);
    std::replace(full.begin(), full.end(), '/', '.');
    if (google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full) == nullptr) {
      return nullptr;
    }
    return new MalformedRequestInterceptor(method.substr(1));
  }
};

}  // namespace

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
MakeInterceptors() {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> out;
  out.push_back(std::make_unique<MalformedRequestInterceptorFactory>());
  return out;
}

}  // namespace bestand
