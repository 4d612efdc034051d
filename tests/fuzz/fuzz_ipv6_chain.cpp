// Ipv6View::parse and walk_extension_chain over any packet: every accessor,
// every chain member checked against the packet, the Tunnel Encapsulation
// Limit search against the walk, and the fixed header rebuilt with
// write_ipv6_header.

#include <array>

#include "fuzz_support.hpp"

using namespace roam6::wire;
using namespace roam6::wire::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan buffer(data, size);
  const auto ip = Ipv6View::parse(buffer);
  if (!ip) {
    FUZZ_CHECK(ip.error() == Errc::truncated_ipv6_header || ip.error() == Errc::bad_ip_version ||
               ip.error() == Errc::payload_length_exceeds_buffer ||
               ip.error() == Errc::jumbogram_unsupported);
    return 0;
  }
  touch_ipv6(*ip, buffer);

  Ipv6Fields fields;
  fields.traffic_class = ip->traffic_class();
  fields.flow_label = ip->flow_label();
  fields.payload_length = ip->payload_length();
  fields.next_header = ip->next_header();
  fields.hop_limit = ip->hop_limit();
  fields.src = ip->src();
  fields.dst = ip->dst();
  std::array<std::uint8_t, ipv6_header_size> rebuilt{};
  const auto n = write_ipv6_header(rebuilt, fields);
  FUZZ_CHECK(n.ok() && *n == ipv6_header_size);
  FUZZ_CHECK(same_bytes(rebuilt, buffer.first(ipv6_header_size)));

  const auto chain = walk_extension_chain(*ip);
  if (chain) touch_chain(*chain, ip->packet());
  check_encapsulation_limit(*ip, chain);
  return 0;
}
