#include "datapath/elements/recent_deliveries.hpp"

#include <rte_mbuf.h>

namespace roam6::datapath {

RecentDeliveries::RecentDeliveries(const RecentDeliverySettings& settings)
    : rings_(settings.guests, settings.packets_per_guest) {}

RecentDeliveries::~RecentDeliveries() {
  for (std::uint32_t r = 0; r < rings_.rings(); ++r) rings_.drain(r, [](rte_mbuf* m, std::uint64_t) { let_go(m); });
}

void RecentDeliveries::let_go(rte_mbuf* m) noexcept { rte_pktmbuf_free(m); }

bool RecentDeliveries::remember(std::uint32_t slot, std::uint32_t generation, const wire::MacAddr& guest,
                                rte_mbuf* m, std::uint64_t now_tsc) noexcept {
  const int claimed = rings_.claim(slot, generation, guest);
  if (claimed < 0) return false;
  const auto r = static_cast<std::uint32_t>(claimed);
  if (rings_.full(r)) {
    // Full: the oldest is the least likely to have been missed.
    std::uint64_t delivered_at = 0;
    let_go(rings_.pop_front(r, delivered_at));
  }
  // Every segment: the port frees each one after sending it.
  for (rte_mbuf* seg = m; seg != nullptr; seg = seg->next) rte_mbuf_refcnt_update(seg, 1);
  rings_.push_back(r, m, now_tsc);
  return true;
}

void RecentDeliveries::forget(std::uint32_t slot, std::uint32_t generation) noexcept {
  const int r = rings_.find(slot, generation);
  if (r >= 0) rings_.drain(static_cast<std::uint32_t>(r), [](rte_mbuf* m, std::uint64_t) { let_go(m); });
}

std::uint32_t RecentDeliveries::remembered(std::uint32_t slot, std::uint32_t generation) const noexcept {
  const int r = rings_.find(slot, generation);
  return r < 0 ? 0 : rings_.ring(static_cast<std::uint32_t>(r)).count;
}

}  // namespace roam6::datapath
