#include "common/report_hash.h"

#include "common/crypto.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace bestand {

std::string ReportContentHash(const v1::InventoryReport& report) {
  v1::InventoryReport stable = report;
  stable.clear_collect_time();
  stable.clear_boot_time();
  stable.clear_last_login_user();
  for (auto& fs : *stable.mutable_filesystems()) fs.clear_free_bytes();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    stable.SerializeToCodedStream(&coded);
  }
  return Sha256Hex(bytes);
}

}  // namespace bestand
