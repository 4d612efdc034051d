// The flow keeper on a simulated clock with a fake channel: installs on
// change only, notices lost flows (canary, count) and reinstalls, retries
// failed installs with back-off, and keeps spoof-drop counters per port.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "tests/support/mip6d/simulated_scheduler.hpp"
#include "tests/support/vswitch/fake_flow_channel.hpp"
#include "vswitch-plugin/openflow/flow_keeper.hpp"

namespace roam6::vswitch {
namespace {

using namespace std::chrono_literals;
using test::FakeFlowChannel;

wire::MacAddr mac(const char* text) { return *wire::MacAddr::parse(text); }
wire::Ip6Addr ip(const char* text) { return *wire::Ip6Addr::parse(text); }

BridgeState one_away_guest() {
  return {1, {{"vnet0", 2, mac("52:54:00:12:34:56"), GuestKind::away, ip("2001:db8:a::10")}}};
}

std::vector<std::string> sorted(std::vector<std::string> flows) {
  std::sort(flows.begin(), flows.end());
  return flows;
}

class FlowKeeperTest : public ::testing::Test {
 protected:
  FlowKeeperTest() {
    keeper.set_listener([this](FlowState state, const std::string& reason) {
      transitions.push_back(std::string(to_string(state)) + (reason.empty() ? "" : ": " + reason));
    });
  }
  // Installs the plan of `state` and lets the fake switch accept it.
  void install(const BridgeState& state) {
    keeper.set_wanted(state);
    ASSERT_EQ(channel.installs.size(), 1u);
    channel.answer_install();
    ASSERT_EQ(keeper.state(), FlowState::installed);
  }
  std::string spec_of(std::uint8_t table, std::uint16_t priority, const std::string& in_port) {
    for (const auto& flow : keeper.plan().flows) {
      if (flow.find(",table=" + std::to_string(table) + ",priority=" + std::to_string(priority) + ",in_port=" +
                    in_port + ",") != std::string::npos) {
        return flow;
      }
    }
    ADD_FAILURE() << "no such flow";
    return {};
  }

  mip6d::SimulatedScheduler scheduler;
  mip6d::Logger log{mip6d::LogLevel::debug, [this](mip6d::LogLevel, std::string_view line) {
                      logged.emplace_back(line);
                    }};
  std::vector<std::string> logged;
  FakeFlowChannel channel;
  FlowKeeper keeper{scheduler, log, channel};
  std::vector<std::string> transitions;
};

TEST_F(FlowKeeperTest, InstallsTheWantedPlanOnceThenOnlyTheFlowsThatChange) {
  EXPECT_EQ(keeper.state(), FlowState::none);
  keeper.set_wanted(one_away_guest());
  EXPECT_EQ(keeper.state(), FlowState::pending);
  ASSERT_EQ(channel.installs.size(), 1u);
  EXPECT_EQ(channel.installs.front().cookie, kDefaultCookie);
  EXPECT_EQ(channel.installs.front().flows, plan_steering(one_away_guest()).flows);
  channel.answer_install();
  EXPECT_EQ(keeper.state(), FlowState::installed);
  EXPECT_EQ(keeper.reason(), "");

  keeper.set_wanted(one_away_guest());
  EXPECT_TRUE(channel.installs.empty());
  EXPECT_TRUE(channel.updates.empty());

  auto moved = one_away_guest();
  moved.ports[0].kind = GuestKind::home;  // the guest came home: its multicast flows change
  keeper.set_wanted(moved);
  EXPECT_TRUE(channel.installs.empty());
  ASSERT_EQ(channel.updates.size(), 1u);
  const auto& update = channel.updates.front();
  EXPECT_EQ(update.cookie, kDefaultCookie);
  EXPECT_FALSE(update.add.empty());
  EXPECT_LT(update.remove.size() + update.add.size(), keeper.plan().flows.size());
  channel.answer_update();
  EXPECT_EQ(sorted(channel.table), sorted(plan_steering(moved).flows));
  EXPECT_EQ(keeper.state(), FlowState::installed);
  EXPECT_EQ(keeper.stats().installs, 1u);
  EXPECT_EQ(keeper.stats().updates, 1u);
  EXPECT_EQ(transitions, (std::vector<std::string>{"pending: first plan", "installed", "pending: plan changed",
                                                   "installed"}));
}

TEST_F(FlowKeeperTest, ADifferenceLargerThanThePlanIsSentAsTheWholePlan) {
  install(one_away_guest());
  auto renumbered = one_away_guest();
  renumbered.ports[0].ofport = 8;  // every flow of the port changes
  keeper.set_wanted(renumbered);
  EXPECT_TRUE(channel.updates.empty());
  ASSERT_EQ(channel.installs.size(), 1u);
  EXPECT_EQ(channel.installs.front().flows, plan_steering(renumbered).flows);
}

TEST_F(FlowKeeperTest, PortsArrivingDuringAnInstallGoTogetherWhenItCompletes) {
  BridgeState state{1, {}};
  keeper.set_wanted(state);
  ASSERT_EQ(channel.installs.size(), 1u);
  for (std::uint32_t n = 0; n < 50; ++n) {
    char name[16];
    std::snprintf(name, sizeof name, "vnet%u", n);
    auto address = ip("2001:db8:a::100");
    address.bytes[15] = static_cast<std::uint8_t>(n);
    state.ports.push_back({name, 10 + n, mac("52:54:00:00:00:00"), GuestKind::home, address});
    state.ports.back().mac.bytes[5] = static_cast<std::uint8_t>(n);
    keeper.set_wanted(state);
  }
  EXPECT_EQ(channel.installs.size(), 1u);  // nothing queued behind the one in flight
  EXPECT_TRUE(channel.updates.empty());
  channel.answer_install();
  EXPECT_EQ(keeper.state(), FlowState::pending);
  // All fifty ports' flows, in one request: the whole plan, being smaller.
  ASSERT_EQ(channel.installs.size() + channel.updates.size(), 1u);
  channel.answer_all();
  EXPECT_EQ(sorted(channel.table), sorted(keeper.plan().flows));
  EXPECT_EQ(keeper.state(), FlowState::installed);

  // One more port on a bridge of fifty: only its own flows.
  state.ports.push_back({"late", 99, mac("52:54:00:00:01:00"), GuestKind::home, ip("2001:db8:a::200")});
  keeper.set_wanted(state);
  ASSERT_EQ(channel.updates.size(), 1u);
  // Its own flows, and the two multicast flows (tables 2 and 3) it joins.
  EXPECT_EQ(channel.updates.front().remove.size(), 2u);
  EXPECT_EQ(channel.updates.front().add.size(), 2u + 8u);
  channel.answer_update();
  EXPECT_EQ(sorted(channel.table), sorted(keeper.plan().flows));
}

TEST_F(FlowKeeperTest, AFailedUpdateSendsTheWholePlanNextTime) {
  install(one_away_guest());
  auto moved = one_away_guest();
  moved.ports[0].kind = GuestKind::home;
  keeper.set_wanted(moved);
  channel.answer_update(ChannelStatus::failed, "bundle rejected");
  EXPECT_EQ(keeper.state(), FlowState::failed);
  scheduler.advance(1s);
  EXPECT_TRUE(channel.updates.empty());
  ASSERT_EQ(channel.installs.size(), 1u);  // the switch's table is no longer known
  channel.answer_install();
  EXPECT_EQ(channel.table, plan_steering(moved).flows);
  EXPECT_EQ(keeper.state(), FlowState::installed);
}

TEST_F(FlowKeeperTest, ChecksEverySecondAndReinstallsWhenTheCanaryIsGone) {
  install(one_away_guest());
  scheduler.advance(1s);
  ASSERT_EQ(channel.dumps.size(), 1u);
  EXPECT_EQ(channel.dumps.front().cookie, kDefaultCookie);
  channel.answer_dump();
  EXPECT_TRUE(channel.installs.empty());
  EXPECT_EQ(keeper.state(), FlowState::installed);

  channel.table.clear();  // vswitchd restarted
  scheduler.advance(1s);
  channel.answer_dump();
  ASSERT_EQ(channel.installs.size(), 1u);
  EXPECT_EQ(keeper.state(), FlowState::pending);
  EXPECT_EQ(keeper.reason(), "canary flow missing (vswitchd restarted?)");
  channel.answer_install();
  EXPECT_EQ(channel.table, keeper.plan().flows);
  EXPECT_EQ(keeper.state(), FlowState::installed);
  EXPECT_EQ(keeper.stats().flows_lost, 1u);
}

TEST_F(FlowKeeperTest, ReinstallsWhenSomeFlowsWereDeleted) {
  install(one_away_guest());
  channel.table.erase(channel.table.begin() + 3);
  keeper.check_now();  // as after a link event: no wait for the tick
  channel.answer_dump();
  ASSERT_EQ(channel.installs.size(), 1u);
  EXPECT_EQ(keeper.reason(), "found 17 flows of ours, planned 18");
}

TEST_F(FlowKeeperTest, RetriesAFailedInstallWithBackOffAndAtOnceOnALinkEvent) {
  keeper.set_wanted(one_away_guest());
  channel.answer_install(ChannelStatus::failed, "unix:/x.mgmt: failed to connect to socket (No such file)");
  EXPECT_EQ(keeper.state(), FlowState::failed);
  EXPECT_EQ(keeper.reason(), "install failed: unix:/x.mgmt: failed to connect to socket (No such file)");

  scheduler.advance(1s);  // first retry after check_interval
  ASSERT_EQ(channel.installs.size(), 1u);
  channel.answer_install(ChannelStatus::failed, "again");
  scheduler.advance(1s);  // back-off doubled: not yet
  EXPECT_TRUE(channel.installs.empty());
  EXPECT_TRUE(channel.dumps.empty());  // no dumps while an install is failing
  scheduler.advance(1s);
  ASSERT_EQ(channel.installs.size(), 1u);
  channel.answer_install(ChannelStatus::failed, "again");

  keeper.check_now();
  ASSERT_EQ(channel.installs.size(), 1u);
  channel.answer_install();
  EXPECT_EQ(keeper.state(), FlowState::installed);
  EXPECT_EQ(keeper.stats().install_failures, 3u);
}

TEST_F(FlowKeeperTest, BackOffStopsAtItsMaximum) {
  keeper.set_wanted(one_away_guest());
  channel.answer_install(ChannelStatus::failed, "down");
  for (int i = 0; i < 8; ++i) {
    scheduler.advance(30s);
    ASSERT_EQ(channel.installs.size(), 1u) << i;
    channel.answer_install(ChannelStatus::failed, "down");
  }
  EXPECT_TRUE(logged.back().find("retry_ms=30000") != std::string::npos) << logged.back();
}

TEST_F(FlowKeeperTest, APlanThatChangesDuringAnInstallIsSentWhenItCompletes) {
  keeper.set_wanted(one_away_guest());
  auto moved = one_away_guest();
  moved.ports[0].kind = GuestKind::home;
  keeper.set_wanted(moved);
  ASSERT_EQ(channel.installs.size(), 1u);  // one at a time
  channel.answer_install();                // the first plan
  EXPECT_EQ(keeper.state(), FlowState::pending);
  ASSERT_EQ(channel.updates.size(), 1u);   // then what changed since
  channel.answer_update();
  EXPECT_EQ(keeper.state(), FlowState::installed);
  EXPECT_EQ(sorted(channel.table), sorted(plan_steering(moved).flows));
}

TEST_F(FlowKeeperTest, ASlowDumpSpacesTheChecksOut) {
  install(one_away_guest());
  scheduler.advance(1s);
  ASSERT_EQ(channel.dumps.size(), 1u);
  scheduler.advance(500ms);  // a table of thousands of flows takes its time
  channel.answer_dump();
  scheduler.advance(500ms);  // the tick armed before it knew
  ASSERT_EQ(channel.dumps.size(), 1u);
  channel.answer_dump();
  scheduler.advance(4s);     // the next waits 9 x 500 ms
  EXPECT_TRUE(channel.dumps.empty());
  scheduler.advance(500ms);
  EXPECT_EQ(channel.dumps.size(), 1u);
  channel.answer_dump();
  scheduler.advance(1s);     // a quick dump: back to every second
  EXPECT_EQ(channel.dumps.size(), 1u);
}

TEST_F(FlowKeeperTest, ADumpThatRacedAnInstallIsIgnored) {
  install(one_away_guest());
  scheduler.advance(1s);
  ASSERT_EQ(channel.dumps.size(), 1u);
  auto moved = one_away_guest();
  moved.ports[0].ofport = 8;
  keeper.set_wanted(moved);
  channel.table.clear();  // the dump will see nothing: it must not cause a second install
  channel.answer_dump();
  EXPECT_EQ(channel.installs.size(), 1u);
  channel.answer_install();
  EXPECT_EQ(keeper.state(), FlowState::installed);
}

TEST_F(FlowKeeperTest, UnreadableFlowsAreAFailureUntilTheyCanBeReadAgain) {
  install(one_away_guest());
  scheduler.advance(1s);
  channel.answer_dump(ChannelStatus::failed, "connection refused");
  EXPECT_EQ(keeper.state(), FlowState::failed);
  EXPECT_EQ(keeper.reason(), "cannot read flows back: connection refused");
  scheduler.advance(1s);
  channel.answer_dump();
  EXPECT_EQ(keeper.state(), FlowState::installed);
  EXPECT_TRUE(channel.installs.empty());
}

TEST_F(FlowKeeperTest, CountsSpoofDropsPerPortAcrossReinstalls) {
  auto state = one_away_guest();
  state.ports.push_back({"tap7", 4, mac("02:00:00:00:00:07"), GuestKind::unknown, std::nullopt});
  install(state);
  EXPECT_EQ(keeper.drop_counters(), (std::map<std::string, PortDropCounters>{{"tap7", {}}, {"vnet0", {}}}));

  const auto vnet0_mac = spec_of(0, priority::spoofed_mac, "2");
  const auto vnet0_source = spec_of(0, priority::spoofed_source, "2");
  const auto tap7_mac = spec_of(0, priority::spoofed_mac, "4");
  channel.packets = {{vnet0_mac, 3}, {vnet0_source, 5}, {tap7_mac, 1}};
  scheduler.advance(1s);
  channel.answer_dump();
  EXPECT_EQ(keeper.drop_counters(),
            (std::map<std::string, PortDropCounters>{{"tap7", {1, 0}}, {"vnet0", {3, 5}}}));
  EXPECT_EQ(keeper.port_drops("vnet0"), (PortDropCounters{3, 5}));
  EXPECT_EQ(keeper.port_drops("tap7"), (PortDropCounters{1, 0}));
  EXPECT_EQ(keeper.port_drops("nobody"), PortDropCounters{});

  // A port arriving changes only its own flows: the others count on.
  auto grown = state;
  grown.ports.push_back({"vnet9", 9, mac("52:54:00:00:00:09"), GuestKind::home, ip("2001:db8:a::9")});
  keeper.set_wanted(grown);
  channel.answer_update();
  channel.packets.push_back({tap7_mac, 2});
  scheduler.advance(1s);
  channel.answer_dump();
  EXPECT_EQ(keeper.drop_counters(),
            (std::map<std::string, PortDropCounters>{{"tap7", {2, 0}}, {"vnet0", {3, 5}}, {"vnet9", {}}}));
  keeper.set_wanted(state);
  channel.answer_update();

  // vswitchd restarts: flows gone, then reinstalled at zero; counts go on.
  channel.table.clear();
  scheduler.advance(1s);
  channel.answer_dump();
  channel.answer_install();
  channel.packets = {{vnet0_source, 2}};
  scheduler.advance(1s);
  channel.answer_dump();
  EXPECT_EQ(keeper.drop_counters(),
            (std::map<std::string, PortDropCounters>{{"tap7", {2, 0}}, {"vnet0", {3, 7}}}));

  // A port that leaves takes its counters along.
  state.ports.pop_back();
  keeper.set_wanted(state);
  EXPECT_EQ(keeper.drop_counters(), (std::map<std::string, PortDropCounters>{{"vnet0", {3, 7}}}));
}

TEST_F(FlowKeeperTest, PortStateNamesExcludedPortsAndAMissingDatapathPort) {
  auto state = one_away_guest();
  state.ports.push_back({"clone", 5, mac("52:54:00:12:34:56"), GuestKind::home, std::nullopt});
  install(state);
  EXPECT_EQ(keeper.port_state("clone"), std::make_pair(FlowState::failed, std::string("port excluded: duplicate_mac")));
  EXPECT_EQ(keeper.port_state("nobody").first, FlowState::none);

  state.ports.pop_back();
  state.datapath_ofport.reset();
  install(state);
  EXPECT_EQ(keeper.plan().flows.size(), 2u);
  EXPECT_EQ(keeper.port_state("vnet0"),
            std::make_pair(FlowState::pending, std::string("datapath port has no ofport yet (all frames dropped)")));
}

TEST_F(FlowKeeperTest, NothingHappensAfterTheKeeperIsGone) {
  auto other = std::make_unique<FlowKeeper>(scheduler, log, channel);
  other->set_wanted(one_away_guest());
  other.reset();
  channel.answer_all();  // must not touch the destroyed keeper
  scheduler.advance(5s);
  EXPECT_TRUE(channel.dumps.empty());
}

}  // namespace
}  // namespace roam6::vswitch
