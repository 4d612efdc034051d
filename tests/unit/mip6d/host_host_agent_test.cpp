#include "mip6d/host/host_agent.hpp"

#include <gtest/gtest.h>

#include <map>

#include "mip6d/config/config_loader.hpp"
#include "tests/support/mip6d/fake_packet_io.hpp"
#include "mip6d/io/recording_forwarding_table.hpp"
#include "mip6d/signalling/ntp_timestamp.hpp"
#include "tests/support/mip6d/simulated_scheduler.hpp"
#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/icmpv6.hpp"
#include "roam6/wire/neighbour_discovery.hpp"

namespace roam6::mip6d::host {
namespace {

using namespace std::chrono_literals;
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
requested_lifetime = 600
[[sites]]
name = "site-a"
prefix = "2001:db8:a::/64"
home_agent = "2001:db8:a::1"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0a:01"
mtu = 1500
[[sites]]
name = "site-b"
prefix = "2001:db8:b::/64"
home_agent = "2001:db8:b::1"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0b:01"
mtu = 1500
[[keys]]
name = "site-b-hosts"
spi = 1001
secret_hex = "00112233445566778899aabbccddeeff"
[[guests]]
name = "g1"
mac = "52:54:00:00:00:01"
home_address = "2001:db8:a::100"
home_site = "site-a"
[[guests]]
name = "local"
mac = "52:54:00:00:00:02"
home_address = "2001:db8:b::200"
home_site = "site-b"
)";

const MacAddr kUplinkMac = mac("02:00:00:00:0b:02");
const MacAddr kGuestsMac = mac("02:00:00:00:0b:03");
const MacAddr kGuestMac = mac("52:54:00:00:00:01");
const MacAddr kHomeRouterMac = mac("02:00:00:00:0a:01");
const Ip6Addr kHoa = addr("2001:db8:a::100");
const Ip6Addr kCoa = addr("2001:db8:b::2");
const Ip6Addr kHa = addr("2001:db8:a::1");

class HostAgentTest : public ::testing::Test {
 protected:
  HostAgentTest() : config(load()), ha_keys(config.keys), io(kUplinkMac, kGuestsMac) {
    agent = std::make_unique<HostAgent>(config, sched, io, fib, log);
    agent->start();
  }
  static Config load() {
    auto r = load_config_string(kConfig, "host-test.toml");
    if (!r) throw std::runtime_error(r.error_report());
    return std::move(r).config();
  }

  struct SentBu {
    MacAddr to;
    ReceivedBindingUpdate bu;
  };
  std::vector<SentBu> sent_bus() {
    std::vector<SentBu> out;
    for (const auto& f : io.take_sent(Port::uplink)) {
      auto eth = wire::EthernetView::parse(f);
      wire::MobilityPacket p;
      if (wire::decode_mobility_packet(eth->payload(), p) != wire::Errc::ok) continue;
      ReceivedBindingUpdate bu;
      EXPECT_TRUE(check_binding_update(p, ha_keys, bu).ok());
      if (bu.timestamp) last_bu_timestamp = *bu.timestamp;
      if (bu.timestamp) last_bu_timestamp_of[bu.home_address] = *bu.timestamp;
      out.push_back({eth->dst(), bu});
    }
    return out;
  }
  // The HA's answer to the host, echoing the last BU's timestamp (RFC 4285 6).
  void ack(std::uint8_t status, std::uint16_t seq, std::chrono::seconds lifetime) {
    ack_from(kHa, status, seq, lifetime, last_bu_timestamp);
  }
  // The HA's answer for another of the guest's addresses.
  void ack_for(const Ip6Addr& home_address, std::uint8_t status, std::uint16_t seq, std::chrono::seconds lifetime) {
    ack_from(kHa, status, seq, lifetime, last_bu_timestamp_of[home_address], home_address);
  }
  void ack_from(const Ip6Addr& source, std::uint8_t status, std::uint16_t seq, std::chrono::seconds lifetime,
                std::optional<std::uint64_t> timestamp, const Ip6Addr& home_address = kHoa) {
    std::vector<std::uint8_t> f(512);
    auto head = wire::write_ethernet_header(f, kUplinkMac, mac("02:00:00:00:0b:01"), wire::ethertype::ipv6);
    BindingAckSpec s;
    s.home_agent = source;
    s.care_of_address = kCoa;
    s.home_address = home_address;
    s.status = status;
    s.sequence = seq;
    s.lifetime = lifetime;
    s.timestamp = timestamp;
    auto n = write_binding_ack(wire::MutableByteSpan(f).subspan(*head), s, *ha_keys.find(1001u));
    ASSERT_TRUE(n);
    f.resize(*head + *n);
    io.inject(Port::uplink, f, sched.now());
    sched.run_ready();
  }
  template <class Build>
  void from_guest(Build&& build, const MacAddr& dst = mac("33:33:00:00:00:02")) {
    std::vector<std::uint8_t> f(512);
    auto head = wire::write_ethernet_header(f, dst, kGuestMac, wire::ethertype::ipv6);
    auto n = build(wire::MutableByteSpan(f).subspan(*head));
    ASSERT_TRUE(n);
    f.resize(*head + *n);
    io.inject(Port::guests, f, sched.now());
    sched.run_ready();
  }

  Config config;
  KeyRing ha_keys;
  SimulatedScheduler sched;
  FakePacketIo io;
  RecordingForwardingTable fib;
  std::vector<std::string> lines;
  Logger log{LogLevel::debug, [this](LogLevel, std::string_view l) { lines.emplace_back(l); }};
  std::unique_ptr<HostAgent> agent;
  std::uint64_t last_bu_timestamp = 0;
  std::map<Ip6Addr, std::uint64_t> last_bu_timestamp_of;
};

TEST_F(HostAgentTest, AttachProgramsHeldPathResumeRegisters) {
  agent->attach("g1", std::nullopt, std::uint16_t{9});
  const GuestPath* p = fib.guest(kGuestMac);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->away);
  EXPECT_FALSE(p->resumed);
  EXPECT_EQ(p->home_agent, kHa);
  EXPECT_EQ(p->care_of_address, kCoa);
  EXPECT_EQ(p->router_mac, kHomeRouterMac);
  EXPECT_TRUE(sent_bus().empty());  // nothing before it runs here

  agent->resume("g1", sched.wall_now());
  EXPECT_TRUE(fib.guest(kGuestMac)->resumed);
  auto bus = sent_bus();
  ASSERT_EQ(bus.size(), 1u);
  EXPECT_EQ(bus[0].to, mac("02:00:00:00:0b:01"));  // this site's router
  EXPECT_EQ(bus[0].bu.source, kCoa);
  EXPECT_EQ(bus[0].bu.home_address, kHoa);
  EXPECT_EQ(bus[0].bu.destination, kHa);
  EXPECT_EQ(bus[0].bu.sequence, 10);
  EXPECT_EQ(bus[0].bu.lifetime_seconds, 600u);
  ack(0, 10, 600s);
  auto st = agent->guest("g1");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->state, RegistrationState::bound);
  EXPECT_EQ(st->last_sequence, 10);
}

TEST_F(HostAgentTest, FirstFrameFromGuestIsResume) {
  agent->attach("g1", std::nullopt, std::nullopt);
  // QEMU's self-announce: a RARP from the guest's MAC.
  std::vector<std::uint8_t> rarp(60, 0);
  ASSERT_TRUE(wire::write_ethernet_header(rarp, mac("ff:ff:ff:ff:ff:ff"), kGuestMac, wire::ethertype::rarp));
  io.inject(Port::guests, rarp, sched.now());
  sched.run_ready();
  EXPECT_EQ(agent->counters().resumes_detected, 1u);
  EXPECT_TRUE(fib.guest(kGuestMac)->resumed);
  EXPECT_EQ(sent_bus().size(), 1u);
  // Further frames change nothing.
  io.inject(Port::guests, rarp, sched.now());
  sched.run_ready();
  EXPECT_EQ(agent->counters().resumes_detected, 1u);
  EXPECT_TRUE(sent_bus().empty());
}

TEST_F(HostAgentTest, EmulatesTheHomeLink) {
  agent->attach("g1", std::nullopt, std::nullopt);
  agent->resume("g1", sched.wall_now());
  io.take_sent(Port::guests);  // the unsolicited RA at resume

  // Router Solicitation -> RA from the home router, home prefix, MTU - 40.
  from_guest([](wire::MutableByteSpan b) {
    return wire::write_router_solicitation(b, {.src = *Ip6Addr::parse("fe80::5054:ff:fe00:1"),
                                               .source_link_layer = *MacAddr::parse("52:54:00:00:00:01")});
  });
  auto sent = io.take_sent(Port::guests);
  ASSERT_EQ(sent.size(), 1u);
  auto eth = wire::EthernetView::parse(sent[0]);
  EXPECT_EQ(eth->src(), kHomeRouterMac);
  EXPECT_EQ(eth->dst(), kGuestMac);
  auto ip = wire::Ipv6View::parse(eth->payload());
  EXPECT_EQ(ip->src(), addr("fe80::1"));
  auto ra = wire::parse_router_advertisement(*ip, ip->payload());
  ASSERT_TRUE(ra) << wire::describe(ra.error());
  EXPECT_EQ(ra->options().mtu, 1460u);
  ASSERT_EQ(ra->options().prefix_count, 1u);
  EXPECT_EQ(ra->options().prefixes()[0].prefix, *wire::Ip6Prefix::parse("2001:db8:a::/64"));
  EXPECT_EQ(ra->options().source_link_layer, kHomeRouterMac);

  // NS for the home router and for an on-link home neighbour: the router MAC.
  for (const char* target : {"fe80::1", "2001:db8:a::77"}) {
    from_guest([&](wire::MutableByteSpan b) {
      return wire::write_neighbour_solicitation(b, {.src = kHoa, .target = addr(target), .dst = std::nullopt,
                                                    .source_link_layer = kGuestMac});
    });
    sent = io.take_sent(Port::guests);
    ASSERT_EQ(sent.size(), 1u) << target;
    eth = wire::EthernetView::parse(sent[0]);
    EXPECT_EQ(eth->src(), kHomeRouterMac);
    ip = wire::Ipv6View::parse(eth->payload());
    auto na = wire::parse_neighbour_advertisement(*ip, ip->payload());
    ASSERT_TRUE(na);
    EXPECT_EQ(na->target(), addr(target));
    // RFC 4861 7.2.4 / 7.2.8: the emulated home router answers from its
    // own address, also when it proxies for another home address.
    EXPECT_EQ(ip->src(), addr("fe80::1")) << target;
    EXPECT_EQ(na->options().target_link_layer, kHomeRouterMac);
    EXPECT_EQ(na->router(), std::string(target) == "fe80::1");
  }
  // DAD for its own home address is not answered (it must not fail).
  from_guest([&](wire::MutableByteSpan b) {
    return wire::write_neighbour_solicitation(b, {.src = Ip6Addr{}, .target = kHoa, .dst = std::nullopt,
                                                  .source_link_layer = std::nullopt});
  });
  EXPECT_TRUE(io.take_sent(Port::guests).empty());
  // Periodic RAs keep the default route fresh.
  sched.advance(301s);
  EXPECT_EQ(io.take_sent(Port::guests).size(), 1u);
}

TEST_F(HostAgentTest, DetachMovedIsSilentStoppedDeregisters) {
  agent->attach("g1", std::nullopt, std::uint16_t{9});
  agent->resume("g1", sched.wall_now());
  sent_bus();
  ack(0, 10, 600s);
  agent->detach("g1", false);
  // Gone from this host; being listed, it is expected back (the datapath
  // knows its MAC, not as running here).
  ASSERT_NE(fib.guest(kGuestMac), nullptr);
  EXPECT_FALSE(fib.guest(kGuestMac)->resumed);
  sched.advance(3600s);
  EXPECT_TRUE(sent_bus().empty());
  EXPECT_FALSE(agent->guest("g1"));

  agent->attach("g1", std::nullopt, std::uint16_t{20});
  agent->resume("g1", sched.wall_now());
  sent_bus();
  ack(0, 21, 600s);
  agent->detach("g1", true);
  auto bus = sent_bus();
  ASSERT_EQ(bus.size(), 1u);
  EXPECT_EQ(bus[0].bu.lifetime_seconds, 0u);
  EXPECT_EQ(bus[0].bu.sequence, 22);
  EXPECT_TRUE(agent->guest("g1"));  // until the deregistration is answered
  EXPECT_THROW(agent->resume("g1", sched.wall_now()), GuestCommandError);
  ack(0, 22, 0s);
  sched.run_ready();
  EXPECT_FALSE(agent->guest("g1"));
}

// Until the Home Agent tunnels to this host it drops what we tunnel to it
// (no binding for the guest, or one naming the host it left), so the data
// path holds what the guest sends until the acknowledgement.
TEST_F(HostAgentTest, TheGuestsPacketsWaitUntilTheHomeAgentTunnelsToUs) {
  ASSERT_NE(fib.guest(kGuestMac), nullptr);  // listed: expected here
  EXPECT_TRUE(fib.guest(kGuestMac)->awaiting_binding);
  agent->attach("g1", std::nullopt, std::uint16_t{9});
  agent->resume("g1", sched.wall_now());
  ASSERT_EQ(sent_bus().size(), 1u);
  EXPECT_TRUE(fib.guest(kGuestMac)->resumed);
  EXPECT_TRUE(fib.guest(kGuestMac)->awaiting_binding);
  ack(0, 10, 600s);
  EXPECT_FALSE(fib.guest(kGuestMac)->awaiting_binding);

  // A refresh keeps the binding: nothing waits while it is on its way.
  sched.advance(460s);
  auto bus = sent_bus();
  ASSERT_FALSE(bus.empty());
  EXPECT_EQ(agent->guest("g1")->state, RegistrationState::refreshing);
  EXPECT_FALSE(fib.guest(kGuestMac)->awaiting_binding);
  // Unanswered until the lifetime ran out: the Home Agent has dropped it
  // (noticed at the next retransmission, 32 s apart by then).
  sched.advance(180s);
  EXPECT_EQ(agent->guest("g1")->state, RegistrationState::registering);
  EXPECT_TRUE(fib.guest(kGuestMac)->awaiting_binding);
  bus = sent_bus();
  ASSERT_FALSE(bus.empty());
  ack(0, bus.back().bu.sequence, 600s);
  EXPECT_FALSE(fib.guest(kGuestMac)->awaiting_binding);

  // Gone (moved): its last packets were sent before it left and go as they
  // are; the hand-over path stays programmed as the guest left it.
  agent->detach("g1", false);
  ASSERT_NE(fib.guest(kGuestMac), nullptr);
  EXPECT_FALSE(fib.guest(kGuestMac)->awaiting_binding);
  EXPECT_FALSE(fib.guest(kGuestMac)->resumed);
  EXPECT_TRUE(fib.guest(kGuestMac)->paused);
}

TEST_F(HostAgentTest, GuestAtHomeRemovesAnyOldBinding) {
  agent->attach("local", std::nullopt, std::uint16_t{300});
  const GuestPath* p = fib.guest(mac("52:54:00:00:00:02"));
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->away);
  EXPECT_FALSE(p->awaiting_binding);  // nothing tunnelled at home
  agent->resume("local", sched.wall_now());
  auto bus = sent_bus();
  ASSERT_EQ(bus.size(), 1u);
  EXPECT_EQ(bus[0].bu.lifetime_seconds, 0u);
  EXPECT_EQ(bus[0].bu.sequence, 301);
  EXPECT_EQ(bus[0].bu.destination, addr("2001:db8:b::1"));
}

// The hook attaches a guest the configuration does not list (with its
// description); the migration step later hands over the previous host's
// sequence number by name alone.
TEST_F(HostAgentTest, AnAttachedGuestTakesTheHandOverByNameAlone) {
  GuestDescription web{"web", mac("52:54:00:00:00:50"), addr("2001:db8:a::150"), "site-a"};
  agent->attach("web", web, std::nullopt);
  agent->attach("web", std::nullopt, std::uint16_t{4711});
  GuestDescription other = web;
  other.home_address = addr("2001:db8:a::151");
  EXPECT_THROW(agent->attach("web", other, std::nullopt), GuestCommandError);
  agent->resume("web", sched.wall_now());
  const auto bus = sent_bus();
  ASSERT_EQ(bus.size(), 1u);
  EXPECT_EQ(bus[0].bu.sequence, 4712);
}

TEST_F(HostAgentTest, CommandErrors) {
  EXPECT_THROW(agent->resume("nobody", sched.wall_now()), GuestCommandError);
  try {
    agent->attach("nobody", std::nullopt, std::nullopt);
    FAIL();
  } catch (const GuestCommandError& e) {
    EXPECT_EQ(e.code(), "unknown_guest");
  }
  GuestDescription wrong{"g1", mac("52:54:00:00:00:99"), kHoa, "site-a"};
  try {
    agent->attach("g1", wrong, std::nullopt);
    FAIL();
  } catch (const GuestCommandError& e) {
    EXPECT_EQ(e.code(), "invalid_argument");
  }
  GuestDescription outside{"x", mac("52:54:00:00:00:99"), addr("2001:db8:f::1"), "site-a"};
  EXPECT_THROW(agent->attach("x", outside, std::nullopt), GuestCommandError);
  // Addresses no Home Agent would bind: refused here, before any BU.
  for (const char* reserved : {"2001:db8:a::1", "2001:db8:a::", "2001:db8:a:0:fdff:ffff:ffff:fffe"}) {
    GuestDescription bad{"x", mac("52:54:00:00:00:99"), addr(reserved), "site-a"};
    try {
      agent->attach("x", bad, std::nullopt);
      FAIL() << reserved;
    } catch (const GuestCommandError& e) {
      EXPECT_EQ(e.code(), "invalid_argument");
      EXPECT_NE(std::string(e.what()).find("can never be bound"), std::string::npos) << e.what();
    }
  }
  GuestDescription nosite{"x", mac("52:54:00:00:00:99"), kHoa, "site-z"};
  EXPECT_THROW(agent->attach("x", nosite, std::nullopt), GuestCommandError);
  agent->attach("g1", std::nullopt, std::nullopt);
  GuestDescription same_mac{"x", kGuestMac, addr("2001:db8:a::101"), "site-a"};
  EXPECT_THROW(agent->attach("x", same_mac, std::nullopt), GuestCommandError);
  // A guest not in the configuration, fully described.
  GuestDescription dynamic{"x", mac("52:54:00:00:00:99"), addr("2001:db8:a::101"), "site-a"};
  agent->attach("x", dynamic, std::nullopt);
  EXPECT_TRUE(agent->guest("x"));
  EXPECT_EQ(agent->guests().size(), 2u);
}

TEST_F(HostAgentTest, ForgedAckIsIgnored) {
  agent->attach("g1", std::nullopt, std::uint16_t{9});
  agent->resume("g1", sched.wall_now());
  sent_bus();
  std::vector<Key> forged_keys{config.keys[0]};
  forged_keys[0].secret.assign(16, 0x42);
  KeyRing forger(forged_keys);
  std::vector<std::uint8_t> f(512);
  auto head = wire::write_ethernet_header(f, kUplinkMac, mac("02:00:00:00:0b:01"), wire::ethertype::ipv6);
  BindingAckSpec s;
  s.home_agent = kHa;
  s.care_of_address = kCoa;
  s.home_address = kHoa;
  s.status = 0;
  s.sequence = 10;
  s.lifetime = 600s;
  auto n = write_binding_ack(wire::MutableByteSpan(f).subspan(*head), s, *forger.find(1001u));
  f.resize(*head + *n);
  io.inject(Port::uplink, f, sched.now());
  sched.run_ready();
  EXPECT_EQ(agent->guest("g1")->state, RegistrationState::registering);
  EXPECT_EQ(agent->counters().ba_dropped[static_cast<std::size_t>(SignallingDrop::bad_authenticator)], 1u);
}

// RFC 6275 11.7.3: a BA answers the BU sent to that address. The RFC 4285
// authenticator does not cover the source, and a site's hosts share a key.
TEST_F(HostAgentTest, AckFromAnyoneButTheHomeAgentIsIgnored) {
  agent->attach("g1", std::nullopt, std::uint16_t{9});
  agent->resume("g1", sched.wall_now());
  sent_bus();
  const Ip6Addr other_host = addr("2001:db8:b::3");
  ack_from(other_host, 0, 10, 600s, last_bu_timestamp);
  EXPECT_EQ(agent->guest("g1")->state, RegistrationState::registering);
  EXPECT_EQ(agent->counters().ba_dropped[static_cast<std::size_t>(SignallingDrop::not_from_home_agent)], 1u);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("sender=2001:db8:b::3"), std::string::npos) << lines.back();
  ack(0, 10, 600s);
  EXPECT_EQ(agent->guest("g1")->state, RegistrationState::bound);
}

TEST_F(HostAgentTest, ReplayedAckCannotCompleteANewerRegistration) {
  agent->attach("g1", std::nullopt, std::uint16_t{9});
  agent->resume("g1", sched.wall_now());
  sent_bus();
  const std::uint64_t first = last_bu_timestamp;
  ack(0, 10, 600s);
  agent->detach("g1", true);
  sent_bus();
  ack(0, 11, 0s);
  sched.advance(10s);
  // Back, registering again with 12.
  agent->attach("g1", std::nullopt, std::nullopt);
  agent->resume("g1", sched.wall_now());
  ASSERT_EQ(sent_bus().size(), 1u);
  ack_from(kHa, 0, 12, 600s, first);  // an old BA's timestamp, today's sequence number
  EXPECT_EQ(agent->guest("g1")->state, RegistrationState::registering);
  EXPECT_EQ(agent->counters().ba_dropped[static_cast<std::size_t>(SignallingDrop::replayed)], 1u);
  ack_from(kHa, 0, 12, 600s, std::nullopt);  // RFC 4285: no Replay Protection option
  EXPECT_EQ(agent->counters().ba_dropped[static_cast<std::size_t>(SignallingDrop::no_replay_protection)], 1u);
  EXPECT_EQ(agent->guest("g1")->state, RegistrationState::registering);
  ack(0, 12, 600s);
  EXPECT_EQ(agent->guest("g1")->state, RegistrationState::bound);
}

TEST_F(HostAgentTest, TimestampRefusalResendsAtOnce) {
  agent->attach("g1", std::nullopt, std::uint16_t{9});
  agent->resume("g1", sched.wall_now());
  sent_bus();
  const std::uint64_t to_beat = last_bu_timestamp + (std::uint64_t{2} << 32);
  ack_from(kHa, 144, 10, 0s, to_beat);
  const auto bus = sent_bus();
  ASSERT_EQ(bus.size(), 1u);
  EXPECT_GT(*bus[0].bu.timestamp, to_beat);
  EXPECT_EQ(bus[0].bu.sequence, 11);
  ack(0, 11, 600s);
  EXPECT_EQ(agent->guest("g1")->state, RegistrationState::bound);
}

TEST_F(HostAgentTest, AckWithABadChecksumIsCountedAsADroppedAck) {
  agent->attach("g1", std::nullopt, std::uint16_t{9});
  agent->resume("g1", sched.wall_now());
  sent_bus();
  std::vector<std::uint8_t> f(512);
  auto head = wire::write_ethernet_header(f, kUplinkMac, mac("02:00:00:00:0b:01"), wire::ethertype::ipv6);
  BindingAckSpec s{kHa, kCoa, kHoa, 0, 10, 600s, last_bu_timestamp, std::nullopt};
  auto n = write_binding_ack(wire::MutableByteSpan(f).subspan(*head), s, *ha_keys.find(1001u));
  f.resize(*head + *n);
  f.back() ^= 0x01;  // the authenticator's last byte: the checksum fails first
  io.inject(Port::uplink, f, sched.now());
  sched.run_ready();
  EXPECT_EQ(agent->counters().ba_received, 1u);
  EXPECT_EQ(agent->counters().ba_dropped[static_cast<std::size_t>(SignallingDrop::bad_checksum)], 1u);
  EXPECT_EQ(agent->counters().malformed_frames, 0u);
}

// docs/configuration.md: a guest in [[guests]] is recognised by its MAC when
// it appears, without a guest.attach.
TEST_F(HostAgentTest, ListedGuestIsRecognisedByItsFirstFrame) {
  ASSERT_NE(fib.guest(kGuestMac), nullptr);  // the datapath knows the MAC
  EXPECT_FALSE(fib.guest(kGuestMac)->resumed);
  EXPECT_TRUE(agent->guests().empty());
  std::vector<std::uint8_t> rarp(60, 0);
  ASSERT_TRUE(wire::write_ethernet_header(rarp, mac("ff:ff:ff:ff:ff:ff"), kGuestMac, wire::ethertype::rarp));
  io.inject(Port::guests, rarp, sched.now());
  sched.run_ready();
  EXPECT_EQ(agent->counters().guests_recognised, 1u);
  const auto st = agent->guest("g1");
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->resumed);
  EXPECT_EQ(st->state, RegistrationState::registering);
  auto bus = sent_bus();
  ASSERT_EQ(bus.size(), 1u);
  const std::uint16_t first = bus[0].bu.sequence;
  ack(0, first, 600s);
  // It leaves (moved). A frame the switch still had queued from it is not
  // its return: taking it so would register it back here and take the
  // binding from the host it moved to.
  agent->detach("g1", false);
  EXPECT_FALSE(agent->guest("g1"));
  sched.advance(5ms);
  io.inject(Port::guests, rarp, sched.now());
  sched.run_ready();
  EXPECT_FALSE(agent->guest("g1"));
  EXPECT_EQ(agent->counters().guests_recognised, 1u);
  EXPECT_EQ(agent->counters().frames_after_departure, 1u);
  EXPECT_TRUE(sent_bus().empty());
  // Later it comes back: recognised again, continuing its sequence numbers.
  sched.advance(60s);
  io.inject(Port::guests, rarp, sched.now());
  sched.run_ready();
  EXPECT_EQ(agent->counters().guests_recognised, 2u);
  bus = sent_bus();
  ASSERT_EQ(bus.size(), 1u);
  EXPECT_EQ(bus[0].bu.sequence, static_cast<std::uint16_t>(first + 1));
}

TEST_F(HostAgentTest, UnlistedMacIsStillIgnored) {
  std::vector<std::uint8_t> rarp(60, 0);
  ASSERT_TRUE(wire::write_ethernet_header(rarp, mac("ff:ff:ff:ff:ff:ff"), mac("52:54:00:00:00:77"),
                                          wire::ethertype::rarp));
  io.inject(Port::guests, rarp, sched.now());
  sched.run_ready();
  EXPECT_TRUE(agent->guests().empty());
  EXPECT_EQ(agent->counters().frames_ignored, 1u);
}

// ---- addresses a guest forms in its home prefix (host.learned_addresses) ----

class LearnedAddressTest : public HostAgentTest {
 protected:
  const Ip6Addr kSlaac = addr("2001:db8:a:0:5054:ff:fe00:1");
  const Ip6Addr kPrivacy = addr("2001:db8:a:0:9a1:b2c3:d4e5:f607");
  const Ip6Addr kPrivacy2 = addr("2001:db8:a:0:1111:2222:3333:4444");

  // Registered here and bound, its RA at resume taken.
  void bound_here(std::uint32_t learned) {
    config.host->learned_addresses = learned;
    agent->attach("g1", std::nullopt, std::uint16_t{9});
    agent->resume("g1", sched.wall_now());
    sent_bus();
    ack(0, 10, 600s);
    io.take_sent(Port::guests);
  }
  // The guest's Duplicate Address Detection probe (RFC 4862 5.4.2).
  void dad(const Ip6Addr& target) {
    from_guest([&](wire::MutableByteSpan b) {
      return wire::write_neighbour_solicitation(b, {.src = Ip6Addr{}, .target = target, .dst = std::nullopt,
                                                    .source_link_layer = std::nullopt});
    });
  }
  // The NA the host sent on the guest port for `target`, if any: to all
  // nodes (RFC 4861 7.2.4), in a frame for the probing guest alone (the
  // bridge passes no multicast from the datapath to an away guest).
  std::optional<Ip6Addr> defended() {
    std::optional<Ip6Addr> target;
    for (const auto& f : io.take_sent(Port::guests)) {
      auto eth = wire::EthernetView::parse(f);
      auto ip = wire::Ipv6View::parse(eth->payload());
      if (auto na = wire::parse_neighbour_advertisement(*ip, ip->payload())) {
        target = na->target();
        EXPECT_EQ(eth->dst(), kGuestMac);
        EXPECT_EQ(ip->dst(), addr("ff02::1"));
        EXPECT_FALSE(na->solicited());
      }
    }
    return target;
  }
  std::vector<Ip6Addr> datapath_addresses() const { return fib.guest(kGuestMac)->other_home_addresses; }
};

TEST_F(LearnedAddressTest, AnAddressTheGuestChecksBecomesItsOwnWithABindingOfItsOwn) {
  bound_here(2);
  dad(kSlaac);
  // Not answered: the guest's DAD succeeds.
  EXPECT_FALSE(defended());
  // One BU, for that address alone, from this host.
  auto bus = sent_bus();
  ASSERT_EQ(bus.size(), 1u);
  EXPECT_EQ(bus[0].bu.home_address, kSlaac);
  EXPECT_EQ(bus[0].bu.care_of_address, kCoa);
  EXPECT_GT(bus[0].bu.lifetime_seconds, 0u);
  // The data path takes it at once; the guest sends nothing from it for a
  // second (DAD), so the rest of its traffic does not wait for this BA.
  EXPECT_EQ(datapath_addresses(), std::vector<Ip6Addr>{kSlaac});
  EXPECT_FALSE(fib.guest(kGuestMac)->awaiting_binding);
  auto status = agent->guest("g1");
  ASSERT_EQ(status->other_addresses.size(), 1u);
  EXPECT_EQ(status->other_addresses[0].address, kSlaac);
  EXPECT_EQ(status->other_addresses[0].state, RegistrationState::registering);
  EXPECT_FALSE(status->other_addresses[0].bound);

  ack_for(kSlaac, 0, bus[0].bu.sequence, 600s);
  status = agent->guest("g1");
  EXPECT_EQ(status->other_addresses[0].state, RegistrationState::bound);
  EXPECT_TRUE(status->other_addresses[0].bound);
  EXPECT_EQ(status->state, RegistrationState::bound);  // the home address's own binding is untouched
  EXPECT_EQ(agent->counters().addresses_learned, 1u);
  // Its binding is refreshed on its own.
  sched.advance(460s);
  bus = sent_bus();
  EXPECT_TRUE(std::any_of(bus.begin(), bus.end(), [&](const SentBu& b) { return b.bu.home_address == kSlaac; }));
  // Probing it again changes nothing; neighbours' NS for it are not answered.
  dad(kSlaac);
  EXPECT_FALSE(defended());
  EXPECT_EQ(agent->counters().addresses_learned, 1u);
}

// It moved here with an address it formed at another host: the data path
// reports its packets from it (dropped by the ingress filter until then).
TEST_F(LearnedAddressTest, AnAddressTheGuestAlreadySendsFromIsLearnedAndItsPacketsWaitForItsBinding) {
  bound_here(2);
  const auto ping_from = [&](const Ip6Addr& src) {
    from_guest([&](wire::MutableByteSpan b) {
      return wire::write_echo_request(b, {.src = src, .dst = addr("2001:db8:c::1")}, 1, 1, {});
    }, kHomeRouterMac);
  };
  ping_from(kPrivacy);
  auto bus = sent_bus();
  ASSERT_EQ(bus.size(), 1u);
  EXPECT_EQ(bus[0].bu.home_address, kPrivacy);
  EXPECT_EQ(datapath_addresses(), std::vector<Ip6Addr>{kPrivacy});
  // In use already: what the guest sends waits for this binding too.
  EXPECT_TRUE(fib.guest(kGuestMac)->awaiting_binding);
  ack_for(kPrivacy, 0, bus[0].bu.sequence, 600s);
  EXPECT_FALSE(fib.guest(kGuestMac)->awaiting_binding);
  // Nothing outside its home prefix, nor from its own addresses, is learned.
  ping_from(addr("2001:db8:a:1::5"));
  ping_from(kHoa);
  ping_from(kPrivacy);
  EXPECT_TRUE(sent_bus().empty());
  EXPECT_EQ(agent->counters().addresses_learned, 1u);
  // Without learning, nothing is.
  config.host->learned_addresses = 0;
  ping_from(kSlaac);
  EXPECT_TRUE(sent_bus().empty());
}

// The host it came from learned them; the migration hands them over with the
// domain XML: registered as the guest resumes, each past its last number there.
TEST_F(LearnedAddressTest, AddressesHandedOverAreRegisteredAtResumeAndTheGuestWaitsForThemAll) {
  config.host->learned_addresses = 2;
  agent->attach("g1", std::nullopt, std::uint16_t{9}, "",
                {{kSlaac, std::uint16_t{100}}, {kPrivacy, std::nullopt}, {addr("2001:db8:b::5"), std::nullopt}});
  // Known to the data path before it runs here; nothing sent yet.
  EXPECT_EQ(datapath_addresses(), (std::vector<Ip6Addr>{kSlaac, kPrivacy}));  // not another prefix's
  EXPECT_TRUE(sent_bus().empty());
  agent->resume("g1", sched.wall_now());
  auto bus = sent_bus();
  ASSERT_EQ(bus.size(), 3u);
  std::map<Ip6Addr, std::uint16_t> sequence_of;
  for (const auto& b : bus) sequence_of[b.bu.home_address] = b.bu.sequence;
  EXPECT_EQ(sequence_of.at(kHoa), 10);
  EXPECT_EQ(sequence_of.at(kSlaac), 101);
  ASSERT_EQ(sequence_of.count(kPrivacy), 1u);
  // Its packets wait until every address is bound here.
  ack(0, 10, 600s);
  EXPECT_TRUE(fib.guest(kGuestMac)->awaiting_binding);
  ack_for(kSlaac, 0, 101, 600s);
  EXPECT_TRUE(fib.guest(kGuestMac)->awaiting_binding);
  ack_for(kPrivacy, 0, sequence_of.at(kPrivacy), 600s);
  EXPECT_FALSE(fib.guest(kGuestMac)->awaiting_binding);
  // A repeated attach with them changes nothing.
  agent->attach("g1", std::nullopt, std::nullopt, "", {{kSlaac, std::uint16_t{200}}});
  EXPECT_TRUE(sent_bus().empty());
  EXPECT_EQ(agent->guest("g1")->other_addresses.size(), 2u);
}

TEST_F(LearnedAddressTest, HandedOverAddressesNeedLearningOnHereToo) {
  config.host->learned_addresses = 0;
  agent->attach("g1", std::nullopt, std::uint16_t{9}, "", {{kSlaac, std::uint16_t{100}}});
  agent->resume("g1", sched.wall_now());
  EXPECT_EQ(sent_bus().size(), 1u);  // the home address's only
  EXPECT_TRUE(datapath_addresses().empty());
}

// At home a guest's frames pass to the home link unread; the ones the data
// path reports show which addresses it uses, for when it leaves home.
TEST_F(LearnedAddressTest, AtHomeTheAddressesAGuestSendsFromAreNotedNotRegistered) {
  config.host->learned_addresses = 2;
  const MacAddr local_mac = mac("52:54:00:00:00:02");
  agent->attach("local", std::nullopt, std::nullopt);
  agent->resume("local", sched.wall_now());
  io.take_sent(Port::uplink);
  const auto send_from = [&](const Ip6Addr& src) {
    std::vector<std::uint8_t> f(512);
    auto head = wire::write_ethernet_header(f, mac("02:00:00:00:0b:01"), local_mac, wire::ethertype::ipv6);
    auto n = wire::write_echo_request(wire::MutableByteSpan(f).subspan(*head),
                                      {.src = src, .dst = addr("2001:db8:c::1")}, 1, 1, {});
    ASSERT_TRUE(n);
    f.resize(*head + *n);
    io.inject(Port::guests, f, sched.now());
    sched.run_ready();
  };
  send_from(addr("2001:db8:b:0:abcd::1"));
  send_from(addr("2001:db8:a::5"));  // not its home prefix
  const auto status = agent->guest("local");
  ASSERT_EQ(status->other_addresses.size(), 1u);
  EXPECT_EQ(status->other_addresses[0].address, addr("2001:db8:b:0:abcd::1"));
  EXPECT_EQ(status->other_addresses[0].state, RegistrationState::idle);
  EXPECT_TRUE(sent_bus().empty());  // at home nothing is bound
  EXPECT_TRUE(io.take_sent(Port::guests).empty());
}

TEST_F(LearnedAddressTest, WithoutLearningTheGuestIsToldTheAddressIsTaken) {
  bound_here(0);
  dad(kSlaac);
  // Answered as the home router answers for any other home address: the
  // guest's DAD fails, and it never uses an address no packet would reach.
  EXPECT_EQ(defended(), kSlaac);
  EXPECT_TRUE(sent_bus().empty());
  EXPECT_TRUE(datapath_addresses().empty());
  EXPECT_TRUE(agent->guest("g1")->other_addresses.empty());
  // Nor is anything outside its home prefix, or the Home Agent's address, learned.
  config.host->learned_addresses = 2;
  dad(addr("2001:db8:b::77"));
  dad(kHa);
  EXPECT_TRUE(sent_bus().empty());
  EXPECT_TRUE(datapath_addresses().empty());
}

TEST_F(LearnedAddressTest, AnotherGuestsAddressHereIsDefendedNotLearned) {
  bound_here(2);
  GuestDescription other{"g3", mac("52:54:00:00:00:03"), addr("2001:db8:a::300"), "site-a"};
  agent->attach("g3", other, std::nullopt);
  dad(addr("2001:db8:a::300"));
  EXPECT_EQ(defended(), addr("2001:db8:a::300"));
  EXPECT_TRUE(datapath_addresses().empty());
}

TEST_F(LearnedAddressTest, AtTheLimitTheOldestAddressGivesWay) {
  bound_here(2);
  dad(kSlaac);
  dad(kPrivacy);
  EXPECT_EQ(datapath_addresses(), (std::vector<Ip6Addr>{kSlaac, kPrivacy}));
  sent_bus();
  dad(kPrivacy2);
  EXPECT_EQ(datapath_addresses(), (std::vector<Ip6Addr>{kPrivacy, kPrivacy2}));
  EXPECT_EQ(agent->counters().addresses_given_up, 1u);
  // Left to expire at the Home Agent (the guest may still hold it): no
  // deregistration, and a late BA for it is nobody's.
  auto bus = sent_bus();
  ASSERT_EQ(bus.size(), 1u);
  EXPECT_EQ(bus[0].bu.home_address, kPrivacy2);
  const auto unknown = agent->counters().ba_unknown_guest;
  ack_for(kSlaac, 0, 1, 600s);
  sched.run_ready();
  EXPECT_EQ(agent->counters().ba_unknown_guest, unknown + 1);
}

TEST_F(LearnedAddressTest, AnAddressTheHomeAgentRefusesHoldsNothingOfTheGuestBack) {
  bound_here(2);
  dad(kSlaac);
  auto bus = sent_bus();
  ASSERT_EQ(bus.size(), 1u);
  // A BA for the home address's sequence number but this address completes nothing.
  ack_for(kSlaac, 0, static_cast<std::uint16_t>(bus[0].bu.sequence + 1), 600s);
  EXPECT_FALSE(agent->guest("g1")->other_addresses[0].bound);
  // Refused by the Home Agent's policy: not bound, and nothing of the guest waits for it.
  ack_for(kSlaac, 129, bus[0].bu.sequence, 0s);
  EXPECT_EQ(agent->guest("g1")->other_addresses[0].state, RegistrationState::refused);
  EXPECT_FALSE(fib.guest(kGuestMac)->awaiting_binding);
  EXPECT_EQ(agent->guest("g1")->state, RegistrationState::bound);
}

// Another guest, elsewhere, holds a binding for it (the Home Agent ties
// each binding to the MAC in the BU): 134. The address is not this guest's.
TEST_F(LearnedAddressTest, AnAddressAnotherGuestHoldsIsGivenUpAndNotLearnedAgainForAWhile) {
  bound_here(2);
  dad(kSlaac);
  auto bus = sent_bus();
  ASSERT_EQ(bus.size(), 1u);
  ASSERT_TRUE(bus[0].bu.link_layer_identifier);
  EXPECT_EQ(*bus[0].bu.link_layer_identifier, wire::LinkLayerIdentifier::of(kGuestMac));
  ack_for(kSlaac, 134, bus[0].bu.sequence, 0s);
  sched.run_ready();
  EXPECT_TRUE(agent->guest("g1")->other_addresses.empty());
  EXPECT_TRUE(datapath_addresses().empty());
  EXPECT_FALSE(fib.guest(kGuestMac)->awaiting_binding);
  EXPECT_EQ(agent->counters().addresses_refused, 1u);
  EXPECT_EQ(agent->guest("g1")->state, RegistrationState::bound);  // its home address is untouched
  // Its next probe is answered as by the owner, and nothing is sent; nor
  // does a packet from it start the refusal over.
  sched.advance(30s);
  dad(kSlaac);
  EXPECT_EQ(defended(), kSlaac);
  from_guest([&](wire::MutableByteSpan b) {
    return wire::write_echo_request(b, {.src = kSlaac, .dst = addr("2001:db8:c::1")}, 1, 1, {});
  }, kHomeRouterMac);
  bus = sent_bus();
  EXPECT_TRUE(std::none_of(bus.begin(), bus.end(), [&](const SentBu& b) { return b.bu.home_address == kSlaac; }));
  EXPECT_TRUE(datapath_addresses().empty());
  // After a while it may be tried again (the other guest may have gone).
  sched.advance(31s);
  sent_bus();
  dad(kSlaac);
  bus = sent_bus();
  EXPECT_TRUE(std::any_of(bus.begin(), bus.end(), [&](const SentBu& b) { return b.bu.home_address == kSlaac; }));
  EXPECT_EQ(datapath_addresses(), std::vector<Ip6Addr>{kSlaac});
}

TEST_F(LearnedAddressTest, AStoppedGuestDeregistersEveryAddress) {
  bound_here(2);
  dad(kSlaac);
  auto bus = sent_bus();
  ack_for(kSlaac, 0, bus[0].bu.sequence, 600s);
  agent->detach("g1", true);
  bus = sent_bus();
  ASSERT_EQ(bus.size(), 2u);
  std::map<Ip6Addr, ReceivedBindingUpdate> by_address;
  for (const auto& b : bus) by_address[b.bu.home_address] = b.bu;
  ASSERT_EQ(by_address.count(kHoa), 1u);
  ASSERT_EQ(by_address.count(kSlaac), 1u);
  EXPECT_EQ(by_address[kHoa].lifetime_seconds, 0u);
  EXPECT_EQ(by_address[kSlaac].lifetime_seconds, 0u);
  ack(0, by_address[kHoa].sequence, 0s);
  sched.run_ready();
  EXPECT_TRUE(agent->guest("g1"));  // the other address's deregistration is still unanswered
  ack_for(kSlaac, 0, by_address[kSlaac].sequence, 0s);
  sched.run_ready();
  EXPECT_FALSE(agent->guest("g1"));
  // Its addresses are free for another guest now.
  GuestDescription other{"g3", mac("52:54:00:00:00:03"), kSlaac, "site-a"};
  EXPECT_NO_THROW(agent->attach("g3", other, std::nullopt));
}

}  // namespace
}  // namespace roam6::mip6d::host

// ---- hand-over forwarding (docs/signalling.md) -------------------------------

namespace roam6::mip6d::host {
namespace {

class HandOverTest : public HostAgentTest {
 protected:
  const Ip6Addr kNewCoa = addr("2001:db8:c::2");

  void bound_here() {
    agent->attach("g1", std::nullopt, std::uint16_t{9});
    agent->resume("g1", sched.wall_now());
    sent_bus();
    ack(0, 10, 600s);
    io.take_sent(Port::uplink);
  }
  std::uint64_t ha_clock(std::chrono::milliseconds later = 0ms) const {
    return to_ntp_timestamp(sched.wall_now() + later);
  }
  // The Home Agent's notice (a Binding Revocation Indication) to our care-of address.
  void notice(std::uint16_t sequence, std::uint64_t timestamp, const Ip6Addr& source = kHa,
              std::optional<Ip6Addr> to = std::nullopt, const Ip6Addr& home_address = kHoa) {
    std::vector<std::uint8_t> f(512);
    auto head = wire::write_ethernet_header(f, kUplinkMac, mac("02:00:00:00:0b:01"), wire::ethertype::ipv6);
    BindingRevocationSpec s;
    s.home_agent = source;
    s.care_of_address = kCoa;
    s.home_address = home_address;
    s.sequence = sequence;
    s.new_care_of = to.value_or(kNewCoa);
    s.timestamp = timestamp;
    auto n = write_binding_revocation(wire::MutableByteSpan(f).subspan(*head), s, *ha_keys.find(1001u));
    ASSERT_TRUE(n);
    f.resize(*head + *n);
    io.inject(Port::uplink, f, sched.now());
    sched.run_ready();
  }
  // The acknowledgements the host sent, checked as the Home Agent checks them.
  // Whether the guest's data path entry was cleared (what it held dropped)
  // since the log was last cleared.
  bool cleared() const {
    for (const auto& op : fib.log())
      if (const auto* c = std::get_if<ClearGuest>(&op); c != nullptr && c->mac == kGuestMac) return true;
    return false;
  }
  std::vector<ReceivedRevocation> acks() {
    std::vector<ReceivedRevocation> out;
    for (const auto& f : io.take_sent(Port::uplink)) {
      auto eth = wire::EthernetView::parse(f);
      wire::MobilityPacket p;
      if (wire::decode_mobility_packet(eth->payload(), p) != wire::Errc::ok) continue;
      ReceivedRevocation ack;
      EXPECT_TRUE(check_binding_revocation_ack(p, kHoa, ha_keys, ack).ok());
      EXPECT_EQ(eth->dst(), mac("02:00:00:00:0b:01"));
      out.push_back(ack);
    }
    return out;
  }
};

TEST_F(HandOverTest, APauseHoldsTheGuestsPacketsAndItsResumeReleasesThem) {
  EXPECT_THROW(agent->pause("g1"), GuestCommandError);  // not attached
  agent->attach("g1", std::nullopt, std::nullopt);
  EXPECT_THROW(agent->pause("g1"), GuestCommandError);  // attached, not running here
  agent->resume("g1", sched.wall_now());
  ASSERT_TRUE(fib.guest(kGuestMac)->resumed);
  agent->pause("g1");
  agent->pause("g1");  // repeated: nothing more
  EXPECT_FALSE(fib.guest(kGuestMac)->resumed);
  EXPECT_EQ(agent->counters().guests_paused, 1u);
  agent->resume("g1", sched.wall_now());  // the migration failed: it runs here again
  EXPECT_TRUE(fib.guest(kGuestMac)->resumed);
}

// Frames the guest sent just before its pause may still be in the switch's
// queues when guest.pause arrives (seen in the testbed: an echo reply right
// behind it unpaused the source, which then handed its held packets to a
// guest that no longer read them). Only a frame well after the pause says
// the guest runs here again.
TEST_F(HandOverTest, AFrameInFlightBeforeThePauseDoesNotUnpause) {
  bound_here();
  agent->pause("g1");
  EXPECT_TRUE(fib.guest(kGuestMac)->paused);
  std::vector<std::uint8_t> rarp(60, 0);
  ASSERT_TRUE(wire::write_ethernet_header(rarp, mac("ff:ff:ff:ff:ff:ff"), kGuestMac, wire::ethertype::rarp));
  sched.advance(3ms);
  io.inject(Port::guests, rarp, sched.now());
  sched.run_ready();
  EXPECT_TRUE(fib.guest(kGuestMac)->paused);
  EXPECT_FALSE(fib.guest(kGuestMac)->resumed);
  EXPECT_EQ(agent->counters().frames_after_pause, 1u);
  // Still speaking long after: it runs here (the migration failed and its
  // Resumed event was missed).
  sched.advance(HostAgent::pause_leftovers);
  io.inject(Port::guests, rarp, sched.now());
  sched.run_ready();
  EXPECT_TRUE(fib.guest(kGuestMac)->resumed);
  EXPECT_FALSE(fib.guest(kGuestMac)->paused);
}

TEST_F(HandOverTest, ANoticeForAPausedGuestForwardsItsPacketsAndIsAcknowledged) {
  bound_here();
  agent->pause("g1");
  notice(7, ha_clock());
  const GuestPath* p = fib.guest(kGuestMac);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->forward_to, kNewCoa);
  EXPECT_FALSE(p->resumed);
  EXPECT_EQ(agent->counters().revocations_forwarding, 1u);
  const auto sent = acks();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].source, kCoa);
  EXPECT_EQ(sent[0].destination, kHa);
  EXPECT_EQ(sent[0].sequence, 7);
  EXPECT_EQ(sent[0].trigger_or_status, wire::bra_status::success);
}

TEST_F(HandOverTest, AMovedGuestHoldsUntilTheNoticeThenForwardsForAWhile) {
  bound_here();
  agent->detach("g1", false);
  sched.run_ready();
  const GuestPath* p = fib.guest(kGuestMac);
  ASSERT_NE(p, nullptr);  // kept, holding
  EXPECT_FALSE(p->resumed);
  EXPECT_EQ(p->forward_to, Ip6Addr{});
  sched.advance(1s);
  notice(8, ha_clock());
  EXPECT_EQ(fib.guest(kGuestMac)->forward_to, kNewCoa);
  EXPECT_EQ(acks().size(), 1u);
  sched.advance(HostAgent::hand_over_linger);
  // Over: g1 is listed, so its MAC stays known, as not running here.
  p = fib.guest(kGuestMac);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->forward_to, Ip6Addr{});
  EXPECT_FALSE(p->resumed);
  EXPECT_EQ(agent->counters().hand_overs_expired, 0u);
}

// libvirt runs the source's `stopped` hook (detach mode=stopped) before it
// emits the Stopped (migrated) event: a guest paused for the last copy of a
// migration that is then stopped has moved. Deregistering from here would
// race the destination's binding; what it held waits for the hand-over.
TEST_F(HandOverTest, AGuestStoppedWhilePausedForMigrationMovedAndIsNotDeregistered) {
  bound_here();
  agent->pause("g1");
  agent->detach("g1", true);
  sched.run_ready();
  EXPECT_TRUE(io.take_sent(Port::uplink).empty());  // no deregistration
  const GuestPath* p = fib.guest(kGuestMac);
  ASSERT_NE(p, nullptr);  // kept, holding for the hand-over
  EXPECT_FALSE(p->resumed);
  notice(8, ha_clock(1ms));
  EXPECT_EQ(fib.guest(kGuestMac)->forward_to, kNewCoa);

  // Not paused (no migration): stopped still deregisters.
  sched.advance(HostAgent::hand_over_linger);
  agent->attach("g1", std::nullopt, std::uint16_t{20});
  agent->resume("g1", sched.wall_now());
  io.take_sent(Port::uplink);
  agent->detach("g1", true);
  bool deregistered = false;
  for (const auto& f : io.take_sent(Port::uplink)) {
    auto eth = wire::EthernetView::parse(f);
    wire::MobilityPacket m;
    if (eth && wire::decode_mobility_packet(eth->payload(), m) == wire::Errc::ok) deregistered = true;
  }
  EXPECT_TRUE(deregistered);
}

TEST_F(HandOverTest, WithoutANoticeWhatWasHeldExpires) {
  bound_here();
  agent->detach("g1", false);
  sched.run_ready();
  fib.clear_log();
  sched.advance(HostAgent::hand_over_wait);
  EXPECT_EQ(agent->counters().hand_overs_expired, 1u);
  EXPECT_TRUE(cleared());  // not kept for a return: it would deliver them seconds late
  EXPECT_EQ(fib.guest(kGuestMac)->forward_to, Ip6Addr{});
}

TEST_F(HandOverTest, AGuestBackBeforeTheHandOverEndedGetsNoneOfWhatWasHeld) {
  bound_here();
  agent->detach("g1", false);
  sched.run_ready();
  sched.advance(1s);
  fib.clear_log();
  agent->attach("g1", std::nullopt, std::nullopt);
  EXPECT_TRUE(cleared());
  ASSERT_NE(fib.guest(kGuestMac), nullptr);
  EXPECT_FALSE(fib.guest(kGuestMac)->resumed);
  sched.advance(HostAgent::hand_over_wait);
  EXPECT_EQ(agent->counters().hand_overs_expired, 0u);  // its hand-over is over
}

TEST_F(HandOverTest, NoticesThatProveNothingOrConcernAGuestRunningHereMoveNothing) {
  bound_here();
  notice(9, ha_clock());  // it runs here: 131, nothing forwarded
  EXPECT_EQ(agent->counters().revocations_guest_running, 1u);
  auto sent = acks();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].trigger_or_status, wire::bra_status::cannot_identify_binding);
  EXPECT_EQ(fib.guest(kGuestMac)->forward_to, Ip6Addr{});

  agent->pause("g1");
  const auto dropped = [&](SignallingDrop d) {
    return agent->counters().revocations_dropped[static_cast<std::size_t>(d)];
  };
  notice(10, ha_clock(), addr("2001:db8:b::1"));  // another site's Home Agent
  EXPECT_EQ(dropped(SignallingDrop::not_from_home_agent), 1u);
  notice(11, ha_clock(-60s));  // outside the replay window
  EXPECT_EQ(dropped(SignallingDrop::replayed), 1u);
  notice(12, ha_clock(1ms));
  notice(13, ha_clock(1ms));  // the same timestamp again: a replay
  EXPECT_EQ(dropped(SignallingDrop::replayed), 2u);
  EXPECT_EQ(agent->counters().revocations_forwarding, 1u);
  EXPECT_EQ(acks().size(), 1u);
}

// Leaving home (zero-loss): a guest paused at its home site holds what the
// home link sends it, natively, and once its Home Agent says where it went
// hands it over through a tunnel of this host's to that Home Agent.
TEST_F(HandOverTest, AGuestPausedAtHomeHoldsWhatTheHomeLinkSendsItThenHandsItOver) {
  const MacAddr local_mac = mac("52:54:00:00:00:02");
  const Ip6Addr local_hoa = addr("2001:db8:b::200");
  const Ip6Addr local_ha = addr("2001:db8:b::1");
  agent->attach("local", std::nullopt, std::nullopt);
  agent->resume("local", sched.wall_now());
  io.take_sent(Port::uplink);
  ASSERT_NE(fib.guest(local_mac), nullptr);
  EXPECT_FALSE(fib.guest(local_mac)->holding_at_home);  // runs here: frames pass
  agent->pause("local");
  const GuestPath* p = fib.guest(local_mac);
  EXPECT_TRUE(p->holding_at_home);
  EXPECT_FALSE(p->away);
  EXPECT_FALSE(p->resumed);
  EXPECT_EQ(p->home_agent, local_ha);
  EXPECT_EQ(p->care_of_address, kCoa);
  agent->resume("local", sched.wall_now());  // the migration failed
  EXPECT_FALSE(fib.guest(local_mac)->holding_at_home);
  EXPECT_TRUE(fib.guest(local_mac)->resumed);

  // Paused again, and libvirt's `stopped` hook comes: it moved; what it
  // holds waits for the notice.
  agent->pause("local");
  agent->detach("local", true);
  sched.run_ready();
  EXPECT_TRUE(io.take_sent(Port::uplink).empty());  // nothing to deregister
  p = fib.guest(local_mac);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->holding_at_home);
  notice(9, ha_clock(), local_ha, kNewCoa, local_hoa);
  p = fib.guest(local_mac);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->forward_to, kNewCoa);
  EXPECT_TRUE(p->holding_at_home);
  EXPECT_EQ(p->home_agent, local_ha);
  EXPECT_EQ(agent->counters().revocations_forwarding, 1u);
}

// The migration away begins (libvirt's migration iteration event): the data
// path remembers what it delivers to the guest. At the pause, what it
// delivered since just before QEMU's STOP is held again (the tap's unread
// queue dies with the source QEMU).
TEST_F(HandOverTest, AMigratingGuestIsRememberedForAndReplayedFromJustBeforeItsStop) {
  bound_here();
  EXPECT_FALSE(fib.guest(kGuestMac)->migrating);
  agent->migrating("g1");
  agent->migrating("g1");  // every iteration says it again
  EXPECT_TRUE(fib.guest(kGuestMac)->migrating);
  EXPECT_EQ(fib.guest(kGuestMac)->replay_since, WallTime{});
  EXPECT_EQ(agent->counters().guests_migrating, 1u);
  ASSERT_TRUE(agent->guest("g1"));
  EXPECT_TRUE(agent->guest("g1")->migrating);
  sched.advance(2s);
  const WallTime stopped = sched.wall_now() - 12ms;
  agent->pause("g1", stopped);
  const GuestPath* p = fib.guest(kGuestMac);
  EXPECT_TRUE(p->paused);
  EXPECT_EQ(p->replay_since, stopped - HostAgent::replay_before_stop);
  // Still paused long after: the limit no longer applies.
  sched.advance(HostAgent::migrating_limit);
  EXPECT_TRUE(fib.guest(kGuestMac)->migrating);
  EXPECT_EQ(agent->counters().migrations_not_paused, 0u);
  // It resumed here after all: nothing is remembered any more.
  agent->resume("g1", sched.wall_now());
  EXPECT_FALSE(fib.guest(kGuestMac)->migrating);
  EXPECT_EQ(fib.guest(kGuestMac)->replay_since, WallTime{});
}

TEST_F(HandOverTest, WithoutTheStopTimeTheReplayStartsBeforeThePauseRequest) {
  bound_here();
  agent->migrating("g1");
  agent->pause("g1");
  EXPECT_EQ(fib.guest(kGuestMac)->replay_since, sched.wall_now() - HostAgent::replay_before_pause);
}

TEST_F(HandOverTest, APauseWithoutAMigrationReplaysNothing) {
  bound_here();
  agent->pause("g1", sched.wall_now());
  EXPECT_TRUE(fib.guest(kGuestMac)->paused);
  EXPECT_FALSE(fib.guest(kGuestMac)->migrating);
  EXPECT_EQ(fib.guest(kGuestMac)->replay_since, WallTime{});
}

TEST_F(HandOverTest, AMigrationNeverPausedStopsBeingRememberedFor) {
  bound_here();
  agent->migrating("g1");
  sched.advance(HostAgent::migrating_limit - 1s);
  agent->migrating("g1");  // a later iteration: the limit starts again
  sched.advance(HostAgent::migrating_limit - 1s);
  EXPECT_TRUE(fib.guest(kGuestMac)->migrating);
  sched.advance(1s);
  EXPECT_FALSE(fib.guest(kGuestMac)->migrating);
  EXPECT_TRUE(fib.guest(kGuestMac)->resumed);
  EXPECT_EQ(agent->counters().migrations_not_paused, 1u);
}

TEST_F(HandOverTest, OnlyAGuestRunningHereCanBeMigrating) {
  EXPECT_THROW(agent->migrating("nobody"), GuestCommandError);
  agent->attach("g1", std::nullopt, std::uint16_t{9});
  EXPECT_THROW(agent->migrating("g1"), GuestCommandError);  // not resumed yet
  agent->resume("g1", sched.wall_now());
  agent->pause("g1");
  EXPECT_THROW(agent->migrating("g1"), GuestCommandError);  // already paused
  EXPECT_EQ(agent->counters().guests_migrating, 0u);
}

// Leaving home: native frames are looked up while it migrates, so the data
// path can remember them, and held once it is paused.
TEST_F(HandOverTest, AGuestMigratingFromHomeHasItsNativeFramesLookedUp) {
  const MacAddr local_mac = mac("52:54:00:00:00:02");
  agent->attach("local", std::nullopt, std::nullopt);
  agent->resume("local", sched.wall_now());
  EXPECT_FALSE(fib.guest(local_mac)->holding_at_home);
  agent->migrating("local");
  const GuestPath* p = fib.guest(local_mac);
  EXPECT_TRUE(p->migrating);
  EXPECT_TRUE(p->holding_at_home);
  EXPECT_FALSE(p->paused);
  EXPECT_TRUE(p->resumed);
  agent->pause("local", sched.wall_now());
  EXPECT_TRUE(fib.guest(local_mac)->holding_at_home);
  EXPECT_NE(fib.guest(local_mac)->replay_since, WallTime{});
}

TEST_F(HandOverTest, AGuestResumedAtHomeIsAnnouncedOnTheHomeLinkAtOnce) {
  agent->attach("local", std::nullopt, std::nullopt);
  io.take_sent(Port::uplink);
  agent->resume("local", sched.wall_now());
  bool announced = false;
  for (const auto& f : io.take_sent(Port::uplink)) {
    auto eth = wire::EthernetView::parse(f);
    auto ip = wire::Ipv6View::parse(eth->payload());
    if (!ip) continue;
    auto na = wire::parse_neighbour_advertisement(*ip, ip->payload());
    if (!na) continue;  // the deregistration BU
    EXPECT_EQ(eth->src(), mac("52:54:00:00:00:02"));
    EXPECT_EQ(na->target(), addr("2001:db8:b::200"));
    EXPECT_TRUE(na->override_flag());
    EXPECT_FALSE(na->solicited());
    EXPECT_EQ(na->options().target_link_layer, mac("52:54:00:00:00:02"));
    announced = true;
  }
  EXPECT_TRUE(announced);
  EXPECT_EQ(agent->counters().home_announcements, 1u);
}

}  // namespace
}  // namespace roam6::mip6d::host
