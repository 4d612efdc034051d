#pragma once
// The extension-header walk itself, inline, for the two per-packet callers
// that want it without a call: walk_extension_chain (extension_headers.cpp)
// and decode_mobility_packet (mobility_packet.cpp). Internal to roam6_wire.

#include <cstring>

#include "roam6/wire/extension_headers.hpp"

namespace roam6::wire::detail {

// Walks the TLV options of a Hop-by-Hop or Destination Options header (out
// of line: the common Home Address header takes the fast path below).
// `hdr` spans the whole extension header; `hdr_offset` is its offset from the
// IPv6 header (for Parameter Problem pointers).
Errc walk_options(ByteSpan hdr, std::uint16_t hdr_offset, bool destination_header,
                  ExtensionChain& chain) noexcept;

// Octets 1-7 of the Destination Options header every Mobile IPv6 sender
// puts the Home Address option in (write_home_address_option_header's
// layout, RFC 6275 6.3): length 24, PadN(2), then the option at 8n+6. Such a
// header is read directly; walk_options would find the same (any other
// layout, including PadN with non-zero data, goes through it).
constexpr std::uint8_t kHomeAddressHeader[7] = {2, dest_option::padn, 2, 0, 0,
                                                dest_option::home_address, 16};

// Hop-by-Hop (0), Routing (43), Fragment (44), AH (51), Destination
// Options (60): the headers the walk steps over, as bits of one word.
constexpr std::uint64_t kExtensionHeaders =
    (std::uint64_t{1} << ipproto::hop_by_hop) | (std::uint64_t{1} << ipproto::routing) |
    (std::uint64_t{1} << ipproto::fragment) | (std::uint64_t{1} << ipproto::ah) |
    (std::uint64_t{1} << ipproto::destination_options);

inline bool is_extension_header(std::uint8_t next) noexcept {
  return next < 64 && ((kExtensionHeaders >> next) & 1) != 0;
}

inline Errc walk_chain(const Ipv6View& ip, ExtensionChain& chain) noexcept {
  chain = ExtensionChain{};
  const std::uint8_t* const payload = ip.payload().data();
  const std::size_t payload_size = ip.payload_length();
  std::uint8_t next = ip.next_header();
  std::size_t offset = 0;  // within the payload
  // Kept in a register and stored on the way out: `chain` is octets, which
  // may alias the packet as far as the compiler knows, so a member would be
  // reloaded after every store.
  std::uint8_t count = 0;

  while (is_extension_header(next)) {
    const auto abs_offset = static_cast<std::uint16_t>(ipv6_header_size + offset);
    if (next == ipproto::hop_by_hop && count != 0) [[unlikely]]
      return Errc::hop_by_hop_not_first;
    if (count == max_extension_headers) [[unlikely]]
      return Errc::extension_chain_too_long;
    ++count;

    const std::size_t remaining = payload_size - offset;
    if (remaining < 8) [[unlikely]] {
      return next == ipproto::fragment ? Errc::truncated_fragment_header
                                       : Errc::truncated_extension_header;
    }
    const std::uint8_t* h = payload + offset;
    std::size_t length = 0;
    if (next == ipproto::fragment) {
      length = 8;
    } else if (next == ipproto::ah) {
      length = (std::size_t{h[1]} + 2) * 4;  // RFC 4302: 4-octet units, minus 2
    } else {
      length = (std::size_t{h[1]} + 1) * 8;
    }
    if (length > remaining) [[unlikely]]
      return Errc::extension_header_exceeds_payload;
    const std::uint8_t following = h[0];  // read before any store to `chain`

    switch (next) {
      case ipproto::destination_options:
        if (length == home_address_option_header_size &&
            std::memcmp(h + 1, kHomeAddressHeader, sizeof kHomeAddressHeader) == 0) {
          if (chain.home_address) [[unlikely]]
            return Errc::duplicate_home_address_option;
          chain.home_address = Ip6Addr::from_bytes(h + 8);
          chain.home_address_offset = static_cast<std::uint16_t>(abs_offset + 8);
        } else {
          ROAM6_TRY_ERRC(walk_options({h, length}, abs_offset, true, chain));
        }
        break;
      case ipproto::hop_by_hop:
        ROAM6_TRY_ERRC(walk_options({h, length}, abs_offset, false, chain));
        break;
      case ipproto::routing: {
        const std::uint8_t type = h[2];
        const std::uint8_t segments_left = h[3];
        if (type == routing_type2) {
          if (h[1] != 2) [[unlikely]]
            return Errc::bad_type2_routing_header_length;
          if (segments_left > 1) [[unlikely]]
            return Errc::bad_type2_segments_left;
          chain.type2_home_address = Ip6Addr::from_bytes(h + 8);
          chain.type2_home_address_offset = static_cast<std::uint16_t>(abs_offset + 8);
          chain.type2_segments_left = segments_left;
        } else if (segments_left != 0 && !chain.unsupported_routing_offset) {
          chain.unsupported_routing_offset = static_cast<std::uint16_t>(abs_offset + 2);
        }
        break;
      }
      case ipproto::fragment:
        chain.fragmented = true;
        chain.fragment_id = load_be32(h + 4);
        if ((load_be16(h + 2) >> 3) != 0) {
          // The rest is fragment data, not headers.
          chain.later_fragment = true;
          chain.upper_protocol = following;
          chain.upper_offset = static_cast<std::uint16_t>(abs_offset + 8);
          chain.header_count = count;
          return Errc::ok;
        }
        break;
      default:  // AH: nothing to look at inside
        break;
    }
    next = following;
    offset += length;
  }
  chain.upper_protocol = next;
  chain.upper_offset = static_cast<std::uint16_t>(ipv6_header_size + offset);
  chain.header_count = count;
  return Errc::ok;
}

}  // namespace roam6::wire::detail
