#pragma once
// The probe's two ends: the sender (the correspondent) and the echo (the
// guest). Plain UDP over IPv6; one thread each, no allocation per probe.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "testbed/probe/timeline.hpp"

namespace roam6::probe {

struct SendSettings {
  std::string to;            // the guest's home address
  std::uint16_t port = 7447;
  double rate_hz = 1000;
  std::chrono::milliseconds duration{0};  // 0: until stopped
  std::chrono::milliseconds drain{500};   // after the last send, wait this long for echoes
  std::size_t size = 64;                  // UDP payload bytes, >= 16
};

// Throws std::system_error (socket) or std::invalid_argument (settings).
// Returns when the duration is over or `stop` is set, after the drain.
Timeline run_sender(const SendSettings& settings, const std::atomic<bool>& stop);

struct EchoCounters {
  std::uint64_t echoed = 0;
  std::uint64_t not_probes = 0;  // datagrams without the probe magic: dropped
};

// Echoes every probe to where it came from until `stop`.
EchoCounters run_echo(std::uint16_t port, const std::atomic<bool>& stop);

inline std::uint64_t monotonic_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

}  // namespace roam6::probe
