// SCIM 2.0 (RFC 7643, RFC 7644) through libcurl: users by userName (the email for new ones),
// `active` for enabled, groups by displayName with their members. The token goes in an
// Authorization header, only over HTTPS (http:// with allow_plaintext only), to the configured
// host only (no redirects).
#include <curl/curl.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/connectors/directories.h"
#include "server/mail/curl_util.h"

namespace bestand {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

// A SCIM answer larger than this is refused (a user, a group with its members, a list of one).
constexpr size_t kMaxAnswerBytes = 4 * 1024 * 1024;
constexpr char kPatchOp[] = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

size_t Collect(char* data, size_t size, size_t n, void* user) {
  auto* answer = static_cast<std::string*>(user);
  const size_t bytes = size * n;
  if (answer->size() + bytes > kMaxAnswerBytes) return 0;  // aborts the transfer
  answer->append(data, bytes);
  return bytes;
}

// `text` as a JSON string literal.
std::string Quote(absl::string_view text) {
  Value v;
  v.set_string_value(std::string(text));
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(v, &out);
  return out;
}

// `text` as a SCIM filter string: quotes and backslashes escaped.
std::string FilterString(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

struct Answer {
  long status = 0;
  std::string body;
};

class ScimDirectory : public Directory {
 public:
  explicit ScimDirectory(DirectoryConfig config) : c_(std::move(config)) {
    CurlGlobalInit();
    curl_ = curl_easy_init();
    while (!c_.url.empty() && c_.url.back() == '/') c_.url.pop_back();
    if (!c_.ca_pem.empty()) roots_ = TrustedRoots(c_.ca_pem);
  }
  ~ScimDirectory() override {
    if (curl_) curl_easy_cleanup(curl_);
  }

  absl::StatusOr<std::string> Check() override {
    absl::StatusOr<Answer> a = Call("GET", "/Users?count=1&attributes=userName", "");
    if (!a.ok()) return a.status();
    if (absl::Status s = Expect(*a, "GET /Users"); !s.ok()) return s;
    return absl::StrCat("GET ", c_.url, "/Users answered ", a->status, " with the bearer token");
  }

  absl::StatusOr<DirectoryAccount> Find(absl::string_view username) override {
    absl::StatusOr<Struct> user = FindOne("Users", "userName", username);
    if (!user.ok()) return user.status();
    DirectoryAccount a;
    a.id = Text(*user, "id");
    const auto active = user->fields().find("active");
    // RFC 7643 §4.1.1: no `active` means the service does not say; it counts as enabled.
    a.enabled = active == user->fields().end() || active->second.bool_value();
    a.state = absl::StrCat("active=", a.enabled ? "true" : "false");
    return a;
  }

  absl::Status Create(const NewAccount& account) override {
    // RFC 7643 §4.1 with RFC 7644 §3.3: the email is the userName; the password, when given,
    // is write-only there too.
    std::string body =
        absl::StrCat("{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":",
                     Quote(account.email), ",\"name\":{\"givenName\":", Quote(account.first_name),
                     ",\"familyName\":", Quote(account.last_name),
                     ",\"formatted\":", Quote(account.display_name),
                     "},\"displayName\":", Quote(account.display_name),
                     ",\"emails\":[{\"value\":", Quote(account.email),
                     ",\"type\":\"work\",\"primary\":true}],\"active\":",
                     account.password.empty() ? "false" : "true");
    if (!account.password.empty())
      absl::StrAppend(&body, ",\"password\":", Quote(account.password));
    body += "}";
    absl::StatusOr<Answer> a = Call("POST", "/Users", body);
    if (!a.ok()) return a.status();
    if (a->status == 409) {
      return absl::AlreadyExistsError(
          absl::StrCat("POST /Users answered 409: the userName '", account.email, "' is taken"));
    }
    return Expect(*a, "POST /Users");
  }

  absl::Status Disable(const DirectoryAccount& account) override {
    return SetActive(account, false, "");
  }

  absl::Status Enable(const DirectoryAccount& account, const std::string& password) override {
    return SetActive(account, true, password);
  }

  absl::StatusOr<DirectoryGroup> FindGroup(absl::string_view name) override {
    absl::StatusOr<Struct> group = FindOne("Groups", "displayName", name);
    if (!group.ok()) return group.status();
    return DirectoryGroup{Text(*group, "id"), std::string(name)};
  }

  absl::StatusOr<bool> IsMember(const DirectoryAccount& account,
                                const DirectoryGroup& group) override {
    absl::StatusOr<Answer> a = Call("GET", absl::StrCat("/Groups/", group.id), "");
    if (!a.ok()) return a.status();
    if (absl::Status s = Expect(*a, absl::StrCat("GET /Groups/", group.id)); !s.ok()) return s;
    absl::StatusOr<Struct> g = Parse(*a);
    if (!g.ok()) return g.status();
    const auto members = g->fields().find("members");
    if (members == g->fields().end()) return false;
    for (const Value& m : members->second.list_value().values()) {
      if (Text(m.struct_value(), "value") == account.id) return true;
    }
    return false;
  }

  absl::Status AddMember(const DirectoryAccount& account, const DirectoryGroup& group) override {
    absl::StatusOr<bool> member = IsMember(account, group);
    if (!member.ok()) return member.status();
    if (*member) return absl::OkStatus();
    const std::string path = absl::StrCat("/Groups/", group.id);
    const std::string members = absl::StrCat("[{\"value\":", Quote(account.id), "}]");
    // RFC 7644 §3.5.2.1 with a path, or (the second try) with a value object.
    absl::StatusOr<Answer> a = Call(
        "PATCH", path,
        absl::StrCat("{\"schemas\":[\"", kPatchOp,
                     "\"],\"Operations\":[{\"op\":\"add\",\"path\":\"members\",\"value\":", members,
                     "}]}"));
    if (!a.ok()) return a.status();
    if (a->status == 400 || a->status == 501) {
      a = Call("PATCH", path,
               absl::StrCat("{\"schemas\":[\"", kPatchOp,
                            "\"],\"Operations\":[{\"op\":\"add\",\"value\":{\"members\":", members,
                            "}}]}"));
      if (!a.ok()) return a.status();
    }
    return Expect(*a, absl::StrCat("PATCH ", path));
  }

  absl::Status RemoveMember(const DirectoryAccount& account, const DirectoryGroup& group) override {
    const std::string path = absl::StrCat("/Groups/", group.id);
    absl::StatusOr<Answer> a =
        Call("PATCH", path,
             absl::StrCat(
                 "{\"schemas\":[\"", kPatchOp, "\"],\"Operations\":[{\"op\":\"remove\",\"path\":",
                 Quote(absl::StrCat("members[value eq ", FilterString(account.id), "]")), "}]}"));
    if (!a.ok()) return a.status();
    return Expect(*a, absl::StrCat("PATCH ", path));
  }

  absl::StatusOr<DirectoryListing> List() override {
    DirectoryListing out;
    // Group names by member id.
    std::map<std::string, std::vector<std::string>> groups_of;
    absl::StatusOr<std::vector<Struct>> groups = ListAll("Groups");
    if (!groups.ok()) return groups.status();
    for (const Struct& g : *groups) {
      const std::string name = Text(g, "displayName");
      out.groups[absl::AsciiStrToLower(name)] = name;
      const auto members = g.fields().find("members");
      if (members == g.fields().end()) continue;
      for (const Value& m : members->second.list_value().values()) {
        groups_of[Text(m.struct_value(), "value")].push_back(name);
      }
    }
    absl::StatusOr<std::vector<Struct>> users = ListAll("Users");
    if (!users.ok()) return users.status();
    for (const Struct& u : *users) {
      ListedAccount a;
      a.id = Text(u, "id");
      a.username = Text(u, "userName");
      if (a.id.empty() || a.username.empty()) continue;
      const auto active = u.fields().find("active");
      a.enabled = active == u.fields().end() || active->second.bool_value();
      a.state = absl::StrCat("active=", a.enabled ? "true" : "false");
      // The email: the primary one, else the first.
      if (const auto emails = u.fields().find("emails"); emails != u.fields().end()) {
        bool primary_seen = false;
        for (const Value& e : emails->second.list_value().values()) {
          const std::string value = Text(e.struct_value(), "value");
          if (value.empty()) continue;
          const auto primary = e.struct_value().fields().find("primary");
          const bool is_primary =
              primary != e.struct_value().fields().end() && primary->second.bool_value();
          if (a.email.empty() || (is_primary && !primary_seen)) a.email = value;
          primary_seen = primary_seen || is_primary;
          a.aliases.push_back(value);
        }
      }
      a.groups = groups_of[a.id];
      out.accounts.push_back(std::move(a));
    }
    return out;
  }

 private:
  // Sets `account` active or not, with `password` when not empty. RFC 7644 §3.5.2.3: replace
  // with a path; some services take only the add form with a value object (§3.5.2.1), so that
  // is the second try.
  absl::Status SetActive(const DirectoryAccount& account, bool active,
                         const std::string& password) {
    const std::string path = absl::StrCat("/Users/", account.id);
    const char* value = active ? "true" : "false";
    std::string replace =
        absl::StrCat("{\"schemas\":[\"", kPatchOp,
                     "\"],\"Operations\":[{\"op\":\"replace\",\"path\":\"active\","
                     "\"value\":",
                     value, "}");
    std::string add =
        absl::StrCat("{\"schemas\":[\"", kPatchOp,
                     "\"],\"Operations\":[{\"op\":\"add\",\"value\":{\"active\":", value);
    if (!password.empty()) {
      absl::StrAppend(
          &replace, ",{\"op\":\"replace\",\"path\":\"password\",\"value\":", Quote(password), "}");
      absl::StrAppend(&add, ",\"password\":", Quote(password));
    }
    replace += "]}";
    add += "}}]}";
    absl::StatusOr<Answer> a = Call("PATCH", path, replace);
    if (!a.ok()) return a.status();
    if (a->status == 400 || a->status == 501) {
      a = Call("PATCH", path, add);
      if (!a.ok()) return a.status();
    }
    return Expect(*a, absl::StrCat("PATCH ", path));
  }

  // Every resource of `collection`, a page of kPageSize at a time (RFC 7644 §3.4.2.4).
  absl::StatusOr<std::vector<Struct>> ListAll(const std::string& collection) {
    std::vector<Struct> out;
    for (;;) {
      const std::string path =
          absl::StrCat("/", collection, "?startIndex=", out.size() + 1, "&count=", kPageSize);
      absl::StatusOr<Answer> a = Call("GET", path, "");
      if (!a.ok()) return a.status();
      if (absl::Status s = Expect(*a, absl::StrCat("GET /", collection)); !s.ok()) return s;
      absl::StatusOr<Struct> page = Parse(*a);
      if (!page.ok()) return page.status();
      const auto resources = page->fields().find("Resources");
      size_t got = 0;
      if (resources != page->fields().end()) {
        for (const Value& r : resources->second.list_value().values()) {
          out.push_back(r.struct_value());
          ++got;
        }
      }
      if (out.size() > kMaxListedAccounts) {
        return absl::ResourceExhaustedError(
            absl::StrCat(c_.url, "/", collection, " lists more than ", kMaxListedAccounts));
      }
      const auto total = page->fields().find("totalResults");
      if (got == 0 || total == page->fields().end() ||
          out.size() >= static_cast<size_t>(total->second.number_value())) {
        return out;
      }
    }
  }
  static constexpr int kPageSize = 100;

  absl::StatusOr<Answer> Call(const char* method, const std::string& path,
                              const std::string& body) {
    if (!curl_) return absl::InternalError("libcurl could not create a handle");
    CURL* c = curl_;
    curl_easy_reset(c);  // keeps the connection
    const std::string url = c_.url + path;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, c_.allow_plaintext ? "http,https" : "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    const long seconds = static_cast<long>(absl::ToInt64Seconds(c_.timeout));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, seconds);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, seconds);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_blob blob{roots_.data(), roots_.size(), CURL_BLOB_NOCOPY};
    if (!roots_.empty()) curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "Bestand");
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    Slist headers;
    Append(headers, "Accept: application/scim+json, application/json");
    Append(headers, absl::StrCat("Authorization: Bearer ", c_.secret));
    Append(headers, "Expect:");
    if (!body.empty()) {
      Append(headers, "Content-Type: application/scim+json");
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    Answer answer;
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer.body);
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    const CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &answer.status);
    // The handle must not point to what is freed when this returns.
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, nullptr);
    curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, nullptr);
    if (rc == CURLE_WRITE_ERROR) {
      return absl::ResourceExhaustedError(absl::StrCat(
          method, " ", path, ": the answer is larger than ", kMaxAnswerBytes, " bytes"));
    }
    if (rc != CURLE_OK) {
      return absl::UnavailableError(
          absl::StrCat(method, " ", c_.url, path, ": ", error[0] ? error : curl_easy_strerror(rc),
                       rc == CURLE_PEER_FAILED_VERIFICATION ? " (give the server's CA)" : ""));
    }
    return answer;
  }

  // OK for a 2xx answer; otherwise the status and the service's `detail`.
  absl::Status Expect(const Answer& a, absl::string_view what) {
    if (a.status >= 200 && a.status < 300) return absl::OkStatus();
    std::string detail;
    if (absl::StatusOr<Struct> body = Parse(a); body.ok()) detail = Text(*body, "detail");
    const std::string text = absl::StrCat(what, " answered ", a.status,
                                          detail.empty() ? "" : absl::StrCat(": ", detail));
    switch (a.status) {
      case 401:
        return absl::UnauthenticatedError(absl::StrCat(text, "; check the bearer token"));
      case 403:
        return absl::PermissionDeniedError(text);
      case 404:
        return absl::NotFoundError(text);
      case 429:
      case 502:
      case 503:
      case 504:
        return absl::UnavailableError(text);
      default:
        return absl::FailedPreconditionError(text);
    }
  }

  absl::StatusOr<Struct> Parse(const Answer& a) {
    Struct out;
    if (!google::protobuf::util::JsonStringToMessage(a.body, &out).ok()) {
      return absl::FailedPreconditionError(absl::StrCat("the answer (", a.status, ") is not JSON"));
    }
    return out;
  }

  static std::string Text(const Struct& s, const std::string& field) {
    const auto it = s.fields().find(field);
    return it == s.fields().end() ? "" : it->second.string_value();
  }

  // The one resource of `collection` whose `attribute` equals `value`.
  absl::StatusOr<Struct> FindOne(const std::string& collection, const std::string& attribute,
                                 absl::string_view value) {
    char* filter =
        curl_easy_escape(curl_, absl::StrCat(attribute, " eq ", FilterString(value)).c_str(), 0);
    if (filter == nullptr) return absl::InternalError("libcurl could not escape a filter");
    const std::string path = absl::StrCat("/", collection, "?filter=", filter);
    curl_free(filter);
    absl::StatusOr<Answer> a = Call("GET", path, "");
    if (!a.ok()) return a.status();
    if (absl::Status s = Expect(*a, absl::StrCat("GET /", collection)); !s.ok()) return s;
    absl::StatusOr<Struct> list = Parse(*a);
    if (!list.ok()) return list.status();
    const auto resources = list->fields().find("Resources");
    std::vector<const Struct*> matches;
    if (resources != list->fields().end()) {
      for (const Value& r : resources->second.list_value().values()) {
        // A service that ignores the filter answers with everyone: compare here too.
        if (absl::EqualsIgnoreCase(Text(r.struct_value(), attribute), value)) {
          matches.push_back(&r.struct_value());
        }
      }
    }
    if (matches.empty()) {
      return absl::NotFoundError(absl::StrCat("no ", collection == "Users" ? "user" : "group",
                                              " with ", attribute, " '", value, "' at ", c_.url));
    }
    if (matches.size() > 1) {
      return absl::FailedPreconditionError(
          absl::StrCat(matches.size(), " ", collection, " have ", attribute, " '", value, "'"));
    }
    if (Text(*matches[0], "id").empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the ", collection, " resource '", value, "' has no id"));
    }
    return *matches[0];
  }

  DirectoryConfig c_;
  std::string roots_;
  CURL* curl_ = nullptr;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Directory>> OpenScimDirectory(const DirectoryConfig& config) {
  if (config.protocol != v1::Connection::SCIM) {
    return absl::InvalidArgumentError("not a SCIM connection");
  }
  return std::make_unique<ScimDirectory>(config);
}

}  // namespace bestand
