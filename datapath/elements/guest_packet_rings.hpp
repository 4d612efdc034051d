#pragma once
// Packets kept per guest, each with a TSC stamp, in one ring per guest:
// the storage under the hold queues (hold_queues.hpp) and the memory of
// recent deliveries (recent_deliveries.hpp), which differ only in what
// they keep and when they let go. Up to `guests` rings at once, each of
// `per_guest` packets. A ring belongs to a record slot *and* generation, so
// a slot reused by another guest never sees the previous guest's packets.
//
// All storage is allocated by the constructor; nothing else allocates. One
// core owns an instance (no locks). The packets are the owner's to free.

#include <cstdint>
#include <memory>

#include "roam6/wire/address.hpp"

struct rte_mbuf;

namespace roam6::datapath {

class GuestPacketRings {
 public:
  struct Ring {
    std::uint32_t slot = 0;
    std::uint32_t generation = 0;
    wire::MacAddr mac;
    std::uint32_t head = 0;
    std::uint32_t count = 0;
  };

  // Throws std::bad_alloc; zero packets per guest means no rings at all.
  GuestPacketRings(std::uint32_t guests, std::uint32_t per_guest);

  [[nodiscard]] std::uint32_t rings() const noexcept { return guests_; }
  [[nodiscard]] std::uint32_t per_guest() const noexcept { return per_guest_; }
  [[nodiscard]] const Ring& ring(std::uint32_t r) const noexcept { return rings_[r]; }
  [[nodiscard]] bool full(std::uint32_t r) const noexcept { return rings_[r].count == per_guest_; }
  // Packets over all rings (O(1): the per-packet path asks it).
  [[nodiscard]] std::uint64_t total() const noexcept { return total_; }

  // The guest's ring, or -1 when it has none.
  [[nodiscard]] int find(std::uint32_t slot, std::uint32_t generation) const noexcept {
    for (std::uint32_t r = 0; r < guests_; ++r) {
      const Ring& ring = rings_[r];
      if (ring.count != 0 && ring.slot == slot && ring.generation == generation) return static_cast<int>(r);
    }
    return -1;
  }
  // The guest's ring, or an empty one made its own; -1 when every ring is
  // another guest's.
  int claim(std::uint32_t slot, std::uint32_t generation, const wire::MacAddr& mac) noexcept;

  // Appends to ring r (not full).
  void push_back(std::uint32_t r, rte_mbuf* m, std::uint64_t tsc) noexcept {
    Ring& ring = rings_[r];
    std::uint32_t tail = ring.head + ring.count;
    if (tail >= per_guest_) tail -= per_guest_;
    packets_[index(r, tail)] = m;
    stamps_[index(r, tail)] = tsc;
    ++ring.count;
    ++total_;
  }
  // The oldest packet of ring r (not empty), with its stamp.
  [[nodiscard]] std::uint64_t front_stamp(std::uint32_t r) const noexcept {
    return stamps_[index(r, rings_[r].head)];
  }
  rte_mbuf* pop_front(std::uint32_t r, std::uint64_t& tsc) noexcept {
    Ring& ring = rings_[r];
    rte_mbuf* m = packets_[index(r, ring.head)];
    tsc = stamps_[index(r, ring.head)];
    ring.head = ring.head + 1 == per_guest_ ? 0 : ring.head + 1;
    --ring.count;
    --total_;
    if (ring.count == 0) ring.head = 0;
    return m;
  }
  // Empties ring r oldest first into `sink(rte_mbuf*, std::uint64_t tsc)`;
  // returns how many.
  template <class Sink>
  std::uint32_t drain(std::uint32_t r, Sink&& sink) noexcept {
    std::uint32_t n = 0;
    while (rings_[r].count != 0) {
      std::uint64_t tsc = 0;
      rte_mbuf* m = pop_front(r, tsc);
      sink(m, tsc);
      ++n;
    }
    return n;
  }

 private:
  [[nodiscard]] std::size_t index(std::uint32_t r, std::uint32_t position) const noexcept {
    return std::size_t{r} * per_guest_ + position;
  }

  std::uint32_t guests_;
  std::uint32_t per_guest_;
  std::unique_ptr<Ring[]> rings_;
  std::unique_ptr<rte_mbuf*[]> packets_;
  std::unique_ptr<std::uint64_t[]> stamps_;
  std::uint64_t total_ = 0;
};

}  // namespace roam6::datapath
