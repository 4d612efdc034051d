// The host applies the receive checks (RFC 8200 4.2/4.4, RFC 6275 6.4) to
// what it acts on: Binding Acknowledgements and other messages from the Home
// Agent, solicitations of its care-of address, and its guests' Router and
// Neighbour Solicitations.

#include <gtest/gtest.h>

#include "hand_built_packets.hpp"
#include "mip6d/config/config_loader.hpp"
#include "mip6d/host/host_agent.hpp"
#include "tests/support/mip6d/fake_packet_io.hpp"
#include "mip6d/io/recording_forwarding_table.hpp"
#include "tests/support/mip6d/simulated_scheduler.hpp"
#include "roam6/wire/checksum.hpp"
#include "roam6/wire/icmpv6.hpp"
#include "roam6/wire/mobility_packet.hpp"
#include "roam6/wire/neighbour_discovery.hpp"

namespace roam6::mip6d::host {
namespace {

using namespace std::chrono_literals;
using namespace test;
using wire::Ip6Addr;
using wire::MacAddr;

Ip6Addr addr(const char* s) { return *Ip6Addr::parse(s); }
MacAddr mac(const char* s) { return *MacAddr::parse(s); }

constexpr const char* kConfig = R"(
role = "host"
node_name = "host-b1"
[interfaces]
uplink = "eth0"
guests = "guests0"
[host]
site = "site-b"
care_of_address = "2001:db8:b::2"
key = "site-b-hosts"
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
[[guests]]
name = "g1"
mac = "52:54:00:00:00:01"
home_address = "2001:db8:a::100"
home_site = "site-a"
)";

const MacAddr kUplinkMac = mac("02:00:00:00:0b:02");
const MacAddr kGuestsMac = mac("02:00:00:00:0b:03");
const MacAddr kSiteRouterMac = mac("02:00:00:00:0b:01");
const MacAddr kGuestMac = mac("52:54:00:00:00:01");
const MacAddr kHomeRouterMac = mac("02:00:00:00:0a:01");
const Ip6Addr kHoa = addr("2001:db8:a::100");
const Ip6Addr kCoa = addr("2001:db8:b::2");
const Ip6Addr kHa = addr("2001:db8:a::1");
const Ip6Addr kGuestLinkLocal = addr("fe80::5054:ff:fe00:1");

std::size_t index(DiscardReason r) { return static_cast<std::size_t>(r); }

class HostReceiveChecksTest : public ::testing::Test {
 protected:
  HostReceiveChecksTest() : config(load()), ha_keys(config.keys), io(kUplinkMac, kGuestsMac) {
    agent = std::make_unique<HostAgent>(config, sched, io, fib, log);
    agent->start();
    agent->attach("g1", std::nullopt, std::nullopt);
    agent->resume("g1", sched.wall_now());
    // The first BU: its timestamp is what the HA's BA echoes (RFC 4285 6).
    for (const auto& f : io.take_sent(Port::uplink)) {
      const auto eth = wire::EthernetView::parse(f);
      wire::MobilityPacket p;
      ReceivedBindingUpdate bu;
      if (eth && wire::decode_mobility_packet(eth->payload(), p) == wire::Errc::ok &&
          check_binding_update(p, ha_keys, bu).ok() && bu.timestamp)
        first_bu_timestamp = *bu.timestamp;
    }
    io.take_sent(Port::guests);  // the RA at resume
  }
  static Config load() {
    auto r = load_config_string(kConfig, "host-test.toml");
    if (!r) throw std::runtime_error(r.error_report());
    return std::move(r).config();
  }
  // The Home Agent's acceptance of the BU the host sent first (sequence of
  // the registration), as a frame from the site router.
  Octets ack_frame() {
    const auto seq = agent->guest("g1")->last_sequence;
    EXPECT_TRUE(seq);
    Octets f(512);
    const auto head = wire::write_ethernet_header(f, kUplinkMac, kSiteRouterMac, wire::ethertype::ipv6);
    BindingAckSpec s;
    s.home_agent = kHa;
    s.care_of_address = kCoa;
    s.home_address = kHoa;
    s.sequence = *seq;
    s.lifetime = 600s;
    s.timestamp = first_bu_timestamp;
    const auto n = write_binding_ack(wire::MutableByteSpan(f).subspan(*head), s, *ha_keys.find(1001u));
    EXPECT_TRUE(n);
    f.resize(*head + *n);
    return f;
  }
  void deliver(Port port, const Octets& frame) {
    io.inject(port, frame, sched.now());
    sched.run_ready();
  }
  RegistrationState state() { return agent->guest("g1")->state; }
  std::uint64_t first_bu_timestamp = 0;
  const ReceiveCheckCounters& checks() const { return agent->counters().receive_checks; }

  // The one ICMPv6 message sent on `port`, checked against `eth_src` / `src`.
  Octets one_icmp(Port port, const MacAddr& eth_dst, const MacAddr& eth_src, const Ip6Addr& src,
                  const Ip6Addr& dst) {
    const auto sent = io.take_sent(port);
    EXPECT_EQ(sent.size(), 1u);
    if (sent.size() != 1) return {};
    const auto eth = wire::EthernetView::parse(sent[0]);
    EXPECT_EQ(eth->dst(), eth_dst);
    EXPECT_EQ(eth->src(), eth_src);
    const auto ip = wire::Ipv6View::parse(eth->payload());
    EXPECT_EQ(ip->src(), src);
    EXPECT_EQ(ip->dst(), dst);
    const auto icmp = wire::parse_icmpv6(*ip, ip->payload());
    EXPECT_TRUE(icmp);
    if (!icmp) return {};
    return Octets(icmp->message().begin(), icmp->message().end());
  }

  Config config;
  KeyRing ha_keys;
  SimulatedScheduler sched;
  FakePacketIo io;
  RecordingForwardingTable fib;
  std::vector<std::string> lines;
  Logger log{LogLevel::debug, [this](LogLevel, std::string_view l) { lines.emplace_back(l); }};
  std::unique_ptr<HostAgent> agent;
};

// RFC 6275 6.4: Segments Left of a type 2 routing header is 1. A BA whose
// header says 0 (checksum and authenticator valid for that reading) is
// discarded; the same BA with Segments Left 1 completes the registration.
TEST_F(HostReceiveChecksTest, AckWithType2SegmentsLeftOtherThanOneIsDiscarded) {
  const Octets good = ack_frame();
  Octets bad = good;
  constexpr std::size_t rh = 14 + 40;
  ASSERT_EQ(bad[rh + 2], 2);  // routing type 2
  ASSERT_EQ(bad[rh + 3], 1);
  bad[rh + 3] = 0;
  // With no segment left the MH's pseudo-header destination is the IPv6 one.
  const std::size_t mh = rh + 24;
  ASSERT_EQ(wire::write_mobility_header_checksum(wire::MutableByteSpan(bad).subspan(mh), kHa, kCoa), wire::Errc::ok);
  deliver(Port::uplink, bad);
  EXPECT_EQ(state(), RegistrationState::registering);
  EXPECT_EQ(agent->counters().ba_received, 0u);
  EXPECT_EQ(checks().discarded[index(DiscardReason::type2_routing_header_segments_left)], 1u);
  EXPECT_TRUE(io.take_sent(Port::uplink).empty());

  deliver(Port::uplink, good);
  EXPECT_EQ(state(), RegistrationState::bound);
}

// RFC 8200 4.2: a BA with an action-10 option is not taken; the Home Agent
// hears of it in a Parameter Problem from the care-of address.
TEST_F(HostReceiveChecksTest, AckWithUnknownOptionGetsParameterProblem) {
  const Octets bad = with_header_in_front(ack_frame(), destination_options({option(0x9e)}));
  deliver(Port::uplink, bad);
  EXPECT_EQ(state(), RegistrationState::registering);
  const Octets pp = one_icmp(Port::uplink, kSiteRouterMac, kUplinkMac, kCoa, kHa);
  ASSERT_GE(pp.size(), 8u);
  EXPECT_EQ(pp[0], wire::icmpv6_type::parameter_problem);
  EXPECT_EQ(pp[1], wire::parameter_problem_code::unrecognised_option);
  EXPECT_EQ(wire::load_be32(pp.data() + 4), 42u);
  EXPECT_EQ(checks().parameter_problems_sent, 1u);
  // Action 00 is skipped: the BA counts.
  deliver(Port::uplink, with_header_in_front(ack_frame(), destination_options({option(0x1e)})));
  EXPECT_EQ(state(), RegistrationState::bound);
}

// The guest port: a Router Solicitation with an unknown routing header
// (Segments Left 1) gets Parameter Problem code 0 from the home router, not
// a Router Advertisement; an action-01 option, nothing.
TEST_F(HostReceiveChecksTest, GuestSolicitationsAreCheckedToo) {
  const auto rs = [](Header in_front) {
    return ethernet(mac("33:33:00:00:00:02"), kGuestMac,
                    packet(kGuestLinkLocal, addr("ff02::2"), {std::move(in_front), icmpv6(133)}, 255));
  };
  deliver(Port::guests, rs(routing(253, 1, {addr("fe80::1")})));
  // Code 0 to a multicast destination is not allowed (RFC 4443 2.4 (e.2)).
  EXPECT_TRUE(io.take_sent(Port::guests).empty());
  EXPECT_EQ(checks().not_allowed, 1u);
  // Sent to the router's own address it is answered, as the router.
  deliver(Port::guests, ethernet(kHomeRouterMac, kGuestMac,
                                 packet(kGuestLinkLocal, addr("fe80::1"), {routing(253, 1, {addr("fe80::1")}), icmpv6(133)}, 255)));
  const Octets pp = one_icmp(Port::guests, kGuestMac, kHomeRouterMac, addr("fe80::1"), kGuestLinkLocal);
  ASSERT_GE(pp.size(), 8u);
  EXPECT_EQ(pp[0], wire::icmpv6_type::parameter_problem);
  EXPECT_EQ(pp[1], wire::parameter_problem_code::erroneous_header_field);
  EXPECT_EQ(wire::load_be32(pp.data() + 4), 42u);
  deliver(Port::guests, rs(destination_options({option(0x7e)})));
  EXPECT_TRUE(io.take_sent(Port::guests).empty());
  EXPECT_EQ(agent->counters().rs_answered, 0u);
  EXPECT_EQ(checks().discarded[index(DiscardReason::unknown_routing_type)], 2u);
  EXPECT_EQ(checks().discarded[index(DiscardReason::unknown_option_action_01)], 1u);
}

// A solicitation of the care-of address with an action-11 option sent to
// the solicited-node group: discarded without an answer (RFC 8200 4.2).
TEST_F(HostReceiveChecksTest, CareOfSolicitationWithAction11ToMulticast) {
  const Ip6Addr group = wire::solicited_node_multicast(kCoa);
  deliver(Port::uplink, ethernet(wire::multicast_mac(group), kSiteRouterMac,
                                 packet(addr("fe80::ff"), group, {hop_by_hop({option(0xfe)}), neighbour_solicitation(kCoa)},
                                        255)));
  EXPECT_TRUE(io.take_sent(Port::uplink).empty());
  EXPECT_EQ(agent->counters().ns_answered, 0u);
  EXPECT_EQ(checks().discarded[index(DiscardReason::unknown_option_action_11)], 1u);
  EXPECT_EQ(checks().not_allowed, 0u);
}

}  // namespace
}  // namespace roam6::mip6d::host
