// What the libcurl transports share: the global initialisation (not thread-safe, so it runs
// once, before the first handle) and header lists that free themselves.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

namespace bestand {

void CurlGlobalInit();

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// Adds `line`; on failure (no memory) the list stays as it was.
void Append(Slist& list, const std::string& line);

}  // namespace bestand
