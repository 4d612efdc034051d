// The steering plan as a pure function: exact flow lines for each kind of
// port (docs/vswitch-openflow.md), and the properties every plan must
// have whatever the ports: no NORMAL, no multicast to an away guest, fail
// closed without the datapath's port, deterministic order.

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "vswitch-plugin/openflow/flow_dump.hpp"
#include "vswitch-plugin/openflow/steering_plan.hpp"

namespace roam6::vswitch {
namespace {

using Lines = std::vector<std::string>;

wire::MacAddr mac(const char* text) { return *wire::MacAddr::parse(text); }
wire::Ip6Addr ip(const char* text) { return *wire::Ip6Addr::parse(text); }

const std::string C = "cookie=0x526f616d36000000,";

SteeredPort away_guest() {
  return {"vnet0", 2, mac("52:54:00:12:34:56"), GuestKind::away, ip("2001:db8:a::10")};
}
SteeredPort home_guest() {
  return {"vnet1", 3, mac("52:54:00:ab:cd:ef"), GuestKind::home, ip("2001:db8:b::20")};
}
SteeredPort unknown_guest() { return {"tap7", 4, mac("02:00:00:00:00:07"), GuestKind::unknown, std::nullopt}; }

// The ofports a flow's actions send to.
std::set<std::uint32_t> outputs(const std::string& flow) {
  std::set<std::uint32_t> ports;
  for (std::size_t at = flow.find("output:"); at != std::string::npos; at = flow.find("output:", at + 1)) {
    ports.insert(static_cast<std::uint32_t>(std::stoul(flow.substr(at + 7))));
  }
  return ports;
}

TEST(OpenflowSteeringPlan, AwayGuestGetsMacAndSourceChecksAndNoMulticastFromTheDatapath) {
  const auto plan = plan_steering({1, {away_guest()}});
  const Lines expected{
      C + "table=0,priority=300,in_port=1,actions=goto_table:2",
      // Its home address, its EUI-64 link-local (RFC 4291 App. A) and :: (DAD, RFC 4862 5.4.2).
      C + "table=0,priority=200,in_port=2,dl_src=52:54:00:12:34:56,ipv6,ipv6_src=2001:db8:a::10,actions=goto_table:1",
      C + "table=0,priority=200,in_port=2,dl_src=52:54:00:12:34:56,ipv6,ipv6_src=fe80::5054:ff:fe12:3456,actions=goto_table:1",
      C + "table=0,priority=200,in_port=2,dl_src=52:54:00:12:34:56,ipv6,ipv6_src=::,actions=goto_table:1",
      C + "table=0,priority=150,in_port=2,dl_src=52:54:00:12:34:56,ipv6,actions=drop",
      C + "table=0,priority=100,in_port=2,dl_src=52:54:00:12:34:56,actions=goto_table:1",
      C + "table=0,priority=50,in_port=2,actions=drop",
      C + "table=0,priority=0,actions=drop",
      C + "table=1,priority=100,dl_dst=52:54:00:12:34:56,actions=output:2",
      C + "table=1,priority=50,in_port=2,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=output:1",
      C + "table=1,priority=40,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=goto_table:3",
      C + "table=1,priority=10,actions=output:1",
      C + "table=2,priority=100,dl_dst=52:54:00:12:34:56,actions=output:2",
      // Nobody here may hear the foreign site's multicast.
      C + "table=2,priority=50,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=drop",
      C + "table=2,priority=0,actions=drop",
      C + "table=3,priority=50,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=output:1",
      C + "table=3,priority=0,actions=drop",
      C + "table=250,priority=0,actions=drop",
  };
  EXPECT_EQ(plan.flows, expected);
  EXPECT_TRUE(plan.excluded.empty());
}

// host.learned_addresses: a guest may use further addresses of its home
// prefix, which the datapath checks one by one; the bridge admits the prefix.
TEST(OpenflowSteeringPlan, AGuestWithLearnedAddressesMaySendFromItsWholeHomePrefix) {
  SteeredPort port = away_guest();
  port.home_prefix = *wire::Ip6Prefix::parse("2001:db8:a::/64");
  const auto plan = plan_steering({1, {port}});
  const Lines admission(plan.flows.begin() + 1, plan.flows.begin() + 5);
  const Lines expected{
      // The home address lies in the prefix: no flow of its own.
      C + "table=0,priority=200,in_port=2,dl_src=52:54:00:12:34:56,ipv6,ipv6_src=2001:db8:a::/64,actions=goto_table:1",
      C + "table=0,priority=200,in_port=2,dl_src=52:54:00:12:34:56,ipv6,ipv6_src=fe80::5054:ff:fe12:3456,actions=goto_table:1",
      C + "table=0,priority=200,in_port=2,dl_src=52:54:00:12:34:56,ipv6,ipv6_src=::,actions=goto_table:1",
      C + "table=0,priority=150,in_port=2,dl_src=52:54:00:12:34:56,ipv6,actions=drop",
  };
  EXPECT_EQ(admission, expected);
}

TEST(OpenflowSteeringPlan, HomeGuestHearsMulticastFromTheDatapath) {
  const auto plan = plan_steering({7, {home_guest()}});
  const Lines expected{
      C + "table=0,priority=300,in_port=7,actions=goto_table:2",
      C + "table=0,priority=200,in_port=3,dl_src=52:54:00:ab:cd:ef,ipv6,ipv6_src=2001:db8:b::20,actions=goto_table:1",
      C + "table=0,priority=200,in_port=3,dl_src=52:54:00:ab:cd:ef,ipv6,ipv6_src=fe80::5054:ff:feab:cdef,actions=goto_table:1",
      C + "table=0,priority=200,in_port=3,dl_src=52:54:00:ab:cd:ef,ipv6,ipv6_src=::,actions=goto_table:1",
      C + "table=0,priority=150,in_port=3,dl_src=52:54:00:ab:cd:ef,ipv6,actions=drop",
      C + "table=0,priority=100,in_port=3,dl_src=52:54:00:ab:cd:ef,actions=goto_table:1",
      C + "table=0,priority=50,in_port=3,actions=drop",
      C + "table=0,priority=0,actions=drop",
      C + "table=1,priority=100,dl_dst=52:54:00:ab:cd:ef,actions=output:3",
      // Its multicast onto the home link: the datapath (and other guests at home).
      C + "table=1,priority=40,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=goto_table:3",
      C + "table=1,priority=10,actions=output:7",
      C + "table=2,priority=100,dl_dst=52:54:00:ab:cd:ef,actions=output:3",
      C + "table=2,priority=50,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=output:3",
      C + "table=2,priority=0,actions=drop",
      // Its own port too: OVS does not send a frame back out of its in_port.
      C + "table=3,priority=50,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=output:7,output:3",
      C + "table=3,priority=0,actions=drop",
      C + "table=250,priority=0,actions=drop",
  };
  EXPECT_EQ(plan.flows, expected);
}

TEST(OpenflowSteeringPlan, UnknownPortGetsOnlyTheMacCheck) {
  auto guest = unknown_guest();
  guest.home_address = ip("2001:db8:c::1");  // not trusted: we do not know who it is
  const auto plan = plan_steering({1, {guest}});
  const Lines expected{
      C + "table=0,priority=300,in_port=1,actions=goto_table:2",
      C + "table=0,priority=100,in_port=4,dl_src=02:00:00:00:00:07,actions=goto_table:1",
      C + "table=0,priority=50,in_port=4,actions=drop",
      C + "table=0,priority=0,actions=drop",
      C + "table=1,priority=100,dl_dst=02:00:00:00:00:07,actions=output:4",
      C + "table=1,priority=40,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=goto_table:3",
      C + "table=1,priority=10,actions=output:1",
      C + "table=2,priority=100,dl_dst=02:00:00:00:00:07,actions=output:4",
      C + "table=2,priority=50,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=output:4",
      C + "table=2,priority=0,actions=drop",
      C + "table=3,priority=50,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=output:1,output:4",
      C + "table=3,priority=0,actions=drop",
      C + "table=250,priority=0,actions=drop",
  };
  EXPECT_EQ(plan.flows, expected);
}

TEST(OpenflowSteeringPlan, WithoutTheDatapathOfportEverythingIsDropped) {
  const auto plan = plan_steering({std::nullopt, {away_guest(), home_guest(), unknown_guest()}});
  const Lines expected{
      C + "table=0,priority=0,actions=drop",
      C + "table=250,priority=0,actions=drop",
  };
  EXPECT_EQ(plan.flows, expected);
}

TEST(OpenflowSteeringPlan, TwoGuestsAtHomeShareMulticastAndSwitchToEachOther) {
  auto other = home_guest();
  other.name = "vnet2";
  other.ofport = 5;
  other.mac = mac("52:54:00:00:00:05");
  other.home_address = ip("2001:db8:b::21");
  // Given in reverse order: the plan orders by ofport.
  const auto plan = plan_steering({1, {other, home_guest()}});
  const auto has = [&](const std::string& line) {
    return std::find(plan.flows.begin(), plan.flows.end(), C + line) != plan.flows.end();
  };
  EXPECT_TRUE(has("table=1,priority=100,dl_dst=52:54:00:ab:cd:ef,actions=output:3"));
  EXPECT_TRUE(has("table=1,priority=100,dl_dst=52:54:00:00:00:05,actions=output:5"));
  EXPECT_TRUE(has("table=1,priority=40,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=goto_table:3"));
  EXPECT_TRUE(has("table=3,priority=50,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=output:1,output:3,output:5"));
  EXPECT_TRUE(has("table=2,priority=50,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=output:3,output:5"));
  EXPECT_EQ(plan.flows, plan_steering({1, {home_guest(), other}}).flows);
  // Table 0: datapath, 6 per port, miss; table 1: 1 per port, home multicast,
  // other unicast; table 2: 1 per port, multicast, miss; table 3; canary.
  EXPECT_EQ(plan.flows.size(), 1u + 2 * 6 + 1 + 2 + 1 + 1 + 2 + 2 + 2 + 1);
}

TEST(OpenflowSteeringPlan, FlowsGrowLinearlyWithTheGuestsAtHome) {
  // A thousand guests at home: no flow lists the ports once per port.
  std::vector<SteeredPort> ports;
  for (std::uint32_t n = 0; n < 1000; ++n) {
    auto guest = home_guest();
    guest.name = "vnet" + std::to_string(n);
    guest.ofport = 10 + n;
    guest.mac.bytes[4] = static_cast<std::uint8_t>(n >> 8);
    guest.mac.bytes[5] = static_cast<std::uint8_t>(n);
    guest.home_address->bytes[14] = static_cast<std::uint8_t>(n >> 8);
    guest.home_address->bytes[15] = static_cast<std::uint8_t>(n);
    ports.push_back(guest);
  }
  const auto plan = plan_steering({1, ports});
  EXPECT_TRUE(plan.excluded.empty());
  std::size_t outputs_total = 0;
  for (const auto& flow : plan.flows) outputs_total += outputs(flow).size();
  // Each port: one output in each of table 1 and 2's unicast flows and in
  // the two multicast flows (tables 2 and 3); plus the datapath's few.
  EXPECT_LE(outputs_total, 4u * 1000 + 4);
}

TEST(OpenflowSteeringPlan, MulticastNeverReachesAnAwayGuestAndNothingUsesNormal) {
  const auto plan = plan_steering({1, {away_guest(), home_guest(), unknown_guest()}});
  for (const auto& flow : plan.flows) {
    EXPECT_EQ(flow.find("NORMAL"), std::string::npos) << flow;
    EXPECT_EQ(flow.find("normal"), std::string::npos) << flow;
    EXPECT_EQ(flow.find("FLOOD"), std::string::npos) << flow;
    EXPECT_EQ(flow.find("ALL"), std::string::npos) << flow;
    EXPECT_TRUE(flow.starts_with(C)) << flow;
    if (flow.find("dl_dst=01:00:00:00:00:00/01:00:00:00:00:00") != std::string::npos) {
      EXPECT_EQ(outputs(flow).count(2), 0u) << "away guest vnet0 (ofport 2) hears: " << flow;
    }
  }
  // The away guest's own multicast goes to the datapath only (its home link
  // is there), the home guests' to the datapath and each other.
  EXPECT_NE(std::find(plan.flows.begin(), plan.flows.end(),
                      C + "table=1,priority=50,in_port=2,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=output:1"),
            plan.flows.end());
  EXPECT_NE(std::find(plan.flows.begin(), plan.flows.end(),
                      C + "table=1,priority=40,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=goto_table:3"),
            plan.flows.end());
  EXPECT_NE(std::find(plan.flows.begin(), plan.flows.end(),
                      C + "table=3,priority=50,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=output:1,output:3,output:4"),
            plan.flows.end());
  EXPECT_NE(std::find(plan.flows.begin(), plan.flows.end(),
                      C + "table=2,priority=50,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=output:3,output:4"),
            plan.flows.end());
}

TEST(OpenflowSteeringPlan, NoTwoFlowsShareTablePriorityAndMatch) {
  // OVS merges such flows: the keeper's flow count would never match.
  auto guest = away_guest();
  guest.home_address = wire::link_local_from_mac(guest.mac);  // a home address equal to its link-local
  const auto plan = plan_steering({1, {guest, home_guest(), unknown_guest()}});
  std::set<std::string> keys;
  for (const auto& flow : plan.flows) {
    const auto key = flow.substr(0, flow.find(",actions="));
    EXPECT_TRUE(keys.insert(key).second) << "duplicate: " << flow;
  }
}

TEST(OpenflowSteeringPlan, ConflictingPortsAreLeftOutAndNamed) {
  auto same_mac = home_guest();
  same_mac.name = "vnet9";
  same_mac.ofport = 9;
  auto on_dp = unknown_guest();
  on_dp.name = "confused";
  on_dp.ofport = 1;
  on_dp.mac = mac("02:00:00:00:00:01");
  auto group = unknown_guest();
  group.name = "mcast";
  group.ofport = 11;
  group.mac = mac("01:00:5e:00:00:01");
  const auto plan = plan_steering({1, {away_guest(), home_guest(), same_mac, on_dp, group}});
  const std::vector<ExcludedPort> expected{
      {"confused", "datapath_ofport"}, {"mcast", "multicast_mac"}, {"vnet1", "duplicate_mac"}, {"vnet9", "duplicate_mac"}};
  EXPECT_EQ(plan.excluded, expected);
  for (const auto& flow : plan.flows) {
    EXPECT_EQ(flow.find("in_port=3,"), std::string::npos) << flow;
    EXPECT_EQ(flow.find("in_port=9,"), std::string::npos) << flow;
    EXPECT_EQ(flow.find("in_port=11,"), std::string::npos) << flow;
    EXPECT_EQ(flow.find("52:54:00:ab:cd:ef"), std::string::npos) << flow;
  }
  // The away guest is still steered.
  EXPECT_NE(std::find(plan.flows.begin(), plan.flows.end(),
                      C + "table=0,priority=50,in_port=2,actions=drop"),
            plan.flows.end());
}

TEST(OpenflowSteeringPlan, CustomCookieOnEveryFlow) {
  const auto plan = plan_steering({1, {away_guest()}, 0x1234});
  for (const auto& flow : plan.flows) EXPECT_TRUE(flow.starts_with("cookie=0x0000000000001234,")) << flow;
  EXPECT_EQ(plan.flows.back(), canary_flow(0x1234));
}

TEST(OpenflowSteeringPlan, DropPrioritiesNameTheirReason) {
  EXPECT_EQ(drop_reason_of(0, priority::spoofed_mac), DropReason::spoofed_mac);
  EXPECT_EQ(drop_reason_of(0, priority::spoofed_source), DropReason::spoofed_source);
  EXPECT_EQ(drop_reason_of(0, priority::table_miss), std::nullopt);
  EXPECT_EQ(drop_reason_of(0, priority::allowed_source), std::nullopt);
  EXPECT_EQ(drop_reason_of(1, priority::spoofed_mac), std::nullopt);
  // And every drop flow of a port carries its in_port.
  const auto plan = plan_steering({1, {away_guest(), unknown_guest()}});
  int drops = 0;
  for (const auto& line : plan.flows) {
    // As dump-flows prints it: statistics ", "-separated, then the match.
    const auto cookie_end = line.find(',');
    const auto table_end = line.find(',', cookie_end + 1);
    const auto actions_at = line.find(",actions=");
    const auto flow = parse_flow_line(" " + line.substr(0, cookie_end) + ", duration=1.5s, " +
                                      line.substr(cookie_end + 1, table_end - cookie_end - 1) +
                                      ", n_packets=0, n_bytes=0, " +
                                      line.substr(table_end + 1, actions_at - table_end - 1) + " actions=" +
                                      line.substr(actions_at + 9));
    ASSERT_TRUE(flow) << line;
    if (drop_reason_of(flow->table, flow->priority)) {
      ++drops;
      EXPECT_TRUE(match_field(flow->match, "in_port")) << line;
    }
  }
  EXPECT_EQ(drops, 3);  // vnet0: source and MAC; tap7: MAC
}

}  // namespace
}  // namespace roam6::vswitch
