#pragma once
// Small steps both roles share: receive accounting, punting a frame or a copy
// of it, ICMPv6 errors, outer fragmentation, reassembly and held-packet
// accounting. Internal to pipeline/.

#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>

#include "datapath/elements/datapath_counters.hpp"
#include "datapath/elements/decapsulator.hpp"
#include "datapath/elements/encapsulator.hpp"
#include "datapath/elements/frame_classifier.hpp"
#include "datapath/elements/icmp_errors.hpp"
#include "datapath/elements/outer_fragmenter.hpp"
#include "datapath/elements/punt_queue.hpp"
#include "datapath/elements/reassembler.hpp"
#include "datapath/pipeline/worker_context.hpp"
#include "roam6/wire/icmpv6_error_policy.hpp"
#include "roam6/wire/tunnel.hpp"

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
// True when it reached the ring.
inline bool punt(WorkerContext& ctx, DatapathPort at, rte_mbuf* m) noexcept {
  const bool pushed = ctx.punt->push(m, at, ctx.now_tsc);
  ctx.counters->count(at, pushed ? Disposition::punted : Disposition::drop_punt_ring_full);
  return pushed;
}

// A copy goes to mip6d and the frame carries on. The copy is an extra
// packet: it counts punted (or drop_no_mbuf / drop_punt_ring_full) in
// addition to the frame's own disposition. True when the copy reached the
// ring.
inline bool punt_copy(WorkerContext& ctx, DatapathPort at, const rte_mbuf* m) noexcept {
  rte_mbuf* copy = rte_pktmbuf_copy(m, ctx.pool, 0, UINT32_MAX);
  if (copy == nullptr) {
    ctx.counters->count(at, Disposition::drop_no_mbuf);
    return false;
  }
  return punt(ctx, at, copy);
}

// Where the ICMPv6 errors about one packet go: out of `port` to `to`, or,
// when `tunnel` is set, into that binding's tunnel first (an away guest
// behind it sent the packet; to.ethernet_* are then the outer frame's).
struct ErrorReturn {
  DatapathPort port = DatapathPort::uplink;
  IcmpErrorAddressing to;
  const OuterHeaderTemplate* tunnel = nullptr;
  const TunnelSettings* tunnel_settings = nullptr;
  std::uint32_t path_mtu = 0;  // with `tunnel`: the error and its outer header fit it
};

inline Disposition sent_disposition(IcmpErrorKind kind) noexcept {
  switch (kind) {
    case IcmpErrorKind::packet_too_big: return Disposition::packet_too_big_sent;
    case IcmpErrorKind::time_exceeded: return Disposition::time_exceeded_sent;
    case IcmpErrorKind::parameter_problem: return Disposition::parameter_problem_sent;
  }
  return Disposition::parameter_problem_sent;
}

inline std::uint64_t& suppressed_counter(DatapathCounters& counters, IcmpErrorKind kind) noexcept {
  switch (kind) {
    case IcmpErrorKind::packet_too_big: return counters.packet_too_big_suppressed;
    case IcmpErrorKind::time_exceeded: return counters.time_exceeded_suppressed;
    case IcmpErrorKind::parameter_problem: return counters.parameter_problem_suppressed;
  }
  return counters.parameter_problem_suppressed;
}

// An ICMPv6 error about `invoking` (the offending packet; `link_layer_group`:
// its frame went to an Ethernet multicast or broadcast address). The error
// is an extra packet, counted *_sent on top of the offending packet's own
// disposition; or not sent, and counted icmp_errors_withheld (RFC 4443 2.4
// (e) forbids it, or there is no source address), *_suppressed (the rate
// limit), or drop_no_mbuf. Rare path: it allocates from ctx.pool.
inline void send_icmp_error(WorkerContext& ctx, DatapathPort at, IcmpErrorLimiter& limiter,
                            const IcmpError& error, const ErrorReturn& back,
                            const wire::Ipv6View& invoking, bool link_layer_group) noexcept {
  if (back.to.src.is_unspecified() ||
      !wire::icmpv6_error_allowed(invoking, error.type(), error.code, link_layer_group)) {
    ++ctx.counters->icmp_errors_withheld;
    return;
  }
  if (!limiter.take(error.kind, ctx.now_tsc, ctx.tsc_hz)) {
    ++suppressed_counter(*ctx.counters, error.kind);
    return;
  }
  std::size_t max_length = wire::ipv6_minimum_mtu;
  if (back.tunnel != nullptr)
    max_length = std::min<std::size_t>(
        max_length, back.path_mtu > wire::tunnel_ipv6_header_size
                        ? back.path_mtu - wire::tunnel_ipv6_header_size
                        : 0);
  rte_mbuf* reply = build_icmpv6_error(ctx.pool, back.to, error, invoking.packet(), max_length);
  if (reply != nullptr && back.tunnel != nullptr &&
      !encapsulate_originated(reply, *back.tunnel, *back.tunnel_settings,
                              {&back.to.ethernet_dst, &back.to.ethernet_src})) {
    rte_pktmbuf_free(reply);
    reply = nullptr;
  }
  if (reply == nullptr) {
    ctx.counters->count(at, Disposition::drop_no_mbuf);
    return;
  }
  ctx.counters->count(at, sent_disposition(error.kind));
  ctx.emit(back.port, reply);
}

inline bool to_link_layer_group(const rte_mbuf* m) noexcept {
  return (*rte_pktmbuf_mtod(m, const std::uint8_t*) & 1) != 0;
}

// The packet entered the tunnel but its tunnel packet exceeds the path MTU
// (RFC 2473 7.1 (b)): it leaves as outer fragments, counted `what`
// (encapsulated, or released when it was held) plus fragments_sent each;
// without buffers for them, drop_no_mbuf. True when it was sent.
inline bool send_fragmented(WorkerContext& ctx, DatapathPort at, DatapathPort to, rte_mbuf* m,
                            std::uint32_t path_mtu, Disposition what = Disposition::encapsulated) noexcept {
  rte_mbuf* fragments[max_outer_fragments];
  const unsigned n = fragment_outer_packet(m, path_mtu, ctx.pool, fragments);
  if (n == 0) {
    drop(ctx, at, m, Disposition::drop_no_mbuf);
    return false;
  }
  ctx.counters->count(at, what);
  for (unsigned i = 0; i < n; ++i) {
    ctx.counters->count(at, Disposition::fragments_sent);
    ctx.emit(to, fragments[i]);
  }
  return true;
}

// The drop reason for a packet encapsulate_frame refused (anything but
// encapsulated / encapsulated_oversize).
inline Disposition encapsulation_refusal(EncapsulationResult result) noexcept {
  switch (result) {
    case EncapsulationResult::hop_limit_exhausted:
    case EncapsulationResult::encapsulation_limit_reached: return Disposition::drop_hop_limit;
    case EncapsulationResult::too_big: return Disposition::drop_too_big;
    case EncapsulationResult::no_headroom: return Disposition::drop_no_mbuf;
    case EncapsulationResult::encapsulated:
    case EncapsulationResult::encapsulated_oversize:
    case EncapsulationResult::malformed: break;
  }
  return Disposition::drop_malformed;
}

// The ICMPv6 error that answers a refusal, if any: Packet Too Big (RFC 2473
// 7.1 (a)), Time Exceeded code 0 (RFC 4443 3.3), Parameter Problem code 0 at
// the limit octet of the Tunnel Encapsulation Limit option (RFC 2473
// 4.1.1 (b)).
inline std::optional<IcmpError> encapsulation_error(const EncapsulationOutcome& outcome) noexcept {
  switch (outcome.result) {
    case EncapsulationResult::too_big: return IcmpError::packet_too_big(outcome.packet_too_big_mtu);
    case EncapsulationResult::hop_limit_exhausted: return IcmpError::hop_limit_exceeded();
    case EncapsulationResult::encapsulation_limit_reached:
      return IcmpError::erroneous_header_field(outcome.parameter_problem_pointer);
    default: return std::nullopt;
  }
}

// A packet encapsulate_frame refused: its ICMPv6 error (if it has one) goes
// back to its sender as `back` says, counted on top; the packet is dropped by
// reason. `frame` still describes m (a refused packet is unchanged).
inline void refuse_encapsulation(WorkerContext& ctx, DatapathPort at, rte_mbuf* m,
                                 const ClassifiedFrame& frame, const EncapsulationOutcome& outcome,
                                 IcmpErrorLimiter& limiter, const ErrorReturn& back) noexcept {
  if (const auto error = encapsulation_error(outcome))
    send_icmp_error(ctx, at, limiter, *error, back, frame.ip, to_link_layer_group(m));
  drop(ctx, at, m, encapsulation_refusal(outcome.result));
}

// A fragment addressed to this node goes to the reassembly table (m is
// taken). Each fragment is `reassembling` (a gauge) while it waits, then
// `reassembled` or drop_reassembly_failed. Returns the whole packet when
// this fragment completed one: an extra packet the caller classifies and
// handles, whose own disposition is counted on top.
inline rte_mbuf* reassemble(WorkerContext& ctx, DatapathPort at, Reassembler& reassembler,
                            rte_mbuf* m, const ClassifiedFrame& frame) noexcept {
  const Reassembler::Outcome outcome = reassembler.add(m, frame, ctx.now_tsc);
  auto& d = ctx.counters->port[static_cast<std::size_t>(at)].disposition;
  // +1 for this fragment; every fragment that left the table this call
  // (into the packet, or dropped) -1. Modulo 2^64 the gauge stays exact.
  d[static_cast<std::size_t>(Disposition::reassembling)] += 1 - std::uint64_t{outcome.fragments} -
                                                            outcome.dropped;
  d[static_cast<std::size_t>(Disposition::reassembled)] += outcome.fragments;
  d[static_cast<std::size_t>(Disposition::drop_reassembly_failed)] += outcome.dropped;
  return outcome.packet;
}

// Housekeeping: abandons packets whose fragments did not all come in time
// (drop_reassembly_timeout, the gauge -1 each). For a first fragment among
// them, Time Exceeded code 1 goes to its source (RFC 8200 4.5; RFC 4443
// 3.3), from `own_address` (the fragment was sent to it, RFC 4443 2.2 (a)),
// back to the MAC it came from, out of `at`.
inline void expire_fragments(WorkerContext& ctx, DatapathPort at, Reassembler& reassembler,
                             IcmpErrorLimiter& limiter, const wire::Ip6Addr& own_address,
                             const wire::MacAddr& own_mac) noexcept {
  const std::uint32_t dropped = reassembler.expire(ctx.now_tsc, [&](const rte_mbuf* fragment) {
    const auto* frame = rte_pktmbuf_mtod(fragment, const std::uint8_t*);
    const std::uint32_t length = rte_pktmbuf_data_len(fragment);
    const auto ip = wire::Ipv6View::parse({frame + 14, length - 14u});
    // Only fragments with the Fragment header first are ever held.
    if (!ip || ip->payload_length() < 8 || (wire::load_be16(ip->payload().data() + 2) & 0xfff8) != 0)
      return;
    ErrorReturn back;
    back.port = at;
    back.to = {wire::MacAddr::from_bytes(frame + 6), own_mac, own_address, ip->src()};
    send_icmp_error(ctx, at, limiter, IcmpError::reassembly_time_exceeded(), back, *ip,
                    (frame[0] & 1) != 0);
  });
  if (dropped == 0) return;
  auto& d = ctx.counters->port[static_cast<std::size_t>(at)].disposition;
  d[static_cast<std::size_t>(Disposition::reassembling)] -= dropped;
  d[static_cast<std::size_t>(Disposition::drop_reassembly_timeout)] += dropped;
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
inline bool same_address(const std::uint8_t* a, const std::uint8_t* b) noexcept {
  return std::memcmp(a, b, 16) == 0;
}

// Whether `a` lies in b's /64, the prefix length SLAAC forms addresses in
// (RFC 4862 5.5.3 with RFC 4291's 64-bit interface identifiers).
inline bool same_slaac_prefix(const std::uint8_t* a, const wire::Ip6Addr& b) noexcept {
  return std::memcmp(a, b.bytes.data(), 8) == 0;
}

// Ensures each mbuf's headers are contiguous; false if it could not be
// linearised (the caller drops it as malformed).
inline bool contiguous(rte_mbuf* m) noexcept {
  return rte_pktmbuf_is_contiguous(m) || rte_pktmbuf_linearize(m) == 0;
}

// After a chunk's bulk lookup: start every record's line, then (once the
// slots arrive) every binding's counters, so the chunk waits for memory a
// couple of times instead of twice per packet.
inline void prefetch_bindings(const WorkerContext& ctx, const GuestRecord* const* records,
                              unsigned n) noexcept {
  for (unsigned k = 0; k < n; ++k) prefetch_record(records[k]);
  if (ctx.table->logs_traffic()) return;
  for (unsigned k = 0; k < n; ++k)
    if (records[k] != nullptr) ctx.table->prefetch_counters(ctx.reader, records[k]->slot);
}

// A tunnel lookup returns the slot itself: its counters start loading at
// once, beside the peer (which a Home Agent's few hosts keep in cache).
inline void prefetch_binding(const WorkerContext& ctx, const TunnelBinding& binding) noexcept {
  if (!binding) return;
  prefetch_record(binding);
  ctx.table->prefetch_counters(ctx.reader, binding.slot);
}

// Per-binding counting of one chunk. Each packet goes to the core's traffic
// log when the table keeps one (BindingTable::log_traffic). Otherwise, and
// when the log is full, the counter updates are applied after the chunk's
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
    // Logged: a sequential write, nothing to wait for.
    if (ctx.table->log_traffic(ctx.reader, slot, bytes, encapsulated)) return;
    if (count_ == capacity) [[unlikely]] apply();
    // Only the address now; the load waits until apply().
    entries_[count_++] = Entry{&ctx.table->counters(ctx.reader, slot), bytes, encapsulated};
  }
  Entry entries_[capacity];
  unsigned count_ = 0;
};

// Why a tunnel packet may not leave the tunnel at this exit, or nullopt. The
// binding was found by one inner address; `peer` (16 bytes) is the only
// outer source it may come from. A link-scope inner address must never cross a tunnel,
// and RFC 6040 forbids delivering a Not-ECT packet that met congestion.
inline std::optional<Disposition> refuse_tunnel_exit(const TunnelFrame& tunnel,
                                                     const std::uint8_t* peer) noexcept {
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
