#include "datapath/elements/datapath_counters.hpp"

namespace roam6::datapath {

std::string_view to_string(Disposition disposition) noexcept {
  switch (disposition) {
    case Disposition::passed: return "passed";
    case Disposition::encapsulated: return "encapsulated";
    case Disposition::decapsulated: return "decapsulated";
    case Disposition::punted: return "punted";
    case Disposition::punted_tunnelled_mobility: return "punted_tunnelled_mobility";
    case Disposition::held: return "held";
    case Disposition::released: return "released";
    case Disposition::handed_over: return "handed_over";
    case Disposition::replayed: return "replayed";
    case Disposition::reassembling: return "reassembling";
    case Disposition::reassembled: return "reassembled";
    case Disposition::packet_too_big_sent: return "packet_too_big_sent";
    case Disposition::time_exceeded_sent: return "time_exceeded_sent";
    case Disposition::parameter_problem_sent: return "parameter_problem_sent";
    case Disposition::fragments_sent: return "fragments_sent";
    case Disposition::drop_malformed: return "drop_malformed";
    case Disposition::drop_not_ipv6: return "drop_not_ipv6";
    case Disposition::drop_ingress_filter: return "drop_ingress_filter";
    case Disposition::drop_link_scope: return "drop_link_scope";
    case Disposition::drop_hop_limit: return "drop_hop_limit";
    case Disposition::drop_too_big: return "drop_too_big";
    case Disposition::drop_tunnel_unknown_binding: return "drop_tunnel_unknown_binding";
    case Disposition::drop_tunnel_wrong_source: return "drop_tunnel_wrong_source";
    case Disposition::drop_tunnel_not_for_us: return "drop_tunnel_not_for_us";
    case Disposition::drop_tunnel_malformed: return "drop_tunnel_malformed";
    case Disposition::drop_ecn_congestion: return "drop_ecn_congestion";
    case Disposition::drop_not_for_us: return "drop_not_for_us";
    case Disposition::drop_reassembly_timeout: return "drop_reassembly_timeout";
    case Disposition::drop_reassembly_failed: return "drop_reassembly_failed";
    case Disposition::drop_punt_ring_full: return "drop_punt_ring_full";
    case Disposition::drop_hold_full: return "drop_hold_full";
    case Disposition::drop_hold_expired: return "drop_hold_expired";
    case Disposition::drop_no_mbuf: return "drop_no_mbuf";
    case Disposition::drop_tx_full: return "drop_tx_full";
    case Disposition::count_: break;
  }
  return "unknown";
}

bool is_drop(Disposition disposition) noexcept {
  return disposition >= Disposition::drop_malformed && disposition < Disposition::count_;
}

void accumulate(DatapathCounters& a, const DatapathCounters& b) noexcept {
  for (std::size_t p = 0; p < datapath_port_count; ++p) {
    auto& x = a.port[p];
    const auto& y = b.port[p];
    x.rx_packets += y.rx_packets;
    x.rx_bytes += y.rx_bytes;
    x.tx_packets += y.tx_packets;
    x.tx_bytes += y.tx_bytes;
    for (std::size_t d = 0; d < disposition_count; ++d) x.disposition[d] += y.disposition[d];
  }
  a.injected += b.injected;
  a.inject_dropped += b.inject_dropped;
  a.resumes_signalled += b.resumes_signalled;
  a.packet_too_big_suppressed += b.packet_too_big_suppressed;
  a.time_exceeded_suppressed += b.time_exceeded_suppressed;
  a.parameter_problem_suppressed += b.parameter_problem_suppressed;
  a.icmp_errors_withheld += b.icmp_errors_withheld;
}

}  // namespace roam6::datapath
