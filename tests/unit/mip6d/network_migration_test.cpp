// One Home Agent and several hosts at other sites on an in-memory network
// with real delays, moving guests among the hosts. Everything that crosses
// the network is a real frame built and parsed by the wire library.
//
//   site-a (home, HA)     site-b (host b1)     site-c (host c1, c2)
//        \___________________ WAN router ___________________/

#include <gtest/gtest.h>

#include "memory_binding_store.hpp"
#include "mip6d/config/config_loader.hpp"
#include "mip6d/home_agent/home_agent.hpp"
#include "mip6d/host/host_agent.hpp"
#include "tests/support/mip6d/in_memory_network.hpp"
#include "mip6d/io/recording_forwarding_table.hpp"
#include "tests/support/mip6d/simulated_scheduler.hpp"
#include "roam6/wire/ethernet.hpp"

namespace roam6::mip6d {
namespace {

using namespace std::chrono_literals;
using wire::Ip6Addr;
using wire::MacAddr;

Ip6Addr addr(const char* s) { return *Ip6Addr::parse(s); }
MacAddr mac(const char* s) { return *MacAddr::parse(s); }

const char* kCommon = R"(
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
[[sites]]
name = "site-c"
prefix = "2001:db8:c::/64"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0c:01"
[[keys]]
name = "hosts"
spi = 1001
secret_hex = "00112233445566778899aabbccddeeff"
[[guests]]
name = "g1"
mac = "52:54:00:00:00:01"
home_address = "2001:db8:a::100"
home_site = "site-a"
[[guests]]
name = "g2"
mac = "52:54:00:00:00:02"
home_address = "2001:db8:a::101"
home_site = "site-a"
)";

Config load(const std::string& text) {
  auto r = load_config_string(text, "network-test.toml");
  if (!r) throw std::runtime_error(r.error_report());
  return std::move(r).config();
}

Config ha_config() {
  return load(std::string(R"(
role = "home-agent"
node_name = "ha"
[interfaces]
uplink = "eth0"
[home_agent]
address = "2001:db8:a::1"
home_prefixes = ["2001:db8:a::/64"]
[[policy]]
key = "hosts"
care_of_prefixes = ["2001:db8:b::/64", "2001:db8:c::/64"]
home_prefixes = ["2001:db8:a::/64"]
)") + kCommon);
}

Config host_config(const char* name, const char* site, const char* coa) {
  return load(std::string("role = \"host\"\nnode_name = \"") + name + "\"\n[interfaces]\nuplink = \"eth0\"\n" +
              "guests = \"guests0\"\n[host]\nsite = \"" + site + "\"\ncare_of_address = \"" + coa +
              "\"\nkey = \"hosts\"\nrequested_lifetime = 120\n" + kCommon);
}

struct HostNode {
  Config config;
  FakePacketIo* io;
  EndpointId uplink;
  RecordingForwardingTable fib;
  std::unique_ptr<host::HostAgent> agent;
};

class NetworkMigrationTest : public ::testing::Test {
 protected:
  NetworkMigrationTest() : ha_cfg(ha_config()) {
    site_a = net.add_segment("site-a", 5ms);
    site_b = net.add_segment("site-b", 5ms);
    site_c = net.add_segment("site-c", 5ms);
    wan = net.add_router("wan");
    net.connect_router(wan, site_a, mac("02:00:00:00:0a:01"), {*wire::Ip6Prefix::parse("2001:db8:a::/64")});
    net.connect_router(wan, site_b, mac("02:00:00:00:0b:01"), {*wire::Ip6Prefix::parse("2001:db8:b::/64")});
    net.connect_router(wan, site_c, mac("02:00:00:00:0c:01"), {*wire::Ip6Prefix::parse("2001:db8:c::/64")});

    ha_io = &net.add_node("ha", mac("02:00:00:00:0a:02"));
    ha_uplink = net.connect(*ha_io, Port::uplink, site_a, {addr("2001:db8:a::1")});
    ha = std::make_unique<ha::HomeAgent>(ha_cfg, sched, *ha_io, ha_fib, store, log);
    ha->start();

    add_host(b1, "b1", "site-b", "2001:db8:b::2", site_b, "02:00:00:00:0b:02");
    add_host(c1, "c1", "site-c", "2001:db8:c::2", site_c, "02:00:00:00:0c:02");
    add_host(c2, "c2", "site-c", "2001:db8:c::3", site_c, "02:00:00:00:0c:03");
  }

  void add_host(HostNode& h, const char* name, const char* site, const char* coa, SegmentId seg,
                const char* uplink_mac) {
    h.config = host_config(name, site, coa);
    h.io = &net.add_node(name, mac(uplink_mac), mac("02:00:00:00:ff:01"));
    h.uplink = net.connect(*h.io, Port::uplink, seg, {addr(coa)});
    h.agent = std::make_unique<host::HostAgent>(h.config, sched, *h.io, h.fib, log);
    h.agent->start();
  }

  const Ip6Addr* tunnel_of(const char* hoa) { return ha_fib.care_of_address(addr(hoa)); }
  std::uint64_t out_of_window() { return ha->counters().refused_by_status[135]; }

  // A guest moves from `from` to `to`; `hand_over` passes the last sequence.
  void migrate(const char* guest, HostNode& from, HostNode& to, bool hand_over) {
    const auto last = from.agent->guest(guest)->last_sequence;
    from.agent->detach(guest, false);
    to.agent->attach(guest, std::nullopt, hand_over ? last : std::nullopt);
    to.agent->resume(guest, sched.wall_now());
  }

  SimulatedScheduler sched;
  InMemoryNetwork net{sched};
  Logger log{LogLevel::warning, [](LogLevel, std::string_view) {}};
  Config ha_cfg;
  SegmentId site_a, site_b, site_c;
  RouterId wan;
  FakePacketIo* ha_io = nullptr;
  EndpointId ha_uplink;
  RecordingForwardingTable ha_fib;
  test::MemoryBindingStore store;
  std::unique_ptr<ha::HomeAgent> ha;
  HostNode b1, c1, c2;
};

TEST_F(NetworkMigrationTest, RegistersAcrossTheWan) {
  b1.agent->attach("g1", std::nullopt, std::nullopt);
  b1.agent->resume("g1", sched.wall_now());
  sched.advance(100ms);
  ASSERT_NE(tunnel_of("2001:db8:a::100"), nullptr);
  EXPECT_EQ(*tunnel_of("2001:db8:a::100"), addr("2001:db8:b::2"));
  EXPECT_EQ(b1.agent->guest("g1")->state, host::RegistrationState::bound);
  // Refreshes keep it alive far beyond one lifetime (120 s).
  sched.advance(1h);
  EXPECT_EQ(*tunnel_of("2001:db8:a::100"), addr("2001:db8:b::2"));
  EXPECT_EQ(b1.agent->guest("g1")->state, host::RegistrationState::bound);
  EXPECT_GE(ha->counters().bindings_refreshed, 30u);
}

TEST_F(NetworkMigrationTest, HandOverMovesTheBindingInOneRoundTrip) {
  b1.agent->attach("g1", std::nullopt, std::nullopt);
  b1.agent->resume("g1", sched.wall_now());
  sched.advance(1s);
  const auto refused_before = out_of_window();
  migrate("g1", b1, c1, true);
  // One round trip site-c -> site-a -> site-c: 4 hops of 5 ms.
  sched.advance(25ms);
  EXPECT_EQ(*tunnel_of("2001:db8:a::100"), addr("2001:db8:c::2"));
  EXPECT_EQ(c1.agent->guest("g1")->state, host::RegistrationState::bound);
  EXPECT_EQ(out_of_window(), refused_before);
  EXPECT_EQ(c1.agent->guest("g1")->transmissions, 1u);
}

TEST_F(NetworkMigrationTest, WithoutHandOverOneExtraRoundTrip) {
  b1.agent->attach("g1", std::nullopt, std::nullopt);
  b1.agent->resume("g1", sched.wall_now());
  sched.advance(1s);
  // Make the sequence space position deterministic relative to c1's random
  // start by pushing b1 ahead: whatever c1 starts at, it either is newer or
  // recovers through 135 with one extra round trip.
  migrate("g1", b1, c1, false);
  sched.advance(45ms);
  EXPECT_EQ(*tunnel_of("2001:db8:a::100"), addr("2001:db8:c::2"));
  EXPECT_EQ(c1.agent->guest("g1")->state, host::RegistrationState::bound);
  EXPECT_LE(c1.agent->guest("g1")->transmissions, 2u);
}

TEST_F(NetworkMigrationTest, LateRetransmissionFromOldHostNeverStealsTheBinding) {
  // b1 registers g1 but the HA's BAs to b1 are lost, so b1 keeps
  // retransmitting; its BUs also crawl through a congested site link.
  net.drop_matching(b1.uplink, InMemoryNetwork::Direction::inbound,
                    carries_upper_protocol(wire::ipproto::mobility));
  b1.agent->attach("g1", std::nullopt, std::nullopt);
  b1.agent->resume("g1", sched.wall_now());
  sched.advance(5s);  // BUs at 0, 1.5 and 4.5 s
  ASSERT_EQ(*tunnel_of("2001:db8:a::100"), addr("2001:db8:b::2"));
  net.set_delay(site_b, 2s);
  sched.advance(5600ms);  // the next retransmission (at 10.5 s) is now in flight
  // Hand-over: the old host stops and hands its last sequence number on.
  const auto last = b1.agent->guest("g1")->last_sequence;
  b1.agent->detach("g1", false);
  c1.agent->attach("g1", std::nullopt, last);
  c1.agent->resume("g1", sched.wall_now());
  sched.advance(25ms);
  ASSERT_EQ(*tunnel_of("2001:db8:a::100"), addr("2001:db8:c::2"));
  const auto refused = ha->counters().bu_refused;
  const auto received = ha->counters().bu_received;
  sched.advance(5s);  // b1's late BU reaches the HA after c1's
  EXPECT_EQ(ha->counters().bu_received, received + 1);
  // Refused: its timestamp is older than c1's (RFC 4285 replay protection),
  // and its sequence number is not newer either.
  EXPECT_EQ(ha->counters().bu_refused, refused + 1);
  EXPECT_EQ(*tunnel_of("2001:db8:a::100"), addr("2001:db8:c::2"));
  EXPECT_EQ(c1.agent->guest("g1")->state, host::RegistrationState::bound);
  sched.advance(10min);
  EXPECT_EQ(*tunnel_of("2001:db8:a::100"), addr("2001:db8:c::2"));
}

TEST_F(NetworkMigrationTest, OldHostNeverToldFallsSilentAtItsNextRefresh) {
  b1.agent->attach("g1", std::nullopt, std::nullopt);
  b1.agent->resume("g1", sched.wall_now());
  sched.advance(1s);
  // g1 moves to c1 without hand-over, and b1 is never told.
  c1.agent->attach("g1", std::nullopt, std::nullopt);
  c1.agent->resume("g1", sched.wall_now());
  sched.advance(10min);  // b1 refreshes at 90 s and learns it lost the binding
  EXPECT_EQ(*tunnel_of("2001:db8:a::100"), addr("2001:db8:c::2"));
  EXPECT_EQ(b1.agent->guest("g1")->state, host::RegistrationState::superseded);
  EXPECT_EQ(c1.agent->guest("g1")->state, host::RegistrationState::bound);
}

TEST_F(NetworkMigrationTest, HandOverWithoutStoppingTheOldHostStillEndsAtTheNewOne) {
  b1.agent->attach("g1", std::nullopt, std::nullopt);
  b1.agent->resume("g1", sched.wall_now());
  sched.advance(1s);
  // c1 is handed the sequence, but b1 is not stopped: at its refresh it
  // sends the same number c1 used. Whichever arrives second is refused, and
  // only c1, where the guest runs, resynchronises.
  const auto last = b1.agent->guest("g1")->last_sequence;
  c1.agent->attach("g1", std::nullopt, last);
  c1.agent->resume("g1", sched.wall_now());
  sched.advance(10min);
  EXPECT_EQ(*tunnel_of("2001:db8:a::100"), addr("2001:db8:c::2"));
  EXPECT_EQ(b1.agent->guest("g1")->state, host::RegistrationState::superseded);
}

TEST_F(NetworkMigrationTest, GuestsMoveBackAndForthAmongHosts) {
  for (const char* g : {"g1", "g2"}) {
    b1.agent->attach(g, std::nullopt, std::nullopt);
    b1.agent->resume(g, sched.wall_now());
  }
  sched.advance(1s);
  HostNode* hosts[] = {&b1, &c1, &c2};
  const char* coas[] = {"2001:db8:b::2", "2001:db8:c::2", "2001:db8:c::3"};
  int at1 = 0, at2 = 0;
  for (int round = 0; round < 12; ++round) {
    const int n1 = (at1 + 1 + round % 2) % 3;
    migrate("g1", *hosts[at1], *hosts[n1], true);
    at1 = n1;
    sched.advance(300ms);
    const int n2 = (at2 + 2) % 3;
    migrate("g2", *hosts[at2], *hosts[n2], round % 3 != 0);
    at2 = n2;
    sched.advance(2s);
    ASSERT_EQ(*tunnel_of("2001:db8:a::100"), addr(coas[at1])) << "round " << round;
    ASSERT_EQ(*tunnel_of("2001:db8:a::101"), addr(coas[at2])) << "round " << round;
  }
  EXPECT_EQ(ha->bindings().size(), 2u);
}

TEST_F(NetworkMigrationTest, StoppedGuestIsDeregistered) {
  b1.agent->attach("g1", std::nullopt, std::nullopt);
  b1.agent->resume("g1", sched.wall_now());
  sched.advance(1s);
  ASSERT_NE(tunnel_of("2001:db8:a::100"), nullptr);
  b1.agent->detach("g1", true);
  sched.advance(1s);
  EXPECT_EQ(tunnel_of("2001:db8:a::100"), nullptr);
  EXPECT_FALSE(b1.agent->guest("g1"));
}

TEST_F(NetworkMigrationTest, LostAcknowledgementsAreRetransmitted) {
  net.drop_next(b1.uplink, InMemoryNetwork::Direction::inbound, 2);  // first two frames to b1 (BAs)
  b1.agent->attach("g1", std::nullopt, std::nullopt);
  b1.agent->resume("g1", sched.wall_now());
  sched.advance(1s);
  EXPECT_EQ(b1.agent->guest("g1")->state, host::RegistrationState::registering);
  sched.advance(10s);  // retransmissions at 1.5 s and 4.5 s
  EXPECT_EQ(b1.agent->guest("g1")->state, host::RegistrationState::bound);
  EXPECT_EQ(*tunnel_of("2001:db8:a::100"), addr("2001:db8:b::2"));
}

}  // namespace
}  // namespace roam6::mip6d

namespace roam6::mip6d {
namespace {

TEST_F(NetworkMigrationTest, ThousandsOfGuestsOnOneHost) {
  // 5000 guests not in the configuration, all registering at once through
  // one event loop, then refreshing (every 90 s) for 15 minutes.
  constexpr int guests = 5000;
  for (int i = 0; i < guests; ++i) {
    host::GuestDescription d;
    d.name = "vm" + std::to_string(i);
    d.mac = mac("52:54:01:00:00:00");
    d.mac.bytes[4] = static_cast<std::uint8_t>(i >> 8);
    d.mac.bytes[5] = static_cast<std::uint8_t>(i);
    d.home_address = addr("2001:db8:a::1:0");
    d.home_address.bytes[14] = static_cast<std::uint8_t>(i >> 8);
    d.home_address.bytes[15] = static_cast<std::uint8_t>(i);
    d.home_site = "site-a";
    b1.agent->attach(d.name, d, std::nullopt);
    b1.agent->resume(d.name, sched.wall_now());
  }
  sched.advance(5s);
  EXPECT_EQ(ha->bindings().size(), static_cast<std::size_t>(guests));
  EXPECT_EQ(ha_fib.tunnels().size(), static_cast<std::size_t>(guests));
  sched.advance(15min);
  EXPECT_EQ(ha->bindings().size(), static_cast<std::size_t>(guests));
  std::size_t bound = 0;
  for (const auto& g : b1.agent->guests()) bound += g.state == host::RegistrationState::bound ||
                                                    g.state == host::RegistrationState::refreshing;
  EXPECT_EQ(bound, static_cast<std::size_t>(guests));
}

}  // namespace
}  // namespace roam6::mip6d
