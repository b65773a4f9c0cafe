// Fuzzes what notifications parse and encode by hand on the way out: CheckWebhookUrl (whatever
// it accepts is shown only as "scheme://authority[/…]", never more of the URL), the mail
// subject's RFC 2047 encoding (printable ASCII only, never a CR or LF) and SecretBox (a sealed
// value opens to what was sealed, under its context only; anything else is refused).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "common/secret_box.h"
#include "server/core/notify/webhooks.h"
#include "server/mail/smtp_transport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<std::string> hint = bestand::CheckWebhookUrl(input);
  if (hint.ok()) {
    const bool https = absl::StartsWith(*hint, "https://");
    if (!https && !absl::StartsWith(*hint, "http://")) std::abort();
    // The hint is the scheme and authority (lower-cased) and "/…" when there was more.
    const size_t authority_end = hint->find('/', https ? 8 : 7);
    const std::string shown = hint->substr(0, authority_end);
    if (shown.size() > input.size()) std::abort();
    if (authority_end != std::string::npos && hint->substr(authority_end) != "/…") std::abort();
    if (shown.find('@') != std::string::npos) std::abort();
  }

  // A subject header is printable ASCII whatever the subject: no CR or LF reaches the header.
  const std::string header = bestand::EncodeHeaderText(input);
  for (char c : header) {
    if (c < 0x20 || c > 0x7e) std::abort();
  }

  static const bestand::SecretBox box(std::string(32, 'k'));
  (void)box.Open(input, "fuzz");
  absl::StatusOr<std::string> sealed = box.Seal(input, "fuzz");
  if (!sealed.ok()) std::abort();
  absl::StatusOr<std::string> opened = box.Open(*sealed, "fuzz");
  if (!opened.ok() || *opened != input) std::abort();
  if (box.Open(*sealed, "other").ok()) std::abort();
  return 0;
}
