#include "server/mail/smtp_transport.h"

#include <curl/curl.h>

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/text.h"
#include "server/mail/curl_util.h"

namespace bestand {
namespace {

struct MimeDeleter {
  void operator()(curl_mime* m) const { curl_mime_free(m); }
};

class SmtpTransport : public MailTransport {
 public:
  explicit SmtpTransport(SmtpOptions options) : options_(std::move(options)) {
    CurlGlobalInit();
    curl_ = curl_easy_init();
  }
  ~SmtpTransport() override {
    if (curl_) curl_easy_cleanup(curl_);
  }

  absl::Status Send(const MailMessage& m) override {
    if (!curl_) return absl::InternalError("libcurl could not create a handle");
    if (!IsEmailAddress(m.from) || !IsEmailAddress(m.to)) {
      return absl::InvalidArgumentError(
          absl::StrCat("not an email address: '", IsEmailAddress(m.from) ? m.to : m.from, "'"));
    }
    CURL* c = curl_;
    curl_easy_reset(c);  // keeps the connection
    curl_easy_setopt(c, CURLOPT_URL, options_.url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_seconds);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, options_.timeout_seconds);
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     options_.allow_plaintext ? CURLUSESSL_NONE : CURLUSESSL_ALL);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
    if (!options_.user.empty()) {
      curl_easy_setopt(c, CURLOPT_USERNAME, options_.user.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, options_.password.c_str());
    }
    const std::string from = absl::StrCat("<", m.from, ">");
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
    Slist rcpt;
    Append(rcpt, absl::StrCat("<", m.to, ">"));
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());

    Slist headers;
    Append(headers, absl::StrCat("Date: ", absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", m.date,
                                                            absl::UTCTimeZone())));
    Append(headers, absl::StrCat("From: Bestand <", m.from, ">"));
    Append(headers, absl::StrCat("To: <", m.to, ">"));
    Append(headers, absl::StrCat("Subject: ", EncodeHeaderText(m.subject)));
    Append(headers, absl::StrCat("Message-ID: <", m.message_id, ">"));
    Append(headers, "Auto-Submitted: auto-generated");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

    // multipart/mixed holding one multipart/alternative of text and HTML.
    std::unique_ptr<curl_mime, MimeDeleter> mime(curl_mime_init(c));
    curl_mime* alternative = curl_mime_init(c);
    for (const auto& [body, type] : {std::pair{&m.text, "text/plain; charset=UTF-8"},
                                     std::pair{&m.html, "text/html; charset=UTF-8"}}) {
      curl_mimepart* part = curl_mime_addpart(alternative);
      curl_mime_data(part, body->data(), body->size());
      curl_mime_type(part, type);
      curl_mime_encoder(part, "quoted-printable");
    }
    curl_mimepart* part = curl_mime_addpart(mime.get());
    curl_mime_subparts(part, alternative);  // owned by `mime` from here
    curl_mime_type(part, "multipart/alternative");
    Slist part_headers;
    Append(part_headers, "Content-Disposition: inline");
    curl_mime_headers(part, part_headers.release(), /*take_ownership=*/1);
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime.get());

    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    CURLcode rc = curl_easy_perform(c);
    long response = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
    // The handle must not point to what is freed when this returns.
    curl_easy_setopt(c, CURLOPT_MIMEPOST, nullptr);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, nullptr);
    if (rc == CURLE_OK) return absl::OkStatus();
    std::string why = error[0] ? error : curl_easy_strerror(rc);
    if (response) absl::StrAppend(&why, " (the mail server answered ", response, ")");
    return absl::UnavailableError(
        absl::StrCat("sending to ", m.to, " through ", options_.url, ": ", why));
  }

 private:
  SmtpOptions options_;
  CURL* curl_ = nullptr;
};

}  // namespace

std::string EncodeHeaderText(const std::string& text) {
  bool plain = text.size() <= 900;
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f) plain = false;
  }
  if (plain && text.find("=?") == std::string::npos) return text;
  // Encoded words of at most 45 bytes (60 base64 characters, 72 with the frame), cut before a
  // UTF-8 continuation byte never.
  std::vector<std::string> words;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = std::min(text.size(), start + 45);
    while (end < text.size() && end > start + 1 &&
           (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      --end;
    }
    std::string chunk = text.substr(start, end - start);
    // Control characters (a line break) never reach a header.
    for (char& ch : chunk) {
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = ' ';
    }
    words.push_back(absl::StrCat("=?UTF-8?B?", absl::Base64Escape(chunk), "?="));
    start = end;
  }
  return absl::StrJoin(words, " ");
}

absl::StatusOr<std::unique_ptr<MailTransport>> NewSmtpTransport(const SmtpOptions& options) {
  const bool smtps = absl::StartsWith(options.url, "smtps://");
  if (!smtps && !absl::StartsWith(options.url, "smtp://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--smtp: '", options.url, "' is not smtp://HOST:PORT (STARTTLS) or smtps://HOST:PORT"));
  }
  if (options.url.find_first_of(" \r\n@") != std::string::npos) {
    return absl::InvalidArgumentError(
        "--smtp: give the user with --smtp-user and the password in --smtp-password-file, not "
        "in the URL");
  }
  if (smtps && options.allow_plaintext) {
    return absl::InvalidArgumentError("--smtp-plaintext does not go with smtps://");
  }
  return std::make_unique<SmtpTransport>(options);
}

}  // namespace bestand
