// LinkMonitor against the real kernel, in a throw-away network namespace
// (tests/unit/mip6d/io_test_netns.hpp: the monitor's socket is opened by a
// thread that entered the namespace; the namespace, and every veth and tap
// in it, is deleted when the test ends, failed or not). Devices are made and
// changed with iproute2, and every event's fields are checked against what
// `ip -j link show` says, an oracle independent of our parser.

#include <gtest/gtest.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mip6d/runtime/log.hpp"
#include "tests/unit/mip6d/io_test_netns.hpp"
#include "vswitch-plugin/netlink/link_monitor.hpp"

namespace roam6::vswitch {
namespace {

using mip6d::test::must_run;
using mip6d::test::TestNamespace;
using namespace std::chrono_literals;

OperState oper_state_named(const std::string& text) {
  if (text == "UP") return OperState::up;
  if (text == "DOWN") return OperState::down;
  if (text == "LOWERLAYERDOWN") return OperState::lower_layer_down;
  if (text == "DORMANT") return OperState::dormant;
  if (text == "TESTING") return OperState::testing;
  if (text == "NOTPRESENT") return OperState::not_present;
  return OperState::unknown;
}

class NetlinkLinkMonitor : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces)";
    TestNamespace::remove_leftovers();
    ns_.emplace();
  }
  void TearDown() override {
    monitor_.reset();  // before its namespace goes
    ns_.reset();
  }

  void start(LinkMonitorOptions options = {}) {
    monitor_ = ns_->run_inside([&] { return std::make_unique<LinkMonitor>(io_, log_, options); });
    monitor_->set_change_handler([this](const LinkChange& change) { changes_.push_back(change); });
    monitor_->start();
    ASSERT_TRUE(run_until([&] { return monitor_->synchronised(); })) << "no initial dump";
  }

  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.restart();
      io_.run_for(5ms);
    }
    return true;
  }
  // Runs the loop until the socket has nothing more (events come within
  // microseconds of the command; 100 ms of quiet is plenty).
  void settle() {
    io_.restart();
    io_.run_for(100ms);
  }

  std::string ip(const std::string& arguments) {
    return must_run("ip -n " + ns_->name() + " " + arguments);
  }

  // The link as the kernel reports it through iproute2's JSON output.
  LinkInfo expected(const std::string& device) {
    const auto shown = nlohmann::json::parse(ip("-j link show dev " + device)).at(0);
    LinkInfo link;
    link.ifindex = shown.at("ifindex").get<std::uint32_t>();
    link.name = shown.at("ifname").get<std::string>();
    link.mtu = shown.at("mtu").get<std::uint32_t>();
    for (const auto& flag : shown.at("flags")) {
      if (flag == "UP") link.admin_up = true;
      if (flag == "LOWER_UP") link.lower_up = true;
    }
    link.oper_state = oper_state_named(shown.at("operstate").get<std::string>());
    if (shown.contains("address")) link.mac = wire::MacAddr::parse(shown.at("address").get<std::string>());
    return link;
  }

  std::vector<LinkChange> changes_of(const std::string& name) const {
    std::vector<LinkChange> out;
    for (const auto& change : changes_) {
      if (change.link().name == name || (change.before && change.before->name == name)) {
        out.push_back(change);
      }
    }
    return out;
  }
  // The one change of `name`; fails the test if there is not exactly one.
  LinkChange only_change_of(const std::string& name) {
    const auto found = changes_of(name);
    EXPECT_EQ(found.size(), 1u) << "changes of " << name;
    return found.empty() ? LinkChange{} : found.front();
  }

  // The vanished event of `name`: exactly one, and the last of its changes.
  // (A device that is up goes down before it is unregistered: the kernel
  // reports that as a change first.)
  LinkChange vanished_of(const std::string& name) {
    const auto found = changes_of(name);
    std::size_t vanished = 0;
    for (const auto& change : found) vanished += change.kind == LinkChange::Kind::vanished ? 1 : 0;
    EXPECT_EQ(vanished, 1u) << "vanished events of " << name;
    if (found.empty()) return LinkChange{};
    EXPECT_EQ(found.back().kind, LinkChange::Kind::vanished) << name;
    return found.back();
  }

  boost::asio::io_context io_;
  std::vector<std::string> log_lines_;
  mip6d::Logger log_{mip6d::LogLevel::debug,
                     [this](mip6d::LogLevel, std::string_view line) { log_lines_.emplace_back(line); }};
  std::optional<TestNamespace> ns_;
  std::unique_ptr<LinkMonitor> monitor_;
  std::vector<LinkChange> changes_;
};

TEST_F(NetlinkLinkMonitor, TheFirstDumpReportsTheLinksAlreadyThere) {
  ns_->add_veth_pair("pre-a", "pre-b", 1400);
  start();
  for (const char* name : {"lo", "pre-a", "pre-b"}) {
    const LinkChange change = only_change_of(name);
    EXPECT_EQ(change.kind, LinkChange::Kind::appeared) << name;
    EXPECT_EQ(change.after, expected(name)) << name;
  }
  EXPECT_EQ(monitor_->links().size(), 3u);
  EXPECT_EQ(monitor_->find("pre-a"), expected("pre-a"));
  EXPECT_EQ(monitor_->counters().dumps, 1u);
  EXPECT_EQ(monitor_->counters().malformed, 0u);
}

TEST_F(NetlinkLinkMonitor, AVethPairFromCreationToDeletion) {
  start();
  changes_.clear();

  ip("link add vm-a address 02:00:00:00:0a:01 type veth peer name vm-b address 02:00:00:00:0b:01");
  ASSERT_TRUE(run_until([&] { return monitor_->find("vm-a") && monitor_->find("vm-b"); }));
  settle();
  for (const char* name : {"vm-a", "vm-b"}) {
    const LinkChange change = only_change_of(name);
    EXPECT_EQ(change.kind, LinkChange::Kind::appeared);
    EXPECT_EQ(change.after, expected(name));
    EXPECT_FALSE(change.after->admin_up);
  }
  EXPECT_EQ(monitor_->find("vm-a")->mac, wire::MacAddr::parse("02:00:00:00:0a:01"));

  // MTU: a change with only the MTU different.
  changes_.clear();
  const LinkInfo before_mtu = *monitor_->find("vm-a");
  ip("link set dev vm-a mtu 9000");
  ASSERT_TRUE(run_until([&] { return monitor_->find("vm-a")->mtu == 9000; }));
  settle();
  {
    const LinkChange change = only_change_of("vm-a");
    EXPECT_EQ(change.kind, LinkChange::Kind::changed);
    EXPECT_EQ(change.before, before_mtu);
    LinkInfo after = before_mtu;
    after.mtu = 9000;
    EXPECT_EQ(change.after, after);
  }

  // One end up: administratively up, no carrier while its peer is down.
  changes_.clear();
  ip("link set dev vm-a up");
  ASSERT_TRUE(run_until([&] { return monitor_->find("vm-a")->admin_up; }));
  settle();
  EXPECT_EQ(monitor_->find("vm-a"), expected("vm-a"));
  EXPECT_FALSE(monitor_->find("vm-a")->lower_up);
  EXPECT_NE(monitor_->find("vm-a")->oper_state, OperState::up);
  EXPECT_TRUE(changes_of("vm-b").empty()) << "the peer did not change";

  // The peer up: both have carrier and are operationally up.
  changes_.clear();
  ip("link set dev vm-b up");
  ASSERT_TRUE(run_until([&] {
    return monitor_->find("vm-a")->oper_state == OperState::up &&
           monitor_->find("vm-b")->oper_state == OperState::up;
  }));
  settle();
  for (const char* name : {"vm-a", "vm-b"}) {
    EXPECT_EQ(monitor_->find(name), expected(name));
    EXPECT_TRUE(monitor_->find(name)->lower_up);
    ASSERT_FALSE(changes_of(name).empty());
    EXPECT_EQ(changes_of(name).back().after, expected(name));
  }

  // Down again, then renamed (a device must be down to be renamed).
  ip("link set dev vm-a down");
  ASSERT_TRUE(run_until([&] { return !monitor_->find("vm-a")->admin_up; }));
  changes_.clear();
  const std::uint32_t ifindex = monitor_->find("vm-a")->ifindex;
  ip("link set dev vm-a name vm-renamed");
  ASSERT_TRUE(run_until([&] { return monitor_->find("vm-renamed").has_value(); }));
  settle();
  {
    const LinkChange change = only_change_of("vm-renamed");
    EXPECT_EQ(change.kind, LinkChange::Kind::changed);
    EXPECT_EQ(change.before->name, "vm-a");
    EXPECT_EQ(change.after->ifindex, ifindex);
    EXPECT_EQ(change.after, expected("vm-renamed"));
    EXPECT_FALSE(monitor_->find("vm-a"));
  }

  // Deleting one end deletes both: each vanishes once, with its last state.
  changes_.clear();
  const LinkInfo last_a = *monitor_->find("vm-renamed");
  const LinkInfo last_b = *monitor_->find("vm-b");
  ip("link del dev vm-renamed");
  ASSERT_TRUE(run_until([&] { return !monitor_->find("vm-renamed") && !monitor_->find("vm-b"); }));
  settle();
  {
    const LinkChange a = only_change_of("vm-renamed");  // it was down already
    EXPECT_EQ(a.kind, LinkChange::Kind::vanished);
    EXPECT_EQ(a.before->ifindex, last_a.ifindex);
    EXPECT_EQ(a.before->name, "vm-renamed");
    const LinkChange b = vanished_of("vm-b");  // it was up: it goes down first
    EXPECT_EQ(b.before->ifindex, last_b.ifindex);
    EXPECT_FALSE(a.after);
  }
  EXPECT_EQ(monitor_->counters().overruns, 0u);
  EXPECT_EQ(monitor_->counters().dumps, 1u) << "events came from notifications, not dumps";
  EXPECT_EQ(monitor_->counters().malformed, 0u);
}

TEST_F(NetlinkLinkMonitor, ATapWithoutAReaderIsUpWithoutCarrier) {
  start();
  changes_.clear();
  ip("tuntap add dev vnet-t0 mode tap");
  ASSERT_TRUE(run_until([&] { return monitor_->find("vnet-t0").has_value(); }));
  settle();
  {
    const LinkChange change = only_change_of("vnet-t0");
    EXPECT_EQ(change.kind, LinkChange::Kind::appeared);
    EXPECT_EQ(change.after, expected("vnet-t0"));
    EXPECT_TRUE(change.after->mac.has_value());
  }
  changes_.clear();
  ip("link set dev vnet-t0 mtu 1450 up");
  ASSERT_TRUE(run_until([&] {
    const auto tap = monitor_->find("vnet-t0");
    return tap->admin_up && tap->mtu == 1450;
  }));
  settle();
  EXPECT_EQ(monitor_->find("vnet-t0"), expected("vnet-t0"));
  EXPECT_FALSE(monitor_->find("vnet-t0")->lower_up) << "nobody holds the tap open";
  EXPECT_EQ(monitor_->find("vnet-t0")->oper_state, OperState::down);
  ASSERT_FALSE(changes_.empty());
  for (const auto& change : changes_) EXPECT_EQ(change.kind, LinkChange::Kind::changed);

  changes_.clear();
  ip("tuntap del dev vnet-t0 mode tap");
  ASSERT_TRUE(run_until([&] { return !monitor_->find("vnet-t0"); }));
  settle();
  EXPECT_EQ(vanished_of("vnet-t0").before->name, "vnet-t0");
}

TEST_F(NetlinkLinkMonitor, WatchingNamesReportsOnlyThoseAndRenamesAcrossTheList) {
  LinkMonitorOptions options;
  options.names = {"dp-guests", "uplink0"};
  ns_->add_veth_pair("uplink0", "other0");
  start(options);
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_EQ(changes_[0].after, expected("uplink0"));
  EXPECT_EQ(monitor_->links().size(), 1u);
  EXPECT_FALSE(monitor_->find("lo"));

  changes_.clear();
  ip("link set dev uplink0 mtu 1400");
  ip("link set dev other0 mtu 1400");  // not watched: no event
  ip("link add dp-guests type veth peer name dp-peer");
  ASSERT_TRUE(run_until([&] { return monitor_->find("dp-guests").has_value(); }));
  settle();
  ASSERT_EQ(changes_.size(), 2u);
  EXPECT_EQ(changes_[0].kind, LinkChange::Kind::changed);
  EXPECT_EQ(changes_[0].after->mtu, 1400u);
  EXPECT_EQ(changes_[1].kind, LinkChange::Kind::appeared);
  EXPECT_EQ(changes_[1].after, expected("dp-guests"));

  // Renamed out of the list, and another device renamed into it.
  changes_.clear();
  ip("link set dev uplink0 down");
  ip("link set dev uplink0 name uplink-old");
  ip("link set dev dp-peer name uplink0");
  ASSERT_TRUE(run_until([&] { return changes_.size() >= 3; }));
  settle();
  ASSERT_EQ(changes_.size(), 3u);
  EXPECT_EQ(changes_[0].kind, LinkChange::Kind::changed);  // uplink0 down
  EXPECT_EQ(changes_[1].kind, LinkChange::Kind::vanished);
  EXPECT_EQ(changes_[1].before->name, "uplink0");
  EXPECT_EQ(changes_[2].kind, LinkChange::Kind::appeared);
  EXPECT_EQ(changes_[2].after, expected("uplink0"));
}

TEST_F(NetlinkLinkMonitor, LostNotificationsAreMadeUpByADumpThatReportsTheDifference) {
  LinkMonitorOptions options;
  options.receive_buffer_bytes = 1;  // the kernel's minimum: a few notifications overrun it
  ns_->add_veth_pair("keep-a", "keep-b");
  ns_->add_veth_pair("doomed-a", "doomed-b");
  start(options);
  changes_.clear();

  // Made while nobody reads: far more notifications than the queue holds.
  constexpr int pairs = 8;
  for (int i = 0; i < pairs; ++i) {
    ip("link add burst" + std::to_string(i) + "a type veth peer name burst" + std::to_string(i) + "b");
  }
  ip("link set dev keep-a mtu 1280");
  ip("link del dev doomed-a");
  ASSERT_TRUE(run_until([&] {
    return monitor_->counters().overruns > 0 && monitor_->synchronised() &&
           monitor_->find("burst7b").has_value() && !monitor_->find("doomed-b");
  }));
  settle();
  ASSERT_TRUE(monitor_->synchronised());
  EXPECT_GT(monitor_->counters().dumps, 1u);
  for (int i = 0; i < pairs; ++i) {
    for (const char* end : {"a", "b"}) {
      const std::string name = "burst" + std::to_string(i) + end;
      const LinkChange change = only_change_of(name);
      EXPECT_EQ(change.kind, LinkChange::Kind::appeared) << name;
      EXPECT_EQ(change.after, expected(name)) << name;
    }
  }
  EXPECT_EQ(only_change_of("keep-a").kind, LinkChange::Kind::changed);
  EXPECT_EQ(monitor_->find("keep-a"), expected("keep-a"));
  EXPECT_TRUE(changes_of("keep-b").empty());
  EXPECT_EQ(only_change_of("doomed-a").kind, LinkChange::Kind::vanished);
  EXPECT_EQ(only_change_of("doomed-b").kind, LinkChange::Kind::vanished);
  EXPECT_EQ(monitor_->links().size(), 3u + 2u * pairs);  // lo, keep-a, keep-b, the bursts

  // And all of them going at once.
  changes_.clear();
  const std::uint64_t overruns = monitor_->counters().overruns;
  for (int i = 0; i < pairs; ++i) ip("link del dev burst" + std::to_string(i) + "a");
  ASSERT_TRUE(run_until([&] { return monitor_->synchronised() && monitor_->links().size() == 3u; }));
  settle();
  EXPECT_GT(monitor_->counters().overruns, overruns);
  EXPECT_EQ(changes_.size(), 2u * pairs);
  for (const auto& change : changes_) EXPECT_EQ(change.kind, LinkChange::Kind::vanished);
  for (int i = 0; i < pairs; ++i) {
    EXPECT_EQ(changes_of("burst" + std::to_string(i) + "a").size(), 1u);
    EXPECT_EQ(changes_of("burst" + std::to_string(i) + "b").size(), 1u);
  }
  EXPECT_EQ(monitor_->counters().malformed, 0u);
}

// A forged datagram sent to the monitor's port from another netlink socket
// (root may): its malformed message is counted and skipped, the next
// message of the same datagram is still read, and real events keep coming.
TEST_F(NetlinkLinkMonitor, AMalformedMessageIsCountedAndSkipped) {
  start();
  changes_.clear();
  const std::uint32_t target = monitor_->portid();
  const int sent = ns_->run_inside([target] {
    const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return -1;
    // Message 1: RTM_NEWLINK with an MTU but no name. Message 2: a valid one.
    std::vector<std::uint32_t> words;
    auto message = [&](bool with_name) {
      const std::size_t start = words.size();
      words.resize(start + 4 + 4);  // nlmsghdr, ifinfomsg
      nlmsghdr header{};
      header.nlmsg_type = RTM_NEWLINK;
      ifinfomsg info{};
      info.ifi_index = 4242;
      std::memcpy(&words[start + 4], &info, sizeof info);
      const std::uint32_t mtu_attribute[2] = {(IFLA_MTU << 16) | 8u, 1500};
      words.insert(words.end(), mtu_attribute, mtu_attribute + 2);
      if (with_name) {
        std::uint32_t name_attribute[3] = {(IFLA_IFNAME << 16) | 12u, 0, 0};
        std::memcpy(&name_attribute[1], "forged0", 8);
        words.insert(words.end(), name_attribute, name_attribute + 3);
      }
      header.nlmsg_len = static_cast<std::uint32_t>((words.size() - start) * 4);
      std::memcpy(&words[start], &header, sizeof header);
    };
    message(false);
    message(true);
    sockaddr_nl to{};
    to.nl_family = AF_NETLINK;
    to.nl_pid = target;
    const auto n = ::sendto(fd, words.data(), words.size() * 4, 0,
                            reinterpret_cast<const sockaddr*>(&to), sizeof to);
    ::close(fd);
    return static_cast<int>(n);
  });
  ASSERT_GT(sent, 0) << std::strerror(errno);
  ASSERT_TRUE(run_until([&] { return monitor_->counters().malformed > 0; }));
  settle();
  EXPECT_EQ(monitor_->counters().malformed, 1u);
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_EQ(changes_[0].after->name, "forged0");
  bool logged = false;
  for (const auto& line : log_lines_) {
    logged |= line.find("link_message_malformed") != std::string::npos &&
              line.find("without IFLA_IFNAME") != std::string::npos;
  }
  EXPECT_TRUE(logged);

  changes_.clear();
  ip("link add after-0 type veth peer name after-1");
  ASSERT_TRUE(run_until([&] { return monitor_->find("after-1").has_value(); }));
  EXPECT_EQ(monitor_->find("after-0"), expected("after-0"));
}

TEST_F(NetlinkLinkMonitor, AHandlerMayDestroyTheMonitor) {
  start();
  monitor_->set_change_handler([this](const LinkChange&) { monitor_.reset(); });
  ip("link add gone-0 type veth peer name gone-1");
  ASSERT_TRUE(run_until([&] { return monitor_ == nullptr; }));
  settle();  // no completion may touch the destroyed monitor (ASan checks)
}

}  // namespace
}  // namespace roam6::vswitch
