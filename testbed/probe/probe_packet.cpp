#include "testbed/probe/probe_packet.hpp"

#include <algorithm>

namespace roam6::probe {

void write_probe(std::span<std::uint8_t> out, const ProbeHeader& header) {
  std::copy(probe_magic.begin(), probe_magic.end(), out.begin());
  for (int i = 0; i < 4; ++i) out[4 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(header.sequence >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i) out[8 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(header.sent_ns >> (56 - 8 * i));
}

std::optional<ProbeHeader> read_probe(std::span<const std::uint8_t> in) {
  if (in.size() < probe_header_size || !std::equal(probe_magic.begin(), probe_magic.end(), in.begin())) return std::nullopt;
  ProbeHeader h;
  for (std::size_t i = 0; i < 4; ++i) h.sequence = (h.sequence << 8) | in[4 + i];
  for (std::size_t i = 0; i < 8; ++i) h.sent_ns = (h.sent_ns << 8) | in[8 + i];
  return h;
}

}  // namespace roam6::probe
