// The real mip6d binary, as an operator runs it: --check-config on the
// shipped example and on a broken file, and (as root) a Home Agent inside a
// throw-away network namespace that takes a Binding Update, answers mip6ctl
// and stops cleanly on SIGTERM.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon_test_support.hpp"
#include "io_test_netns.hpp"
#include "mip6d/config/config_loader.hpp"
#include "mip6d/io/packet_socket_io.hpp"
#include "mip6d/signalling/ntp_timestamp.hpp"
#include "store_temp_dir.hpp"

extern char** environ;

namespace roam6::mip6d {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::run_command;
using test::TestNamespace;

const std::string kMip6d = MIP6D_PATH;
const std::string kMip6ctl = MIP6CTL_PATH;
const std::filesystem::path kSourceDir = ROAM6_SOURCE_DIR;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool holds(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(DaemonProcess, CheckConfigAcceptsTheShippedHomeAgentExample) {
  // Installed as docs/operations.md says: the secret file readable by its
  // owner only (git cannot record that mode).
  testing::StoreTempDir dir;
  std::filesystem::copy(kSourceDir / "docs/examples", dir.file("examples"),
                        std::filesystem::copy_options::recursive);
  const auto secret = dir.file("examples/secrets/site-b-hosts.hex");
  std::filesystem::permissions(secret, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const auto example = dir.file("examples/home-agent.toml");
  auto [status, output] = run_command(kMip6d + " --config " + example.string() + " --check-config");
  EXPECT_EQ(status, 0) << output;
  EXPECT_TRUE(holds(output, "node ha-a, role home-agent")) << output;
  EXPECT_TRUE(holds(output, "<redacted, 16 bytes>")) << output;

  // Readable by others, it is refused, as ssh refuses such a private key.
  std::filesystem::permissions(secret, std::filesystem::perms::group_read | std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  std::tie(status, output) = run_command(kMip6d + " --config " + example.string() + " --check-config");
  EXPECT_EQ(status, 1) << output;
  EXPECT_TRUE(holds(output, example.string() + ":48:15: keys[0].secret_file: secret file '" + secret.string() +
                                "' has mode 0644: readable by group, readable by others; a secret must be "
                                "accessible by its owner only: chmod 600 '" + secret.string() + "'"))
      << output;
}

TEST(DaemonProcess, CheckConfigNamesTheBrokenFieldAndExitsOne) {
  testing::StoreTempDir dir;
  const auto path = dir.file("broken.toml");
  std::ofstream(path) << R"(role = "home-agent"
node_name = "ha-broken"
[interfaces]
uplink = "eth0"
[home_agent]
address = "2001:db8:a::zz"
home_prefixes = ["2001:db8:a::/64"]
)";
  const auto [status, output] = run_command(kMip6d + " --config " + path.string() + " --check-config");
  EXPECT_EQ(status, 1) << output;
  EXPECT_TRUE(holds(output, path.string() + ":6:")) << output;
  EXPECT_TRUE(holds(output, "home_agent.address")) << output;
}

TEST(DaemonProcess, VersionHelpAndUsageErrors) {
  auto [status, output] = run_command(kMip6d + " --version");
  EXPECT_EQ(status, 0);
  EXPECT_EQ(output.rfind("mip6d ", 0), 0u) << output;
  std::tie(status, output) = run_command(kMip6d + " --help");
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(holds(output, "EXIT STATUS")) << output;
  std::tie(status, output) = run_command(kMip6d + " --config");
  EXPECT_EQ(status, 2);
  EXPECT_TRUE(holds(output, "--config needs a value")) << output;
}

// A child process that is killed and reaped however the test ends.
class ChildProcess {
 public:
  // Runs `argv` with stdout and stderr appended to `log_path`.
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& log_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int error = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) throw std::system_error(error, std::system_category(), "posix_spawnp " + argv[0]);
  }
  ~ChildProcess() {
    if (!status_) {
      ::kill(pid_, SIGKILL);
      int ignored = 0;
      ::waitpid(pid_, &ignored, 0);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  void signal(int number) const { ::kill(pid_, number); }

  // The raw wait status once it has exited; nullopt while it runs.
  std::optional<int> poll() {
    if (!status_) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
    }
    return status_;
  }
  std::optional<int> wait_for(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!poll() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    return status_;
  }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

std::string quote(const std::string& text) { return "'" + text + "'"; }

class DaemonInNamespaceTest : public ::testing::Test {
 protected:
  static constexpr const char* kDaemonLink = "ha0";
  static constexpr const char* kPeerLink = "rtr0";
  static constexpr const char* kDaemonMac = "02:00:00:00:0a:99";

  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: network namespaces and CAP_NET_RAW";
    TestNamespace::remove_leftovers();
    ns.emplace();
    ns->add_veth_pair(kDaemonLink, kPeerLink);
    test::must_run("ip -n " + ns->name() + " link set dev " + kDaemonLink + " address " + kDaemonMac);
    // The links were made after default.disable_ipv6=1; say so explicitly
    // for the one mip6d owns, as an operator's setup would.
    test::must_run("ip netns exec " + ns->name() + " sysctl -qw net.ipv6.conf." +
                   std::string(kDaemonLink) + ".disable_ipv6=1");
    socket = dir.file("mip6d.sock");
    database = dir.file("bindings.sqlite");
    log_file = dir.file("mip6d.log");
  }

  // The test body's daemons are gone by now (ChildProcess kills them
  // whatever happened); the namespace must go too.
  void TearDown() override {
    if (!ns) return;
    const std::string name = ns->name();
    ns.reset();
    EXPECT_FALSE(std::filesystem::exists("/run/netns/" + name)) << "namespace " << name << " left behind";
  }

  // A Home Agent on `uplink`; `control_socket` and `store` default to the
  // fixture's.
  std::filesystem::path write_config(const std::string& name, const std::string& uplink,
                                     std::optional<std::filesystem::path> control_socket = {},
                                     std::optional<std::filesystem::path> store = {}) {
    const auto path = dir.file(name);
    std::ofstream(path) << "role = \"home-agent\"\n"
                        << "node_name = \"ha-netns\"\n"
                        << "control_socket = \"" << control_socket.value_or(socket).string() << "\"\n"
                        << "log_level = \"debug\"\n"
                        << "[interfaces]\nuplink = \"" << uplink << "\"\n"
                        << "[home_agent]\naddress = \"2001:db8:a::1\"\n"
                        << "home_prefixes = [\"2001:db8:a::/64\"]\n"
                        << "database = \"" << store.value_or(database).string() << "\"\n"
                        << R"(
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
)";
    return path;
  }

  std::vector<std::string> daemon_argv(const std::filesystem::path& config) const {
    return {"ip", "netns", "exec", ns->name(), kMip6d, "--config", config.string(), "--foreground"};
  }

  std::pair<int, std::string> mip6ctl(const std::string& arguments) const {
    return run_command(kMip6ctl + " --socket " + quote(socket.string()) + " " + arguments);
  }
  json mip6ctl_json(const std::string& arguments) const {
    const auto [status, output] = mip6ctl("--json " + arguments);
    EXPECT_EQ(status, 0) << arguments << ": " << output;
    return json::parse(output, nullptr, false);
  }

  // Until mip6ctl gets an answer; false when the daemon died or took too long.
  bool wait_until_ready(ChildProcess& daemon) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (daemon.poll()) return false;
      if (std::filesystem::exists(socket) && mip6ctl("version").first == 0) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  testing::StoreTempDir dir;
  std::optional<TestNamespace> ns;
  std::filesystem::path socket;
  std::filesystem::path database;
  std::filesystem::path log_file;
};

TEST_F(DaemonInNamespaceTest, ServesMip6ctlTakesABindingAndStopsOnSigterm) {
  const auto config = write_config("ha.toml", kDaemonLink);
  std::optional<ChildProcess> daemon;
  daemon.emplace(daemon_argv(config), log_file);
  ASSERT_TRUE(wait_until_ready(*daemon)) << "mip6d did not come up:\n" << read_file(log_file);

  const auto [version_status, version_text] = mip6ctl("version");
  EXPECT_EQ(version_status, 0) << version_text;
  EXPECT_TRUE(holds(version_text, "home-agent")) << version_text;
  EXPECT_TRUE(holds(version_text, "ha-netns")) << version_text;
  EXPECT_EQ(mip6ctl_json("binding list"), json::parse(R"({"bindings": []})"));

  // A host at site-b registers 2001:db8:a::100 through the peer end.
  boost::asio::io_context io;
  auto peer = ns->run_inside([&] {
    return std::make_unique<PacketSocketIo>(io, PacketSocketInterfaces{kPeerLink, ""});
  });
  // The daemon's key names no algorithm: RFC 4285's HMAC-SHA1-96, the default.
  std::vector<Key> keys{Key{"site-b-hosts", 1001, AuthAlgorithm::hmac_sha1_96,
                            {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
                             0xbb, 0xcc, 0xdd, 0xee, 0xff}}};
  KeyRing host_keys(keys);
  BindingUpdateSpec spec;
  spec.care_of_address = *wire::Ip6Addr::parse("2001:db8:b::2");
  spec.home_agent = *wire::Ip6Addr::parse("2001:db8:a::1");
  spec.home_address = *wire::Ip6Addr::parse("2001:db8:a::100");
  spec.sequence = 42;
  spec.lifetime = 600s;
  spec.timestamp = to_ntp_timestamp(WallClock::now());
  const auto frame = test::binding_update_frame(
      {*wire::MacAddr::parse(kDaemonMac), peer->mac(Port::uplink), spec}, *host_keys.find(1001u));
  ASSERT_TRUE(peer->send(Port::uplink, frame));

  json bindings;
  for (int attempt = 0; attempt < 200; ++attempt) {
    bindings = mip6ctl_json("binding list");
    if (bindings.contains("bindings") && !bindings["bindings"].empty()) break;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(bindings["bindings"].size(), 1u) << bindings << "\n" << read_file(log_file);
  const json& binding = bindings["bindings"][0];
  EXPECT_EQ(binding["home_address"], "2001:db8:a::100");
  EXPECT_EQ(binding["care_of_address"], "2001:db8:b::2");
  EXPECT_EQ(binding["tunnel"], "2001:db8:b::2");
  EXPECT_EQ(binding["sequence"], 42);
  EXPECT_EQ(binding["key"], "site-b-hosts");
  EXPECT_GE(binding["lifetime"].get<int>(), 590);

  const json stats = mip6ctl_json("stats");
  EXPECT_EQ(stats["bu"]["accepted"], 1) << stats;
  EXPECT_EQ(stats["bindings"]["current"], 1);
  EXPECT_GE(stats["ports"]["uplink"]["rx"]["frames"].get<int>(), 1);
  EXPECT_GE(stats["ports"]["uplink"]["tx"]["frames"].get<int>(), 1);  // the BA
  EXPECT_TRUE(stats["control"]["connections"].is_number());

  // A second daemon on the same store (its own socket): refused with one
  // line, exit 1.
  const auto same_store = write_config("same-store.toml", kDaemonLink, dir.file("second.sock"));
  const auto [second_status, second_output] =
      run_command("ip netns exec " + ns->name() + " " + kMip6d + " --config " + same_store.string());
  EXPECT_EQ(second_status, 1) << second_output;
  EXPECT_TRUE(holds(second_output, "locked")) << second_output;
  EXPECT_TRUE(holds(second_output, same_store.string() + ":10:12: home_agent.database: cannot open the binding store"))
      << second_output;
  EXPECT_EQ(std::count(second_output.begin(), second_output.end(), '\n'), 1) << second_output;

  // SIGHUP re-reads the (unchanged) file and changes nothing.
  daemon->signal(SIGHUP);
  for (int attempt = 0; attempt < 200 && !holds(read_file(log_file), "config_reloaded"); ++attempt)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(mip6ctl("version").first, 0);

  daemon->signal(SIGTERM);
  const auto status = daemon->wait_for(10s);
  ASSERT_TRUE(status) << "mip6d did not stop on SIGTERM:\n" << read_file(log_file);
  EXPECT_TRUE(WIFEXITED(*status)) << *status;
  EXPECT_EQ(WEXITSTATUS(*status), 0) << read_file(log_file);
  EXPECT_FALSE(std::filesystem::exists(socket)) << "the control socket was left behind";

  const std::string log = read_file(log_file);
  EXPECT_TRUE(holds(log, "started version=")) << log;
  EXPECT_TRUE(holds(log, "role=home-agent node=ha-netns uplink=ha0")) << log;
  EXPECT_TRUE(holds(log, "config_reload trigger=SIGHUP file=" + config.string())) << log;
  EXPECT_TRUE(holds(log, "config_reloaded file=" + config.string() + " applied=0 needs_restart=0")) << log;
  EXPECT_TRUE(holds(log, "store_batch_finished")) << log;
  EXPECT_TRUE(holds(log, "stopping reason=SIGTERM")) << log;
  EXPECT_TRUE(holds(log, "stopped exit_status=0")) << log;

  // The binding outlived the daemon: a new one restores it.
  daemon.emplace(daemon_argv(config), log_file);
  ASSERT_TRUE(wait_until_ready(*daemon)) << read_file(log_file);
  const json restored = mip6ctl_json("binding list");
  ASSERT_EQ(restored["bindings"].size(), 1u) << restored;
  EXPECT_EQ(restored["bindings"][0]["care_of_address"], "2001:db8:b::2");
  EXPECT_EQ(mip6ctl_json("stats")["bindings"]["restored"], 1);
  daemon->signal(SIGINT);
  const auto second = daemon->wait_for(10s);
  ASSERT_TRUE(second);
  EXPECT_TRUE(WIFEXITED(*second) && WEXITSTATUS(*second) == 0) << read_file(log_file);
}

TEST_F(DaemonInNamespaceTest, MissingInterfaceIsOneLineAndExitOne) {
  const auto config = write_config("ha.toml", "nosuch0");
  const auto [status, output] =
      run_command("ip netns exec " + ns->name() + " " + kMip6d + " --config " + config.string());
  EXPECT_EQ(status, 1) << output;
  EXPECT_TRUE(holds(output, "mip6d: " + config.string() + ":6:10: interfaces.uplink: ")) << output;
  EXPECT_TRUE(holds(output, "nosuch0")) << output;
  EXPECT_EQ(output.rfind("mip6d: ", 0), 0u) << output;
  EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
  EXPECT_FALSE(std::filesystem::exists(socket));
}

TEST_F(DaemonInNamespaceTest, ControlSocketInUseIsRefused) {
  const auto config = write_config("ha.toml", kDaemonLink);
  ChildProcess first(daemon_argv(config), log_file);
  ASSERT_TRUE(wait_until_ready(first)) << read_file(log_file);
  // Another store, the same socket.
  const auto other = write_config("other.toml", kDaemonLink, socket, dir.file("other.sqlite"));
  const auto [status, output] =
      run_command("ip netns exec " + ns->name() + " " + kMip6d + " --config " + other.string());
  EXPECT_EQ(status, 1) << output;
  EXPECT_TRUE(holds(output, "mip6d: " + other.string() + ":3:18: control_socket: cannot open the control socket"))
      << output;
  EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
  // The first one is unharmed.
  EXPECT_EQ(mip6ctl("version").first, 0);
}

}  // namespace
}  // namespace roam6::mip6d
