// Neighbour Discovery: the four parsers (RS, RA, NS, NA) over the IPv6
// payload of any packet, every accessor of the view that accepts it and of
// its options. A message with a wrong ICMPv6 checksum is parsed again with
// the checksum fixed up, so mutations get to the message checks and options.

#include <vector>

#include "fuzz_nd.hpp"

using namespace roam6::wire;
using namespace roam6::wire::fuzz;

namespace {

// Returns the error of the parser for the message's own type.
Errc parse_all(const Ipv6View& ip, ByteSpan icmp) {
  int accepted = 0;
  Errc own = Errc::wrong_icmpv6_type;
  const auto note = [&](const auto& result) {
    if (result.ok()) ++accepted;
    if (!result.ok() && result.error() == Errc::wrong_icmpv6_type) return;
    own = result.ok() ? Errc::ok : result.error();
  };
  const auto rs = parse_router_solicitation(ip, icmp);
  note(rs);
  if (rs) touch_rs(*rs);
  const auto ra = parse_router_advertisement(ip, icmp);
  note(ra);
  if (ra) {
    FUZZ_CHECK(ip.src().is_link_local());
    touch_ra(*ra);
  }
  const auto ns = parse_neighbour_solicitation(ip, icmp);
  note(ns);
  if (ns) {
    FUZZ_CHECK(ns->is_duplicate_address_detection() == ip.src().is_unspecified());
    if (ns->is_duplicate_address_detection()) FUZZ_CHECK(is_solicited_node_multicast(ip.dst()));
    touch_ns(*ns);
  }
  const auto na = parse_neighbour_advertisement(ip, icmp);
  note(na);
  if (na) {
    FUZZ_CHECK(!(na->solicited() && ip.dst().is_multicast()));
    touch_na(*na);
  }
  FUZZ_CHECK(accepted <= 1);
  if (accepted == 1) FUZZ_CHECK(ip.hop_limit() == nd_hop_limit);
  return own;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan input(data, size);
  const auto ip = Ipv6View::parse(input);
  if (!ip) return 0;
  touch_ipv6(*ip, input);
  use(is_solicited_node_multicast(ip->dst()));
  if (parse_all(*ip, ip->payload()) == Errc::bad_icmpv6_checksum) {
    std::vector<std::uint8_t> copy = copy_of(input);
    FUZZ_CHECK(fix_icmpv6_checksum(copy, ipv6_header_size));
    const auto fixed = Ipv6View::parse(copy);
    FUZZ_CHECK(fixed.ok());
    FUZZ_CHECK(parse_all(*fixed, fixed->payload()) != Errc::bad_icmpv6_checksum);
  }
  return 0;
}
