#include "datapath/elements/hold_queues.hpp"

#include <rte_mbuf.h>

namespace roam6::datapath {

HoldQueues::HoldQueues(const HoldSettings& settings)
    : settings_(settings), rings_(settings.guests, settings.packets_per_guest) {}

HoldQueues::~HoldQueues() {
  for (std::uint32_t q = 0; q < rings_.rings(); ++q) rings_.drain(q, [](rte_mbuf* m, std::uint64_t) { rte_pktmbuf_free(m); });
}

bool HoldQueues::hold(std::uint32_t slot, std::uint32_t generation, const wire::MacAddr& guest,
                      rte_mbuf* m, std::uint64_t now_tsc) noexcept {
  const int q = rings_.claim(slot, generation, guest);
  if (q < 0 || rings_.full(static_cast<std::uint32_t>(q))) return false;
  rings_.push_back(static_cast<std::uint32_t>(q), m, now_tsc);
  return true;
}

std::uint32_t HoldQueues::queued(std::uint32_t slot, std::uint32_t generation) const noexcept {
  const int q = rings_.find(slot, generation);
  return q < 0 ? 0 : rings_.ring(static_cast<std::uint32_t>(q)).count;
}

std::uint32_t HoldQueues::guests_holding() const noexcept {
  std::uint32_t n = 0;
  for (std::uint32_t q = 0; q < rings_.rings(); ++q)
    if (rings_.ring(q).count != 0) ++n;
  return n;
}

}  // namespace roam6::datapath
