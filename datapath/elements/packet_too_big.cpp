#include "datapath/elements/packet_too_big.hpp"

#include <rte_mbuf.h>

#include <algorithm>

#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/icmpv6.hpp"

namespace roam6::datapath {

bool TokenBucket::take(std::uint64_t now_tsc, std::uint64_t tsc_hz) noexcept {
  if (settings_.per_second == 0 || settings_.burst == 0) return false;
  const std::uint64_t cost = std::max<std::uint64_t>(tsc_hz / settings_.per_second, 1);
  const std::uint64_t capacity = cost * settings_.burst;
  if (!started_) {
    started_ = true;
    credit_ = capacity;
  } else if (now_tsc > last_tsc_) {
    const std::uint64_t elapsed = now_tsc - last_tsc_;
    credit_ = elapsed >= capacity - credit_ ? capacity : credit_ + elapsed;
  }
  last_tsc_ = std::max(last_tsc_, now_tsc);
  if (credit_ < cost) return false;
  credit_ -= cost;
  return true;
}

rte_mbuf* build_packet_too_big(rte_mempool* pool, const PacketTooBigAddressing& to,
                               std::uint32_t mtu, wire::ByteSpan invoking) noexcept {
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (m == nullptr) return nullptr;
  constexpr std::size_t largest = wire::ethernet_header_size + wire::ipv6_minimum_mtu;
  if (rte_pktmbuf_tailroom(m) < largest) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  auto* frame = rte_pktmbuf_mtod(m, std::uint8_t*);
  (void)wire::write_ethernet_header({frame, wire::ethernet_header_size}, to.ethernet_dst,
                                    to.ethernet_src, wire::ethertype::ipv6);
  wire::Icmpv6Envelope envelope;
  envelope.src = to.src;
  envelope.dst = to.dst;
  envelope.hop_limit = 64;
  const auto written = wire::write_packet_too_big(
      {frame + wire::ethernet_header_size, wire::ipv6_minimum_mtu},
      envelope, std::max(mtu, wire::ipv6_minimum_mtu), invoking);
  if (!written) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  const auto length = static_cast<std::uint16_t>(wire::ethernet_header_size + *written);
  m->data_len = length;
  m->pkt_len = length;
  return m;
}

}  // namespace roam6::datapath
