#include "datapath/pipeline/host_pipeline.hpp"

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <cstring>
#include <memory>
#include <type_traits>

#include "datapath/elements/decapsulator.hpp"
#include "datapath/elements/encapsulator.hpp"
#include "datapath/elements/frame_classifier.hpp"
#include "datapath/elements/hold_queues.hpp"
#include "datapath/elements/liveness_reports.hpp"
#include "datapath/elements/recent_deliveries.hpp"
#include "datapath/elements/reassembler.hpp"
#include "datapath/pipeline/pipeline_common.hpp"

namespace roam6::datapath {

using namespace pipeline_detail;

namespace {

constexpr std::size_t eth = 14;

// What this core remembers about one guest not yet marked resumed, by
// record slot. Reset when the slot's generation changes (another guest, or
// the guest re-added) or its resume round does (it was marked resumed,
// then not again). All zero: nothing known (a slot handed out again zeroes
// it in the table's reader state). A resumed guest's packets never read it:
// at a million guests it is a DRAM line of its own.
struct GuestCoreState {
  bool valid = false;
  // The resume signal went out from this core in this round: the guest
  // runs here, held packets may go.
  bool seen_running = false;
  std::uint32_t generation = 0;
  std::uint32_t resume_round = 0;
};
static_assert(sizeof(GuestCoreState) <= reader_state_bytes && alignof(GuestCoreState) <= 8 &&
              std::is_trivially_copyable_v<GuestCoreState>);

}  // namespace

struct HostPipeline::State {
  State(const HostSettings& settings, std::uint32_t slot_capacity, bool own_states)
      : own_holds(settings.hold),
        outbound(settings.hold),
        recent(settings.recent),
        icmp_errors(settings.icmp_errors),
        unknown_sources(settings.unknown_source_reports),
        reassembler(settings.reassembly, rte_get_tsc_hz()) {
    allocate(slot_capacity, own_states);
  }

  // The liveness bitmap and (`own_states`) an array of the pipeline's own
  // for the per-guest state, used over a table without reader state.
  // The array first: should it fail, no liveness copy goes out for a guest
  // whose resume signal could not.
  void allocate(std::uint32_t slot_capacity, bool own_states) {
    if (own_states && slot_capacity != 0 && !guests) {
      guests = std::make_unique<GuestCoreState[]>(slot_capacity);
      capacity = slot_capacity;
    }
    liveness.allocate(slot_capacity);
  }

  HoldQueues& holds(WorkerContext& ctx) noexcept { return ctx.holds ? *ctx.holds : own_holds; }

  // In the table's reader state when it keeps one: the line of this core's
  // counters for the slot, which the packet loads anyway. Else the
  // pipeline's own array; nullptr until that exists (see host_pipeline.hpp).
  GuestCoreState* slot_state(WorkerContext& ctx, std::uint32_t slot) const noexcept {
    if (void* in_table = ctx.table->reader_state(ctx.reader, slot)) return static_cast<GuestCoreState*>(in_table);
    return slot < capacity ? &guests[slot] : nullptr;
  }

  GuestCoreState* guest_state(WorkerContext& ctx, const GuestRecord& record) noexcept {
    GuestCoreState* found = slot_state(ctx, record.slot);
    if (found == nullptr) return nullptr;
    GuestCoreState& state = *found;
    // Once mip6d has marked the guest resumed, a later "not resumed" record
    // (it left and came back, or paused) is a new round: a fresh signal.
    if (!state.valid || state.generation != record.generation || state.resume_round != record.resume_round) {
      state = GuestCoreState{};
      state.valid = true;
      state.generation = record.generation;
      state.resume_round = record.resume_round;
    }
    return &state;
  }

  // Once a chunk's records are here: starts loading the per-guest state
  // of those not marked resumed, each record's word of the liveness
  // bitmap (`with_liveness`, when the bitmap outgrows L1), and, when the
  // core counts in place, each record's counters again. prefetch_bindings
  // asked for those already, while the records were still on their way;
  // asked for again now, a host packet at 1 M guests cost 130-190 cycles
  // instead of 400-620 on one VM (docs/benchmarks.md): the first request
  // does not reliably stick while the chunk's record misses are
  // outstanding.
  void prefetch_guest_states(WorkerContext& ctx, const GuestRecord* const* records, unsigned n,
                             bool with_liveness) const noexcept {
    with_liveness = with_liveness && liveness.outgrows_l1();
    const bool in_place = !ctx.table->logs_traffic();
    for (unsigned k = 0; k < n; ++k) {
      if (records[k] == nullptr) continue;
      const std::uint32_t slot = records[k]->slot;
      if (with_liveness) liveness.prefetch(slot);
      if (in_place) ctx.table->prefetch_counters(ctx.reader, slot);
      if (!records[k]->resumed)
        if (const GuestCoreState* state = slot_state(ctx, slot)) rte_prefetch0(state);
    }
  }

  bool running_here(WorkerContext& ctx, const GuestRecord& record) noexcept {
    if (record.resumed) return true;
    GuestCoreState* state = guest_state(ctx, record);
    if (state == nullptr) return false;
    // Paused for a move: a frame seen before the pause says nothing now, nor
    // after it; only a frame from the guest once it runs again does.
    if (record.paused) state->seen_running = false;
    return state->seen_running;
  }

  HoldQueues own_holds;
  // What guests sent before their Home Agent acknowledged this host's
  // registration (GuestRecord::awaiting_binding).
  HoldQueues outbound;
  RecentDeliveries recent;
  IcmpErrorLimiter icmp_errors;
  TokenBucket unknown_sources;  // reports of sources the ingress filter did not know
  Reassembler reassembler;
  LivenessReports liveness;
  std::unique_ptr<GuestCoreState[]> guests;
  std::uint32_t capacity = 0;
};

HostPipeline::HostPipeline(const HostSettings& settings) : HostPipeline(settings, 0) {}

HostPipeline::HostPipeline(const HostSettings& settings, std::uint32_t slot_capacity)
    : settings_(settings), state_(new State(settings, slot_capacity, true)) {}

HostPipeline::HostPipeline(const HostSettings& settings, const BindingTable& table)
    : settings_(settings), state_(new State(settings, table.slot_capacity(), !table.has_reader_state())) {}

HostPipeline::~HostPipeline() { delete state_; }

namespace {

// Errors about a guest's packet come from its home router as the guest knows
// it (the link-local address and MAC it has from its home link), on the
// guests port: to the guest, nothing else is on its link.
ErrorReturn to_guest(const GuestRecord& record, const wire::Ipv6View& offending) noexcept {
  ErrorReturn back;
  back.port = DatapathPort::guests;
  back.to = {record.mac, record.router_mac, record.router_link_local, offending.src()};
  return back;
}

// What was held for a guest that runs here goes to it, and is remembered as
// anything delivered to a migrating guest is (it may pause again).
void deliver_released(WorkerContext& ctx, RecentDeliveries& recent, const GuestRecord& record,
                      rte_mbuf* m) noexcept {
  uncount_held(ctx, DatapathPort::uplink);
  if (record.keep_recent) [[unlikely]]
    recent.remember(record.slot, record.generation, record.mac, m, ctx.now_tsc);
  forward(ctx, DatapathPort::uplink, DatapathPort::guests, m, Disposition::released);
}

void release_held(WorkerContext& ctx, HoldQueues& holds, RecentDeliveries& recent,
                  const GuestRecord& record) noexcept {
  if (holds.total() == 0) return;
  holds.release(record.slot, record.generation,
                [&](rte_mbuf* m) { deliver_released(ctx, recent, record, m); });
}

// Hand-over forwarding: `m` (Ethernet + the inner packet, as decapsulated)
// is for a guest that runs at another host now. Back into the guest's
// tunnel to its Home Agent, which relays it to the guest's new care-of
// address (datapath/pipeline/home_agent_pipeline.cpp), or, when the guest is
// home, natively to the site router. The inner packet is forwarded, so its
// hop limit drops.
void hand_over(WorkerContext& ctx, const HostSettings& settings, rte_mbuf* m, const GuestRecord& record) noexcept {
  constexpr auto at = DatapathPort::uplink;
  if (record.forward_natively) {
    auto* frame = rte_pktmbuf_mtod(m, std::uint8_t*);
    std::memcpy(frame, settings.next_hop_mac.bytes.data(), 6);
    std::memcpy(frame + 6, settings.uplink_mac.bytes.data(), 6);
    forward(ctx, at, DatapathPort::uplink, m, Disposition::handed_over);
    return;
  }
  ClassifiedFrame frame_class;
  classify_frame(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m), frame_class);
  EncapsulationOutcome outcome;
  encapsulate_frame(m, frame_class, record.outer(), settings.tunnel, settings.uplink_mtu,
                    {&settings.next_hop_mac, &settings.uplink_mac}, outcome);
  switch (outcome.result) {
    case EncapsulationResult::encapsulated:
      forward(ctx, at, DatapathPort::uplink, m, Disposition::handed_over);
      return;
    case EncapsulationResult::encapsulated_oversize:
      send_fragmented(ctx, at, DatapathPort::uplink, m, settings.uplink_mtu);
      return;
    case EncapsulationResult::hop_limit_exhausted:
    case EncapsulationResult::encapsulation_limit_reached:
      drop(ctx, at, m, Disposition::drop_hop_limit);
      return;
    case EncapsulationResult::too_big:
      drop(ctx, at, m, Disposition::drop_too_big);
      return;
    case EncapsulationResult::no_headroom:
      drop(ctx, at, m, Disposition::drop_no_mbuf);
      return;
    case EncapsulationResult::malformed:
      drop(ctx, at, m, Disposition::drop_malformed);
      return;
  }
}

// A copy of what was delivered to a guest paused for its move, since just
// before QEMU stopped it, goes back into its hold queue: QEMU may not have
// read it from the tap, which dies with the source QEMU.
void hold_replayed(WorkerContext& ctx, HoldQueues& holds, const GuestRecord& record, rte_mbuf* shared) noexcept {
  constexpr auto at = DatapathPort::uplink;
  // The original may still sit in a port's queue: read, never written.
  rte_mbuf* copy = rte_pktmbuf_copy(shared, ctx.pool, 0, UINT32_MAX);
  rte_pktmbuf_free(shared);
  if (copy == nullptr) {
    ctx.counters->count(at, Disposition::drop_no_mbuf);
    return;
  }
  ctx.counters->count(at, Disposition::replayed);
  if (holds.hold(record.slot, record.generation, record.mac, copy, ctx.now_tsc)) {
    count_held(ctx, at);
  } else {
    drop(ctx, at, copy, Disposition::drop_hold_full);
  }
}

// Before anything else is held for (or handed over from) a paused guest,
// what it may have missed goes first, keeping the order it was sent in.
void replay_recent(WorkerContext& ctx, HoldQueues& holds, RecentDeliveries& recent,
                   const GuestRecord& record) noexcept {
  if (recent.total() == 0) return;
  if (record.replay_from_tsc == 0) {
    recent.forget(record.slot, record.generation);
    return;
  }
  recent.take(record.slot, record.generation, record.replay_from_tsc,
              [&](rte_mbuf* shared) { hold_replayed(ctx, holds, record, shared); });
}

// What was held for a guest that now runs elsewhere: on to it, oldest first.
void hand_over_held(WorkerContext& ctx, const HostSettings& settings, HoldQueues& holds,
                    const GuestRecord& record) noexcept {
  if (holds.total() == 0) return;
  holds.release(record.slot, record.generation, [&](rte_mbuf* m) {
    uncount_held(ctx, DatapathPort::uplink);
    hand_over(ctx, settings, m, record);
  });
}

// A native frame from the home link for a guest paused at home for a live
// migration (holding_at_home): held while the migration runs, handed over
// through the Home Agent once it says where the guest went, as a tunnelled
// guest's would be. False when the frame goes to the guest as it is: then
// what is still held for a guest that runs here (its migration failed) goes
// first, so the frame does not overtake it until housekeeping.
bool hold_at_home(WorkerContext& ctx, const HostSettings& settings, HoldQueues& holds, RecentDeliveries& recent,
                  rte_mbuf* m) noexcept {
  constexpr auto at = DatapathPort::uplink;
  const std::uint8_t* destination_mac = rte_pktmbuf_mtod(m, const std::uint8_t*);
  const GuestRecord* record = nullptr;
  ctx.table->lookup_guests_by_mac(&destination_mac, 1, &record);
  if (record == nullptr) return false;
  if (record->resumed && !record->forwarding) {
    release_held(ctx, holds, recent, *record);
    // Migrating from home, still running: delivered, and remembered.
    if (record->holding_at_home && record->keep_recent)
      recent.remember(record->slot, record->generation, record->mac, m, ctx.now_tsc);
    return false;
  }
  if (!record->holding_at_home) return false;
  replay_recent(ctx, holds, recent, *record);
  if (record->forwarding) {
    hand_over_held(ctx, settings, holds, *record);
    hand_over(ctx, settings, m, *record);
  } else if (holds.hold(record->slot, record->generation, record->mac, m, ctx.now_tsc)) {
    count_held(ctx, at);
  } else {
    drop(ctx, at, m, Disposition::drop_hold_full);
  }
  return true;
}

// The record a queue or ring was filled for, or nullptr when that guest is
// gone or another one has its slot now.
const GuestRecord* owner_of(WorkerContext& ctx, std::uint32_t slot, std::uint32_t generation,
                            const wire::MacAddr& mac) noexcept {
  const std::uint8_t* key = mac.bytes.data();
  const GuestRecord* record = nullptr;
  ctx.table->lookup_guests_by_mac(&key, 1, &record);
  if (record == nullptr || record->slot != slot || record->generation != generation) return nullptr;
  return record;
}

// An away guest's packet, already checked (link scope, ingress filter), into
// its tunnel to its Home Agent, counted `what` (whole, or as outer
// fragments); one the tunnel refuses is dropped by reason, with its ICMPv6
// error back to the guest. Always inlined: in the guests' loop `what` is then
// a constant the counting folds, where a call cost 37 instructions a packet
// (bench/instructions_per_packet.sh, host-encap).
[[gnu::always_inline]] inline void into_tunnel(WorkerContext& ctx, const HostSettings& settings,
                                               IcmpErrorLimiter& limiter, BindingTally& tally,
                                               const GuestRecord& record, rte_mbuf* m,
                                               const ClassifiedFrame& frame_class, Disposition what) noexcept {
  constexpr auto at = DatapathPort::guests;
  EncapsulationOutcome outcome;
  encapsulate_frame(m, frame_class, record.outer(), settings.tunnel, settings.uplink_mtu,
                    {&settings.next_hop_mac, &settings.uplink_mac}, outcome);
  if (outcome.result == EncapsulationResult::encapsulated) [[likely]] {
    tally.encapsulated(ctx, record.slot, outcome.inner_length);
    forward(ctx, at, DatapathPort::uplink, m, what);
  } else if (outcome.result == EncapsulationResult::encapsulated_oversize) {
    if (send_fragmented(ctx, at, DatapathPort::uplink, m, settings.uplink_mtu, what))
      tally.encapsulated(ctx, record.slot, outcome.inner_length);
  } else {
    refuse_encapsulation(ctx, at, m, frame_class, outcome, limiter, to_guest(record, frame_class.ip));
  }
}

// What a guest sent while its binding was awaited leaves now: into its
// tunnel (the Home Agent tunnels to us now), or natively if it is home again.
void send_held_outbound(WorkerContext& ctx, const HostSettings& settings, IcmpErrorLimiter& limiter,
                        BindingTally& tally, const GuestRecord& record, rte_mbuf* m) noexcept {
  constexpr auto at = DatapathPort::guests;
  uncount_held(ctx, at);
  if (!record.away) {
    forward(ctx, at, DatapathPort::uplink, m, Disposition::released);
    return;
  }
  ClassifiedFrame frame_class;
  classify_frame(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m), frame_class);
  into_tunnel(ctx, settings, limiter, tally, record, m, frame_class, Disposition::released);
}

// ... all of it, oldest first.
void release_outbound(WorkerContext& ctx, const HostSettings& settings, IcmpErrorLimiter& limiter,
                      HoldQueues& outbound, const GuestRecord& record) noexcept {
  BindingTally tally;
  outbound.release(record.slot, record.generation,
                   [&](rte_mbuf* m) { send_held_outbound(ctx, settings, limiter, tally, record, m); });
  tally.apply();
}

}  // namespace

void HostPipeline::from_guests(WorkerContext& ctx, rte_mbuf** pkts, std::uint16_t n) noexcept {
  constexpr auto at = DatapathPort::guests;
  count_rx(ctx, at, pkts, n);
  state_->liveness.advance(ctx.now_tsc, ms_to_tsc(ctx, settings_.liveness_interval_ms));
  HoldQueues& holds = state_->holds(ctx);
  BindingTally tally;

  for (std::uint16_t base = 0; base < n; base += chunk) {
    const auto count = static_cast<std::uint16_t>(n - base < chunk ? n - base : chunk);
    rte_mbuf** burst = pkts + base;
    static constexpr std::uint8_t no_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    const std::uint8_t* macs[chunk];
    const GuestRecord* records[chunk];
    // The lookup reads each frame's source MAC: start every load now.
    for (std::uint16_t i = 0; i < count; ++i) rte_prefetch0(rte_pktmbuf_mtod(burst[i], void*));
    for (std::uint16_t i = 0; i < count; ++i) {
      const bool whole = contiguous(burst[i]) && rte_pktmbuf_data_len(burst[i]) >= eth;
      // A frame too short to have a source MAC looks up the broadcast
      // address, which no guest has.
      macs[i] = whole ? rte_pktmbuf_mtod(burst[i], const std::uint8_t*) + 6 : no_mac;
    }
    ctx.table->lookup_guests_by_mac(macs, count, records);
    prefetch_bindings(ctx, records, count);
    state_->prefetch_guest_states(ctx, records, count, true);

    for (std::uint16_t i = 0; i < count; ++i) {
      rte_mbuf* m = burst[i];
      const auto* frame = rte_pktmbuf_mtod(m, const std::uint8_t*);
      const std::uint32_t length = rte_pktmbuf_data_len(m);
      if (macs[i] == no_mac) {
        drop(ctx, at, m, Disposition::drop_malformed);
        continue;
      }
      const GuestRecord* record = records[i];
      if (record == nullptr) {
        forward(ctx, at, DatapathPort::uplink, m, Disposition::passed);
        continue;
      }

      // Liveness report, and the resume signal of a guest not yet marked
      // resumed.
      bool report = state_->liveness.due(record->slot);
      GuestCoreState* signalling = nullptr;
      if (!record->resumed) [[unlikely]] {
        GuestCoreState* state = state_->guest_state(ctx, *record);
        // A paused guest's frames were in flight before its pause: what it
        // holds waits for mip6d (its resume here, or the hand-over).
        if (state != nullptr && !record->paused && !state->seen_running) {
          state->seen_running = true;
          signalling = state;
          ++ctx.counters->resumes_signalled;
          report = true;
          release_held(ctx, holds, state_->recent, *record);
        }
      }
      // A resume signal that did not reach mip6d (no mbuf for the copy, the
      // punt ring full) goes again with the guest's next frame.
      const auto reported = [signalling](bool sent) noexcept {
        if (!sent && signalling != nullptr) [[unlikely]]
          signalling->seen_running = false;
      };

      if (!record->away) {
        if (report) reported(punt_copy(ctx, at, m));
        if (state_->outbound.total() != 0) [[unlikely]]
          release_outbound(ctx, settings_, state_->icmp_errors, state_->outbound, *record);
        forward(ctx, at, DatapathPort::uplink, m, Disposition::passed);
        continue;
      }

      ClassifiedFrame frame_class;
      classify_frame(frame, length, frame_class);
      switch (frame_class.kind) {
        case FrameKind::truncated_ethernet:
        case FrameKind::malformed_ipv6:
          if (report) reported(punt_copy(ctx, at, m));
          drop(ctx, at, m, Disposition::drop_malformed);
          continue;
        case FrameKind::not_ipv6:
          // The resume frame itself (QEMU's RARP) goes to mip6d as is.
          if (report)
            reported(punt(ctx, at, m));
          else
            drop(ctx, at, m, Disposition::drop_not_ipv6);
          continue;
        case FrameKind::neighbour_discovery:
          // Home-link emulation is mip6d's; the frame doubles as the report.
          reported(punt(ctx, at, m));
          continue;
        case FrameKind::mobility:
        case FrameKind::ip6ip6:
        case FrameKind::other_ipv6:
          break;
      }
      if (report) reported(punt_copy(ctx, at, m));

      const wire::Ipv6View& ip = frame_class.ip;
      if (is_link_scope(ip.src_bytes()) || is_link_scope(ip.dst_bytes())) {
        drop(ctx, at, m, Disposition::drop_link_scope);
        continue;
      }
      if (!same_address(ip.src_bytes(), record->home_address) &&
          !ctx.table->guest_uses_address(*record, ip.src_bytes())) {
        // An address of its home /64 the guest formed elsewhere (it moved
        // here with it): mip6d may learn it from this copy.
        if (settings_.report_unknown_sources && same_slaac_prefix(ip.src_bytes(), record->home_address) &&
            state_->unknown_sources.take(ctx.now_tsc, ctx.tsc_hz))
          punt_copy(ctx, at, m);
        drop(ctx, at, m, Disposition::drop_ingress_filter);
        continue;
      }
      if (record->awaiting_binding) [[unlikely]] {
        if (state_->outbound.hold(record->slot, record->generation, record->mac, m, ctx.now_tsc)) {
          count_held(ctx, at);
        } else {
          drop(ctx, at, m, Disposition::drop_hold_full);
        }
        continue;
      }
      // What waited for the binding goes first, keeping the guest's order.
      if (state_->outbound.total() != 0) [[unlikely]]
        release_outbound(ctx, settings_, state_->icmp_errors, state_->outbound, *record);
      into_tunnel(ctx, settings_, state_->icmp_errors, tally, *record, m, frame_class, Disposition::encapsulated);
    }
    tally.apply();
  }
}

void HostPipeline::from_uplink(WorkerContext& ctx, rte_mbuf** pkts, std::uint16_t n) noexcept {
  constexpr auto at = DatapathPort::uplink;
  count_rx(ctx, at, pkts, n);
  HoldQueues& holds = state_->holds(ctx);
  BindingTally tally;
  // Native frames are looked up only while a guest at home is paused for a
  // migration (rare, and short): otherwise they pass as they always did.
  const bool holding_at_home = ctx.table->guests_holding_at_home() != 0;

  for (std::uint16_t base = 0; base < n; base += chunk) {
    const auto count = static_cast<std::uint16_t>(n - base < chunk ? n - base : chunk);
    rte_mbuf** burst = pkts + base;
    // The frame each received packet became: itself, a packet its fragment
    // completed, or nullptr while it waits for the rest of its packet.
    rte_mbuf* frames[chunk];
    ClassifiedFrame classes[chunk];
    TunnelFrame tunnels[chunk];
    bool tunnelled[chunk];
    const std::uint8_t* keys[chunk];
    std::uint16_t key_of[chunk];
    unsigned key_count = 0;
    for (std::uint16_t i = 0; i < count; ++i) {
      prefetch_ahead(burst, i, count);
      rte_mbuf* m = burst[i];
      frames[i] = m;
      tunnelled[i] = false;
      if (!contiguous(m)) {
        classes[i] = ClassifiedFrame{};  // truncated_ethernet: dropped as malformed
        continue;
      }
      classify_frame(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m), classes[i]);
      if (classes[i].fragment &&
          same_address(classes[i].ip.dst_bytes(), settings_.care_of_address)) [[unlikely]] {
        // Ours to reassemble (the Home Agent fragmented a tunnel packet,
        // RFC 2473 7.1): go on with the whole packet once there is one.
        m = reassemble(ctx, at, state_->reassembler, m, classes[i]);
        frames[i] = m;
        if (m == nullptr) continue;
        classify_frame(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m),
                       classes[i]);
      }
      if (classes[i].kind != FrameKind::ip6ip6 ||
          !same_address(classes[i].ip.dst_bytes(), settings_.care_of_address))
        continue;
      tunnelled[i] = true;
      if (auto tunnel = inspect_tunnel_frame(classes[i])) {
        tunnels[i] = *tunnel;
        key_of[i] = static_cast<std::uint16_t>(key_count);
        keys[key_count++] = tunnel->inner.dst_bytes();
      } else {
        key_of[i] = chunk;  // malformed tunnel packet
      }
    }
    const GuestRecord* records[chunk];
    if (key_count != 0) {
      ctx.table->lookup_guests_by_home_address(keys, key_count, records);
      prefetch_bindings(ctx, records, key_count);
      // Only a guest not yet marked resumed needs its per-core state here
      // (running_here); at a million guests each is a DRAM line of its own.
      state_->prefetch_guest_states(ctx, records, key_count, false);
    }

    for (std::uint16_t i = 0; i < count; ++i) {
      rte_mbuf* m = frames[i];
      if (m == nullptr) continue;  // a fragment, waiting
      const ClassifiedFrame& frame_class = classes[i];
      if (tunnelled[i]) {
        if (key_of[i] == chunk) {
          drop(ctx, at, m, Disposition::drop_tunnel_malformed);
          continue;
        }
        const TunnelFrame& tunnel = tunnels[i];
        const GuestRecord* record = records[key_of[i]];
        if (record == nullptr || !record->away) {
          drop(ctx, at, m, Disposition::drop_tunnel_unknown_binding);
          continue;
        }
        if (const auto refusal = refuse_tunnel_exit(tunnel, record->tunnel_destination())) {
          drop(ctx, at, m, *refusal);
          continue;
        }
        if (carries_mobility_header(tunnel.inner)) [[unlikely]] {
          // RFC 6275 6.1: the Home Agent sends mobility messages to a home
          // address (a Binding Refresh Request...) tunnelled, without a type
          // 2 routing header. They are mip6d's, which acts for the guest:
          // the whole tunnel packet goes to it, and the guest never sees it.
          ctx.counters->count(at, ctx.punt->push(m, at, ctx.now_tsc)
                                      ? Disposition::punted_tunnelled_mobility
                                      : Disposition::drop_punt_ring_full);
          continue;
        }
        if (tunnel.inner.hop_limit() == 0) [[unlikely]] {
          // RFC 8200 3: a packet that arrives with hop limit 0 is not
          // forwarded, and the exit point forwards it onto the guest's link.
          // Time Exceeded (RFC 4443 3.3) to its source, from our care-of
          // address (the only address of ours its source can reach), back
          // through the router it came from.
          ErrorReturn back;
          back.port = at;
          back.to = {wire::MacAddr::from_bytes(rte_pktmbuf_mtod(m, const std::uint8_t*) + 6),
                     settings_.uplink_mac, settings_.care_of_address, tunnel.inner.src()};
          send_icmp_error(ctx, at, state_->icmp_errors, IcmpError::hop_limit_exceeded(), back,
                          tunnel.inner, to_link_layer_group(m));
          drop(ctx, at, m, Disposition::drop_hop_limit);
          continue;
        }
        const std::uint16_t inner_length =
            strip_tunnel_header(m, tunnel, {&record->mac, &record->router_mac});
        tally.decapsulated(ctx, record->slot, inner_length);
        if (record->forwarding) [[unlikely]] {
          replay_recent(ctx, holds, state_->recent, *record);
          hand_over_held(ctx, settings_, holds, *record);
          hand_over(ctx, settings_, m, *record);
        } else if (state_->running_here(ctx, *record)) {
          // Anything still held for the guest goes first, keeping order.
          release_held(ctx, holds, state_->recent, *record);
          if (record->keep_recent) [[unlikely]]
            state_->recent.remember(record->slot, record->generation, record->mac, m, ctx.now_tsc);
          forward(ctx, at, DatapathPort::guests, m, Disposition::decapsulated);
        } else {
          replay_recent(ctx, holds, state_->recent, *record);
          if (holds.hold(record->slot, record->generation, record->mac, m, ctx.now_tsc)) {
            count_held(ctx, at);
          } else {
            drop(ctx, at, m, Disposition::drop_hold_full);
          }
        }
        continue;
      }
      switch (frame_class.kind) {
        case FrameKind::truncated_ethernet:
        case FrameKind::malformed_ipv6:
          drop(ctx, at, m, Disposition::drop_malformed);
          continue;
        case FrameKind::mobility:
        case FrameKind::neighbour_discovery:
          if (same_address(frame_class.ip.dst_bytes(), settings_.care_of_address) ||
              solicits_care_of_address(frame_class)) {
            punt(ctx, at, m);
            continue;
          }
          // The site's own multicast ND (its router's RAs, solicitations for
          // guests at home here) belongs to the guests, not to mip6d.
          break;
        case FrameKind::not_ipv6:
        case FrameKind::ip6ip6:
        case FrameKind::other_ipv6:
          // IPv6 only: the hand-over tunnels it. Looked up only while a
          // guest is held for at home or anything is held at all.
          if ((holding_at_home || holds.total() != 0) && frame_class.kind != FrameKind::not_ipv6 &&
              hold_at_home(ctx, settings_, holds, state_->recent, m)) [[unlikely]]
            continue;
          break;
      }
      forward(ctx, at, DatapathPort::guests, m, Disposition::passed);
    }
    tally.apply();
  }
}

bool HostPipeline::solicits_care_of_address(const ClassifiedFrame& frame) const noexcept {
  // A multicast Neighbour Solicitation whose target (8 octets into the
  // ICMPv6 message) is our care-of address: mip6d answers it.
  constexpr std::uint8_t neighbour_solicitation = 135;
  if (frame.icmp_type != neighbour_solicitation || frame.ip.dst_bytes()[0] != 0xff) return false;
  const wire::ByteSpan packet = frame.ip.packet();
  if (packet.size() < std::size_t{frame.upper_offset} + 8 + 16) return false;
  return same_address(packet.data() + frame.upper_offset + 8, settings_.care_of_address);
}

// A guest paused with nothing arriving for it since: what it may have
// missed is held now, so the hand-over sends it. Rings of guests that no
// longer migrate, or are gone, are let go.
void HostPipeline::replay_paused(WorkerContext& ctx, HoldQueues& holds) noexcept {
  RecentDeliveries& recent = state_->recent;
  if (recent.total() == 0) return;
  const GuestRecord* deciding = nullptr;
  recent.visit(
      [&](std::uint32_t slot, std::uint32_t generation, const wire::MacAddr& mac, std::uint64_t& from_tsc) {
        const GuestRecord* record = owner_of(ctx, slot, generation, mac);
        if (record == nullptr) return RecentDeliveries::Verdict::forget;
        if (record->paused || record->forwarding) {
          if (record->replay_from_tsc == 0) return RecentDeliveries::Verdict::forget;
          from_tsc = record->replay_from_tsc;
          deciding = record;
          return RecentDeliveries::Verdict::replay;
        }
        return record->keep_recent ? RecentDeliveries::Verdict::keep : RecentDeliveries::Verdict::forget;
      },
      [&](rte_mbuf* shared) { hold_replayed(ctx, holds, *deciding, shared); });
}

// Guests whose binding came: what they sent meanwhile leaves, even when
// they send nothing more. Guests gone (or replaced in their slot) lose it.
void HostPipeline::visit_outbound(WorkerContext& ctx) noexcept {
  HoldQueues& outbound = state_->outbound;
  const GuestRecord* deciding = nullptr;
  BindingTally tally;
  outbound.visit(
      ctx.now_tsc, ms_to_tsc(ctx, outbound.settings().timeout_ms),
      [&](std::uint32_t slot, std::uint32_t generation, const wire::MacAddr& mac) {
        const GuestRecord* record = owner_of(ctx, slot, generation, mac);
        if (record == nullptr) return HoldQueues::Verdict::drop;
        deciding = record;
        return record->awaiting_binding ? HoldQueues::Verdict::keep : HoldQueues::Verdict::release;
      },
      [&](rte_mbuf* m) { send_held_outbound(ctx, settings_, state_->icmp_errors, tally, *deciding, m); },
      [&ctx](rte_mbuf* m) {
        uncount_held(ctx, DatapathPort::guests);
        drop(ctx, DatapathPort::guests, m, Disposition::drop_hold_expired);
      });
  tally.apply();
}

void HostPipeline::housekeeping(WorkerContext& ctx) noexcept {
  const bool own_states = ctx.table != nullptr && !ctx.table->has_reader_state();
  if (ctx.table != nullptr && (!state_->liveness.allocated() || (own_states && !state_->guests))) {
    // The one allocation outside the constructor: the liveness bitmap and
    // the per-slot array, sized by the table this core reads (see
    // host_pipeline.hpp).
    try {
      state_->allocate(ctx.table->slot_capacity(), own_states);
    } catch (...) {
      // Retried next time; until then frames still flow, without signals.
    }
  }
  expire_fragments(ctx, DatapathPort::uplink, state_->reassembler, state_->icmp_errors,
                   settings_.care_of_address, settings_.uplink_mac);
  HoldQueues& holds = state_->holds(ctx);
  replay_paused(ctx, holds);
  if (state_->outbound.total() != 0) visit_outbound(ctx);
  if (holds.total() == 0) return;
  const std::uint64_t timeout = ms_to_tsc(ctx, holds.settings().timeout_ms);
  // The queue visit() releases is the one it just decided on: its record
  // says where the packets go (the guest here, or on to where it moved).
  const GuestRecord* deciding = nullptr;
  holds.visit(
      ctx.now_tsc, timeout,
      [&](std::uint32_t slot, std::uint32_t generation, const wire::MacAddr& mac) {
        const GuestRecord* record = owner_of(ctx, slot, generation, mac);
        if (record == nullptr) return HoldQueues::Verdict::drop;
        deciding = record;
        return record->forwarding || state_->running_here(ctx, *record) ? HoldQueues::Verdict::release
                                                                   : HoldQueues::Verdict::keep;
      },
      [&](rte_mbuf* m) {
        if (deciding->forwarding) {
          uncount_held(ctx, DatapathPort::uplink);
          hand_over(ctx, settings_, m, *deciding);
        } else {
          deliver_released(ctx, state_->recent, *deciding, m);
        }
      },
      [&ctx](rte_mbuf* m) {
        uncount_held(ctx, DatapathPort::uplink);
        drop(ctx, DatapathPort::uplink, m, Disposition::drop_hold_expired);
      });
}

}  // namespace roam6::datapath
