#include "server/mail/curl_util.h"

#include <mutex>

namespace bestand {

void CurlGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

void Append(Slist& list, const std::string& line) {
  if (curl_slist* l = curl_slist_append(list.get(), line.c_str())) {
    list.release();
    list.reset(l);
  }
}

}  // namespace bestand
