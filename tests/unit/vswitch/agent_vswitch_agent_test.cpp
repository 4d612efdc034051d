// The agent against a control socket that answers like mip6d's host role
// (an in-process control::ControlServer with a recording registry) and a
// recording flow keeper: which guest events mip6d hears for which OVSDB
// changes, and what the bridge is asked to do.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "mip6d/control/command_registry.hpp"
#include "mip6d/control/control_error.hpp"
#include "mip6d/control/control_server.hpp"
#include "tests/support/vswitch/recording_flow_programmer.hpp"
#include "vswitch-plugin/agent/mip6d_client.hpp"
#include "vswitch-plugin/agent/vswitch_agent.hpp"

namespace roam6::vswitch {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Call {
  std::string command;
  json args;
};

const json host_config = json::parse(R"({
  "role": "host", "host": {"site": "site-b"},
  "guests": [{"name": "listed", "mac": "52:54:00:00:00:09", "home_address": "2001:db8:a::109", "home_site": "site-a"}]})");

class AgentTest : public ::testing::Test {
 protected:
  AgentTest() {
    std::string pattern = (fs::temp_directory_path() / "roam6-agent-XXXXXX").string();
    dir = mkdtemp(pattern.data());
    fs::create_directories(dir / "domains");
    for (const char* name : {"guest.attach", "guest.port", "guest.detach"}) {
      registry.add(name, [this, name](const json& args) -> json {
        calls.push_back({name, args});
        if (refuse && refuse(name, args)) throw mip6d::control::ControlError("invalid_argument", "refused by test");
        return json::object();
      });
    }
    registry.add("config.show", [this](const json&) -> json { return config; });
    server = std::make_unique<mip6d::control::ControlServer>(io, dir / "mip6d.sock", registry);
    server->start();
    client = std::make_unique<Mip6dClient>(io, (dir / "mip6d.sock").string(), log, [this] { agent->on_mip6d_connected(); });
    agent = std::make_unique<VswitchAgent>(AgentSettings{"br-int", "dp0"}, *client, flows, domains, log);
    client->start();
    run_until([&] { return agent->knows_mip6d_configuration(); });
  }
  ~AgentTest() override {
    client.reset();
    server->stop();
    fs::remove_all(dir);
  }

  void run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_for(std::chrono::milliseconds(5));
    ASSERT_TRUE(done()) << "timed out";
  }
  void settle() { io.run_for(std::chrono::milliseconds(100)); }

  std::vector<Call> commands(const std::string& name) const {
    std::vector<Call> out;
    for (const auto& c : calls)
      if (c.command == name) out.push_back(c);
    return out;
  }

  static VmPort vm(const std::string& name, const std::string& mac, std::optional<std::uint32_t> ofport = {}) {
    VmPort p;
    p.uuid = "uuid-" + name;
    p.name = name;
    p.bridge = "br-int";
    p.ofport = ofport;
    p.attached_mac = wire::MacAddr::parse(mac);
    p.iface_id = "iface-" + name;
    p.vm_id = "6a1b3c6e-0c1d-4b9a-8f52-6e0f2f9c1d11";
    return p;
  }
  static VmPort datapath(std::optional<std::uint32_t> ofport) {
    VmPort p;
    p.uuid = "uuid-dp0";
    p.name = "dp0";
    p.bridge = "br-int";
    p.ofport = ofport;
    return p;
  }
  void add(const VmPort& p) { agent->on_ports({{PortChange::Kind::added, std::nullopt, p}}); }
  void change(const VmPort& before, const VmPort& after) {
    agent->on_ports({{PortChange::Kind::changed, before, after}});
  }
  void remove(const VmPort& p) { agent->on_ports({{PortChange::Kind::removed, p, std::nullopt}}); }

  fs::path dir;
  boost::asio::io_context io;
  mip6d::Logger log{mip6d::LogLevel::error, [](mip6d::LogLevel, std::string_view) {}};
  mip6d::control::CommandRegistry registry;
  std::unique_ptr<mip6d::control::ControlServer> server;
  std::vector<Call> calls;
  std::function<bool(const std::string&, const json&)> refuse;
  json config = host_config;
  testing::RecordingFlowProgrammer flows;
  DomainDirectory domains{(fs::temp_directory_path() / "unused").string()};
  std::unique_ptr<Mip6dClient> client;
  std::unique_ptr<VswitchAgent> agent;
};

TEST_F(AgentTest, AListedGuestIsAttachedWhenItsPortAppearsAndSteeredOnceItHasAnOfport) {
  add(datapath(1));
  VmPort p = vm("vnet0", "52:54:00:00:00:09");
  add(p);
  run_until([&] { return !commands("guest.port").empty(); });
  const auto attach = commands("guest.attach");
  ASSERT_EQ(attach.size(), 1u);
  EXPECT_EQ(attach[0].args, json::parse(R"({"name": "listed", "mac": "52:54:00:00:00:09",
      "home_address": "2001:db8:a::109", "home_site": "site-a", "port": "vnet0"})"));
  // No ofport yet: nothing steered, flows pending.
  EXPECT_EQ(commands("guest.port").back().args["flows"], "pending");
  EXPECT_TRUE(commands("guest.port").back().args["ofport"].is_null());
  EXPECT_TRUE(agent->steering().ports.empty());

  // The late ofport: the port is steered as an away guest (site-a is not here).
  VmPort with_ofport = p;
  with_ofport.ofport = 7;
  change(p, with_ofport);
  ASSERT_EQ(agent->steering().ports.size(), 1u);
  EXPECT_EQ(agent->steering().datapath_ofport, 1u);
  const SteeredPort& s = agent->steering().ports[0];
  EXPECT_EQ(s.ofport, 7u);
  EXPECT_EQ(s.kind, GuestKind::away);
  EXPECT_EQ(s.home_address, wire::Ip6Addr::parse("2001:db8:a::109"));
  EXPECT_EQ(flows.wishes.back(), agent->steering());

  // The keeper installs: mip6d hears "installed" with the ofport.
  flows.current = FlowState::installed;
  agent->on_flows_changed();
  run_until([&] { return commands("guest.port").back().args["flows"] == "installed"; });
  EXPECT_EQ(commands("guest.port").back().args["ofport"], 7);
  EXPECT_EQ(commands("guest.port").back().args["status"], "active");

  // Spoofed frames counted by the bridge reach mip6d with the next report.
  flows.drop_counters["vnet0"] = PortDropCounters{2, 5};
  agent->on_flows_changed();
  run_until([&] { return commands("guest.port").back().args["spoofed_source"] == 5; });
  EXPECT_EQ(commands("guest.port").back().args["spoofed_mac"], 2);
}

TEST_F(AgentTest, IfaceStatusInactiveReachesMip6dAndDeletionDetachesAsMoved) {
  add(datapath(1));
  VmPort p = vm("vnet0", "52:54:00:00:00:09", 7);
  add(p);
  run_until([&] { return !commands("guest.port").empty(); });
  VmPort inactive = p;
  inactive.active = false;
  change(p, inactive);
  run_until([&] { return commands("guest.port").back().args["status"] == "inactive"; });
  EXPECT_TRUE(commands("guest.detach").empty());
  remove(inactive);
  run_until([&] { return !commands("guest.detach").empty(); });
  EXPECT_EQ(commands("guest.detach")[0].args, json::parse(R"({"name": "listed", "mode": "moved"})"));
  EXPECT_TRUE(agent->steering().ports.empty());
}

TEST_F(AgentTest, LibvirtReplacingAPortInOneTransactionIsNotALeave) {
  VmPort old = vm("vnet0", "52:54:00:00:00:09", 7);
  add(old);
  run_until([&] { return !commands("guest.port").empty(); });
  VmPort replacement = old;
  replacement.uuid = "uuid-new";
  replacement.ofport.reset();
  agent->on_ports({{PortChange::Kind::removed, old, std::nullopt}, {PortChange::Kind::added, std::nullopt, replacement}});
  settle();
  EXPECT_TRUE(commands("guest.detach").empty());
  EXPECT_EQ(commands("guest.attach").size(), 1u);
}

TEST_F(AgentTest, ExternalIdsNameAGuestTheConfigurationDoesNotList) {
  VmPort p = vm("vnet1", "52:54:00:00:00:21", 8);
  p.home_address = wire::Ip6Addr::parse("2001:db8:b::21");
  p.home_site = "site-b";
  add(p);
  run_until([&] { return !commands("guest.attach").empty(); });
  EXPECT_EQ(commands("guest.attach")[0].args["name"], "iface-vnet1");
  run_until([&] { return !agent->steering().ports.empty() && agent->steering().ports[0].kind == GuestKind::home; });
}

TEST_F(AgentTest, TheLibvirtDomainFileComesFirstAndMayArriveAfterThePort) {
  DomainDirectory dir_domains((dir / "domains").string());
  VswitchAgent with_domains(AgentSettings{"br-int", "dp0"}, *client, flows, dir_domains, log);
  with_domains.on_mip6d_connected();
  run_until([&] { return with_domains.knows_mip6d_configuration(); });
  VmPort p = vm("vnet2", "52:54:00:00:00:09", 9);  // also listed as "listed"
  with_domains.on_ports({{PortChange::Kind::added, std::nullopt, p}});
  run_until([&] { return !commands("guest.attach").empty(); });
  EXPECT_EQ(commands("guest.attach").back().args["name"], "listed");

  std::ofstream(dir / "domains" / (p.vm_id + ".xml")) << R"(<domain><name>web1</name><metadata>
      <roam6:guest xmlns:roam6="https://roam6.dev/xmlns/libvirt/1">
        <roam6:interface mac="52:54:00:00:00:09" home-address="2001:db8:c::9" home-site="site-c"/>
      </roam6:guest></metadata></domain>)";
  with_domains.on_domain_changed(p.vm_id);
  run_until([&] { return commands("guest.attach").size() == 2; });
  // The configuration's guest leaves, the domain's arrives.
  ASSERT_EQ(commands("guest.detach").size(), 1u);
  EXPECT_EQ(commands("guest.detach")[0].args["name"], "listed");
  EXPECT_EQ(commands("guest.attach").back().args["name"], "web1");
  EXPECT_EQ(commands("guest.attach").back().args["home_address"], "2001:db8:c::9");

  // libvirt removes the port of a guest it stops or migrates away; which of
  // the two it was, only its hook and lifecycle events say: the plugin
  // leaves the detach to them.
  with_domains.on_ports({{PortChange::Kind::removed, p, std::nullopt}});
  settle();
  EXPECT_EQ(commands("guest.detach").size(), 1u);
}

TEST_F(AgentTest, APortNobodyCanNameIsOnlyMacCheckedAndARefusedGuestIsNotTunnelled) {
  add(datapath(1));
  add(vm("vnet3", "52:54:00:00:00:33", 10));
  settle();
  EXPECT_TRUE(commands("guest.attach").empty());
  ASSERT_EQ(agent->steering().ports.size(), 1u);
  EXPECT_EQ(agent->steering().ports[0].kind, GuestKind::unknown);
  EXPECT_EQ(agent->counters().unidentified, 1u);

  refuse = [](const std::string& command, const json&) { return command == "guest.attach"; };
  add(vm("vnet4", "52:54:00:00:00:09", 11));
  run_until([&] { return agent->counters().attach_refused == 1; });
  for (const auto& s : agent->steering().ports) EXPECT_EQ(s.kind, GuestKind::unknown) << s.name;
}

TEST_F(AgentTest, OtherBridgesAndTheBridgeItselfAreNotGuests) {
  VmPort elsewhere = vm("vnet5", "52:54:00:00:00:09", 12);
  elsewhere.bridge = "br-ex";
  add(elsewhere);
  VmPort internal;
  internal.uuid = "u-br";
  internal.name = "br-int";
  internal.type = "internal";
  internal.bridge = "br-int";
  internal.ofport = 65534;
  add(internal);
  settle();
  EXPECT_TRUE(calls.empty() || commands("guest.attach").empty());
  EXPECT_TRUE(agent->ports().empty());
}

// mip6d learns the addresses guests form (host.learned_addresses): the
// bridge admits their whole home prefix, and the datapath checks each one.
TEST_F(AgentTest, WhenMip6dLearnsAddressesAGuestsHomePrefixIsAdmitted) {
  add(datapath(1));
  add(vm("vnet0", "52:54:00:00:00:09", 7));
  run_until([&] { return agent->steering().ports.size() == 1; });
  EXPECT_FALSE(agent->steering().ports[0].home_prefix);

  config["host"]["learned_addresses"] = 4;
  config["sites"] = json::parse(R"([{"name": "site-a", "prefix": "2001:db8:a::/64"},
                                    {"name": "site-b", "prefix": "2001:db8:b::/64"}])");
  agent->on_mip6d_connected();
  run_until([&] { return agent->steering().ports.size() == 1 && agent->steering().ports[0].home_prefix; });
  EXPECT_EQ(agent->steering().ports[0].home_prefix, wire::Ip6Prefix::parse("2001:db8:a::/64"));
  EXPECT_EQ(flows.wishes.back(), agent->steering());

  // Learning switched off again: back to the one home address.
  config["host"]["learned_addresses"] = 0;
  agent->on_mip6d_connected();
  run_until([&] { return agent->steering().ports.size() == 1 && !agent->steering().ports[0].home_prefix; });
}

TEST_F(AgentTest, AfterMip6dRestartsEveryGuestIsAttachedAgain) {
  add(datapath(1));
  add(vm("vnet0", "52:54:00:00:00:09", 7));
  run_until([&] { return !commands("guest.port").empty(); });
  server->stop();
  calls.clear();
  server = std::make_unique<mip6d::control::ControlServer>(io, dir / "mip6d.sock", registry);
  server->start();
  run_until([&] { return !commands("guest.attach").empty() && !commands("guest.port").empty(); });
  EXPECT_EQ(commands("guest.attach")[0].args["name"], "listed");
  EXPECT_EQ(client->connects(), 2u);
}

}  // namespace
}  // namespace roam6::vswitch
