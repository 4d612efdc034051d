#include "datapath/elements/outer_fragmenter.hpp"

#include <rte_ip_frag.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include <atomic>
#include <cstring>

#include "roam6/wire/bytes.hpp"
#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/ipv6.hpp"

namespace roam6::datapath {

namespace {

constexpr std::uint16_t eth = wire::ethernet_header_size;
// The Identification of the Fragment header: after next header, reserved
// and the offset/flags word.
constexpr std::size_t identification_offset = wire::ipv6_header_size + 4;

std::atomic<std::uint64_t> identification_counter{0};
std::atomic<bool> identification_seeded{false};

void free_all(rte_mbuf* const* pkts, unsigned n) noexcept {
  for (unsigned i = 0; i < n; ++i) rte_pktmbuf_free(pkts[i]);
}

}  // namespace

std::uint32_t next_fragment_identification() noexcept {
  // Seeded on first use, after the EAL (and its random generator) is up.
  // Exactly one core adds the random start; values another core took just
  // before stay distinct from everything after (short of 2^32 packets).
  if (!identification_seeded.load(std::memory_order_relaxed)) [[unlikely]] {
    bool expected = false;
    if (identification_seeded.compare_exchange_strong(expected, true, std::memory_order_relaxed))
      identification_counter.fetch_add(rte_rand(), std::memory_order_relaxed);
  }
  return static_cast<std::uint32_t>(
      identification_counter.fetch_add(1, std::memory_order_relaxed));
}

unsigned fragment_outer_packet(rte_mbuf* m, std::uint32_t path_mtu, rte_mempool* pool,
                               rte_mbuf* (&out)[max_outer_fragments]) noexcept {
  if (path_mtu < wire::ipv6_minimum_mtu || path_mtu > UINT16_MAX) return 0;
  if (rte_pktmbuf_data_len(m) < eth + wire::ipv6_header_size) return 0;
  std::uint8_t ethernet[eth];
  std::memcpy(ethernet, rte_pktmbuf_mtod(m, const std::uint8_t*), eth);

  // DPDK fragments an IPv6 packet that starts at the data pointer.
  rte_pktmbuf_adj(m, eth);
  const int made = rte_ipv6_fragment_packet(m, out, max_outer_fragments,
                                            static_cast<std::uint16_t>(path_mtu), pool, pool);
  if (made <= 0) {
    rte_pktmbuf_prepend(m, eth);  // gives back exactly what adj took
    return 0;
  }
  const auto n = static_cast<unsigned>(made);
  const std::uint32_t identification = next_fragment_identification();
  for (unsigned i = 0; i < n; ++i) {
    rte_mbuf* fragment = out[i];
    // One contiguous mbuf: the header mbuf has the data room for all of it.
    if (rte_pktmbuf_linearize(fragment) != 0) {
      free_all(out, n);
      rte_pktmbuf_prepend(m, eth);
      return 0;
    }
    auto* ip = rte_pktmbuf_mtod(fragment, std::uint8_t*);
    wire::store_be32(ip + identification_offset, identification);
    auto* front = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_prepend(fragment, eth));
    if (front == nullptr) {
      free_all(out, n);
      rte_pktmbuf_prepend(m, eth);
      return 0;
    }
    std::memcpy(front, ethernet, eth);
  }
  rte_pktmbuf_free(m);
  return n;
}

}  // namespace roam6::datapath
