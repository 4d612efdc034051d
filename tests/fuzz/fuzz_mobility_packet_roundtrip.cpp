// Round trip of a whole IPv6 packet with a Mobility Header: decode it (the
// MH checksum fixed up first when it is wrong), rebuild it with
// MobilityPacketWriter (same addresses, Home Address option, type 2 routing
// header, traffic class, flow label, hop limit, message and options), decode
// the rebuild and compare.

#include <array>
#include <vector>

#include "fuzz_mobility.hpp"
#include "roam6/wire/mobility_packet.hpp"

using namespace roam6::wire;
using namespace roam6::wire::fuzz;

namespace {

void round_trip(ByteSpan input) {
  MobilityPacket p;
  if (decode_mobility_packet(input, p) != Errc::ok) return;
  MobilityOptionSet original;
  if (decode_mobility_options(p.mh, original) != Errc::ok) return;

  MobilityPacketFields fields;
  fields.src = p.ip.src();
  fields.dst = p.ip.dst();
  fields.home_address_option = p.home_address_option();
  fields.type2_home_address = p.type2_home_address();
  fields.hop_limit = p.ip.hop_limit();
  fields.traffic_class = p.ip.traffic_class();
  fields.flow_label = p.ip.flow_label();
  std::array<std::uint8_t, 4096> buf{};
  MobilityPacketWriter pw(buf, fields);
  if (rebuild_mobility_header(p.mh, pw.mh()) != Rebuild::done) return;
  const auto size = pw.finish();
  if (!rebuild_finished(p.mh, size.ok() ? Errc::ok : size.error())) return;

  MobilityPacket q;
  const Errc e = decode_mobility_packet(ByteSpan(buf.data(), *size), q);
  FUZZ_CHECK(e == Errc::ok);
  FUZZ_CHECK(q.ip.packet().size() == *size);
  FUZZ_CHECK(q.ip.src() == p.ip.src() && q.ip.dst() == p.ip.dst());
  FUZZ_CHECK(q.ip.hop_limit() == p.ip.hop_limit());
  FUZZ_CHECK(q.ip.traffic_class() == p.ip.traffic_class());
  FUZZ_CHECK(q.ip.flow_label() == p.ip.flow_label());
  FUZZ_CHECK(q.home_address_option() == p.home_address_option());
  FUZZ_CHECK(q.type2_home_address() == p.type2_home_address());
  FUZZ_CHECK(q.mh_offset() == pw.mh_offset());
  // The writer sends a type 2 routing header with one segment left, so the
  // checksum covers the home address whatever the original said.
  FUZZ_CHECK(q.pseudo_source() == p.pseudo_source());
  if (q.type2_home_address()) FUZZ_CHECK(q.pseudo_destination() == *q.type2_home_address());
  FUZZ_CHECK(same_message(p.mh, q.mh));
  FUZZ_CHECK(verify_mobility_option_alignment(q.mh) == Errc::ok);
  MobilityOptionSet decoded;
  FUZZ_CHECK(decode_mobility_options(q.mh, decoded) == Errc::ok);
  FUZZ_CHECK(same_known_options(original, decoded, false));
  touch(q.ip.packet());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan input(data, size);
  MobilityPacket p;
  if (decode_mobility_packet(input, p) == Errc::bad_mobility_header_checksum) {
    std::vector<std::uint8_t> fixed = copy_of(input);
    FUZZ_CHECK(fix_mobility_checksum(fixed));
    round_trip(fixed);
  } else {
    round_trip(input);
  }
  return 0;
}
