// The Home Agent applies the receive checks (RFC 8200 4.2/4.4, RFC 6275
// 6.3/6.4/9.3.1) before acting on a frame: what they discard is not
// processed, not acknowledged and changes no binding.

#include <gtest/gtest.h>

#include "daemon_test_support.hpp"
#include "hand_built_packets.hpp"
#include "memory_binding_store.hpp"
#include "mip6d/config/config_loader.hpp"
#include "mip6d/home_agent/home_agent.hpp"
#include "tests/support/mip6d/fake_packet_io.hpp"
#include "mip6d/io/recording_forwarding_table.hpp"
#include "tests/support/mip6d/simulated_scheduler.hpp"
#include "mip6d/signalling/ntp_timestamp.hpp"
#include "roam6/wire/icmpv6.hpp"
#include "roam6/wire/mobility_packet.hpp"

namespace roam6::mip6d::ha {
namespace {

using namespace std::chrono_literals;
using namespace test;
using wire::Ip6Addr;
using wire::MacAddr;

Ip6Addr addr(const char* s) { return *Ip6Addr::parse(s); }
MacAddr mac(const char* s) { return *MacAddr::parse(s); }

constexpr const char* kConfig = R"(
role = "home-agent"
node_name = "ha-a"
error_messages_per_second = 2
error_messages_burst = 3
[interfaces]
uplink = "eth0"
[home_agent]
address = "2001:db8:a::1"
home_prefixes = ["2001:db8:a::/64"]
[[sites]]
name = "site-a"
prefix = "2001:db8:a::/64"
home_agent = "2001:db8:a::1"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0a:01"
[[sites]]
name = "site-b"
prefix = "2001:db8:b::/64"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0b:01"
[[keys]]
name = "site-b-hosts"
spi = 1001
secret_hex = "00112233445566778899aabbccddeeff"
[[policy]]
key = "site-b-hosts"
care_of_prefixes = ["2001:db8:b::/48"]
home_prefixes = ["2001:db8:a::/64"]
)";

const MacAddr kHaMac = mac("02:00:00:00:0a:99");
const MacAddr kRouterMac = mac("02:00:00:00:0a:01");
const Ip6Addr kHa = addr("2001:db8:a::1");
const Ip6Addr kHoa = addr("2001:db8:a::100");
const Ip6Addr kCoa = addr("2001:db8:b::2");

std::size_t index(DiscardReason r) { return static_cast<std::size_t>(r); }

class HomeAgentReceiveChecksTest : public ::testing::Test {
 protected:
  HomeAgentReceiveChecksTest() : config(load()), host_keys(config.keys) {
    io.set_mac(Port::uplink, kHaMac);
    ha = std::make_unique<HomeAgent>(config, sched, io, fib, store, log);
    ha->start();
  }
  static Config load() {
    auto r = load_config_string(kConfig, "ha-test.toml");
    if (!r) throw std::runtime_error(r.error_report());
    return std::move(r).config();
  }
  Octets bu_frame(std::uint16_t seq) {
    BindingUpdateSpec s;
    s.care_of_address = kCoa;
    s.home_agent = kHa;
    s.home_address = kHoa;
    s.sequence = seq;
    s.lifetime = 600s;
    s.timestamp = to_ntp_timestamp(sched.wall_now());
    return binding_update_frame({kHaMac, kRouterMac, s}, *host_keys.find(1001u));
  }
  void deliver(const Octets& frame) {
    io.inject(Port::uplink, frame, sched.now());
    sched.run_ready();
  }
  // The frames sent since the last call, by what they carry.
  struct Sent {
    std::vector<wire::MobilityPacket> mobility;
    std::vector<Octets> icmp;  // ICMPv6 messages, from the Type octet
    std::vector<Octets> frames;
  };
  Sent sent() {
    Sent out;
    out.frames = io.take_sent(Port::uplink);
    for (const auto& f : out.frames) {
      const auto eth = wire::EthernetView::parse(f);
      if (eth->dst().is_multicast()) continue;  // unsolicited NAs for a new binding
      EXPECT_EQ(eth->dst(), kRouterMac);
      wire::MobilityPacket p;
      if (wire::decode_mobility_packet(eth->payload(), p) == wire::Errc::ok) {
        out.mobility.push_back(p);
        continue;
      }
      const auto ip = wire::Ipv6View::parse(eth->payload());
      if (ip && ip->next_header() == wire::ipproto::icmpv6) {
        const auto icmp = wire::parse_icmpv6(*ip, ip->payload());
        EXPECT_TRUE(icmp);
        out.icmp.emplace_back(icmp->message().begin(), icmp->message().end());
      }
    }
    return out;
  }
  const ReceiveCheckCounters& checks() const { return ha->counters().receive_checks; }

  Config config;
  KeyRing host_keys;
  SimulatedScheduler sched;
  FakePacketIo io;
  RecordingForwardingTable fib;
  MemoryBindingStore store;
  std::vector<std::string> lines;
  Logger log{LogLevel::debug, [this](LogLevel, std::string_view l) { lines.emplace_back(l); }};
  std::unique_ptr<HomeAgent> ha;
};

// RFC 8200 4.2, action 00: the option is skipped and the BU processed.
TEST_F(HomeAgentReceiveChecksTest, OptionWithAction00IsSkipped) {
  deliver(with_header_in_front(bu_frame(1), hop_by_hop({option(0x1e)})));
  const Sent s = sent();
  ASSERT_EQ(s.mobility.size(), 1u);
  EXPECT_EQ(s.mobility[0].mh.type(), wire::mh_type::binding_ack);
  EXPECT_NE(ha->bindings().find(kHoa), nullptr);
  EXPECT_EQ(ha->counters().bu_accepted, 1u);
}

// Action 10: Parameter Problem code 2 pointing at the option type, no BA,
// no binding, the BU never seen by the registration rules.
TEST_F(HomeAgentReceiveChecksTest, OptionWithAction10GetsParameterProblemAndNothingElse) {
  const Octets frame = with_header_in_front(bu_frame(1), hop_by_hop({option(0x9e)}));
  deliver(frame);
  const Sent s = sent();
  EXPECT_TRUE(s.mobility.empty());
  ASSERT_EQ(s.icmp.size(), 1u);
  EXPECT_EQ(s.icmp[0][0], wire::icmpv6_type::parameter_problem);
  EXPECT_EQ(s.icmp[0][1], wire::parameter_problem_code::unrecognised_option);
  EXPECT_EQ(wire::load_be32(s.icmp[0].data() + 4), 42u);
  EXPECT_TRUE(std::equal(s.icmp[0].begin() + 8, s.icmp[0].end(), frame.begin() + 14));
  EXPECT_EQ(ha->bindings().find(kHoa), nullptr);
  EXPECT_TRUE(fib.tunnels().empty());
  EXPECT_TRUE(store.rows.empty());
  EXPECT_EQ(ha->counters().mh_received, 0u);
  EXPECT_EQ(ha->counters().bu_received, 0u);
  EXPECT_EQ(checks().discarded[index(DiscardReason::unknown_option_action_10)], 1u);
  EXPECT_EQ(checks().parameter_problems_sent, 1u);
}

// Action 01 and an unknown routing type: silence, and Parameter Problem
// code 0 at the Routing Type field.
TEST_F(HomeAgentReceiveChecksTest, Action01AndUnknownRoutingType) {
  deliver(with_header_in_front(bu_frame(1), hop_by_hop({option(0x41)})));
  Sent s = sent();
  EXPECT_TRUE(s.frames.empty());
  deliver(with_header_in_front(bu_frame(2), routing(0, 1, {addr("2001:db8:c::1")})));
  s = sent();
  EXPECT_TRUE(s.mobility.empty());
  ASSERT_EQ(s.icmp.size(), 1u);
  EXPECT_EQ(s.icmp[0][1], wire::parameter_problem_code::erroneous_header_field);
  EXPECT_EQ(wire::load_be32(s.icmp[0].data() + 4), 42u);
  // With Segments Left 0 the header is ignored and the BU accepted.
  deliver(with_header_in_front(bu_frame(3), routing(0, 0, {addr("2001:db8:c::1")})));
  s = sent();
  ASSERT_EQ(s.mobility.size(), 1u);
  EXPECT_NE(ha->bindings().find(kHoa), nullptr);
  EXPECT_EQ(checks().discarded[index(DiscardReason::unknown_option_action_01)], 1u);
  EXPECT_EQ(checks().discarded[index(DiscardReason::unknown_routing_type)], 1u);
}

// RFC 6275 9.3.1: an echo request with a Home Address option is answered
// only for a home address bound to the packet's source; otherwise Binding
// Error status 1.
TEST_F(HomeAgentReceiveChecksTest, HomeAddressOptionNeedsABinding) {
  const Octets echo = ethernet(kHaMac, kRouterMac,
                               packet(kCoa, kHa, {destination_options({padn(4), home_address_option(kHoa)}),
                                                  icmpv6(wire::icmpv6_type::echo_request)}));
  deliver(echo);
  Sent s = sent();
  ASSERT_EQ(s.mobility.size(), 1u);
  const auto be = wire::BindingErrorView::from(s.mobility[0].mh);
  ASSERT_TRUE(be);
  EXPECT_EQ(be->status(), wire::be_status::unknown_binding_for_home_address_option);
  EXPECT_EQ(be->home_address(), kHoa);
  EXPECT_EQ(s.mobility[0].ip.dst(), kCoa);
  EXPECT_EQ(ha->counters().echo_replies, 0u);
  EXPECT_EQ(checks().binding_errors_sent, 1u);

  // With the binding from that source, the packet passes the checks (what
  // the echo handling then makes of it is not these rules' business).
  deliver(bu_frame(1));
  sent();
  deliver(echo);
  s = sent();
  EXPECT_TRUE(s.mobility.empty());
  EXPECT_EQ(checks().discarded[index(DiscardReason::home_address_option_no_binding)], 1u);
  EXPECT_EQ(checks().binding_errors_sent, 1u);
}

// Only what the Home Agent acts on is checked: a solicitation for an
// address nobody here defends is none of its business, even with a bad
// option; one for its own address is answered with the Parameter Problem.
TEST_F(HomeAgentReceiveChecksTest, SolicitationsCheckedOnlyWhenAnswered) {
  const auto ns = [&](const Ip6Addr& target) {
    return ethernet(wire::multicast_mac(wire::solicited_node_multicast(target)), kRouterMac,
                    packet(addr("fe80::a01"), wire::solicited_node_multicast(target),
                           {destination_options({option(0x9e)}), neighbour_solicitation(target)}, 255));
  };
  deliver(ns(addr("2001:db8:a::77")));
  EXPECT_TRUE(sent().frames.empty());
  deliver(ns(kHa));
  const Sent s = sent();
  ASSERT_EQ(s.frames.size(), 1u);
  ASSERT_EQ(s.icmp.size(), 1u);
  EXPECT_EQ(s.icmp[0][0], wire::icmpv6_type::parameter_problem);  // code 2 goes even to multicast
  EXPECT_EQ(ha->counters().ns_answered, 0u);
  EXPECT_EQ(checks().discarded[index(DiscardReason::unknown_option_action_10)], 1u);
}

// The configured bucket (error_messages_per_second = 2, burst = 3).
TEST_F(HomeAgentReceiveChecksTest, ConfiguredRateLimit) {
  const Octets bad = with_header_in_front(bu_frame(1), hop_by_hop({option(0x9e)}));
  for (int i = 0; i < 10; ++i) deliver(bad);
  EXPECT_EQ(sent().icmp.size(), 3u);
  sched.advance(500ms);
  for (int i = 0; i < 10; ++i) deliver(bad);
  EXPECT_EQ(sent().icmp.size(), 1u);
  EXPECT_EQ(checks().parameter_problems_sent, 4u);
  EXPECT_EQ(checks().rate_limited, 16u);
}

// A type 2 routing header never ends at a Home Agent; one with two
// addresses does not even parse, and is counted by its reason too.
TEST_F(HomeAgentReceiveChecksTest, Type2RoutingHeaders) {
  deliver(with_header_in_front(bu_frame(1), routing(2, 1, {kHoa})));
  deliver(with_header_in_front(bu_frame(2), routing(2, 0, {kHoa})));
  deliver(with_header_in_front(bu_frame(3), routing(2, 1, {kHoa, kHoa})));
  EXPECT_TRUE(sent().frames.empty());
  EXPECT_EQ(ha->bindings().find(kHoa), nullptr);
  EXPECT_EQ(checks().discarded[index(DiscardReason::type2_routing_header_not_mobile_node)], 1u);
  EXPECT_EQ(checks().discarded[index(DiscardReason::type2_routing_header_segments_left)], 1u);
  EXPECT_EQ(checks().discarded[index(DiscardReason::type2_routing_header_bad_length)], 1u);
  EXPECT_EQ(ha->counters().malformed_frames, 1u);
  EXPECT_EQ(ha->counters().bu_received, 0u);
}

}  // namespace
}  // namespace roam6::mip6d::ha
