#include "datapath/elements/hold_queues.hpp"

#include <rte_mbuf.h>

namespace roam6::datapath {

HoldQueues::HoldQueues(const HoldSettings& settings)
    : settings_(settings),
      guests_(settings.packets_per_guest == 0 ? 0 : settings.guests),
      per_guest_(settings.packets_per_guest),
      queues_(new Queue[guests_]),
      packets_(new rte_mbuf*[std::size_t{guests_} * per_guest_]),
      stamps_(new std::uint64_t[std::size_t{guests_} * per_guest_]) {}

HoldQueues::~HoldQueues() {
  for (std::uint32_t q = 0; q < guests_; ++q) {
    auto free_it = [](rte_mbuf* m) { rte_pktmbuf_free(m); };
    drain(q, free_it);
  }
}

int HoldQueues::find(std::uint32_t slot, std::uint32_t generation) const noexcept {
  for (std::uint32_t q = 0; q < guests_; ++q) {
    const Queue& queue = queues_[q];
    if (queue.count != 0 && queue.slot == slot && queue.generation == generation)
      return static_cast<int>(q);
  }
  return -1;
}

bool HoldQueues::hold(std::uint32_t slot, std::uint32_t generation, const wire::MacAddr& guest,
                      rte_mbuf* m, std::uint64_t now_tsc) noexcept {
  int q = find(slot, generation);
  if (q < 0) {
    for (std::uint32_t i = 0; i < guests_; ++i) {
      if (queues_[i].count == 0) {
        q = static_cast<int>(i);
        Queue& queue = queues_[i];
        queue.slot = slot;
        queue.generation = generation;
        queue.mac = guest;
        queue.head = 0;
        break;
      }
    }
    if (q < 0) return false;
  }
  const auto qi = static_cast<std::uint32_t>(q);
  Queue& queue = queues_[qi];
  if (queue.count == per_guest_) return false;
  std::uint32_t tail = queue.head + queue.count;
  if (tail >= per_guest_) tail -= per_guest_;
  packets_[index(qi, tail)] = m;
  stamps_[index(qi, tail)] = now_tsc;
  ++queue.count;
  ++total_;
  return true;
}

std::uint32_t HoldQueues::queued(std::uint32_t slot, std::uint32_t generation) const noexcept {
  const int q = find(slot, generation);
  return q < 0 ? 0 : queues_[static_cast<std::uint32_t>(q)].count;
}

std::uint32_t HoldQueues::guests_holding() const noexcept {
  std::uint32_t n = 0;
  for (std::uint32_t q = 0; q < guests_; ++q)
    if (queues_[q].count != 0) ++n;
  return n;
}

}  // namespace roam6::datapath
