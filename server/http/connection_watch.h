// Guards the HTTPS stack's connections where cpp-httplib has no limit of its own. Every TLS
// connection is watched from the start of its handshake until its SSL object is freed:
//  - a connection older than `lifetime` has its socket shut down, so a client that trickles
//    bytes (handshake, headers or body) holds a worker for at most that long;
//  - one peer address holds at most `per_address` connections at a time (more are cut at the
//    start of the handshake);
//  - a request may send at most `header_bytes` before its headers are complete (AllowBody then
//    grants its body), so endless headers cannot fill memory.
// The callbacks run on the worker thread that serves the connection; the watcher thread only
// shuts sockets down, never closes them (cpp-httplib closes each after freeing its SSL).
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/time/time.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace bestand {

class ConnectionWatch {
 public:
  struct Limits {
    absl::Duration lifetime = absl::Minutes(2);
    int per_address = 16;
    size_t header_bytes = 64 * 1024;
  };

  explicit ConnectionWatch(Limits limits);
  ~ConnectionWatch();  // ends the watcher; every SSL of an attached context must be freed

  // Installs the callbacks on `ctx`; the watch must outlive every SSL made from it.
  void Attach(SSL_CTX* ctx);
  // Shuts down every open connection now (the server is stopping).
  void EndAll();
  int open() const;

  // On the thread serving a request whose headers have been read: `body_bytes` (plus the
  // TLS framing) may follow before the response.
  static void AllowBody(size_t body_bytes);
  // On the same thread once the response is written: the next request starts afresh.
  static void RequestDone();

 private:
  struct Entry {
    int fd = -1;
    std::string address;
    absl::Time deadline;
    bool ended = false;
    size_t received = 0;  // record bytes since the request began (worker thread only)
    size_t budget = 0;
    size_t header_bytes = 0;  // the budget a request starts with
  };

  friend struct WatchCallbacks;  // OpenSSL's callbacks, in the .cc
  void Begin(SSL* ssl);
  void End(const SSL* ssl);
  void Watch();

  const Limits limits_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<const SSL*, std::unique_ptr<Entry>> open_;
  std::thread watcher_;
};

}  // namespace bestand
