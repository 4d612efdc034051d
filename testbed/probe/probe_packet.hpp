#pragma once
// One probe on the wire: a UDP payload the guest echoes back unchanged.
//   0  "R6PB"            magic, so stray datagrams are counted, not misread
//   4  u32 sequence      network order, from 0
//   8  u64 sent_ns       the sender's CLOCK_MONOTONIC, network order
//  16  padding to the configured size
// The echo is the same bytes; the sender trusts only the sequence number
// and looks its own send time up (a guest could not forge an earlier one).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace roam6::probe {

inline constexpr std::array<std::uint8_t, 4> probe_magic{'R', '6', 'P', 'B'};
inline constexpr std::size_t probe_header_size = 16;

struct ProbeHeader {
  std::uint32_t sequence = 0;
  std::uint64_t sent_ns = 0;
};

// Writes the header into `out` (at least probe_header_size bytes); the rest
// of `out` is left as it is.
void write_probe(std::span<std::uint8_t> out, const ProbeHeader& header);
// nullopt: too short or not a probe.
std::optional<ProbeHeader> read_probe(std::span<const std::uint8_t> in);

}  // namespace roam6::probe
