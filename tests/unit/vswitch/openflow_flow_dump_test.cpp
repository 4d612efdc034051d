// Parsing `ovs-ofctl -O OpenFlow13 dump-flows` output, on text captured from
// Open vSwitch 3.1 (ofp-flow.c ofputil_flow_stats_format).

#include <gtest/gtest.h>

#include "vswitch-plugin/openflow/flow_dump.hpp"

namespace roam6::vswitch {
namespace {

constexpr const char* kDump =
    "OFPST_FLOW reply (OF1.3) (xid=0x2):\n"
    " cookie=0x526f616d36000000, duration=0.055s, table=0, n_packets=0, n_bytes=0, priority=300,in_port=1 "
    "actions=goto_table:2\n"
    " cookie=0x526f616d36000000, duration=0.055s, table=0, n_packets=17, n_bytes=1462, "
    "priority=200,ipv6,in_port=2,dl_src=52:54:00:00:00:01,ipv6_src=fe80::5054:ff:fe00:1 actions=goto_table:1\n"
    " cookie=0x526f616d36000000, duration=0.055s, table=1, n_packets=0, n_bytes=0, "
    "priority=50,in_port=2,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=output:1,output:3\n"
    " cookie=0x1, duration=0.020s, table=5, n_packets=0, n_bytes=0, idle_age=3, priority=7 actions=drop\n"
    " cookie=0x526f616d36000000, duration=10.471s, table=250, n_packets=0, n_bytes=0, priority=0 actions=drop\n"
    " cookie=0x2, duration=1s, table=3, n_packets=1, n_bytes=60, reset_counts, dl_type=0x0806 actions=drop\n";

TEST(OpenflowFlowDump, ParsesEveryFieldOfEveryFlow) {
  const auto parsed = parse_dump_flows(kDump);
  EXPECT_TRUE(parsed.unparsed.empty());
  ASSERT_EQ(parsed.flows.size(), 6u);
  EXPECT_EQ(parsed.flows[0], (FlowRecord{0x526f616d36000000, 0, 300, "in_port=1", 0, 0, "goto_table:2"}));
  EXPECT_EQ(parsed.flows[1],
            (FlowRecord{0x526f616d36000000, 0, 200,
                        "ipv6,in_port=2,dl_src=52:54:00:00:00:01,ipv6_src=fe80::5054:ff:fe00:1", 17, 1462,
                        "goto_table:1"}));
  EXPECT_EQ(parsed.flows[2].actions, "output:1,output:3");
  EXPECT_EQ(parsed.flows[2].match, "in_port=2,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00");
  EXPECT_EQ(parsed.flows[3], (FlowRecord{1, 5, 7, "", 0, 0, "drop"}));
  EXPECT_EQ(parsed.flows[4].table, 250);
  EXPECT_EQ(parsed.flows[4].priority, 0);
  // No priority printed: OpenFlow's default, 32768.
  EXPECT_EQ(parsed.flows[5], (FlowRecord{2, 3, 32768, "dl_type=0x0806", 1, 60, "drop"}));
}

TEST(OpenflowFlowDump, ReportsLinesItCannotRead) {
  const auto parsed = parse_dump_flows(
      "OFPST_FLOW reply (OF1.3) (xid=0x2):\n"
      " cookie=0x1, duration=1s, table=0, n_packets=x, n_bytes=0, priority=1 actions=drop\n"
      " something else\n"
      " cookie=0x1, duration=1s, table=0, n_packets=1, n_bytes=0, priority=99999 actions=drop\n"
      " cookie=0x1, duration=1s, n_packets=1, n_bytes=0, priority=9 actions=drop\n"
      "\n");
  EXPECT_TRUE(parsed.flows.empty());
  EXPECT_EQ(parsed.unparsed.size(), 4u);
}

TEST(OpenflowFlowDump, MatchFieldFindsKeysAndBareWords) {
  const std::string match = "ipv6,in_port=2,dl_src=52:54:00:00:00:01";
  EXPECT_EQ(match_field(match, "in_port"), "2");
  EXPECT_EQ(match_field(match, "ipv6"), "");
  EXPECT_EQ(match_field(match, "dl_src"), "52:54:00:00:00:01");
  EXPECT_EQ(match_field(match, "in"), std::nullopt);
  EXPECT_EQ(match_field("", "in_port"), std::nullopt);
}

}  // namespace
}  // namespace roam6::vswitch
