#pragma once
// Helpers for building test packets by hand, byte by byte, so that tests do
// not depend on the builders they are checking.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "roam6/wire/address.hpp"

namespace roam6::wire::test {

using Bytes = std::vector<std::uint8_t>;

inline Ip6Addr addr(std::string_view text) { return *Ip6Addr::parse(text); }

inline void append(Bytes& b, std::initializer_list<std::uint8_t> bytes) {
  b.insert(b.end(), bytes.begin(), bytes.end());
}
inline void append(Bytes& b, const Ip6Addr& a) { b.insert(b.end(), a.bytes.begin(), a.bytes.end()); }
inline void append_be16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
inline void append_be32(Bytes& b, std::uint32_t v) {
  append_be16(b, static_cast<std::uint16_t>(v >> 16));
  append_be16(b, static_cast<std::uint16_t>(v));
}
inline void append_be64(Bytes& b, std::uint64_t v) {
  append_be32(b, static_cast<std::uint32_t>(v >> 32));
  append_be32(b, static_cast<std::uint32_t>(v));
}
inline void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }
inline void append_zeros(Bytes& b, std::size_t n) { b.insert(b.end(), n, 0); }

// A 40-byte IPv6 header; payload_length is fixed up by finish_ipv6().
inline Bytes ipv6_header(std::uint8_t next_header, const Ip6Addr& src, const Ip6Addr& dst,
                         std::uint8_t hop_limit = 64, std::uint8_t tclass = 0,
                         std::uint32_t flow = 0) {
  Bytes b;
  b.push_back(static_cast<std::uint8_t>(0x60 | (tclass >> 4)));
  b.push_back(static_cast<std::uint8_t>((std::uint32_t{tclass} << 4) | ((flow >> 16) & 0x0f)));
  append_be16(b, static_cast<std::uint16_t>(flow));
  append_be16(b, 0);
  b.push_back(next_header);
  b.push_back(hop_limit);
  append(b, src);
  append(b, dst);
  return b;
}
inline void finish_ipv6(Bytes& b) {
  const auto len = static_cast<std::uint16_t>(b.size() - 40);
  b[4] = static_cast<std::uint8_t>(len >> 8);
  b[5] = static_cast<std::uint8_t>(len);
}

// Reference Internet checksum (RFC 1071), deliberately the plain 16-bit-word
// loop rather than the library's wider accumulator: the complemented sum.
inline std::uint16_t reference_checksum(const Bytes& data) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < data.size(); i += 2) {
    const std::uint32_t hi = data[i];
    const std::uint32_t lo = i + 1 < data.size() ? data[i + 1] : 0;
    sum += (hi << 8) | lo;
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<std::uint16_t>(~sum);
}
// IPv6 pseudo-header (RFC 8200 section 8.1) followed by the upper layer.
inline Bytes with_pseudo_header(const Ip6Addr& src, const Ip6Addr& dst, std::uint8_t next_header,
                                const Bytes& upper) {
  Bytes b;
  append(b, src);
  append(b, dst);
  append_be32(b, static_cast<std::uint32_t>(upper.size()));
  append(b, {0, 0, 0, next_header});
  append(b, upper);
  return b;
}
// Sets Header Len from the size of a hand-built Mobility Header (a multiple
// of 8) and stores its checksum at octets 4-5.
inline void finish_mh(Bytes& mh, const Ip6Addr& pseudo_src, const Ip6Addr& pseudo_dst) {
  mh[1] = static_cast<std::uint8_t>(mh.size() / 8 - 1);
  mh[4] = 0;
  mh[5] = 0;
  const std::uint16_t sum = reference_checksum(with_pseudo_header(pseudo_src, pseudo_dst, 135, mh));
  mh[4] = static_cast<std::uint8_t>(sum >> 8);
  mh[5] = static_cast<std::uint8_t>(sum);
}

}  // namespace roam6::wire::test
