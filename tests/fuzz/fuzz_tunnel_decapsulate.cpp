// IPv6-in-IPv6 decapsulation over any packet: decapsulate, every member of
// the result and every accessor of the inner view, the inner packet's own
// chain, and find_tunnel_encapsulation_limit on both layers.

#include "fuzz_support.hpp"
#include "roam6/wire/tunnel.hpp"

using namespace roam6::wire;
using namespace roam6::wire::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan input(data, size);
  if (const auto outer = Ipv6View::parse(input)) check_encapsulation_limit(*outer, walk_extension_chain(*outer));

  const auto t = decapsulate(input);
  if (!t) return 0;
  const auto outer = Ipv6View::parse(input);
  FUZZ_CHECK(outer.ok());
  FUZZ_CHECK(t->outer_src == outer->src() && t->outer_dst == outer->dst());
  FUZZ_CHECK(t->outer_traffic_class == outer->traffic_class());
  touch_chain(t->outer_chain, outer->packet());
  FUZZ_CHECK(!t->outer_chain.fragmented);
  FUZZ_CHECK(t->outer_chain.upper_protocol == ipproto::ipv6);
  FUZZ_CHECK(t->inner_offset == t->outer_chain.upper_offset);
  // The inner packet, as its header declares it, lies inside the outer one.
  touch_ipv6(t->inner, outer->packet().subspan(t->inner_offset));
  FUZZ_CHECK(within(t->inner.packet(), outer->packet()));
  FUZZ_CHECK(t->inner.packet().data() == outer->packet().data() + t->inner_offset);

  const auto inner_chain = walk_extension_chain(t->inner);
  if (inner_chain) touch_chain(*inner_chain, t->inner.packet());
  check_encapsulation_limit(t->inner, inner_chain);
  // Nested tunnel: decapsulating the inner packet stays inside it.
  if (const auto nested = decapsulate(t->inner.packet())) {
    FUZZ_CHECK(within(nested->inner.packet(), t->inner.packet()));
    touch(nested->inner.packet());
  }
  return 0;
}
