#include "datapath/engine/inject_ring.hpp"

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <stdexcept>

namespace roam6::datapath {

InjectRing::InjectRing(const std::string& name, unsigned size) {
  if (size == 0) throw std::runtime_error("inject ring '" + name + "': size 0");
  ring_ = rte_ring_create(name.c_str(), size, static_cast<int>(rte_socket_id()),
                          RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
  if (ring_ == nullptr)
    throw std::runtime_error("inject ring '" + name + "' (" + std::to_string(size) +
                             " frames): " + rte_strerror(rte_errno));
}

InjectRing::~InjectRing() {
  rte_mbuf* left[32];
  unsigned n = 0;
  while ((n = pop(left, 32)) != 0) rte_pktmbuf_free_bulk(left, n);
  rte_ring_free(ring_);
}

bool InjectRing::push(rte_mbuf* m) noexcept { return rte_ring_sp_enqueue(ring_, m) == 0; }

unsigned InjectRing::pop(rte_mbuf** out, unsigned n) noexcept {
  return rte_ring_sc_dequeue_burst(ring_, reinterpret_cast<void**>(out), n, nullptr);
}

}  // namespace roam6::datapath
