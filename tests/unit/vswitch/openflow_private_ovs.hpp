#pragma once
// A private Open vSwitch for OpenFlow tests: ovsdb-server and the userspace
// ovs-vswitchd (datapath_type=netdev, no kernel module) from a temp run
// directory, never the system instance (/work/shared/ENVIRONMENT.md).
//
// ovs-vswitchd runs inside a throw-away network namespace, so the tap
// devices it creates (ovs-netdev, the bridge, internal ports) and leaves
// behind when it dies live there and vanish with the namespace: nothing
// leaks into the root namespace, and tests in parallel cannot collide on
// `ovs-netdev`. ovs-ofctl and ovs-appctl reach it through unix sockets in
// the run directory. Everything is torn down in the destructor, even when
// an assertion failed.

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "tests/unit/mip6d/io_test_netns.hpp"

namespace roam6::vswitch::test {

using mip6d::test::must_run;
using mip6d::test::run_command;
using mip6d::test::TestNamespace;

inline bool have_userspace_ovs() {
  return std::filesystem::exists("/usr/sbin/ovsdb-server") &&
         std::filesystem::exists("/usr/lib/openvswitch-switch/ovs-vswitchd") && ::geteuid() == 0;
}

class PrivateOvs {
 public:
  static constexpr const char* kVswitchd = "/usr/lib/openvswitch-switch/ovs-vswitchd";

  explicit PrivateOvs(std::string bridge = "br-r6of") : bridge_(std::move(bridge)) {
    remove_leftovers();
    std::string pattern = "/tmp/roam6-ofovs-" + std::to_string(::getpid()) + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    try {
      ns_.emplace();
      must_run(env() + "ovsdb-tool create " + dir_ + "/conf.db /usr/share/openvswitch/vswitch.ovsschema");
      must_run(env() + "ovsdb-server " + dir_ + "/conf.db --remote=punix:" + dir_ + "/db.sock --pidfile=" + dir_ +
               "/ovsdb-server.pid --unixctl=" + dir_ + "/ovsdb-server.ctl --log-file=" + dir_ +
               "/ovsdb-server.log --detach");
      vsctl("--no-wait init");
      start_vswitchd();
      vsctl("add-br " + bridge_ + " -- set bridge " + bridge_ + " datapath_type=netdev fail_mode=secure");
    } catch (...) {
      teardown();
      throw;
    }
  }
  ~PrivateOvs() { teardown(); }
  PrivateOvs(const PrivateOvs&) = delete;
  PrivateOvs& operator=(const PrivateOvs&) = delete;

  [[nodiscard]] const std::string& dir() const { return dir_; }
  [[nodiscard]] const std::string& bridge() const { return bridge_; }
  [[nodiscard]] const std::string& netns() const { return ns_->name(); }
  [[nodiscard]] const TestNamespace& ns() const { return *ns_; }
  [[nodiscard]] std::string target() const { return "unix:" + dir_ + "/" + bridge_ + ".mgmt"; }

  // A bound on a hung vswitchd, not a speed goal: creating a netdev bridge
  // took over 10 s once on 2 cores shared with QEMU guests and three OVS.
  std::string vsctl(const std::string& args) const {
    return must_run(env() + "ovs-vsctl --timeout=30 --db=unix:" + dir_ + "/db.sock " + args);
  }
  std::string ofctl(const std::string& args) const {
    return must_run("ovs-ofctl -O OpenFlow13 --no-names " + args);
  }
  std::string appctl(const std::string& args) const {
    return must_run("ovs-appctl -t " + dir_ + "/ovs-vswitchd.ctl " + args);
  }

  // An internal port (a tap inside the namespace) with the given ofport.
  std::uint32_t add_internal_port(const std::string& name, std::uint32_t ofport) {
    vsctl("add-port " + bridge_ + " " + name + " -- set interface " + name +
          " type=internal ofport_request=" + std::to_string(ofport));
    must_run("ip -n " + netns() + " link set dev " + name + " up");
    return this->ofport(name);
  }
  std::uint32_t ofport(const std::string& name) const {
    const auto text = vsctl("get interface " + name + " ofport");
    return static_cast<std::uint32_t>(std::stoul(text));
  }

  void start_vswitchd() {
    must_run(env() + "ip netns exec " + netns() + " " + kVswitchd + " unix:" + dir_ + "/db.sock --pidfile=" + dir_ +
             "/ovs-vswitchd.pid --unixctl=" + dir_ + "/ovs-vswitchd.ctl --log-file=" + dir_ +
             "/ovs-vswitchd.log --detach");
    vsctl("show");  // without --no-wait: returns once vswitchd has caught up
  }
  // SIGKILL, as a crash: no chance to clean anything up.
  void kill_vswitchd() { kill_pidfile(dir_ + "/ovs-vswitchd.pid"); }

  // The OpenFlow ports a packet described by `flow` is sent to, per
  // ofproto/trace; empty when it is dropped.
  struct Trace {
    std::set<std::uint32_t> outputs;
    std::string text;
  };
  Trace trace(const std::string& flow) const {
    Trace result;
    result.text = appctl("ofproto/trace " + bridge_ + " " + flow);
    std::istringstream lines(result.text);
    std::string line;
    std::optional<std::uint32_t> last;
    while (std::getline(lines, line)) {
      const auto start = line.find_first_not_of(' ');
      if (start == std::string::npos) continue;
      const std::string text = line.substr(start);
      if (text.rfind("output:", 0) == 0) {
        last = static_cast<std::uint32_t>(std::stoul(text.substr(7)));
        result.outputs.insert(*last);
      } else if (text.find("skipping output to input port") != std::string::npos && last) {
        result.outputs.erase(*last);
      }
    }
    return result;
  }

 private:
  std::string env() const {
    return "OVS_RUNDIR=" + dir_ + " OVS_DBDIR=" + dir_ + " OVS_LOGDIR=" + dir_ + " OVS_SYSCONFDIR=" + dir_ + " ";
  }
  // A crashed test run skips destructors: stop the OVS daemons of run
  // directories whose creating process is gone (their namespaces go with
  // TestNamespace::remove_leftovers). Runs still alive are left alone.
  static void remove_leftovers() {
    TestNamespace::remove_leftovers();
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/tmp", ec)) {
      const std::string name = entry.path().filename().string();
      constexpr std::string_view prefix = "roam6-ofovs-";
      if (name.rfind(prefix, 0) != 0) continue;
      pid_t owner = 0;
      try {
        owner = static_cast<pid_t>(std::stol(name.substr(prefix.size())));
      } catch (const std::exception&) {
        continue;
      }
      if (owner <= 0 || ::kill(owner, 0) == 0 || errno != ESRCH) continue;
      kill_pidfile(entry.path().string() + "/ovs-vswitchd.pid");
      kill_pidfile(entry.path().string() + "/ovsdb-server.pid");
      std::filesystem::remove_all(entry.path(), ec);
    }
  }
  static void kill_pidfile(const std::string& path) {
    std::ifstream in(path);
    pid_t pid = 0;
    if (!(in >> pid) || pid <= 1) return;
    if (::kill(pid, SIGKILL) != 0) return;
    for (int i = 0; i < 200 && ::kill(pid, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  void teardown() {
    if (dir_.empty()) return;
    kill_pidfile(dir_ + "/ovs-vswitchd.pid");
    kill_pidfile(dir_ + "/ovsdb-server.pid");
    ns_.reset();  // the taps vswitchd left behind go with the namespace
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }

  std::string bridge_;
  std::string dir_;
  std::optional<TestNamespace> ns_;
};

}  // namespace roam6::vswitch::test
