#include "mip6d/daemon/config_json.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "mip6d/config/config_loader.hpp"
#include "store_temp_dir.hpp"

namespace roam6::mip6d::daemon {
namespace {

using nlohmann::json;

constexpr const char* kInlineSecret = "8899aabbccddeeff0011223344556677";
constexpr const char* kFileSecret = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

class ConfigJsonTest : public ::testing::Test {
 protected:
  Config load(const std::string& toml) {
    std::ofstream(dir.file("secret.hex")) << kFileSecret << "\n";
    // A secret file must be the owner's alone, or the loader refuses it.
    std::filesystem::permissions(dir.file("secret.hex"), std::filesystem::perms::owner_read |
                                                             std::filesystem::perms::owner_write);
    const auto path = dir.file("mip6d.toml");
    std::ofstream(path) << toml;
    auto result = load_config_file(path.string());
    if (!result) throw std::runtime_error(result.error_report());
    return std::move(result).config();
  }
  testing::StoreTempDir dir;
};

constexpr const char* kHomeAgent = R"(
role = "home-agent"
node_name = "ha-a"
control_socket = "/run/roam6/test.sock"
[interfaces]
uplink = "eth0"
[home_agent]
address = "2001:db8:a::1"
home_prefixes = ["2001:db8:a::/64"]
max_lifetime = 1200
database = "/var/lib/roam6/test.sqlite"
durable_sync = true
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
mtu = 9000
[[keys]]
name = "inline"
spi = 1001
algorithm = "hmac-sha1-96"
secret_hex = "8899AABBCCDDEEFF0011223344556677"
[[keys]]
name = "from-file"
spi = 1002
secret_file = "secret.hex"
[[policy]]
key = "inline"
care_of_prefixes = ["2001:db8:b::/48"]
home_prefixes = ["2001:db8:a::/64"]
[[guests]]
name = "g1"
mac = "52:54:00:00:00:01"
home_address = "2001:db8:a::100"
home_site = "site-a"
)";

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

TEST_F(ConfigJsonTest, KeysShowEverythingButTheSecret) {
  const Config config = load(kHomeAgent);
  ASSERT_EQ(config.keys.size(), 2u);
  const json shown = config_to_json(config);
  const std::string text = lower(shown.dump());

  // Neither secret appears, in any case, nor any 8-byte run of it.
  for (const std::string& secret : {std::string(kInlineSecret), std::string(kFileSecret)}) {
    for (std::size_t at = 0; at + 16 <= secret.size(); at += 2) {
      EXPECT_EQ(text.find(secret.substr(at, 16)), std::string::npos)
          << "secret bytes from offset " << at / 2 << " in " << text;
    }
  }
  // The raw bytes as numbers would not be hex: nothing carries an array of
  // them either. Each key has exactly these members.
  ASSERT_EQ(shown["keys"].size(), 2u);
  for (const auto& key : shown["keys"]) {
    std::vector<std::string> members;
    for (const auto& item : key.items()) members.push_back(item.key());
    std::sort(members.begin(), members.end());
    EXPECT_EQ(members, (std::vector<std::string>{"algorithm", "name", "secret_bytes", "spi"}));
  }
  EXPECT_EQ(shown["keys"][0], json::parse(R"({"name": "inline", "spi": 1001,
      "algorithm": "hmac-sha1-96", "secret_bytes": 16})"));
  EXPECT_EQ(shown["keys"][1]["secret_bytes"], 32);
  EXPECT_EQ(shown["keys"][1]["algorithm"], "hmac-sha1-96");
}

TEST_F(ConfigJsonTest, HomeAgentOnEtcdShowsTheEtcdKeysInsteadOfTheDatabase) {
  std::string text = kHomeAgent;
  const auto from = text.find("database = ");
  const auto to = text.find("durable_sync = true\n") + std::string("durable_sync = true\n").size();
  ASSERT_NE(from, std::string::npos);
  text.replace(from, to - from, "store = \"etcd\"\netcd_endpoints = [\"http://127.0.0.1:2379\"]\n");
  const json ha = config_to_json(load(text))["home_agent"];
  EXPECT_EQ(ha["store"], "etcd");
  EXPECT_EQ(ha["etcd_endpoints"], json::parse(R"(["127.0.0.1:2379"])"));
  EXPECT_EQ(ha["etcd_prefix"], "/roam6");
  EXPECT_EQ(ha["etcd_timeout_ms"], 500);
  EXPECT_EQ(ha["etcd_txn_ops"], 128);
  EXPECT_EQ(ha["leader_election"], false);
  EXPECT_EQ(ha["leader_lease_ttl"], 2);
  EXPECT_EQ(ha["leader_priority"], 100);
  EXPECT_EQ(ha["leader_preempt"], true);
  EXPECT_FALSE(ha.contains("database"));
  EXPECT_FALSE(ha.contains("durable_sync"));
}

TEST_F(ConfigJsonTest, HomeAgentConfigurationInFull) {
  const json shown = config_to_json(load(kHomeAgent));
  EXPECT_EQ(shown["role"], "home-agent");
  EXPECT_EQ(shown["node_name"], "ha-a");
  EXPECT_EQ(shown["control_socket"], "/run/roam6/test.sock");
  EXPECT_EQ(shown["log_level"], "info");
  EXPECT_EQ(shown["interfaces"], json::parse(R"({"uplink": "eth0"})"));
  EXPECT_EQ(shown["home_agent"], json::parse(R"({"address": "2001:db8:a::1",
      "home_prefixes": ["2001:db8:a::/64"], "max_lifetime": 1200,
      "store": "sqlite", "database": "/var/lib/roam6/test.sqlite", "replay_window": 7, "replay_memory_limit": 1048576,
      "durable_sync": true, "hand_over_forwarding": false})"));
  EXPECT_FALSE(shown.contains("host"));
  ASSERT_EQ(shown["sites"].size(), 2u);
  EXPECT_EQ(shown["sites"][0]["home_agent"], "2001:db8:a::1");
  EXPECT_TRUE(shown["sites"][1]["home_agent"].is_null());
  EXPECT_EQ(shown["sites"][1]["mtu"], 9000);
  EXPECT_EQ(shown["sites"][1]["router_mac"], "02:00:00:00:0b:01");
  EXPECT_EQ(shown["policy"][0]["care_of_prefixes"], json::parse(R"(["2001:db8:b::/48"])"));
  EXPECT_EQ(shown["guests"][0], json::parse(R"({"name": "g1", "mac": "52:54:00:00:00:01",
      "home_address": "2001:db8:a::100", "home_site": "site-a"})"));
  EXPECT_EQ(shown["source"], dir.file("mip6d.toml").string());
}

TEST_F(ConfigJsonTest, HostSection) {
  const json shown = config_to_json(load(R"(
role = "host"
node_name = "host-b1"
[interfaces]
uplink = "eth0"
guests = "guests0"
[host]
site = "site-b"
care_of_address = "2001:db8:b::2"
key = "k"
[[sites]]
name = "site-b"
prefix = "2001:db8:b::/64"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0b:01"
[[keys]]
name = "k"
spi = 1001
secret_file = "secret.hex"
)"));
  EXPECT_EQ(shown["role"], "host");
  EXPECT_EQ(shown["interfaces"]["guests"], "guests0");
  EXPECT_EQ(shown["host"], json::parse(R"({"site": "site-b", "care_of_address": "2001:db8:b::2",
      "key": "k", "requested_lifetime": 600, "replay_window": 7, "learned_addresses": 0})"));
  EXPECT_FALSE(shown.contains("home_agent"));
}

}  // namespace
}  // namespace roam6::mip6d::daemon
