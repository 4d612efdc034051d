#pragma once
// The host role's packet path (one instance per forwarding core).
//
// From the guests port (Open vSwitch side), per frame, by source MAC:
//   - not a guest we know, or a guest at its home site: passed to the uplink
//   - a known guest not yet seen on this core since it was (re)programmed
//     and not marked resumed: a copy is punted at once (the resume signal,
//     with the core's timestamp) and the guest's held packets are released
//   - away guest: ND/RS punted (home-link emulation is mip6d's); other link-
//     scope traffic dropped; source must be its home address (else
//     drop_ingress_filter); while its record is awaiting_binding (the Home
//     Agent would drop it), held, and sent first once it is not; hop limit run out / Tunnel Encapsulation Limit 0
//     / over 1280 bytes and too big for the tunnel -> Time Exceeded /
//     Parameter Problem / Packet Too Big back to the guest (rate-limited);
//     else encapsulated (outer src = care-of address, dst = its Home Agent)
//     and sent to the site router on the uplink, as outer fragments when a
//     packet of at most 1280 bytes does not fit the uplink MTU
// From the uplink, per frame:
//   - a fragment to our care-of address: reassembled, then the whole packet
//     goes on as below
//   - ip6ip6 to our care-of address: the inner destination must be an away
//     guest here and the outer source its Home Agent, else dropped by reason;
//     an inner Mobility Header is punted whole (punted_tunnelled_mobility,
//     RFC 6275 6.1); inner hop limit 0 -> Time Exceeded to its source from
//     the care-of address; else decapsulated, Ethernet source = the home
//     router's MAC, destination = the guest; held if the guest has not
//     resumed yet, else to the guests port
//   - Mobility Header or ICMPv6 ND to us (unicast to the care-of address, or
//     a multicast Neighbour Solicitation for it): punted; the site's other
//     multicast ND (router advertisements, solicitations for guests at
//     home here) passes to the guests
//   - anything else: passed to the guests port
//
// Implementation notes (datapath/pipeline/host_pipeline.cpp):
//   - Per-guest per-core state (resume seen here, in which round): in the
//     table's reader state when the table keeps one
//     (BindingTableLimits::reader_state, mip6d's hosts), the line of this
//     core's counters for the guest; it then belongs to ctx.reader, shared
//     by every HostPipeline that runs as that reader. Else in an array of
//     the pipeline's own, indexed by record slot, sized
//     BindingTable::slot_capacity(): construct with the table (or that
//     capacity), or call housekeeping() once before the first burst, which
//     allocates the array from ctx.table when missing. Until there is one
//     or the other, no resume signals are sent. Only a guest not marked
//     resumed has its state read.
//   - "Seen on this core": the resume signal went out from here; it is
//     forgotten when the record's resume round changes (mip6d marked it
//     resumed, then not again: GuestRecord::resume_round) or its slot's
//     generation does, so a guest that leaves and comes back is signalled
//     again. A signal whose punt failed (drop_no_mbuf, drop_punt_ring_full)
//     is not a signal: the guest's next frame gives it again.
//   - Liveness (datapath/elements/liveness_reports.hpp): a bitmap of the
//     guests reported in the current interval, one bit a slot, allocated
//     with the per-slot state (or by housekeeping()); until it exists no
//     liveness copies are sent.
//   - Resume signal / liveness: a copy of the frame (rte_pktmbuf_copy from
//     ctx.pool) is punted with ctx.now_tsc, and the frame is processed as
//     usual. The copy is an extra packet: it counts `punted` (or
//     drop_no_mbuf / drop_punt_ring_full) on top of the frame's own
//     disposition. When the frame itself is punted anyway (ND/RS from an away
//     guest, or a non-IPv6 frame such as QEMU's RARP from an away guest that
//     is due a report) it is the report and no copy is made. Liveness: a
//     known guest (resumed or not) is reported with its first frame in each
//     liveness_interval_ms-long interval (the first begins with the first
//     burst). A guest given a slot reused within an interval, and marked
//     resumed (or paused) from the start, reports from the next interval
//     (one not yet resumed reports at once, with its resume signal). The
//     bitmap is the pipeline's own: two pipelines running as one reader
//     report each.
//   - Hold queues: ctx.holds when set, else the pipeline's own (allocated by
//     the constructor from settings.hold). `held` is a gauge: +1 when a
//     packet is held, -1 when it leaves as `released` or drop_hold_expired.
//     A guest's queue is released at its resume signal, when a decapsulated
//     packet for a running guest arrives (held ones first), or by
//     housekeeping() once mip6d marks the record resumed; dropped
//     (drop_hold_expired) when its record is gone or its slot's generation
//     changed; each packet expires timeout_ms after it was held.
//   - ICMPv6 errors (docs/datapath.md "ICMPv6 errors"): the offending packet
//     counts its drop reason (drop_too_big, drop_hop_limit); the error is an
//     extra packet counting *_sent (or drop_no_mbuf), *_suppressed when the
//     per-core bucket of its type is empty, icmp_errors_withheld when RFC
//     4443 2.4 (e) forbids it. To the guest from its home router's link-local
//     address and MAC; to a correspondent from the care-of address.
//   - A packet of at most 1280 bytes that does not fit the tunnel (only with
//     an uplink MTU under 1328) is encapsulated and its outer packet
//     fragmented (RFC 2473 7.1 (b)): `encapsulated` + fragments_sent each.
//   - No headroom for the outer header: drop_no_mbuf. Tunnel Encapsulation
//     Limit 0 in the inner packet: drop_hop_limit and a Parameter Problem.
//   - Reassembly (fragments to the care-of address) and its timeout, which
//     housekeeping() runs: see reassembler.hpp and pipeline_common.hpp; the
//     timeout counts in rte_get_tsc_hz() cycles of ctx.now_tsc.
//   - Uplink frames that do not parse as IPv6 (bad header, payload length
//     past the frame, bad extension chain) are drop_malformed, not passed.
//   - Outbound hold queues (the pipeline's own, settings.hold): what an
//     away guest sends while awaiting_binding counts `held` on the guests
//     port, and leaves as `released` (into the tunnel, or natively if the
//     guest is home by then; a refusal by the tunnel counts its drop reason)
//     ahead of the guest's next frame, or by housekeeping() once the record
//     is no longer awaiting; drop_hold_expired on timeout or when the record
//     is gone or its slot's generation changed.
//   - Recent deliveries (datapath/elements/recent_deliveries.hpp): while a
//     record is keep_recent, each packet delivered to it (decapsulated, or
//     native at home) is remembered with ctx.now_tsc. Once the record is
//     paused (or forwarding), the remembered packets delivered at or after
//     its replay_from_tsc are copied into its hold queue (`replayed`, and
//     `held`) before anything else is held or handed over for it, or by
//     housekeeping() when nothing arrives; older ones, and the rings of
//     guests no longer keep_recent, are let go.
//   - Packets released or emitted by housekeeping() sit in ctx.out until the
//     caller flushes.

#include <cstdint>

#include "datapath/pipeline/pipeline_settings.hpp"
#include "datapath/pipeline/worker_context.hpp"

struct rte_mbuf;

namespace roam6::datapath {

struct ClassifiedFrame;

class HostPipeline {
 public:
  explicit HostPipeline(const HostSettings& settings);
  // Allocates its liveness bitmap and its own per-slot state now
  // (slot_capacity = table.slot_capacity(); 0 allocates neither, which
  // housekeeping() then does).
  HostPipeline(const HostSettings& settings, std::uint32_t slot_capacity);
  // Sized for `table`, as a forwarding core needs it: the liveness bitmap,
  // and its own per-slot state only when the table keeps none.
  HostPipeline(const HostSettings& settings, const BindingTable& table);
  ~HostPipeline();
  HostPipeline(const HostPipeline&) = delete;
  HostPipeline& operator=(const HostPipeline&) = delete;

  // Every packet is consumed: emitted, punted, held or freed (and counted).
  void from_guests(WorkerContext& ctx, rte_mbuf** pkts, std::uint16_t n) noexcept;
  void from_uplink(WorkerContext& ctx, rte_mbuf** pkts, std::uint16_t n) noexcept;
  // Once per poll loop: releases held packets of guests mip6d has marked
  // resumed, expires old ones, drops those of guests that are gone.
  void housekeeping(WorkerContext& ctx) noexcept;

  [[nodiscard]] const HostSettings& settings() const noexcept { return settings_; }

 private:
  [[nodiscard]] bool solicits_care_of_address(const ClassifiedFrame& frame) const noexcept;
  void replay_paused(WorkerContext& ctx, HoldQueues& holds) noexcept;
  void visit_outbound(WorkerContext& ctx) noexcept;

  HostSettings settings_;
  struct State;
  State* state_;
};

}  // namespace roam6::datapath
