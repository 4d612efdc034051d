#pragma once
// Helpers for building test packets by hand, byte by byte, so that tests do
// not depend on the builders they are checking.

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

}  // namespace roam6::wire::test
