#pragma once
// Every probe's fate: when it was sent, when its first echo came back, how
// many echoes came, and whether it came back after a later one (reordered).
// Written as CSV for plotting (docs/migration.md, "The probe"):
//   sequence,sent_ns,received_ns,copies,reordered
// received_ns empty for a lost probe. Times are CLOCK_MONOTONIC, the clock
// every namespace of the machine shares, so the testbed's marks line up.

#include <cstdint>
#include <optional>
#include <ostream>
#include <vector>

namespace roam6::probe {

struct ProbeRecord {
  std::uint64_t sent_ns = 0;
  std::optional<std::uint64_t> received_ns;  // first echo
  std::uint32_t copies = 0;                  // echoes received
  bool reordered = false;                    // its first echo came after a later probe's
};

class Timeline {
 public:
  // Returns the sequence number to put in the probe.
  std::uint32_t sent(std::uint64_t sent_ns);
  // An echo of `sequence` arrived at `received_ns`. Echoes of sequence
  // numbers never sent are counted (`foreign`), never recorded.
  void echoed(std::uint32_t sequence, std::uint64_t received_ns);

  [[nodiscard]] const std::vector<ProbeRecord>& records() const noexcept { return records_; }
  [[nodiscard]] std::uint64_t foreign() const noexcept { return foreign_; }
  void write_csv(std::ostream& out) const;
  // Reads what write_csv wrote. Throws std::runtime_error on a bad line.
  static Timeline read_csv(std::istream& in);

 private:
  std::vector<ProbeRecord> records_;
  std::optional<std::uint32_t> highest_echoed_;
  std::uint64_t foreign_ = 0;
};

}  // namespace roam6::probe
