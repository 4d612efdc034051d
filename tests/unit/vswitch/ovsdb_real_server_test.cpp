// PortMonitor against a real, private ovsdb-server (no ovs-vswitchd: ports
// are written with ovs-vsctl --no-wait, the late ofport with ovsdb-client
// transact, as vswitchd would write it). Ports are created with the exact
// ovs-vsctl transaction libvirt runs (virNetDevOpenvswitchAddPort) and the
// one OpenStack's os-vif runs (vm-uuid instead of vm-id). Skipped when Open
// vSwitch is not installed. Every server and temp dir is removed in TearDown,
// which gtest runs even when SetUp or the test body fails; the server also
// dies with the test process if that crashes.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "mip6d/runtime/asio_scheduler.hpp"
#include "mip6d/runtime/log.hpp"
#include "tests/support/vswitch/fake_ovsdb_server.hpp"
#include "vswitch-plugin/ovsdb/port_monitor.hpp"

namespace roam6::vswitch::ovsdb {
namespace {

using namespace std::chrono_literals;
using roam6::vswitch::testing::run_for;
using roam6::vswitch::testing::run_until;
namespace fs = std::filesystem;

constexpr const char* schema_path = "/usr/share/openvswitch/vswitch.ovsschema";

struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr
};

CommandResult shell(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t count = 0;
  while ((count = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, count);
  result.status = ::pclose(pipe);
  return result;
}

std::string quoted(const std::string& text) { return "'" + text + "'"; }

bool have_ovsdb() {
  return shell("command -v ovsdb-server && command -v ovsdb-tool && command -v ovs-vsctl && command -v ovsdb-client")
                 .status == 0 &&
         fs::exists(schema_path);
}

class OvsdbRealServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_ovsdb()) GTEST_SKIP() << "Open vSwitch (ovsdb-server, ovs-vsctl) is not installed";
    std::string pattern = (fs::temp_directory_path() / "roam6-ovsdb-real-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    const auto pid = std::to_string(::getpid());
    bridge_ = "br6-" + pid;
    vnet_ = "vn" + pid + "a";
    tap_ = "tp" + pid + "b";
    bad_ = "vn" + pid + "z";
    ASSERT_EQ(run("ovsdb-tool create " + quoted((dir_ / "conf.db").string()) + " " + schema_path), 0);
    start_server();
    ASSERT_EQ(vsctl("init"), 0);
  }

  void TearDown() override {
    monitor_.reset();
    stop_server(SIGTERM);
    if (!dir_.empty()) {
      std::error_code ignored;  // the server is gone: nothing recreates files under us
      fs::remove_all(dir_, ignored);
    }
  }

  std::string env() const {
    const auto d = quoted(dir_.string());
    return "env OVS_RUNDIR=" + d + " OVS_DBDIR=" + d + " OVS_LOGDIR=" + d + " OVS_SYSCONFDIR=" + d + " ";
  }
  std::string db() const { return "unix:" + (dir_ / "db.sock").string(); }

  int run(const std::string& command) {
    const auto result = shell(env() + command);
    if (result.status != 0) ADD_FAILURE() << command << "\n" << result.output;
    return result.status;
  }
  std::string output_of(const std::string& command) { return shell(env() + command).output; }
  int vsctl(const std::string& arguments) {
    return run("ovs-vsctl --db=" + quoted(db()) + " --no-wait --timeout=5 " + arguments);
  }

  // ovsdb-server runs as our child, not detached, with PR_SET_PDEATHSIG so
  // that it dies with the test process even if that crashes before TearDown.
  void start_server() {
    const auto d = dir_.string();
    std::error_code ignored;
    fs::remove(dir_ / "db.sock", ignored);  // a killed server leaves its socket behind
    std::vector<std::string> args = {"ovsdb-server", d + "/conf.db", "--remote=punix:" + d + "/db.sock",
                                     "--remote=ptcp:0:127.0.0.1", "--unixctl=" + d + "/ovsdb-server.ctl",
                                     "--log-file=" + d + "/ovsdb-server.log"};
    const pid_t parent = ::getpid();
    server_pid_ = ::fork();
    ASSERT_GE(server_pid_, 0);
    if (server_pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      for (const char* name : {"OVS_RUNDIR", "OVS_DBDIR", "OVS_LOGDIR", "OVS_SYSCONFDIR"}) ::setenv(name, d.c_str(), 1);
      const int devnull = ::open("/dev/null", O_RDWR);
      ::dup2(devnull, STDIN_FILENO);
      ::dup2(devnull, STDOUT_FILENO);
      ::dup2(devnull, STDERR_FILENO);
      std::vector<char*> argv;
      for (auto& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
    for (int i = 0; i < 500 && !fs::exists(dir_ / "db.sock"); ++i) std::this_thread::sleep_for(10ms);
    ASSERT_TRUE(fs::exists(dir_ / "db.sock")) << "ovsdb-server did not create its socket";
  }

  void stop_server(int signal) {
    if (server_pid_ <= 0) return;
    ::kill(server_pid_, signal);
    int status = 0;
    for (int i = 0; i < 200 && ::waitpid(server_pid_, &status, WNOHANG) == 0; ++i) std::this_thread::sleep_for(10ms);
    if (::waitpid(server_pid_, &status, WNOHANG) == 0) {
      ::kill(server_pid_, SIGKILL);
      ::waitpid(server_pid_, &status, 0);
    }
    server_pid_ = -1;
  }

  // The transaction libvirt's virNetDevOpenvswitchAddPort runs (libvirt 9.x),
  // preceded by the bridge's creation in the same transaction.
  int add_libvirt_port(const std::string& name, const std::string& mac, const std::string& iface_id,
                       const std::string& vm_id) {
    return vsctl("-- --may-exist add-br " + bridge_ + " -- --if-exists del-port " + name + " -- add-port " + bridge_ +
                 " " + name + " -- set Interface " + name + " " + quoted("external-ids:attached-mac=\"" + mac + "\"") +
                 " -- set Interface " + name + " " + quoted("external-ids:iface-id=\"" + iface_id + "\"") +
                 " -- set Interface " + name + " " + quoted("external-ids:vm-id=\"" + vm_id + "\"") +
                 " -- set Interface " + name + " external-ids:iface-status=active");
  }

  std::string interface_uuid(const std::string& name) {
    auto text = output_of("ovs-vsctl --db=" + quoted(db()) + " get Interface " + name + " _uuid");
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
  }

  // The port ovsdb-server's ptcp:0 remote picked, from its log
  // ("socket_util|INFO|0:127.0.0.1: listening on port N"); 0 if not found.
  unsigned tcp_port() {
    std::ifstream log(dir_ / "ovsdb-server.log");
    std::string line;
    const std::string marker = "listening on port ";
    while (std::getline(log, line)) {
      const auto at = line.find(marker);
      if (at != std::string::npos) return static_cast<unsigned>(std::stoul(line.substr(at + marker.size())));
    }
    return 0;
  }

  void start_monitor(const std::string& endpoint = {}) {
    PortMonitorConfig config;
    config.endpoint = *Endpoint::parse(endpoint.empty() ? db() : endpoint);
    config.bridge = bridge_;
    monitor_ = std::make_unique<PortMonitor>(io_, scheduler_, logger_, config,
                                             [this](const std::vector<PortChange>& changes) {
                                               for (const auto& change : changes) changes_.push_back(change);
                                             });
    monitor_->start();
  }

  // The first not yet consumed change about `name`, waiting for it.
  std::optional<PortChange> next_change(const std::string& name) {
    std::optional<PortChange> found;
    run_until(io_, [&] {
      for (auto it = changes_.begin(); it != changes_.end(); ++it) {
        const auto& port = it->after ? *it->after : *it->before;
        if (port.name == name) {
          found = *it;
          changes_.erase(it);
          return true;
        }
      }
      return false;
    });
    return found;
  }

  bool logged(const std::string& event, const std::string& text) const {
    for (const auto& line : log_) {
      if (line.find(event) != std::string::npos && line.find(text) != std::string::npos) return true;
    }
    return false;
  }

  fs::path dir_;
  pid_t server_pid_ = -1;
  std::string bridge_, vnet_, tap_, bad_;
  boost::asio::io_context io_;
  mip6d::AsioScheduler scheduler_{io_};
  std::vector<std::string> log_;
  mip6d::Logger logger_{mip6d::LogLevel::debug,
                        [this](mip6d::LogLevel, std::string_view line) { log_.emplace_back(line); }};
  std::unique_ptr<PortMonitor> monitor_;
  std::vector<PortChange> changes_;
};

TEST_F(OvsdbRealServerTest, LibvirtAndOpenStackPortsThroughTheirLifecycle) {
  start_monitor();
  ASSERT_TRUE(run_until(io_, [&] { return monitor_->connected(); }));
  EXPECT_EQ(monitor_->counters().monitor_fallbacks, 0u);  // OVS 3.1 has monitor_cond

  ASSERT_EQ(add_libvirt_port(vnet_, "52:54:00:6a:00:01", "5a1e0000-0000-4000-8000-000000000001",
                             "7e570000-0000-4000-8000-000000000001"),
            0);
  auto added = next_change(vnet_);
  ASSERT_TRUE(added);
  EXPECT_EQ(added->kind, PortChange::Kind::added);
  EXPECT_EQ(added->after->uuid, interface_uuid(vnet_));
  EXPECT_EQ(added->after->bridge, bridge_);
  EXPECT_EQ(added->after->type, "");
  EXPECT_FALSE(added->after->ofport);  // no vswitchd: not assigned
  EXPECT_EQ(added->after->attached_mac, wire::MacAddr::parse("52:54:00:6a:00:01"));
  EXPECT_EQ(added->after->iface_id, "5a1e0000-0000-4000-8000-000000000001");
  EXPECT_EQ(added->after->vm_id, "7e570000-0000-4000-8000-000000000001");
  EXPECT_TRUE(added->after->active);
  // add-br made the bridge's own internal port; it is reported too (the
  // agent picks VM ports by name and type).
  auto internal = next_change(bridge_);
  ASSERT_TRUE(internal);
  EXPECT_EQ(internal->after->type, "internal");

  // OpenStack (os-vif) writes vm-uuid and a tap.
  ASSERT_EQ(vsctl("-- --may-exist add-port " + bridge_ + " " + tap_ + " -- set Interface " + tap_ +
                  " type=tap external-ids:iface-id=5a1e0000-0000-4000-8000-000000000002"
                  " external-ids:iface-status=active external-ids:attached-mac=fa:16:3e:00:00:02"
                  " external-ids:vm-uuid=7e570000-0000-4000-8000-000000000002"),
            0);
  auto openstack = next_change(tap_);
  ASSERT_TRUE(openstack);
  EXPECT_EQ(openstack->kind, PortChange::Kind::added);
  EXPECT_EQ(openstack->after->type, "tap");
  EXPECT_EQ(openstack->after->vm_id, "7e570000-0000-4000-8000-000000000002");
  EXPECT_EQ(openstack->after->attached_mac, wire::MacAddr::parse("fa:16:3e:00:00:02"));

  // The migration source marks the port inactive.
  ASSERT_EQ(vsctl("set Interface " + vnet_ + " external-ids:iface-status=inactive"), 0);
  auto inactive = next_change(vnet_);
  ASSERT_TRUE(inactive);
  EXPECT_EQ(inactive->kind, PortChange::Kind::changed);
  EXPECT_TRUE(inactive->before->active);
  EXPECT_FALSE(inactive->after->active);
  EXPECT_EQ(inactive->after->attached_mac, inactive->before->attached_mac);

  // The late ofport, written the way vswitchd writes it.
  ASSERT_EQ(run("ovsdb-client transact " + quoted(db()) + " " +
                quoted(R"(["Open_vSwitch",{"op":"update","table":"Interface","where":[["name","==",")" + vnet_ +
                       R"("]],"row":{"ofport":7,"mac_in_use":"fe:54:00:6a:00:01"}}])")),
            0);
  auto late = next_change(vnet_);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->kind, PortChange::Kind::changed);
  EXPECT_FALSE(late->before->ofport);
  EXPECT_EQ(late->after->ofport, 7u);
  EXPECT_EQ(late->after->mac_in_use, wire::MacAddr::parse("fe:54:00:6a:00:01"));

  // Home address and site for roam6, then a removal of one key.
  ASSERT_EQ(vsctl("set Interface " + vnet_ + " external-ids:roam6-home-address=2001:db8:a::10"
                  " external-ids:roam6-home-site=site-a"),
            0);
  auto home = next_change(vnet_);
  ASSERT_TRUE(home);
  EXPECT_EQ(home->after->home_address, wire::Ip6Addr::parse("2001:db8:a::10"));
  EXPECT_EQ(home->after->home_site, "site-a");
  ASSERT_EQ(vsctl("remove Interface " + vnet_ + " external-ids roam6-home-site"), 0);
  auto unsited = next_change(vnet_);
  ASSERT_TRUE(unsited);
  EXPECT_EQ(unsited->after->home_site, "");
  EXPECT_EQ(unsited->after->home_address, home->after->home_address);

  ASSERT_EQ(vsctl("del-port " + bridge_ + " " + vnet_), 0);
  auto removed = next_change(vnet_);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->kind, PortChange::Kind::removed);
  EXPECT_EQ(removed->before->ofport, 7u);

  run_for(io_, 100ms);
  EXPECT_TRUE(changes_.empty());
  EXPECT_EQ(monitor_->ports().size(), 2u);  // the bridge's internal port and the tap
  EXPECT_EQ(monitor_->counters().disconnects, 0u);
  EXPECT_EQ(monitor_->counters().rows_skipped, 0u);
}

TEST_F(OvsdbRealServerTest, GarbageExternalIdsAreSkippedWithTheirUuid) {
  ASSERT_EQ(add_libvirt_port(vnet_, "52:54:00:6a:00:01", "5a1e0000-0000-4000-8000-000000000001",
                             "7e570000-0000-4000-8000-000000000001"),
            0);
  ASSERT_EQ(add_libvirt_port(bad_, "52:54:00:zz:00:02", "5a1e0000-0000-4000-8000-000000000003",
                             "7e570000-0000-4000-8000-000000000003"),
            0);
  start_monitor();
  ASSERT_TRUE(next_change(vnet_));
  run_for(io_, 100ms);
  for (const auto& change : changes_) EXPECT_NE(change.after->name, bad_);
  const auto bad_uuid = interface_uuid(bad_);
  ASSERT_FALSE(bad_uuid.empty());
  EXPECT_TRUE(logged("ovsdb_row_skipped", "uuid=" + bad_uuid)) << bad_uuid;
  EXPECT_EQ(monitor_->counters().rows_skipped, 1u);

  // Repaired by the operator: it appears.
  ASSERT_EQ(vsctl("set Interface " + bad_ + " external-ids:attached-mac=52:54:00:6a:00:02"), 0);
  auto repaired = next_change(bad_);
  ASSERT_TRUE(repaired);
  EXPECT_EQ(repaired->kind, PortChange::Kind::added);
  EXPECT_EQ(repaired->after->uuid, bad_uuid);

  // An empty vm-id spoils a present port: removed.
  ASSERT_EQ(vsctl("set Interface " + vnet_ + " " + quoted("external-ids:vm-id=\"\"")), 0);
  auto spoiled = next_change(vnet_);
  ASSERT_TRUE(spoiled);
  EXPECT_EQ(spoiled->kind, PortChange::Kind::removed);
  EXPECT_EQ(monitor_->counters().rows_skipped, 2u);
  EXPECT_TRUE(monitor_->connected());
}

TEST_F(OvsdbRealServerTest, ServerRestartResynchronisesWithoutSpuriousChanges) {
  ASSERT_EQ(add_libvirt_port(vnet_, "52:54:00:6a:00:01", "5a1e0000-0000-4000-8000-000000000001",
                             "7e570000-0000-4000-8000-000000000001"),
            0);
  ASSERT_EQ(add_libvirt_port(tap_, "52:54:00:6a:00:02", "5a1e0000-0000-4000-8000-000000000002",
                             "7e570000-0000-4000-8000-000000000002"),
            0);
  start_monitor();
  ASSERT_TRUE(next_change(vnet_));
  ASSERT_TRUE(next_change(tap_));
  ASSERT_TRUE(next_change(bridge_));
  const auto before = monitor_->ports();

  // Killed and restarted with nothing changed: reconnect, resync, no changes.
  stop_server(SIGKILL);
  ASSERT_TRUE(run_until(io_, [&] { return !monitor_->connected(); }));
  start_server();
  ASSERT_TRUE(run_until(io_, [&] { return monitor_->connected(); }, 10s));
  run_for(io_, 200ms);
  EXPECT_TRUE(changes_.empty());
  EXPECT_EQ(monitor_->ports(), before);
  EXPECT_EQ(monitor_->counters().connects, 2u);
  EXPECT_EQ(monitor_->counters().disconnects, 1u);

  // A port deleted while the server was down (written to the database file
  // offline) is reported removed after the resync, and only it.
  const auto port_uuid = output_of("ovs-vsctl --db=" + quoted(db()) + " get Port " + tap_ + " _uuid");
  stop_server(SIGTERM);
  ASSERT_TRUE(run_until(io_, [&] { return !monitor_->connected(); }));
  std::string uuid_text = port_uuid;
  while (!uuid_text.empty() && (uuid_text.back() == '\n' || uuid_text.back() == ' ')) uuid_text.pop_back();
  ASSERT_EQ(run("ovsdb-tool transact " + quoted((dir_ / "conf.db").string()) + " " +
                quoted(R"(["Open_vSwitch",{"op":"mutate","table":"Bridge","where":[["name","==",")" + bridge_ +
                       R"("]],"mutations":[["ports","delete",["uuid",")" + uuid_text + R"("]]]}])")),
            0);
  start_server();
  auto removed = next_change(tap_);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->kind, PortChange::Kind::removed);
  run_for(io_, 200ms);
  EXPECT_TRUE(changes_.empty());
  EXPECT_EQ(monitor_->ports().size(), 2u);
  EXPECT_EQ(monitor_->counters().connects, 3u);
}

TEST_F(OvsdbRealServerTest, MonitorsOverTcp) {
  ASSERT_EQ(add_libvirt_port(vnet_, "52:54:00:6a:00:01", "5a1e0000-0000-4000-8000-000000000001",
                             "7e570000-0000-4000-8000-000000000001"),
            0);
  const auto port = tcp_port();
  ASSERT_NE(port, 0u) << "no ptcp port in the ovsdb-server log";
  start_monitor("tcp:127.0.0.1:" + std::to_string(port));
  auto added = next_change(vnet_);
  ASSERT_TRUE(added);
  EXPECT_EQ(added->after->attached_mac, wire::MacAddr::parse("52:54:00:6a:00:01"));
  ASSERT_EQ(vsctl("del-port " + bridge_ + " " + vnet_), 0);
  auto removed = next_change(vnet_);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->kind, PortChange::Kind::removed);
}

}  // namespace
}  // namespace roam6::vswitch::ovsdb
