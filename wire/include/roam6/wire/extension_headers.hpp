#pragma once
// Walk of the IPv6 extension-header chain up to the upper-layer protocol
// (RFC 8200 section 4), picking up what Mobile IPv6 needs on the way: the Home
// Address destination option (RFC 6275 section 6.3) and the type 2 routing
// header (section 6.4). The walk is bounded in header count and never reads
// past the IPv6 payload.

#include <cstdint>
#include <optional>

#include "roam6/wire/address.hpp"
#include "roam6/wire/ipv6.hpp"
#include "roam6/wire/result.hpp"

namespace roam6::wire {

// More extension headers than any legitimate packet carries; a crafted chain
// longer than this is refused instead of walked.
inline constexpr std::uint8_t max_extension_headers = 8;

namespace dest_option {
inline constexpr std::uint8_t pad1 = 0;
inline constexpr std::uint8_t padn = 1;
inline constexpr std::uint8_t tunnel_encapsulation_limit = 4;  // RFC 2473 section 5.1
inline constexpr std::uint8_t home_address = 201;                // RFC 6275 section 6.3
}  // namespace dest_option

inline constexpr std::uint8_t routing_type2 = 2;

struct ExtensionChain {
  // First header that is not Hop-by-Hop, Routing, Fragment or Destination
  // Options: an upper layer (ICMPv6, UDP...), Mobility Header (135),
  // No Next Header (59), ESP/AH, or IPv6 (41) for a tunnelled packet.
  std::uint8_t upper_protocol = ipproto::no_next_header;
  // Offset of that header from the start of the IPv6 header.
  std::uint16_t upper_offset = ipv6_header_size;
  std::uint8_t header_count = 0;

  // Home Address option, from a Destination Options header.
  std::optional<Ip6Addr> home_address;
  // Type 2 routing header: the home address it carries and its segments left.
  std::optional<Ip6Addr> type2_home_address;
  std::uint8_t type2_segments_left = 0;
  // Where those two addresses are, from the start of the IPv6 header (0 when
  // absent), so per-packet code can read them in place.
  std::uint16_t home_address_offset = 0;
  std::uint16_t type2_home_address_offset = 0;
  // Some other routing type with segments left != 0: RFC 8200 section 4.4
  // says to answer with Parameter Problem code 0 pointing at this offset.
  std::optional<std::uint16_t> unsupported_routing_offset;
  // Tunnel Encapsulation Limit option (RFC 2473), when present.
  std::optional<std::uint8_t> tunnel_encapsulation_limit;
  // An unrecognised option whose action bits demand a discard (RFC 8200
  // section 4.2): its offset from the IPv6 header, for a Parameter Problem.
  std::optional<std::uint16_t> unrecognised_option_offset;
  std::uint8_t unrecognised_option_type = 0;

  bool fragmented = false;
  // Non-first fragment: the upper-layer header is not in this packet.
  bool later_fragment = false;
  std::uint32_t fragment_id = 0;
};

// This form fills a caller's struct (reset first) and is the one for the
// per-packet path; `chain` is unspecified after an error.
Errc walk_extension_chain(const Ipv6View& ip, ExtensionChain& chain) noexcept;
// Convenience form.
Result<ExtensionChain> walk_extension_chain(const Ipv6View& ip) noexcept;

// Builders for the two headers Mobile IPv6 adds. Each writes 24 bytes.
inline constexpr std::size_t home_address_option_header_size = 24;
inline constexpr std::size_t type2_routing_header_size = 24;

// Destination Options header holding PadN(2) and the Home Address option, so
// the option sits at 8n+6 (RFC 6275 section 6.3).
Result<std::size_t> write_home_address_option_header(MutableByteSpan out, std::uint8_t next_header,
                                                     const Ip6Addr& home_address) noexcept;
// Type 2 routing header carrying the home address (RFC 6275 section 6.4).
Result<std::size_t> write_type2_routing_header(MutableByteSpan out, std::uint8_t next_header,
                                               const Ip6Addr& home_address,
                                               std::uint8_t segments_left = 1) noexcept;

}  // namespace roam6::wire
