// Round trip of Neighbour Discovery messages: parse an RS, RA, NS or NA (the
// ICMPv6 checksum fixed up first when wrong), rebuild it with the matching
// write_* builder from the parsed fields and options, parse the rebuild and
// compare. The builders refuse exactly what the parsers refuse, so a message
// that parses must rebuild, with two documented exceptions checked below.

#include <array>
#include <vector>

#include "fuzz_nd.hpp"

using namespace roam6::wire;
using namespace roam6::wire::fuzz;

namespace {

std::array<std::uint8_t, 65536 + 64> g_out;

Ipv6View reparse(const Result<std::size_t>& n) {
  FUZZ_CHECK(n.ok());
  const auto ip = Ipv6View::parse(ByteSpan(g_out.data(), *n));
  FUZZ_CHECK(ip.ok());
  FUZZ_CHECK(ip->hop_limit() == nd_hop_limit);
  return *ip;
}

bool same_prefixes(std::span<const PrefixInformation> a, std::span<const PrefixInformation> b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].prefix != b[i].prefix || a[i].on_link != b[i].on_link ||
        a[i].autonomous != b[i].autonomous || a[i].other_flags != b[i].other_flags ||
        a[i].valid_lifetime != b[i].valid_lifetime ||
        a[i].preferred_lifetime != b[i].preferred_lifetime)
      return false;
  }
  return true;
}

void round_trip(const Ipv6View& ip, ByteSpan icmp) {
  if (const auto rs = parse_router_solicitation(ip, icmp)) {
    RouterSolicitationFields f;
    f.src = ip.src();
    f.dst = ip.dst();
    f.source_link_layer = rs->options().source_link_layer;
    const Ipv6View out = reparse(write_router_solicitation(g_out, f));
    const auto back = parse_router_solicitation(out, out.payload());
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(out.src() == ip.src() && out.dst() == ip.dst());
    FUZZ_CHECK(back->options().source_link_layer == rs->options().source_link_layer);
    touch_rs(*back);
  }
  if (const auto ra = parse_router_advertisement(ip, icmp)) {
    const NdOptionSet& o = ra->options();
    // Beyond the stored prefixes the rebuild would lose some.
    if (o.prefixes_not_stored != 0) return;
    // RFC 4861 4.6.2: a sender never puts a preferred lifetime above the
    // valid one, and the builder refuses it; a receiver still parses it
    // (RFC 4862 5.5.3 (c) has the host ignore that prefix).
    for (const PrefixInformation& p : o.prefixes())
      if (p.preferred_lifetime > p.valid_lifetime) return;
    RouterAdvertisementFields f;
    f.src = ip.src();
    f.dst = ip.dst();
    f.cur_hop_limit = ra->cur_hop_limit();
    f.managed = ra->managed();
    f.other_config = ra->other_config();
    f.other_flags = ra->other_flags();
    f.router_lifetime = ra->router_lifetime();
    f.reachable_time = ra->reachable_time();
    f.retrans_timer = ra->retrans_timer();
    f.source_link_layer = o.source_link_layer;
    f.mtu = o.mtu;
    f.prefixes = o.prefixes();
    const Ipv6View out = reparse(write_router_advertisement(g_out, f));
    const auto back = parse_router_advertisement(out, out.payload());
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(out.src() == ip.src() && out.dst() == ip.dst());
    FUZZ_CHECK(back->cur_hop_limit() == ra->cur_hop_limit());
    FUZZ_CHECK(back->managed() == ra->managed() && back->other_config() == ra->other_config());
    FUZZ_CHECK(back->other_flags() == ra->other_flags());
    FUZZ_CHECK(back->router_lifetime() == ra->router_lifetime());
    FUZZ_CHECK(back->reachable_time() == ra->reachable_time());
    FUZZ_CHECK(back->retrans_timer() == ra->retrans_timer());
    FUZZ_CHECK(back->options().source_link_layer == o.source_link_layer);
    FUZZ_CHECK(back->options().mtu == o.mtu);
    FUZZ_CHECK(same_prefixes(back->options().prefixes(), o.prefixes()));
    touch_ra(*back);
  }
  if (const auto ns = parse_neighbour_solicitation(ip, icmp)) {
    NeighbourSolicitationFields f;
    f.src = ip.src();
    f.target = ns->target();
    f.dst = ip.dst();
    f.source_link_layer = ns->options().source_link_layer;
    const Ipv6View out = reparse(write_neighbour_solicitation(g_out, f));
    const auto back = parse_neighbour_solicitation(out, out.payload());
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(out.src() == ip.src() && out.dst() == ip.dst());
    FUZZ_CHECK(back->target() == ns->target());
    FUZZ_CHECK(back->is_duplicate_address_detection() == ns->is_duplicate_address_detection());
    FUZZ_CHECK(back->options().source_link_layer == ns->options().source_link_layer);
    touch_ns(*back);
  }
  if (const auto na = parse_neighbour_advertisement(ip, icmp)) {
    NeighbourAdvertisementFields f;
    f.src = ip.src();
    f.dst = ip.dst();
    f.target = na->target();
    f.router = na->router();
    f.solicited = na->solicited();
    f.override_flag = na->override_flag();
    f.target_link_layer = na->options().target_link_layer;
    const Ipv6View out = reparse(write_neighbour_advertisement(g_out, f));
    const auto back = parse_neighbour_advertisement(out, out.payload());
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(out.src() == ip.src() && out.dst() == ip.dst());
    FUZZ_CHECK(back->target() == na->target());
    FUZZ_CHECK(back->router() == na->router() && back->solicited() == na->solicited() &&
               back->override_flag() == na->override_flag());
    FUZZ_CHECK(back->options().target_link_layer == na->options().target_link_layer);
    touch_na(*back);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan input(data, size);
  const auto ip = Ipv6View::parse(input);
  if (!ip) return 0;
  if (ip->payload().size() >= icmpv6_header_size &&
      !upper_layer_checksum_valid(ip->src(), ip->dst(), ipproto::icmpv6, ip->payload())) {
    std::vector<std::uint8_t> copy = copy_of(input);
    FUZZ_CHECK(fix_icmpv6_checksum(copy, ipv6_header_size));
    const auto fixed = Ipv6View::parse(copy);
    FUZZ_CHECK(fixed.ok());
    round_trip(*fixed, fixed->payload());
  } else {
    round_trip(*ip, ip->payload());
  }
  return 0;
}
