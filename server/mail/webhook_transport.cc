#include "server/mail/webhook_transport.h"

#include <curl/curl.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "server/mail/curl_util.h"

namespace bestand {
namespace {

// Of a receiver's answer, what an error message shows.
constexpr size_t kMaxAnswerBytes = 300;

size_t KeepStart(char* data, size_t size, size_t n, void* user) {
  auto* answer = static_cast<std::string*>(user);
  const size_t bytes = size * n;
  if (answer->size() < kMaxAnswerBytes) {
    answer->append(data, std::min(bytes, kMaxAnswerBytes - answer->size()));
  }
  return bytes;  // the rest is read and dropped
}

// "https://host:port" of `url`, never its path (an incoming webhook's secret).
std::string Origin(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "the webhook";
  return url.substr(0, url.find_first_of("/?#", scheme + 3));
}

class WebhookTransport : public ChatTransport {
 public:
  explicit WebhookTransport(WebhookTransportOptions options) : options_(std::move(options)) {
    CurlGlobalInit();
    curl_ = curl_easy_init();
  }
  ~WebhookTransport() override {
    if (curl_) curl_easy_cleanup(curl_);
  }

  absl::Status Post(const ChatPost& post) override {
    if (!curl_) return absl::InternalError("libcurl could not create a handle");
    CURL* c = curl_;
    curl_easy_reset(c);  // keeps the connections
    curl_easy_setopt(c, CURLOPT_URL, post.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_seconds);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, options_.timeout_seconds);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_USERAGENT, "Bestand");
    Slist headers;
    Append(headers, "Content-Type: application/json; charset=utf-8");
    // Without it libcurl waits a second for "100 Continue" on larger bodies.
    Append(headers, "Expect:");
    for (const std::string& h : post.headers) Append(headers, h);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, post.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post.body.size()));
    std::string answer;
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, KeepStart);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    const CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    // The handle must not point to what is freed when this returns.
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, nullptr);
    const std::string where = Origin(post.url);
    if (rc != CURLE_OK) {
      return absl::UnavailableError(
          absl::StrCat("posting to ", where, ": ", error[0] ? error : curl_easy_strerror(rc)));
    }
    if (status >= 200 && status < 300) return absl::OkStatus();
    return absl::UnavailableError(absl::StrCat("posting to ", where, ": the receiver answered ",
                                               status, answer.empty() ? "" : ": ", answer));
  }

 private:
  WebhookTransportOptions options_;
  CURL* curl_ = nullptr;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ChatTransport>> NewWebhookTransport(
    const WebhookTransportOptions& options) {
  if (!options.ca_file.empty() && ::access(options.ca_file.c_str(), R_OK) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read the CA file ", options.ca_file));
  }
  return std::unique_ptr<ChatTransport>(new WebhookTransport(options));
}

}  // namespace bestand
