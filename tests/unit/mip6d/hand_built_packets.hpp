#pragma once
// IPv6 packets laid out octet by octet for the receive-check tests, without
// the wire library's writers: the layouts the tests reason about (where an
// option type or a Routing Type field sits) are written out here. Checksums
// are left zero unless a test fills them in: the receive checks never read
// them.

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <span>
#include <stdexcept>
#include <vector>

#include "roam6/wire/address.hpp"
#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/ipv6.hpp"

namespace roam6::mip6d::test {

using Octets = std::vector<std::uint8_t>;

// One header of the chain: its protocol number and its octets, the first of
// which (Next Header) packet() fills in.
struct Header {
  std::uint8_t protocol;
  Octets octets;
};

// `more` after `out`. (Not vector::insert: GCC 12 at -O3 warns falsely about
// it on vectors this small, -Warray-bounds.)
template <class Range>
void append(Octets& out, const Range& more) {
  const std::size_t at = out.size();
  out.resize(at + std::size(more));
  std::copy(std::begin(more), std::end(more), out.begin() + static_cast<std::ptrdiff_t>(at));
}

// PadN of n >= 2 octets (RFC 8200 4.2).
inline Octets padn(std::size_t n) {
  Octets out(n, 0);
  out[0] = 1;
  out[1] = static_cast<std::uint8_t>(n - 2);
  return out;
}

// A Hop-by-Hop (0) or Destination Options (60) header holding `options` in
// order, padded with PadN to a multiple of 8 octets.
inline Header options_header(std::uint8_t protocol, std::initializer_list<Octets> options) {
  Octets h{0, 0};
  for (const Octets& o : options) append(h, o);
  const std::size_t pad = (8 - h.size() % 8) % 8;
  if (pad == 1) {
    h.push_back(0);  // Pad1
  } else if (pad > 1) {
    append(h, padn(pad));
  }
  h[1] = static_cast<std::uint8_t>(h.size() / 8 - 1);
  return {protocol, h};
}
inline Header hop_by_hop(std::initializer_list<Octets> options) {
  return options_header(wire::ipproto::hop_by_hop, options);
}
inline Header destination_options(std::initializer_list<Octets> options) {
  return options_header(wire::ipproto::destination_options, options);
}

// An option of `type` with `data_size` zero octets of data.
inline Octets option(std::uint8_t type, std::uint8_t data_size = 4) {
  Octets out(2u + data_size, 0);
  out[0] = type;
  out[1] = data_size;
  return out;
}

// A Home Address option (RFC 6275 6.3), type 201, 16 octets.
inline Octets home_address_option(const wire::Ip6Addr& hoa, std::uint8_t length = 16) {
  Octets out(2u + length, 0);
  out[0] = 201;
  out[1] = length;
  std::copy(hoa.bytes.begin(), hoa.bytes.begin() + std::min<std::ptrdiff_t>(length, 16), out.begin() + 2);
  return out;
}

// A routing header of `type` with the given addresses (Hdr Ext Len = 2 per address).
inline Header routing(std::uint8_t type, std::uint8_t segments_left, std::initializer_list<wire::Ip6Addr> addresses) {
  Octets h{0, static_cast<std::uint8_t>(2 * addresses.size()), type, segments_left, 0, 0, 0, 0};
  for (const auto& a : addresses) append(h, a.bytes);
  return {wire::ipproto::routing, h};
}

// A Mobility Header of `type` with `body` after the checksum, padded to a
// multiple of 8 octets.
inline Header mobility(std::uint8_t type, Octets body = Octets(6, 0)) {
  Octets h{59, 0, type, 0, 0, 0};
  append(h, body);
  h.resize((h.size() + 7) / 8 * 8, 0);
  h[1] = static_cast<std::uint8_t>(h.size() / 8 - 1);
  return {wire::ipproto::mobility, h};
}

inline Header icmpv6(std::uint8_t type, Octets body = Octets(4, 0)) {
  Octets h{type, 0, 0, 0};
  append(h, body);
  return {wire::ipproto::icmpv6, h};
}

// A Neighbour Solicitation for `target` (RFC 4861 4.3), without options.
inline Header neighbour_solicitation(const wire::Ip6Addr& target) {
  Octets body(4, 0);
  append(body, target.bytes);
  return icmpv6(135, body);
}

// IPv6 header from `src` to `dst`, then `headers` in order, each one's Next
// Header the protocol of the one after it (the last: No Next Header).
inline Octets packet(const wire::Ip6Addr& src, const wire::Ip6Addr& dst, std::initializer_list<Header> headers,
                     std::uint8_t hop_limit = 64) {
  Octets out(wire::ipv6_header_size, 0);
  out[0] = 0x60;
  out[7] = hop_limit;
  std::copy(src.bytes.begin(), src.bytes.end(), out.begin() + 8);
  std::copy(dst.bytes.begin(), dst.bytes.end(), out.begin() + 24);
  std::size_t next_header_at = 6;
  const auto* last = headers.size() ? headers.end() - 1 : nullptr;
  for (const Header& h : headers) {
    out[next_header_at] = h.protocol;
    next_header_at = out.size();
    append(out, h.octets);
    // Upper layers keep their own first octet; extension headers get theirs.
    if (&h == last && (h.protocol == wire::ipproto::mobility || h.protocol == wire::ipproto::icmpv6)) {
      next_header_at = 0;
    }
  }
  if (next_header_at != 0) out[next_header_at] = wire::ipproto::no_next_header;
  const std::size_t payload = out.size() - wire::ipv6_header_size;
  if (payload > 0xffff) throw std::length_error("payload over 65535 octets");
  out[4] = static_cast<std::uint8_t>(payload >> 8);
  out[5] = static_cast<std::uint8_t>(payload);
  return out;
}

inline Octets ethernet(const wire::MacAddr& dst, const wire::MacAddr& src, const Octets& ipv6) {
  Octets out(wire::ethernet_header_size, 0);
  std::copy(dst.bytes.begin(), dst.bytes.end(), out.begin());
  std::copy(src.bytes.begin(), src.bytes.end(), out.begin() + 6);
  out[12] = 0x86;
  out[13] = 0xdd;
  append(out, ipv6);
  return out;
}

// `frame` (Ethernet + IPv6) with `header` put right after the IPv6 header,
// in front of whatever was there: the Next Header fields and the payload
// length follow. The rest of the packet, checksums included, is unchanged.
inline Octets with_header_in_front(const Octets& frame, Header header) {
  constexpr std::size_t ip = wire::ethernet_header_size;
  Octets out(frame.begin(), frame.begin() + ip + wire::ipv6_header_size);
  header.octets[0] = out[ip + 6];
  out[ip + 6] = header.protocol;
  const std::size_t payload = (std::size_t{out[ip + 4]} << 8 | out[ip + 5]) + header.octets.size();
  out[ip + 4] = static_cast<std::uint8_t>(payload >> 8);
  out[ip + 5] = static_cast<std::uint8_t>(payload);
  append(out, header.octets);
  append(out, std::span(frame).subspan(ip + wire::ipv6_header_size));
  return out;
}

}  // namespace roam6::mip6d::test
