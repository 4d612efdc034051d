#include "mip6d/daemon/control_commands.hpp"

#include <gtest/gtest.h>

#include "daemon_test_support.hpp"
#include "memory_binding_store.hpp"
#include "mip6d/config/config_loader.hpp"
#include "mip6d/control/commands.hpp"
#include "mip6d/control/request_dispatch.hpp"
#include "mip6d/daemon/version.hpp"
#include "tests/support/mip6d/fake_packet_io.hpp"
#include "tests/support/mip6d/simulated_scheduler.hpp"
#include "mip6d/signalling/ntp_timestamp.hpp"

namespace roam6::mip6d::daemon {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::call;
using test::refusal;

wire::Ip6Addr addr(const char* s) { return *wire::Ip6Addr::parse(s); }
wire::MacAddr mac(const char* s) { return *wire::MacAddr::parse(s); }

constexpr const char* kSites = R"(
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
[[guests]]
name = "g1"
mac = "52:54:00:00:00:01"
home_address = "2001:db8:a::100"
home_site = "site-a"
)";

Config load(const std::string& head) {
  auto result = load_config_string(head + kSites, "daemon-test.toml");
  if (!result) throw std::runtime_error(result.error_report());
  return std::move(result).config();
}

const wire::MacAddr kHaMac = mac("02:00:00:00:0a:99");
const wire::MacAddr kRouterMac = mac("02:00:00:00:0a:01");
const wire::Ip6Addr kHa = addr("2001:db8:a::1");
const wire::Ip6Addr kHoa = addr("2001:db8:a::100");
const wire::Ip6Addr kHoa2 = addr("2001:db8:a::5");
const wire::Ip6Addr kCoa = addr("2001:db8:b::2");

// ---- Home Agent ----------------------------------------------------------

class HomeAgentCommandsTest : public ::testing::Test {
 protected:
  HomeAgentCommandsTest()
      : config(load(R"(
role = "home-agent"
node_name = "ha-a"
[interfaces]
uplink = "eth0"
[home_agent]
address = "2001:db8:a::1"
home_prefixes = ["2001:db8:a::/64"]
max_lifetime = 3600
)")),
        host_keys(config.keys) {
    io.set_mac(Port::uplink, kHaMac);
    agent = std::make_unique<ha::HomeAgent>(config, sched, io, fib, store, log);
    agent->start();
    register_common_commands(registry, config);
    register_home_agent_commands(registry, *agent, config, &fib, [this](json& stats) {
      ++extension_calls;
      stats["ports"]["uplink"] = {{"rx", {{"frames", 7}}}};
    });
  }

  void register_binding(const wire::Ip6Addr& hoa, std::uint16_t sequence,
                        std::chrono::seconds lifetime,
                        std::optional<wire::LinkLayerIdentifier> link_layer_identifier = std::nullopt) {
    BindingUpdateSpec spec;
    spec.link_layer_identifier = link_layer_identifier;
    spec.care_of_address = kCoa;
    spec.home_agent = kHa;
    spec.home_address = hoa;
    spec.sequence = sequence;
    spec.lifetime = lifetime;
    spec.timestamp = to_ntp_timestamp(sched.wall_now());
    const auto frame =
        test::binding_update_frame({kHaMac, kRouterMac, spec}, *host_keys.find("site-b-hosts"));
    io.inject(Port::uplink, frame, sched.now());
    sched.run_ready();
  }

  Config config;
  KeyRing host_keys;
  SimulatedScheduler sched;
  FakePacketIo io;
  RecordingForwardingTable fib;
  test::MemoryBindingStore store;
  Logger log{LogLevel::error, [](LogLevel, std::string_view) {}};
  std::unique_ptr<ha::HomeAgent> agent;
  control::CommandRegistry registry;
  int extension_calls = 0;
};

TEST_F(HomeAgentCommandsTest, EveryProtocolCommandIsRegistered) {
  for (const auto name : {control::command::guest_attach, control::command::guest_detach,
                          control::command::guest_resume, control::command::guest_pause,
                          control::command::guest_migrating, control::command::guest_list,
                          control::command::guest_port, control::command::binding_list, control::command::binding_show,
                          control::command::stats, control::command::config_show,
                          control::command::version}) {
    EXPECT_TRUE(registry.contains(name)) << name;
  }
}

TEST_F(HomeAgentCommandsTest, BindingListShowsTheCacheSortedWithLifetimeLeft) {
  EXPECT_EQ(call(registry, "binding.list"), json::parse(R"({"bindings": []})"));
  register_binding(kHoa, 100, 600s);
  register_binding(kHoa2, 7, 60s, wire::LinkLayerIdentifier::parse("52:54:00:00:00:07"));
  sched.advance(10s);

  const json reply = call(registry, "binding.list");
  ASSERT_TRUE(reply.contains("bindings")) << reply;
  const json& bindings = reply["bindings"];
  ASSERT_EQ(bindings.size(), 2u) << reply;
  // Sorted by home address: ::5 before ::100.
  EXPECT_EQ(bindings[0]["home_address"], "2001:db8:a::5");
  EXPECT_EQ(bindings[1]["home_address"], "2001:db8:a::100");
  const json& b = bindings[1];
  EXPECT_EQ(b["care_of_address"], "2001:db8:b::2");
  EXPECT_EQ(b["sequence"], 100);
  EXPECT_EQ(b["lifetime"], 590);
  EXPECT_EQ(b["spi"], 1001);
  EXPECT_EQ(b["key"], "site-b-hosts");
  EXPECT_EQ(b["flags"], "AH");
  EXPECT_EQ(b["tunnel"], "2001:db8:b::2");
  EXPECT_EQ(bindings[0]["lifetime"], 50);
  EXPECT_EQ(b["link_layer_id"], nullptr);
  EXPECT_EQ(bindings[0]["link_layer_id"], "52:54:00:00:00:07");
}

TEST_F(HomeAgentCommandsTest, BindingShowFindsOneOrRefuses) {
  register_binding(kHoa, 100, 600s);
  const json shown = call(registry, "binding.show", {{"home_address", "2001:db8:a::100"}});
  EXPECT_EQ(shown["care_of_address"], "2001:db8:b::2") << shown;
  EXPECT_EQ(shown, call(registry, "binding.list")["bindings"][0]);

  EXPECT_EQ(refusal(call(registry, "binding.show", {{"home_address", "2001:db8:a::999"}})),
            "unknown_binding");
  EXPECT_EQ(refusal(call(registry, "binding.show", {{"home_address", "not-an-address"}})),
            "invalid_argument");
  EXPECT_EQ(refusal(call(registry, "binding.show")), "bad_request");
  EXPECT_EQ(refusal(call(registry, "binding.list", {{"verbose", true}})), "bad_request");
}

TEST_F(HomeAgentCommandsTest, ExpiredBindingLeavesTheList) {
  register_binding(kHoa, 1, 60s);
  ASSERT_EQ(call(registry, "binding.list")["bindings"].size(), 1u);
  sched.advance(61s);
  EXPECT_EQ(call(registry, "binding.list")["bindings"].size(), 0u);
}

TEST_F(HomeAgentCommandsTest, GuestCommandsAreTheWrongRole) {
  for (const char* name : {"guest.attach", "guest.detach", "guest.resume", "guest.list", "guest.port"}) {
    const json reply = call(registry, name, {{"name", "g1"}});
    EXPECT_EQ(refusal(reply), "wrong_role") << name << ": " << reply;
    EXPECT_NE(reply["message"].get<std::string>().find("home agent"), std::string::npos) << reply;
  }
}

TEST_F(HomeAgentCommandsTest, StatsCountWhatHappenedAndIncludeExtensions) {
  register_binding(kHoa, 100, 600s);
  const json stats = call(registry, "stats");
  EXPECT_EQ(stats["bu"]["received"], 1) << stats;
  EXPECT_EQ(stats["bu"]["accepted"], 1);
  EXPECT_EQ(stats["bindings"]["current"], 1);
  EXPECT_EQ(stats["bindings"]["created"], 1);
  EXPECT_EQ(stats["ba"]["sent"], 1);
  EXPECT_EQ(stats["bu"]["refused_by_status"], json::object());
  EXPECT_EQ(stats["ports"]["uplink"]["rx"]["frames"], 7);
  EXPECT_EQ(extension_calls, 1);
  EXPECT_EQ(refusal(call(registry, "stats", {{"x", 1}})), "bad_request");
}

TEST_F(HomeAgentCommandsTest, VersionAndConfigShow) {
  const json version = call(registry, "version");
  EXPECT_EQ(version["name"], "mip6d");
  EXPECT_EQ(version["version"], std::string(daemon_version()));
  EXPECT_EQ(version["protocol"], 1);
  EXPECT_EQ(version["role"], "home-agent");
  EXPECT_EQ(version["node_name"], "ha-a");

  const json shown = call(registry, "config.show");
  EXPECT_EQ(shown["role"], "home-agent");
  EXPECT_EQ(shown["home_agent"]["address"], "2001:db8:a::1");
  EXPECT_FALSE(shown.contains("host"));
}

TEST_F(HomeAgentCommandsTest, ThroughTheProtocolEnvelope) {
  // What the control server does with a line: the reply carries the code.
  const auto reply = control::dispatch_line(
      R"({"id": 3, "command": "guest.list"})", registry);
  ASSERT_TRUE(reply);
  const json parsed = json::parse(*reply);
  EXPECT_EQ(parsed["id"], 3);
  EXPECT_EQ(parsed["ok"], false);
  EXPECT_EQ(parsed["error"]["code"], "wrong_role");
}

TEST(BindingUpdateFlagLetters, NamesKnownBitsAndShowsTheRest) {
  EXPECT_EQ(binding_update_flag_letters(0), "");
  EXPECT_EQ(binding_update_flag_letters(wire::bu_flag::acknowledge | wire::bu_flag::home_registration),
            "AH");
  EXPECT_EQ(binding_update_flag_letters(wire::bu_flag::proxy_registration | 0x0003), "P+0x0003");
}

// ---- host ----------------------------------------------------------------

class HostCommandsTest : public ::testing::Test {
 protected:
  HostCommandsTest()
      : config(load(R"(
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
)")),
        io(mac("02:00:00:00:0b:02"), mac("02:00:00:00:0b:03")) {
    agent = std::make_unique<host::HostAgent>(config, sched, io, fib, log);
    agent->start();
    register_common_commands(registry, config);
    register_host_commands(registry, *agent, sched, [](json& stats) { stats["control"] = {{"connections", 2}}; });
  }

  Config config;
  SimulatedScheduler sched;
  FakePacketIo io;
  RecordingForwardingTable fib;
  Logger log{LogLevel::error, [](LogLevel, std::string_view) {}};
  std::unique_ptr<host::HostAgent> agent;
  control::CommandRegistry registry;
};

TEST_F(HostCommandsTest, AttachListedGuestThenListIt) {
  EXPECT_EQ(call(registry, "guest.list"), json::parse(R"({"guests": []})"));
  EXPECT_EQ(call(registry, "guest.attach", {{"name", "g1"}, {"last_sequence", 4711}, {"port", "vnet3"}}),
            json::object());
  const json guests = call(registry, "guest.list")["guests"];
  ASSERT_EQ(guests.size(), 1u) << guests;
  EXPECT_EQ(guests[0]["name"], "g1");
  EXPECT_EQ(guests[0]["mac"], "52:54:00:00:00:01");
  EXPECT_EQ(guests[0]["home_address"], "2001:db8:a::100");
  EXPECT_EQ(guests[0]["home_site"], "site-a");
  EXPECT_EQ(guests[0]["port"], "vnet3");
  EXPECT_EQ(guests[0]["away"], true);
  EXPECT_TRUE(guests[0]["state"].is_string());
}

TEST_F(HostCommandsTest, SwitchPortReportsShowInTheListUntilTheGuestLeaves) {
  call(registry, "guest.attach", {{"name", "g1"}});
  // Nothing reported yet: no switch columns.
  EXPECT_FALSE(call(registry, "guest.list")["guests"][0].contains("flows"));
  EXPECT_EQ(call(registry, "guest.port", {{"name", "g1"}, {"port", "vnet7"}, {"flows", "pending"}}),
            json::object());
  json g = call(registry, "guest.list")["guests"][0];
  EXPECT_EQ(g["port"], "vnet7");
  EXPECT_TRUE(g["ofport"].is_null());
  EXPECT_EQ(g["flows"], "pending");
  EXPECT_EQ(g["port_status"], "active");
  call(registry, "guest.port",
       {{"name", "g1"}, {"port", "vnet7"}, {"ofport", 12}, {"flows", "installed"}, {"status", "inactive"},
        {"spoofed_mac", 3}, {"spoofed_source", 4}});
  g = call(registry, "guest.list")["guests"][0];
  EXPECT_EQ(g["spoofed"], json::parse(R"({"mac": 3, "source": 4})"));
  EXPECT_EQ(g["ofport"], 12);
  EXPECT_EQ(g["flows"], "installed");
  EXPECT_EQ(g["port_status"], "inactive");

  EXPECT_EQ(refusal(call(registry, "guest.port", {{"name", "nobody"}, {"port", "p"}, {"flows", "pending"}})),
            "unknown_guest");
  EXPECT_EQ(refusal(call(registry, "guest.port", {{"name", "g1"}, {"port", "p"}, {"flows", "done"}})),
            "invalid_argument");
  EXPECT_EQ(refusal(call(registry, "guest.port",
                         {{"name", "g1"}, {"port", "p"}, {"flows", "pending"}, {"ofport", 0xff00}})),
            "invalid_argument");
  EXPECT_EQ(refusal(call(registry, "guest.port", {{"name", "g1"}, {"flows", "pending"}})), "bad_request");
  call(registry, "guest.detach", {{"name", "g1"}, {"mode", "moved"}});
  EXPECT_EQ(refusal(call(registry, "guest.port", {{"name", "g1"}, {"port", "p"}, {"flows", "pending"}})),
            "unknown_guest");
}

TEST_F(HostCommandsTest, BindingListHasOneEntryPerGuestFromThisHost) {
  call(registry, "guest.attach", {{"name", "g1"}});
  const json bindings = call(registry, "binding.list")["bindings"];
  ASSERT_EQ(bindings.size(), 1u) << bindings;
  EXPECT_EQ(bindings[0]["home_address"], "2001:db8:a::100");
  EXPECT_EQ(bindings[0]["care_of_address"], "2001:db8:b::2");
  EXPECT_EQ(bindings[0]["home_agent"], "2001:db8:a::1");
  for (const char* member : {"state", "sequence", "lifetime", "transmissions", "last_status"}) {
    EXPECT_TRUE(bindings[0].contains(member)) << member;
  }
  EXPECT_EQ(call(registry, "binding.show", {{"home_address", "2001:db8:a::100"}}), bindings[0]);
  EXPECT_EQ(refusal(call(registry, "binding.show", {{"home_address", "2001:db8:a::7"}})),
            "unknown_binding");
}

TEST_F(HostCommandsTest, BindingsShowTheirDatapathTrafficWhenADatapathCountsIt) {
  control::CommandRegistry with_datapath;
  BindingTrafficLookup traffic;
  traffic.guest = [](const wire::MacAddr& guest) -> std::optional<BindingTraffic> {
    if (guest != mac("52:54:00:00:00:01")) return std::nullopt;
    return BindingTraffic{3, 300, 4, 400};
  };
  register_host_commands(with_datapath, *agent, sched, {}, traffic);
  call(with_datapath, "guest.attach", {{"name", "g1"}});
  const json bindings = call(with_datapath, "binding.list")["bindings"];
  ASSERT_EQ(bindings.size(), 1u) << bindings;
  EXPECT_EQ(bindings[0]["traffic"], json::parse(R"({"encapsulated": {"packets": 3, "bytes": 300},
                                                   "decapsulated": {"packets": 4, "bytes": 400}})"));
  EXPECT_EQ(call(with_datapath, "binding.show", {{"home_address", "2001:db8:a::100"}}), bindings[0]);

  // A guest the datapath's table does not hold: null.
  control::CommandRegistry without_entry;
  traffic.guest = [](const wire::MacAddr&) -> std::optional<BindingTraffic> { return std::nullopt; };
  register_host_commands(without_entry, *agent, sched, {}, traffic);
  EXPECT_TRUE(call(without_entry, "binding.list")["bindings"][0]["traffic"].is_null());
  // Without a datapath there is no "traffic" at all.
  EXPECT_FALSE(call(registry, "binding.list")["bindings"][0].contains("traffic"));
}

TEST_F(HostCommandsTest, GuestErrorsKeepTheirCodes) {
  EXPECT_EQ(refusal(call(registry, "guest.attach", {{"name", "nobody"}})), "unknown_guest");
  EXPECT_EQ(refusal(call(registry, "guest.resume", {{"name", "nobody"}})), "unknown_guest");
  EXPECT_EQ(refusal(call(registry, "guest.detach", {{"name", "nobody"}, {"mode", "moved"}})),
            "unknown_guest");
  EXPECT_EQ(refusal(call(registry, "guest.attach",
                         {{"name", "g1"}, {"mac", "52:54:00:00:00:99"},
                          {"home_address", "2001:db8:a::100"}, {"home_site", "site-a"}})),
            "invalid_argument");
  EXPECT_EQ(refusal(call(registry, "guest.attach", {{"name", "g1"}, {"mac", "52:54:00:00:00:01"}})),
            "bad_request");
  EXPECT_EQ(refusal(call(registry, "guest.detach", {{"name", "g1"}})), "bad_request");
}

TEST_F(HostCommandsTest, UnlistedGuestWithDescription) {
  EXPECT_EQ(call(registry, "guest.attach",
                 {{"name", "vm9"}, {"mac", "52:54:00:00:00:09"},
                  {"home_address", "2001:db8:a::9"}, {"home_site", "site-a"}}),
            json::object());
  const json guests = call(registry, "guest.list")["guests"];
  ASSERT_EQ(guests.size(), 1u);
  EXPECT_EQ(guests[0]["name"], "vm9");
  EXPECT_EQ(guests[0]["home_address"], "2001:db8:a::9");
}

TEST_F(HostCommandsTest, ResumeWithTimestampThenDetachMoved) {
  call(registry, "guest.attach", {{"name", "g1"}});
  EXPECT_EQ(call(registry, "guest.resume", {{"name", "g1"}, {"timestamp", 1700000000.5}}),
            json::object());
  json guests = call(registry, "guest.list")["guests"];
  ASSERT_EQ(guests.size(), 1u);
  EXPECT_EQ(guests[0]["resumed"], true);
  EXPECT_DOUBLE_EQ(guests[0]["resumed_at"].get<double>(), 1700000000.5);

  const json sent = call(registry, "guest.list")["guests"][0]["sequence"];
  const json detached = call(registry, "guest.detach", {{"name", "g1"}, {"mode", "moved"}});
  ASSERT_TRUE(detached.contains("last_sequence"));
  EXPECT_TRUE(detached["last_sequence"].is_number_unsigned());
  ASSERT_TRUE(sent.is_number());  // resumed: it sent its first BU
  EXPECT_EQ(detached["last_sequence"], sent);
  EXPECT_EQ(call(registry, "guest.list")["guests"].size(), 0u);
}

TEST_F(HostCommandsTest, StatsHaveTheHostShapeAndExtensions) {
  call(registry, "guest.attach", {{"name", "g1"}});
  const json stats = call(registry, "stats");
  EXPECT_EQ(stats["guests"]["current"], 1) << stats;
  EXPECT_TRUE(stats["bu"]["sent"].is_number_unsigned());
  EXPECT_TRUE(stats["ba"]["dropped"].contains("bad_authenticator"));
  EXPECT_EQ(stats["control"]["connections"], 2);
  EXPECT_EQ(call(registry, "version")["role"], "host");
}

}  // namespace
}  // namespace roam6::mip6d::daemon
