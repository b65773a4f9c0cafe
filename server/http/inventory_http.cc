#include "server/http/inventory_http.h"

#include <httplib.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <semaphore>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/http/rate_limit.h"
#include "server/imports/glpi_inventory.h"

namespace bestand {
namespace {

constexpr size_t kMaxInflatedBytes = 64 * 1024 * 1024;
// Inventories inflated, parsed and stored at once: each may take about 20 times its
// decompressed size (64 MiB at most) while it is parsed, so this bounds the endpoint's memory.
// Others wait up to kParseWait for their turn, then get 503 (a stopping server waits for
// waiting requests too, so this stays short: one parse takes tens of milliseconds).
constexpr int kParsesAtOnce = 2;
constexpr auto kParseWait = std::chrono::seconds(4);
// Tasks of the GLPI Agent that Bestand does not serve; the agent is told so at contact.
const char* const kUnservedTasks[] = {"collect",      "deploy",          "esx",      "netdiscovery",
                                      "netinventory", "remoteinventory", "wakeonlan"};

enum class Compression { kNone, kZlib, kGzip };

// zlib or gzip data inflated, bounded.
absl::StatusOr<std::string> Inflate(const std::string& in) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) return absl::InternalError("zlib");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (out.size() > kMaxInflatedBytes) break;
  }
  inflateEnd(&z);
  if (out.size() > kMaxInflatedBytes) {
    return absl::InvalidArgumentError("the decompressed body exceeds 64 MiB");
  }
  if (rc != Z_STREAM_END) return absl::InvalidArgumentError("the compressed body is corrupt");
  return out;
}

std::string Deflate(const std::string& in, Compression how) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, how == Compression::kGzip ? 15 + 16 : 15, 8,
               Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

Compression CompressionOf(const httplib::Request& req) {
  const std::string type = absl::AsciiStrToLower(req.get_header_value("Content-Type"));
  const auto* b = reinterpret_cast<const unsigned char*>(req.body.data());
  if (absl::StrContains(type, "gzip") || (req.body.size() > 1 && b[0] == 0x1f && b[1] == 0x8b)) {
    return Compression::kGzip;
  }
  if (absl::StrContains(type, "compress") || (!req.body.empty() && b[0] == 0x78)) {
    return Compression::kZlib;
  }
  return Compression::kNone;
}

// `s` as a JSON string, quoted and escaped (text that is no UTF-8 becomes "").
std::string JsonString(absl::string_view s) {
  google::protobuf::Value v;
  v.set_string_value(std::string(s));
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(v, &out).ok()) return "\"\"";
  return out;
}

// The CONTACT answer of a GLPI server: inventory served, every other task the agent has
// disabled (the legacy list where the agent did not say).
std::string ContactAnswer(const std::vector<std::string>& installed) {
  std::set<std::string> disabled(std::begin(kUnservedTasks), std::end(kUnservedTasks));
  disabled.insert(installed.begin(), installed.end());
  disabled.erase("inventory");
  std::vector<std::string> quoted;
  for (const std::string& task : disabled) quoted.push_back(JsonString(task));
  return absl::StrCat(
      "{\"status\":\"ok\",\"expiration\":24,\"tasks\":{\"inventory\":{\"server\":\"glpi\","
      "\"version\":\"10.0\"}},\"disabled\":[",
      absl::StrJoin(quoted, ","), "]}");
}

class Endpoint {
 public:
  Endpoint(Fleet* fleet, TokenManager* tokens, const InventoryEndpointOptions& options)
      : fleet_(fleet), tokens_(tokens), limit_(options.burst, options.refill_per_second) {}

  void Serve(const httplib::Request& req, httplib::Response& res) {
    absl::StatusOr<Principal> who = Authenticate(req);
    if (!who.ok()) {
      res.status = absl::IsPermissionDenied(who.status()) ? 403 : 401;
      res.set_header("WWW-Authenticate", "Basic realm=\"bestand\"");
      return res.set_content(absl::StrCat(who.status().message(),
                                          "; give the agent a Bestand token of role inventory "
                                          "as --password ('bestand token create --role "
                                          "inventory')\n"),
                             "text/plain");
    }
    if (!limit_.Allow(req.remote_addr)) {
      res.status = 429;
      res.set_header("Retry-After", "60");
      return res.set_content("too many requests from this address; try again in a minute\n",
                             "text/plain");
    }
    if (req.method == "GET") {
      // The legacy task protocol (Collect, Deploy, ESX): nothing is scheduled here.
      if (req.get_param_value("action") == "getConfig") {
        return res.set_content("{\"schedule\":[],\"configValidityPeriod\":86400}",
                               "application/json");
      }
      res.status = 405;
      return res.set_content("POST an inventory\n", "text/plain");
    }
    if (!parses_.try_acquire_for(kParseWait)) {
      res.status = 503;
      res.set_header("Retry-After", "60");
      return res.set_content("the server is busy with other inventories; try again later\n",
                             "text/plain");
    }
    struct Release {
      std::counting_semaphore<kParsesAtOnce>& s;
      ~Release() { s.release(); }
    } release{parses_};
    const Compression compression = CompressionOf(req);
    absl::StatusOr<std::string> body =
        compression == Compression::kNone ? req.body : Inflate(req.body);
    const bool json = body.ok() && absl::StartsWith(absl::StripLeadingAsciiWhitespace(*body), "{");
    absl::Status result = body.status();
    if (body.ok()) {
      result = json ? Glpi(*body, who->Actor(), compression, res)
                    : Xml(*body, who->Actor(), !req.get_header_value("GLPI-Agent-ID").empty(),
                          compression, res);
    }
    if (result.ok()) return;
    res.status = absl::IsInvalidArgument(result) ? 400 : 500;
    if (json) {
      Reply(absl::StrCat("{\"status\":\"error\",\"message\":", JsonString(result.message()), "}"),
            "application/json", compression, res);
    } else {
      res.set_content(absl::StrCat(result.message(), "\n"), "text/plain");
    }
  }

 private:
  absl::StatusOr<Principal> Authenticate(const httplib::Request& req) {
    std::string header = req.get_header_value("Authorization");
    absl::string_view value = header;
    std::string decoded;
    if (!absl::ConsumePrefix(&value, "Basic ") || !absl::Base64Unescape(value, &decoded)) {
      return absl::UnauthenticatedError("no credentials");
    }
    const size_t colon = decoded.find(':');
    absl::StatusOr<Principal> who =
        tokens_->Authenticate(colon == std::string::npos ? decoded : decoded.substr(colon + 1));
    if (!who.ok()) return who;
    if (absl::Status allowed = Authorize(*who, Permission::kSubmitInventory); !allowed.ok()) {
      return allowed;
    }
    return who;
  }

  // Replies compressed as the request was.
  static void Reply(const std::string& text, const std::string& plain_type, Compression compression,
                    httplib::Response& res) {
    switch (compression) {
      case Compression::kNone:
        return res.set_content(text, plain_type);
      case Compression::kZlib:
        return res.set_content(Deflate(text, compression), "application/x-compress-zlib");
      case Compression::kGzip:
        return res.set_content(Deflate(text, compression), "application/x-compress-gzip");
    }
  }

  absl::Status Glpi(const std::string& body, const std::string& actor, Compression compression,
                    httplib::Response& res) {
    absl::StatusOr<GlpiMessage> message = ParseGlpiMessage(body);
    if (!message.ok()) return message.status();
    if (message->action == "contact") {
      Reply(ContactAnswer(message->installed_tasks), "application/json", compression, res);
      return absl::OkStatus();
    }
    if (message->action != "inventory") {
      return absl::InvalidArgumentError(absl::StrCat("the action '", message->action,
                                                     "' is not served here (contact, inventory)"));
    }
    absl::Status imported = fleet_->ImportInventory(actor, message->report, false).status();
    if (!imported.ok()) return imported;
    Reply("{\"status\":\"ok\",\"expiration\":24}", "application/json", compression, res);
    return absl::OkStatus();
  }

  absl::Status Xml(const std::string& body, const std::string& actor, bool glpi_agent,
                   Compression compression, httplib::Response& res) {
    absl::StatusOr<std::string> query = ParseFusionQuery(body);
    if (!query.ok()) return query.status();
    if (*query == "PROLOG") {
      // A GLPI Agent names itself in a header: its answer moves it to the JSON protocol.
      Reply(glpi_agent ? ContactAnswer({})
                       : "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<REPLY><PROLOG_FREQ>24"
                         "</PROLOG_FREQ><RESPONSE>SEND</RESPONSE></REPLY>\n",
            glpi_agent ? "application/json" : "application/xml", compression, res);
      return absl::OkStatus();
    }
    if (*query != "INVENTORY") {
      return absl::InvalidArgumentError(
          absl::StrCat("QUERY ", *query, " is not supported (PROLOG, INVENTORY)"));
    }
    absl::StatusOr<v1::InventoryReport> report = ParseFusionInventory(body);
    if (!report.ok()) return report.status();
    absl::Status imported = fleet_->ImportInventory(actor, *report, false).status();
    if (!imported.ok()) return imported;
    Reply(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<REPLY><RESPONSE>no_update</RESPONSE>"
        "</REPLY>\n",
        "application/xml", compression, res);
    return absl::OkStatus();
  }

  Fleet* fleet_;
  TokenManager* tokens_;
  RateLimit limit_;
  std::counting_semaphore<kParsesAtOnce> parses_{kParsesAtOnce};
};

}  // namespace

absl::StatusOr<std::unique_ptr<InventoryHttpServer>> InventoryHttpServer::Start(
    const std::string& listen, const std::string& cert_pem, const std::string& key_pem,
    Fleet* fleet, TokenManager* tokens, const InventoryEndpointOptions& options) {
  auto endpoint = std::make_shared<Endpoint>(fleet, tokens, options);
  auto serve = [endpoint](const httplib::Request& req, httplib::Response& res) {
    endpoint->Serve(req, res);
  };
  std::unique_ptr<InventoryHttpServer> s(new InventoryHttpServer());
  absl::StatusOr<std::unique_ptr<HttpsServer>> https = HttpsServer::Start(
      "--inventory-listen", listen, cert_pem, key_pem, options.https, [&](httplib::Server& server) {
        server.Get(".*", serve);
        server.Post(".*", serve);
      });
  if (!https.ok()) return https.status();
  s->https_ = std::move(*https);
  return s;
}

}  // namespace bestand
