#include "server/http/connection_watch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include "absl/time/clock.h"

namespace bestand {
namespace {

// The connection the calling worker thread serves (set at its handshake, cleared at its end).
thread_local void* tls_entry = nullptr;

std::string PeerAddress(int fd) {
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return "";
  char text[INET6_ADDRSTRLEN] = "";
  if (peer.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&peer)->sin_addr, text, sizeof text);
  } else if (peer.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&peer)->sin6_addr, text, sizeof text);
  }
  return text;
}

}  // namespace

struct WatchCallbacks {
  // Marks an SSL as watched; its free function ends the watch when the SSL is freed.
  static int Index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, &OnFree);
    return index;
  }

  static void OnInfo(const SSL* ssl, int where, int /*ret*/) {
    if ((where & SSL_CB_HANDSHAKE_START) == 0 || SSL_get_ex_data(ssl, Index()) != nullptr) return;
    auto* watch = static_cast<ConnectionWatch*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
    if (watch != nullptr) watch->Begin(const_cast<SSL*>(ssl));
  }

  // Counts the bytes of every record received; over the request's budget the socket is shut.
  static void OnRecord(int write_p, int /*version*/, int content_type, const void* buf, size_t len,
                       SSL* ssl, void* /*arg*/) {
    if (write_p != 0 || content_type != SSL3_RT_HEADER || len < 5 || tls_entry == nullptr) return;
    if (SSL_get_ex_data(ssl, Index()) == nullptr) return;
    auto* entry = static_cast<ConnectionWatch::Entry*>(tls_entry);
    const auto* header = static_cast<const unsigned char*>(buf);
    entry->received += 5 + ((size_t{header[3]} << 8) | header[4]);
    if (entry->received > entry->budget) shutdown(entry->fd, SHUT_RDWR);
  }

  static void OnFree(void* parent, void* ptr, CRYPTO_EX_DATA* /*ad*/, int /*idx*/, long /*argl*/,
                     void* /*argp*/) {
    if (ptr != nullptr) static_cast<ConnectionWatch*>(ptr)->End(static_cast<SSL*>(parent));
  }
};

ConnectionWatch::ConnectionWatch(Limits limits) : limits_(limits) {
  watcher_ = std::thread([this] { Watch(); });
}

ConnectionWatch::~ConnectionWatch() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  watcher_.join();
}

void ConnectionWatch::Attach(SSL_CTX* ctx) {
  SSL_CTX_set_app_data(ctx, this);
  SSL_CTX_set_info_callback(ctx, &WatchCallbacks::OnInfo);
  SSL_CTX_set_msg_callback(ctx, &WatchCallbacks::OnRecord);
}

void ConnectionWatch::Begin(SSL* ssl) {
  const int fd = SSL_get_fd(ssl);
  if (fd < 0) return;
  auto entry = std::make_unique<Entry>();
  entry->fd = fd;
  entry->address = PeerAddress(fd);
  entry->deadline = absl::Now() + limits_.lifetime;
  entry->header_bytes = entry->budget = limits_.header_bytes;
  std::lock_guard<std::mutex> lock(mu_);
  int same = 0;
  for (const auto& [unused, e] : open_) same += e->address == entry->address ? 1 : 0;
  if (same >= limits_.per_address || stopping_) {
    shutdown(fd, SHUT_RDWR);  // the handshake fails; nothing to forget later
    return;
  }
  tls_entry = entry.get();
  SSL_set_ex_data(ssl, WatchCallbacks::Index(), this);
  open_[ssl] = std::move(entry);
}

void ConnectionWatch::End(const SSL* ssl) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = open_.find(ssl);
  if (it == open_.end()) return;
  if (tls_entry == it->second.get()) tls_entry = nullptr;
  open_.erase(it);
}

void ConnectionWatch::AllowBody(size_t body_bytes) {
  if (tls_entry == nullptr) return;
  auto* entry = static_cast<Entry*>(tls_entry);
  // Records add a few bytes each (16 KiB of data per record at most).
  entry->budget = entry->received + body_bytes + body_bytes / 256 + 4096;
}

void ConnectionWatch::RequestDone() {
  if (tls_entry == nullptr) return;
  auto* entry = static_cast<Entry*>(tls_entry);
  entry->received = 0;
  entry->budget = entry->header_bytes;
}

void ConnectionWatch::EndAll() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = true;  // and no new ones
  for (auto& [unused, e] : open_) {
    shutdown(e->fd, SHUT_RDWR);
    e->ended = true;
  }
}

int ConnectionWatch::open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(open_.size());
}

void ConnectionWatch::Watch() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(250));
    const absl::Time now = absl::Now();
    for (auto& [unused, e] : open_) {
      if (!e->ended && now >= e->deadline) {
        shutdown(e->fd, SHUT_RDWR);  // a blocked read or write returns at once
        e->ended = true;
      }
    }
  }
}

}  // namespace bestand
