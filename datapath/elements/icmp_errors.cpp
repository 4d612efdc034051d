#include "datapath/elements/icmp_errors.hpp"

#include <rte_mbuf.h>

#include <algorithm>

#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/icmpv6.hpp"

namespace roam6::datapath {

std::uint8_t IcmpError::type() const noexcept {
  switch (kind) {
    case IcmpErrorKind::packet_too_big: return wire::icmpv6_type::packet_too_big;
    case IcmpErrorKind::time_exceeded: return wire::icmpv6_type::time_exceeded;
    case IcmpErrorKind::parameter_problem: return wire::icmpv6_type::parameter_problem;
  }
  return wire::icmpv6_type::parameter_problem;
}

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

rte_mbuf* build_icmpv6_error(rte_mempool* pool, const IcmpErrorAddressing& to,
                             const IcmpError& error, wire::ByteSpan invoking,
                             std::size_t max_ipv6_length) noexcept {
  constexpr std::size_t eth = wire::ethernet_header_size;
  constexpr std::size_t headers = wire::ipv6_header_size + wire::icmpv6_error_header_size;
  const std::size_t limit = std::min<std::size_t>(max_ipv6_length, wire::ipv6_minimum_mtu);
  if (limit <= headers) return nullptr;
  if (error.kind == IcmpErrorKind::packet_too_big && error.word < wire::ipv6_minimum_mtu)
    return nullptr;
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (m == nullptr) return nullptr;
  if (rte_pktmbuf_tailroom(m) < eth + limit) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  auto* frame = rte_pktmbuf_mtod(m, std::uint8_t*);
  (void)wire::write_ethernet_header({frame, eth}, to.ethernet_dst, to.ethernet_src,
                                    wire::ethertype::ipv6);
  wire::Icmpv6Envelope envelope;
  envelope.src = to.src;
  envelope.dst = to.dst;
  envelope.hop_limit = 64;
  const auto written =
      wire::write_icmpv6_error({frame + eth, limit}, envelope, error.type(), error.code,
                               error.word, invoking.first(std::min(invoking.size(), limit - headers)));
  if (!written) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  const auto length = static_cast<std::uint16_t>(eth + *written);
  m->data_len = length;
  m->pkt_len = length;
  return m;
}

}  // namespace roam6::datapath
