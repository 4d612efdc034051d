#include "roam6/wire/extension_headers.hpp"

#include "extension_chain_walk.hpp"

namespace roam6::wire {

namespace detail {

Errc walk_options(ByteSpan hdr, std::uint16_t hdr_offset, bool destination_header,
                  ExtensionChain& chain) noexcept {
  std::size_t i = 2;
  while (i < hdr.size()) {
    const std::uint8_t type = hdr[i];
    if (type == dest_option::pad1) {
      ++i;
      continue;
    }
    if (i + 2 > hdr.size()) [[unlikely]]
      return Errc::truncated_extension_option;
    const std::uint8_t len = hdr[i + 1];
    if (i + 2 + len > hdr.size()) [[unlikely]]
      return Errc::extension_option_exceeds_header;
    const std::uint8_t* data = hdr.data() + i + 2;
    if (type == dest_option::padn) {
      // nothing to record
    } else if (destination_header && type == dest_option::home_address) {
      if (len != 16) [[unlikely]]
        return Errc::bad_home_address_option_length;
      if (chain.home_address) [[unlikely]]
        return Errc::duplicate_home_address_option;
      chain.home_address = Ip6Addr::from_bytes(data);
      chain.home_address_offset = static_cast<std::uint16_t>(hdr_offset + i + 2);
    } else if (destination_header && type == dest_option::tunnel_encapsulation_limit) {
      if (len != 1) [[unlikely]]
        return Errc::bad_tunnel_encapsulation_limit_option;
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

}  // namespace detail

Errc walk_extension_chain(const Ipv6View& ip, ExtensionChain& chain) noexcept {
  return detail::walk_chain(ip, chain);
}

Result<ExtensionChain> walk_extension_chain(const Ipv6View& ip) noexcept {
  Result<ExtensionChain> result{ExtensionChain{}};
  ROAM6_TRY_ERRC(walk_extension_chain(ip, *result));
  return result;
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
