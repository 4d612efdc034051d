#pragma once
// Shared by the libFuzzer targets: a check that crashes with a message, ways
// to make every read of a view really happen (so ASan sees out-of-bounds
// reads even in an optimised build), and checksum fix-ups that let the
// fuzzer reach past the checksum checks.
//
// Every target touches every accessor of every view it obtains and checks the
// invariants the library promises (spans inside the input, offsets pointing
// at what they claim to).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

#include "roam6/wire/address.hpp"
#include "roam6/wire/bytes.hpp"
#include "roam6/wire/checksum.hpp"
#include "roam6/wire/errors.hpp"
#include "roam6/wire/extension_headers.hpp"
#include "roam6/wire/ipv6.hpp"
#include "roam6/wire/mobility_header.hpp"
#include "roam6/wire/tunnel.hpp"

namespace roam6::wire::fuzz {

[[noreturn]] inline void check_failed(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
  std::abort();
}

// Not assert(): it must hold in the RelWithDebInfo fuzz build too.
#define FUZZ_CHECK(cond)                                                     \
  do {                                                                       \
    if (!(cond)) ::roam6::wire::fuzz::check_failed(__FILE__, __LINE__, #cond); \
  } while (false)

// Forces `value` to be computed and stored: the loads behind it happen, and
// ASan checks them, however little the rest of the target uses the value.
// By value on purpose: a reference into the packet would not be read.
template <class T>
inline void use(T value) noexcept {
  asm volatile("" : : "r"(&value) : "memory");
}

// Reads every byte of a span a view handed out.
inline void touch(ByteSpan bytes) noexcept {
  std::uint32_t sum = 0;
  for (const std::uint8_t b : bytes) sum += b;
  use(sum);
}

template <class T>
inline void use(std::optional<T> value) noexcept {
  if (value) use(*value);
}

// True when `inner` lies entirely inside `outer`.
inline bool within(ByteSpan inner, ByteSpan outer) noexcept {
  if (inner.empty()) {
    return inner.data() == nullptr ||
           (inner.data() >= outer.data() && inner.data() <= outer.data() + outer.size());
  }
  return inner.data() >= outer.data() &&
         inner.data() + inner.size() <= outer.data() + outer.size();
}

inline bool same_bytes(ByteSpan a, ByteSpan b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

inline std::vector<std::uint8_t> copy_of(ByteSpan bytes) {
  return std::vector<std::uint8_t>(bytes.begin(), bytes.end());
}

// Fixed addresses for entry points that take them from the caller.
inline const Ip6Addr kCareOf = Ip6Addr{{0x20, 0x01, 0x0d, 0xb8, 0, 0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
inline const Ip6Addr kHomeAgent = Ip6Addr{{0x20, 0x01, 0x0d, 0xb8, 0, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
inline const Ip6Addr kHome = Ip6Addr{{0x20, 0x01, 0x0d, 0xb8, 0, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0}};

// Every accessor of the fixed header, and the spans it promises.
inline void touch_ipv6(const Ipv6View& ip, ByteSpan buffer) {
  use(ip.traffic_class());
  FUZZ_CHECK(ip.flow_label() <= 0xfffff);
  use(ip.payload_length());
  use(ip.next_header());
  use(ip.hop_limit());
  use(ip.src());
  use(ip.dst());
  use(*ip.src_bytes());
  use(*ip.dst_bytes());
  FUZZ_CHECK(ip.packet().data() == buffer.data());
  FUZZ_CHECK(within(ip.packet(), buffer));
  FUZZ_CHECK(ip.packet().size() == ipv6_header_size + ip.payload_length());
  FUZZ_CHECK(ip.payload().data() == ip.packet().data() + ipv6_header_size);
  FUZZ_CHECK(within(ip.payload(), ip.packet()));
  touch(ip.packet());
}

// Every member of a walked chain, with the offsets checked against the packet.
inline void touch_chain(const ExtensionChain& c, ByteSpan packet) {
  use(c.upper_protocol);
  FUZZ_CHECK(c.upper_offset >= ipv6_header_size);
  FUZZ_CHECK(c.upper_offset <= packet.size());
  FUZZ_CHECK(c.header_count <= max_extension_headers);
  FUZZ_CHECK(c.header_count != 0 || c.upper_offset == ipv6_header_size);
  use(c.home_address);
  use(c.type2_home_address);
  FUZZ_CHECK(c.type2_segments_left <= 1);
  FUZZ_CHECK(c.type2_home_address || c.type2_segments_left == 0);
  if (c.unsupported_routing_offset) {
    // The Routing Type octet, of a type other than 2, with segments left.
    const std::size_t at = *c.unsupported_routing_offset;
    FUZZ_CHECK(at + 1 < packet.size());
    FUZZ_CHECK(packet[at] != routing_type2);
    FUZZ_CHECK(packet[at + 1] != 0);
  }
  use(c.tunnel_encapsulation_limit);
  if (c.unrecognised_option_offset) {
    const std::size_t at = *c.unrecognised_option_offset;
    FUZZ_CHECK(at < packet.size());
    FUZZ_CHECK(packet[at] == c.unrecognised_option_type);
    FUZZ_CHECK((c.unrecognised_option_type >> 6) != 0);
  }
  FUZZ_CHECK(c.fragmented || !c.later_fragment);
  FUZZ_CHECK(c.fragmented || c.fragment_id == 0);
}

// find_tunnel_encapsulation_limit stops at the first option and the chain
// walk passes the same headers with stricter rules, so whatever the first
// finds, the second (when it succeeds) has seen too.
inline void check_encapsulation_limit(const Ipv6View& ip, const Result<ExtensionChain>& chain) {
  const auto found = find_tunnel_encapsulation_limit(ip);
  if (!found || !*found) return;
  const TunnelEncapsulationLimit& limit = **found;
  const ByteSpan packet = ip.packet();
  FUZZ_CHECK(limit.option_offset + 2u < packet.size());
  FUZZ_CHECK(packet[limit.option_offset] == dest_option::tunnel_encapsulation_limit);
  FUZZ_CHECK(packet[limit.option_offset + 1u] == 1);
  FUZZ_CHECK(packet[limit.parameter_problem_pointer()] == limit.limit);
  if (chain) FUZZ_CHECK(chain->tunnel_encapsulation_limit.has_value());
}

// The pseudo-header addresses decode_mobility_packet checks the MH against.
struct PseudoAddresses {
  Ip6Addr src;
  Ip6Addr dst;
};
inline PseudoAddresses mobility_pseudo_addresses(const Ipv6View& ip, const ExtensionChain& c) {
  return {c.home_address ? *c.home_address : ip.src(),
          c.type2_home_address && c.type2_segments_left != 0 ? *c.type2_home_address : ip.dst()};
}

// Rewrites the Mobility Header checksum of an IPv6 packet in place, so that
// a mutated packet still reaches the MH and option parsers. False when there
// is no MH to fix.
inline bool fix_mobility_checksum(MutableByteSpan packet) {
  const auto ip = Ipv6View::parse(packet);
  if (!ip) return false;
  const auto chain = walk_extension_chain(*ip);
  if (!chain || chain->upper_protocol != ipproto::mobility || chain->later_fragment) return false;
  const auto pseudo = mobility_pseudo_addresses(*ip, *chain);
  const std::size_t end = ip->packet().size();
  return write_mobility_header_checksum(
             packet.subspan(chain->upper_offset, end - chain->upper_offset), pseudo.src,
             pseudo.dst) == Errc::ok;
}

// Rewrites the checksum of the ICMPv6 message at `offset` of an IPv6 packet,
// against the packet's own addresses. False when there is no room for one.
inline bool fix_icmpv6_checksum(MutableByteSpan packet, std::size_t offset) {
  const auto ip = Ipv6View::parse(packet);
  if (!ip) return false;
  const std::size_t end = ip->packet().size();
  if (offset > end || end - offset < 4) return false;
  const MutableByteSpan icmp = packet.subspan(offset, end - offset);
  store_be16(icmp.data() + 2, 0);
  store_be16(icmp.data() + 2, upper_layer_checksum(ip->src(), ip->dst(), ipproto::icmpv6, icmp));
  return true;
}

}  // namespace roam6::wire::fuzz
