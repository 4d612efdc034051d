#pragma once
// Per-core memory of what was just delivered to guests that are migrating
// away (host role): a reference to each packet sent to such a guest, with
// the time it left. When QEMU stops the guest for its last copy, what it had
// not yet read from its tap dies with the source QEMU, and so does what
// reaches the tap before roam6 hears of the pause (libvirt's Suspended event
// comes 1-20 ms after QEMU's STOP). At the pause, the packets delivered since
// a moment just before the STOP go back into the guest's hold queue as
// copies and leave with the rest of the hand-over (docs/signalling.md,
// "What the pause costs"). The guest may have read some of them: those
// reach it twice (counted `replayed`).
//
// Up to `guests` guests at once, each up to `packets_per_guest` packets; when
// a guest's ring is full its oldest reference goes. A ring belongs to a
// record slot *and* generation, like a hold queue. The packets are shared
// with the port that sent them (their reference count was raised), so they
// are only read, never written: take() hands over each one for the caller
// to copy and free.
//
// All storage is allocated by the constructor; nothing on the per-packet
// path allocates. One core owns an instance (no locks).

#include <cstdint>

#include "datapath/elements/guest_packet_rings.hpp"
#include "datapath/pipeline/pipeline_settings.hpp"
#include "roam6/wire/address.hpp"

struct rte_mbuf;

namespace roam6::datapath {

class RecentDeliveries {
 public:
  // Throws std::bad_alloc; zero guests or packets remember nothing.
  explicit RecentDeliveries(const RecentDeliverySettings& settings);
  ~RecentDeliveries();
  RecentDeliveries(const RecentDeliveries&) = delete;
  RecentDeliveries& operator=(const RecentDeliveries&) = delete;

  // Keeps a reference to m (every segment's count is raised) before the
  // caller sends it. False when every ring is taken by another guest: m is
  // not remembered (and untouched).
  bool remember(std::uint32_t slot, std::uint32_t generation, const wire::MacAddr& guest, rte_mbuf* m,
                std::uint64_t now_tsc) noexcept;

  // Empties the guest's ring oldest first: each packet delivered at or
  // after `from_tsc` goes to `replay(rte_mbuf*)`, which owns the reference
  // from then on; the older ones are let go. Returns how many were replayed.
  template <class Replay>
  std::uint32_t take(std::uint32_t slot, std::uint32_t generation, std::uint64_t from_tsc,
                     Replay&& replay) noexcept {
    const int r = rings_.find(slot, generation);
    if (r < 0) return 0;
    return replay_from(static_cast<std::uint32_t>(r), from_tsc, replay);
  }
  // Lets go of the guest's ring.
  void forget(std::uint32_t slot, std::uint32_t generation) noexcept;

  // For each ring in use: `decide(slot, generation, mac, from_tsc&)`
  // returns what to do with it: keep it, replay it (from the TSC it sets),
  // or forget it.
  enum class Verdict : std::uint8_t { keep, replay, forget };
  template <class Decide, class Replay>
  void visit(Decide&& decide, Replay&& replay) noexcept {
    for (std::uint32_t r = 0; r < rings_.rings(); ++r) {
      const GuestPacketRings::Ring& ring = rings_.ring(r);
      if (ring.count == 0) continue;
      std::uint64_t from_tsc = 0;
      switch (decide(ring.slot, ring.generation, ring.mac, from_tsc)) {
        case Verdict::keep:
          break;
        case Verdict::replay:
          replay_from(r, from_tsc, replay);
          break;
        case Verdict::forget:
          rings_.drain(r, [](rte_mbuf* m, std::uint64_t) { let_go(m); });
          break;
      }
    }
  }

  [[nodiscard]] std::uint32_t remembered(std::uint32_t slot, std::uint32_t generation) const noexcept;
  // Packets remembered over all guests (O(1): the per-packet path asks it).
  [[nodiscard]] std::uint64_t total() const noexcept { return rings_.total(); }

 private:
  static void let_go(rte_mbuf* m) noexcept;
  template <class Replay>
  std::uint32_t replay_from(std::uint32_t r, std::uint64_t from_tsc, Replay& replay) noexcept {
    std::uint32_t replayed = 0;
    rings_.drain(r, [&](rte_mbuf* m, std::uint64_t delivered_at) {
      if (delivered_at >= from_tsc) {
        replay(m);
        ++replayed;
      } else {
        let_go(m);
      }
    });
    return replayed;
  }

  GuestPacketRings rings_;
};

}  // namespace roam6::datapath
