#pragma once
// Per-core counters: what happened to every packet, by port and by reason.
// Each forwarding core owns one DatapathCounters and is its only writer; the
// control plane sums them (relaxed loads of naturally aligned 64-bit words:
// a reader may see a value one burst old, never a torn one).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace roam6::datapath {

enum class DatapathPort : std::uint8_t { uplink = 0, guests = 1 };
inline constexpr std::size_t datapath_port_count = 2;

// What the datapath did with a packet. Everything received ends in exactly
// one of these (a punted copy of a forwarded frame counts only as punted
// in addition, see `punted`). Also extra, on top of the received packet's
// own disposition: an ICMPv6 error sent (packet_too_big_sent,
// time_exceeded_sent, parameter_problem_sent), the outer fragments of a
// packet that entered the tunnel (fragments_sent), a whole packet rebuilt
// from fragments (its own disposition, while the fragments count
// `reassembled`), a copy or error for which no mbuf was free
// (drop_no_mbuf), a copy the punt ring refused (drop_punt_ring_full), and
// drop_tx_full (counted by TxBatch against the port that refused the packet).
enum class Disposition : std::uint8_t {
  passed,             // forwarded untouched (guest at home, traffic not ours)
  encapsulated,       // entered the tunnel (whole, or as fragments_sent)
  decapsulated,       // left the tunnel and was forwarded
  punted,             // handed to mip6d (signalling, ND/RS, resume signal)
  punted_tunnelled_mobility,  // host: ip6ip6 from a guest's Home Agent carrying a
                              // Mobility Header for the guest, handed to mip6d
                              // whole (RFC 6275 6.1)
  held,               // waiting now: for a guest that has not resumed yet (uplink), or,
                      // sent by a guest, for its binding (guests port): a gauge, -1
                      // again when the packet leaves (released / drop_hold_expired)
  released,           // held, then forwarded when the guest resumed (uplink) or its
                      // binding came (guests port: into the tunnel)
  reassembling,       // a fragment addressed to us waiting for the rest of its
                      // packet: a gauge, -1 again when it leaves (reassembled /
                      // drop_reassembly_*)
  reassembled,        // a fragment that became part of a whole packet
  packet_too_big_sent,
  time_exceeded_sent,
  parameter_problem_sent,
  fragments_sent,     // outer fragments of packets that entered the tunnel (RFC 2473 7.1)
  handed_over,        // host: for a guest that now runs at another host, sent on there
                      // (hand-over forwarding: ip6ip6 to its new care-of address, or
                      // natively once it is home); held ones count released first
  replayed,           // host: a copy of a packet delivered to a guest just before it
                      // paused for its move (QEMU may not have read it), held again for
                      // the hand-over; an extra packet, it counts held as well
  // drops, each its own reason
  drop_malformed,             // truncated or inconsistent headers
  drop_not_ipv6,              // away guest sent something other than IPv6/resume frames
  drop_ingress_filter,        // away guest used a source that is not its own
  drop_link_scope,            // link-local source/destination that may not cross the tunnel
  drop_hop_limit,             // inner hop limit would reach 0, or encapsulation limit 0
  drop_too_big,               // did not fit the tunnel (a Packet Too Big was or was not sent)
  drop_tunnel_unknown_binding,  // tunnelled packet for no binding here
  drop_tunnel_wrong_source,   // outer source is not the registered peer
  drop_tunnel_not_for_us,     // ip6ip6 to an address that is not ours
  drop_tunnel_malformed,      // ip6ip6 that cannot be decapsulated
  drop_ecn_congestion,        // outer CE over a Not-ECT inner packet (RFC 6040 4.2)
  drop_not_for_us,            // Home Agent: frame on the home link for nobody we serve
  drop_reassembly_timeout,    // fragment whose packet did not complete in time
  drop_reassembly_failed,     // fragment refused by reassembly (table full, inconsistent
                              // with the others, a header before the fragment header)
  drop_punt_ring_full,        // mip6d is behind: signalling/ND frame dropped
  drop_hold_full,             // hold queue for the guest (or all of them) full
  drop_hold_expired,          // guest did not resume in time / left
  drop_no_mbuf,               // no buffer for a copy, an ICMPv6 error or a fragment
  drop_tx_full,               // the port did not take the packet
  count_
};
inline constexpr std::size_t disposition_count = static_cast<std::size_t>(Disposition::count_);

[[nodiscard]] std::string_view to_string(Disposition disposition) noexcept;
[[nodiscard]] bool is_drop(Disposition disposition) noexcept;

struct PortCounters {
  std::uint64_t rx_packets = 0;
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_packets = 0;
  std::uint64_t tx_bytes = 0;
  std::array<std::uint64_t, disposition_count> disposition{};  // by the port it arrived on
};

struct alignas(64) DatapathCounters {
  std::array<PortCounters, datapath_port_count> port{};
  std::uint64_t injected = 0;         // frames mip6d sent through the datapath
  std::uint64_t inject_dropped = 0;   // ... that the port did not take
  std::uint64_t resumes_signalled = 0;
  // ICMPv6 errors the rate limit held back (RFC 4443 2.4 (f)), by type.
  std::uint64_t packet_too_big_suppressed = 0;
  std::uint64_t time_exceeded_suppressed = 0;
  std::uint64_t parameter_problem_suppressed = 0;
  // ICMPv6 errors not sent because RFC 4443 2.4 (e) forbids them (about an
  // ICMPv6 error, to a multicast, from an unspecified or multicast source),
  // or because the address to send from is not configured.
  std::uint64_t icmp_errors_withheld = 0;

  void count(DatapathPort at, Disposition what) noexcept {
    ++port[static_cast<std::size_t>(at)].disposition[static_cast<std::size_t>(what)];
  }
};

// a += b, field by field (for summing cores).
void accumulate(DatapathCounters& a, const DatapathCounters& b) noexcept;

}  // namespace roam6::datapath
