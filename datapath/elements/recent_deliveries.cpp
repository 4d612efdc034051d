#include "datapath/elements/recent_deliveries.hpp"

#include <rte_mbuf.h>

namespace roam6::datapath {

RecentDeliveries::RecentDeliveries(const RecentDeliverySettings& settings)
    : guests_(settings.packets_per_guest == 0 ? 0 : settings.guests),
      per_guest_(settings.packets_per_guest),
      rings_(new Ring[guests_]),
      packets_(new rte_mbuf*[std::size_t{guests_} * per_guest_]),
      stamps_(new std::uint64_t[std::size_t{guests_} * per_guest_]) {}

RecentDeliveries::~RecentDeliveries() {
  for (std::uint32_t r = 0; r < guests_; ++r) release(r);
}

void RecentDeliveries::let_go(rte_mbuf* m) noexcept { rte_pktmbuf_free(m); }

int RecentDeliveries::find(std::uint32_t slot, std::uint32_t generation) const noexcept {
  for (std::uint32_t r = 0; r < guests_; ++r) {
    const Ring& ring = rings_[r];
    if (ring.count != 0 && ring.slot == slot && ring.generation == generation) return static_cast<int>(r);
  }
  return -1;
}

rte_mbuf* RecentDeliveries::pop_front(Ring& ring, std::uint64_t& tsc) noexcept {
  const std::uint32_t r = static_cast<std::uint32_t>(&ring - rings_.get());
  rte_mbuf* m = packets_[index(r, ring.head)];
  tsc = stamps_[index(r, ring.head)];
  ring.head = ring.head + 1 == per_guest_ ? 0 : ring.head + 1;
  --ring.count;
  --total_;
  return m;
}

void RecentDeliveries::release(std::uint32_t r) noexcept {
  Ring& ring = rings_[r];
  while (ring.count != 0) {
    std::uint64_t tsc = 0;
    let_go(pop_front(ring, tsc));
  }
  ring.head = 0;
}

bool RecentDeliveries::remember(std::uint32_t slot, std::uint32_t generation, const wire::MacAddr& guest,
                                rte_mbuf* m, std::uint64_t now_tsc) noexcept {
  int r = find(slot, generation);
  if (r < 0) {
    for (std::uint32_t i = 0; i < guests_; ++i) {
      if (rings_[i].count == 0) {
        r = static_cast<int>(i);
        Ring& ring = rings_[i];
        ring.slot = slot;
        ring.generation = generation;
        ring.mac = guest;
        ring.head = 0;
        break;
      }
    }
    if (r < 0) return false;
  }
  const auto ri = static_cast<std::uint32_t>(r);
  Ring& ring = rings_[ri];
  if (ring.count == per_guest_) {
    // Full: the oldest is the least likely to have been missed.
    std::uint64_t tsc = 0;
    let_go(pop_front(ring, tsc));
  }
  // Every segment: the port frees each one after sending it.
  for (rte_mbuf* seg = m; seg != nullptr; seg = seg->next) rte_mbuf_refcnt_update(seg, 1);
  std::uint32_t tail = ring.head + ring.count;
  if (tail >= per_guest_) tail -= per_guest_;
  packets_[index(ri, tail)] = m;
  stamps_[index(ri, tail)] = now_tsc;
  ++ring.count;
  ++total_;
  return true;
}

void RecentDeliveries::forget(std::uint32_t slot, std::uint32_t generation) noexcept {
  const int r = find(slot, generation);
  if (r >= 0) release(static_cast<std::uint32_t>(r));
}

std::uint32_t RecentDeliveries::remembered(std::uint32_t slot, std::uint32_t generation) const noexcept {
  const int r = find(slot, generation);
  return r < 0 ? 0 : rings_[static_cast<std::uint32_t>(r)].count;
}

}  // namespace roam6::datapath
