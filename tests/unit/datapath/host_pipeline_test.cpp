// The host role's pipeline against a real binding table and punt queue:
// every path and drop reason of host_pipeline.hpp, checked field by field.

#include <gtest/gtest.h>
#include <rte_cycles.h>

#include "datapath/elements/hold_queues.hpp"
#include "datapath/pipeline/host_pipeline.hpp"
#include "pipeline_harness.hpp"
#include "roam6/wire/tunnel.hpp"

namespace roam6::datapath {
namespace {

using namespace test;
using wire::load_be16;
using wire::load_be32;

const auto guest_mac = mac("52:54:00:00:00:10");
const auto other_mac = mac("52:54:00:00:00:99");
const auto router_mac = mac("02:00:00:00:aa:01");
const auto uplink_mac = mac("02:00:00:00:bb:01");
const auto site_router_mac = mac("02:00:00:00:cc:01");
const auto home_address = ip("2001:db8:a::10");
const auto guest_link_local = ip("fe80::5054:ff:fe00:10");
const auto home_agent = ip("2001:db8:a::1");
const auto care_of = ip("2001:db8:b::2");
const auto router_link_local = ip("fe80::1");
const auto correspondent = ip("2001:db8:c::1");

HostSettings host_settings() {
  HostSettings s;
  s.care_of_address = care_of;
  s.uplink_mac = uplink_mac;
  s.next_hop_mac = site_router_mac;
  s.uplink_mtu = 1500;
  s.tunnel.hop_limit = 60;
  s.tunnel.flow_label_key = 0x1234;
  s.icmp_errors = {100, 2};
  s.hold = {4, 2, 50};
  s.liveness_interval_ms = 1000;
  return s;
}

GuestSpec away_guest(bool resumed = true);

// A second guest, away and resumed, beside the first.
GuestSpec other_away_guest() {
  GuestSpec g = away_guest(true);
  g.mac = other_mac;
  g.home_address = ip("2001:db8:a::11");
  g.link_local = ip("fe80::5054:ff:fe00:11");
  return g;
}

// Running here, its migration away begun (guest.migrating).
GuestSpec migrating_away_guest() {
  GuestSpec g = away_guest(true);
  g.keep_recent = true;
  return g;
}

GuestSpec away_guest(bool resumed) {
  GuestSpec g;
  g.mac = guest_mac;
  g.home_address = home_address;
  g.link_local = guest_link_local;
  g.away = true;
  g.home_agent = home_agent;
  g.care_of_address = care_of;
  g.router_mac = router_mac;
  g.router_link_local = router_link_local;
  g.resumed = resumed;
  return g;
}

class HostPipelineTest : public ::testing::Test {
 protected:
  HostPipelineTest() : pipeline(host_settings(), h.table.slot_capacity()) {}

  void from_guests(const std::vector<Bytes>& frames) {
    std::vector<rte_mbuf*> m;
    for (const auto& f : frames) m.push_back(to_mbuf(h.pool, f));
    pipeline.from_guests(h.ctx, m.data(), static_cast<std::uint16_t>(m.size()));
    h.flush();
  }
  void from_uplink(const std::vector<Bytes>& frames) {
    std::vector<rte_mbuf*> m;
    for (const auto& f : frames) m.push_back(to_mbuf(h.pool, f));
    pipeline.from_uplink(h.ctx, m.data(), static_cast<std::uint16_t>(m.size()));
    h.flush();
  }
  void housekeeping() {
    pipeline.housekeeping(h.ctx);
    h.flush();
  }
  // A guest paused at home for a migration had one native frame (5 bytes
  // of data) held; the migration failed and it runs at home again.
  void hold_one_then_run_at_home_again() {
    GuestSpec home = away_guest(false);
    home.away = false;
    home.holding_at_home = true;
    ASSERT_TRUE(h.table.set_guest(home));
    from_uplink({ethernet_frame(guest_mac, site_router_mac, udp_packet({correspondent, home_address}, 5))});
    EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 1u);
    home.holding_at_home = false;
    home.resumed = true;
    ASSERT_TRUE(h.table.set_guest(home));
    EXPECT_EQ(h.table.guests_holding_at_home(), 0u);
  }
  // Packet 1 held for a paused migrating guest; it runs here again and
  // `release()` may release it; packet 2 arrives; it pauses again: both were
  // delivered after its replay point, so both are held again.
  template <class Release>
  void expect_release_remembered(Release release) {
    GuestSpec g = migrating_away_guest();
    g.resumed = false;
    g.paused = true;
    ASSERT_TRUE(h.table.set_guest(g));
    h.ctx.now_tsc = 1000;
    from_uplink({tunnelled_to_guest(1)});
    EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 1u);
    g.resumed = true;
    g.paused = false;
    ASSERT_TRUE(h.table.set_guest(g));
    h.ctx.now_tsc = 2000;
    release();
    from_uplink({tunnelled_to_guest(2)});
    ASSERT_EQ(h.guests_sink.packets.size(), 2u);
    EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::released), 1u);
    g.resumed = false;
    g.paused = true;
    g.replay_from_tsc = 1500;
    ASSERT_TRUE(h.table.set_guest(g));
    h.ctx.now_tsc = 3000;
    housekeeping();
    EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::replayed), 2u);
    EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 2u);  // held now: 1 was released
  }
  // A frame from the guest to the correspondent.
  static Bytes guest_udp(std::size_t data = 32, std::uint8_t hop = 64, std::uint8_t tc = 0,
                         std::uint32_t flow = 0) {
    return ethernet_frame(router_mac, guest_mac,
                          udp_packet({home_address, correspondent, hop, tc, flow}, data));
  }
  // The correspondent's packet to the guest as the Home Agent tunnels it.
  static Bytes tunnelled_to_guest(std::size_t data = 32, const wire::Ip6Addr& outer_src = home_agent,
                                  std::uint8_t outer_tc = 0, std::uint8_t inner_tc = 0) {
    const Bytes inner = udp_packet({correspondent, home_address, 50, inner_tc, 0}, data);
    return ethernet_frame(uplink_mac, site_router_mac,
                          ip6ip6_packet({outer_src, care_of, 60, outer_tc, 7}, inner));
  }
  // The guest's state as this core knows it, made resumed.
  void seen_resumed() {
    ASSERT_TRUE(h.table.set_guest(away_guest(true)));
  }

  // A host counts in place and keeps its per-guest state beside its
  // counters (mip6d's daemon).
  PipelineHarness h{{}, 0, true};
  HostPipeline pipeline;
};

TEST_F(HostPipelineTest, UnknownGuestAndGuestAtHomeArePassedUntouched) {
  const Bytes unknown = ethernet_frame(router_mac, other_mac, udp_packet({home_address, correspondent}, 8));
  from_guests({unknown});
  ASSERT_EQ(h.uplink_sink.frames(), std::vector<Bytes>{unknown});
  EXPECT_TRUE(h.only(Disposition::passed, 1, DatapathPort::guests));
  EXPECT_EQ(h.counters.port[1].rx_packets, 1u);
  EXPECT_EQ(h.counters.port[1].rx_bytes, unknown.size());
  EXPECT_EQ(h.counters.port[0].tx_packets, 1u);

  GuestSpec home = away_guest(true);
  home.away = false;
  ASSERT_TRUE(h.table.set_guest(home));
  const Bytes frame = guest_udp();
  from_guests({frame});
  EXPECT_EQ(h.uplink_sink.frames().back(), frame);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::passed), 2u);
  // First frame of a known guest: one liveness copy, in addition.
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::punted), 1u);
  EXPECT_EQ(h.punted().size(), 1u);
}

TEST_F(HostPipelineTest, AwayGuestIsEncapsulatedFieldByField) {
  seen_resumed();
  Bytes frame = guest_udp(100, 64, 0xb8 | 0x1, 0);
  frame.resize(frame.size() + 4);  // link-layer padding is not tunnelled
  from_guests({frame});
  ASSERT_EQ(h.uplink_sink.packets.size(), 1u);
  const Bytes out = h.uplink_sink.frames()[0];
  const std::size_t inner_length = 40 + 8 + 100;
  ASSERT_EQ(out.size(), 14 + 40 + inner_length);
  EXPECT_EQ(wire::MacAddr::from_bytes(out.data()), site_router_mac);
  EXPECT_EQ(wire::MacAddr::from_bytes(out.data() + 6), uplink_mac);
  EXPECT_EQ(load_be16(out.data() + 12), 0x86dd);
  const auto outer = *wire::Ipv6View::parse({out.data() + 14, out.size() - 14});
  EXPECT_EQ(outer.traffic_class(), 0xb9);
  EXPECT_EQ(outer.flow_label(), wire::derive_flow_label(home_address, correspondent, 17, 0x1234));
  EXPECT_NE(outer.flow_label(), 0u);
  EXPECT_EQ(outer.payload_length(), inner_length);
  EXPECT_EQ(outer.next_header(), 41);
  EXPECT_EQ(outer.hop_limit(), 60);
  EXPECT_EQ(outer.src(), care_of);
  EXPECT_EQ(outer.dst(), home_agent);
  const auto inner = *wire::Ipv6View::parse(outer.payload());
  EXPECT_EQ(inner.hop_limit(), 63);
  EXPECT_EQ(inner.src(), home_address);
  EXPECT_EQ(inner.dst(), correspondent);
  EXPECT_EQ(inner.traffic_class(), 0xb9);
  // Everything but the hop limit is the guest's packet.
  Bytes expected(frame.begin() + 14, frame.begin() + 14 + static_cast<long>(inner_length));
  expected[7] = 63;
  EXPECT_EQ(Bytes(out.begin() + 54, out.end()), expected);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::encapsulated), 1u);
  const auto binding = h.table.guest_counters(guest_mac);
  ASSERT_TRUE(binding);
  EXPECT_EQ(binding->encapsulated_packets, 1u);
  EXPECT_EQ(binding->encapsulated_bytes, inner_length);
}

TEST_F(HostPipelineTest, NonZeroInnerFlowLabelIsCopied) {
  seen_resumed();
  from_guests({guest_udp(10, 64, 0, 0xabcde)});
  ASSERT_EQ(h.uplink_sink.packets.size(), 1u);
  const Bytes out = h.uplink_sink.frames()[0];
  EXPECT_EQ(load_be32(out.data() + 14) & 0xfffff, 0xabcdeu);
}

TEST_F(HostPipelineTest, InnerExtensionHeadersGoThroughTheTunnelEncapsulationLimitRules) {
  seen_resumed();
  const Bytes with_limit = ethernet_frame(
      router_mac, guest_mac, with_destination_options(udp_packet({home_address, correspondent}, 8), 3));
  from_guests({with_limit});
  ASSERT_EQ(h.uplink_sink.packets.size(), 1u);
  const Bytes out = h.uplink_sink.frames()[0];
  const auto outer = *wire::Ipv6View::parse({out.data() + 14, out.size() - 14});
  EXPECT_EQ(outer.next_header(), wire::ipproto::destination_options);
  EXPECT_EQ(outer.payload_length(), 8 + 40 + 8 + 16);
  EXPECT_EQ(outer.src(), care_of);
  EXPECT_EQ(outer.dst(), home_agent);
  EXPECT_EQ(outer.hop_limit(), 60);
  const auto chain = wire::walk_extension_chain(outer);
  ASSERT_TRUE(chain.ok());
  EXPECT_EQ(chain->tunnel_encapsulation_limit, 2);  // RFC 2473 4.1.1 (c)
  EXPECT_EQ(chain->upper_protocol, 41);
  EXPECT_EQ(out[14 + 48 + 7], 63);  // inner hop limit

  const Bytes exhausted = ethernet_frame(
      router_mac, guest_mac, with_destination_options(udp_packet({home_address, correspondent}, 8), 0));
  from_guests({exhausted});
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_hop_limit), 1u);
  EXPECT_EQ(h.uplink_sink.packets.size(), 1u);
}

TEST_F(HostPipelineTest, HopLimitOneGetsTimeExceededFromTheHomeRouter) {
  seen_resumed();
  (void)h.punted();
  const Bytes offending = guest_udp(10, 1);
  from_guests({offending});
  EXPECT_TRUE(h.uplink_sink.packets.empty());
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_hop_limit), 1u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::time_exceeded_sent), 1u);
  EXPECT_EQ(h.total(DatapathPort::guests), 3u);  // + the liveness copy, + the error
  ASSERT_EQ(h.guests_sink.packets.size(), 1u);
  const Bytes te = h.guests_sink.frames()[0];
  EXPECT_EQ(wire::MacAddr::from_bytes(te.data()), guest_mac);
  EXPECT_EQ(wire::MacAddr::from_bytes(te.data() + 6), router_mac);
  const auto ip6 = *wire::Ipv6View::parse({te.data() + 14, te.size() - 14});
  EXPECT_EQ(ip6.src(), router_link_local);
  EXPECT_EQ(ip6.dst(), home_address);
  const auto icmp = wire::parse_icmpv6(ip6, ip6.payload());
  ASSERT_TRUE(icmp.ok());
  EXPECT_EQ(icmp->type(), 3);
  EXPECT_EQ(icmp->code(), 0);
  EXPECT_EQ(Bytes(te.begin() + 14 + 48, te.end()), Bytes(offending.begin() + 14, offending.end()));
}

TEST_F(HostPipelineTest, TooBigGetsARateLimitedPacketTooBigFromTheHomeRouter) {
  seen_resumed();
  const Bytes big = guest_udp(1500 - 40 - 48 + 1);  // inner 1461: one over the tunnel MTU
  from_guests({big, big, big});
  EXPECT_TRUE(h.uplink_sink.packets.empty());
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_too_big), 3u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::packet_too_big_sent), 2u);
  EXPECT_EQ(h.counters.packet_too_big_suppressed, 1u);
  ASSERT_EQ(h.guests_sink.packets.size(), 2u);
  const Bytes ptb = h.guests_sink.frames()[0];
  ASSERT_EQ(ptb.size(), 14u + 1280u);
  EXPECT_EQ(wire::MacAddr::from_bytes(ptb.data()), guest_mac);
  EXPECT_EQ(wire::MacAddr::from_bytes(ptb.data() + 6), router_mac);
  const auto ip6 = *wire::Ipv6View::parse({ptb.data() + 14, ptb.size() - 14});
  EXPECT_EQ(ip6.src(), router_link_local);
  EXPECT_EQ(ip6.dst(), home_address);
  EXPECT_EQ(ip6.next_header(), 58);
  EXPECT_EQ(ip6.payload_length(), 1240);
  const auto icmp = wire::parse_icmpv6(ip6, ip6.payload());
  ASSERT_TRUE(icmp.ok());  // checksum valid
  EXPECT_EQ(icmp->type(), 2);
  EXPECT_EQ(icmp->code(), 0);
  EXPECT_EQ(load_be32(ptb.data() + 14 + 40 + 4), 1460u);
  // As much of the offending packet as fits, byte for byte.
  EXPECT_EQ(Bytes(ptb.begin() + 14 + 48, ptb.end()),
            Bytes(big.begin() + 14, big.begin() + 14 + 1232));

  // Time refills the bucket: one more gets through 10 ms later.
  h.ctx.now_tsc += 10'000;
  from_guests({big});
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::packet_too_big_sent), 3u);
}

TEST_F(HostPipelineTest, SmallPacketOverTheTunnelMtuIsEncapsulatedThenFragmented) {
  // RFC 2473 7.1 (b): an inner packet of at most 1280 bytes is tunnelled and
  // the tunnel packet fragmented to the path MTU.
  auto settings = host_settings();
  settings.uplink_mtu = 1300;
  HostPipeline small_mtu(settings, h.table.slot_capacity());
  seen_resumed();
  const Bytes frame = guest_udp(1280 - 48);
  rte_mbuf* m = to_mbuf(h.pool, frame);
  small_mtu.from_guests(h.ctx, &m, 1);
  h.flush();
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::encapsulated), 1u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::fragments_sent), 2u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::packet_too_big_sent), 0u);
  EXPECT_EQ(h.table.guest_counters(guest_mac)->encapsulated_packets, 1u);
  const auto fragments = h.uplink_sink.frames();
  ASSERT_EQ(fragments.size(), 2u);
  // First: 40 + 8 + the largest multiple of 8 that fits 1300 (1248).
  ASSERT_EQ(fragments[0].size(), 14u + 40u + 8u + 1248u);
  ASSERT_EQ(fragments[1].size(), 14u + 40u + 8u + (1280u + 40u - 40u - 1248u));
  std::uint32_t ident = 0;
  Bytes fragmentable;
  for (std::size_t i = 0; i < 2; ++i) {
    const Bytes& f = fragments[i];
    EXPECT_EQ(wire::MacAddr::from_bytes(f.data()), site_router_mac);
    EXPECT_EQ(wire::MacAddr::from_bytes(f.data() + 6), uplink_mac);
    const auto outer = *wire::Ipv6View::parse({f.data() + 14, f.size() - 14});
    EXPECT_EQ(outer.src(), care_of);
    EXPECT_EQ(outer.dst(), home_agent);
    EXPECT_EQ(outer.next_header(), 44);
    EXPECT_EQ(outer.hop_limit(), 60);
    EXPECT_EQ(f[14 + 40], 41);  // the Fragment header's next header
    const std::uint16_t offset_flags = load_be16(f.data() + 14 + 42);
    EXPECT_EQ(offset_flags & 0xfff8, i == 0 ? 0 : 1248);
    EXPECT_EQ(offset_flags & 1, i == 0 ? 1 : 0);  // M
    if (i == 0) ident = load_be32(f.data() + 14 + 44);
    EXPECT_EQ(load_be32(f.data() + 14 + 44), ident);
    fragmentable.insert(fragmentable.end(), f.begin() + 14 + 48, f.end());
  }
  // Put together, the fragments are the inner packet with its hop limit
  // decremented (RFC 8200 4.5).
  Bytes inner(frame.begin() + 14, frame.end());
  inner[7] = 63;
  EXPECT_EQ(fragmentable, inner);
  // The next fragmented packet has another Identification.
  rte_mbuf* again = to_mbuf(h.pool, frame);
  small_mtu.from_guests(h.ctx, &again, 1);
  h.flush();
  const auto more = h.uplink_sink.frames();
  ASSERT_EQ(more.size(), 4u);
  EXPECT_NE(load_be32(more[2].data() + 14 + 44), ident);
}

TEST_F(HostPipelineTest, AwayGuestDropsByReason) {
  seen_resumed();
  from_guests({guest_udp()});  // the liveness report goes out with this one
  (void)h.punted();
  h.uplink_sink.clear();
  const auto before = h.count(DatapathPort::guests, Disposition::encapsulated);
  from_guests({
      // wrong source
      ethernet_frame(router_mac, guest_mac, udp_packet({ip("2001:db8:a::99"), correspondent}, 8)),
      // link-local source, link-scope multicast destination
      ethernet_frame(router_mac, guest_mac, udp_packet({guest_link_local, correspondent}, 8)),
      ethernet_frame(router_mac, guest_mac, udp_packet({home_address, ip("ff02::16")}, 8)),
      // not IPv6 (no report due)
      ethernet_frame(router_mac, guest_mac, Bytes(46), wire::ethertype::ipv4),
      // IPv6 shorter than its payload length
      [] {
        Bytes f = guest_udp(20);
        f.resize(f.size() - 5);
        return f;
      }(),
      // truncated Ethernet
      Bytes(10, 0x52),
  });
  EXPECT_TRUE(h.uplink_sink.packets.empty());
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::encapsulated), before);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_ingress_filter), 1u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_link_scope), 2u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_not_ipv6), 1u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_malformed), 2u);
  EXPECT_EQ(h.total(DatapathPort::guests), h.counters.port[1].rx_packets + 1);  // + 1 report copy
}

// A SLAAC guest sends from, and is reached at, each address it formed in
// its home prefix; only another guest's address is spoofed.
TEST_F(HostPipelineTest, AGuestsOtherAddressesAreItsOwnBothWays) {
  const auto slaac = ip("2001:db8:a:0:5054:ff:fe00:10");
  const auto privacy = ip("2001:db8:a:0:9a1:b2c3:d4e5:f607");
  const auto neighbours = ip("2001:db8:a::20");
  GuestSpec g = away_guest(true);
  g.other_home_addresses = {slaac, privacy};
  ASSERT_TRUE(h.table.set_guest(g));
  GuestSpec neighbour = away_guest(true);
  neighbour.mac = other_mac;
  neighbour.home_address = neighbours;
  ASSERT_TRUE(h.table.set_guest(neighbour));
  from_guests({guest_udp()});  // the liveness report goes out with this one
  (void)h.punted();
  h.uplink_sink.clear();

  from_guests({
      ethernet_frame(router_mac, guest_mac, udp_packet({privacy, correspondent}, 8)),
      ethernet_frame(router_mac, guest_mac, udp_packet({slaac, correspondent}, 9)),
      ethernet_frame(router_mac, guest_mac, udp_packet({neighbours, correspondent}, 10)),
      ethernet_frame(router_mac, guest_mac, udp_packet({ip("2001:db8:a::99"), correspondent}, 11)),
  });
  const auto sent = h.uplink_sink.frames();
  ASSERT_EQ(sent.size(), 2u);
  const std::vector<wire::Ip6Addr> sources = {privacy, slaac};
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const auto outer = *wire::Ipv6View::parse({sent[i].data() + 14, sent[i].size() - 14});
    EXPECT_EQ(outer.src(), care_of);
    EXPECT_EQ(outer.dst(), home_agent);
    EXPECT_EQ(wire::Ipv6View::parse(outer.payload())->src(), sources[i]);
  }
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::encapsulated), 3u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_ingress_filter), 2u);

  // The Home Agent tunnels what it intercepted for either address to us.
  from_uplink({ethernet_frame(uplink_mac, site_router_mac,
                              ip6ip6_packet({home_agent, care_of, 60, 0, 7},
                                            udp_packet({correspondent, privacy, 50, 0, 0}, 12)))});
  const auto delivered = h.guests_sink.frames();
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(wire::MacAddr::from_bytes(delivered[0].data()), guest_mac);
  EXPECT_EQ(wire::Ipv6View::parse({delivered[0].data() + 14, delivered[0].size() - 14})->dst(), privacy);
  EXPECT_EQ(h.table.guest_counters(guest_mac)->decapsulated_packets, 1u);

  // An address the guest no longer uses is nobody's.
  g.other_home_addresses = {slaac};
  ASSERT_TRUE(h.table.set_guest(g));
  from_guests({ethernet_frame(router_mac, guest_mac, udp_packet({privacy, correspondent}, 8))});
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_ingress_filter), 3u);
}

// After a move the guest sends from addresses it formed at another host:
// still dropped until mip6d has them bound, but a copy reports each, at a
// limited rate, when mip6d learns addresses; nothing outside its /64.
TEST_F(HostPipelineTest, UnknownSourcesOfTheGuestsHomeSlash64AreReportedAtALimitedRate) {
  HostSettings s = host_settings();
  s.report_unknown_sources = true;
  s.unknown_source_reports = {1, 3};  // a burst of 3, then one a second
  s.liveness_interval_ms = 1000000;   // the liveness report: only the first frame's
  HostPipeline learning(s, h.table.slot_capacity());
  seen_resumed();
  const auto send = [&](HostPipeline& p, const wire::Ip6Addr& src) {
    rte_mbuf* m = to_mbuf(h.pool, ethernet_frame(router_mac, guest_mac, udp_packet({src, correspondent}, 8)));
    p.from_guests(h.ctx, &m, 1);
    h.flush();
  };
  send(learning, home_address);  // the liveness report goes out with this one
  (void)h.punted();
  h.uplink_sink.clear();

  send(learning, ip("2001:db8:a:1::2"));   // another /64 of the site's /48: not its
  send(learning, ip("2001:db8:a:0:9a1:b2c3:d4e5:f607"));
  auto punted = h.punted();
  ASSERT_EQ(punted.size(), 1u);
  const Bytes copy(rte_pktmbuf_mtod(punted[0], const std::uint8_t*),
                   rte_pktmbuf_mtod(punted[0], const std::uint8_t*) + rte_pktmbuf_data_len(punted[0]));
  EXPECT_EQ(wire::Ipv6View::parse({copy.data() + 14, copy.size() - 14})->src(),
            ip("2001:db8:a:0:9a1:b2c3:d4e5:f607"));
  EXPECT_TRUE(h.uplink_sink.packets.empty());
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_ingress_filter), 2u);
  // The bucket holds 3: the fourth report within the second is withheld.
  for (int i = 0; i < 3; ++i) send(learning, ip("2001:db8:a:0:1::1"));
  EXPECT_EQ(h.punted().size(), 2u);
  h.ctx.now_tsc += 2 * h.ctx.tsc_hz;
  send(learning, ip("2001:db8:a:0:1::1"));
  EXPECT_EQ(h.punted().size(), 1u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_ingress_filter), 6u);

  // Without learning nothing is reported.
  send(pipeline, home_address);
  (void)h.punted();
  send(pipeline, ip("2001:db8:a:0:9a1:b2c3:d4e5:f607"));
  EXPECT_TRUE(h.punted().empty());
}

TEST_F(HostPipelineTest, NeighbourDiscoveryFromAnAwayGuestIsPunted) {
  seen_resumed();
  const Bytes rs = ethernet_frame(mac("33:33:00:00:00:02"), guest_mac,
                                  icmpv6_packet({guest_link_local, ip("ff02::2"), 255}, 133, Bytes(4)));
  const Bytes ns = ethernet_frame(mac("33:33:ff:00:00:01"), guest_mac,
                                  icmpv6_packet({guest_link_local, ip("ff02::1:ff00:1"), 255}, 135));
  h.ctx.now_tsc = 5;
  from_guests({rs, ns});
  const auto punted = h.punted();
  ASSERT_EQ(punted.size(), 2u);  // the frames themselves, no extra copy
  EXPECT_EQ(bytes_of(punted[0]), rs);
  EXPECT_EQ(bytes_of(punted[1]), ns);
  EXPECT_EQ(PuntQueue::port_of(punted[0]), DatapathPort::guests);
  EXPECT_EQ(PuntQueue::tsc_of(punted[0]), 5u);
  EXPECT_TRUE(h.only(Disposition::punted, 2, DatapathPort::guests));
}

TEST_F(HostPipelineTest, PuntRingFullIsCountedAsSuch) {
  seen_resumed();
  const Bytes rs = ethernet_frame(mac("33:33:00:00:00:02"), guest_mac,
                                  icmpv6_packet({guest_link_local, ip("ff02::2"), 255}, 133, Bytes(4)));
  from_guests(std::vector<Bytes>(70, rs));  // the ring holds 64
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::punted), 64u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_punt_ring_full), 6u);
}

// A resume signal that could not be punted is given again with the next
// frame: mip6d never saw it, and no other frame would tell it.
TEST_F(HostPipelineTest, AResumeSignalThePuntRingRefusedGoesAgainWithTheNextFrame) {
  // Another guest's solicitations fill the ring (it holds 64).
  const GuestSpec other = other_away_guest();
  ASSERT_TRUE(h.table.set_guest(other));
  const Bytes rs = ethernet_frame(mac("33:33:00:00:00:02"), other_mac,
                                  icmpv6_packet({other.link_local, ip("ff02::2"), 255}, 133, Bytes(4)));
  from_guests(std::vector<Bytes>(64, rs));
  ASSERT_TRUE(h.table.set_guest(away_guest(false)));
  from_guests({guest_udp()});
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_punt_ring_full), 1u);
  EXPECT_EQ(h.punted().size(), 64u);  // the solicitations only
  from_guests({guest_udp()});
  EXPECT_EQ(h.counters.resumes_signalled, 2u);
  const auto punted = h.punted();
  ASSERT_EQ(punted.size(), 1u);
  EXPECT_EQ(bytes_of(punted[0]), guest_udp());
  from_guests({guest_udp()});  // delivered now: no third signal
  EXPECT_EQ(h.counters.resumes_signalled, 2u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::encapsulated), 3u);
}

TEST_F(HostPipelineTest, FirstFrameOfANotResumedGuestSignalsResumeOnceWithItsTimestamp) {
  ASSERT_TRUE(h.table.set_guest(away_guest(false)));
  const Bytes frame = guest_udp();
  h.ctx.now_tsc = 777'000;
  from_guests({frame});
  EXPECT_EQ(h.counters.resumes_signalled, 1u);
  auto punted = h.punted();
  ASSERT_EQ(punted.size(), 1u);
  EXPECT_EQ(bytes_of(punted[0]), frame);  // the copy, as received
  EXPECT_EQ(PuntQueue::tsc_of(punted[0]), 777'000u);
  EXPECT_EQ(PuntQueue::port_of(punted[0]), DatapathPort::guests);
  // The original carried on into the tunnel.
  EXPECT_EQ(h.uplink_sink.packets.size(), 1u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::encapsulated), 1u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::punted), 1u);

  // Later frames: no second signal, and liveness only after the interval.
  h.ctx.now_tsc += 999'999;
  from_guests({frame, frame});
  EXPECT_EQ(h.counters.resumes_signalled, 1u);
  EXPECT_TRUE(h.punted().empty());
  h.ctx.now_tsc += 1;
  from_guests({frame});
  punted = h.punted();
  ASSERT_EQ(punted.size(), 1u);
  EXPECT_EQ(PuntQueue::tsc_of(punted[0]), 777'000u + 1'000'000u);
  EXPECT_EQ(h.counters.resumes_signalled, 1u);
}

// The table counts a guest's returns to "not resumed" (resume_round); the
// pipeline's mark is for one round. Without comparing it (the mark kept
// while the guest is marked resumed, whose frames no longer read it) the
// third frame sends no signal.
TEST_F(HostPipelineTest, GuestMarkedResumedAndThenNotAgainIsSignalledAgainInItsSlot) {
  GuestSpec g = away_guest(false);
  ASSERT_TRUE(h.table.set_guest(g));
  const std::uint32_t slot = h.table.find_guest_for_writer(guest_mac)->slot;
  from_guests({guest_udp()});
  EXPECT_EQ(h.counters.resumes_signalled, 1u);
  g.resumed = true;
  ASSERT_TRUE(h.table.set_guest(g));
  from_guests({guest_udp()});
  EXPECT_EQ(h.counters.resumes_signalled, 1u);
  g.resumed = false;
  ASSERT_TRUE(h.table.set_guest(g));
  ASSERT_EQ(h.table.find_guest_for_writer(guest_mac)->slot, slot);
  from_guests({guest_udp()});
  EXPECT_EQ(h.counters.resumes_signalled, 2u);
  EXPECT_EQ(h.punted().size(), 2u);  // each signal, itself the report
}

// The same for what arrives through the tunnel: once the guest is marked
// resumed and then not again, the old signal no longer says it runs here,
// so its packets are held until it is heard from again (before the round,
// only a frame from it seen while it was resumed cleared the mark).
TEST_F(HostPipelineTest, TunnelledPacketsAreHeldAgainOnceAResumedGuestIsNotResumedAgain) {
  GuestSpec g = away_guest(false);
  ASSERT_TRUE(h.table.set_guest(g));
  from_guests({guest_udp()});
  from_uplink({tunnelled_to_guest(1)});
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::decapsulated), 1u);
  g.resumed = true;
  ASSERT_TRUE(h.table.set_guest(g));
  g.resumed = false;
  ASSERT_TRUE(h.table.set_guest(g));
  from_uplink({tunnelled_to_guest(2)});
  housekeeping();
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::decapsulated), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 1u);
  from_guests({guest_udp()});  // heard again: signalled, and what waited goes
  EXPECT_EQ(h.counters.resumes_signalled, 2u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::released), 1u);
}

// A resumed guest's frames never touch its per-core state (at a million
// guests a DRAM line of its own): liveness comes from the bitmap.
TEST_F(HostPipelineTest, AResumedGuestsFramesLeaveItsPerCoreStateAlone) {
  seen_resumed();
  const std::uint32_t slot = h.table.find_guest_for_writer(guest_mac)->slot;
  from_guests({guest_udp(), guest_udp()});
  from_uplink({tunnelled_to_guest(1)});
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::encapsulated), 2u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::decapsulated), 1u);
  EXPECT_EQ(h.punted().size(), 1u);  // the first frame's liveness copy
  const auto* state = static_cast<const std::uint8_t*>(h.table.reader_state(h.ctx.reader, slot));
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(std::vector<std::uint8_t>(state, state + reader_state_bytes),
            std::vector<std::uint8_t>(reader_state_bytes, 0));
}

// Liveness goes by interval, not by guest: each guest's first frame in an
// interval reports, whenever in it the guest first spoke.
TEST_F(HostPipelineTest, EachGuestReportsWithItsFirstFrameInEachInterval) {
  seen_resumed();
  const GuestSpec other = other_away_guest();
  ASSERT_TRUE(h.table.set_guest(other));
  const Bytes from_other = ethernet_frame(router_mac, other_mac,
                                          udp_packet({other.home_address, correspondent}, 8));
  const std::uint64_t start = h.ctx.now_tsc;
  const std::uint64_t ms = test_tsc_hz / 1000;
  from_guests({guest_udp()});  // the first interval begins: reported
  h.ctx.now_tsc = start + 600 * ms;
  from_guests({from_other, guest_udp()});  // the other's first: reported
  h.ctx.now_tsc = start + 999 * ms;
  from_guests({from_other, guest_udp()});
  EXPECT_EQ(h.punted().size(), 2u);
  h.ctx.now_tsc = start + 1000 * ms;  // the second interval
  from_guests({from_other, guest_udp(), from_other});
  const auto punted = h.punted();
  ASSERT_EQ(punted.size(), 2u);
  EXPECT_EQ(bytes_of(punted[0]), from_other);
  EXPECT_EQ(bytes_of(punted[1]), guest_udp());
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::encapsulated), 8u);
}

TEST_F(HostPipelineTest, OverATableWithoutReaderStateThePipelineKeepsItsOwn) {
  // The same signal and liveness rules, from the pipeline's own per-slot
  // array (a table built without BindingTableLimits::reader_state).
  PipelineHarness plain{{}, 0, false};
  ASSERT_FALSE(plain.table.has_reader_state());
  HostPipeline own(host_settings(), plain.table.slot_capacity());
  ASSERT_TRUE(plain.table.set_guest(away_guest(false)));
  const auto send = [&](int frames) {
    std::vector<rte_mbuf*> m;
    for (int i = 0; i < frames; ++i) m.push_back(to_mbuf(plain.pool, guest_udp()));
    own.from_guests(plain.ctx, m.data(), static_cast<std::uint16_t>(m.size()));
    plain.flush();
    return plain.punted().size();
  };
  EXPECT_EQ(send(1), 1u);  // the resume signal
  EXPECT_EQ(plain.counters.resumes_signalled, 1u);
  plain.ctx.now_tsc += 999'999;
  EXPECT_EQ(send(2), 0u);
  plain.ctx.now_tsc += 1;
  EXPECT_EQ(send(1), 1u);  // liveness, after the interval
  EXPECT_EQ(plain.counters.resumes_signalled, 1u);
  EXPECT_EQ(plain.table.guest_counters(guest_mac)->encapsulated_packets, 4u);
}

TEST_F(HostPipelineTest, OverATableWithoutReaderStateAGuestNotResumedAgainIsSignalledAgain) {
  PipelineHarness plain{{}, 0, false};
  HostPipeline own(host_settings(), plain.table);  // sized by the constructor
  const auto send = [&] {
    rte_mbuf* m = to_mbuf(plain.pool, guest_udp());
    own.from_guests(plain.ctx, &m, 1);
    plain.flush();
  };
  GuestSpec g = away_guest(false);
  ASSERT_TRUE(plain.table.set_guest(g));
  send();
  g.resumed = true;
  ASSERT_TRUE(plain.table.set_guest(g));
  send();
  EXPECT_EQ(plain.counters.resumes_signalled, 1u);
  g.resumed = false;
  ASSERT_TRUE(plain.table.set_guest(g));
  send();
  EXPECT_EQ(plain.counters.resumes_signalled, 2u);
}

TEST_F(HostPipelineTest, ResumeFrameThatIsNotIpv6IsPuntedItself) {
  ASSERT_TRUE(h.table.set_guest(away_guest(false)));
  const Bytes rarp = ethernet_frame(mac("ff:ff:ff:ff:ff:ff"), guest_mac, Bytes(46), wire::ethertype::rarp);
  from_guests({rarp});
  EXPECT_EQ(h.counters.resumes_signalled, 1u);
  const auto punted = h.punted();
  ASSERT_EQ(punted.size(), 1u);
  EXPECT_EQ(bytes_of(punted[0]), rarp);
  EXPECT_TRUE(h.only(Disposition::punted, 1, DatapathPort::guests));
}

TEST_F(HostPipelineTest, NoMbufForTheResumeCopyIsCountedAndTheFrameStillFlows) {
  ASSERT_TRUE(h.table.set_guest(away_guest(false)));
  rte_mbuf* m = to_mbuf(h.pool, guest_udp());
  rte_mempool* real_pool = h.ctx.pool;
  rte_mempool* empty = rte_pktmbuf_pool_create(unique_name("empty").c_str(), 1, 0, 0,
                                               RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  ASSERT_NE(empty, nullptr);
  rte_mbuf* hog = rte_pktmbuf_alloc(empty);
  h.ctx.pool = empty;
  pipeline.from_guests(h.ctx, &m, 1);
  h.flush();
  h.ctx.pool = real_pool;
  rte_pktmbuf_free(hog);
  rte_mempool_free(empty);
  EXPECT_EQ(h.counters.resumes_signalled, 1u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_no_mbuf), 1u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::encapsulated), 1u);
}

TEST_F(HostPipelineTest, TunnelledPacketIsDecapsulatedToTheGuestFromTheHomeRouter) {
  seen_resumed();
  Bytes frame = tunnelled_to_guest(64, home_agent, 0x03, 0xa2);  // outer CE, inner ECT(0)
  frame.resize(frame.size() + 3);                                // padding
  from_uplink({frame});
  ASSERT_EQ(h.guests_sink.packets.size(), 1u);
  const Bytes out = h.guests_sink.frames()[0];
  const std::size_t inner_length = 40 + 8 + 64;
  ASSERT_EQ(out.size(), 14 + inner_length);
  EXPECT_EQ(wire::MacAddr::from_bytes(out.data()), guest_mac);
  EXPECT_EQ(wire::MacAddr::from_bytes(out.data() + 6), router_mac);
  EXPECT_EQ(load_be16(out.data() + 12), 0x86dd);
  const auto inner = *wire::Ipv6View::parse({out.data() + 14, out.size() - 14});
  EXPECT_EQ(inner.src(), correspondent);
  EXPECT_EQ(inner.dst(), home_address);
  EXPECT_EQ(inner.hop_limit(), 50);
  EXPECT_EQ(inner.traffic_class(), 0xa3);  // RFC 6040: CE carried over
  Bytes expected(frame.begin() + 54, frame.begin() + 54 + static_cast<long>(inner_length));
  expected[1] = static_cast<std::uint8_t>(expected[1] | 0x30);
  EXPECT_EQ(Bytes(out.begin() + 14, out.end()), expected);
  EXPECT_TRUE(h.only(Disposition::decapsulated, 1, DatapathPort::uplink));
  const auto binding = h.table.guest_counters(guest_mac);
  ASSERT_TRUE(binding);
  EXPECT_EQ(binding->decapsulated_packets, 1u);
  EXPECT_EQ(binding->decapsulated_bytes, inner_length);
}

TEST_F(HostPipelineTest, EcnFollowsRfc6040NormalMode) {
  seen_resumed();
  // (outer, inner) traffic class -> inner after decapsulation; DSCP kept.
  from_uplink({tunnelled_to_guest(8, home_agent, 0x02, 0x01),    // ECT(0) over ECT(1): ECT(1)
               tunnelled_to_guest(8, home_agent, 0x01, 0xa2),    // ECT(1) over ECT(0): ECT(1)
               tunnelled_to_guest(8, home_agent, 0x01, 0xa0),    // ECT(1) over Not-ECT: Not-ECT
               tunnelled_to_guest(8, home_agent, 0x03, 0xa3),    // CE over CE: CE
               tunnelled_to_guest(8, home_agent, 0x03, 0x00)});  // CE over Not-ECT: dropped
  ASSERT_EQ(h.guests_sink.packets.size(), 4u);
  const auto traffic_class = [&](std::size_t i) {
    return wire::Ipv6View::parse({h.guests_sink.frames()[i].data() + 14, 56})->traffic_class();
  };
  EXPECT_EQ(traffic_class(0), 0x01);
  EXPECT_EQ(traffic_class(1), 0xa1);
  EXPECT_EQ(traffic_class(2), 0xa0);
  EXPECT_EQ(traffic_class(3), 0xa3);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_ecn_congestion), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::decapsulated), 4u);
}

TEST_F(HostPipelineTest, TunnelledPacketsDroppedByReason) {
  seen_resumed();
  GuestSpec at_home = away_guest(true);
  at_home.mac = other_mac;
  at_home.home_address = ip("2001:db8:a::20");
  at_home.away = false;
  ASSERT_TRUE(h.table.set_guest(at_home));
  const Bytes unknown = ethernet_frame(
      uplink_mac, site_router_mac,
      ip6ip6_packet({home_agent, care_of}, udp_packet({correspondent, ip("2001:db8:a::77")}, 8)));
  const Bytes to_home_guest = ethernet_frame(
      uplink_mac, site_router_mac,
      ip6ip6_packet({home_agent, care_of}, udp_packet({correspondent, ip("2001:db8:a::20")}, 8)));
  Bytes truncated_inner = tunnelled_to_guest(8);
  truncated_inner[14 + 4] = 0;
  truncated_inner[14 + 5] = 30;  // outer payload 30 bytes: inner header cut
  truncated_inner.resize(14 + 40 + 30);
  Bytes inner_longer = tunnelled_to_guest(8);
  wire::store_be16(inner_longer.data() + 14 + 40 + 4, 200);  // inner claims more than the outer holds
  const Bytes link_local_inner = ethernet_frame(
      uplink_mac, site_router_mac,
      ip6ip6_packet({home_agent, care_of}, udp_packet({ip("fe80::9"), home_address}, 8)));
  Bytes not_ipv6_inner = tunnelled_to_guest(8);
  not_ipv6_inner[14 + 40] = 0x45;
  from_uplink({unknown, to_home_guest, tunnelled_to_guest(8, ip("2001:db8:f::1")), truncated_inner,
               inner_longer, link_local_inner, not_ipv6_inner});
  EXPECT_TRUE(h.guests_sink.packets.empty());
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_tunnel_unknown_binding), 2u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_tunnel_wrong_source), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_tunnel_malformed), 3u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_link_scope), 1u);
  EXPECT_EQ(h.total(DatapathPort::uplink), 7u);
}

TEST_F(HostPipelineTest, UplinkSignallingIsPuntedAndTheRestPassed) {
  const Bytes mh = ethernet_frame(uplink_mac, site_router_mac, mobility_packet({home_agent, care_of}));
  const Bytes ra = ethernet_frame(mac("33:33:00:00:00:01"), site_router_mac,
                                  icmpv6_packet({ip("fe80::cc"), ip("ff02::1"), 255}, 134));
  const Bytes ns_for_other = ethernet_frame(uplink_mac, site_router_mac,
                                            icmpv6_packet({ip("fe80::cc"), ip("2001:db8:b::3"), 255}, 135));
  const Bytes mh_for_other = ethernet_frame(uplink_mac, site_router_mac,
                                            mobility_packet({home_agent, ip("2001:db8:b::3")}));
  const Bytes plain = ethernet_frame(uplink_mac, site_router_mac, udp_packet({correspondent, care_of}, 8));
  const Bytes tunnel_for_other = ethernet_frame(
      uplink_mac, site_router_mac,
      ip6ip6_packet({home_agent, ip("2001:db8:b::3")}, udp_packet({correspondent, home_address}, 8)));
  const Bytes arp = ethernet_frame(uplink_mac, site_router_mac, Bytes(28), wire::ethertype::arp);
  // Multicast solicitations: for our care-of address (mip6d answers) and
  // for a guest at home on this host (the guest answers).
  Bytes target_care_of(20);
  std::copy(care_of.bytes.begin(), care_of.bytes.end(), target_care_of.begin() + 4);
  Bytes target_other(20);
  const Ip6Addr other = ip("2001:db8:b::77");
  std::copy(other.bytes.begin(), other.bytes.end(), target_other.begin() + 4);
  const Bytes ns_multicast_for_us = ethernet_frame(
      mac("33:33:ff:00:00:02"), site_router_mac,
      icmpv6_packet({ip("fe80::cc"), ip("ff02::1:ff00:2"), 255}, 135, target_care_of));
  const Bytes ns_multicast_for_other = ethernet_frame(
      mac("33:33:ff:00:00:77"), site_router_mac,
      icmpv6_packet({ip("fe80::cc"), ip("ff02::1:ff00:77"), 255}, 135, target_other));
  Bytes malformed = plain;
  malformed.resize(malformed.size() - 1);
  h.ctx.now_tsc = 99;
  from_uplink({mh, ra, ns_for_other, mh_for_other, plain, tunnel_for_other, arp, malformed, Bytes(3),
               ns_multicast_for_us, ns_multicast_for_other});
  const auto punted = h.punted();
  ASSERT_EQ(punted.size(), 2u);
  EXPECT_EQ(bytes_of(punted[0]), mh);
  EXPECT_EQ(bytes_of(punted[1]), ns_multicast_for_us);
  EXPECT_EQ(PuntQueue::port_of(punted[0]), DatapathPort::uplink);
  EXPECT_EQ(PuntQueue::tsc_of(punted[1]), 99u);
  // The site router's advertisements and solicitations for others belong to
  // the guests (those at home here need them).
  EXPECT_EQ(h.guests_sink.frames(), (std::vector<Bytes>{ra, ns_for_other, mh_for_other, plain, tunnel_for_other,
                                                        arp, ns_multicast_for_other}));
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::passed), 7u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_malformed), 2u);
  EXPECT_EQ(h.total(DatapathPort::uplink), 11u);
}

TEST_F(HostPipelineTest, PacketsForANotResumedGuestAreHeldAndReleasedInOrderAtResume) {
  ASSERT_TRUE(h.table.set_guest(away_guest(false)));
  std::vector<Bytes> tunnelled;
  for (std::size_t i = 0; i < 3; ++i) tunnelled.push_back(tunnelled_to_guest(10 + i));
  from_uplink(tunnelled);
  EXPECT_TRUE(h.guests_sink.packets.empty());
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 3u);
  housekeeping();  // not resumed yet, not expired: still held
  EXPECT_TRUE(h.guests_sink.packets.empty());

  // The guest's first frame here: resume signal, held packets out in order.
  from_guests({guest_udp()});
  ASSERT_EQ(h.guests_sink.packets.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const Bytes out = h.guests_sink.frames()[i];
    EXPECT_EQ(out.size(), 14 + 40 + 8 + 10 + i);
    EXPECT_EQ(wire::MacAddr::from_bytes(out.data()), guest_mac);
  }
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 0u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::released), 3u);
  EXPECT_EQ(h.counters.resumes_signalled, 1u);
  // From now on tunnelled packets go straight through.
  from_uplink({tunnelled_to_guest()});
  EXPECT_EQ(h.guests_sink.packets.size(), 4u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::decapsulated), 1u);
  EXPECT_EQ(h.total(DatapathPort::uplink), 4u);
}

// A guest at its home site, paused for a live migration: what the home link
// sends it natively is held, then, once mip6d says where it went, handed over
// (oldest first) through a tunnel of this host's to its Home Agent, which
// relays it. Without a paused guest at home, native frames are never looked
// up.
TEST_F(HostPipelineTest, NativeFramesForAGuestPausedAtHomeAreHeldThenHandedOverToItsHomeAgent) {
  const auto native = [](std::size_t data) {
    return ethernet_frame(guest_mac, site_router_mac, udp_packet({correspondent, home_address, 50, 0, 0}, data));
  };
  GuestSpec home = away_guest(true);
  home.away = false;
  ASSERT_TRUE(h.table.set_guest(home));
  EXPECT_EQ(h.table.guests_holding_at_home(), 0u);
  from_uplink({native(10)});
  ASSERT_EQ(h.guests_sink.packets.size(), 1u);  // runs here: passed
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::passed), 1u);

  home.resumed = false;
  home.holding_at_home = true;  // paused
  ASSERT_TRUE(h.table.set_guest(home));
  EXPECT_EQ(h.table.guests_holding_at_home(), 1u);
  const Bytes for_another = ethernet_frame(other_mac, site_router_mac, udp_packet({correspondent, home_address}, 8));
  from_uplink({native(11), for_another, native(12)});
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 2u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::passed), 2u);
  ASSERT_EQ(h.guests_sink.packets.size(), 2u);  // only the other MAC's frame
  housekeeping();  // paused, not expired: still held
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 2u);

  home.forward_to = ip("2001:db8:c::2");  // the Home Agent's notice
  ASSERT_TRUE(h.table.set_guest(home));
  EXPECT_EQ(h.table.guests_holding_at_home(), 1u);
  from_uplink({native(13)});
  ASSERT_EQ(h.uplink_sink.packets.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const Bytes out = h.uplink_sink.frames()[i];
    ASSERT_EQ(out.size(), 14u + 40 + 40 + 8 + 11 + i);
    EXPECT_EQ(wire::MacAddr::from_bytes(out.data()), site_router_mac);
    EXPECT_EQ(wire::MacAddr::from_bytes(out.data() + 6), uplink_mac);
    const auto outer = *wire::Ipv6View::parse({out.data() + 14, out.size() - 14});
    EXPECT_EQ(outer.next_header(), 41);
    EXPECT_EQ(outer.src(), care_of);
    EXPECT_EQ(outer.dst(), home_agent);
    const auto inner = *wire::Ipv6View::parse(outer.payload());
    EXPECT_EQ(inner.dst(), home_address);
    EXPECT_EQ(inner.hop_limit(), 49);  // forwarded once more
  }
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::handed_over), 3u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 0u);

  ASSERT_TRUE(h.table.clear_guest(guest_mac));
  EXPECT_EQ(h.table.guests_holding_at_home(), 0u);
}

// The migration failed: the guest runs at home again and gets what was held.
TEST_F(HostPipelineTest, WhatAGuestPausedAtHomeHeldIsItsWhenItRunsThereAgain) {
  ASSERT_NO_FATAL_FAILURE(hold_one_then_run_at_home_again());
  housekeeping();
  ASSERT_EQ(h.guests_sink.packets.size(), 1u);
  EXPECT_EQ(h.guests_sink.frames()[0].size(), 14u + 40 + 8 + 5);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::released), 1u);
}

// ... and a native frame that reaches it before housekeeping releases what
// was held does not overtake it: the held packet goes first.
TEST_F(HostPipelineTest, ANativeFrameToAGuestRunningAtHomeAgainGoesAfterWhatWasHeld) {
  ASSERT_NO_FATAL_FAILURE(hold_one_then_run_at_home_again());
  from_uplink({ethernet_frame(guest_mac, site_router_mac, udp_packet({correspondent, home_address}, 9))});
  ASSERT_EQ(h.guests_sink.packets.size(), 2u);
  EXPECT_EQ(h.guests_sink.frames()[0].size(), 14u + 40 + 8 + 5);  // the held one first
  EXPECT_EQ(h.guests_sink.frames()[1].size(), 14u + 40 + 8 + 9);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::released), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::passed), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 0u);
}

// A guest paused here for a migration: a frame from it is one that was in
// flight before the pause, not the resume signal of an arriving guest. It
// goes on its way; what is held for the guest stays held.
TEST_F(HostPipelineTest, AFrameFromAPausedGuestReleasesNothingAndSignalsNoResume) {
  GuestSpec paused = away_guest(false);
  paused.paused = true;
  ASSERT_TRUE(h.table.set_guest(paused));
  from_uplink({tunnelled_to_guest(1), tunnelled_to_guest(2)});
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 2u);
  from_guests({guest_udp()});
  EXPECT_TRUE(h.guests_sink.packets.empty());
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 2u);
  EXPECT_EQ(h.counters.resumes_signalled, 0u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::encapsulated), 1u);  // the frame itself goes on
  housekeeping();
  EXPECT_TRUE(h.guests_sink.packets.empty());
}

// The guest arrived, ran here (its first frame was the resume signal), was
// marked resumed, then paused for its next move with no frame since: what
// arrives for it now waits, even though this core once saw it running.
TEST_F(HostPipelineTest, AGuestPausedAfterRunningHereHasItsPacketsHeldAgain) {
  ASSERT_TRUE(h.table.set_guest(away_guest(false)));
  from_guests({guest_udp()});
  EXPECT_EQ(h.counters.resumes_signalled, 1u);
  ASSERT_TRUE(h.table.set_guest(away_guest(true)));
  from_uplink({tunnelled_to_guest(1)});
  ASSERT_EQ(h.guests_sink.packets.size(), 1u);
  GuestSpec paused = away_guest(false);
  paused.paused = true;
  ASSERT_TRUE(h.table.set_guest(paused));
  from_uplink({tunnelled_to_guest(2), tunnelled_to_guest(3)});
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 2u);
  housekeeping();
  EXPECT_EQ(h.guests_sink.packets.size(), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::released), 0u);
}

// A guest migrating away: what is delivered to it is remembered. At its
// pause, what was delivered since just before QEMU stopped it (QEMU may have
// left it unread in the tap) is held again, ahead of what arrives after, and
// handed over with it in the order it was sent.
TEST_F(HostPipelineTest, WhatAMigratingGuestMayHaveMissedIsHeldAgainAtItsPauseAndHandedOver) {
  GuestSpec g = migrating_away_guest();
  ASSERT_TRUE(h.table.set_guest(g));
  h.ctx.now_tsc = 1000;
  from_uplink({tunnelled_to_guest(1), tunnelled_to_guest(2)});
  h.ctx.now_tsc = 2000;
  from_uplink({tunnelled_to_guest(3), tunnelled_to_guest(4)});
  ASSERT_EQ(h.guests_sink.packets.size(), 4u);
  g.resumed = false;
  g.paused = true;
  g.replay_from_tsc = 1500;
  ASSERT_TRUE(h.table.set_guest(g));
  h.ctx.now_tsc = 3000;
  from_uplink({tunnelled_to_guest(5)});
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::replayed), 2u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 3u);
  EXPECT_EQ(h.guests_sink.packets.size(), 4u);
  g.forward_to = ip("2001:db8:c::2");  // the Home Agent's notice
  ASSERT_TRUE(h.table.set_guest(g));
  housekeeping();
  ASSERT_EQ(h.uplink_sink.packets.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const Bytes out = h.uplink_sink.frames()[i];
    EXPECT_EQ(out.size(), 14u + 40 + 40 + 8 + 3 + i) << i;  // 3, 4 (replayed), then 5
    const auto outer = *wire::Ipv6View::parse({out.data() + 14, out.size() - 14});
    EXPECT_EQ(outer.src(), care_of);
    EXPECT_EQ(outer.dst(), home_agent);
  }
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::handed_over), 3u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 0u);
}

// A migrating guest paused, then running here again (QEMU resumed it: the
// migration failed or was cancelled), still migrating: what was held for it
// is delivered and remembered as anything delivered to it is, so its next
// pause replays it too.
TEST_F(HostPipelineTest, WhatTheNextPacketReleasesToAMigratingGuestIsRememberedForItsNextPause) {
  expect_release_remembered([this] {});
}

TEST_F(HostPipelineTest, WhatHousekeepingReleasesToAMigratingGuestIsRememberedForItsNextPause) {
  expect_release_remembered([this] {
    housekeeping();
    EXPECT_EQ(h.guests_sink.packets.size(), 1u);
    EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::released), 1u);
  });
}

// Nothing arrives after the pause: housekeeping holds what may have been
// missed, so the hand-over still sends it.
TEST_F(HostPipelineTest, HousekeepingHoldsWhatAPausedGuestMayHaveMissed) {
  GuestSpec g = migrating_away_guest();
  ASSERT_TRUE(h.table.set_guest(g));
  h.ctx.now_tsc = 1000;
  from_uplink({tunnelled_to_guest(1), tunnelled_to_guest(2)});
  housekeeping();  // still running: kept, nothing held
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::replayed), 0u);
  g.resumed = false;
  g.paused = true;
  g.replay_from_tsc = 500;
  ASSERT_TRUE(h.table.set_guest(g));
  housekeeping();
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::replayed), 2u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 2u);
  // It resumes here after all (the migration failed): they reach it again.
  ASSERT_TRUE(h.table.set_guest(away_guest(true)));
  housekeeping();
  EXPECT_EQ(h.guests_sink.packets.size(), 4u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::released), 2u);
}

// The migration ended without a pause: what was remembered is let go, and
// a later pause replays nothing.
TEST_F(HostPipelineTest, AGuestNoLongerMigratingIsForgotten) {
  const unsigned before = rte_mempool_avail_count(h.pool);
  GuestSpec g = migrating_away_guest();
  ASSERT_TRUE(h.table.set_guest(g));
  from_uplink({tunnelled_to_guest(1)});
  ASSERT_TRUE(h.table.set_guest(away_guest(true)));
  housekeeping();
  h.guests_sink.clear();
  EXPECT_EQ(rte_mempool_avail_count(h.pool), before);
  g.keep_recent = false;
  g.resumed = false;
  g.paused = true;
  g.replay_from_tsc = 1;
  ASSERT_TRUE(h.table.set_guest(g));
  housekeeping();
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::replayed), 0u);
}

// Migrating from home: native frames are delivered and remembered; at the
// pause what may have been missed is held again, ahead of what comes after.
TEST_F(HostPipelineTest, NativeFramesToAGuestMigratingFromHomeAreRememberedAndReplayedAtItsPause) {
  const auto native = [](std::size_t data) {
    return ethernet_frame(guest_mac, site_router_mac, udp_packet({correspondent, home_address, 50, 0, 0}, data));
  };
  GuestSpec home = away_guest(true);
  home.away = false;
  home.holding_at_home = true;
  home.keep_recent = true;
  ASSERT_TRUE(h.table.set_guest(home));
  h.ctx.now_tsc = 1000;
  from_uplink({native(10), native(11)});
  ASSERT_EQ(h.guests_sink.packets.size(), 2u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::passed), 2u);
  home.resumed = false;
  home.paused = true;
  home.replay_from_tsc = 900;
  ASSERT_TRUE(h.table.set_guest(home));
  from_uplink({native(12)});
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::replayed), 2u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 3u);
  home.forward_to = ip("2001:db8:c::2");
  ASSERT_TRUE(h.table.set_guest(home));
  housekeeping();
  ASSERT_EQ(h.uplink_sink.packets.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(h.uplink_sink.frames()[i].size(), 14u + 40 + 40 + 8 + 10 + i) << i;
}

TEST_F(HostPipelineTest, HousekeepingReleasesWhenMip6dMarksTheGuestResumed) {
  ASSERT_TRUE(h.table.set_guest(away_guest(false)));
  from_uplink({tunnelled_to_guest(1), tunnelled_to_guest(2)});
  ASSERT_TRUE(h.table.set_guest(away_guest(true)));
  housekeeping();
  ASSERT_EQ(h.guests_sink.packets.size(), 2u);
  EXPECT_EQ(h.guests_sink.frames()[0].size(), 14u + 40 + 8 + 1);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::released), 2u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 0u);
}

TEST_F(HostPipelineTest, HeldPacketsExpireAndOverflowByReason) {
  ASSERT_TRUE(h.table.set_guest(away_guest(false)));
  h.ctx.now_tsc = 1'000'000;
  from_uplink({tunnelled_to_guest(1), tunnelled_to_guest(2)});
  h.ctx.now_tsc += 20'000;
  from_uplink({tunnelled_to_guest(3), tunnelled_to_guest(4), tunnelled_to_guest(5)});  // 4 per guest
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 4u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_hold_full), 1u);
  h.ctx.now_tsc = 1'000'000 + 49'999;
  housekeeping();
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_hold_expired), 0u);
  h.ctx.now_tsc = 1'000'000 + 50'000;  // timeout 50 ms: the first two go
  housekeeping();
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_hold_expired), 2u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 2u);
  h.ctx.now_tsc += 20'000;
  housekeeping();
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_hold_expired), 4u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 0u);
  EXPECT_TRUE(h.guests_sink.packets.empty());
  EXPECT_EQ(h.total(DatapathPort::uplink), 5u);
}

TEST_F(HostPipelineTest, HeldPacketsOfAGuestThatLeftAreDropped) {
  ASSERT_TRUE(h.table.set_guest(away_guest(false)));
  from_uplink({tunnelled_to_guest(1)});
  ASSERT_TRUE(h.table.clear_guest(guest_mac));
  housekeeping();
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_hold_expired), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 0u);
}

// Resumed here, its BU sent, no acknowledgement yet: the Home Agent would
// drop what the guest tunnels (unknown binding, or the old care-of address),
// so its packets wait, and go first, in order, once the binding is ours.
GuestSpec awaiting_its_binding() {
  GuestSpec g = away_guest(true);
  g.awaiting_binding = true;
  return g;
}

// The inner packets' UDP payload sizes, in the order they entered the tunnel.
std::vector<std::size_t> tunnelled_sizes(const std::vector<Bytes>& frames) {
  std::vector<std::size_t> sizes;
  for (const Bytes& out : frames) {
    const auto outer = wire::Ipv6View::parse({out.data() + 14, out.size() - 14});
    if (!outer || outer->next_header() != 41) {
      sizes.push_back(0);
      continue;
    }
    const auto inner = wire::Ipv6View::parse(outer->payload());
    sizes.push_back(inner ? inner->payload_length() - 8u : 0);
  }
  return sizes;
}

TEST_F(HostPipelineTest, WhatAGuestSendsBeforeItsBindingIsHeldThenTunnelledFirstInOrder) {
  ASSERT_TRUE(h.table.set_guest(awaiting_its_binding()));
  from_guests({guest_udp(1), guest_udp(2)});
  EXPECT_TRUE(h.uplink_sink.packets.empty());
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::held), 2u);
  housekeeping();  // still awaited, not expired
  EXPECT_TRUE(h.uplink_sink.packets.empty());

  // The BA came: the next frame goes after what waited.
  ASSERT_TRUE(h.table.set_guest(away_guest(true)));
  from_guests({guest_udp(3)});
  const std::vector<Bytes> sent = h.uplink_sink.frames();  // a copy: the view below reads it
  ASSERT_EQ(tunnelled_sizes(sent), (std::vector<std::size_t>{1, 2, 3}));
  const auto outer = *wire::Ipv6View::parse({sent[0].data() + 14, sent[0].size() - 14});
  EXPECT_EQ(outer.src(), care_of);
  EXPECT_EQ(outer.dst(), home_agent);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::held), 0u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::released), 2u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::encapsulated), 1u);
  EXPECT_EQ(h.table.guest_counters(guest_mac)->encapsulated_packets, 3u);
  // Every frame in exactly one disposition, plus the one liveness copy.
  EXPECT_EQ(h.total(DatapathPort::guests), h.counters.port[1].rx_packets + 1);
}

TEST_F(HostPipelineTest, HousekeepingSendsWhatWaitedOnceTheBindingCame) {
  ASSERT_TRUE(h.table.set_guest(awaiting_its_binding()));
  from_guests({guest_udp(1), guest_udp(2)});
  ASSERT_TRUE(h.table.set_guest(away_guest(true)));
  housekeeping();
  EXPECT_EQ(tunnelled_sizes(h.uplink_sink.frames()), (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::released), 2u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::held), 0u);
}

TEST_F(HostPipelineTest, WhatWaitedForABindingStillPassesTheTunnelsChecks) {
  ASSERT_TRUE(h.table.set_guest(awaiting_its_binding()));
  // Checked before it waits: wrong source, link scope.
  from_guests({ethernet_frame(router_mac, guest_mac, udp_packet({ip("2001:db8:a::99"), correspondent}, 8)),
               ethernet_frame(router_mac, guest_mac, udp_packet({home_address, ip("ff02::16")}, 8))});
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_ingress_filter), 1u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_link_scope), 1u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::held), 0u);
  // Checked when it leaves: its hop limit runs out in the tunnel.
  from_guests({guest_udp(8, 1)});
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::held), 1u);
  ASSERT_TRUE(h.table.set_guest(away_guest(true)));
  housekeeping();
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_hop_limit), 1u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::time_exceeded_sent), 1u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::held), 0u);
  ASSERT_EQ(h.guests_sink.packets.size(), 1u);  // the Time Exceeded, to the guest
  EXPECT_TRUE(h.uplink_sink.packets.empty());
}

TEST_F(HostPipelineTest, NeighbourDiscoveryOfAGuestAwaitingItsBindingIsPuntedNotHeld) {
  ASSERT_TRUE(h.table.set_guest(awaiting_its_binding()));
  from_guests({ethernet_frame(mac("33:33:00:00:00:02"), guest_mac,
                              icmpv6_packet({guest_link_local, ip("ff02::2"), 255}, 133, Bytes(4)))});
  EXPECT_EQ(h.punted().size(), 1u);
  EXPECT_TRUE(h.only(Disposition::punted, 1, DatapathPort::guests));
}

TEST_F(HostPipelineTest, WhatWaitedForABindingExpiresOverflowsAndGoesWithItsGuest) {
  ASSERT_TRUE(h.table.set_guest(awaiting_its_binding()));
  h.ctx.now_tsc = 1'000'000;
  from_guests({guest_udp(1), guest_udp(2)});
  h.ctx.now_tsc += 20'000;
  from_guests({guest_udp(3), guest_udp(4), guest_udp(5)});  // 4 per guest
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::held), 4u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_hold_full), 1u);
  h.ctx.now_tsc = 1'000'000 + 50'000;  // timeout 50 ms: the first two go
  housekeeping();
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_hold_expired), 2u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::held), 2u);
  // Gone (or another guest in its slot): the rest is dropped, never sent.
  ASSERT_TRUE(h.table.clear_guest(guest_mac));
  housekeeping();
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_hold_expired), 4u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::held), 0u);
  EXPECT_TRUE(h.uplink_sink.packets.empty());
}

TEST_F(HostPipelineTest, WhatWaitedForABindingLeavesNativelyWhenTheGuestIsHomeInstead) {
  ASSERT_TRUE(h.table.set_guest(awaiting_its_binding()));
  const Bytes first = guest_udp(1);
  from_guests({first});
  GuestSpec home = away_guest(true);
  home.away = false;
  ASSERT_TRUE(h.table.set_guest(home));
  const Bytes second = guest_udp(2);
  from_guests({second});
  EXPECT_EQ(h.uplink_sink.frames(), (std::vector<Bytes>{first, second}));
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::released), 1u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::passed), 1u);
}

TEST_F(HostPipelineTest, AwaitingABindingMeansNothingForAGuestAtHome) {
  GuestSpec home = away_guest(true);
  home.away = false;
  home.awaiting_binding = true;
  ASSERT_TRUE(h.table.set_guest(home));
  from_guests({guest_udp(1)});
  EXPECT_EQ(h.uplink_sink.packets.size(), 1u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::passed), 1u);
}

TEST_F(HostPipelineTest, OnlyHoldSettingsGuestsHoldAtOnce) {
  // Three away guests, hold queues for two.
  for (int g = 0; g < 3; ++g) {
    GuestSpec spec = away_guest(false);
    spec.mac.bytes[5] = static_cast<std::uint8_t>(0x20 + g);
    spec.home_address.bytes[15] = static_cast<std::uint8_t>(0x20 + g);
    ASSERT_TRUE(h.table.set_guest(spec));
  }
  std::vector<Bytes> frames;
  for (int g = 0; g < 3; ++g) {
    auto hoa = home_address;
    hoa.bytes[15] = static_cast<std::uint8_t>(0x20 + g);
    frames.push_back(ethernet_frame(uplink_mac, site_router_mac,
                                    ip6ip6_packet({home_agent, care_of}, udp_packet({correspondent, hoa}, 8))));
  }
  from_uplink(frames);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::held), 2u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_hold_full), 1u);
}

TEST_F(HostPipelineTest, PipelineWithoutCapacityAllocatesItsStateInHousekeeping) {
  // Over a table without reader state, where the state is the pipeline's.
  PipelineHarness plain{{}, 0, false};
  HostPipeline lazy(host_settings());
  ASSERT_TRUE(plain.table.set_guest(away_guest(false)));
  rte_mbuf* before = to_mbuf(plain.pool, guest_udp());
  lazy.from_guests(plain.ctx, &before, 1);
  plain.flush();
  EXPECT_EQ(plain.counters.resumes_signalled, 0u);  // no state yet, no signal
  lazy.housekeeping(plain.ctx);
  rte_mbuf* m = to_mbuf(plain.pool, guest_udp());
  lazy.from_guests(plain.ctx, &m, 1);
  plain.flush();
  EXPECT_EQ(plain.counters.resumes_signalled, 1u);
}

TEST_F(HostPipelineTest, TxFullIsCountedOnTopOfTheDisposition) {
  seen_resumed();
  h.uplink_sink.accept = 0;
  from_guests({guest_udp()});
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::encapsulated), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_tx_full), 1u);
  EXPECT_EQ(h.counters.port[0].tx_packets, 0u);
}


TEST_F(HostPipelineTest, OuterExtensionHeadersAreStrippedWithTheOuterHeader) {
  seen_resumed();
  const Bytes inner = udp_packet({correspondent, home_address, 50}, 16);
  const Bytes frame = ethernet_frame(uplink_mac, site_router_mac,
                                     with_destination_options(ip6ip6_packet({home_agent, care_of}, inner), 4));
  from_uplink({frame});
  ASSERT_EQ(h.guests_sink.packets.size(), 1u);
  const Bytes out = h.guests_sink.frames()[0];
  EXPECT_EQ(Bytes(out.begin() + 14, out.end()), inner);
  EXPECT_EQ(wire::MacAddr::from_bytes(out.data()), guest_mac);
  EXPECT_EQ(wire::MacAddr::from_bytes(out.data() + 6), router_mac);
  EXPECT_TRUE(h.only(Disposition::decapsulated, 1, DatapathPort::uplink));
}

TEST_F(HostPipelineTest, NoHeadroomForTheOuterHeaderIsCounted) {
  seen_resumed();
  const Bytes frame = guest_udp();
  rte_mbuf* m = rte_pktmbuf_alloc(h.pool);
  ASSERT_NE(m, nullptr);
  m->data_off = 20;  // less than the 40 bytes of an outer header
  std::memcpy(rte_pktmbuf_append(m, static_cast<std::uint16_t>(frame.size())), frame.data(), frame.size());
  pipeline.from_guests(h.ctx, &m, 1);
  h.flush();
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_no_mbuf), 1u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::encapsulated), 0u);
  EXPECT_TRUE(h.uplink_sink.packets.empty());
}

TEST_F(HostPipelineTest, ChainedMbufsAreLinearisedFirst) {
  seen_resumed();
  const Bytes frame = guest_udp(200);
  rte_mbuf* head = to_mbuf(h.pool, Bytes(frame.begin(), frame.begin() + 30));
  rte_mbuf* tail = to_mbuf(h.pool, Bytes(frame.begin() + 30, frame.end()));
  ASSERT_EQ(rte_pktmbuf_chain(head, tail), 0);
  pipeline.from_guests(h.ctx, &head, 1);
  h.flush();
  ASSERT_EQ(h.uplink_sink.packets.size(), 1u);
  const Bytes out = h.uplink_sink.frames()[0];
  ASSERT_EQ(out.size(), frame.size() + 40);
  EXPECT_EQ(Bytes(out.begin() + 54 + 8, out.end()), Bytes(frame.begin() + 14 + 8, frame.end()));
  EXPECT_EQ(h.counters.port[1].rx_bytes, frame.size());
}

TEST_F(HostPipelineTest, NoMbufForThePacketTooBigIsCounted) {
  seen_resumed();
  from_guests({guest_udp()});  // liveness copy out of the way
  rte_mbuf* m = to_mbuf(h.pool, guest_udp(1500));
  rte_mempool* empty = rte_pktmbuf_pool_create(unique_name("empty").c_str(), 1, 0, 0,
                                               RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  ASSERT_NE(empty, nullptr);
  rte_mbuf* hog = rte_pktmbuf_alloc(empty);
  rte_mempool* real_pool = h.ctx.pool;
  h.ctx.pool = empty;
  pipeline.from_guests(h.ctx, &m, 1);
  h.flush();
  h.ctx.pool = real_pool;
  rte_pktmbuf_free(hog);
  rte_mempool_free(empty);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_too_big), 1u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_no_mbuf), 1u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::packet_too_big_sent), 0u);
  EXPECT_TRUE(h.guests_sink.packets.empty());
}


TEST_F(HostPipelineTest, AGuestThatLeavesAndComesBackIsSignalledAgain) {
  ASSERT_TRUE(h.table.set_guest(away_guest(false)));
  from_guests({guest_udp()});
  EXPECT_EQ(h.counters.resumes_signalled, 1u);
  ASSERT_TRUE(h.table.set_guest(away_guest(true)));  // mip6d took the signal
  from_guests({guest_udp()});
  EXPECT_EQ(h.counters.resumes_signalled, 1u);
  ASSERT_TRUE(h.table.set_guest(away_guest(false)));  // it left and is arriving again
  from_guests({guest_udp()});
  EXPECT_EQ(h.counters.resumes_signalled, 2u);
}

TEST_F(HostPipelineTest, HeldPacketsDoNotGoToTheNextGuestOfTheSlot) {
  ASSERT_TRUE(h.table.set_guest(away_guest(false)));
  const auto old_slot = h.table.find_guest_for_writer(guest_mac)->slot;
  const auto old_generation = h.table.find_guest_for_writer(guest_mac)->generation;
  from_uplink({tunnelled_to_guest(1)});
  ASSERT_TRUE(h.table.clear_guest(guest_mac));
  // Let the grace period pass so the slot can be handed out again.
  h.table.quiescent(h.ctx.reader);
  h.table.reclaim();
  ASSERT_TRUE(h.table.set_guest(away_guest(true)));
  const GuestRecord* again = h.table.find_guest_for_writer(guest_mac);
  ASSERT_NE(again, nullptr);
  EXPECT_TRUE(again->slot != old_slot || again->generation != old_generation);
  housekeeping();
  EXPECT_TRUE(h.guests_sink.packets.empty());
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_hold_expired), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::released), 0u);
}

}  // namespace
}  // namespace roam6::datapath

namespace roam6::datapath {
namespace {

// RFC 8200 4.5 by hand: fragment `length` octets of `packet`'s fragmentable
// part from `offset` (no extension headers in `packet`).
Bytes fragment_of(const Bytes& packet, std::size_t offset, std::size_t length, bool more,
                  std::uint32_t identification) {
  Bytes f(48 + length);
  std::memcpy(f.data(), packet.data(), 40);
  f[6] = wire::ipproto::fragment;
  wire::store_be16(f.data() + 4, static_cast<std::uint16_t>(8 + length));
  f[40] = packet[6];
  wire::store_be16(f.data() + 42, static_cast<std::uint16_t>(offset | (more ? 1 : 0)));
  wire::store_be32(f.data() + 44, identification);
  std::memcpy(f.data() + 48, packet.data() + 40 + offset, length);
  return f;
}

TEST_F(HostPipelineTest, EncapsulationLimitZeroGetsParameterProblemFromTheHomeRouter) {
  seen_resumed();
  from_guests({guest_udp()});  // the liveness copy out of the way
  (void)h.punted();
  const Bytes offending = ethernet_frame(
      router_mac, guest_mac, with_destination_options(udp_packet({home_address, correspondent}, 8), 0));
  from_guests({offending});
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::drop_hop_limit), 1u);
  EXPECT_EQ(h.count(DatapathPort::guests, Disposition::parameter_problem_sent), 1u);
  ASSERT_EQ(h.guests_sink.packets.size(), 1u);
  const Bytes pp = h.guests_sink.frames()[0];
  const auto ip6 = *wire::Ipv6View::parse({pp.data() + 14, pp.size() - 14});
  EXPECT_EQ(ip6.src(), router_link_local);
  EXPECT_EQ(ip6.dst(), home_address);
  const auto icmp = wire::parse_icmpv6(ip6, ip6.payload());
  ASSERT_TRUE(icmp.ok());
  EXPECT_EQ(icmp->type(), 4);
  EXPECT_EQ(icmp->code(), 0);
  EXPECT_EQ(load_be32(pp.data() + 14 + 44), 44u);  // RFC 2473 4.1.1 (b): the limit octet
  EXPECT_EQ(Bytes(pp.begin() + 14 + 48, pp.end()), Bytes(offending.begin() + 14, offending.end()));
}

TEST_F(HostPipelineTest, TunnelledMobilityHeaderForTheGuestIsPuntedWhole) {
  seen_resumed();
  const Bytes brr = ethernet_frame(
      uplink_mac, site_router_mac,
      ip6ip6_packet({home_agent, care_of, 60}, mobility_packet({home_agent, home_address})));
  from_uplink({brr});
  EXPECT_TRUE(h.only(Disposition::punted_tunnelled_mobility, 1, DatapathPort::uplink));
  const auto punted = h.punted();
  ASSERT_EQ(punted.size(), 1u);
  EXPECT_EQ(bytes_of(punted[0]), brr);
  EXPECT_EQ(PuntQueue::port_of(punted[0]), DatapathPort::uplink);
  EXPECT_TRUE(h.guests_sink.packets.empty());
  EXPECT_EQ(h.table.guest_counters(guest_mac)->decapsulated_packets, 0u);
}

TEST_F(HostPipelineTest, TunnelledHopLimitZeroGetsTimeExceededFromTheCareOfAddress) {
  seen_resumed();
  const Bytes inner = udp_packet({correspondent, home_address, 0}, 16);
  const Bytes frame =
      ethernet_frame(uplink_mac, site_router_mac, ip6ip6_packet({home_agent, care_of, 60}, inner));
  from_uplink({frame});
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_hop_limit), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::time_exceeded_sent), 1u);
  EXPECT_TRUE(h.guests_sink.packets.empty());
  ASSERT_EQ(h.uplink_sink.packets.size(), 1u);
  const Bytes te = h.uplink_sink.frames()[0];
  EXPECT_EQ(wire::MacAddr::from_bytes(te.data()), site_router_mac);
  EXPECT_EQ(wire::MacAddr::from_bytes(te.data() + 6), uplink_mac);
  const auto ip6 = *wire::Ipv6View::parse({te.data() + 14, te.size() - 14});
  EXPECT_EQ(ip6.src(), care_of);
  EXPECT_EQ(ip6.dst(), correspondent);
  EXPECT_EQ(te[14 + 40], 3);
  EXPECT_EQ(te[14 + 41], 0);
  EXPECT_EQ(Bytes(te.begin() + 14 + 48, te.end()), inner);
}

TEST_F(HostPipelineTest, FragmentsForTheCareOfAddressAreReassembledThenDecapsulated) {
  seen_resumed();
  const Bytes inner = udp_packet({correspondent, home_address, 30}, 1232);
  const Bytes packet = ip6ip6_packet({home_agent, care_of, 60}, inner);
  const Bytes first = ethernet_frame(uplink_mac, site_router_mac, fragment_of(packet, 0, 1000, true, 42));
  const Bytes last =
      ethernet_frame(uplink_mac, site_router_mac, fragment_of(packet, 1000, 1280 - 1000, false, 42));
  from_uplink({first});
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::reassembling), 1u);
  EXPECT_TRUE(h.guests_sink.packets.empty());
  from_uplink({last});
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::reassembling), 0u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::reassembled), 2u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::decapsulated), 1u);
  ASSERT_EQ(h.guests_sink.packets.size(), 1u);
  EXPECT_EQ(h.guests_sink.packets[0]->nb_segs, 1);
  const Bytes out = h.guests_sink.frames()[0];
  EXPECT_EQ(Bytes(out.begin() + 14, out.end()), inner);
}

TEST_F(HostPipelineTest, AbandonedReassemblySendsTimeExceededForTheFirstFragment) {
  seen_resumed();
  const Bytes packet =
      ip6ip6_packet({home_agent, care_of, 60}, udp_packet({correspondent, home_address, 30}, 1232));
  const Bytes first_ip = fragment_of(packet, 0, 1000, true, 43);
  from_uplink({ethernet_frame(uplink_mac, site_router_mac, first_ip)});
  // The timeout counts in TSC cycles of rte_get_tsc_hz(): 1000 ms by default.
  h.ctx.now_tsc += rte_get_tsc_hz() + 1;
  housekeeping();
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::reassembling), 0u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::drop_reassembly_timeout), 1u);
  EXPECT_EQ(h.count(DatapathPort::uplink, Disposition::time_exceeded_sent), 1u);
  ASSERT_EQ(h.uplink_sink.packets.size(), 1u);
  const Bytes te = h.uplink_sink.frames()[0];
  const auto ip6 = *wire::Ipv6View::parse({te.data() + 14, te.size() - 14});
  EXPECT_EQ(ip6.src(), care_of);
  EXPECT_EQ(ip6.dst(), home_agent);
  EXPECT_EQ(te[14 + 40], 3);
  EXPECT_EQ(te[14 + 41], 1);  // fragment reassembly time exceeded
  EXPECT_EQ(Bytes(te.begin() + 14 + 48, te.end()), first_ip);
}

}  // namespace
}  // namespace roam6::datapath
