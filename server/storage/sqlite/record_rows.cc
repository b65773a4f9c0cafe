#include "server/storage/sqlite/record_rows.h"

#include <algorithm>

#include "common/time.h"

namespace bestand::sqlite {
namespace {

constexpr char kSoftwareFormat = 1;

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(absl::string_view* in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    uint8_t b = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    *v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

}  // namespace

void ReadAudit(Stmt& st, v1::AuditEvent* e) {
  e->set_sequence(st.Int(0));
  *e->mutable_time() = FromMicros(st.Int(1));
  e->set_actor(st.Text(2));
  e->set_action(st.Text(3));
  e->set_resource(st.Text(4));
  e->set_before(st.Text(5));
  e->set_after(st.Text(6));
  e->set_prev_hash(st.Text(7));
  e->set_hash(st.Text(8));
}

std::string EncodeSoftware(const DeviceSoftwareRecord& r) {
  std::string out(1, kSoftwareFormat);
  out.reserve(r.package_ids.size() * 5);
  int64_t prev_id = 0, prev_install = 0, prev_seen = 0;
  for (size_t i = 0; i < r.package_ids.size(); ++i) {
    int64_t install = std::max<int64_t>(0, r.install_micros[i] / 1000000);
    int64_t seen = std::max<int64_t>(0, r.first_seen_micros[i] / 1000000);
    PutVarint(&out, static_cast<uint64_t>(r.package_ids[i] - prev_id));
    PutVarint(&out, ZigZag(install - prev_install));
    PutVarint(&out, ZigZag(seen - prev_seen));
    prev_id = r.package_ids[i];
    prev_install = install;
    prev_seen = seen;
  }
  return out;
}

absl::Status DecodeSoftware(absl::string_view in, DeviceSoftwareRecord* r) {
  if (in.empty() || in.front() != kSoftwareFormat) {
    return absl::DataLossError("a device's software set has an unknown format");
  }
  in.remove_prefix(1);
  const size_t expected = in.size() / 3;  // three varints of at least a byte per package
  r->package_ids.reserve(expected);
  r->install_micros.reserve(expected);
  r->first_seen_micros.reserve(expected);
  int64_t id = 0, install = 0, seen = 0;
  while (!in.empty()) {
    uint64_t delta, d_install, d_seen;
    if (!GetVarint(&in, &delta) || !GetVarint(&in, &d_install) || !GetVarint(&in, &d_seen)) {
      return absl::DataLossError("a device's software set is corrupt");
    }
    id += static_cast<int64_t>(delta);
    install += UnZigZag(d_install);
    seen += UnZigZag(d_seen);
    r->package_ids.push_back(id);
    r->install_micros.push_back(install * 1000000);
    r->first_seen_micros.push_back(seen * 1000000);
  }
  return absl::OkStatus();
}

void ReadAgent(Stmt& st, AgentRecord* a) {
  a->device_id = st.Int(0);
  a->cert_serial = st.Text(1);
  a->enroll_micros = st.Int(2);
  a->revoke_micros = st.Int(3);
  a->last_seen_micros = st.Int(4);
  a->last_report_micros = st.Int(5);
  a->report_hash = st.Text(6);
  a->facts = st.Text(7);
  a->previous_cert_serial = st.Text(8);
  a->seal = st.Text(9);
  a->seen_seal = st.Text(10);
  a->cert_expire_micros = st.Int(11);
}

void ReadSoftwareEvent(Stmt& st, SoftwareEventRecord* e) {
  e->id = st.Int(0);
  e->device_id = st.Int(1);
  e->micros = st.Int(2);
  e->kind = static_cast<int>(st.Int(3));
  e->package_id = st.Int(4);
  e->previous_package_id = st.Int(5);
}

void ReadPackage(Stmt& st, PackageRecord* p) {
  p->id = st.Int(0);
  p->source = st.Text(1);
  p->name = st.Text(2);
  p->architecture = st.Text(3);
  p->version = st.Text(4);
  p->publisher = st.Text(5);
}

}  // namespace bestand::sqlite
