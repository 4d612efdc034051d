// EthernetView::parse over any frame, every accessor, and the IPv6 packet
// behind an IPv6 EtherType. Round trip: an untagged header rebuilt with
// write_ethernet_header equals the parsed one.

#include <array>

#include "fuzz_support.hpp"
#include "roam6/wire/ethernet.hpp"

using namespace roam6::wire;
using namespace roam6::wire::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan frame(data, size);
  const auto eth = EthernetView::parse(frame);
  if (!eth) {
    FUZZ_CHECK(size < ethernet_header_size + 4);
    return 0;
  }
  use(eth->dst());
  use(eth->src());
  use(eth->dst().is_multicast());
  use(eth->src().is_broadcast());
  use(eth->ethertype());
  FUZZ_CHECK(eth->vlan_id() <= 0x0fff);
  FUZZ_CHECK(eth->tagged() == (eth->header_size() == ethernet_header_size + 4));
  FUZZ_CHECK(eth->tagged() || eth->vlan_id() == 0);
  FUZZ_CHECK(eth->header_size() <= size);
  FUZZ_CHECK(eth->payload().data() == data + eth->header_size());
  FUZZ_CHECK(within(eth->payload(), frame));
  touch(eth->payload());

  if (!eth->tagged()) {
    std::array<std::uint8_t, ethernet_header_size> rebuilt{};
    const auto n = write_ethernet_header(rebuilt, eth->dst(), eth->src(), eth->ethertype());
    FUZZ_CHECK(n.ok() && *n == ethernet_header_size);
    FUZZ_CHECK(same_bytes(rebuilt, frame.first(ethernet_header_size)));
  }
  FUZZ_CHECK(!write_ethernet_header(MutableByteSpan{}, eth->dst(), eth->src(), 0).ok());

  if (eth->ethertype() == ethertype::ipv6) {
    if (const auto ip = Ipv6View::parse(eth->payload())) {
      touch_ipv6(*ip, eth->payload());
      if (const auto chain = walk_extension_chain(*ip)) touch_chain(*chain, ip->packet());
    }
  }
  return 0;
}
