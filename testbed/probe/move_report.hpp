#pragma once
// Per move, from the probes' timeline and the testbed's marks: how long
// the guest could not be reached, how much of that was its own pause, and
// what was lost, duplicated or reordered.
//
// Marks are what happened during a move, on the probes' clock
// (CLOCK_MONOTONIC), one JSON object per line:
//   {"t_ns": 123456789, "move": "1", "event": "pause"}
// A move's window runs from its first mark to the next move's first mark
// (the last one to the end of the timeline). Events the report reads:
// "pause" and "resume" (the guest's own pause); any others are carried
// into the report as offsets from the pause, for the timeline plot.
//
//   longest_gap_ms  the longest time between the send times of two probes
//                   answered one after the other, among those sent in the
//                   window (and the last one answered before it)
//   outage_ms       longest_gap_ms less one probe interval: how long no
//                   probe got through
//   added_ms        outage_ms less the guest's own pause (>= 0): what the
//                   move cost beyond QEMU's stop-and-copy

#include <cstdint>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "testbed/probe/timeline.hpp"

namespace roam6::probe {

struct Mark {
  std::uint64_t t_ns = 0;
  std::string move;
  std::string event;
};

// Throws std::runtime_error naming the bad line.
std::vector<Mark> read_marks(std::istream& in);

struct MoveReport {
  std::string move;
  std::uint64_t sent = 0;
  std::uint64_t lost = 0;
  std::uint64_t duplicated = 0;  // echoes beyond the first
  std::uint64_t reordered = 0;
  double longest_gap_ms = 0;
  double outage_ms = 0;
  std::optional<double> pause_ms;
  std::optional<double> added_ms;
  std::map<std::string, double> events_ms;  // each event's first mark, ms after the pause (or the window's start)
};

struct ProbeReport {
  std::uint64_t sent = 0;
  std::uint64_t answered = 0;
  std::uint64_t lost = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t reordered = 0;
  double interval_ms = 0;  // the median gap between sends
  std::vector<MoveReport> moves;
};

ProbeReport report(const Timeline& timeline, const std::vector<Mark>& marks);
nlohmann::json to_json(const ProbeReport& report);
std::string to_text(const ProbeReport& report);

}  // namespace roam6::probe
