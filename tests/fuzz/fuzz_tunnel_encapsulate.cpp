// IPv6-in-IPv6 encapsulation of any inner packet, copied into a buffer with
// headroom: plan_encapsulation under several tunnel configurations and both
// origins, encapsulate with the plan and in one call (same bytes), then the
// round trip: decapsulate the result and compare with the plan and the
// original (only the inner hop limit may change, by one).

#include <algorithm>
#include <array>
#include <vector>

#include "fuzz_support.hpp"
#include "roam6/wire/tunnel.hpp"

using namespace roam6::wire;
using namespace roam6::wire::fuzz;

namespace {

constexpr std::size_t kHeadroom = 64;

std::array<TunnelConfig, 3> configs() {
  TunnelConfig plain;
  plain.src = kHomeAgent;
  plain.dst = kCareOf;
  TunnelConfig limited = plain;
  limited.encapsulation_limit = recommended_tunnel_encapsulation_limit;
  limited.traffic_class_policy = TrafficClassPolicy::fixed;
  limited.fixed_traffic_class = 0xb8;
  limited.flow_label_key = 0x5eed;
  TunnelConfig fixed = plain;
  fixed.hop_limit = 1;
  fixed.encapsulation_limit = 0;
  fixed.flow_label_policy = FlowLabelPolicy::fixed;
  fixed.fixed_flow_label = 0xabcde;
  return {plain, limited, fixed};
}

void encapsulate_one(ByteSpan input, const TunnelConfig& config, InnerOrigin origin) {
  const auto plan = plan_encapsulation(input, config, origin);
  if (!plan) {
    const auto inner = Ipv6View::parse(input);
    if (inner && origin == InnerOrigin::local) FUZZ_CHECK(plan.error() != Errc::inner_hop_limit_exhausted);
    return;
  }
  const auto inner = Ipv6View::parse(input);
  FUZZ_CHECK(inner.ok());
  FUZZ_CHECK(plan->inner_length == inner->packet().size());
  FUZZ_CHECK(plan->header_size == tunnel_ipv6_header_size ||
             plan->header_size == tunnel_ipv6_header_size + tunnel_encapsulation_limit_header_size);
  FUZZ_CHECK(plan->flow_label <= 0xfffff);
  FUZZ_CHECK(plan->decrement_inner_hop_limit == (origin == InnerOrigin::forwarded));
  if (plan->decrement_inner_hop_limit) FUZZ_CHECK(inner->hop_limit() > 1);
  use(needs_packet_too_big(plan->inner_length, 1500, plan->header_size));

  std::vector<std::uint8_t> buf(kHeadroom + input.size());
  std::copy(input.begin(), input.end(), buf.begin() + static_cast<std::ptrdiff_t>(kHeadroom));
  std::vector<std::uint8_t> buf2 = buf;

  const auto e = encapsulate(buf, kHeadroom, *plan, config);
  FUZZ_CHECK(e.ok());
  FUZZ_CHECK(e->outer_offset + e->header_size == kHeadroom);
  FUZZ_CHECK(e->header_size == plan->header_size);
  FUZZ_CHECK(e->length == plan->header_size + plan->inner_length);
  const auto e2 = encapsulate(buf2, kHeadroom, config, origin);
  FUZZ_CHECK(e2.ok() && e2->outer_offset == e->outer_offset && e2->length == e->length);
  FUZZ_CHECK(buf == buf2);

  // Too little headroom is refused without touching the buffer.
  if (plan->header_size > 0) {
    std::vector<std::uint8_t> tight(plan->header_size - 1 + input.size());
    std::copy(input.begin(), input.end(), tight.begin() + static_cast<std::ptrdiff_t>(plan->header_size - 1));
    const std::vector<std::uint8_t> before = tight;
    const auto refused = encapsulate(tight, plan->header_size - 1, *plan, config);
    FUZZ_CHECK(!refused.ok() && refused.error() == Errc::buffer_too_small);
    FUZZ_CHECK(tight == before);
  }

  const ByteSpan outer(buf.data() + e->outer_offset, e->length);
  const auto t = decapsulate(outer);
  FUZZ_CHECK(t.ok());
  FUZZ_CHECK(t->outer_src == config.src && t->outer_dst == config.dst);
  FUZZ_CHECK(t->outer_traffic_class == plan->traffic_class);
  FUZZ_CHECK(t->inner_offset == plan->header_size);
  FUZZ_CHECK(t->outer_chain.tunnel_encapsulation_limit == plan->outer_encapsulation_limit);
  const auto outer_ip = Ipv6View::parse(outer);
  FUZZ_CHECK(outer_ip.ok());
  FUZZ_CHECK(outer_ip->hop_limit() == config.hop_limit);
  FUZZ_CHECK(outer_ip->flow_label() == plan->flow_label);
  FUZZ_CHECK(outer_ip->packet().size() == e->length);
  // The inner packet is the original, its hop limit decremented once.
  const ByteSpan inner_after = t->inner.packet();
  FUZZ_CHECK(inner_after.size() == plan->inner_length);
  const ByteSpan inner_before = inner->packet();
  for (std::size_t i = 0; i < inner_after.size(); ++i) {
    if (i == 7) {
      FUZZ_CHECK(inner_after[i] ==
                 inner_before[i] - (plan->decrement_inner_hop_limit ? 1 : 0));
    } else {
      FUZZ_CHECK(inner_after[i] == inner_before[i]);
    }
  }
  // A stale plan cannot decrement a hop limit of 1 (or 0) again.
  if (plan->decrement_inner_hop_limit) {
    std::vector<std::uint8_t> stale = buf2;
    stale[kHeadroom + 7] = 1;
    const auto refused = encapsulate(stale, kHeadroom, *plan, config);
    FUZZ_CHECK(!refused.ok() && refused.error() == Errc::inner_hop_limit_exhausted);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan input(data, size);
  for (const TunnelConfig& config : configs()) {
    encapsulate_one(input, config, InnerOrigin::forwarded);
    encapsulate_one(input, config, InnerOrigin::local);
  }
  const auto limit = Ipv6View::parse(input);
  if (limit) {
    const auto found = find_tunnel_encapsulation_limit(*limit);
    if (found && *found) use((*found)->parameter_problem_pointer());
  }
  return 0;
}
