#pragma once
// The path from mip6d to one port: a single-producer (the control plane),
// single-consumer (the one forwarding core that drains it) rte_ring of
// ready-to-send frames.

#include <cstdint>
#include <string>

struct rte_mbuf;
struct rte_ring;

namespace roam6::datapath {

class InjectRing {
 public:
  // Holds exactly `size` frames. Throws std::runtime_error.
  InjectRing(const std::string& name, unsigned size);
  ~InjectRing();  // frees the frames still queued
  InjectRing(const InjectRing&) = delete;
  InjectRing& operator=(const InjectRing&) = delete;

  // Control plane: false when full (the caller keeps the mbuf).
  bool push(rte_mbuf* m) noexcept;
  // Forwarding core.
  unsigned pop(rte_mbuf** out, unsigned n) noexcept;

 private:
  rte_ring* ring_ = nullptr;
};

}  // namespace roam6::datapath
