#include "datapath/elements/punt_queue.hpp"

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "datapath/elements/datapath_counters.hpp"

namespace roam6::datapath {

namespace {

// The TSC at which a forwarding core saw a punted frame lives in an mbuf
// dynamic field, registered once per process (registration is idempotent
// for the same name and size, and the offset is then the same everywhere).
int tsc_field_offset = -1;
std::once_flag tsc_field_once;

int register_tsc_field() {
  std::call_once(tsc_field_once, [] {
    static const rte_mbuf_dynfield field = {
        "roam6_punt_tsc", sizeof(std::uint64_t), alignof(std::uint64_t), 0};
    tsc_field_offset = rte_mbuf_dynfield_register(&field);
  });
  if (tsc_field_offset < 0)
    throw std::runtime_error(std::string("punt queue: rte_mbuf_dynfield_register failed: ") +
                             rte_strerror(rte_errno));
  return tsc_field_offset;
}

// RTE_MBUF_DYNFIELD without its signed-to-unsigned conversion.
std::uint64_t* tsc_field(rte_mbuf* m) noexcept {
  return reinterpret_cast<std::uint64_t*>(reinterpret_cast<char*>(m) +
                                          static_cast<std::size_t>(tsc_field_offset));
}

}  // namespace

PuntQueue::PuntQueue(const std::string& name, unsigned size) {
  register_tsc_field();
  const unsigned count = rte_align32pow2(size < 2 ? 2 : size);
  // rte_ring holds count - 1 entries unless RING_F_EXACT_SZ; ask for exactly
  // what was asked (rounded up), producers many, consumer one.
  ring_ = rte_ring_create(name.c_str(), count, SOCKET_ID_ANY, RING_F_SC_DEQ | RING_F_EXACT_SZ);
  if (ring_ == nullptr)
    throw std::runtime_error("punt queue " + name + ": rte_ring_create failed: " +
                             rte_strerror(rte_errno));
  event_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (event_fd_ < 0) {
    const int err = errno;
    rte_ring_free(ring_);
    throw std::runtime_error("punt queue " + name + ": eventfd failed: " + std::strerror(err));
  }
}

PuntQueue::~PuntQueue() {
  rte_mbuf* left[32];
  unsigned n;
  while ((n = pop(left, 32)) != 0) rte_pktmbuf_free_bulk(left, n);
  rte_ring_free(ring_);
  if (event_fd_ >= 0) close(event_fd_);
}

bool PuntQueue::push(rte_mbuf* m, DatapathPort port, std::uint64_t tsc) noexcept {
  m->port = static_cast<std::uint16_t>(port);
  *tsc_field(m) = tsc;
  unsigned free_after = 0;
  if (rte_ring_mp_enqueue_bulk(ring_, reinterpret_cast<void* const*>(&m), 1, &free_after) == 0) {
    rte_pktmbuf_free(m);
    return false;
  }
  // Dekker-style: the enqueue above must be visible before we look at the
  // flag, as the reader's flag must be before it looks at the ring.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (reader_asleep_.load(std::memory_order_relaxed) &&
      reader_asleep_.exchange(false, std::memory_order_acq_rel)) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = write(event_fd_, &one, sizeof one);
  }
  return true;
}

bool PuntQueue::arm_wakeup() noexcept {
  reader_asleep_.store(true, std::memory_order_seq_cst);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  // A push that finished before the flag was seen may have found it unset.
  return rte_ring_count(ring_) == 0;
}

unsigned PuntQueue::pop(rte_mbuf** out, unsigned n) noexcept {
  return rte_ring_sc_dequeue_burst(ring_, reinterpret_cast<void**>(out), n, nullptr);
}

void PuntQueue::drain_event() noexcept {
  std::uint64_t value = 0;
  [[maybe_unused]] const auto got = read(event_fd_, &value, sizeof value);
}

DatapathPort PuntQueue::port_of(const rte_mbuf* m) noexcept {
  return static_cast<DatapathPort>(m->port);
}

std::uint64_t PuntQueue::tsc_of(const rte_mbuf* m) noexcept {
  return *tsc_field(const_cast<rte_mbuf*>(m));
}

}  // namespace roam6::datapath
