#pragma once
// Small steps both roles share: receive accounting, punting a frame or a copy
// of it, Packet Too Big, and held-packet accounting. Internal to pipeline/.

#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include <cstdint>
#include <optional>

#include "datapath/elements/datapath_counters.hpp"
#include "datapath/elements/decapsulator.hpp"
#include "datapath/elements/encapsulator.hpp"
#include "datapath/elements/frame_classifier.hpp"
#include "datapath/elements/packet_too_big.hpp"
#include "datapath/elements/punt_queue.hpp"
#include "datapath/pipeline/worker_context.hpp"

namespace roam6::datapath::pipeline_detail {

// Bursts are processed in chunks of this many packets so one bulk table
// lookup (at most 64 keys) covers a chunk.
inline constexpr std::uint16_t chunk = 32;

inline void count_rx(WorkerContext& ctx, DatapathPort port, rte_mbuf* const* pkts,
                     std::uint16_t n) noexcept {
  auto& counters = ctx.counters->port[static_cast<std::size_t>(port)];
  counters.rx_packets += n;
  for (std::uint16_t i = 0; i < n; ++i) counters.rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
}

inline void drop(WorkerContext& ctx, DatapathPort at, rte_mbuf* m, Disposition why) noexcept {
  ctx.counters->count(at, why);
  rte_pktmbuf_free(m);
}

inline void forward(WorkerContext& ctx, DatapathPort at, DatapathPort to, rte_mbuf* m,
                    Disposition what) noexcept {
  ctx.counters->count(at, what);
  ctx.emit(to, m);
}

// The frame itself goes to mip6d: counted punted or drop_punt_ring_full.
inline void punt(WorkerContext& ctx, DatapathPort at, rte_mbuf* m) noexcept {
  ctx.counters->count(at, ctx.punt->push(m, at, ctx.now_tsc) ? Disposition::punted
                                                             : Disposition::drop_punt_ring_full);
}

// A copy goes to mip6d and the frame carries on. The copy is an extra
// packet: it counts punted (or drop_no_mbuf / drop_punt_ring_full) in
// addition to the frame's own disposition.
inline void punt_copy(WorkerContext& ctx, DatapathPort at, const rte_mbuf* m) noexcept {
  rte_mbuf* copy = rte_pktmbuf_copy(m, ctx.pool, 0, UINT32_MAX);
  if (copy == nullptr) {
    ctx.counters->count(at, Disposition::drop_no_mbuf);
    return;
  }
  punt(ctx, at, copy);
}

// Counts the offending packet drop_too_big and frees it; the Packet Too Big
// (if the rate limit allows and a buffer is free) is an extra packet counted
// packet_too_big_sent, or packet_too_big_suppressed / drop_no_mbuf.
inline void refuse_too_big(WorkerContext& ctx, DatapathPort at, DatapathPort reply_port,
                           rte_mbuf* m, TokenBucket& bucket, const PacketTooBigAddressing& to,
                           std::uint32_t mtu) noexcept {
  if (!bucket.take(ctx.now_tsc, ctx.tsc_hz)) {
    ++ctx.counters->packet_too_big_suppressed;
  } else {
    const auto* frame = rte_pktmbuf_mtod(m, const std::uint8_t*);
    const std::size_t ip_length = rte_pktmbuf_data_len(m) - 14u;
    rte_mbuf* reply = build_packet_too_big(ctx.pool, to, mtu, {frame + 14, ip_length});
    if (reply == nullptr) {
      ctx.counters->count(at, Disposition::drop_no_mbuf);
    } else {
      ctx.counters->count(at, Disposition::packet_too_big_sent);
      ctx.emit(reply_port, reply);
    }
  }
  drop(ctx, at, m, Disposition::drop_too_big);
}

// `held` is a gauge of packets waiting in hold queues: +1 when held, -1 when
// the packet leaves (released or drop_hold_expired), so every received packet
// is in exactly one disposition at any time.
inline void count_held(WorkerContext& ctx, DatapathPort at) noexcept {
  ctx.counters->count(at, Disposition::held);
}
inline void uncount_held(WorkerContext& ctx, DatapathPort at) noexcept {
  --ctx.counters->port[static_cast<std::size_t>(at)]
        .disposition[static_cast<std::size_t>(Disposition::held)];
}

inline std::uint64_t ms_to_tsc(const WorkerContext& ctx, std::uint32_t ms) noexcept {
  return ctx.tsc_hz / 1000 * ms + ctx.tsc_hz % 1000 * ms / 1000;
}

inline bool same_address(const std::uint8_t* a, const wire::Ip6Addr& b) noexcept {
  return std::memcmp(a, b.bytes.data(), 16) == 0;
}

// Ensures each mbuf's headers are contiguous; false if it could not be
// linearised (the caller drops it as malformed).
inline bool contiguous(rte_mbuf* m) noexcept {
  return rte_pktmbuf_is_contiguous(m) || rte_pktmbuf_linearize(m) == 0;
}

// After a chunk's bulk lookup: start every record's lines, then (once the
// slots arrive) every binding's counters, so the chunk waits for memory a
// couple of times instead of twice per packet.
template <class Record>
inline void prefetch_bindings(const WorkerContext& ctx, const Record* const* records,
                              unsigned n) noexcept {
  for (unsigned k = 0; k < n; ++k) prefetch_record(records[k]);
  for (unsigned k = 0; k < n; ++k)
    if (records[k] != nullptr) ctx.table->prefetch_counters(ctx.reader, records[k]->slot);
}

// Per-binding counter updates of one chunk, applied after the chunk's
// packets are done: the counters were only prefetched when the chunk's
// records arrived, and touching them per packet would wait for that load
// right away instead of behind the rest of the chunk's work.
class BindingTally {
 public:
  void encapsulated(WorkerContext& ctx, std::uint32_t slot, std::uint16_t bytes) noexcept {
    add(ctx, slot, bytes, true);
  }
  void decapsulated(WorkerContext& ctx, std::uint32_t slot, std::uint16_t bytes) noexcept {
    add(ctx, slot, bytes, false);
  }
  void apply() noexcept {
    for (unsigned i = 0; i < count_; ++i) {
      BindingCounters& binding = *entries_[i].counters;
      if (entries_[i].encapsulated) {
        ++binding.encapsulated_packets;
        binding.encapsulated_bytes += entries_[i].bytes;
      } else {
        ++binding.decapsulated_packets;
        binding.decapsulated_bytes += entries_[i].bytes;
      }
    }
    count_ = 0;
  }

 private:
  // A packet counts at most twice (decapsulated, then encapsulated again).
  static constexpr unsigned capacity = 2 * chunk;
  struct Entry {
    BindingCounters* counters;
    std::uint16_t bytes;
    bool encapsulated;
  };
  void add(WorkerContext& ctx, std::uint32_t slot, std::uint16_t bytes, bool encapsulated) noexcept {
    if (count_ == capacity) [[unlikely]] apply();
    // Only the address now; the load waits until apply().
    entries_[count_++] = Entry{&ctx.table->counters(ctx.reader, slot), bytes, encapsulated};
  }
  Entry entries_[capacity];
  unsigned count_ = 0;
};

// The drop reason for a packet encapsulate_frame refused (anything but
// encapsulated; too_big is drop_too_big when no Packet Too Big is sent).
inline Disposition encapsulation_refusal(EncapsulationResult result) noexcept {
  switch (result) {
    case EncapsulationResult::hop_limit_exhausted: return Disposition::drop_hop_limit;
    case EncapsulationResult::too_big:
    case EncapsulationResult::needs_fragmentation: return Disposition::drop_too_big;
    case EncapsulationResult::no_headroom: return Disposition::drop_no_mbuf;
    case EncapsulationResult::encapsulated:
    case EncapsulationResult::malformed: break;
  }
  return Disposition::drop_malformed;
}

// Why a tunnel packet may not leave the tunnel at this exit, or nullopt. The
// binding was found by one inner address; `peer` is the only outer source
// it may come from. A link-scope inner address must never cross a tunnel,
// and RFC 6040 forbids delivering a Not-ECT packet that met congestion.
inline std::optional<Disposition> refuse_tunnel_exit(const TunnelFrame& tunnel,
                                                     const wire::Ip6Addr& peer) noexcept {
  if (!same_address(tunnel.outer_src, peer)) return Disposition::drop_tunnel_wrong_source;
  if (is_link_scope(tunnel.inner.src_bytes()) || is_link_scope(tunnel.inner.dst_bytes()))
    return Disposition::drop_link_scope;
  if (ecn_forbids_decapsulation(tunnel)) return Disposition::drop_ecn_congestion;
  return std::nullopt;
}

inline void prefetch_ahead(rte_mbuf* const* pkts, std::uint16_t i, std::uint16_t n) noexcept {
  if (i + 3 < n) rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 3], void*));
}

}  // namespace roam6::datapath::pipeline_detail
