#pragma once
// Per-core hold queues (host role): decapsulated packets for a guest that has
// not resumed at this host yet wait here instead of being lost, and leave in
// arrival order when it resumes. Up to `guests` guests hold at once, each up
// to `packets_per_guest` packets; each packet expires `timeout_ms` after it
// was held. A queue belongs to a guest's record slot *and* generation, so a
// slot reused by another guest never receives the previous guest's packets.
//
// All storage is allocated by the constructor; hold/release/expire never
// allocate. One core owns an instance (no locks).

#include <cstdint>

#include "datapath/elements/guest_packet_rings.hpp"
#include "datapath/pipeline/pipeline_settings.hpp"
#include "roam6/wire/address.hpp"

struct rte_mbuf;

namespace roam6::datapath {

class HoldQueues {
 public:
  // Throws std::bad_alloc; settings with zero guests or packets hold nothing.
  explicit HoldQueues(const HoldSettings& settings);
  ~HoldQueues();
  HoldQueues(const HoldQueues&) = delete;
  HoldQueues& operator=(const HoldQueues&) = delete;

  // Takes m unless the guest's queue or the set of queues is full (then it
  // stays the caller's, who counts drop_hold_full and frees it).
  [[nodiscard]] bool hold(std::uint32_t slot, std::uint32_t generation, const wire::MacAddr& guest,
                          rte_mbuf* m, std::uint64_t now_tsc) noexcept;

  // Hands the guest's packets to `deliver(rte_mbuf*)` oldest first and frees
  // the queue. Returns how many.
  template <class Deliver>
  std::uint32_t release(std::uint32_t slot, std::uint32_t generation, Deliver&& deliver) noexcept {
    const int q = rings_.find(slot, generation);
    if (q < 0) return 0;
    return rings_.drain(static_cast<std::uint32_t>(q), [&](rte_mbuf* m, std::uint64_t) { deliver(m); });
  }

  // For each queue in use: `decide(slot, generation, mac)` returns what to
  // do with it; expired packets go to `expired(rte_mbuf*)` (the caller frees
  // and counts them).
  enum class Verdict : std::uint8_t { keep, release, drop };
  template <class Decide, class Deliver, class Drop>
  void visit(std::uint64_t now_tsc, std::uint64_t timeout_tsc, Decide&& decide, Deliver&& deliver,
             Drop&& expired) noexcept {
    for (std::uint32_t q = 0; q < rings_.rings(); ++q) {
      const GuestPacketRings::Ring& queue = rings_.ring(q);
      if (queue.count == 0) continue;
      switch (decide(queue.slot, queue.generation, queue.mac)) {
        case Verdict::release:
          rings_.drain(q, [&](rte_mbuf* m, std::uint64_t) { deliver(m); });
          continue;
        case Verdict::drop:
          rings_.drain(q, [&](rte_mbuf* m, std::uint64_t) { expired(m); });
          continue;
        case Verdict::keep:
          break;
      }
      while (queue.count != 0 && now_tsc >= rings_.front_stamp(q) && now_tsc - rings_.front_stamp(q) >= timeout_tsc) {
        std::uint64_t held_at = 0;
        expired(rings_.pop_front(q, held_at));
      }
    }
  }

  [[nodiscard]] std::uint32_t queued(std::uint32_t slot, std::uint32_t generation) const noexcept;
  [[nodiscard]] std::uint32_t guests_holding() const noexcept;
  // Packets held over all guests (O(1): the per-packet path asks it).
  [[nodiscard]] std::uint64_t total() const noexcept { return rings_.total(); }
  [[nodiscard]] const HoldSettings& settings() const noexcept { return settings_; }

 private:
  HoldSettings settings_;
  GuestPacketRings rings_;
};

}  // namespace roam6::datapath
