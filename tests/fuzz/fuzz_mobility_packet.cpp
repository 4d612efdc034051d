// decode_mobility_packet over a whole IPv6 packet: both forms, every member of
// the result, the MH and its options. A packet whose MH checksum is wrong is
// also decoded with the checksum fixed up, so mutations reach the MH parsers.

#include <vector>

#include "fuzz_mobility.hpp"
#include "roam6/wire/mobility_packet.hpp"

using namespace roam6::wire;
using namespace roam6::wire::fuzz;

namespace {

void touch_packet(const MobilityPacket& p, ByteSpan input) {
  touch_ipv6(p.ip, input);
  touch_chain(p.chain, p.ip.packet());
  FUZZ_CHECK(p.chain.upper_protocol == ipproto::mobility);
  FUZZ_CHECK(!p.chain.later_fragment);
  FUZZ_CHECK(p.mh_offset() == p.chain.upper_offset);
  FUZZ_CHECK(p.mh.data() == p.ip.packet().data() + p.mh_offset());
  FUZZ_CHECK(within(p.mh.bytes(), p.ip.packet()));
  use(p.home_address_option());
  use(p.type2_home_address());
  const Ip6Addr src = p.pseudo_source();
  const Ip6Addr dst = p.pseudo_destination();
  FUZZ_CHECK(src == (p.chain.home_address ? *p.chain.home_address : p.ip.src()));
  FUZZ_CHECK(p.mh.checksum_valid(src, dst));
  touch_mobility_header(p.mh, p.ip.packet().subspan(p.mh_offset()));
  MobilityOptionSet set;
  (void)touch_mobility_options(p.mh, set);
}

void decode(ByteSpan input) {
  MobilityPacket p;
  const Errc e = decode_mobility_packet(input, p);
  const auto convenience = decode_mobility_packet(input);
  FUZZ_CHECK(convenience.ok() == (e == Errc::ok));
  if (e != Errc::ok) {
    FUZZ_CHECK(convenience.error() == e);
    return;
  }
  FUZZ_CHECK(convenience->mh.data() == p.mh.data() && convenience->mh.size() == p.mh.size());
  FUZZ_CHECK(convenience->chain.upper_offset == p.chain.upper_offset);
  touch_packet(p, input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan input(data, size);
  decode(input);
  MobilityPacket p;
  if (decode_mobility_packet(input, p) == Errc::bad_mobility_header_checksum) {
    std::vector<std::uint8_t> fixed = copy_of(input);
    FUZZ_CHECK(fix_mobility_checksum(fixed));
    FUZZ_CHECK(decode_mobility_packet(fixed, p) == Errc::ok);
    decode(fixed);
  }
  return 0;
}
