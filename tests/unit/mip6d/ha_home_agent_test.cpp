#include "mip6d/home_agent/home_agent.hpp"

#include <gtest/gtest.h>

#include <random>

#include "daemon_test_support.hpp"
#include "memory_binding_store.hpp"
#include "mip6d/config/config_loader.hpp"
#include "tests/support/mip6d/fake_packet_io.hpp"
#include "mip6d/io/recording_forwarding_table.hpp"
#include "tests/support/mip6d/simulated_scheduler.hpp"
#include "mip6d/signalling/ntp_timestamp.hpp"
#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/icmpv6.hpp"
#include "roam6/wire/neighbour_discovery.hpp"

namespace roam6::mip6d::ha {
namespace {

using namespace std::chrono_literals;
using wire::Ip6Addr;
using wire::MacAddr;

Ip6Addr addr(const char* s) { return *Ip6Addr::parse(s); }
MacAddr mac(const char* s) { return *MacAddr::parse(s); }

constexpr const char* kConfig = R"(
role = "home-agent"
node_name = "ha-a"
[interfaces]
uplink = "eth0"
[home_agent]
address = "2001:db8:a::1"
home_prefixes = ["2001:db8:a::/64"]
max_lifetime = 3600
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
[[keys]]
name = "rogue"
spi = 1002
secret_hex = "ffeeddccbbaa99887766554433221100"
[[keys]]
name = "site-a-hosts"
spi = 1003
secret_hex = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
[[policy]]
key = "site-b-hosts"
care_of_prefixes = ["2001:db8:b::/48"]
home_prefixes = ["2001:db8:a::/64"]
[[policy]]
key = "site-a-hosts"
care_of_prefixes = ["2001:db8:a::/64"]
home_prefixes = ["2001:db8:a::/64"]
)";

const MacAddr kHaMac = mac("02:00:00:00:0a:99");
const MacAddr kRouterMac = mac("02:00:00:00:0a:01");
const Ip6Addr kHa = addr("2001:db8:a::1");
const Ip6Addr kHoa = addr("2001:db8:a::100");
const Ip6Addr kCoaB = addr("2001:db8:b::2");

class HomeAgentTest : public ::testing::Test {
 protected:
  HomeAgentTest() : config(load()), host_keys(config.keys) {
    io.set_mac(Port::uplink, kHaMac);
  }
  static Config load() {
    auto r = load_config_string(kConfig, "ha-test.toml");
    if (!r) throw std::runtime_error(r.error_report());
    return std::move(r).config();
  }
  void start() {
    ha = std::make_unique<HomeAgent>(config, sched, io, fib, store, log);
    ha->start();
  }

  // A BU frame from the home router, as a host at site-b would send it.
  std::vector<std::uint8_t> bu_frame(std::uint16_t seq, std::chrono::seconds lifetime,
                                     const Ip6Addr& coa = kCoaB, const char* key = "site-b-hosts",
                                     std::optional<std::uint64_t> timestamp = std::nullopt,
                                     const Ip6Addr& hoa = kHoa,
                                     std::optional<wire::LinkLayerIdentifier> guest = std::nullopt) {
    BindingUpdateSpec s;
    s.care_of_address = coa;
    s.home_agent = kHa;
    s.home_address = hoa;
    s.sequence = seq;
    s.lifetime = lifetime;
    s.timestamp = timestamp.value_or(to_ntp_timestamp(sched.wall_now()));
    s.link_layer_identifier = guest;
    return test::binding_update_frame({kHaMac, kRouterMac, s}, *host_keys.find(key));
  }
  // The same, carrying the guest's MAC (RFC 5213 Mobile Node Link-layer
  // Identifier) as a roam6 host does.
  std::vector<std::uint8_t> bu_frame_for_guest(const char* guest_mac, std::uint16_t seq, std::chrono::seconds lifetime,
                                               const Ip6Addr& coa = kCoaB) {
    return bu_frame(seq, lifetime, coa, "site-b-hosts", std::nullopt, kHoa,
                    wire::LinkLayerIdentifier::of(mac(guest_mac)));
  }
  void deliver(const std::vector<std::uint8_t>& frame) {
    io.inject(Port::uplink, frame, sched.now());
    sched.run_ready();
  }
  // The BAs sent since the last call, decoded and verified with the host's keys.
  std::vector<ReceivedBindingAck> acks() {
    std::vector<ReceivedBindingAck> out;
    for (const auto& f : io.take_sent(Port::uplink)) {
      auto eth = wire::EthernetView::parse(f);
      if (!eth || eth->ethertype() != wire::ethertype::ipv6) continue;
      wire::MobilityPacket p;
      if (wire::decode_mobility_packet(eth->payload(), p) != wire::Errc::ok) continue;
      if (p.mh.type() != wire::mh_type::binding_ack) continue;
      EXPECT_EQ(eth->dst(), kRouterMac);  // back the way the BU came
      ReceivedBindingAck ba;
      const auto r = check_binding_ack(p, host_keys, ba);
      EXPECT_TRUE(r.ok()) << name(r.drop);
      out.push_back(ba);
    }
    return out;
  }

  Config config;
  KeyRing host_keys;
  SimulatedScheduler sched;
  FakePacketIo io;
  RecordingForwardingTable fib;
  test::MemoryBindingStore store;
  std::vector<std::string> lines;
  Logger log{LogLevel::debug, [this](LogLevel, std::string_view l) { lines.emplace_back(l); }};
  std::unique_ptr<HomeAgent> ha;
};

TEST_F(HomeAgentTest, AcceptsAuthenticatedBindingUpdate) {
  start();
  deliver(bu_frame(100, 600s));
  auto a = acks();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 0);
  EXPECT_EQ(a[0].sequence, 100);
  EXPECT_EQ(a[0].lifetime_seconds, 600u);
  EXPECT_EQ(a[0].home_address, kHoa);
  EXPECT_EQ(a[0].care_of_address, kCoaB);
  EXPECT_EQ(a[0].home_agent, kHa);
  ASSERT_NE(fib.care_of_address(kHoa), nullptr);
  EXPECT_EQ(*fib.care_of_address(kHoa), kCoaB);
  ASSERT_EQ(store.rows.count(kHoa), 1u);
  EXPECT_EQ(store.rows[kHoa].sequence, 100);
  EXPECT_EQ(store.rows[kHoa].care_of_address, kCoaB);
  EXPECT_EQ(ha->counters().bindings_created, 1u);
  const bool logged = std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
    return l.find("binding_changed change=created hoa=2001:db8:a::100 coa=2001:db8:b::2 seq=100") == 0;
  });
  EXPECT_TRUE(logged);
}

TEST_F(HomeAgentTest, AckLeavesOnlyAfterCommit) {
  start();
  bool committed_when_sent = false;
  io.set_send_hook(Port::uplink, [&](Port, wire::ByteSpan) { committed_when_sent = store.commits > 0 && !store.open; });
  deliver(bu_frame(100, 600s));
  EXPECT_TRUE(committed_when_sent);
}

TEST_F(HomeAgentTest, BurstOfUpdatesIsOneTransaction) {
  start();
  for (std::uint16_t i = 0; i < 10; ++i) {
    auto hoa = kHoa;
    hoa.bytes[15] = static_cast<std::uint8_t>(i);
    io.inject(Port::uplink, bu_frame(1, 600s, kCoaB, "site-b-hosts", std::nullopt, hoa), sched.now());
  }
  sched.run_ready();
  EXPECT_EQ(store.commits, 1u);
  EXPECT_EQ(store.rows.size(), 10u);
  EXPECT_EQ(acks().size(), 10u);
}

TEST_F(HomeAgentTest, SequenceOutOfWindowCarriesLastAccepted) {
  start();
  deliver(bu_frame(100, 600s));
  acks();
  sched.advance(1s);
  deliver(bu_frame(100, 600s));
  auto a = acks();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 135);
  EXPECT_EQ(a[0].sequence, 100);
  sched.advance(1s);
  deliver(bu_frame(101, 600s, addr("2001:db8:b::3")));
  a = acks();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 0);
  EXPECT_EQ(*fib.care_of_address(kHoa), addr("2001:db8:b::3"));
  EXPECT_EQ(ha->counters().bindings_moved, 1u);
}

TEST_F(HomeAgentTest, ForgedReplayedAndUnauthorisedChangeNothing) {
  start();
  // Forged: signed with a key the HA knows under another SPI -> auth fail.
  auto forged = bu_frame(100, 600s);
  forged[forged.size() - 1] ^= 0x55;  // last authenticator byte
  // Fix the MH checksum so the authenticator is what fails.
  {
    auto eth = wire::EthernetView::parse(forged);
    auto ip = wire::Ipv6View::parse(eth->payload());
    auto chain = wire::walk_extension_chain(*ip);
    ASSERT_EQ(wire::write_mobility_header_checksum(wire::MutableByteSpan(forged).subspan(14 + chain->upper_offset),
                                                   kHoa, kHa), wire::Errc::ok);
  }
  deliver(forged);
  auto a = acks();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 146);
  EXPECT_EQ(ha->counters().bu_dropped[static_cast<std::size_t>(SignallingDrop::bad_authenticator)], 1u);

  // Unauthorised: a valid key that policy does not allow for these prefixes.
  deliver(bu_frame(101, 600s, kCoaB, "rogue"));
  a = acks();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 129);

  EXPECT_TRUE(fib.tunnels().empty());
  EXPECT_TRUE(store.rows.empty());

  // Replayed: an accepted BU played again later.
  const auto good = bu_frame(102, 600s);
  deliver(good);
  ASSERT_EQ(acks().size(), 1u);
  sched.advance(2s);
  deliver(good);
  a = acks();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 144);
  ASSERT_TRUE(a[0].timestamp);
  EXPECT_EQ(*a[0].timestamp >> 32, to_ntp_timestamp(sched.wall_now()) >> 32);  // HA clock for resync
  EXPECT_EQ(store.rows[kHoa].sequence, 102);

  // Stale timestamp outside the window.
  deliver(bu_frame(103, 600s, kCoaB, "site-b-hosts", to_ntp_timestamp(sched.wall_now() - 60s)));
  a = acks();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 144);
  EXPECT_EQ(ha->counters().refused_by_status[144], 2u);
}

TEST_F(HomeAgentTest, UnauthenticatedOrUnknownSpiIsSilentlyDropped) {
  start();
  std::vector<Key> other_keys{config.keys[0]};
  other_keys[0].spi = 4242;
  KeyRing stranger(other_keys);
  BindingUpdateSpec s;
  s.care_of_address = kCoaB;
  s.home_agent = kHa;
  s.home_address = kHoa;
  s.sequence = 1;
  s.lifetime = 600s;
  s.timestamp = to_ntp_timestamp(sched.wall_now());
  deliver(test::binding_update_frame({kHaMac, kRouterMac, s}, *stranger.find(4242u)));
  EXPECT_TRUE(io.sent(Port::uplink).empty());
  EXPECT_EQ(ha->counters().bu_dropped[static_cast<std::size_t>(SignallingDrop::unknown_spi)], 1u);
  EXPECT_TRUE(fib.tunnels().empty());
}

TEST_F(HomeAgentTest, DeregistrationAndExpiry) {
  start();
  deliver(bu_frame(1, 600s));
  acks();
  sched.advance(1s);
  deliver(bu_frame(2, 0s));
  auto a = acks();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 0);
  EXPECT_EQ(a[0].lifetime_seconds, 0u);
  EXPECT_TRUE(fib.tunnels().empty());
  EXPECT_TRUE(store.rows.empty());

  sched.advance(1s);
  deliver(bu_frame(3, 60s));
  acks();
  ASSERT_EQ(fib.tunnels().size(), 1u);
  sched.advance(59s);
  EXPECT_EQ(fib.tunnels().size(), 1u);
  sched.advance(1s);
  EXPECT_TRUE(fib.tunnels().empty());
  EXPECT_TRUE(store.rows.empty());
  EXPECT_EQ(ha->counters().bindings_expired, 1u);
}

TEST_F(HomeAgentTest, DefendsHomeAddressOnTheHomeLink) {
  start();
  deliver(bu_frame(1, 600s));
  auto sent = io.take_sent(Port::uplink);  // the BA and the first NA
  ASSERT_EQ(sent.size(), 2u);
  sent.erase(sent.begin());
  sched.advance(3s);  // the other two unsolicited NAs, at 1 and 2 s
  for (auto& f : io.take_sent(Port::uplink)) sent.push_back(f);
  ASSERT_EQ(sent.size(), 3u);
  for (const auto& f : sent) {
    auto eth = wire::EthernetView::parse(f);
    EXPECT_EQ(eth->dst(), mac("33:33:00:00:00:01"));
    auto ip = wire::Ipv6View::parse(eth->payload());
    auto na = wire::parse_neighbour_advertisement(*ip, ip->payload());
    ASSERT_TRUE(na);
    EXPECT_EQ(na->target(), kHoa);
    EXPECT_TRUE(na->override_flag());
    EXPECT_EQ(na->options().target_link_layer, kHaMac);
  }
  // A neighbour solicits the home address: the HA answers with its own MAC.
  std::vector<std::uint8_t> f(256);
  const MacAddr neighbour = mac("52:54:00:00:00:77");
  auto head = wire::write_ethernet_header(f, wire::multicast_mac(wire::solicited_node_multicast(kHoa)),
                                          neighbour, wire::ethertype::ipv6);
  auto n = wire::write_neighbour_solicitation(wire::MutableByteSpan(f).subspan(*head),
                                              {.src = addr("2001:db8:a::77"), .target = kHoa,
                                               .dst = std::nullopt, .source_link_layer = neighbour});
  ASSERT_TRUE(n);
  f.resize(*head + *n);
  deliver(f);
  sent = io.take_sent(Port::uplink);
  ASSERT_EQ(sent.size(), 1u);
  auto eth = wire::EthernetView::parse(sent[0]);
  EXPECT_EQ(eth->dst(), neighbour);
  auto ip = wire::Ipv6View::parse(eth->payload());
  auto na = wire::parse_neighbour_advertisement(*ip, ip->payload());
  ASSERT_TRUE(na);
  EXPECT_TRUE(na->solicited());
  EXPECT_EQ(na->options().target_link_layer, kHaMac);

  // An address without a binding is not answered.
  f.resize(256);
  n = wire::write_neighbour_solicitation(wire::MutableByteSpan(f).subspan(*head),
                                         {.src = addr("2001:db8:a::77"), .target = addr("2001:db8:a::200"),
                                          .dst = std::nullopt, .source_link_layer = neighbour});
  f.resize(*head + *n);
  deliver(f);
  EXPECT_TRUE(io.sent(Port::uplink).empty());
}

// A BU frame turned into MH type 42; with its checksum recomputed unless
// `keep_checksum` (then it no longer matches).
std::vector<std::uint8_t> unknown_type_frame(std::vector<std::uint8_t> f, bool keep_checksum) {
  // MH: after Ethernet 14 + IPv6 40 + HAO header 24; type at +2.
  constexpr std::size_t mh = 14 + 40 + 24;
  f[mh + 2] = 42;
  if (!keep_checksum) {
    const auto size = static_cast<std::size_t>(f[mh + 1] + 1) * 8;
    EXPECT_EQ(wire::write_mobility_header_checksum(wire::MutableByteSpan(f).subspan(mh, size), kHoa, kHa),
              wire::Errc::ok);
  }
  return f;
}

// The targets of the unsolicited NAs among `frames`, in order.
std::vector<Ip6Addr> announced(const std::vector<std::vector<std::uint8_t>>& frames) {
  std::vector<Ip6Addr> out;
  for (const auto& f : frames) {
    auto eth = wire::EthernetView::parse(f);
    if (!eth || eth->dst() != mac("33:33:00:00:00:01")) continue;
    auto ip = wire::Ipv6View::parse(eth->payload());
    auto na = wire::parse_neighbour_advertisement(*ip, ip->payload());
    if (na) out.push_back(na->target());
  }
  return out;
}

// A binding created while another one's announcements are under way is
// announced at once, not when the other one's next NA is due.
TEST_F(HomeAgentTest, NewBindingIsAnnouncedAtOnceWhileAnotherIsBeingAnnounced) {
  start();
  const Ip6Addr second = addr("2001:db8:a::101");
  deliver(bu_frame(1, 600s));
  EXPECT_EQ(announced(io.take_sent(Port::uplink)), std::vector<Ip6Addr>{kHoa});
  sched.advance(300ms);
  deliver(bu_frame(1, 600s, kCoaB, "site-b-hosts", std::nullopt, second));
  EXPECT_EQ(announced(io.take_sent(Port::uplink)), std::vector<Ip6Addr>{second});
  sched.advance(700ms);  // t = 1 s
  EXPECT_EQ(announced(io.take_sent(Port::uplink)), std::vector<Ip6Addr>{kHoa});
  sched.advance(300ms);  // t = 1.3 s
  EXPECT_EQ(announced(io.take_sent(Port::uplink)), std::vector<Ip6Addr>{second});
  sched.advance(2s);
  EXPECT_EQ(announced(io.take_sent(Port::uplink)), (std::vector<Ip6Addr>{kHoa, second}));
  sched.advance(5s);
  EXPECT_TRUE(announced(io.take_sent(Port::uplink)).empty());
  EXPECT_EQ(ha->counters().na_announced, 6u);
}

TEST_F(HomeAgentTest, UnknownMobilityHeaderTypeGetsBindingError) {
  start();
  deliver(unknown_type_frame(bu_frame(1, 600s), false));
  auto sent = io.take_sent(Port::uplink);
  ASSERT_EQ(sent.size(), 1u);
  auto eth = wire::EthernetView::parse(sent[0]);
  auto p = wire::decode_mobility_packet(eth->payload());
  ASSERT_TRUE(p);
  auto be = wire::BindingErrorView::from(p->mh);
  ASSERT_TRUE(be);
  EXPECT_EQ(be->status(), wire::be_status::unrecognized_mh_type);
  EXPECT_EQ(be->home_address(), kHoa);
  EXPECT_EQ(ha->counters().mh_malformed, 1u);
  EXPECT_EQ(ha->counters().be_sent, 1u);
}

// RFC 6275 9.2: the checksum is verified before the MH type; a corrupted
// message is dropped silently (and docs/signalling.md's table checks the
// checksum before answering an unknown type).
TEST_F(HomeAgentTest, UnknownMobilityHeaderTypeWithBadChecksumIsDroppedSilently) {
  start();
  deliver(unknown_type_frame(bu_frame(1, 600s), true));
  EXPECT_TRUE(io.take_sent(Port::uplink).empty());
  EXPECT_EQ(ha->counters().mh_bad_checksum, 1u);
  EXPECT_EQ(ha->counters().mh_malformed, 0u);
  EXPECT_EQ(ha->counters().be_sent, 0u);
}

// RFC 6275 9.3.3: no Binding Error to an unspecified or multicast source.
TEST_F(HomeAgentTest, NoBindingErrorToANonUnicastSource) {
  start();
  for (const char* source : {"::", "ff02::1"}) {
    deliver(unknown_type_frame(bu_frame(1, 600s, addr(source)), false));
    EXPECT_TRUE(io.take_sent(Port::uplink).empty()) << source;
  }
  EXPECT_EQ(ha->counters().mh_malformed, 2u);
  EXPECT_EQ(ha->counters().be_sent, 0u);
}

TEST_F(HomeAgentTest, RestartRestoresBindingsBeforeAnsweringAnything) {
  StoredBinding s;
  s.home_address = kHoa;
  s.care_of_address = kCoaB;
  s.expires = sched.wall_now() + 300s;
  s.sequence = 500;
  s.spi = 1001;
  store.rows[kHoa] = s;
  StoredBinding expired = s;
  expired.home_address = addr("2001:db8:a::101");
  expired.expires = sched.wall_now() - 1s;
  store.rows[expired.home_address] = expired;
  start();
  ASSERT_EQ(fib.tunnels().size(), 1u);
  EXPECT_EQ(*fib.care_of_address(kHoa), kCoaB);
  EXPECT_EQ(ha->counters().bindings_restored, 1u);
  // Sequence continuity survives the restart.
  deliver(bu_frame(500, 600s));
  auto a = acks();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 135);
  EXPECT_EQ(a[0].sequence, 500);
  // And the remaining lifetime too.
  sched.advance(300s);
  EXPECT_TRUE(fib.tunnels().empty());
}

TEST_F(HomeAgentTest, RestartDropsStoredBindingsOutsideTheHomePrefixes) {
  // Stored before the operator narrowed home_prefixes: no longer served.
  StoredBinding s;
  s.home_address = kHoa;
  s.care_of_address = kCoaB;
  s.expires = sched.wall_now() + 300s;
  store.rows[kHoa] = s;
  StoredBinding outside = s;
  outside.home_address = addr("2001:db8:e::5");
  store.rows[outside.home_address] = outside;
  start();
  ASSERT_EQ(fib.tunnels().size(), 1u);
  EXPECT_EQ(*fib.care_of_address(kHoa), kCoaB);
  EXPECT_EQ(fib.care_of_address(outside.home_address), nullptr);
  EXPECT_EQ(ha->counters().bindings_restored, 1u);
  sched.run_ready();  // the store's batch commits
  EXPECT_EQ(store.rows.count(outside.home_address), 0u);
  EXPECT_EQ(store.rows.count(kHoa), 1u);
}

TEST_F(HomeAgentTest, AnotherGuestsClaimToABoundAddressIsRefusedWith134AcrossARestart) {
  start();
  deliver(bu_frame_for_guest("52:54:00:00:00:01", 10, 600s));
  ASSERT_EQ(acks().at(0).status, 0);
  EXPECT_EQ(store.rows[kHoa].link_layer_identifier.to_string(), "52:54:00:00:00:01");
  // Another guest's host (another MAC) claims it, from elsewhere: refused,
  // and nothing moves, in the cache, the tunnel or the store.
  sched.advance(1s);
  deliver(bu_frame_for_guest("52:54:00:00:00:02", 11, 600s, addr("2001:db8:b::3")));
  auto a = acks();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, wire::ba_status::duplicate_address_detection_failed);
  EXPECT_EQ(*fib.care_of_address(kHoa), kCoaB);
  EXPECT_EQ(store.rows[kHoa].care_of_address, kCoaB);
  EXPECT_EQ(ha->counters().refused_by_status[134], 1u);
  // A BU without the option (an older host) refreshes and keeps the tie.
  sched.advance(1s);
  deliver(bu_frame(12, 600s));
  ASSERT_EQ(acks().at(0).status, 0);
  EXPECT_EQ(store.rows[kHoa].link_layer_identifier.to_string(), "52:54:00:00:00:01");
  // The tie survives a restart from the store; the guest itself moves on.
  ha.reset();
  start();
  sched.advance(1s);
  deliver(bu_frame_for_guest("52:54:00:00:00:02", 13, 0s, addr("2001:db8:b::3")));
  EXPECT_EQ(acks().at(0).status, wire::ba_status::duplicate_address_detection_failed);
  EXPECT_EQ(*fib.care_of_address(kHoa), kCoaB);
  deliver(bu_frame_for_guest("52:54:00:00:00:01", 13, 600s, addr("2001:db8:b::3")));
  ASSERT_EQ(acks().at(0).status, 0);
  EXPECT_EQ(*fib.care_of_address(kHoa), addr("2001:db8:b::3"));
}

TEST_F(HomeAgentTest, FailedCommitRollsBackAndRefuses) {
  start();
  deliver(bu_frame(1, 600s));
  acks();
  store.fail_next_commit = true;
  sched.advance(1s);
  deliver(bu_frame(2, 600s, addr("2001:db8:b::9")));
  auto a = acks();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 130);
  EXPECT_EQ(*fib.care_of_address(kHoa), kCoaB);  // the old binding stands
  EXPECT_EQ(ha->bindings().find(kHoa)->sequence, 1);
  EXPECT_EQ(ha->counters().store_failures, 1u);
}

TEST_F(HomeAgentTest, GarbageNeverCrashesAndIsCounted) {
  start();
  std::mt19937 rng(7);
  const auto good = bu_frame(1, 600s);
  for (int i = 0; i < 3000; ++i) {
    auto f = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) f[rng() % f.size()] = static_cast<std::uint8_t>(rng());
    f.resize(rng() % (f.size() + 1));
    io.inject(Port::uplink, f, sched.now());
  }
  sched.run_ready();
  const auto& c = ha->counters();
  EXPECT_EQ(c.frames_received, 3000u);
  EXPECT_LE(c.bindings_created, 1u);
}

// RFC 4285 6: a timestamp is accepted only if newer than the last one
// accepted for the home address. The memory of it must outlive the binding.
TEST_F(HomeAgentTest, ReplayAfterDeregistrationIsRefused) {
  start();
  const auto registration = bu_frame(1, 600s);
  deliver(registration);
  ASSERT_EQ(acks().at(0).status, 0);
  sched.advance(1s);
  deliver(bu_frame(2, 0s));
  ASSERT_EQ(acks().at(0).status, 0);
  ASSERT_EQ(ha->bindings().find(kHoa), nullptr);
  sched.advance(1s);
  deliver(registration);  // captured off the wire, resent within the window
  const auto a = acks();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 144);
  EXPECT_EQ(ha->bindings().find(kHoa), nullptr);
  EXPECT_TRUE(fib.tunnels().empty());
  EXPECT_EQ(ha->counters().replay_refused, 1u);
}

TEST_F(HomeAgentTest, ReplayAfterExpiryIsRefused) {
  start();
  const auto registration = bu_frame(1, 4s);
  deliver(registration);
  ASSERT_EQ(acks().at(0).status, 0);
  sched.advance(5s);
  ASSERT_EQ(ha->counters().bindings_expired, 1u);
  deliver(registration);  // 5 s old: still inside the 7 s window
  const auto a = acks();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 144);
  EXPECT_TRUE(fib.tunnels().empty());
}

TEST_F(HomeAgentTest, ReplayAfterRestartWithinTheWindowIsRefused) {
  start();
  const auto registration = bu_frame(1, 600s);
  deliver(registration);
  acks();
  sched.advance(1s);
  deliver(bu_frame(2, 0s));
  acks();
  // The record is in the store, in the batch that acknowledged the BU.
  ASSERT_EQ(store.replay_rows.size(), 1u);
  ha.reset();  // the Home Agent restarts on the same store
  sched.advance(2s);
  start();
  deliver(registration);
  const auto a = acks();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 144);
  EXPECT_TRUE(fib.tunnels().empty());
  EXPECT_EQ(ha->counters().replay_records_restored, 1u);
}

// A bound home address's replay record is its binding's row; a record of
// its own is written when the binding goes and the record is still of use.
TEST_F(HomeAgentTest, AReplayRecordIsStoredApartOnlyWhenItOutlivesTheBinding) {
  start();
  deliver(bu_frame(1, 600s));
  ASSERT_EQ(acks().at(0).status, 0);
  sched.advance(1s);
  deliver(bu_frame(2, 600s));  // a refresh
  ASSERT_EQ(acks().at(0).status, 0);
  EXPECT_EQ(store.rows.size(), 1u);
  EXPECT_TRUE(store.replay_rows.empty());
  sched.advance(1s);
  deliver(bu_frame(3, 0s));  // deregistration: no binding row any more
  acks();
  EXPECT_TRUE(store.rows.empty());
  ASSERT_EQ(store.replay_rows.size(), 1u);
  EXPECT_EQ(store.replay_rows.begin()->second.sequence, 3);
}

TEST_F(HomeAgentTest, ReplayAfterExpiryAndRestartWithinTheWindowIsRefused) {
  start();
  const auto registration = bu_frame(1, 4s);
  deliver(registration);
  ASSERT_EQ(acks().at(0).status, 0);
  EXPECT_TRUE(store.replay_rows.empty());
  sched.advance(5s);
  ASSERT_EQ(ha->counters().bindings_expired, 1u);
  EXPECT_TRUE(store.rows.empty());
  EXPECT_EQ(store.replay_rows.size(), 1u);  // written with the expiry
  ha.reset();
  start();
  deliver(registration);  // 5 s old: still inside the 7 s window
  const auto a = acks();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 144);
  EXPECT_TRUE(fib.tunnels().empty());
}

TEST_F(HomeAgentTest, ReplayFromAnEarlierCareOfAddressIsRefused) {
  start();
  const auto from_b = bu_frame(10, 600s);
  deliver(from_b);
  acks();
  sched.advance(1s);
  const Ip6Addr coa_c = addr("2001:db8:b::7");
  deliver(bu_frame(11, 600s, coa_c));  // the guest moved
  ASSERT_EQ(acks().at(0).status, 0);
  sched.advance(1s);
  deliver(bu_frame(12, 0s, coa_c));  // and left: no binding, any sequence goes
  acks();
  deliver(from_b);
  const auto a = acks();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 144);
  EXPECT_EQ(a[0].care_of_address, kCoaB);
  EXPECT_TRUE(fib.tunnels().empty());
}

TEST_F(HomeAgentTest, ReplayRecordsLeaveOnceNoReplayCanPassTheWindow) {
  start();
  deliver(bu_frame(1, 600s));
  acks();
  sched.advance(1s);
  deliver(bu_frame(2, 0s));
  acks();
  EXPECT_EQ(ha->replay_memory().size(), 1u);
  sched.advance(60s);
  EXPECT_EQ(ha->replay_memory().size(), 0u);
  EXPECT_TRUE(store.replay_rows.empty());
  EXPECT_EQ(ha->counters().replay_records_expired, 1u);
}

TEST_F(HomeAgentTest, AddressesNoNodeMayOwnGetNoAnswerAndNoBinding) {
  start();
  // RFC 4291: multicast, unspecified, loopback, link-local, IPv4-mapped home
  // addresses are never bound, and nothing is sent toward them.
  for (const char* bad : {"ff02::1", "::", "::1", "fe80::100", "::ffff:192.0.2.1"}) {
    deliver(bu_frame(1, 600s, kCoaB, "site-b-hosts", std::nullopt, addr(bad)));
    EXPECT_TRUE(io.take_sent(Port::uplink).empty()) << bad;
  }
  EXPECT_EQ(ha->counters().bu_dropped[static_cast<std::size_t>(SignallingDrop::unbindable_home_address)], 5u);
  // The same BU with a broken authenticator: still silence, not a 146.
  auto forged = bu_frame(1, 600s, kCoaB, "rogue", std::nullopt, addr("ff02::1"));
  forged[forged.size() - 1] ^= 0x55;
  deliver(forged);
  EXPECT_TRUE(io.take_sent(Port::uplink).empty());
  EXPECT_TRUE(fib.tunnels().empty());
  EXPECT_TRUE(store.rows.empty());
}

TEST_F(HomeAgentTest, ReservedHomeAddressesAreRefusedWith129) {
  start();
  for (const char* reserved : {"2001:db8:a::1", "2001:db8:a::", "2001:db8:a:0:fdff:ffff:ffff:fffe"}) {
    deliver(bu_frame(1, 600s, kCoaB, "site-b-hosts", std::nullopt, addr(reserved)));
    const auto a = acks();
    ASSERT_EQ(a.size(), 1u) << reserved;
    EXPECT_EQ(a[0].status, 129) << reserved;
    sched.advance(1ms);
  }
  EXPECT_TRUE(fib.tunnels().empty());
}

TEST_F(HomeAgentTest, AHostOnAnotherAlgorithmIsNamedInTheLog) {
  start();
  // The HA's key 1001 names no algorithm: HMAC-SHA1-96 (RFC 4285 5.1). A
  // host configured with hmac-sha256 for the same SPI.
  ASSERT_EQ(config.keys[0].algorithm, AuthAlgorithm::hmac_sha1_96);
  std::vector<Key> host_side{config.keys[0]};
  host_side[0].algorithm = AuthAlgorithm::hmac_sha256;
  KeyRing sha256(host_side);
  BindingUpdateSpec s;
  s.care_of_address = kCoaB;
  s.home_agent = kHa;
  s.home_address = kHoa;
  s.sequence = 1;
  s.lifetime = 600s;
  s.timestamp = to_ntp_timestamp(sched.wall_now());
  deliver(test::binding_update_frame({kHaMac, kRouterMac, s}, *sha256.find(1001u)));
  const auto a = acks();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 146);
  const auto line = std::find_if(lines.begin(), lines.end(),
                                 [](const std::string& l) { return l.find("bu_dropped") != std::string::npos; });
  ASSERT_NE(line, lines.end());
  EXPECT_NE(line->find("spi=1001"), std::string::npos) << *line;
  EXPECT_NE(line->find("authenticator_bytes=32"), std::string::npos) << *line;
  EXPECT_NE(line->find("expected_bytes=12"), std::string::npos) << *line;
  EXPECT_NE(line->find("another algorithm"), std::string::npos) << *line;
}

TEST_F(HomeAgentTest, AWiderReplayWindowAfterAReloadKeepsTheRecordsWithIt) {
  start();
  const auto registration = bu_frame(1, 600s);
  deliver(registration);
  acks();
  sched.advance(1s);
  deliver(bu_frame(2, 0s));
  acks();
  // SIGHUP with replay_window 7 -> 30: the daemon updates the running
  // configuration in place, then tells the role.
  config.home_agent->replay_window = 30s;
  ha->reconfigure(config);
  sched.advance(20s);  // past the old window, inside the new one
  EXPECT_EQ(ha->replay_memory().size(), 1u);
  deliver(registration);
  const auto a = acks();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 144);
  EXPECT_EQ(ha->counters().replay_refused, 1u);
  EXPECT_TRUE(fib.tunnels().empty());
}

TEST_F(HomeAgentTest, BindingErrorsForUnknownTypesShareTheErrorRateLimit) {
  // RFC 6275 9.3.3 / RFC 4443 2.4 (f): a flood of unknown MH types draws at
  // most the bucket's burst of Binding Errors (error_messages_burst, 10).
  start();
  std::vector<std::uint8_t> unknown(14 + 40 + 8);
  ASSERT_TRUE(wire::write_ethernet_header(unknown, kHaMac, kRouterMac, wire::ethertype::ipv6));
  wire::Ipv6Fields ip;
  ip.payload_length = 8;
  ip.next_header = wire::ipproto::mobility;
  ip.src = kCoaB;
  ip.dst = kHa;
  ASSERT_TRUE(wire::write_ipv6_header(wire::MutableByteSpan(unknown).subspan(14), ip));
  const std::uint8_t mh[8] = {59, 0, 200, 0, 0, 0, 0, 0};
  std::copy(std::begin(mh), std::end(mh), unknown.begin() + 54);
  ASSERT_EQ(wire::write_mobility_header_checksum(wire::MutableByteSpan(unknown).subspan(54), kCoaB, kHa),
            wire::Errc::ok);
  for (int i = 0; i < 50; ++i) deliver(unknown);
  EXPECT_EQ(ha->counters().be_sent, 10u);
  EXPECT_EQ(ha->counters().receive_checks.rate_limited, 40u);
  sched.advance(1s);  // ten more tokens a second
  for (int i = 0; i < 50; ++i) deliver(unknown);
  EXPECT_EQ(ha->counters().be_sent, 20u);
}

}  // namespace
}  // namespace roam6::mip6d::ha

// ---- hand-over forwarding (docs/signalling.md) -------------------------------

namespace roam6::mip6d::ha {
namespace {

const Ip6Addr kCoaB3 = addr("2001:db8:b::3");
const Ip6Addr kOtherHomeHost = addr("2001:db8:a::12");  // a second host at home

class HandOverNoticeTest : public HomeAgentTest {
 protected:
  // The notices (Binding Revocation Indications) sent since the last call,
  // checked as a host checks them; BAs and the rest are left aside.
  std::vector<ReceivedRevocation> notices() {
    std::vector<ReceivedRevocation> out;
    for (const auto& f : io.take_sent(Port::uplink)) {
      auto eth = wire::EthernetView::parse(f);
      if (!eth || eth->ethertype() != wire::ethertype::ipv6) continue;
      wire::MobilityPacket p;
      if (wire::decode_mobility_packet(eth->payload(), p) != wire::Errc::ok) continue;
      if (p.mh.type() != wire::mh_type::binding_revocation) continue;
      EXPECT_EQ(eth->dst(), kRouterMac);
      ReceivedRevocation bri;
      const auto r = check_binding_revocation(p, host_keys, bri);
      EXPECT_TRUE(r.ok()) << name(r.drop);
      out.push_back(bri);
    }
    return out;
  }
  void acknowledge(const ReceivedRevocation& bri, const Ip6Addr& from) { acknowledge_from(bri, from, "site-b-hosts"); }
  void acknowledge_from(const ReceivedRevocation& bri, const Ip6Addr& from, const char* key) {
    std::vector<std::uint8_t> f(512);
    auto head = wire::write_ethernet_header(f, kHaMac, kRouterMac, wire::ethertype::ipv6);
    BindingRevocationAckSpec s;
    s.care_of_address = from;
    s.home_agent = kHa;
    s.home_address = bri.home_address;
    s.sequence = bri.sequence;
    s.timestamp = to_ntp_timestamp(sched.wall_now());
    auto n = write_binding_revocation_ack(wire::MutableByteSpan(f).subspan(*head), s, *host_keys.find(key));
    ASSERT_TRUE(n);
    f.resize(*head + *n);
    deliver(f);
  }
};

TEST_F(HandOverNoticeTest, AMovedBindingTellsThePreviousCareOfAddressWhereItWent) {
  config.home_agent->hand_over_forwarding = true;
  start();
  deliver(bu_frame(100, 600s));
  EXPECT_TRUE(notices().empty());  // created: nobody to tell
  sched.advance(10ms);
  deliver(bu_frame(101, 600s, kCoaB3));
  auto sent = notices();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].destination, kCoaB);
  EXPECT_EQ(sent[0].home_address, kHoa);
  EXPECT_EQ(sent[0].new_care_of, kCoaB3);
  EXPECT_EQ(sent[0].trigger_or_status, wire::br_trigger::inter_mag_handover_same_access_type);

  // Unanswered, it is resent; an acknowledgement from elsewhere ends nothing.
  sched.advance(200ms);
  ASSERT_EQ(notices().size(), 1u);
  acknowledge(sent[0], kCoaB3);
  EXPECT_EQ(ha->counters().hand_over.ack_unmatched, 1u);
  acknowledge(sent[0], kCoaB);
  EXPECT_EQ(ha->counters().hand_over.acknowledged, 1u);
  sched.advance(2s);
  EXPECT_TRUE(notices().empty());

  // Home again: the home host deregisters from its own address, and the
  // care-of address the binding left is told to forward natively (the notice
  // names the home address).
  sched.advance(10ms);
  deliver(bu_frame(102, 0s, kCoaB));
  sent = notices();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].destination, kCoaB3);
  EXPECT_EQ(sent[0].new_care_of, kHoa);
}

TEST_F(HandOverNoticeTest, ATunnelDeletedFromElsewhereLingersInTheDatapath) {
  // The guest came home: the binding goes at once, but its tunnel stays a
  // second, so the guest's packets the host it left reverse-tunnelled before
  // it paused (still crossing the WAN) are not dropped at the Home Agent.
  config.home_agent->hand_over_forwarding = true;
  start();
  deliver(bu_frame(100, 600s, kCoaB3));
  sched.advance(10ms);
  deliver(bu_frame(101, 0s, kCoaB));  // the home host deregisters
  EXPECT_EQ(ha->bindings().find(kHoa), nullptr);
  ASSERT_NE(fib.care_of_address(kHoa), nullptr);
  EXPECT_EQ(*fib.care_of_address(kHoa), kCoaB3);
  sched.advance(900ms);
  EXPECT_NE(fib.care_of_address(kHoa), nullptr);
  sched.advance(200ms);
  EXPECT_EQ(fib.care_of_address(kHoa), nullptr);

  // Bound again within the second: the new tunnel stays.
  sched.advance(10ms);
  deliver(bu_frame(102, 600s, kCoaB3));
  sched.advance(10ms);
  deliver(bu_frame(103, 0s, kCoaB));
  sched.advance(10ms);
  deliver(bu_frame(104, 600s, kCoaB3));
  sched.advance(2s);
  ASSERT_NE(fib.care_of_address(kHoa), nullptr);
  EXPECT_EQ(*fib.care_of_address(kHoa), kCoaB3);
}

TEST_F(HandOverNoticeTest, WithoutHandOverADeletedTunnelGoesAtOnce) {
  start();
  deliver(bu_frame(100, 600s, kCoaB3));
  sched.advance(10ms);
  deliver(bu_frame(101, 0s, kCoaB));
  EXPECT_EQ(fib.care_of_address(kHoa), nullptr);
}

TEST_F(HandOverNoticeTest, ARefreshOrTheHoldersOwnDeregistrationTellsNobody) {
  config.home_agent->hand_over_forwarding = true;
  start();
  deliver(bu_frame(100, 600s));
  sched.advance(10ms);
  deliver(bu_frame(101, 600s));  // refresh
  sched.advance(10ms);
  deliver(bu_frame(102, 0s));  // the guest stopped
  EXPECT_TRUE(notices().empty());
  EXPECT_EQ(ha->counters().hand_over.sent, 0u);
}

// A host on the home link (the guest's home host).
const Ip6Addr kHomeHost = addr("2001:db8:a::11");

TEST_F(HandOverNoticeTest, LeavingHomeTellsTheHomeHostThatLastDeregisteredIt) {
  config.home_agent->hand_over_forwarding = true;
  start();
  // The guest runs at home: its host deregisters it there (133, nothing
  // was bound) and is remembered.
  deliver(bu_frame(100, 0s, kHomeHost, "site-a-hosts"));
  auto answers = acks();
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].status, wire::ba_status::not_home_agent_for_this_mobile_node);
  sched.advance(10ms);
  deliver(bu_frame(101, 600s, kCoaB));  // resumed at site b
  auto sent = notices();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].destination, kHomeHost);
  EXPECT_EQ(sent[0].home_address, kHoa);
  EXPECT_EQ(sent[0].new_care_of, kCoaB);
  acknowledge_from(sent[0], kHomeHost, "site-a-hosts");
  EXPECT_EQ(ha->counters().hand_over.acknowledged, 1u);
  // Told once: the next move tells site b's host, not the home host again.
  sched.advance(10ms);
  deliver(bu_frame(102, 600s, kCoaB3));
  sent = notices();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].destination, kCoaB);

  // Home again through a binding that existed (deleted, not 133): the home
  // host is remembered again and told when the guest next leaves.
  sched.advance(10ms);
  deliver(bu_frame(103, 0s, kHomeHost, "site-a-hosts"));
  sent = notices();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].destination, kCoaB3);  // forward natively: it came home
  EXPECT_EQ(sent[0].new_care_of, kHoa);
  sched.advance(10ms);
  deliver(bu_frame(104, 600s, kCoaB));
  sent = notices();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].destination, kHomeHost);
  EXPECT_EQ(sent[0].new_care_of, kCoaB);
}

// A guest's leaving home whose store commit fails is undone entirely: it is
// still at home, so its retried registration tells the home host (which
// still holds what the home link sent it). Without restoring the at-home
// memory in the rollback, the retry tells nobody.
TEST_F(HandOverNoticeTest, ALeavingHomeRolledBackStillTellsTheHomeHostOnTheRetry) {
  config.home_agent->hand_over_forwarding = true;
  start();
  deliver(bu_frame(100, 0s, kHomeHost, "site-a-hosts"));
  acks();
  sched.advance(10ms);
  store.fail_next_commit = true;
  deliver(bu_frame(101, 600s, kCoaB));
  EXPECT_TRUE(notices().empty());  // nothing moved
  EXPECT_EQ(ha->counters().store_failures, 1u);
  EXPECT_EQ(ha->bindings().find(kHoa), nullptr);
  sched.advance(10ms);
  deliver(bu_frame(102, 600s, kCoaB));
  ASSERT_NE(ha->bindings().find(kHoa), nullptr);
  const auto sent = notices();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].destination, kHomeHost);
  EXPECT_EQ(sent[0].new_care_of, kCoaB);
}

// From one host at home to another: nothing is bound either side, but the
// host it left held what the home link sent the paused guest. The second
// host's deregistration tells the first to send it on natively.
TEST_F(HandOverNoticeTest, AMoveBetweenTwoHostsAtHomeTellsTheOneItLeft) {
  config.home_agent->hand_over_forwarding = true;
  start();
  deliver(bu_frame(100, 0s, kHomeHost, "site-a-hosts"));
  EXPECT_TRUE(notices().empty());
  sched.advance(10ms);
  deliver(bu_frame(101, 0s, kHomeHost, "site-a-hosts"));  // the same host again: nobody to tell
  EXPECT_TRUE(notices().empty());
  sched.advance(10ms);
  deliver(bu_frame(102, 0s, kOtherHomeHost, "site-a-hosts"));  // 133 again: nothing was bound
  auto sent = notices();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].destination, kHomeHost);
  EXPECT_EQ(sent[0].new_care_of, kHoa);  // natively: it is home
  // Leaving home later tells the host it left last.
  sched.advance(10ms);
  deliver(bu_frame(103, 600s, kCoaB));
  sent = notices();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].destination, kOtherHomeHost);
}

// A refused deregistration (a move between two hosts at home) is no part
// of a store batch: a failed commit of another BU in the same flush must
// neither drop its notice nor undo what it taught the Home Agent.
TEST_F(HandOverNoticeTest, AMoveBetweenHostsAtHomeSurvivesTheRollbackOfTheBatchBesideIt) {
  config.home_agent->hand_over_forwarding = true;
  start();
  deliver(bu_frame(100, 0s, kHomeHost, "site-a-hosts"));
  EXPECT_TRUE(notices().empty());
  sched.advance(10ms);
  store.fail_next_commit = true;
  io.inject(Port::uplink, bu_frame(101, 0s, kOtherHomeHost, "site-a-hosts"), sched.now());
  io.inject(Port::uplink, bu_frame(102, 600s, kCoaB), sched.now());
  sched.run_ready();
  auto sent = notices();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].destination, kHomeHost);
  EXPECT_EQ(sent[0].new_care_of, kHoa);
  EXPECT_EQ(ha->counters().store_failures, 1u);
  EXPECT_EQ(ha->bindings().find(kHoa), nullptr);  // the leaving home was rolled back
  // Its retry tells the host it left last: the other one at home.
  sched.advance(10ms);
  deliver(bu_frame(103, 600s, kCoaB));
  sent = notices();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].destination, kOtherHomeHost);
}

TEST_F(HandOverNoticeTest, ADeregistrationFromAForeignSiteIsNotHome) {
  // A guest stopped at site b: its host deregisters from there. When the
  // guest starts somewhere later, nobody holds anything for it.
  config.home_agent->hand_over_forwarding = true;
  start();
  deliver(bu_frame(100, 0s, kCoaB));
  sched.advance(10ms);
  deliver(bu_frame(101, 600s, kCoaB3));
  EXPECT_TRUE(notices().empty());
}

TEST_F(HandOverNoticeTest, LeavingHomeTellsNobodyWithoutHandOver) {
  start();
  deliver(bu_frame(100, 0s, kHomeHost, "site-a-hosts"));
  sched.advance(10ms);
  deliver(bu_frame(101, 600s, kCoaB));
  EXPECT_TRUE(notices().empty());
  EXPECT_EQ(ha->counters().hand_over.sent, 0u);
}

TEST_F(HandOverNoticeTest, OffByDefault) {
  start();
  deliver(bu_frame(100, 600s));
  sched.advance(10ms);
  deliver(bu_frame(101, 600s, kCoaB3));
  EXPECT_TRUE(notices().empty());
  EXPECT_EQ(ha->counters().hand_over.sent, 0u);
}

}  // namespace
}  // namespace roam6::mip6d::ha
