// The optional [datapath] section: the DPDK datapath's settings, and how it
// replaces [interfaces].

#include <gtest/gtest.h>

#include <string>

#include "mip6d/config/config_describe.hpp"
#include "mip6d/config/config_loader.hpp"

namespace roam6::mip6d {
namespace {

const std::string kSitesAndKeys = R"(
[[sites]]
name = "site-a"
prefix = "2001:db8:a::/64"
home_agent = "2001:db8:a::1"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0a:01"
mtu = 1400

[[sites]]
name = "site-b"
prefix = "2001:db8:b::/64"
router_link_local = "fe80::b"
router_mac = "02:00:00:00:0b:01"
mtu = 9000

[[keys]]
name = "k"
spi = 256
secret_hex = "00112233445566778899aabbccddeeff"
)";

std::string host_with(const std::string& datapath, const std::string& interfaces = "") {
  return R"(role = "host"
node_name = "host-b1"
)" + interfaces + R"(
[host]
site = "site-b"
care_of_address = "2001:db8:b::2"
key = "k"
)" + datapath + kSitesAndKeys;
}

std::string home_agent_with(const std::string& datapath) {
  return R"(role = "home-agent"
node_name = "ha-a"
[home_agent]
address = "2001:db8:a::1"
home_prefixes = ["2001:db8:a::/64"]
)" + datapath + kSitesAndKeys;
}

const std::string kMinimalHostDatapath = R"(
[datapath]
uplink = "net_af_packet0,iface=veth1"
guests = "net_af_packet1,iface=veth2"
)";

::testing::AssertionResult HasOnlyError(const ConfigLoadResult& result, std::string_view path,
                                        std::string_view problem) {
  if (result.ok()) return ::testing::AssertionFailure() << "loaded without error";
  const auto& errors = result.errors();
  if (errors.size() != 1)
    return ::testing::AssertionFailure() << errors.size() << " errors:\n" << result.error_report();
  const ConfigError& e = errors.front();
  if (e.key_path != path || e.problem.find(problem) == std::string::npos)
    return ::testing::AssertionFailure()
           << "wanted '" << path << "' / '" << problem << "', got: " << e.to_string();
  return ::testing::AssertionSuccess();
}

TEST(ConfigDatapath, WithoutTheSectionThePacketSocketBackendStays) {
  const auto r = load_config_string(host_with("", "[interfaces]\nuplink = \"eth0\"\nguests = \"g0\"\n"),
                                    "t.toml");
  ASSERT_TRUE(r.ok()) << r.error_report();
  EXPECT_FALSE(r.config().datapath.has_value());
  EXPECT_EQ(r.config().interfaces.uplink, "eth0");
}

TEST(ConfigDatapath, HostReadsEveryKey) {
  const auto r = load_config_string(host_with(R"(
[datapath]
eal_args = ["-l", "2-5", "--file-prefix=x"]
uplink = "0000:03:00.0"
guests = "net_memif0,role=server"
workers = 3
mbufs = 65535
punt_ring = 4096
inject_ring = 512
poll = "adaptive"
adaptive_sleep_us = 250
max_bindings = 1000
hold_packets = 32
hold_guests = 8
hold_timeout_ms = 2000
packet_too_big_per_second = 50
packet_too_big_burst = 5
uplink_mtu = 1500
)"),
                                    "t.toml");
  ASSERT_TRUE(r.ok()) << r.error_report();
  ASSERT_TRUE(r.config().datapath.has_value());
  const DatapathConfig& d = *r.config().datapath;
  EXPECT_EQ(d.eal_args, (std::vector<std::string>{"-l", "2-5", "--file-prefix=x"}));
  EXPECT_EQ(d.uplink, "0000:03:00.0");
  EXPECT_EQ(d.guests, "net_memif0,role=server");
  EXPECT_EQ(d.workers, 3u);
  EXPECT_EQ(d.mbufs, 65535u);
  EXPECT_EQ(d.punt_ring, 4096u);
  EXPECT_EQ(d.inject_ring, 512u);
  EXPECT_EQ(d.poll, PollMode::adaptive);
  EXPECT_EQ(d.adaptive_sleep_us, 250u);
  EXPECT_EQ(d.max_bindings, 1000u);
  EXPECT_EQ(d.hold_packets, 32u);
  EXPECT_EQ(d.hold_guests, 8u);
  EXPECT_EQ(d.hold_timeout_ms, 2000u);
  EXPECT_EQ(d.packet_too_big_per_second, 50u);
  EXPECT_EQ(d.packet_too_big_burst, 5u);
  EXPECT_EQ(d.uplink_mtu, 1500u);
  EXPECT_TRUE(r.config().interfaces.uplink.empty());
  EXPECT_NE(describe_config(r.config()).find("datapath (DPDK): uplink 0000:03:00.0"),
            std::string::npos);
}

TEST(ConfigDatapath, DefaultEalArgumentsUseHugepagesOnlyWhenThereAreSome) {
  EXPECT_EQ(default_eal_args("host-b1", false),
            (std::vector<std::string>{"--no-huge", "-m", "1024", "--no-pci", "--no-telemetry", "-l", "0-1",
                                      "--file-prefix=roam6-host-b1"}));
  EXPECT_EQ(default_eal_args("ha-a", true),
            (std::vector<std::string>{"--no-pci", "--no-telemetry", "-l", "0-1", "--file-prefix=roam6-ha-a"}));
}

TEST(ConfigDatapath, DefaultsFollowTheNodeAndItsSite) {
  const auto h = load_config_string(host_with(kMinimalHostDatapath), "t.toml");
  ASSERT_TRUE(h.ok()) << h.error_report();
  const DatapathConfig& d = *h.config().datapath;
  // Hugepages when the machine has them, ordinary memory otherwise.
  EXPECT_EQ(d.eal_args, default_eal_args("host-b1", hugepages_available()));
  EXPECT_EQ(d.workers, 1u);
  EXPECT_EQ(d.mbufs, 16383u);
  EXPECT_EQ(d.punt_ring, 1024u);
  EXPECT_EQ(d.inject_ring, 1024u);
  EXPECT_EQ(d.poll, PollMode::busy);
  EXPECT_EQ(d.max_bindings, 65536u);  // guests on one host
  EXPECT_EQ(d.hold_packets, 256u);
  EXPECT_EQ(d.hold_timeout_ms, 5000u);
  EXPECT_EQ(d.uplink_mtu, 9000u);  // the host's site, site-b

  const auto a = load_config_string(home_agent_with("[datapath]\nuplink = \"net_ring0\"\n"), "t.toml");
  ASSERT_TRUE(a.ok()) << a.error_report();
  EXPECT_EQ(a.config().datapath->max_bindings, 1u << 20);  // bindings at one HA
  EXPECT_EQ(a.config().datapath->uplink_mtu, 1400u);      // the HA's home site, site-a
  EXPECT_TRUE(a.config().datapath->guests.empty());
}

TEST(ConfigDatapath, InterfacesMayStayBesideTheDatapathAndAreCheckedAsUsual) {
  const auto r = load_config_string(
      host_with(kMinimalHostDatapath, "[interfaces]\nuplink = \"veth1\"\nguests = \"veth2\"\n"), "t.toml");
  ASSERT_TRUE(r.ok()) << r.error_report();
  EXPECT_TRUE(r.config().datapath.has_value());
  EXPECT_EQ(r.config().interfaces.uplink, "veth1");
  EXPECT_TRUE(HasOnlyError(
      load_config_string(host_with(kMinimalHostDatapath, "[interfaces]\nuplink = \"veth1\"\n"), "t.toml"),
      "interfaces.guests", "missing required key (the guest-facing interface)"));
}

TEST(ConfigDatapath, NeitherInterfacesNorDatapathIsAMissingSection) {
  const auto r = load_config_string(host_with(""), "t.toml");
  EXPECT_TRUE(HasOnlyError(r, "interfaces", "missing required key"));
}

TEST(ConfigDatapath, GuestsDeviceFollowsTheRole) {
  EXPECT_TRUE(HasOnlyError(load_config_string(host_with("[datapath]\nuplink = \"net_ring0\"\n"), "t.toml"),
                           "datapath.guests", "missing required key (the guest-facing DPDK device)"));
  EXPECT_TRUE(HasOnlyError(
      load_config_string(home_agent_with("[datapath]\nuplink = \"net_ring0\"\nguests = \"net_ring1\"\n"),
                         "t.toml"),
      "datapath.guests", "a Home Agent has no guest ports"));
  EXPECT_TRUE(HasOnlyError(
      load_config_string(
          host_with("[datapath]\nuplink = \"net_ring0,a=1\"\nguests = \"net_ring0\"\n"), "t.toml"),
      "datapath.guests", "the same DPDK port as datapath.uplink"));
}

TEST(ConfigDatapath, BadValuesNameTheKeyAndItsPosition) {
  std::string text = host_with(R"(
[datapath]
uplink = "net_ring0"
guests = "net_ring1"
poll = "sometimes"
)");
  auto r = load_config_string(text, "t.toml");
  ASSERT_TRUE(HasOnlyError(r, "datapath.poll", "unknown poll mode 'sometimes'"));
  ASSERT_TRUE(r.errors().front().position.has_value());
  EXPECT_EQ(r.errors().front().position->column, 8u);
  EXPECT_NE(r.errors().front().to_string().find("t.toml:"), std::string::npos);

  EXPECT_TRUE(HasOnlyError(
      load_config_string(host_with(kMinimalHostDatapath + "workers = 0\n"), "t.toml"),
      "datapath.workers", "must be between 1 and 64"));
  EXPECT_TRUE(HasOnlyError(
      load_config_string(host_with(kMinimalHostDatapath + "uplink_mtu = 1000\n"), "t.toml"),
      "datapath.uplink_mtu", "must be between 1280 and 9216"));
  EXPECT_TRUE(HasOnlyError(
      load_config_string(host_with(kMinimalHostDatapath + "mbufs = 10\n"), "t.toml"),
      "datapath.mbufs", "must be between"));
  EXPECT_TRUE(HasOnlyError(
      load_config_string(host_with(kMinimalHostDatapath + "eal_args = []\n"), "t.toml"),
      "datapath.eal_args", "must not be empty"));
  EXPECT_TRUE(HasOnlyError(
      load_config_string(host_with(kMinimalHostDatapath + "workrs = 2\n"), "t.toml"),
      "datapath.workrs", "unknown"));
  EXPECT_TRUE(HasOnlyError(
      load_config_string(host_with("[datapath]\nuplink = \"net_ring0, iface=x\"\nguests = \"net_ring1\"\n"),
                         "t.toml"),
      "datapath.uplink", "not a DPDK device"));
}

}  // namespace
}  // namespace roam6::mip6d
