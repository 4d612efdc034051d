#include "datapath/pipeline/home_agent_pipeline.hpp"

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "datapath/elements/decapsulator.hpp"
#include "datapath/elements/encapsulator.hpp"
#include "datapath/elements/frame_classifier.hpp"
#include "datapath/elements/home_prefixes.hpp"
#include "datapath/elements/reassembler.hpp"
#include "datapath/pipeline/pipeline_common.hpp"

namespace roam6::datapath {

using namespace pipeline_detail;

struct HomeAgentPipeline::State {
  explicit State(const HomeAgentSettings& settings)
      : home_prefixes(settings.home_prefixes),
        icmp_errors(settings.icmp_errors),
        reassembler(settings.reassembly, rte_get_tsc_hz()) {}
  HomePrefixes home_prefixes;
  IcmpErrorLimiter icmp_errors;
  Reassembler reassembler;
};

HomeAgentPipeline::HomeAgentPipeline(const HomeAgentSettings& settings)
    : settings_(settings), state_(new State(settings)) {}

HomeAgentPipeline::~HomeAgentPipeline() { delete state_; }

namespace {

constexpr auto at = DatapathPort::uplink;

enum class Route : std::uint8_t {
  drop_malformed,
  drop_tunnel_malformed,
  not_for_us,
  to_ha,
  tunnel,
  home_address,
  reassembling,  // a fragment for us, waiting for the rest of its packet
};

// Errors about a packet an away guest sent through its tunnel go back into
// that tunnel, from the Home Agent's address, to the home router.
ErrorReturn into_tunnel(const HomeAgentSettings& settings, const TunnelBinding& source,
                        const wire::Ipv6View& offending) noexcept {
  ErrorReturn back;
  back.port = at;
  back.to = {settings.router_mac, settings.port_mac, settings.address, offending.src()};
  back.tunnel = &source.outer();
  back.tunnel_settings = &settings.tunnel;
  back.path_mtu = settings.mtu;
  return back;
}

// A packet decapsulated here (`m`: Ethernet + the inner packet) goes on into
// `destination`'s tunnel, counted `sent_as`. True when `m` is consumed (sent,
// sent as outer fragments, or dropped as malformed); false when the tunnel
// refused it: `inner` and `outcome` say why, and `m` is still the caller's.
bool retunnel(WorkerContext& ctx, BindingTally& tally, const HomeAgentSettings& settings, rte_mbuf* m,
              const TunnelBinding& destination, const EthernetRewrite& to_router, Disposition sent_as,
              ClassifiedFrame& inner, EncapsulationOutcome& outcome) noexcept {
  classify_frame(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m), inner);
  if (inner.kind < FrameKind::mobility) {
    drop(ctx, at, m, Disposition::drop_tunnel_malformed);
    return true;
  }
  encapsulate_frame(m, inner, destination.outer(), settings.tunnel, settings.mtu, to_router, outcome);
  switch (outcome.result) {
    case EncapsulationResult::encapsulated:
      tally.encapsulated(ctx, destination.slot, outcome.inner_length);
      forward(ctx, at, at, m, sent_as);
      return true;
    case EncapsulationResult::encapsulated_oversize:
      if (send_fragmented(ctx, at, at, m, settings.mtu)) tally.encapsulated(ctx, destination.slot, outcome.inner_length);
      return true;
    case EncapsulationResult::malformed:
      drop(ctx, at, m, Disposition::drop_tunnel_malformed);
      return true;
    default:
      return false;
  }
}

// Hand-over forwarding (docs/signalling.md): a host a binding left sends
// what it held for the guest, and what still reached it, back here through
// its tunnel: an inner packet *to* a bound home address, from a care-of
// address that is not the binding's. It goes on into the binding's tunnel,
// exactly as if it had reached the home link natively (which anyone may do),
// so accepting it from any outer source widens nothing.
void relay_hand_over(WorkerContext& ctx, BindingTally& tally, const HomeAgentSettings& settings, rte_mbuf* m,
                     const TunnelFrame& tunnel, const TunnelBinding& destination,
                     const EthernetRewrite& to_router) noexcept {
  if (const auto refusal = refuse_tunnel_exit(tunnel, tunnel.outer_src)) {
    drop(ctx, at, m, *refusal);
    return;
  }
  if (tunnel.inner.hop_limit() <= 1) {
    drop(ctx, at, m, Disposition::drop_hop_limit);
    return;
  }
  strip_tunnel_header(m, tunnel, to_router);
  ClassifiedFrame inner;
  EncapsulationOutcome outcome;
  if (retunnel(ctx, tally, settings, m, destination, to_router, Disposition::handed_over, inner, outcome)) return;
  // No error goes back: the sender only relays what it held.
  drop(ctx, at, m, outcome.result == EncapsulationResult::no_headroom ? Disposition::drop_no_mbuf
                   : outcome.result == EncapsulationResult::too_big   ? Disposition::drop_too_big
                                                                      : Disposition::drop_hop_limit);
}

void from_tunnel(WorkerContext& ctx, BindingTally& tally, const HomeAgentSettings& settings,
                 IcmpErrorLimiter& icmp_errors, rte_mbuf* m, const TunnelFrame& tunnel,
                 const TunnelBinding& source, const TunnelBinding& destination,
                 const EthernetRewrite& to_router) noexcept {
  if ((!source || !same_address(tunnel.outer_src, source.care_of_bytes())) && destination &&
      !same_address(tunnel.outer_src, destination.care_of_bytes())) [[unlikely]] {
    relay_hand_over(ctx, tally, settings, m, tunnel, destination, to_router);
    return;
  }
  if (!source) {
    drop(ctx, at, m, Disposition::drop_tunnel_unknown_binding);
    return;
  }
  if (const auto refusal = refuse_tunnel_exit(tunnel, source.care_of_bytes())) {
    drop(ctx, at, m, *refusal);
    return;
  }
  if (tunnel.inner.hop_limit() == 0) [[unlikely]] {
    // RFC 8200 3: the exit point forwards the packet, and a packet that
    // arrives with hop limit 0 is not forwarded: Time Exceeded (RFC 4443
    // 3.3) to its source, the away guest, through its tunnel.
    send_icmp_error(ctx, at, icmp_errors, IcmpError::hop_limit_exceeded(),
                    into_tunnel(settings, source, tunnel.inner), tunnel.inner,
                    to_link_layer_group(m));
    drop(ctx, at, m, Disposition::drop_hop_limit);
    return;
  }
  const std::uint16_t inner_length = strip_tunnel_header(m, tunnel, to_router);
  tally.decapsulated(ctx, source.slot, inner_length);
  if (!destination) {
    forward(ctx, at, at, m, Disposition::decapsulated);
    return;
  }
  // Two away guests talking: straight back into the destination's tunnel,
  // instead of a round trip through the home router.
  ClassifiedFrame inner;
  EncapsulationOutcome outcome;
  if (retunnel(ctx, tally, settings, m, destination, to_router, Disposition::encapsulated, inner, outcome)) return;
  // The sender is behind its own tunnel: its error goes back through it.
  // (Too big takes an inner Tunnel Encapsulation Limit option: both tunnels
  // share one MTU.)
  refuse_encapsulation(ctx, at, m, inner, outcome, icmp_errors,
                       into_tunnel(settings, source, inner.ip));
}

void to_home_address(WorkerContext& ctx, BindingTally& tally, const HomeAgentSettings& settings,
                     IcmpErrorLimiter& icmp_errors, rte_mbuf* m, const ClassifiedFrame& frame_class,
                     const TunnelBinding& binding, const EthernetRewrite& to_router) noexcept {
  if (!binding) {
    drop(ctx, at, m,
         frame_class.kind == FrameKind::ip6ip6 ? Disposition::drop_tunnel_not_for_us
                                               : Disposition::drop_not_for_us);
    return;
  }
  if (frame_class.kind == FrameKind::neighbour_discovery) {
    // Neighbour Discovery for an away guest's home address is answered by
    // mip6d's proxy (RFC 6275 10.4.1); it never crosses the tunnel.
    punt(ctx, at, m);
    return;
  }
  if (is_link_scope(frame_class.ip.src_bytes())) {
    drop(ctx, at, m, Disposition::drop_link_scope);
    return;
  }
  EncapsulationOutcome outcome;
  encapsulate_frame(m, frame_class, binding.outer(), settings.tunnel, settings.mtu, to_router,
                    outcome);
  if (outcome.result == EncapsulationResult::encapsulated) [[likely]] {
    tally.encapsulated(ctx, binding.slot, outcome.inner_length);
    forward(ctx, at, at, m, Disposition::encapsulated);
    return;
  }
  if (outcome.result == EncapsulationResult::encapsulated_oversize) {
    if (send_fragmented(ctx, at, at, m, settings.mtu))
      tally.encapsulated(ctx, binding.slot, outcome.inner_length);
    return;
  }
  // From the Home Agent's own address (RFC 4443 2.2 (b): the packet was not
  // sent to it) back to the MAC the packet came from (a refused packet's
  // header is unchanged).
  ErrorReturn back;
  back.port = at;
  back.to = {wire::MacAddr::from_bytes(rte_pktmbuf_mtod(m, const std::uint8_t*) + 6), settings.port_mac,
             settings.address, frame_class.ip.src()};
  refuse_encapsulation(ctx, at, m, frame_class, outcome, icmp_errors, back);
}

}  // namespace

void HomeAgentPipeline::from_uplink(WorkerContext& ctx, rte_mbuf** pkts, std::uint16_t n) noexcept {
  count_rx(ctx, at, pkts, n);
  const EthernetRewrite to_router{&settings_.router_mac, &settings_.port_mac};
  BindingTally tally;

  for (std::uint16_t base = 0; base < n; base += chunk) {
    const auto count = static_cast<std::uint16_t>(n - base < chunk ? n - base : chunk);
    rte_mbuf** burst = pkts + base;
    ClassifiedFrame classes[chunk];
    TunnelFrame tunnels[chunk];
    Route routes[chunk];
    // One key per packet to a home address; per tunnelled packet its inner
    // source's (whose binding) and, when that lies in a home prefix, its
    // inner destination's (another away guest?). A destination outside
    // them (a correspondent, nearly always) finds the entry past the keys':
    // no binding.
    const std::uint8_t* keys[2 * chunk];
    constexpr std::uint16_t no_binding = 2 * chunk;
    std::uint16_t key_of[chunk];          // the home address's; a tunnel's inner source's
    std::uint16_t destination_of[chunk];  // a tunnel's inner destination's
    unsigned key_count = 0;
    const auto add_key = [&keys, &key_count](const std::uint8_t* address) noexcept {
      keys[key_count] = address;
      return static_cast<std::uint16_t>(key_count++);
    };
    const HomePrefixes& home_prefixes = state_->home_prefixes;

    // The frame each received packet became: itself, or a packet its
    // fragment completed.
    rte_mbuf* frames[chunk];

    for (std::uint16_t i = 0; i < count; ++i) {
      prefetch_ahead(burst, i, count);
      rte_mbuf* m = burst[i];
      frames[i] = m;
      if (!contiguous(m)) {
        routes[i] = Route::drop_malformed;
        continue;
      }
      ClassifiedFrame& frame_class = classes[i];
      classify_frame(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m), frame_class);
      if (frame_class.fragment && same_address(frame_class.ip.dst_bytes(), settings_.address))
          [[unlikely]] {
        // Ours to reassemble (a host fragmented a tunnel packet, RFC 2473
        // 7.1): go on with the whole packet once there is one.
        m = reassemble(ctx, at, state_->reassembler, m, frame_class);
        frames[i] = m;
        if (m == nullptr) {
          routes[i] = Route::reassembling;
          continue;
        }
        classify_frame(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m),
                       frame_class);
      }
      switch (frame_class.kind) {
        case FrameKind::truncated_ethernet:
        case FrameKind::malformed_ipv6:
          routes[i] = Route::drop_malformed;
          continue;
        case FrameKind::not_ipv6:
          routes[i] = Route::not_for_us;
          continue;
        default:
          break;
      }
      const std::uint8_t* dst = frame_class.ip.dst_bytes();
      if (same_address(dst, settings_.address) && frame_class.kind == FrameKind::ip6ip6) {
        if (auto tunnel = inspect_tunnel_frame(frame_class)) {
          routes[i] = Route::tunnel;
          tunnels[i] = *tunnel;
          key_of[i] = add_key(tunnel->inner.src_bytes());
          destination_of[i] = home_prefixes.may_be_bound(tunnel->inner.dst_bytes())
                                  ? add_key(tunnel->inner.dst_bytes())
                                  : no_binding;
        } else {
          routes[i] = Route::drop_tunnel_malformed;
        }
      } else if (same_address(dst, settings_.address) || dst[0] == 0xff) {
        routes[i] = Route::to_ha;
      } else {
        routes[i] = Route::home_address;
        key_of[i] = add_key(dst);
      }
    }
    // All of the chunk's lookups before its first packet is handled: tried,
    // finishing each lookup only a few packets ahead of its packet was
    // 10-45 cycles a packet slower at 1 M (docs/benchmarks.md).
    TunnelBinding bindings[2 * chunk + 1];
    bindings[no_binding] = TunnelBinding{};
    if (key_count != 0) {
      ctx.table->lookup_tunnels(keys, key_count, bindings);
      for (unsigned k = 0; k < key_count; ++k) prefetch_binding(ctx, bindings[k]);
    }

    for (std::uint16_t i = 0; i < count; ++i) {
      rte_mbuf* m = frames[i];
      const ClassifiedFrame& frame_class = classes[i];
      switch (routes[i]) {
        case Route::reassembling:
          continue;
        case Route::drop_malformed:
          drop(ctx, at, m, Disposition::drop_malformed);
          continue;
        case Route::drop_tunnel_malformed:
          drop(ctx, at, m, Disposition::drop_tunnel_malformed);
          continue;
        case Route::not_for_us:
          drop(ctx, at, m, Disposition::drop_not_for_us);
          continue;
        case Route::to_ha:
          if (frame_class.kind == FrameKind::mobility ||
              frame_class.kind == FrameKind::neighbour_discovery)
            punt(ctx, at, m);
          else if (frame_class.kind == FrameKind::ip6ip6)
            drop(ctx, at, m, Disposition::drop_tunnel_not_for_us);
          else
            drop(ctx, at, m, Disposition::drop_not_for_us);
          continue;
        case Route::tunnel:
          from_tunnel(ctx, tally, settings_, state_->icmp_errors, m, tunnels[i], bindings[key_of[i]],
                      bindings[destination_of[i]], to_router);
          continue;
        case Route::home_address:
          to_home_address(ctx, tally, settings_, state_->icmp_errors, m, frame_class,
                          bindings[key_of[i]], to_router);
          continue;
      }
    }
    tally.apply();
  }
}

void HomeAgentPipeline::housekeeping(WorkerContext& ctx) noexcept {
  // Only fragments wait on the Home Agent (no hold queues).
  expire_fragments(ctx, at, state_->reassembler, state_->icmp_errors, settings_.address,
                   settings_.port_mac);
}

}  // namespace roam6::datapath
