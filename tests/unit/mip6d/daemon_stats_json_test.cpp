#include "mip6d/daemon/stats_json.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace roam6::mip6d::daemon {
namespace {

using nlohmann::json;

// Every leaf of `value` with its dotted path, as mip6ctl flattens them.
void leaves(const json& value, const std::string& path, std::map<std::string, json>& out) {
  if (value.is_object()) {
    for (const auto& item : value.items()) {
      leaves(item.value(), path.empty() ? item.key() : path + "." + item.key(), out);
    }
  } else {
    out[path] = value;
  }
}

TEST(StatsJson, EveryHomeAgentCounterAppearsOnceUnderItsArea) {
  // Distinct values, so that a counter reported under the wrong name shows.
  ha::HomeAgentCounters c;
  std::uint64_t next = 1;
  for (auto* field :
       {&c.frames_received, &c.frames_not_for_us, &c.malformed_frames, &c.mh_received,
        &c.mh_malformed, &c.mh_bad_checksum, &c.mh_ignored, &c.bu_received,
        &c.replay_refused, &c.bu_accepted, &c.bu_refused, &c.bindings_created,
        &c.bindings_refreshed, &c.bindings_moved, &c.bindings_deleted, &c.bindings_expired,
        &c.bindings_restored, &c.ba_sent, &c.be_sent, &c.ns_answered, &c.na_announced,
        &c.echo_replies, &c.send_failures, &c.store_failures, &c.replay_records_restored,
        &c.replay_records_expired, &c.fenced}) {
    *field = next++;
  }
  c.bu_dropped[static_cast<std::size_t>(SignallingDrop::bad_authenticator)] = 100;
  c.bu_dropped[static_cast<std::size_t>(SignallingDrop::unknown_spi)] = 101;
  c.refused_by_status[129] = 200;
  c.refused_by_status[144] = 201;
  for (std::size_t i = 0; i < discard_reason_count; ++i) c.receive_checks.discarded[i] = 300 + i;
  c.receive_checks.parameter_problems_sent = 400;
  c.receive_checks.binding_errors_sent = 401;
  c.receive_checks.rate_limited = 402;
  c.receive_checks.not_allowed = 403;
  c.receive_checks.send_failures = 404;

  ha::ReplayMemory replay(2048, std::chrono::seconds(7));
  replay.remember(ha::ReplayKey::for_home_address(*wire::Ip6Addr::parse("2001:db8:a::1")), 1ull << 40, 5);
  const json stats = home_agent_stats_json(c, 42, replay);
  std::map<std::string, json> flat;
  leaves(stats, "", flat);

  const std::map<std::string, std::uint64_t> expected{
      {"frames.received", 1}, {"frames.not_for_us", 2}, {"frames.malformed", 3},
      {"mh.received", 4}, {"mh.malformed", 5}, {"mh.bad_checksum", 6}, {"mh.ignored", 7},
      {"bu.received", 8}, {"replay.refused", 9}, {"bu.accepted", 10}, {"bu.refused", 11},
      {"bindings.created", 12}, {"bindings.refreshed", 13}, {"bindings.moved", 14},
      {"bindings.deleted", 15}, {"bindings.expired", 16}, {"bindings.restored", 17},
      {"ba.sent", 18}, {"be.sent", 19}, {"nd.ns_answered", 20}, {"nd.na_announced", 21},
      {"icmp.echo_replies", 22}, {"errors.send_failures", 23}, {"errors.store_failures", 24},
      {"replay.restored", 25}, {"replay.expired", 26}, {"errors.fenced", 27},
      {"bindings.current", 42}, {"replay.records", 1}, {"replay.limit", 2048},
      {"replay.floor_active", 0}, {"replay.evictions", 0},
      {"bu.dropped.bad_authenticator", 100}, {"bu.dropped.unknown_spi", 101},
      {"bu.refused_by_status.129", 200}, {"bu.refused_by_status.144", 201},
      {"discard.unknown_option.action_01", 300}, {"discard.unknown_option.action_10", 301},
      {"discard.unknown_option.action_11", 302}, {"discard.unknown_routing_type", 303},
      {"discard.type2_routing_header.bad_length", 304}, {"discard.type2_routing_header.segments_left", 305},
      {"discard.type2_routing_header.not_mobile_node", 306}, {"discard.home_address_option.bad_length", 307},
      {"discard.home_address_option.duplicate", 308}, {"discard.home_address_option.no_binding", 309},
      {"error_messages.parameter_problem_sent", 400}, {"error_messages.binding_error_sent", 401},
      {"error_messages.rate_limited", 402}, {"error_messages.not_allowed", 403},
      {"error_messages.send_failures", 404},
  };
  for (const auto& [path, value] : expected) {
    ASSERT_TRUE(flat.count(path)) << "missing " << path << " in " << stats.dump();
    EXPECT_EQ(flat[path], value) << path;
  }
  // The rest are the zero drop reasons; nothing else, and no "none".
  for (const auto& [path, value] : flat) {
    if (expected.count(path)) continue;
    EXPECT_TRUE(path.rfind("bu.dropped.", 0) == 0 || path.rfind("hand_over.", 0) == 0) << "unexpected " << path;
    EXPECT_EQ(value, 0) << path;
  }
  EXPECT_FALSE(stats["bu"]["dropped"].contains("none"));
}

TEST(StatsJson, DropsAreKeyedByEveryReasonName) {
  SignallingDropCounters drops{};
  drops[static_cast<std::size_t>(SignallingDrop::malformed)] = 3;
  const json out = signalling_drops_json(drops);
  std::set<std::string> names;
  for (const auto& item : out.items()) names.insert(item.key());
  std::set<std::string> expected;
  for (std::size_t i = 1; i < drops.size(); ++i) {
    expected.insert(std::string(name(static_cast<SignallingDrop>(i))));
  }
  EXPECT_EQ(names, expected);
  EXPECT_EQ(out["malformed"], 3);
  EXPECT_EQ(out["bad_checksum"], 0);
}

TEST(StatsJson, RefusedByStatusHasOnlyWhatOccurred) {
  std::array<std::uint64_t, 256> refused{};
  EXPECT_EQ(refused_by_status_json(refused), json::object());
  refused[128] = 1;
  refused[255] = 9;
  EXPECT_EQ(refused_by_status_json(refused), json::parse(R"({"128": 1, "255": 9})"));
}

TEST(StatsJson, HostCountersByArea) {
  host::HostCounters c;
  c.frames_received = 1;
  c.frames_ignored = 2;
  c.malformed_frames = 3;
  c.bu_sent = 4;
  c.ba_received = 5;
  c.ba_unknown_guest = 6;
  c.brr_received = 7;
  c.be_received = 8;
  c.rs_answered = 9;
  c.ra_sent = 10;
  c.ns_answered = 11;
  c.resumes_detected = 12;
  c.send_failures = 13;
  c.ba_dropped[static_cast<std::size_t>(SignallingDrop::bad_authenticator)] = 14;
  c.guests_recognised = 15;
  c.frames_after_departure = 16;
  c.mh_tunnelled = 16;
  c.ba_ignored = 17;
  c.brr_accepted = 18;
  c.brr_unknown_guest = 19;
  c.brr_dropped[static_cast<std::size_t>(SignallingDrop::replayed)] = 20;
  c.be_accepted = 21;
  c.be_unknown_guest = 22;
  c.be_dropped[static_cast<std::size_t>(SignallingDrop::not_from_home_agent)] = 23;
  c.receive_checks.discarded[static_cast<std::size_t>(DiscardReason::type2_routing_header_segments_left)] = 115;
  c.receive_checks.parameter_problems_sent = 116;
  const json stats = host_stats_json(c, 3);
  EXPECT_EQ(stats["frames"], json::parse(R"({"received": 1, "ignored": 2, "malformed": 3})"));
  EXPECT_EQ(stats["bu"], json::parse(R"({"sent": 4})"));
  EXPECT_EQ(stats["ba"]["received"], 5);
  EXPECT_EQ(stats["ba"]["unknown_guest"], 6);
  EXPECT_EQ(stats["ba"]["dropped"]["bad_authenticator"], 14);
  EXPECT_EQ(stats["ba"]["ignored"], 17);
  EXPECT_EQ(stats["brr"]["received"], 7);
  EXPECT_EQ(stats["brr"]["accepted"], 18);
  EXPECT_EQ(stats["brr"]["unknown_guest"], 19);
  EXPECT_EQ(stats["brr"]["dropped"]["replayed"], 20);
  EXPECT_EQ(stats["be"]["received"], 8);
  EXPECT_EQ(stats["be"]["accepted"], 21);
  EXPECT_EQ(stats["be"]["unknown_guest"], 22);
  EXPECT_EQ(stats["be"]["dropped"]["not_from_home_agent"], 23);
  EXPECT_EQ(stats["mh"], json::parse(R"({"tunnelled": 16})"));
  EXPECT_EQ(stats["nd"], json::parse(R"({"rs_answered": 9, "ra_sent": 10, "ns_answered": 11})"));
  EXPECT_EQ(stats["guests"], json::parse(R"({"current": 3, "resumes_detected": 12, "recognised": 15,
                                              "frames_after_departure": 16, "frames_after_pause": 0, "paused": 0,
                                              "migrating": 0, "migrations_not_paused": 0,
                                              "home_announcements": 0, "addresses_learned": 0,
                                              "addresses_given_up": 0, "addresses_refused": 0})"));
  EXPECT_EQ(stats["errors"], json::parse(R"({"send_failures": 13})"));
  // The receive checks, as on the Home Agent.
  EXPECT_EQ(stats["discard"]["type2_routing_header"]["segments_left"], 115);
  EXPECT_EQ(stats["discard"]["unknown_option"]["action_10"], 0);
  EXPECT_EQ(stats["error_messages"]["parameter_problem_sent"], 116);
  EXPECT_EQ(stats["error_messages"]["rate_limited"], 0);
}

TEST(StatsJson, PortCounters) {
  PacketSocketCounters c{1, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(port_stats_json(c), json::parse(R"({
      "rx": {"frames": 1, "bytes": 2, "truncated": 3, "errors": 4},
      "tx": {"frames": 5, "bytes": 6, "dropped": 7}})"));
}

TEST(StatsJson, DatapathShowsEveryReasonPerPortAndOnlyThePortsItHas) {
  using datapath::DatapathPort;
  using datapath::Disposition;
  datapath::DatapathStats stats;
  stats.workers = 2;
  stats.counters.injected = 7;
  stats.counters.inject_dropped = 1;
  stats.counters.port[0].rx_packets = 10;
  stats.counters.port[0].tx_bytes = 999;
  stats.counters.count(DatapathPort::uplink, Disposition::decapsulated);
  stats.counters.count(DatapathPort::uplink, Disposition::drop_tunnel_wrong_source);
  stats.counters.count(DatapathPort::uplink, Disposition::drop_tunnel_wrong_source);
  stats.devices[0] = datapath::DeviceStats{"net_af_packet0,iface=ha0", 1, 3, 0, 4, 5};
  datapath::ForwardingTableCounters table;
  table.tunnels_set = 12;
  table.refused = 2;

  std::map<std::string, json> flat;
  leaves(datapath_stats_json(stats, table, 10, 0), "", flat);
  EXPECT_EQ(flat["workers"], 2);
  EXPECT_EQ(flat["injected"], 7);
  EXPECT_EQ(flat["inject_dropped"], 1);
  EXPECT_EQ(flat["table.tunnels"], 10);
  EXPECT_EQ(flat["table.tunnels_set"], 12);
  EXPECT_EQ(flat["table.refused"], 2);
  EXPECT_EQ(flat["ports.uplink.device"], "net_af_packet0,iface=ha0");
  EXPECT_EQ(flat["ports.uplink.rx.packets"], 10);
  EXPECT_EQ(flat["ports.uplink.tx.bytes"], 999);
  EXPECT_EQ(flat["ports.uplink.imissed"], 3);
  EXPECT_EQ(flat["ports.uplink.oerrors"], 4);
  EXPECT_EQ(flat["ports.uplink.rx_nombuf"], 5);
  EXPECT_EQ(flat["ports.uplink.decapsulated"], 1);
  EXPECT_EQ(flat["ports.uplink.drop_tunnel_wrong_source"], 2);
  // Every reason is there, zeros included, so the set of keys never changes.
  for (std::size_t d = 0; d < datapath::disposition_count; ++d) {
    const std::string key = "ports.uplink." +
                            std::string(datapath::to_string(static_cast<Disposition>(d)));
    EXPECT_TRUE(flat.contains(key)) << key;
  }
  // A Home Agent has no guests port.
  for (const auto& [key, value] : flat) EXPECT_EQ(key.find("ports.guests"), std::string::npos) << key;
}

}  // namespace
}  // namespace roam6::mip6d::daemon
