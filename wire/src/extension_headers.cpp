#include "roam6/wire/extension_headers.hpp"

namespace roam6::wire {

namespace {

// Walks the TLV options of a Hop-by-Hop or Destination Options header.
// `hdr` spans the whole extension header; `hdr_offset` is its offset from the
// IPv6 header (for Parameter Problem pointers).
Errc walk_options(ByteSpan hdr, std::uint16_t hdr_offset, bool destination_header,
                  ExtensionChain& chain) noexcept {
  std::size_t i = 2;
  while (i < hdr.size()) {
    const std::uint8_t type = hdr[i];
    if (type == dest_option::pad1) {
      ++i;
      continue;
    }
    if (i + 2 > hdr.size()) return Errc::truncated_extension_option;
    const std::uint8_t len = hdr[i + 1];
    if (i + 2 + len > hdr.size()) return Errc::extension_option_exceeds_header;
    const std::uint8_t* data = hdr.data() + i + 2;
    if (type == dest_option::padn) {
      // nothing to record
    } else if (destination_header && type == dest_option::home_address) {
      if (len != 16) return Errc::bad_home_address_option_length;
      if (chain.home_address) return Errc::duplicate_home_address_option;
      chain.home_address = Ip6Addr::from_bytes(data);
    } else if (destination_header && type == dest_option::tunnel_encapsulation_limit) {
      if (len != 1) return Errc::bad_tunnel_encapsulation_limit_option;
      chain.tunnel_encapsulation_limit = data[0];
    } else if ((type >> 6) != 0 && !chain.unrecognised_option_offset) {
      // Action bits 01/10/11: the packet must be discarded (RFC 8200 4.2).
      chain.unrecognised_option_offset = static_cast<std::uint16_t>(hdr_offset + i);
      chain.unrecognised_option_type = type;
    }
    i += 2u + len;
  }
  return Errc::ok;
}

}  // namespace

Result<ExtensionChain> walk_extension_chain(const Ipv6View& ip) noexcept {
  ExtensionChain chain;
  const ByteSpan payload = ip.payload();
  std::uint8_t next = ip.next_header();
  std::size_t offset = 0;  // within the payload

  for (;;) {
    const auto abs_offset = static_cast<std::uint16_t>(ipv6_header_size + offset);
    switch (next) {
      case ipproto::hop_by_hop:
      case ipproto::destination_options:
      case ipproto::routing:
      case ipproto::fragment:
      case ipproto::ah:
        break;
      default:
        chain.upper_protocol = next;
        chain.upper_offset = abs_offset;
        return chain;
    }
    if (next == ipproto::hop_by_hop && chain.header_count != 0) return Errc::hop_by_hop_not_first;
    if (chain.header_count == max_extension_headers) return Errc::extension_chain_too_long;
    ++chain.header_count;

    const std::size_t remaining = payload.size() - offset;
    if (remaining < 8) {
      return next == ipproto::fragment ? Errc::truncated_fragment_header
                                       : Errc::truncated_extension_header;
    }
    const std::uint8_t* h = payload.data() + offset;
    std::size_t length = 0;
    if (next == ipproto::fragment) {
      length = 8;
    } else if (next == ipproto::ah) {
      length = (std::size_t{h[1]} + 2) * 4;  // RFC 4302: 4-octet units, minus 2
    } else {
      length = (std::size_t{h[1]} + 1) * 8;
    }
    if (length > remaining) return Errc::extension_header_exceeds_payload;
    const ByteSpan hdr{h, length};

    switch (next) {
      case ipproto::hop_by_hop:
        ROAM6_TRY_ERRC(walk_options(hdr, abs_offset, false, chain));
        break;
      case ipproto::destination_options:
        ROAM6_TRY_ERRC(walk_options(hdr, abs_offset, true, chain));
        break;
      case ipproto::routing: {
        const std::uint8_t type = h[2];
        const std::uint8_t segments_left = h[3];
        if (type == routing_type2) {
          if (h[1] != 2) return Errc::bad_type2_routing_header_length;
          if (segments_left > 1) return Errc::bad_type2_segments_left;
          chain.type2_home_address = Ip6Addr::from_bytes(h + 8);
          chain.type2_segments_left = segments_left;
        } else if (segments_left != 0 && !chain.unsupported_routing_offset) {
          chain.unsupported_routing_offset = static_cast<std::uint16_t>(abs_offset + 2);
        }
        break;
      }
      case ipproto::fragment: {
        chain.fragmented = true;
        chain.fragment_id = load_be32(h + 4);
        if ((load_be16(h + 2) >> 3) != 0) {
          // The rest is fragment data, not headers.
          chain.later_fragment = true;
          chain.upper_protocol = h[0];
          chain.upper_offset = static_cast<std::uint16_t>(abs_offset + 8);
          return chain;
        }
        break;
      }
      default:  // AH: nothing to look at inside
        break;
    }
    next = h[0];
    offset += length;
  }
}

Result<std::size_t> write_home_address_option_header(MutableByteSpan out, std::uint8_t next_header,
                                                     const Ip6Addr& home_address) noexcept {
  if (out.size() < home_address_option_header_size) return Errc::buffer_too_small;
  std::uint8_t* p = out.data();
  p[0] = next_header;
  p[1] = 2;  // (2 + 1) * 8 = 24 bytes
  p[2] = dest_option::padn;
  p[3] = 2;
  p[4] = 0;
  p[5] = 0;
  p[6] = dest_option::home_address;
  p[7] = 16;
  home_address.write_to(p + 8);
  return home_address_option_header_size;
}

Result<std::size_t> write_type2_routing_header(MutableByteSpan out, std::uint8_t next_header,
                                               const Ip6Addr& home_address,
                                               std::uint8_t segments_left) noexcept {
  if (out.size() < type2_routing_header_size) return Errc::buffer_too_small;
  if (segments_left > 1) return Errc::value_out_of_range;
  std::uint8_t* p = out.data();
  p[0] = next_header;
  p[1] = 2;
  p[2] = routing_type2;
  p[3] = segments_left;
  store_be32(p + 4, 0);
  home_address.write_to(p + 8);
  return type2_routing_header_size;
}

}  // namespace roam6::wire
