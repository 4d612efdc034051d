// The Home Agent role's pipeline against a real binding table and punt
// queue: every path and drop reason of home_agent_pipeline.hpp.

#include <gtest/gtest.h>

#include "datapath/pipeline/home_agent_pipeline.hpp"
#include "pipeline_harness.hpp"
#include "roam6/wire/tunnel.hpp"

namespace roam6::datapath {
namespace {

using namespace test;
using wire::load_be16;
using wire::load_be32;

const auto ha_address = ip("2001:db8:a::1");
const auto port_mac = mac("02:00:00:00:0a:01");
const auto router_mac = mac("02:00:00:00:0a:fe");
const auto sender_mac = mac("02:00:00:00:0a:77");
const auto hoa1 = ip("2001:db8:a::10");
const auto coa1 = ip("2001:db8:b::2");
const auto hoa2 = ip("2001:db8:a::20");
const auto coa2 = ip("2001:db8:d::2");
const auto correspondent = ip("2001:db8:c::1");

HomeAgentSettings ha_settings() {
  HomeAgentSettings s;
  s.address = ha_address;
  s.port_mac = port_mac;
  s.router_mac = router_mac;
  s.mtu = 1500;
  s.tunnel.hop_limit = 61;
  s.tunnel.flow_label_key = 99;
  s.icmp_errors = {100, 1};
  return s;
}

class HomeAgentPipelineTest : public ::testing::Test {
 protected:
  HomeAgentPipelineTest() : h(ha_address), pipeline(ha_settings()) {
    EXPECT_TRUE(h.table.set_tunnel({hoa1, coa1}));
  }
  void receive(const std::vector<Bytes>& frames) {
    std::vector<rte_mbuf*> m;
    for (const auto& f : frames) m.push_back(to_mbuf(h.pool, f));
    pipeline.from_uplink(h.ctx, m.data(), static_cast<std::uint16_t>(m.size()));
    pipeline.housekeeping(h.ctx);
    h.flush();
  }
  static Bytes to_home_address(const wire::Ip6Addr& hoa, std::size_t data = 40, std::uint8_t hop = 64) {
    return ethernet_frame(port_mac, sender_mac, udp_packet({correspondent, hoa, hop, 0x20, 0}, data));
  }
  static Bytes from_care_of(const wire::Ip6Addr& coa, const Bytes& inner) {
    return ethernet_frame(port_mac, sender_mac, ip6ip6_packet({coa, ha_address, 55, 0, 3}, inner));
  }

  PipelineHarness h;
  HomeAgentPipeline pipeline;
};

TEST_F(HomeAgentPipelineTest, TrafficToAnAwayHomeAddressIsTunnelledToItsCareOfAddress) {
  const Bytes frame = to_home_address(hoa1, 40);
  receive({frame});
  ASSERT_EQ(h.uplink_sink.packets.size(), 1u);
  const Bytes out = h.uplink_sink.frames()[0];
  ASSERT_EQ(out.size(), frame.size() + 40);
  EXPECT_EQ(wire::MacAddr::from_bytes(out.data()), router_mac);
  EXPECT_EQ(wire::MacAddr::from_bytes(out.data() + 6), port_mac);
  const auto outer = *wire::Ipv6View::parse({out.data() + 14, out.size() - 14});
  EXPECT_EQ(outer.src(), ha_address);
  EXPECT_EQ(outer.dst(), coa1);
  EXPECT_EQ(outer.hop_limit(), 61);
  EXPECT_EQ(outer.next_header(), 41);
  EXPECT_EQ(outer.traffic_class(), 0x20);
  EXPECT_EQ(outer.flow_label(), wire::derive_flow_label(correspondent, hoa1, 17, 99));
  EXPECT_EQ(outer.payload_length(), frame.size() - 14);
  Bytes expected(frame.begin() + 14, frame.end());
  expected[7] = 63;
  EXPECT_EQ(Bytes(out.begin() + 54, out.end()), expected);
  EXPECT_TRUE(h.only(Disposition::encapsulated, 1, DatapathPort::uplink));
  EXPECT_EQ(h.table.tunnel_counters(hoa1)->encapsulated_packets, 1u);
  EXPECT_EQ(h.table.tunnel_counters(hoa1)->encapsulated_bytes, frame.size() - 14);
}

TEST_F(HomeAgentPipelineTest, TooBigForTheTunnelGetsPacketTooBigFromTheHomeAgent) {
  const Bytes big = to_home_address(hoa1, 1500 - 40 - 48 + 1);
  receive({big, big});
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_too_big), 2u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::packet_too_big_sent), 1u);
  EXPECT_EQ(h.counters.packet_too_big_suppressed, 1u);  // burst of one
  ASSERT_EQ(h.uplink_sink.packets.size(), 1u);
  const Bytes ptb = h.uplink_sink.frames()[0];
  EXPECT_EQ(wire::MacAddr::from_bytes(ptb.data()), sender_mac);
  EXPECT_EQ(wire::MacAddr::from_bytes(ptb.data() + 6), port_mac);
  const auto ip6 = *wire::Ipv6View::parse({ptb.data() + 14, ptb.size() - 14});
  EXPECT_EQ(ip6.src(), ha_address);
  EXPECT_EQ(ip6.dst(), correspondent);
  EXPECT_EQ(ip6.packet().size(), 1280u);
  const auto icmp = wire::parse_icmpv6(ip6, ip6.payload());
  ASSERT_TRUE(icmp.ok());
  EXPECT_EQ(icmp->type(), 2);
  EXPECT_EQ(load_be32(ptb.data() + 14 + 44), 1460u);
}

TEST_F(HomeAgentPipelineTest, HopLimitOneToAHomeAddressGetsTimeExceededFromTheHomeAgent) {
  const Bytes offending = to_home_address(hoa1, 8, 1);
  receive({offending});
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_hop_limit), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::time_exceeded_sent), 1u);
  EXPECT_EQ(h.total(DatapathPort::uplink), 2u);
  ASSERT_EQ(h.uplink_sink.packets.size(), 1u);
  const Bytes te = h.uplink_sink.frames()[0];
  EXPECT_EQ(wire::MacAddr::from_bytes(te.data()), sender_mac);
  EXPECT_EQ(wire::MacAddr::from_bytes(te.data() + 6), port_mac);
  const auto ip6 = *wire::Ipv6View::parse({te.data() + 14, te.size() - 14});
  EXPECT_EQ(ip6.src(), ha_address);
  EXPECT_EQ(ip6.dst(), correspondent);
  const auto icmp = wire::parse_icmpv6(ip6, ip6.payload());
  ASSERT_TRUE(icmp.ok());
  EXPECT_EQ(icmp->type(), 3);  // RFC 4443 3.3: Time Exceeded,
  EXPECT_EQ(icmp->code(), 0);  // hop limit exceeded in transit
  EXPECT_EQ(load_be32(te.data() + 14 + 44), 0u);
  EXPECT_EQ(Bytes(te.begin() + 14 + 48, te.end()), Bytes(offending.begin() + 14, offending.end()));
}

TEST_F(HomeAgentPipelineTest, TunnelFromTheRegisteredCareOfAddressIsDecapsulatedToTheRouter) {
  const Bytes inner = udp_packet({hoa1, correspondent, 40, 0x01, 5}, 30);
  Bytes frame = from_care_of(coa1, inner);
  frame[14 + 1] = static_cast<std::uint8_t>(frame[14 + 1] | 0x30);  // outer CE
  receive({frame});
  ASSERT_EQ(h.uplink_sink.packets.size(), 1u);
  const Bytes out = h.uplink_sink.frames()[0];
  ASSERT_EQ(out.size(), 14 + inner.size());
  EXPECT_EQ(wire::MacAddr::from_bytes(out.data()), router_mac);
  EXPECT_EQ(wire::MacAddr::from_bytes(out.data() + 6), port_mac);
  EXPECT_EQ(load_be16(out.data() + 12), 0x86dd);
  Bytes expected = inner;
  expected[1] = static_cast<std::uint8_t>(expected[1] | 0x30);  // ECT(1) -> CE
  EXPECT_EQ(Bytes(out.begin() + 14, out.end()), expected);
  EXPECT_TRUE(h.only(Disposition::decapsulated, 1, DatapathPort::uplink));
  EXPECT_EQ(h.table.tunnel_counters(hoa1)->decapsulated_packets, 1u);
  EXPECT_EQ(h.table.tunnel_counters(hoa1)->decapsulated_bytes, inner.size());
}

TEST_F(HomeAgentPipelineTest, TwoAwayGuestsTalkThroughTheHomeAgentWithoutTheRouter) {
  ASSERT_TRUE(h.table.set_tunnel({hoa2, coa2}));
  const Bytes inner = udp_packet({hoa1, hoa2, 40}, 12);
  receive({from_care_of(coa1, inner)});
  ASSERT_EQ(h.uplink_sink.packets.size(), 1u);
  const Bytes out = h.uplink_sink.frames()[0];
  ASSERT_EQ(out.size(), 14 + 40 + inner.size());
  EXPECT_EQ(wire::MacAddr::from_bytes(out.data()), router_mac);
  const auto outer = *wire::Ipv6View::parse({out.data() + 14, out.size() - 14});
  EXPECT_EQ(outer.src(), ha_address);
  EXPECT_EQ(outer.dst(), coa2);
  EXPECT_EQ(outer.hop_limit(), 61);
  const auto again = *wire::Ipv6View::parse(outer.payload());
  EXPECT_EQ(again.src(), hoa1);
  EXPECT_EQ(again.dst(), hoa2);
  EXPECT_EQ(again.hop_limit(), 39);
  EXPECT_TRUE(h.only(Disposition::encapsulated, 1, DatapathPort::uplink));
  EXPECT_EQ(h.table.tunnel_counters(hoa1)->decapsulated_packets, 1u);
  EXPECT_EQ(h.table.tunnel_counters(hoa2)->encapsulated_packets, 1u);
}

TEST_F(HomeAgentPipelineTest, TunnelDropsByReason) {
  const Bytes good_inner = udp_packet({hoa1, correspondent}, 8);
  Bytes truncated = from_care_of(coa1, good_inner);
  truncated[14 + 5] = 20;
  truncated.resize(14 + 40 + 20);
  const Bytes link_scope_inner = udp_packet({hoa1, ip("fe80::1")}, 8);
  receive({
      from_care_of(coa2, good_inner),                                   // wrong source
      from_care_of(coa1, udp_packet({ip("2001:db8:a::99"), correspondent}, 8)),  // no binding
      truncated,                                                        // inner cut
      from_care_of(coa1, link_scope_inner),
      ethernet_frame(port_mac, sender_mac,
                     ip6ip6_packet({coa1, ip("2001:db8:a::5")}, good_inner)),  // not to us
  });
  EXPECT_TRUE(h.uplink_sink.packets.empty());
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_tunnel_wrong_source), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_tunnel_unknown_binding), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_tunnel_malformed), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_link_scope), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_tunnel_not_for_us), 1u);
  EXPECT_EQ(h.total(DatapathPort::uplink), 5u);
}

TEST_F(HomeAgentPipelineTest, SignallingAndNeighbourDiscoveryArePuntedTheRestIsNotOurs) {
  const Bytes bu = ethernet_frame(port_mac, sender_mac, mobility_packet({coa1, ha_address}));
  const Bytes ns_multicast = ethernet_frame(mac("33:33:ff:00:00:10"), sender_mac,
                                            icmpv6_packet({ip("fe80::fe"), ip("ff02::1:ff00:10"), 255}, 135));
  const Bytes ns_to_hoa = ethernet_frame(port_mac, sender_mac,
                                         icmpv6_packet({ip("fe80::fe"), hoa1, 255}, 135));
  const Bytes echo_to_ha = ethernet_frame(port_mac, sender_mac,
                                          icmpv6_packet({correspondent, ha_address}, 128));
  const Bytes to_nobody = to_home_address(ip("2001:db8:a::55"));
  const Bytes link_local_to_hoa =
      ethernet_frame(port_mac, sender_mac, udp_packet({ip("fe80::fe"), hoa1}, 8));
  const Bytes arp = ethernet_frame(port_mac, sender_mac, Bytes(28), wire::ethertype::arp);
  Bytes short_ipv6 = to_home_address(hoa1);
  short_ipv6.resize(short_ipv6.size() - 1);
  h.ctx.now_tsc = 31337;
  receive({bu, ns_multicast, ns_to_hoa, echo_to_ha, to_nobody, link_local_to_hoa, arp, short_ipv6,
           Bytes(5)});
  const auto punted = h.punted();
  ASSERT_EQ(punted.size(), 3u);
  EXPECT_EQ(bytes_of(punted[0]), bu);
  EXPECT_EQ(bytes_of(punted[1]), ns_multicast);
  EXPECT_EQ(bytes_of(punted[2]), ns_to_hoa);
  EXPECT_EQ(PuntQueue::tsc_of(punted[0]), 31337u);
  EXPECT_EQ(PuntQueue::port_of(punted[0]), DatapathPort::uplink);
  EXPECT_TRUE(h.uplink_sink.packets.empty());
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::punted), 3u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_not_for_us), 3u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_link_scope), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_malformed), 2u);
  EXPECT_EQ(h.total(DatapathPort::uplink), h.counters.port[0].rx_packets);
}

TEST_F(HomeAgentPipelineTest, LargeBurstsAreProcessedInChunks) {
  ASSERT_TRUE(h.table.set_tunnel({hoa2, coa2}));
  std::vector<Bytes> frames;
  for (int i = 0; i < 100; ++i) frames.push_back(to_home_address(i % 2 ? hoa1 : hoa2, 8));
  receive(frames);
  EXPECT_EQ(h.uplink_sink.packets.size(), 100u);
  EXPECT_EQ(h.table.tunnel_counters(hoa1)->encapsulated_packets, 50u);
  EXPECT_EQ(h.table.tunnel_counters(hoa2)->encapsulated_packets, 50u);
  EXPECT_EQ(h.counters.port[0].rx_packets, 100u);
}

TEST_F(HomeAgentPipelineTest, WithHomePrefixesAnInnerDestinationOutsideThemIsNotLookedUp) {
  // mip6d's registrar accepts no home address outside the prefixes; a
  // binding there is set here only to show that a decapsulated packet to
  // it goes to the router (its destination was not looked up), while its
  // own packets are still found by their inner source.
  const auto outside_hoa = ip("2001:db8:e::5");
  const auto outside_coa = ip("2001:db8:d::5");
  ASSERT_TRUE(h.table.set_tunnel({hoa2, coa2}));
  ASSERT_TRUE(h.table.set_tunnel({outside_hoa, outside_coa}));
  HomeAgentSettings settings = ha_settings();
  settings.home_prefixes = {*wire::Ip6Prefix::parse("2001:db8:f::/48"),
                            *wire::Ip6Prefix::parse("2001:db8:a::/52")};
  HomeAgentPipeline filtered(settings);
  // Mixed, over several chunks, so that packets with one key and two sit
  // side by side in one bulk lookup.
  std::vector<Bytes> frames;
  for (int i = 0; i < 20; ++i) {
    frames.push_back(to_home_address(hoa1, 8));                                   // into hoa1's tunnel
    frames.push_back(from_care_of(coa1, udp_packet({hoa1, correspondent}, 8)));    // to the router
    frames.push_back(from_care_of(coa1, udp_packet({hoa1, outside_hoa}, 8)));      // to the router
    frames.push_back(from_care_of(coa1, udp_packet({hoa1, hoa2}, 8)));             // into hoa2's tunnel
    frames.push_back(from_care_of(outside_coa, udp_packet({outside_hoa, hoa1}, 8)));  // into hoa1's
  }
  std::vector<rte_mbuf*> m;
  for (const auto& f : frames) m.push_back(to_mbuf(h.pool, f));
  filtered.from_uplink(h.ctx, m.data(), static_cast<std::uint16_t>(m.size()));
  h.flush();
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::encapsulated), 60u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::decapsulated), 40u);
  EXPECT_EQ(h.total(DatapathPort::uplink), 100u);
  ASSERT_EQ(h.uplink_sink.packets.size(), 100u);
  const auto frames_out = h.uplink_sink.frames();
  const auto destination = [](const Bytes& frame) {
    return wire::Ipv6View::parse({frame.data() + 14, frame.size() - 14})->dst();
  };
  for (std::size_t i = 0; i < frames_out.size(); i += 5) {
    EXPECT_EQ(destination(frames_out[i]), coa1);
    EXPECT_EQ(destination(frames_out[i + 1]), correspondent);
    EXPECT_EQ(destination(frames_out[i + 2]), outside_hoa);
    EXPECT_EQ(destination(frames_out[i + 3]), coa2);
    EXPECT_EQ(destination(frames_out[i + 4]), coa1);
  }
  EXPECT_EQ(h.table.tunnel_counters(hoa1)->encapsulated_packets, 40u);
  EXPECT_EQ(h.table.tunnel_counters(hoa1)->decapsulated_packets, 60u);
  EXPECT_EQ(h.table.tunnel_counters(hoa2)->encapsulated_packets, 20u);
  EXPECT_EQ(h.table.tunnel_counters(outside_hoa)->encapsulated_packets, 0u);
  EXPECT_EQ(h.table.tunnel_counters(outside_hoa)->decapsulated_packets, 20u);
}

}  // namespace
}  // namespace roam6::datapath

namespace roam6::datapath {
namespace {

TEST_F(HomeAgentPipelineTest, ReverseTunnelledHopLimitZeroGetsTimeExceededThroughTheTunnel) {
  const Bytes inner = udp_packet({hoa1, correspondent, 0}, 20);
  receive({from_care_of(coa1, inner)});
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_hop_limit), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::time_exceeded_sent), 1u);
  ASSERT_EQ(h.uplink_sink.packets.size(), 1u);
  const Bytes out = h.uplink_sink.frames()[0];
  EXPECT_EQ(wire::MacAddr::from_bytes(out.data()), router_mac);
  EXPECT_EQ(wire::MacAddr::from_bytes(out.data() + 6), port_mac);
  const auto outer = *wire::Ipv6View::parse({out.data() + 14, out.size() - 14});
  EXPECT_EQ(outer.src(), ha_address);
  EXPECT_EQ(outer.dst(), coa1);
  EXPECT_EQ(outer.next_header(), 41);
  EXPECT_EQ(outer.hop_limit(), 61);
  const auto error = *wire::Ipv6View::parse(outer.payload());
  EXPECT_EQ(error.src(), ha_address);
  EXPECT_EQ(error.dst(), hoa1);
  EXPECT_EQ(error.hop_limit(), 64) << "originated here: not decremented";
  const auto icmp = wire::parse_icmpv6(error, error.payload());
  ASSERT_TRUE(icmp.ok());
  EXPECT_EQ(icmp->type(), 3);
  EXPECT_EQ(icmp->code(), 0);
  EXPECT_EQ(Bytes(out.begin() + 14 + 40 + 48, out.end()), inner);
}

TEST_F(HomeAgentPipelineTest, FragmentedReverseTunnelIsReassembledThenDecapsulated) {
  const Bytes inner = udp_packet({hoa1, correspondent, 30}, 1232);
  const Bytes packet = ip6ip6_packet({coa1, ha_address, 55}, inner);
  auto piece = [&](std::size_t offset, std::size_t length, bool more) {
    Bytes f(48 + length);
    std::memcpy(f.data(), packet.data(), 40);
    f[6] = wire::ipproto::fragment;
    wire::store_be16(f.data() + 4, static_cast<std::uint16_t>(8 + length));
    f[40] = wire::ipproto::ipv6;
    wire::store_be16(f.data() + 42, static_cast<std::uint16_t>(offset | (more ? 1 : 0)));
    wire::store_be32(f.data() + 44, 0xabcd);
    std::memcpy(f.data() + 48, packet.data() + 40 + offset, length);
    return ethernet_frame(port_mac, sender_mac, f);
  };
  receive({piece(640, 640, false), piece(0, 640, true)});
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::reassembled), 2u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::decapsulated), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::reassembling), 0u);
  ASSERT_EQ(h.uplink_sink.packets.size(), 1u);
  const Bytes out = h.uplink_sink.frames()[0];
  EXPECT_EQ(wire::MacAddr::from_bytes(out.data()), router_mac);
  EXPECT_EQ(Bytes(out.begin() + 14, out.end()), inner);
}

TEST_F(HomeAgentPipelineTest, SmallPacketOverTheLinkMtuLeavesAsOuterFragments) {
  auto settings = ha_settings();
  settings.mtu = 1280;
  HomeAgentPipeline small(settings);
  rte_mbuf* m = to_mbuf(h.pool, to_home_address(hoa1, 1280 - 48));
  small.from_uplink(h.ctx, &m, 1);
  h.flush();
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::encapsulated), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::fragments_sent), 2u);
  const auto frames = h.uplink_sink.frames();
  ASSERT_EQ(frames.size(), 2u);
  for (const Bytes& f : frames) {
    EXPECT_LE(f.size() - 14, 1280u);
    const auto outer = *wire::Ipv6View::parse({f.data() + 14, f.size() - 14});
    EXPECT_EQ(outer.src(), ha_address);
    EXPECT_EQ(outer.dst(), coa1);
    EXPECT_EQ(outer.next_header(), 44);
  }
}

}  // namespace
}  // namespace roam6::datapath
