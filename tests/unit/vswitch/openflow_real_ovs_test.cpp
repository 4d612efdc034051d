// The steering plan, the ovs-ofctl runner and the flow keeper against a
// real, private Open vSwitch 3.1 (userspace datapath, fail_mode=secure).
// Behaviour is checked with ofproto/trace, field by field: which OpenFlow
// ports a frame described by its headers reaches.

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <array>
#include <iterator>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "mip6d/runtime/asio_scheduler.hpp"
#include "openflow_private_ovs.hpp"
#include "vswitch-plugin/openflow/flow_keeper.hpp"
#include "vswitch-plugin/openflow/ofctl_runner.hpp"
#include "vswitch-plugin/openflow/steering_plan.hpp"

namespace roam6::vswitch {
namespace {

using namespace std::chrono_literals;
using test::PrivateOvs;
using Ports = std::set<std::uint32_t>;

constexpr std::uint32_t kDp = 1;
constexpr std::uint32_t kAway = 2;
constexpr std::uint32_t kHome1 = 3;
constexpr std::uint32_t kHome2 = 4;
const char* const kAwayMac = "52:54:00:00:00:02";
const char* const kHome1Mac = "52:54:00:00:00:03";
const char* const kHome2Mac = "52:54:00:00:00:04";
const char* const kRouterMac = "00:00:5e:00:01:01";  // somewhere beyond the datapath

wire::MacAddr mac(const char* text) { return *wire::MacAddr::parse(text); }
wire::Ip6Addr ip(const char* text) { return *wire::Ip6Addr::parse(text); }

bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.restart();
    io.run_for(10ms);
  }
  return true;
}

class OpenflowRealOvs : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::have_userspace_ovs()) GTEST_SKIP() << "needs root, ovsdb-server and the userspace ovs-vswitchd";
    ovs.emplace();
    ASSERT_EQ(ovs->add_internal_port("dp", kDp), kDp);
    ASSERT_EQ(ovs->add_internal_port("vaway", kAway), kAway);
    ASSERT_EQ(ovs->add_internal_port("vhome1", kHome1), kHome1);
    ASSERT_EQ(ovs->add_internal_port("vhome2", kHome2), kHome2);
    runner.emplace(io, log, OfctlOptions{ovs->target(), "", 10s});
  }

  static BridgeState state() {
    return {kDp,
            {{"vaway", kAway, mac(kAwayMac), GuestKind::away, ip("2001:db8:a::2")},
             {"vhome1", kHome1, mac(kHome1Mac), GuestKind::home, ip("2001:db8:b::3")},
             {"vhome2", kHome2, mac(kHome2Mac), GuestKind::home, ip("2001:db8:b::4")}}};
  }

  std::pair<ChannelStatus, std::string> install(const std::vector<std::string>& flows) {
    std::optional<std::pair<ChannelStatus, std::string>> result;
    runner->install(kDefaultCookie, flows, [&](ChannelStatus status, const std::string& error) {
      result.emplace(status, error);
    });
    EXPECT_TRUE(run_until(io, [&] { return result.has_value(); }));
    return result.value_or(std::make_pair(ChannelStatus::failed, std::string("no answer")));
  }
  std::vector<FlowRecord> dump() {
    std::optional<std::vector<FlowRecord>> result;
    runner->dump(kDefaultCookie, [&](ChannelStatus status, const std::vector<FlowRecord>& flows,
                                     const std::string& error) {
      EXPECT_EQ(status, ChannelStatus::ok) << error;
      result = flows;
    });
    EXPECT_TRUE(run_until(io, [&] { return result.has_value(); }));
    return result.value_or(std::vector<FlowRecord>{});
  }
  std::size_t count_all_flows() const {
    const auto text = ovs->ofctl("dump-flows " + ovs->target());
    std::size_t n = 0;
    for (std::size_t at = text.find("cookie="); at != std::string::npos; at = text.find("cookie=", at + 1)) ++n;
    return n;
  }
  Ports reach(const std::string& flow) {
    auto trace = ovs->trace(flow);
    last_trace = trace.text;
    return trace.outputs;
  }

  boost::asio::io_context io;
  mip6d::Logger log{mip6d::LogLevel::debug, [](mip6d::LogLevel, std::string_view) {}};
  std::optional<PrivateOvs> ovs;
  std::optional<OfctlRunner> runner;
  std::string last_trace;
};

TEST_F(OpenflowRealOvs, GuestsMaySendOnlyFromTheirOwnMacAndAddresses) {
  const auto plan = plan_steering(state());
  ASSERT_EQ(install(plan.flows), std::make_pair(ChannelStatus::ok, std::string()));
  ASSERT_EQ(dump().size(), plan.flows.size());

  const std::string away = "in_port=2,dl_src=" + std::string(kAwayMac) + ",dl_dst=" + kRouterMac;
  // Spoofed MAC: dropped by the port's MAC drop flow (priority 50).
  EXPECT_EQ(reach("in_port=2,dl_src=52:54:00:99:99:99,dl_dst=" + std::string(kRouterMac) +
                  ",ipv6,ipv6_src=2001:db8:a::2"),
            Ports{})
      << last_trace;
  EXPECT_NE(last_trace.find("priority 50"), std::string::npos) << last_trace;
  // Spoofed IPv6 source from its own MAC: dropped (priority 150).
  EXPECT_EQ(reach(away + ",ipv6,ipv6_src=2001:db8:a::99"), Ports{}) << last_trace;
  EXPECT_NE(last_trace.find("priority 150"), std::string::npos) << last_trace;
  EXPECT_EQ(reach(away + ",ipv6,ipv6_src=fe80::1"), Ports{}) << last_trace;
  // Its home address, EUI-64 link-local (RFC 4291 App. A) and :: for DAD
  // (RFC 4862 5.4.2) pass to the datapath.
  EXPECT_EQ(reach(away + ",ipv6,ipv6_src=2001:db8:a::2"), Ports{kDp}) << last_trace;
  EXPECT_EQ(reach(away + ",ipv6,ipv6_src=fe80::5054:ff:fe00:2"), Ports{kDp}) << last_trace;
  EXPECT_EQ(reach("in_port=2,dl_src=" + std::string(kAwayMac) +
                  ",dl_dst=33:33:ff:00:00:02,ipv6,ipv6_src=::,ipv6_dst=ff02::1:ff00:2"),
            Ports{kDp})
      << last_trace;
  // Non-IPv6 (a RARP after migration) from its own MAC passes.
  EXPECT_EQ(reach("in_port=2,dl_src=" + std::string(kAwayMac) + ",dl_dst=ff:ff:ff:ff:ff:ff,dl_type=0x8035"),
            Ports{kDp})
      << last_trace;
  // A frame from the bridge's own port, or a port we do not know: dropped.
  EXPECT_EQ(reach("in_port=LOCAL,dl_src=" + std::string(kAwayMac)), Ports{}) << last_trace;
}

// host.learned_addresses: the home prefix is admitted whole (the datapath
// checks each address), and OVS keeps exactly the flows the plan counts.
TEST_F(OpenflowRealOvs, WithLearnedAddressesAGuestMaySendFromItsHomePrefixOnly) {
  auto learning = state();
  learning.ports[0].home_prefix = *wire::Ip6Prefix::parse("2001:db8:a::/64");
  const auto plan = plan_steering(learning);
  ASSERT_EQ(install(plan.flows), std::make_pair(ChannelStatus::ok, std::string()));
  ASSERT_EQ(dump().size(), plan.flows.size());
  const std::string away = "in_port=2,dl_src=" + std::string(kAwayMac) + ",dl_dst=" + kRouterMac;
  EXPECT_EQ(reach(away + ",ipv6,ipv6_src=2001:db8:a::2"), Ports{kDp}) << last_trace;
  EXPECT_EQ(reach(away + ",ipv6,ipv6_src=2001:db8:a:0:9a1:b2c3:d4e5:f607"), Ports{kDp}) << last_trace;
  EXPECT_EQ(reach(away + ",ipv6,ipv6_src=2001:db8:a:1::2"), Ports{}) << last_trace;
  EXPECT_NE(last_trace.find("priority 150"), std::string::npos) << last_trace;
  EXPECT_EQ(reach(away + ",ipv6,ipv6_src=2001:db8:b::3"), Ports{}) << last_trace;
}

TEST_F(OpenflowRealOvs, MulticastReachesGuestsAtHomeButNeverAnAwayGuest) {
  ASSERT_EQ(install(plan_steering(state()).flows).first, ChannelStatus::ok);
  const std::string mld = ",dl_dst=33:33:00:00:00:01,ipv6,ipv6_dst=ff02::1";
  // A guest at home: to the datapath and the other guest at home.
  EXPECT_EQ(reach("in_port=3,dl_src=" + std::string(kHome1Mac) + mld + ",ipv6_src=fe80::5054:ff:fe00:3"),
            (Ports{kDp, kHome2}))
      << last_trace;
  // The away guest: to the datapath only (its home link is behind it).
  EXPECT_EQ(reach("in_port=2,dl_src=" + std::string(kAwayMac) + mld + ",ipv6_src=fe80::5054:ff:fe00:2"),
            Ports{kDp})
      << last_trace;
  // From the datapath (the site's RAs, RFC 4861 6.2.4): guests at home only.
  EXPECT_EQ(reach("in_port=1,dl_src=" + std::string(kRouterMac) + mld + ",ipv6_src=fe80::1"), (Ports{kHome1, kHome2}))
      << last_trace;
  EXPECT_EQ(reach("in_port=1,dl_src=" + std::string(kRouterMac) + ",dl_dst=ff:ff:ff:ff:ff:ff,arp"),
            (Ports{kHome1, kHome2}))
      << last_trace;
}

TEST_F(OpenflowRealOvs, UnicastIsSwitchedByDestinationMacWithoutNormal) {
  ASSERT_EQ(install(plan_steering(state()).flows).first, ChannelStatus::ok);
  // From the datapath: to the guest that owns the MAC, the away one included.
  EXPECT_EQ(reach("in_port=1,dl_src=" + std::string(kRouterMac) + ",dl_dst=" + kAwayMac), Ports{kAway}) << last_trace;
  EXPECT_EQ(reach("in_port=1,dl_src=" + std::string(kRouterMac) + ",dl_dst=" + kHome2Mac), Ports{kHome2})
      << last_trace;
  EXPECT_EQ(reach("in_port=1,dl_src=" + std::string(kRouterMac) + ",dl_dst=52:54:00:77:77:77"), Ports{})
      << last_trace;
  // Guest to guest on this host, and to anything else via the datapath.
  EXPECT_EQ(reach("in_port=3,dl_src=" + std::string(kHome1Mac) + ",dl_dst=" + kHome2Mac +
                  ",ipv6,ipv6_src=2001:db8:b::3"),
            Ports{kHome2})
      << last_trace;
  EXPECT_EQ(reach("in_port=3,dl_src=" + std::string(kHome1Mac) + ",dl_dst=" + kRouterMac +
                  ",ipv6,ipv6_src=2001:db8:b::3"),
            Ports{kDp})
      << last_trace;
  EXPECT_EQ(ovs->ofctl("dump-flows " + ovs->target()).find("NORMAL"), std::string::npos);
}

TEST_F(OpenflowRealOvs, WithoutTheDatapathPortNothingPasses) {
  auto no_dp = state();
  no_dp.datapath_ofport.reset();
  ASSERT_EQ(install(plan_steering(no_dp).flows).first, ChannelStatus::ok);
  EXPECT_EQ(reach("in_port=3,dl_src=" + std::string(kHome1Mac) + ",dl_dst=" + kHome2Mac +
                  ",ipv6,ipv6_src=2001:db8:b::3"),
            Ports{})
      << last_trace;
  EXPECT_EQ(reach("in_port=1,dl_src=" + std::string(kRouterMac) + ",dl_dst=" + kHome1Mac), Ports{}) << last_trace;
}

TEST_F(OpenflowRealOvs, ReinstallingIsIdempotentAndLeavesOtherCookiesAlone) {
  ovs->ofctl("add-flow " + ovs->target() + " cookie=0x1,table=5,priority=7,actions=drop");
  const auto plan = plan_steering(state());
  ASSERT_EQ(install(plan.flows).first, ChannelStatus::ok);
  ASSERT_EQ(install(plan.flows).first, ChannelStatus::ok);
  EXPECT_EQ(dump().size(), plan.flows.size());
  EXPECT_EQ(count_all_flows(), plan.flows.size() + 1);
  EXPECT_NE(ovs->ofctl("dump-flows " + ovs->target() + " cookie=0x1/-1").find("table=5"), std::string::npos);

  // A smaller plan replaces the larger one entirely.
  auto smaller = state();
  smaller.ports.pop_back();
  const auto small_plan = plan_steering(smaller);
  ASSERT_EQ(install(small_plan.flows).first, ChannelStatus::ok);
  EXPECT_EQ(dump().size(), small_plan.flows.size());
  EXPECT_EQ(count_all_flows(), small_plan.flows.size() + 1);
}

TEST_F(OpenflowRealOvs, ARejectedBundleChangesNothing) {
  const auto plan = plan_steering(state());
  ASSERT_EQ(install(plan.flows).first, ChannelStatus::ok);
  auto broken = plan_steering(state()).flows;
  broken.insert(broken.begin() + 3, "cookie=0x526f616d36000000,table=1,priority=5,actions=output:99999999999");
  const auto [status, error] = install(broken);
  EXPECT_EQ(status, ChannelStatus::failed);
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(dump().size(), plan.flows.size());  // the old flows, all of them, still there
}

TEST_F(OpenflowRealOvs, TheNewestQueuedPlanWins) {
  auto a = state();
  auto b = state();
  b.ports.pop_back();
  auto c = state();
  c.ports[0].kind = GuestKind::home;
  std::vector<ChannelStatus> results(3, ChannelStatus::cancelled);
  int answered = 0;
  for (int i = 0; i < 3; ++i) {
    const auto& st = i == 0 ? a : (i == 1 ? b : c);
    runner->install(kDefaultCookie, plan_steering(st).flows, [&, i](ChannelStatus status, const std::string&) {
      results[static_cast<std::size_t>(i)] = status;
      ++answered;
    });
  }
  ASSERT_TRUE(run_until(io, [&] { return answered == 3; }));
  EXPECT_EQ(results, (std::vector<ChannelStatus>{ChannelStatus::ok, ChannelStatus::superseded, ChannelStatus::ok}));
  EXPECT_EQ(runner->stats().runs, 2u);
  // c's plan is installed: the away guest became a home guest, so it now
  // hears the datapath's multicast.
  EXPECT_EQ(reach("in_port=1,dl_src=" + std::string(kRouterMac) + ",dl_dst=33:33:00:00:00:01"),
            (Ports{kAway, kHome1, kHome2}))
      << last_trace;
}

TEST_F(OpenflowRealOvs, KeeperReinstallsAfterVswitchdIsKilledAndRestarted) {
  mip6d::AsioScheduler scheduler(io);
  FlowKeeper keeper(scheduler, log, *runner, {200ms, 2s});
  keeper.set_wanted(state());
  ASSERT_TRUE(run_until(io, [&] { return keeper.state() == FlowState::installed; })) << keeper.reason();
  const auto planned = keeper.plan().flows.size();
  ASSERT_EQ(dump().size(), planned);

  ovs->kill_vswitchd();
  ovs->start_vswitchd();
  // ofports live in OVSDB (ofport_request): the plan stays valid.
  ASSERT_EQ(ovs->ofport("vaway"), kAway);
  ASSERT_TRUE(run_until(io, [&] { return keeper.stats().flows_lost >= 1 && keeper.state() == FlowState::installed; }))
      << to_string(keeper.state()) << ": " << keeper.reason();
  EXPECT_EQ(dump().size(), planned);
  EXPECT_EQ(count_all_flows(), planned);
  EXPECT_EQ(reach("in_port=2,dl_src=52:54:00:99:99:99,dl_dst=" + std::string(kRouterMac)), Ports{}) << last_trace;
  EXPECT_EQ(reach("in_port=1,dl_src=" + std::string(kRouterMac) + ",dl_dst=" + kAwayMac), Ports{kAway})
      << last_trace;
}

// Sends one Ethernet frame out of `device` inside the namespace; OVS
// receives it on that internal port.
void send_frame(const test::TestNamespace& ns, const std::string& device, const std::vector<std::uint8_t>& frame) {
  ns.run_inside([&] {
    const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::system_error(errno, std::system_category(), "socket");
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = static_cast<int>(::if_nametoindex(device.c_str()));
    to.sll_halen = 6;
    const auto sent = ::sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    const int error = errno;
    ::close(fd);
    if (sent != static_cast<ssize_t>(frame.size())) throw std::system_error(error, std::system_category(), "sendto");
    return 0;
  });
}

// An IPv6 frame (RFC 8200 section 3 header, no payload: next header 59).
std::vector<std::uint8_t> ipv6_frame(const wire::MacAddr& src_mac, const wire::Ip6Addr& src) {
  std::vector<std::uint8_t> frame(14 + 40, 0);
  mac(kRouterMac).write_to(frame.data());
  src_mac.write_to(frame.data() + 6);
  frame[12] = 0x86;
  frame[13] = 0xdd;
  frame[14] = 0x60;
  frame[20] = 59;  // no next header
  frame[21] = 64;
  src.write_to(frame.data() + 22);
  ip("2001:db8::1").write_to(frame.data() + 38);
  return frame;
}

TEST_F(OpenflowRealOvs, RealSpoofedFramesAreCountedPerPortAndReason) {
  mip6d::AsioScheduler scheduler(io);
  FlowKeeper keeper(scheduler, log, *runner, {100ms, 2s});
  keeper.set_wanted(state());
  ASSERT_TRUE(run_until(io, [&] { return keeper.state() == FlowState::installed; })) << keeper.reason();

  for (int i = 0; i < 3; ++i) send_frame(ovs->ns(), "vaway", ipv6_frame(mac("52:54:00:99:99:99"), ip("2001:db8:a::2")));
  for (int i = 0; i < 2; ++i) send_frame(ovs->ns(), "vaway", ipv6_frame(mac(kAwayMac), ip("2001:db8:a::66")));
  send_frame(ovs->ns(), "vhome1", ipv6_frame(mac("52:54:00:99:99:98"), ip("2001:db8:b::3")));
  send_frame(ovs->ns(), "vaway", ipv6_frame(mac(kAwayMac), ip("2001:db8:a::2")));  // legitimate: not counted

  const auto expected = std::map<std::string, PortDropCounters>{
      {"vaway", {3, 2}}, {"vhome1", {1, 0}}, {"vhome2", {0, 0}}};
  EXPECT_TRUE(run_until(io, [&] { return keeper.drop_counters() == expected; }, 5s))
      << "vaway " << keeper.drop_counters()["vaway"].spoofed_mac << "/"
      << keeper.drop_counters()["vaway"].spoofed_source << " vhome1 " << keeper.drop_counters()["vhome1"].spoofed_mac;
}

TEST_F(OpenflowRealOvs, AnUpdateChangesOnlyTheFlowsThatDifferAndTheOthersKeepTheirCounters) {
  auto before = state();
  before.ports.pop_back();  // vhome2 not attached yet
  const auto old_plan = plan_steering(before);
  ASSERT_EQ(install(old_plan.flows).first, ChannelStatus::ok);
  for (int i = 0; i < 3; ++i) send_frame(ovs->ns(), "vaway", ipv6_frame(mac("52:54:00:99:99:99"), ip("2001:db8:a::2")));
  const auto spoof_drops = [&] {
    for (const auto& flow : dump()) {
      if (flow.table == table::admission && flow.priority == priority::spoofed_mac &&
          match_field(flow.match, "in_port") == std::to_string(kAway)) {
        return flow.n_packets;
      }
    }
    return std::uint64_t{0};
  };
  // OVS folds datapath counters into its flows every few hundred ms.
  for (int i = 0; i < 50 && spoof_drops() != 3; ++i) std::this_thread::sleep_for(100ms);
  ASSERT_EQ(spoof_drops(), 3u);

  // vhome2 arrives: delete what went, add what came, in one bundle.
  const auto new_plan = plan_steering(state());
  auto old_sorted = old_plan.flows;
  auto new_sorted = new_plan.flows;
  std::sort(old_sorted.begin(), old_sorted.end());
  std::sort(new_sorted.begin(), new_sorted.end());
  std::vector<std::string> remove;
  std::vector<std::string> add;
  std::set_difference(old_sorted.begin(), old_sorted.end(), new_sorted.begin(), new_sorted.end(),
                      std::back_inserter(remove));
  std::set_difference(new_sorted.begin(), new_sorted.end(), old_sorted.begin(), old_sorted.end(),
                      std::back_inserter(add));
  ASSERT_FALSE(remove.empty());  // the multicast flows of tables 2 and 3 gain an output
  std::optional<ChannelStatus> result;
  runner->update(kDefaultCookie, remove, add, [&](ChannelStatus status, const std::string& error) {
    EXPECT_EQ(error, "");
    result = status;
  });
  ASSERT_TRUE(run_until(io, [&] { return result.has_value(); }));
  EXPECT_EQ(*result, ChannelStatus::ok);

  EXPECT_EQ(dump().size(), new_plan.flows.size());
  EXPECT_EQ(spoof_drops(), 3u);  // the away guest's flows were left alone
  const std::string mld = ",dl_dst=33:33:00:00:00:01,ipv6,ipv6_dst=ff02::1";
  EXPECT_EQ(reach("in_port=3,dl_src=" + std::string(kHome1Mac) + mld + ",ipv6_src=fe80::5054:ff:fe00:3"),
            (Ports{kDp, kHome2}))
      << last_trace;
  EXPECT_EQ(reach("in_port=1,dl_src=" + std::string(kRouterMac) + ",dl_dst=" + kHome2Mac), Ports{kHome2})
      << last_trace;

  // And back: vhome2 leaves.
  result.reset();
  runner->update(kDefaultCookie, add, remove, [&](ChannelStatus status, const std::string&) { result = status; });
  ASSERT_TRUE(run_until(io, [&] { return result.has_value(); }));
  EXPECT_EQ(*result, ChannelStatus::ok);
  EXPECT_EQ(dump().size(), old_plan.flows.size());
  EXPECT_EQ(reach("in_port=3,dl_src=" + std::string(kHome1Mac) + mld + ",ipv6_src=fe80::5054:ff:fe00:3"),
            Ports{kDp})
      << last_trace;
}

// ovs-ofctl itself misbehaving: missing, or hung.
TEST(OpenflowOfctlRunner, AMissingBinaryFailsTheRequest) {
  boost::asio::io_context io;
  mip6d::Logger log{mip6d::LogLevel::error, {}};
  OfctlRunner runner(io, log, {"unix:/nonexistent.mgmt", "/nonexistent/ovs-ofctl", 1s});
  std::optional<std::pair<ChannelStatus, std::string>> result;
  runner.install(kDefaultCookie, {canary_flow(kDefaultCookie)},
                 [&](ChannelStatus status, const std::string& error) { result.emplace(status, error); });
  ASSERT_TRUE(run_until(io, [&] { return result.has_value(); }));
  EXPECT_EQ(result->first, ChannelStatus::failed);
  EXPECT_NE(result->second.find("cannot run ovs-ofctl"), std::string::npos) << result->second;
}

TEST(OpenflowOfctlRunner, AHungOfctlIsKilledAfterTheTimeoutAndTheNextRequestRuns) {
  char dir[] = "/tmp/roam6-ofctl-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string script = std::string(dir) + "/ovs-ofctl";
  {
    std::ofstream out(script);
    out << "#!/bin/sh\ncat >/dev/null\nexec sleep 30\n";
  }
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  boost::asio::io_context io;
  mip6d::Logger log{mip6d::LogLevel::error, {}};
  OfctlRunner runner(io, log, {"unix:/nonexistent.mgmt", script, 300ms});
  std::vector<std::pair<ChannelStatus, std::string>> results;
  const auto started = std::chrono::steady_clock::now();
  runner.install(kDefaultCookie, {canary_flow(kDefaultCookie)},
                 [&](ChannelStatus status, const std::string& error) { results.emplace_back(status, error); });
  runner.dump(kDefaultCookie, [&](ChannelStatus status, const std::vector<FlowRecord>&, const std::string& error) {
    results.emplace_back(status, error);
  });
  EXPECT_TRUE(run_until(io, [&] { return results.size() == 2; }, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  ASSERT_EQ(results.size(), 2u);
  // The install carried one flow: 1 ms more than the dump.
  EXPECT_EQ(results[0], std::make_pair(ChannelStatus::failed, std::string("ovs-ofctl timed out after 301 ms (killed)")));
  EXPECT_EQ(results[1], std::make_pair(ChannelStatus::failed, std::string("ovs-ofctl timed out after 300 ms (killed)")));
  EXPECT_EQ(runner.stats().timeouts, 2u);
  std::filesystem::remove_all(dir);
}

TEST(OpenflowOfctlRunner, AnUpdateDeletesStrictlyByMatchThenAdds) {
  EXPECT_EQ(OfctlRunner::update_input(
                kDefaultCookie,
                {"cookie=0x526f616d36000000,table=2,priority=50,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,"
                 "actions=output:3"},
                {"cookie=0x526f616d36000000,table=2,priority=50,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,"
                 "actions=output:3,output:4"}),
            "delete_strict cookie=0x526f616d36000000/-1,table=2,priority=50,"
            "dl_dst=01:00:00:00:00:00/01:00:00:00:00:00\n"
            "add cookie=0x526f616d36000000,table=2,priority=50,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,"
            "actions=output:3,output:4\n");
}

TEST(OpenflowOfctlRunner, TheBundleDeletesOurCookieThenAddsEveryFlow) {
  EXPECT_EQ(OfctlRunner::bundle_input(kDefaultCookie, {"cookie=0x526f616d36000000,table=250,priority=0,actions=drop"}),
            "delete cookie=0x526f616d36000000/-1\n"
            "add cookie=0x526f616d36000000,table=250,priority=0,actions=drop\n");
}

}  // namespace
}  // namespace roam6::vswitch
