#pragma once
// Neighbour Discovery helpers for the fuzz targets: touch every accessor of
// the ND views and option sets, and check the option framing invariants.

#include "fuzz_support.hpp"
#include "roam6/wire/nd_options.hpp"
#include "roam6/wire/neighbour_discovery.hpp"

namespace roam6::wire::fuzz {

inline void touch_prefix(const PrefixInformation& p) {
  FUZZ_CHECK(p.prefix.length <= 128);
  // Host bits cleared on decode.
  FUZZ_CHECK(Ip6Prefix::of(p.prefix.address, p.prefix.length) == p.prefix);
  use(p.on_link);
  use(p.autonomous);
  FUZZ_CHECK(p.other_flags <= 0x3f);
  use(p.valid_lifetime);
  use(p.preferred_lifetime);
}

inline void touch_nd_set(const NdOptionSet& s) {
  use(s.source_link_layer);
  use(s.target_link_layer);
  use(s.mtu);
  FUZZ_CHECK(s.prefix_count <= max_stored_prefix_information);
  FUZZ_CHECK(s.prefixes().size() == s.prefix_count);
  FUZZ_CHECK(s.prefix_count == max_stored_prefix_information || s.prefixes_not_stored == 0);
  for (const PrefixInformation& p : s.prefixes()) touch_prefix(p);
}

// Iterates a framed option sequence: each option is whole units, non-empty,
// and together they are exactly the sequence. Every decoder runs on each.
inline void touch_nd_options(const NdOptions& options) {
  std::size_t total = 0;
  const std::uint8_t* expected = options.bytes().data();
  for (auto it = options.begin(); it != options.end(); ++it) {
    const NdOption o = *it;
    FUZZ_CHECK(o.bytes.data() == expected);
    FUZZ_CHECK(o.bytes.size() >= nd_option_unit && o.bytes.size() % nd_option_unit == 0);
    FUZZ_CHECK(o.bytes[0] == o.type);
    FUZZ_CHECK(o.bytes[1] * nd_option_unit == o.bytes.size());
    FUZZ_CHECK(within(o.bytes, options.bytes()));
    touch(o.bytes);
    if (const auto mac = decode_link_layer_address(o)) use(*mac);
    if (const auto info = decode_prefix_information(o)) touch_prefix(*info);
    if (const auto mtu = decode_mtu_option(o)) use(*mtu);
    total += o.bytes.size();
    expected += o.bytes.size();
  }
  FUZZ_CHECK(total == options.bytes().size());
  FUZZ_CHECK(options.empty() == (total == 0));
}

inline void touch_rs(const RouterSolicitationView& v) {
  touch_nd_options(v.raw_options());
  touch_nd_set(v.options());
}
inline void touch_ra(const RouterAdvertisementView& v) {
  use(v.cur_hop_limit());
  use(v.managed());
  use(v.other_config());
  FUZZ_CHECK(v.other_flags() <= 0x3f);
  use(v.router_lifetime());
  use(v.reachable_time());
  use(v.retrans_timer());
  touch_nd_options(v.raw_options());
  touch_nd_set(v.options());
}
inline void touch_ns(const NeighbourSolicitationView& v) {
  FUZZ_CHECK(!v.target().is_multicast());
  use(v.is_duplicate_address_detection());
  touch_nd_options(v.raw_options());
  touch_nd_set(v.options());
  if (v.is_duplicate_address_detection()) FUZZ_CHECK(!v.options().source_link_layer);
}
inline void touch_na(const NeighbourAdvertisementView& v) {
  use(v.router());
  use(v.solicited());
  use(v.override_flag());
  FUZZ_CHECK(!v.target().is_multicast());
  touch_nd_options(v.raw_options());
  touch_nd_set(v.options());
}

}  // namespace roam6::wire::fuzz
