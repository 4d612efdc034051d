// Configuration reload (SIGHUP, config.reload): what a changed file changes,
// that restart-only keys keep their running value, that the running Config
// is changed in place (the roles' references stay valid: run this under
// ASan), and that both roles take the run-time keys: a replaced secret, a
// changed policy, lifetime and router MAC.

#include "mip6d/daemon/config_reload.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "daemon_test_support.hpp"
#include "memory_binding_store.hpp"
#include "mip6d/config/config_loader.hpp"
#include "mip6d/control/control_error.hpp"
#include "mip6d/daemon/control_commands.hpp"
#include "mip6d/home_agent/home_agent.hpp"
#include "mip6d/host/host_agent.hpp"
#include "tests/support/mip6d/fake_packet_io.hpp"
#include "mip6d/io/recording_forwarding_table.hpp"
#include "tests/support/mip6d/simulated_scheduler.hpp"
#include "mip6d/signalling/ntp_timestamp.hpp"
#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/icmpv6.hpp"
#include "roam6/wire/neighbour_discovery.hpp"

namespace roam6::mip6d::daemon {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using wire::Ip6Addr;
using wire::MacAddr;

Ip6Addr addr(const char* s) { return *Ip6Addr::parse(s); }
MacAddr mac(const char* s) { return *MacAddr::parse(s); }

const std::string kHomeAgentFile = R"(role = "home-agent"
node_name = "ha-a"
control_socket = "/run/roam6/ha-a.sock"
log_level = "info"
[interfaces]
uplink = "eth0"
[home_agent]
address = "2001:db8:a::1"
home_prefixes = ["2001:db8:a::/64"]
max_lifetime = 3600
replay_window = 7
database = "/var/lib/roam6/a.sqlite"
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
name = "site-c-hosts"
spi = 1002
secret_hex = "ffeeddccbbaa99887766554433221100"
[[policy]]
key = "site-b-hosts"
care_of_prefixes = ["2001:db8:b::/48"]
home_prefixes = ["2001:db8:a::/64"]
[[guests]]
name = "g1"
mac = "52:54:00:00:00:01"
home_address = "2001:db8:a::100"
home_site = "site-a"
)";

// `text` with `from` replaced by `to` (which must occur).
std::string edited(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::logic_error("not in the file: " + from);
  return text.replace(at, from.size(), to);
}

Config load(const std::string& text) {
  auto result = load_config_string(text, "reload.toml");
  if (!result) throw std::runtime_error(result.error_report());
  return std::move(result).config();
}

const ConfigChange* find(const std::vector<ConfigChange>& changes, std::string_view key) {
  for (const auto& c : changes)
    if (c.key == key) return &c;
  return nullptr;
}

std::string keys_of(const std::vector<ConfigChange>& changes) {
  std::string out;
  for (const auto& c : changes) out += (out.empty() ? "" : " ") + c.key;
  return out;
}

TEST(ConfigReloadPlan, TheSameFileChangesNothing) {
  const Config running = load(kHomeAgentFile);
  EXPECT_TRUE(plan_reload(running, load(kHomeAgentFile)).unchanged());
}

TEST(ConfigReloadPlan, ReorderedEntriesChangeNothing) {
  // [[sites]] and [[keys]] are matched by name, not by their place.
  const std::string site_a = kHomeAgentFile.substr(kHomeAgentFile.find("[[sites]]\nname = \"site-a\""),
                                                   kHomeAgentFile.find("[[sites]]\nname = \"site-b\"") -
                                                       kHomeAgentFile.find("[[sites]]\nname = \"site-a\""));
  std::string reordered = edited(kHomeAgentFile, site_a, "");
  reordered = edited(reordered, "[[keys]]\nname = \"site-b-hosts\"", site_a + "[[keys]]\nname = \"site-b-hosts\"");
  const ReloadPlan plan = plan_reload(load(kHomeAgentFile), load(reordered));
  EXPECT_TRUE(plan.unchanged()) << keys_of(plan.applied) << " / " << keys_of(plan.needs_restart);
}

TEST(ConfigReloadPlan, RunTimeKeysAreAppliedInPlace) {
  Config running = load(kHomeAgentFile);
  std::string file = edited(kHomeAgentFile, "log_level = \"info\"", "log_level = \"debug\"");
  file = edited(file, "max_lifetime = 3600", "max_lifetime = 600");
  file = edited(file, "replay_window = 7", "replay_window = 3\nreplay_memory_limit = 4096");
  file = edited(file, "care_of_prefixes = [\"2001:db8:b::/48\"]", "care_of_prefixes = [\"2001:db8:bb::/48\"]");
  file = edited(file, "router_mac = \"02:00:00:00:0b:01\"", "router_mac = \"02:00:00:00:0b:99\"");
  file = edited(file, "mac = \"52:54:00:00:00:01\"", "mac = \"52:54:00:00:00:11\"");
  const Config loaded = load(file);

  const ReloadPlan plan = plan_reload(running, loaded);
  EXPECT_TRUE(plan.needs_restart.empty()) << keys_of(plan.needs_restart);
  EXPECT_EQ(keys_of(plan.applied),
            "guests[0].mac home_agent.max_lifetime home_agent.replay_memory_limit home_agent.replay_window "
            "log_level policy "
            "sites[1].router_mac");
  const ConfigChange* level = find(plan.applied, "log_level");
  ASSERT_NE(level, nullptr);
  EXPECT_EQ(level->running, "info");
  EXPECT_EQ(level->file, "debug");
  EXPECT_EQ(level->location, "reload.toml:4:13: log_level");

  // The objects the roles refer to keep their addresses.
  const HomeAgentConfig* ha = &*running.home_agent;
  const Site* site_b = &running.sites[1];
  const std::vector<PolicyRule>* policy = &running.policy;
  apply_reload(running, loaded, plan);
  EXPECT_EQ(&*running.home_agent, ha);
  EXPECT_EQ(&running.sites[1], site_b);
  EXPECT_EQ(&running.policy, policy);
  EXPECT_EQ(running.log_level, LogLevel::debug);
  EXPECT_EQ(running.home_agent->max_lifetime, 600s);
  EXPECT_EQ(running.home_agent->replay_window, 3s);
  EXPECT_EQ(running.home_agent->replay_memory_limit, 4096u);
  EXPECT_EQ(running.sites[1].router_mac, mac("02:00:00:00:0b:99"));
  EXPECT_EQ(running.policy[0].care_of_prefixes[0], *wire::Ip6Prefix::parse("2001:db8:bb::/48"));
  EXPECT_EQ(running.guests[0].mac, mac("52:54:00:00:00:11"));
  EXPECT_TRUE(plan_reload(running, loaded).unchanged());
}

TEST(ConfigReloadPlan, AReplacedSecretIsAppliedAndNeverShown) {
  const Config running = load(kHomeAgentFile);
  // Same length: only the secret itself differs.
  const Config loaded = load(edited(kHomeAgentFile, "00112233445566778899aabbccddeeff",
                                    "0f1e2d3c4b5a69788796a5b4c3d2e1f0"));
  const ReloadPlan plan = plan_reload(running, loaded);
  ASSERT_EQ(keys_of(plan.applied), "keys[0].secret_hex");
  const ConfigChange& change = plan.applied[0];
  EXPECT_EQ(change.running, "<redacted>");
  EXPECT_EQ(change.file, "<redacted>");
  EXPECT_EQ(change.location, "reload.toml:27:14: keys[0].secret_hex");

  Config applied = running;
  apply_reload(applied, loaded, plan);
  EXPECT_EQ(applied.keys[0].secret, loaded.keys[0].secret);
}

TEST(ConfigReloadPlan, RestartOnlyKeysAreReportedAndKeepTheirRunningValue) {
  Config running = load(kHomeAgentFile);
  std::string file = edited(kHomeAgentFile, "node_name = \"ha-a\"", "node_name = \"ha-z\"");
  file = edited(file, "/run/roam6/ha-a.sock", "/run/roam6/other.sock");
  file = edited(file, "uplink = \"eth0\"", "uplink = \"eth9\"");
  file = edited(file, "/var/lib/roam6/a.sqlite", "/var/lib/roam6/b.sqlite");
  file = edited(file, "[[sites]]\nname = \"site-b\"\nprefix = \"2001:db8:b::/64\"",
                "[[sites]]\nname = \"site-b\"\nprefix = \"2001:db8:bb::/64\"");
  file += "[metrics]\nlisten = \"[::1]:9464\"\n";
  const Config loaded = load(file);

  const ReloadPlan plan = plan_reload(running, loaded);
  EXPECT_TRUE(plan.applied.empty()) << keys_of(plan.applied);
  EXPECT_EQ(keys_of(plan.needs_restart),
            "control_socket home_agent.database interfaces.uplink metrics node_name sites[1].prefix");
  const ConfigChange* socket = find(plan.needs_restart, "control_socket");
  ASSERT_NE(socket, nullptr);
  EXPECT_EQ(socket->location, "reload.toml:3:18: control_socket");
  EXPECT_EQ(socket->running, "/run/roam6/ha-a.sock");
  EXPECT_EQ(socket->file, "/run/roam6/other.sock");
  EXPECT_THAT(socket->reason, HasSubstr("bound at start"));
  for (const auto& c : plan.needs_restart) EXPECT_FALSE(c.reason.empty()) << c.key;

  apply_reload(running, loaded, plan);
  EXPECT_EQ(running.node_name, "ha-a");
  EXPECT_EQ(running.control_socket, "/run/roam6/ha-a.sock");
  EXPECT_EQ(running.interfaces.uplink, "eth0");
  EXPECT_EQ(running.home_agent->database, "/var/lib/roam6/a.sqlite");
  EXPECT_EQ(running.sites[1].prefix, *wire::Ip6Prefix::parse("2001:db8:b::/64"));
  EXPECT_FALSE(running.metrics);
  // Where the keys are now, for the next message about them.
  EXPECT_EQ(running.locate("metrics.listen"), "reload.toml:42:10: metrics.listen");
}

TEST(ConfigReloadPlan, ANewSiteNeedsARestartAndHoldsBackTheGuestsHomedThere) {
  const Config running = load(kHomeAgentFile);
  std::string file = edited(kHomeAgentFile, "[[keys]]\nname = \"site-b-hosts\"",
                            "[[sites]]\nname = \"site-c\"\nprefix = \"2001:db8:c::/64\"\n"
                            "home_agent = \"2001:db8:c::1\"\nrouter_link_local = \"fe80::1\"\n"
                            "router_mac = \"02:00:00:00:0c:01\"\n"
                            "[[keys]]\nname = \"site-b-hosts\"");
  file += "[[guests]]\nname = \"g2\"\nmac = \"52:54:00:00:00:02\"\n"
          "home_address = \"2001:db8:c::100\"\nhome_site = \"site-c\"\n";
  file = edited(file, "log_level = \"info\"", "log_level = \"warning\"");
  const ReloadPlan plan = plan_reload(running, load(file));
  EXPECT_EQ(keys_of(plan.applied), "log_level");
  EXPECT_EQ(keys_of(plan.needs_restart), "sites[2] guests[1]");
  const ConfigChange* guest = find(plan.needs_restart, "guests[1]");
  ASSERT_NE(guest, nullptr);
  EXPECT_THAT(guest->reason, HasSubstr("[[sites]] change that needs a restart"));
  EXPECT_EQ(guest->file, "added g2");
}

TEST(ConfigReloadPlan, TheDatapathKeepsTheRouterMacOfItsOwnSite) {
  const std::string host_file = R"(role = "host"
node_name = "host-b1"
[datapath]
eal_args = ["--no-huge"]
uplink = "net_null0"
guests = "net_null1"
[host]
site = "site-b"
care_of_address = "2001:db8:b::2"
key = "k"
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
name = "k"
spi = 1001
secret_hex = "00112233445566778899aabbccddeeff"
)";
  std::string file = edited(host_file, "02:00:00:00:0a:01", "02:00:00:00:0a:02");
  file = edited(file, "02:00:00:00:0b:01", "02:00:00:00:0b:02");
  const ReloadPlan plan = plan_reload(load(host_file), load(file));
  EXPECT_EQ(keys_of(plan.applied), "sites[0].router_mac");  // a guest's home site
  ASSERT_EQ(keys_of(plan.needs_restart), "sites[1].router_mac");  // where the host stands
  EXPECT_THAT(plan.needs_restart[0].reason, HasSubstr("datapath"));
}

TEST(ConfigReloadOutcome, ARejectedFileIsRefusedWithEveryError) {
  ReloadOutcome outcome;
  outcome.status = ReloadOutcome::Status::rejected;
  outcome.errors = {"m.toml:3:7: keys[0].spi: must be between 256 and 4294967295, not 5",
                    "m.toml:9:1: guests[0].naem: unknown key 'naem' (expected one of: ...)"};
  try {
    reload_outcome_json(outcome);
    FAIL() << "a rejected reload must be refused";
  } catch (const control::ControlError& e) {
    EXPECT_EQ(e.code(), "invalid_config");
    EXPECT_THAT(e.what(), HasSubstr("\nm.toml:3:7: keys[0].spi: must be between"));
    EXPECT_THAT(e.what(), HasSubstr("\nm.toml:9:1: guests[0].naem: unknown key"));
  }
  ReloadOutcome applied;
  applied.plan.applied.push_back({"log_level", "m.toml:4:13: log_level", "info", "debug", ""});
  applied.plan.needs_restart.push_back(
      {"control_socket", "m.toml:3:18: control_socket", "/a.sock", "/b.sock", "bound at start"});
  EXPECT_EQ(reload_outcome_json(applied), nlohmann::json::parse(R"({
    "applied": [{"key": "log_level", "from": "info", "to": "debug"}],
    "needs_restart": [{"key": "control_socket", "at": "m.toml:3:18: control_socket",
                       "running": "/a.sock", "file": "/b.sock", "reason": "bound at start"}]})"));
}

// ---- the Home Agent takes a reload ------------------------------------------

const MacAddr kHaMac = mac("02:00:00:00:0a:99");
const MacAddr kRouterMac = mac("02:00:00:00:0a:01");
const Ip6Addr kHa = addr("2001:db8:a::1");
const Ip6Addr kHoa = addr("2001:db8:a::100");
const Ip6Addr kCoaB = addr("2001:db8:b::2");

class HomeAgentReloadTest : public ::testing::Test {
 protected:
  HomeAgentReloadTest() : config(load(kHomeAgentFile)) {
    io.set_mac(Port::uplink, kHaMac);
    agent = std::make_unique<ha::HomeAgent>(config, sched, io, fib, store, log);
    agent->start();
  }

  // What the daemon does on SIGHUP, on a file that loaded.
  ReloadPlan reload(const std::string& file) {
    const Config loaded = load(file);
    ReloadPlan plan = plan_reload(config, loaded);
    agent->finish_pending();
    apply_reload(config, loaded, plan);
    agent->reconfigure(config);
    return plan;
  }

  // A BU as a host at site-b signs it with `keys` (its own copy of the key),
  // a second after the previous one: RFC 4285 6 wants each timestamp newer.
  void send_bu(const std::vector<Key>& keys, std::uint16_t seq, std::chrono::seconds lifetime) {
    sched.advance(1s);
    KeyRing ring(keys);
    BindingUpdateSpec s;
    s.care_of_address = kCoaB;
    s.home_agent = kHa;
    s.home_address = kHoa;
    s.sequence = seq;
    s.lifetime = lifetime;
    s.timestamp = to_ntp_timestamp(sched.wall_now());
    io.inject(Port::uplink, test::binding_update_frame({kHaMac, kRouterMac, s}, *ring.find(1001u)),
              sched.now());
  }

  // The BAs sent since the last call, verified with `keys`.
  std::vector<ReceivedBindingAck> acks(const std::vector<Key>& keys) {
    KeyRing ring(keys);
    std::vector<ReceivedBindingAck> out;
    for (const auto& f : io.take_sent(Port::uplink)) {
      auto eth = wire::EthernetView::parse(f);
      wire::MobilityPacket p;
      if (!eth || wire::decode_mobility_packet(eth->payload(), p) != wire::Errc::ok) continue;
      if (p.mh.type() != wire::mh_type::binding_ack) continue;
      ReceivedBindingAck ba;
      const auto r = check_binding_ack(p, ring, ba);
      EXPECT_TRUE(r.ok()) << name(r.drop);
      out.push_back(ba);
    }
    return out;
  }

  Config config;
  SimulatedScheduler sched;
  FakePacketIo io;
  RecordingForwardingTable fib;
  test::MemoryBindingStore store;
  std::vector<std::string> lines;
  Logger log{LogLevel::debug, [this](LogLevel, std::string_view l) { lines.emplace_back(l); }};
  std::unique_ptr<ha::HomeAgent> agent;
};

TEST_F(HomeAgentReloadTest, AReplacedSecretTakesOverAndTheAckAlreadyQueuedKeepsTheOldOne) {
  const std::vector<Key> old_keys = config.keys;
  // The BU is taken, its commit and BA are queued on the loop...
  send_bu(old_keys, 100, 600s);
  ASSERT_EQ(agent->bindings().size(), 1u);
  // ...when the file with a new secret is reloaded.
  const ReloadPlan plan =
      reload(edited(kHomeAgentFile, "00112233445566778899aabbccddeeff", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"));
  EXPECT_EQ(keys_of(plan.applied), "keys[0].secret_hex");
  // The queued BA went out, committed, signed with the key that verified it.
  EXPECT_EQ(store.commits, 1u);
  const auto first = acks(old_keys);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].status, 0);
  sched.run_ready();  // the flush the loop had queued finds nothing left
  EXPECT_TRUE(acks(config.keys).empty());

  // The old secret no longer authenticates (RFC 4285 status 146); the new one does.
  send_bu(old_keys, 101, 600s);
  sched.run_ready();
  const auto refused = acks(config.keys);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].status, wire::ba_status::mipv6_auth_fail);
  EXPECT_EQ(agent->counters().bu_dropped[static_cast<std::size_t>(SignallingDrop::bad_authenticator)], 1u);
  EXPECT_EQ(agent->bindings().find(kHoa)->sequence, 100);
  send_bu(config.keys, 102, 600s);
  sched.run_ready();
  const auto accepted = acks(config.keys);
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].status, 0);
  EXPECT_EQ(accepted[0].sequence, 102);
}

TEST_F(HomeAgentReloadTest, PolicyAndMaxLifetimeTakeEffectAtOnce) {
  send_bu(config.keys, 100, 3000s);
  sched.run_ready();
  auto a = acks(config.keys);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].lifetime_seconds, 3000u);

  std::string file = edited(kHomeAgentFile, "max_lifetime = 3600", "max_lifetime = 600");
  reload(file);
  send_bu(config.keys, 101, 3000s);
  sched.run_ready();
  a = acks(config.keys);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].lifetime_seconds, 600u);

  // The rule that allowed site-b's hosts now names another key: RFC 6275
  // 9.5.1 / 10.3.1, administratively prohibited (129).
  reload(edited(file, "[[policy]]\nkey = \"site-b-hosts\"", "[[policy]]\nkey = \"site-c-hosts\""));
  send_bu(config.keys, 102, 600s);
  sched.run_ready();
  a = acks(config.keys);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, wire::ba_status::administratively_prohibited);
}

// ---- the host takes a reload -------------------------------------------------

const std::string kHostFile = R"(role = "host"
node_name = "host-b1"
[interfaces]
uplink = "eth0"
guests = "guests0"
[host]
site = "site-b"
care_of_address = "2001:db8:b::2"
key = "b1"
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
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0b:01"
[[keys]]
name = "b1"
spi = 1001
secret_hex = "00112233445566778899aabbccddeeff"
[[keys]]
name = "b2"
spi = 1002
secret_hex = "ffeeddccbbaa99887766554433221100"
[[guests]]
name = "g1"
mac = "52:54:00:00:00:01"
home_address = "2001:db8:a::100"
home_site = "site-a"
)";

TEST(HostReload, RouterMacLifetimeAndKeyTakeEffect) {
  Config config = load(kHostFile);
  const std::vector<Key> all_keys = config.keys;
  SimulatedScheduler sched;
  FakePacketIo io(mac("02:00:00:00:0b:02"), mac("02:00:00:00:0b:03"));
  RecordingForwardingTable fib;
  Logger log(LogLevel::error);
  host::HostAgent agent(config, sched, io, fib, log);
  agent.start();
  agent.attach("g1", std::nullopt, std::uint16_t{9});
  agent.resume("g1", sched.wall_now());
  io.take_sent(Port::guests);  // the RA at resume
  KeyRing ha_keys(all_keys);
  const auto sent_bus = [&] {
    std::vector<ReceivedBindingUpdate> out;
    for (const auto& f : io.take_sent(Port::uplink)) {
      auto eth = wire::EthernetView::parse(f);
      wire::MobilityPacket p;
      if (wire::decode_mobility_packet(eth->payload(), p) != wire::Errc::ok) continue;
      ReceivedBindingUpdate bu;
      EXPECT_TRUE(check_binding_update(p, ha_keys, bu).ok());
      out.push_back(bu);
    }
    return out;
  };
  const auto first = sent_bus();
  ASSERT_EQ(first.size(), 1u);
  {  // The Home Agent accepts it for 600 s.
    std::vector<std::uint8_t> f(512);
    const auto head = wire::write_ethernet_header(f, mac("02:00:00:00:0b:02"), mac("02:00:00:00:0b:01"),
                                                  wire::ethertype::ipv6);
    BindingAckSpec s;
    s.home_agent = addr("2001:db8:a::1");
    s.care_of_address = addr("2001:db8:b::2");
    s.home_address = addr("2001:db8:a::100");
    s.sequence = first[0].sequence;
    s.lifetime = 600s;
    s.timestamp = first[0].timestamp;  // RFC 4285 6: echoes the BU's
    const auto n = write_binding_ack(wire::MutableByteSpan(f).subspan(*head), s, *ha_keys.find(1001u));
    ASSERT_TRUE(n);
    f.resize(*head + *n);
    io.inject(Port::uplink, f, sched.now());
    sched.run_ready();
    ASSERT_EQ(agent.guest("g1")->state, host::RegistrationState::bound);
  }

  std::string file = edited(kHostFile, "router_mac = \"02:00:00:00:0a:01\"", "router_mac = \"02:00:00:00:0a:77\"");
  file = edited(file, "requested_lifetime = 600", "requested_lifetime = 300");
  file = edited(file, "key = \"b1\"", "key = \"b2\"");
  const Config loaded = load(file);
  const ReloadPlan plan = plan_reload(config, loaded);
  EXPECT_EQ(keys_of(plan.applied), "host.key host.requested_lifetime sites[0].router_mac");
  EXPECT_TRUE(plan.needs_restart.empty()) << keys_of(plan.needs_restart);
  apply_reload(config, loaded, plan);
  agent.reconfigure(config);

  // The guest hears of the home router's new MAC (RFC 4861 6.2.4: the RA's
  // source link-layer address option updates its neighbour cache) and the
  // data plane rewrites towards it.
  const auto ras = io.take_sent(Port::guests);
  ASSERT_EQ(ras.size(), 1u);
  const auto eth = wire::EthernetView::parse(ras[0]);
  EXPECT_EQ(eth->src(), mac("02:00:00:00:0a:77"));
  const auto ip = wire::Ipv6View::parse(eth->payload());
  const auto ra = wire::parse_router_advertisement(*ip, ip->payload());
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->options().source_link_layer, mac("02:00:00:00:0a:77"));
  EXPECT_EQ(fib.guest(mac("52:54:00:00:00:01"))->router_mac, mac("02:00:00:00:0a:77"));

  // The refresh (RFC 6275 11.7.1, before the 600 s granted run out) is
  // signed with the new key and asks for the new lifetime.
  sched.advance(450s + 500ms);
  const auto bus = sent_bus();
  ASSERT_EQ(bus.size(), 1u);
  EXPECT_EQ(bus[0].sequence, first[0].sequence + 1);
  EXPECT_EQ(bus[0].sa->key->name, "b2");
  EXPECT_EQ(bus[0].sa->key->spi, 1002u);
  EXPECT_EQ(bus[0].lifetime_seconds, 300u);
}

}  // namespace
}  // namespace roam6::mip6d::daemon
