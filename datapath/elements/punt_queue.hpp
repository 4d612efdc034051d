#pragma once
// The path from the forwarding cores to mip6d: a bounded multi-producer,
// single-consumer rte_ring of mbufs. Each mbuf carries the port it came in on
// (mbuf->port holds the DatapathPort) and the TSC at which the core saw it
// (an mbuf dynamic field), so the resume signal keeps its exact time.
// push() never blocks: when the ring is full the frame is freed and the
// caller counts drop_punt_ring_full. An eventfd wakes the control plane when
// the ring goes from empty to non-empty, so signalling waits for no timer.

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
  // pop(), then pop() until it returns 0: the eventfd is written only when
  // the ring goes from empty to non-empty.
  [[nodiscard]] int event_fd() const noexcept { return event_fd_; }
  void drain_event() noexcept;

  // The values push() stored.
  static DatapathPort port_of(const rte_mbuf* m) noexcept;
  static std::uint64_t tsc_of(const rte_mbuf* m) noexcept;

 private:
  rte_ring* ring_ = nullptr;
  int event_fd_ = -1;
};

}  // namespace roam6::datapath
