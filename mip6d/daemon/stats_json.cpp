#include "mip6d/daemon/stats_json.hpp"

namespace roam6::mip6d::daemon {

using nlohmann::json;

json signalling_drops_json(const SignallingDropCounters& drops) {
  json out = json::object();
  for (std::size_t i = 0; i < drops.size(); ++i) {
    const auto reason = static_cast<SignallingDrop>(i);
    if (reason == SignallingDrop::none) continue;
    out[std::string(name(reason))] = drops[i];
  }
  return out;
}

json receive_checks_json(const ReceiveCheckCounters& c) {
  // Reason names are "area.name" or "name": nested the same way.
  json discard = json::object();
  for (std::size_t i = 0; i < c.discarded.size(); ++i) {
    const std::string_view reason = name(static_cast<DiscardReason>(i));
    const auto dot = reason.find('.');
    if (dot == std::string_view::npos) {
      discard[std::string(reason)] = c.discarded[i];
    } else {
      discard[std::string(reason.substr(0, dot))][std::string(reason.substr(dot + 1))] = c.discarded[i];
    }
  }
  return {{"discard", std::move(discard)},
          {"error_messages", {{"parameter_problem_sent", c.parameter_problems_sent},
                              {"binding_error_sent", c.binding_errors_sent},
                              {"rate_limited", c.rate_limited},
                              {"not_allowed", c.not_allowed},
                              {"send_failures", c.send_failures}}}};
}

json refused_by_status_json(const std::array<std::uint64_t, 256>& refused) {
  json out = json::object();
  for (std::size_t status = 0; status < refused.size(); ++status) {
    if (refused[status] != 0) out[std::to_string(status)] = refused[status];
  }
  return out;
}

json home_agent_stats_json(const ha::HomeAgentCounters& c, std::size_t bindings, const ha::ReplayMemory& replay) {
  json out = {
      {"frames", {{"received", c.frames_received},
                  {"not_for_us", c.frames_not_for_us},
                  {"malformed", c.malformed_frames}}},
      {"mh", {{"received", c.mh_received},
              {"malformed", c.mh_malformed},
              {"bad_checksum", c.mh_bad_checksum},
              {"ignored", c.mh_ignored}}},
      {"bu", {{"received", c.bu_received},
              {"accepted", c.bu_accepted},
              {"refused", c.bu_refused},
              {"refused_by_status", refused_by_status_json(c.refused_by_status)},
              {"dropped", signalling_drops_json(c.bu_dropped)}}},
      {"bindings", {{"current", bindings},
                    {"created", c.bindings_created},
                    {"refreshed", c.bindings_refreshed},
                    {"moved", c.bindings_moved},
                    {"deleted", c.bindings_deleted},
                    {"expired", c.bindings_expired},
                    {"restored", c.bindings_restored}}},
      {"replay", {{"records", replay.size()},
                  {"limit", replay.capacity()},
                  {"floor_active", replay.floor() != 0 ? 1 : 0},
                  {"evictions", replay.evictions()},
                  {"refused", c.replay_refused},
                  {"restored", c.replay_records_restored},
                  {"expired", c.replay_records_expired}}},
      {"ba", {{"sent", c.ba_sent}}},
      {"be", {{"sent", c.be_sent}}},
      {"hand_over", {{"notices", {{"sent", c.hand_over.sent},
                                  {"retransmitted", c.hand_over.retransmitted},
                                  {"acknowledged", c.hand_over.acknowledged},
                                  {"unanswered", c.hand_over.unanswered}}},
                     {"acks", {{"received", c.revocation_acks_received},
                               {"refused", c.hand_over.ack_refused},
                               {"unmatched", c.hand_over.ack_unmatched},
                               {"dropped", signalling_drops_json(c.revocation_acks_dropped)}}}}},
      {"nd", {{"ns_answered", c.ns_answered}, {"na_announced", c.na_announced}}},
      {"icmp", {{"echo_replies", c.echo_replies}}},
      {"errors", {{"send_failures", c.send_failures}, {"store_failures", c.store_failures}, {"fenced", c.fenced}}},
  };
  out.update(receive_checks_json(c.receive_checks));
  return out;
}

json host_stats_json(const host::HostCounters& c, std::size_t guests) {
  json out = {
      {"frames", {{"received", c.frames_received},
                  {"ignored", c.frames_ignored},
                  {"malformed", c.malformed_frames}}},
      {"guests", {{"current", guests},
                  {"resumes_detected", c.resumes_detected},
                  {"recognised", c.guests_recognised},
                  {"frames_after_departure", c.frames_after_departure},
                  {"frames_after_pause", c.frames_after_pause},
                  {"paused", c.guests_paused},
                  {"migrating", c.guests_migrating},
                  {"migrations_not_paused", c.migrations_not_paused},
                  {"home_announcements", c.home_announcements},
                  {"addresses_learned", c.addresses_learned},
                  {"addresses_given_up", c.addresses_given_up},
                  {"addresses_refused", c.addresses_refused}}},
      {"hand_over", {{"notices", {{"received", c.revocations_received},
                                  {"forwarding", c.revocations_forwarding},
                                  {"unknown_guest", c.revocations_unknown_guest},
                                  {"guest_running", c.revocations_guest_running},
                                  {"dropped", signalling_drops_json(c.revocations_dropped)}}},
                     {"expired", c.hand_overs_expired}}},
      {"mh", {{"tunnelled", c.mh_tunnelled}}},
      {"bu", {{"sent", c.bu_sent}}},
      {"ba", {{"received", c.ba_received},
              {"dropped", signalling_drops_json(c.ba_dropped)},
              {"unknown_guest", c.ba_unknown_guest},
              {"ignored", c.ba_ignored}}},
      {"brr", {{"received", c.brr_received},
               {"accepted", c.brr_accepted},
               {"dropped", signalling_drops_json(c.brr_dropped)},
               {"unknown_guest", c.brr_unknown_guest}}},
      {"be", {{"received", c.be_received},
              {"accepted", c.be_accepted},
              {"dropped", signalling_drops_json(c.be_dropped)},
              {"unknown_guest", c.be_unknown_guest}}},
      {"nd", {{"rs_answered", c.rs_answered},
              {"ra_sent", c.ra_sent},
              {"ns_answered", c.ns_answered}}},
      {"errors", {{"send_failures", c.send_failures}}},
  };
  out.update(receive_checks_json(c.receive_checks));
  return out;
}

json port_stats_json(const PacketSocketCounters& c) {
  return {
      {"rx", {{"frames", c.rx_frames},
              {"bytes", c.rx_bytes},
              {"truncated", c.rx_truncated},
              {"errors", c.rx_errors}}},
      {"tx", {{"frames", c.tx_frames}, {"bytes", c.tx_bytes}, {"dropped", c.tx_dropped}}},
  };
}

json port_stats_json(const datapath::DpdkPacketIoCounters& c) {
  return {
      {"rx", {{"frames", c.rx_frames}, {"bytes", c.rx_bytes}}},
      {"tx", {{"frames", c.tx_frames}, {"bytes", c.tx_bytes}, {"dropped", c.tx_dropped}}},
  };
}

json datapath_stats_json(const datapath::DatapathStats& stats,
                         const datapath::ForwardingTableCounters& table, std::size_t tunnels,
                         std::size_t guests) {
  using datapath::Disposition;
  const datapath::DatapathCounters& c = stats.counters;
  json ports = json::object();
  for (std::size_t p = 0; p < datapath::datapath_port_count; ++p) {
    if (!stats.devices[p]) continue;
    const datapath::DeviceStats& device = *stats.devices[p];
    const datapath::PortCounters& port = c.port[p];
    json entry = {
        {"device", device.device},
        {"queues", device.queues},
        {"rx", {{"packets", port.rx_packets}, {"bytes", port.rx_bytes}}},
        {"tx", {{"packets", port.tx_packets}, {"bytes", port.tx_bytes}}},
        {"imissed", device.imissed},
        {"ierrors", device.ierrors},
        {"oerrors", device.oerrors},
        {"rx_nombuf", device.rx_nombuf},
    };
    // Every reason beside them, zeros included, so that the set of keys
    // never changes (no reason shares a name with the keys above).
    for (std::size_t d = 0; d < datapath::disposition_count; ++d)
      entry[std::string(to_string(static_cast<Disposition>(d)))] = port.disposition[d];
    ports[p == 0 ? "uplink" : "guests"] = std::move(entry);
  }
  return {
      {"workers", stats.workers},
      {"injected", c.injected},
      {"inject_dropped", c.inject_dropped},
      {"resumes_signalled", c.resumes_signalled},
      {"packet_too_big_suppressed", c.packet_too_big_suppressed},
      {"time_exceeded_suppressed", c.time_exceeded_suppressed},
      {"parameter_problem_suppressed", c.parameter_problem_suppressed},
      {"icmp_errors_withheld", c.icmp_errors_withheld},
      {"table",
       {{"tunnels", tunnels},
        {"guests", guests},
        {"tunnels_set", table.tunnels_set},
        {"tunnels_cleared", table.tunnels_cleared},
        {"guests_set", table.guests_set},
        {"guests_cleared", table.guests_cleared},
        {"refused", table.refused}}},
      {"ports", std::move(ports)},
  };
}

}  // namespace roam6::mip6d::daemon
