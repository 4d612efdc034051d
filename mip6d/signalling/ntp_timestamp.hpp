#pragma once
// RFC 4285 replay protection carries a 64-bit NTP-format timestamp: seconds
// since 1900-01-01 in the high 32 bits, binary fraction in the low 32.

#include <chrono>
#include <cstdint>

#include "mip6d/runtime/scheduler.hpp"

namespace roam6::mip6d {

inline constexpr std::uint64_t ntp_unix_epoch_offset = 2208988800ull;  // 1900 -> 1970

constexpr std::uint64_t to_ntp_timestamp(WallTime t) noexcept {
  const auto since_epoch = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch());
  const auto ns = static_cast<std::uint64_t>(since_epoch.count());
  const std::uint64_t seconds = ns / 1'000'000'000ull + ntp_unix_epoch_offset;
  const std::uint64_t fraction = ((ns % 1'000'000'000ull) << 32) / 1'000'000'000ull;
  return (seconds << 32) | fraction;
}

constexpr WallTime from_ntp_timestamp(std::uint64_t ntp) noexcept {
  const std::uint64_t seconds = (ntp >> 32) - ntp_unix_epoch_offset;
  const std::uint64_t ns = ((ntp & 0xffffffffull) * 1'000'000'000ull) >> 32;
  return WallTime{std::chrono::duration_cast<WallClock::duration>(
      std::chrono::nanoseconds(seconds * 1'000'000'000ull + ns))};
}

// |a - b| for NTP timestamps, as a duration.
constexpr std::chrono::nanoseconds ntp_distance(std::uint64_t a, std::uint64_t b) noexcept {
  const std::uint64_t d = a > b ? a - b : b - a;
  return std::chrono::nanoseconds(((d >> 32) * 1'000'000'000ull) +
                                  (((d & 0xffffffffull) * 1'000'000'000ull) >> 32));
}

}  // namespace roam6::mip6d
