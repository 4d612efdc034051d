#include <gtest/gtest.h>

#include <vector>

#include "io_test_frames.hpp"
#include "tests/support/mip6d/in_memory_network.hpp"
#include "tests/support/mip6d/simulated_scheduler.hpp"
#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/ipv6.hpp"

namespace roam6::mip6d {
namespace {

using namespace std::chrono_literals;
using test::ip;
using test::mac;
using test::prefix;
using Direction = InMemoryNetwork::Direction;

struct Arrival {
  Port port;
  FrameBytes frame;
  TimePoint at;
};

// Records what reaches a node.
class Recorder {
 public:
  explicit Recorder(PacketIo& io) {
    io.set_handler([this](const ReceivedFrame& f) {
      arrivals.push_back(Arrival{f.port, FrameBytes(f.frame.begin(), f.frame.end()), f.received});
    });
  }
  [[nodiscard]] std::vector<FrameBytes> frames() const {
    std::vector<FrameBytes> out;
    for (const auto& a : arrivals) out.push_back(a.frame);
    return out;
  }
  std::vector<Arrival> arrivals;
};

const wire::MacAddr mac_a = mac("02:00:00:00:00:0a");
const wire::MacAddr mac_b = mac("02:00:00:00:00:0b");
const wire::MacAddr mac_c = mac("02:00:00:00:00:0c");

FrameBytes frame_from_a(std::uint8_t tag, std::uint8_t next_header = wire::ipproto::mobility) {
  return test::ipv6_frame(mac_b, mac_a, ip("2001:db8::a"), ip("2001:db8::b"), next_header, tag);
}

class InMemorySegmentTest : public ::testing::Test {
 protected:
  SimulatedScheduler scheduler;
  InMemoryNetwork network{scheduler};
  SegmentId lan = network.add_segment("lan", 5ms);
  FakePacketIo& a = network.add_node("a", mac_a);
  FakePacketIo& b = network.add_node("b", mac_b);
  FakePacketIo& c = network.add_node("c", mac_c);
  EndpointId link_a = network.connect(a, Port::uplink, lan);
  EndpointId link_b = network.connect(b, Port::uplink, lan);
  EndpointId link_c = network.connect(c, Port::uplink, lan);
  Recorder at_a{a};
  Recorder at_b{b};
  Recorder at_c{c};
};

TEST_F(InMemorySegmentTest, DeliversToEveryOtherEndpointAfterTheDelay) {
  const TimePoint t0 = scheduler.now();
  ASSERT_TRUE(a.send(Port::uplink, frame_from_a(1)));
  EXPECT_EQ(network.in_flight(), 1u);

  scheduler.advance(4ms);
  EXPECT_TRUE(at_b.arrivals.empty());

  scheduler.advance(1ms);
  ASSERT_EQ(at_b.arrivals.size(), 1u);
  EXPECT_EQ(at_b.arrivals[0].frame, frame_from_a(1));
  EXPECT_EQ(at_b.arrivals[0].port, Port::uplink);
  EXPECT_EQ(at_b.arrivals[0].at, t0 + 5ms);
  // A hub: c sees a frame addressed to b; the sender does not get it back.
  ASSERT_EQ(at_c.arrivals.size(), 1u);
  EXPECT_TRUE(at_a.arrivals.empty());
  EXPECT_EQ(network.in_flight(), 0u);

  EXPECT_EQ(network.counters(link_a).sent, 1u);
  EXPECT_EQ(network.counters(link_b).received, 1u);
  EXPECT_EQ(network.counters(link_a).received, 0u);
}

TEST_F(InMemorySegmentTest, KeepsSendOrderEvenWhenTheDelayShrinks) {
  ASSERT_TRUE(a.send(Port::uplink, frame_from_a(1)));
  scheduler.advance(1ms);
  network.set_delay(lan, 1ms);
  ASSERT_TRUE(c.send(Port::uplink, frame_from_a(2)));  // would overtake at 2 ms
  ASSERT_TRUE(a.send(Port::uplink, frame_from_a(3)));

  scheduler.advance(1ms);
  EXPECT_TRUE(at_b.arrivals.empty());
  scheduler.advance(10ms);
  EXPECT_EQ(at_b.frames(),
            (std::vector<FrameBytes>{frame_from_a(1), frame_from_a(2), frame_from_a(3)}));
}

TEST_F(InMemorySegmentTest, DropsTheNextFramesOfALink) {
  network.drop_next(link_a, Direction::outbound, 2);
  for (std::uint8_t tag = 1; tag <= 3; ++tag) a.send(Port::uplink, frame_from_a(tag));
  scheduler.advance(10ms);
  EXPECT_EQ(at_b.frames(), (std::vector<FrameBytes>{frame_from_a(3)}));
  EXPECT_EQ(at_c.frames(), (std::vector<FrameBytes>{frame_from_a(3)}));
  EXPECT_EQ(network.counters(link_a).dropped, 2u);
  EXPECT_EQ(network.counters(link_a).sent, 3u);

  // Inbound loss hits one receiver only.
  network.drop_next(link_b, Direction::inbound, 1);
  a.send(Port::uplink, frame_from_a(4));
  scheduler.advance(10ms);
  EXPECT_EQ(at_b.frames().size(), 1u);
  EXPECT_EQ(at_c.frames().size(), 2u);
  EXPECT_EQ(network.counters(link_b).dropped, 1u);
}

TEST_F(InMemorySegmentTest, DropsFramesAPredicatePicksUntilCleared) {
  network.drop_matching(link_b, Direction::inbound,
                        carries_upper_protocol(wire::ipproto::mobility));
  a.send(Port::uplink, frame_from_a(1, wire::ipproto::mobility));
  a.send(Port::uplink, frame_from_a(2, wire::ipproto::icmpv6));
  scheduler.advance(10ms);
  EXPECT_EQ(at_b.frames(), (std::vector<FrameBytes>{frame_from_a(2, wire::ipproto::icmpv6)}));
  EXPECT_EQ(at_c.frames().size(), 2u);

  network.clear_loss(link_b);
  a.send(Port::uplink, frame_from_a(3, wire::ipproto::mobility));
  scheduler.advance(10ms);
  EXPECT_EQ(at_b.frames().size(), 2u);
}

TEST_F(InMemorySegmentTest, AnswerSentFromAHandlerTakesAnotherDelay) {
  const TimePoint t0 = scheduler.now();
  b.set_handler([&](const ReceivedFrame& f) {
    FrameBytes reply(f.frame.begin(), f.frame.end());
    reply.back() ^= 0xff;
    b.send(Port::uplink, reply);
  });
  a.send(Port::uplink, frame_from_a(1));
  scheduler.advance(20ms);
  ASSERT_EQ(at_a.arrivals.size(), 1u);
  EXPECT_EQ(at_a.arrivals[0].at, t0 + 10ms);
  EXPECT_NE(at_a.arrivals[0].frame, frame_from_a(1));
}

TEST_F(InMemorySegmentTest, MovedEndpointReceivesOnItsNewSegmentOnly) {
  const SegmentId elsewhere = network.add_segment("elsewhere", 1ms);
  FakePacketIo& d = network.add_node("d", mac("02:00:00:00:00:0d"));
  network.connect(d, Port::uplink, elsewhere);
  Recorder at_d{d};

  network.move(link_b, elsewhere);
  a.send(Port::uplink, frame_from_a(1));
  d.send(Port::uplink, frame_from_a(2));
  scheduler.advance(10ms);
  EXPECT_EQ(at_b.frames(), (std::vector<FrameBytes>{frame_from_a(2)}));
  EXPECT_EQ(at_c.frames(), (std::vector<FrameBytes>{frame_from_a(1)}));
}

TEST(InMemoryNetwork, RejectsMisuse) {
  SimulatedScheduler scheduler;
  InMemoryNetwork network{scheduler};
  const SegmentId lan = network.add_segment("lan");
  FakePacketIo outsider;
  EXPECT_THROW(network.connect(outsider, Port::uplink, lan), std::invalid_argument);
  FakePacketIo& node = network.add_node("n", mac_a);
  EXPECT_THROW(network.connect(node, Port::uplink, SegmentId{7}), std::out_of_range);
  network.connect(node, Port::uplink, lan);
  EXPECT_THROW(network.connect(node, Port::uplink, lan), std::logic_error);
  EXPECT_THROW(network.add_segment("bad", -1ms), std::invalid_argument);
}

// Home segment (HA) and foreign segment (a host) joined by one router.
class InMemoryRoutedTest : public ::testing::Test {
 protected:
  const wire::MacAddr ha_mac = mac("02:00:00:00:0a:0a");
  const wire::MacAddr host_mac = mac("02:00:00:00:0b:0b");
  const wire::MacAddr router_home_mac = mac("02:00:00:00:0a:01");
  const wire::MacAddr router_foreign_mac = mac("02:00:00:00:0b:01");
  const wire::Ip6Addr ha_address = ip("2001:db8:a::1");
  const wire::Ip6Addr care_of = ip("2001:db8:b::5");

  SimulatedScheduler scheduler;
  InMemoryNetwork network{scheduler};
  SegmentId home = network.add_segment("home", 2ms);
  SegmentId foreign = network.add_segment("foreign", 3ms);
  FakePacketIo& ha = network.add_node("ha", ha_mac);
  FakePacketIo& host = network.add_node("host", host_mac);
  EndpointId ha_link = network.connect(ha, Port::uplink, home, {ha_address});
  EndpointId host_link = network.connect(host, Port::uplink, foreign, {care_of});
  RouterId router = network.add_router("router");
  EndpointId router_home =
      network.connect_router(router, home, router_home_mac, {prefix("2001:db8:a::/64")});
  EndpointId router_foreign =
      network.connect_router(router, foreign, router_foreign_mac, {prefix("2001:db8:b::/64")});
  Recorder at_ha{ha};
  Recorder at_host{host};

  FrameBytes from_host(const wire::Ip6Addr& dst, std::uint8_t tag, std::uint8_t hop_limit = 64,
                       const wire::MacAddr& dst_mac = {}) {
    const wire::MacAddr to = dst_mac == wire::MacAddr{} ? router_foreign_mac : dst_mac;
    return test::ipv6_frame(to, host_mac, care_of, dst, wire::ipproto::mobility, tag, hop_limit);
  }
};

TEST_F(InMemoryRoutedTest, ForwardsByPrefixRewritingMacsAndDecrementingHopLimit) {
  const TimePoint t0 = scheduler.now();
  host.send(Port::uplink, from_host(ha_address, 1));
  scheduler.advance(10ms);

  ASSERT_EQ(at_ha.arrivals.size(), 1u);
  EXPECT_EQ(at_ha.arrivals[0].at, t0 + 3ms + 2ms);  // foreign hop, then home hop
  const FrameBytes& got = at_ha.arrivals[0].frame;
  const auto ethernet = wire::EthernetView::parse(got);
  ASSERT_TRUE(ethernet);
  EXPECT_EQ(ethernet->dst(), ha_mac);
  EXPECT_EQ(ethernet->src(), router_home_mac);
  const auto packet = wire::Ipv6View::parse(ethernet->payload());
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->hop_limit(), 63);
  // Apart from the MACs and the hop limit, the packet is what the host sent.
  FrameBytes expected = from_host(ha_address, 1, 63, ha_mac);
  (void)wire::write_ethernet_header(expected, ha_mac, router_home_mac, wire::ethertype::ipv6);
  EXPECT_EQ(got, expected);
  EXPECT_EQ(network.counters(router).forwarded, 1u);

  // And back: the HA answers the care-of address through its default router.
  ha.send(Port::uplink, test::ipv6_frame(router_home_mac, ha_mac, ha_address, care_of,
                                         wire::ipproto::mobility, 2, 2));
  scheduler.advance(10ms);
  ASSERT_EQ(at_host.arrivals.size(), 1u);
  const auto back =
      wire::Ipv6View::parse(wire::EthernetView::parse(at_host.arrivals[0].frame)->payload());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->hop_limit(), 1);
  EXPECT_EQ(back->src(), ha_address);
  EXPECT_EQ(network.counters(router).forwarded, 2u);
}

TEST_F(InMemoryRoutedTest, DropsWhatItMustNotOrCannotForward) {
  host.send(Port::uplink, from_host(ha_address, 1, 1));           // would expire on the way
  host.send(Port::uplink, from_host(ip("2001:db8:f::1"), 2));     // no route
  host.send(Port::uplink, from_host(ip("2001:db8:a::99"), 3));    // nobody known there
  host.send(Port::uplink, from_host(ip("fe80::1"), 4));           // link-local stays on its link
  host.send(Port::uplink, from_host(ha_address, 5, 64, ha_mac));  // not addressed to the router
  scheduler.advance(20ms);

  EXPECT_TRUE(at_ha.arrivals.empty());
  const auto& counters = network.counters(router);
  EXPECT_EQ(counters.hop_limit_exceeded, 1u);
  EXPECT_EQ(counters.no_route, 1u);
  EXPECT_EQ(counters.no_neighbor, 1u);
  EXPECT_EQ(counters.not_forwardable, 1u);
  EXPECT_EQ(counters.forwarded, 0u);

  // A neighbour learnt later is reachable.
  network.set_neighbor(home, ip("2001:db8:a::99"), ha_mac);
  host.send(Port::uplink, from_host(ip("2001:db8:a::99"), 6));
  scheduler.advance(20ms);
  EXPECT_EQ(at_ha.arrivals.size(), 1u);
}

TEST_F(InMemoryRoutedTest, PicksTheLongestMatchingPrefix) {
  const SegmentId lab = network.add_segment("lab", 1ms);
  FakePacketIo& lab_node = network.add_node("lab", mac("02:00:00:00:0c:0c"));
  network.connect(lab_node, Port::uplink, lab, {ip("2001:db8:a:0:1::7")});
  network.connect_router(router, lab, mac("02:00:00:00:0c:01"), {prefix("2001:db8:a:0:1::/80")});
  Recorder at_lab{lab_node};

  host.send(Port::uplink, from_host(ip("2001:db8:a:0:1::7"), 1));
  host.send(Port::uplink, from_host(ha_address, 2));
  scheduler.advance(20ms);
  EXPECT_EQ(at_lab.arrivals.size(), 1u);
  EXPECT_EQ(at_ha.arrivals.size(), 1u);
}

TEST_F(InMemoryRoutedTest, LosesARoutedFrameOnTheFarLink) {
  // A lost Binding Acknowledgement: dropped as the router puts it on the
  // foreign segment; the BU itself got through.
  network.drop_matching(router_foreign, Direction::outbound,
                        carries_upper_protocol(wire::ipproto::mobility));
  host.send(Port::uplink, from_host(ha_address, 1));
  scheduler.advance(10ms);
  ha.send(Port::uplink, test::ipv6_frame(router_home_mac, ha_mac, ha_address, care_of,
                                         wire::ipproto::mobility, 2));
  scheduler.advance(10ms);
  EXPECT_EQ(at_ha.arrivals.size(), 1u);
  EXPECT_TRUE(at_host.arrivals.empty());
  EXPECT_EQ(network.counters(router_foreign).dropped, 1u);
  EXPECT_EQ(network.counters(router).forwarded, 2u);
  (void)router_home;
  (void)ha_link;
  (void)host_link;
}

}  // namespace
}  // namespace roam6::mip6d
