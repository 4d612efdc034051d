#pragma once
// The path from the forwarding cores to mip6d: a bounded multi-producer,
// single-consumer rte_ring of mbufs. Each mbuf carries the port it came in on
// (mbuf->port holds the DatapathPort) and the TSC at which the core saw it
// (an mbuf dynamic field), so the resume signal keeps its exact time.
// push() never blocks: when the ring is full the frame is freed and the
// caller counts drop_punt_ring_full. An eventfd wakes the control plane, so
// signalling waits for no timer: the reader says when it is about to sleep
// (arm_wakeup()) and the first push after that writes the eventfd, once.
// (Watching for the ring going from empty to non-empty instead lost wake-ups:
// a push racing the reader's dequeue sees the ring not yet empty, the reader
// then sees it empty, and no push after that ever finds it empty again.)

#include <atomic>
#include <cstdint>
#include <string>

struct rte_mbuf;
struct rte_ring;

namespace roam6::datapath {

enum class DatapathPort : std::uint8_t;

class PuntQueue {
 public:
  // `size` is rounded up to a power of two. Throws std::runtime_error.
  PuntQueue(const std::string& name, unsigned size);
  ~PuntQueue();
  PuntQueue(const PuntQueue&) = delete;
  PuntQueue& operator=(const PuntQueue&) = delete;

  // Forwarding core: false when full (the mbuf is freed).
  bool push(rte_mbuf* m, DatapathPort port, std::uint64_t tsc) noexcept;

  // Control plane: up to n frames; caller frees them.
  unsigned pop(rte_mbuf** out, unsigned n) noexcept;
  // Readable when frames may be waiting; read it (drain_event()) before
  // pop(). The reader pops until the ring is empty, then calls arm_wakeup():
  // if that returns false, frames came meanwhile and it pops on; if true, the
  // next push writes the eventfd. Until then pushes make no system call.
  [[nodiscard]] int event_fd() const noexcept { return event_fd_; }
  void drain_event() noexcept;
  [[nodiscard]] bool arm_wakeup() noexcept;

  // The values push() stored.
  static DatapathPort port_of(const rte_mbuf* m) noexcept;
  static std::uint64_t tsc_of(const rte_mbuf* m) noexcept;

 private:
  rte_ring* ring_ = nullptr;
  int event_fd_ = -1;
  // Set by the reader before it sleeps, taken by the one push that wakes it.
  alignas(64) std::atomic<bool> reader_asleep_{true};
};

}  // namespace roam6::datapath
