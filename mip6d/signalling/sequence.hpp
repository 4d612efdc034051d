#pragma once
// Binding Update sequence numbers are compared modulo 2^16 (RFC 6275
// section 9.5.1): `a` is newer than `b` when it is less than half the number
// space ahead of it.

#include <cstdint>

namespace roam6::mip6d {

constexpr bool sequence_newer(std::uint16_t a, std::uint16_t b) noexcept {
  const auto ahead = static_cast<std::uint16_t>(a - b);
  return ahead != 0 && ahead < 0x8000;
}

// True when `s` lies in the inclusive window [first, last], modulo 2^16.
constexpr bool sequence_in_window(std::uint16_t s, std::uint16_t first, std::uint16_t last) noexcept {
  return static_cast<std::uint16_t>(s - first) <= static_cast<std::uint16_t>(last - first);
}

}  // namespace roam6::mip6d
