// rte_ip_frag_table_del_expired_entries is still marked experimental in
// DPDK 22.11 (it has been there since 17.x).
#define ALLOW_EXPERIMENTAL_API 1

#include "datapath/elements/reassembler.hpp"

#include <rte_errno.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "roam6/wire/bytes.hpp"
#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/ipv6.hpp"

namespace roam6::datapath {

namespace {

constexpr std::uint16_t eth = wire::ethernet_header_size;
constexpr std::uint16_t fragment_header_size = 8;
// Associativity of the table's buckets (a power of two); DPDK looks in two
// buckets per key, so a packet has 2 * 4 candidate entries.
constexpr std::uint32_t bucket_entries = 4;

}  // namespace

Reassembler::Reassembler(const ReassemblySettings& settings, std::uint64_t tsc_hz) {
  if (settings.packets == 0) return;
  const std::uint64_t max_cycles =
      tsc_hz / 1000 * settings.timeout_ms + tsc_hz % 1000 * settings.timeout_ms / 1000;
  // bucket_num * bucket_entries * 2 entries, at least `packets` of them.
  const std::uint32_t buckets = std::max<std::uint32_t>(1, settings.packets / 2);
  table_ = rte_ip_frag_table_create(buckets, bucket_entries, settings.packets, max_cycles,
                                    SOCKET_ID_ANY);
  if (table_ == nullptr)
    throw std::runtime_error("reassembly: rte_ip_frag_table_create for " +
                             std::to_string(settings.packets) +
                             " packets failed: " + rte_strerror(rte_errno));
}

Reassembler::~Reassembler() {
  free_death_row();
  if (table_ != nullptr) rte_ip_frag_table_destroy(table_);
}

std::uint32_t Reassembler::segments(const rte_mbuf* m) noexcept { return m->nb_segs; }

std::uint32_t Reassembler::collect_expired(std::uint64_t now_tsc) noexcept {
  if (table_ != nullptr) rte_ip_frag_table_del_expired_entries(table_, &death_row_, now_tsc);
  return death_row_.cnt;
}

std::uint32_t Reassembler::free_death_row() noexcept {
  const std::uint32_t n = death_row_.cnt;
  if (n != 0) rte_ip_frag_free_death_row(&death_row_, 0);
  return n;
}

Reassembler::Outcome Reassembler::whole_atomic_fragment(rte_mbuf* m) noexcept {
  // Ethernet + IPv6 header move 8 octets up over the Fragment header, whose
  // next header becomes the IPv6 header's.
  auto* front = rte_pktmbuf_mtod(m, std::uint8_t*);
  std::uint8_t* ip = front + eth;
  const std::uint8_t next = ip[wire::ipv6_header_size];
  ip[6] = next;
  wire::store_be16(ip + 4,
                   static_cast<std::uint16_t>(wire::load_be16(ip + 4) - fragment_header_size));
  std::memmove(front + fragment_header_size, front, eth + wire::ipv6_header_size);
  rte_pktmbuf_adj(m, fragment_header_size);
  return Outcome{m, 1, 0};
}

Reassembler::Outcome Reassembler::add(rte_mbuf* m, const ClassifiedFrame& frame,
                                      std::uint64_t now_tsc) noexcept {
  Outcome out;
  const wire::Ipv6View& ip = frame.ip;
  const std::uint16_t payload = ip.payload_length();
  // What DPDK 22.11 handles (see reassembler.hpp).
  if (table_ == nullptr || ip.next_header() != wire::ipproto::fragment ||
      payload <= fragment_header_size || !rte_pktmbuf_is_contiguous(m)) {
    rte_pktmbuf_free(m);
    out.dropped = 1;
    return out;
  }
  auto* ip_header = const_cast<std::uint8_t*>(ip.packet().data());
  std::uint8_t* fragment_header = ip_header + wire::ipv6_header_size;
  const std::uint16_t offset_and_flags = wire::load_be16(fragment_header + 2);
  const std::uint32_t offset = std::uint32_t{offset_and_flags & 0xfff8u};
  const bool more = (offset_and_flags & 1u) != 0;
  if (offset + payload - fragment_header_size > 0xffff) {
    rte_pktmbuf_free(m);
    out.dropped = 1;
    return out;
  }
  if (offset == 0 && !more) return whole_atomic_fragment(m);

  m->l2_len = eth;
  m->l3_len = wire::ipv6_header_size + fragment_header_size;
  rte_mbuf* whole = rte_ipv6_frag_reassemble_packet(
      table_, &death_row_, m, now_tsc, reinterpret_cast<rte_ipv6_hdr*>(ip_header),
      reinterpret_cast<rte_ipv6_fragment_ext*>(fragment_header));
  for (std::uint32_t i = 0; i < death_row_.cnt; ++i) out.dropped += segments(death_row_.row[i]);
  free_death_row();
  if (whole == nullptr) return out;
  const std::uint32_t fragments = whole->nb_segs;
  if (rte_pktmbuf_linearize(whole) != 0) {
    rte_pktmbuf_free(whole);
    out.dropped += fragments;
    return out;
  }
  // The lengths were DPDK's input; nothing else reads them.
  whole->l2_len = 0;
  whole->l3_len = 0;
  out.packet = whole;
  out.fragments = fragments;
  return out;
}

}  // namespace roam6::datapath
