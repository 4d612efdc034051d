#include "mip6d/config/config_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "mip6d/config/config_describe.hpp"

namespace roam6::mip6d {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// --- Test documents -------------------------------------------------------
// A document is kept as sections so a test can drop or edit one of them.
struct Doc {
  std::string top, interfaces, host, home_agent, sites, keys, policy, guests;

  [[nodiscard]] std::string text() const {
    return top + "\n" + interfaces + "\n" + host + "\n" + home_agent + "\n" + sites + "\n" + keys +
           "\n" + policy + "\n" + guests;
  }
};

// Every optional key is set to something other than its default, so the
// "every field" tests can tell a read value from a default.
const std::string kSites = R"(
[[sites]]
name = "site-a"
prefix = "2001:db8:a::/64"
home_agent = "2001:db8:a::1"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0a:01"
mtu = 1500

[[sites]]
name = "site-b"
prefix = "2001:db8:b::/64"
router_link_local = "fe80::b"
router_mac = "02:00:00:00:0b:01"
mtu = 9000
)";

const std::string kKeys = R"(
[[keys]]
name = "site-b-hosts"
spi = 1001
algorithm = "hmac-sha1-96"
secret_hex = "00112233445566778899AABBCCDDEEFF"

[[keys]]
name = "site-c-hosts"
spi = 4294967295
algorithm = "hmac-sha256"
secret_hex = "ffeeddccbbaa99887766554433221100ff"
)";

const std::string kPolicy = R"(
[[policy]]
key = "site-b-hosts"
care_of_prefixes = ["2001:db8:b::/48", "2001:db8:bb::/48"]
home_prefixes = ["2001:db8:a::/64"]
)";

const std::string kGuests = R"(
[[guests]]
name = "g1"
mac = "52:54:00:00:00:01"
home_address = "2001:db8:a::100"
home_site = "site-a"

[[guests]]
name = "g2"
mac = "52:54:00:00:00:02"
home_address = "2001:db8:a::101"
home_site = "site-a"
)";

Doc host_doc() {
  Doc d;
  d.top = R"(role = "host"
node_name = "host-b1"
control_socket = "/run/test/mip6d.sock"
log_level = "debug"
)";
  d.interfaces = R"([interfaces]
uplink = "eth1"
guests = "guests0"
)";
  d.host = R"([host]
site = "site-b"
care_of_address = "2001:db8:b::2"
key = "site-b-hosts"
requested_lifetime = 1200
)";
  d.sites = kSites;
  d.keys = kKeys;
  d.policy = kPolicy;
  d.guests = kGuests;
  return d;
}

Doc home_agent_doc() {
  Doc d;
  d.top = R"(role = "home-agent"
node_name = "ha-a"
control_socket = "/run/test/mip6d.sock"
log_level = "warning"
)";
  d.interfaces = R"([interfaces]
uplink = "eth0"
)";
  d.home_agent = R"([home_agent]
address = "2001:db8:a::1"
home_prefixes = ["2001:db8:aa::/64", "2001:db8:a::/64"]
max_lifetime = 7200
database = "/var/lib/test/bindings.sqlite"
replay_window = 10
durable_sync = true
)";
  d.sites = kSites;
  d.keys = kKeys;
  d.policy = kPolicy;
  d.guests = kGuests;
  return d;
}

// Replaces the first `from` in `section`; a test whose edit does not apply
// fails instead of silently testing the unedited document.
void edit(std::string& section, std::string_view from, std::string_view to) {
  const auto at = section.find(from);
  if (at == std::string::npos) {
    ADD_FAILURE() << "test setup: '" << from << "' not found in:\n" << section;
    return;
  }
  section.replace(at, from.size(), to);
}

// The Home Agent document on etcd: its SQLite keys replaced by store =
// "etcd" and `etcd_keys`.
void use_etcd(Doc& d, std::string_view etcd_keys) {
  edit(d.home_agent, "database = \"/var/lib/test/bindings.sqlite\"\n", "store = \"etcd\"\n");
  edit(d.home_agent, "durable_sync = true\n", etcd_keys);
}

ConfigLoadResult load(const Doc& doc) { return load_config_string(doc.text(), "test.toml"); }

::testing::AssertionResult HasOnlyError(const ConfigLoadResult& result, std::string_view path,
                                        std::string_view problem) {
  if (result.ok()) return ::testing::AssertionFailure() << "loaded without error";
  const auto& errors = result.errors();
  if (errors.size() != 1)
    return ::testing::AssertionFailure() << errors.size() << " errors:\n" << result.error_report();
  const ConfigError& e = errors.front();
  if (e.key_path != path || e.problem.find(problem) == std::string::npos || e.file != "test.toml")
    return ::testing::AssertionFailure()
           << "wanted '" << path << "' / '" << problem << "', got: " << e.to_string();
  return ::testing::AssertionSuccess();
}

// 1-based line and column of the first `needle` in `text` (ASCII test text,
// so bytes are code points).
SourcePosition position_in(const std::string& text, std::string_view needle) {
  const auto at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  const auto line_start = text.rfind('\n', at);
  const auto column = line_start == std::string::npos ? at + 1 : at - line_start;
  const auto line =
      1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
  return SourcePosition{static_cast<std::uint32_t>(line), static_cast<std::uint32_t>(column)};
}

// A fresh directory under $TMPDIR, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "roam6-config-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const fs::path& path() const { return path_; }
  // Mode 0600 unless told otherwise: secret files must be (see
  // SecretFileOthersCanReachIsRefused).
  void write(const fs::path& relative, const std::string& content,
             fs::perms mode = fs::perms::owner_read | fs::perms::owner_write) const {
    fs::create_directories((path_ / relative).parent_path());
    std::ofstream(path_ / relative) << content;
    fs::permissions(path_ / relative, mode);
  }

 private:
  fs::path path_;
};

fs::path source_tree() {
#ifdef ROAM6_SOURCE_DIR
  return ROAM6_SOURCE_DIR;
#else
  // This file is tests/unit/mip6d/config_loader_test.cpp. (__FILE__ is
  // relative to the build directory when ccache's CCACHE_BASEDIR rewrites
  // it, hence ROAM6_SOURCE_DIR first.)
  return fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
#endif
}

// --- Valid documents --------------------------------------------------------

TEST(ConfigLoader, HostConfigLoadsEveryField) {
  const auto result = load(host_doc());
  ASSERT_TRUE(result.ok()) << result.error_report();
  const Config& c = result.config();
  EXPECT_EQ(c.source, "test.toml");
  EXPECT_EQ(c.role, Role::host);
  EXPECT_EQ(c.node_name, "host-b1");
  EXPECT_EQ(c.control_socket, "/run/test/mip6d.sock");
  EXPECT_EQ(c.log_level, LogLevel::debug);
  EXPECT_EQ(c.interfaces.uplink, "eth1");
  EXPECT_EQ(c.interfaces.guests, "guests0");
  EXPECT_FALSE(c.home_agent.has_value());
  ASSERT_TRUE(c.host.has_value());
  EXPECT_EQ(c.host->site, "site-b");
  EXPECT_EQ(c.host->care_of_address, *Ip6Addr::parse("2001:db8:b::2"));
  EXPECT_EQ(c.host->key, "site-b-hosts");
  EXPECT_EQ(c.host->requested_lifetime, 1200s);

  ASSERT_EQ(c.sites.size(), 2u);
  EXPECT_EQ(c.sites[0].name, "site-a");
  EXPECT_EQ(c.sites[0].prefix, *Ip6Prefix::parse("2001:db8:a::/64"));
  EXPECT_EQ(c.sites[0].home_agent, Ip6Addr::parse("2001:db8:a::1"));
  EXPECT_EQ(c.sites[0].router_link_local, *Ip6Addr::parse("fe80::1"));
  EXPECT_EQ(c.sites[0].router_mac, *MacAddr::parse("02:00:00:00:0a:01"));
  EXPECT_EQ(c.sites[0].mtu, 1500u);
  EXPECT_EQ(c.sites[1].name, "site-b");
  EXPECT_EQ(c.sites[1].prefix, *Ip6Prefix::parse("2001:db8:b::/64"));
  EXPECT_FALSE(c.sites[1].home_agent.has_value());
  EXPECT_EQ(c.sites[1].router_link_local, *Ip6Addr::parse("fe80::b"));
  EXPECT_EQ(c.sites[1].router_mac, *MacAddr::parse("02:00:00:00:0b:01"));
  EXPECT_EQ(c.sites[1].mtu, 9000u);

  ASSERT_EQ(c.keys.size(), 2u);
  EXPECT_EQ(c.keys[0].name, "site-b-hosts");
  EXPECT_EQ(c.keys[0].spi, 1001u);
  EXPECT_EQ(c.keys[0].algorithm, AuthAlgorithm::hmac_sha1_96);
  EXPECT_EQ(c.keys[0].secret,
            (std::vector<std::uint8_t>{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
                                       0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}));
  EXPECT_EQ(c.keys[1].name, "site-c-hosts");
  EXPECT_EQ(c.keys[1].spi, 4294967295u);
  EXPECT_EQ(c.keys[1].algorithm, AuthAlgorithm::hmac_sha256);
  EXPECT_EQ(c.keys[1].secret.size(), 17u);
  EXPECT_EQ(c.keys[1].secret.front(), 0xff);
  EXPECT_EQ(c.keys[1].secret.back(), 0xff);

  ASSERT_EQ(c.policy.size(), 1u);
  EXPECT_EQ(c.policy[0].key, "site-b-hosts");
  EXPECT_EQ(c.policy[0].care_of_prefixes,
            (std::vector<Ip6Prefix>{*Ip6Prefix::parse("2001:db8:b::/48"),
                                    *Ip6Prefix::parse("2001:db8:bb::/48")}));
  EXPECT_EQ(c.policy[0].home_prefixes,
            (std::vector<Ip6Prefix>{*Ip6Prefix::parse("2001:db8:a::/64")}));

  ASSERT_EQ(c.guests.size(), 2u);
  EXPECT_EQ(c.guests[0].name, "g1");
  EXPECT_EQ(c.guests[0].mac, *MacAddr::parse("52:54:00:00:00:01"));
  EXPECT_EQ(c.guests[0].home_address, *Ip6Addr::parse("2001:db8:a::100"));
  EXPECT_EQ(c.guests[0].home_site, "site-a");
  EXPECT_EQ(c.guests[1].name, "g2");
  EXPECT_EQ(c.guests[1].mac, *MacAddr::parse("52:54:00:00:00:02"));
  EXPECT_EQ(c.guests[1].home_address, *Ip6Addr::parse("2001:db8:a::101"));
}

TEST(ConfigLoader, HomeAgentConfigLoadsEveryField) {
  const auto result = load(home_agent_doc());
  ASSERT_TRUE(result.ok()) << result.error_report();
  const Config& c = result.config();
  EXPECT_EQ(c.role, Role::home_agent);
  EXPECT_EQ(c.node_name, "ha-a");
  EXPECT_EQ(c.control_socket, "/run/test/mip6d.sock");
  EXPECT_EQ(c.log_level, LogLevel::warning);
  EXPECT_EQ(c.interfaces.uplink, "eth0");
  EXPECT_EQ(c.interfaces.guests, "");
  EXPECT_FALSE(c.host.has_value());
  ASSERT_TRUE(c.home_agent.has_value());
  EXPECT_EQ(c.home_agent->address, *Ip6Addr::parse("2001:db8:a::1"));
  EXPECT_EQ(c.home_agent->home_prefixes,
            (std::vector<Ip6Prefix>{*Ip6Prefix::parse("2001:db8:aa::/64"),
                                    *Ip6Prefix::parse("2001:db8:a::/64")}));
  EXPECT_EQ(c.home_agent->max_lifetime, 7200s);
  EXPECT_EQ(c.home_agent->database, "/var/lib/test/bindings.sqlite");
  EXPECT_EQ(c.home_agent->replay_window, 10s);
  EXPECT_TRUE(c.home_agent->durable_sync);
  EXPECT_EQ(c.sites.size(), 2u);
  EXPECT_EQ(c.keys.size(), 2u);
  EXPECT_EQ(c.policy.size(), 1u);
  EXPECT_EQ(c.guests.size(), 2u);
}

TEST(ConfigLoader, AbsentOptionalKeysTakeTheirDefaults) {
  const std::string host = R"(
role = "host"
node_name = "h"
[interfaces]
uplink = "eth0"
guests = "guests0"
[host]
site = "s"
care_of_address = "2001:db8:b::2"
key = "k"
[[sites]]
name = "s"
prefix = "2001:db8:b::/64"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0b:01"
[[keys]]
name = "k"
spi = 256
secret_hex = "00112233445566778899aabbccddeeff"
)";
  const auto h = load_config_string(host, "host.toml");
  ASSERT_TRUE(h.ok()) << h.error_report();
  EXPECT_EQ(h.config().control_socket, "/run/roam6/mip6d.sock");
  EXPECT_EQ(h.config().log_level, LogLevel::info);
  EXPECT_EQ(h.config().error_messages_per_second, 10u);
  EXPECT_EQ(h.config().error_messages_burst, 10u);
  EXPECT_EQ(h.config().host->requested_lifetime, 600s);
  EXPECT_EQ(h.config().sites[0].mtu, 1500u);
  // RFC 4285 5.1: HMAC-SHA1-96 is the MN-HA algorithm every Home Agent speaks.
  EXPECT_EQ(h.config().keys[0].algorithm, AuthAlgorithm::hmac_sha1_96);
  EXPECT_TRUE(h.config().policy.empty());
  EXPECT_TRUE(h.config().guests.empty());

  const std::string ha = R"(
role = "home-agent"
node_name = "ha"
[interfaces]
uplink = "eth0"
[home_agent]
address = "2001:db8:a::1"
home_prefixes = ["2001:db8:a::/64"]
)";
  const auto a = load_config_string(ha, "ha.toml");
  ASSERT_TRUE(a.ok()) << a.error_report();
  EXPECT_EQ(a.config().home_agent->max_lifetime, 3600s);
  EXPECT_EQ(a.config().home_agent->database, "/var/lib/roam6/bindings.sqlite");
  EXPECT_EQ(a.config().home_agent->replay_window, 7s);
  EXPECT_FALSE(a.config().home_agent->durable_sync);
}

TEST(ConfigLoader, EtcdStoreReadsEveryKeyAndDefaults) {
  Doc d = home_agent_doc();
  use_etcd(d, "etcd_endpoints = [\"http://10.0.0.1:2379\", \"http://[2001:db8::e]:2379/\"]\n"
              "etcd_prefix = \"/roam6/home-a\"\netcd_timeout_ms = 250\netcd_txn_ops = 1024\n"
              "leader_election = true\nleader_lease_ttl = 1\nleader_priority = 200\nleader_preempt = false\n");
  const auto loaded = load_config_string(d.text(), "ha.toml");
  ASSERT_TRUE(loaded.ok()) << loaded.error_report();
  const HomeAgentConfig& ha = *loaded.config().home_agent;
  EXPECT_EQ(ha.store, StoreKind::etcd);
  EXPECT_EQ(ha.etcd.endpoints, (std::vector<std::string>{"10.0.0.1:2379", "[2001:db8::e]:2379"}));
  EXPECT_EQ(ha.etcd.prefix, "/roam6/home-a");
  EXPECT_EQ(ha.etcd.timeout, 250ms);
  EXPECT_EQ(ha.etcd.txn_ops, 1024u);
  EXPECT_TRUE(ha.leader_election);
  EXPECT_EQ(ha.leader_lease_ttl, 1s);
  EXPECT_EQ(ha.leader_priority, 200);
  EXPECT_FALSE(ha.leader_preempt);

  Doc plain = home_agent_doc();
  use_etcd(plain, "etcd_endpoints = [\"http://127.0.0.1:2379\"]\n");
  const auto defaults = load_config_string(plain.text(), "ha.toml");
  ASSERT_TRUE(defaults.ok()) << defaults.error_report();
  EXPECT_EQ(defaults.config().home_agent->etcd.prefix, "/roam6");
  EXPECT_EQ(defaults.config().home_agent->etcd.timeout, 500ms);
  EXPECT_EQ(defaults.config().home_agent->etcd.txn_ops, 128u);
  EXPECT_FALSE(defaults.config().home_agent->leader_election);
  EXPECT_EQ(defaults.config().home_agent->leader_lease_ttl, 2s);
  EXPECT_EQ(defaults.config().home_agent->leader_priority, 100);
  EXPECT_TRUE(defaults.config().home_agent->leader_preempt);
}

TEST(ConfigLoader, ErrorMessageRateLimit) {
  Doc d = home_agent_doc();
  d.top += "error_messages_per_second = 1000000\nerror_messages_burst = 1\n";
  const auto r = load(d);
  ASSERT_TRUE(r.ok()) << r.error_report();
  EXPECT_EQ(r.config().error_messages_per_second, 1000000u);
  EXPECT_EQ(r.config().error_messages_burst, 1u);
}

TEST(ConfigLoader, LifetimeLimitsAreInclusive) {
  Doc d = host_doc();
  edit(d.host, "requested_lifetime = 1200", "requested_lifetime = 4");
  const auto shortest = load(d);
  ASSERT_TRUE(shortest.ok()) << shortest.error_report();
  EXPECT_EQ(shortest.config().host->requested_lifetime, 4s);

  Doc a = home_agent_doc();
  edit(a.home_agent, "max_lifetime = 7200", "max_lifetime = 262140");
  const auto longest = load(a);
  ASSERT_TRUE(longest.ok()) << longest.error_report();
  EXPECT_EQ(longest.config().home_agent->max_lifetime, limits::max_binding_lifetime);
}

TEST(ConfigLoader, LookupsFindByNameSpiMacAndAddress) {
  const auto result = load(host_doc());
  ASSERT_TRUE(result.ok()) << result.error_report();
  const Config& c = result.config();
  ASSERT_NE(c.find_site("site-b"), nullptr);
  EXPECT_EQ(c.find_site("site-b")->mtu, 9000u);
  EXPECT_EQ(c.find_site("site-z"), nullptr);
  ASSERT_NE(c.find_site_containing(*Ip6Addr::parse("2001:db8:a::77")), nullptr);
  EXPECT_EQ(c.find_site_containing(*Ip6Addr::parse("2001:db8:a::77"))->name, "site-a");
  EXPECT_EQ(c.find_site_containing(*Ip6Addr::parse("2001:db8:f::1")), nullptr);
  ASSERT_NE(c.find_key("site-c-hosts"), nullptr);
  EXPECT_EQ(c.find_key("site-c-hosts")->spi, 4294967295u);
  EXPECT_EQ(c.find_key("nope"), nullptr);
  ASSERT_NE(c.find_key(1001u), nullptr);
  EXPECT_EQ(c.find_key(1001u)->name, "site-b-hosts");
  EXPECT_EQ(c.find_key(1000u), nullptr);
  ASSERT_NE(c.find_guest("g2"), nullptr);
  EXPECT_EQ(c.find_guest("g2")->home_address, *Ip6Addr::parse("2001:db8:a::101"));
  EXPECT_EQ(c.find_guest("g3"), nullptr);
  ASSERT_NE(c.find_guest(*MacAddr::parse("52:54:00:00:00:01")), nullptr);
  EXPECT_EQ(c.find_guest(*MacAddr::parse("52:54:00:00:00:01"))->name, "g1");
  EXPECT_EQ(c.find_guest(*MacAddr::parse("52:54:00:00:00:09")), nullptr);
  ASSERT_NE(c.find_guest_by_home_address(*Ip6Addr::parse("2001:db8:a::101")), nullptr);
  EXPECT_EQ(c.find_guest_by_home_address(*Ip6Addr::parse("2001:db8:a::101"))->name, "g2");
  EXPECT_EQ(c.find_guest_by_home_address(*Ip6Addr::parse("2001:db8:a::102")), nullptr);
}

TEST(ConfigLoader, EnumSpellingsRoundTrip) {
  for (Role r : {Role::home_agent, Role::host}) EXPECT_EQ(parse_role(to_string(r)), r);
  for (AuthAlgorithm a : {AuthAlgorithm::hmac_sha256, AuthAlgorithm::hmac_sha1_96})
    EXPECT_EQ(parse_auth_algorithm(to_string(a)), a);
  for (LogLevel l : {LogLevel::error, LogLevel::warning, LogLevel::info, LogLevel::debug})
    EXPECT_EQ(parse_log_level(to_string(l)), l);
  EXPECT_EQ(parse_role("home_agent"), std::nullopt);
  EXPECT_EQ(to_string(Role::home_agent), "home-agent");
}

TEST(ConfigLoader, ExampleFilesLoad) {
  // As installed (docs/operations.md): the secret file readable by root
  // only, which git cannot record.
  TempDir dir;
  fs::copy(source_tree() / "docs" / "examples", dir.path() / "examples", fs::copy_options::recursive);
  const fs::path examples = dir.path() / "examples";
  fs::permissions(examples / "secrets" / "site-b-hosts.hex", fs::perms::owner_read | fs::perms::owner_write);
  const auto ha = load_config_file((examples / "home-agent.toml").string());
  ASSERT_TRUE(ha.ok()) << ha.error_report();
  EXPECT_EQ(ha.config().role, Role::home_agent);
  const auto host = load_config_file((examples / "host.toml").string());
  ASSERT_TRUE(host.ok()) << host.error_report();
  EXPECT_EQ(host.config().role, Role::host);
  // The two ends must agree on the key: the HA reads it from a file, the host
  // has it inline.
  const Key* ha_key = ha.config().find_key("site-b-hosts");
  const Key* host_key = host.config().find_key(host.config().host->key);
  ASSERT_NE(ha_key, nullptr);
  ASSERT_NE(host_key, nullptr);
  EXPECT_EQ(ha_key->spi, host_key->spi);
  EXPECT_EQ(ha_key->secret, host_key->secret);
  EXPECT_EQ(ha_key->algorithm, host_key->algorithm);
}

TEST(ConfigLoader, DescribeConfigSummarisesWithoutSecrets) {
  const auto result = load(home_agent_doc());
  ASSERT_TRUE(result.ok()) << result.error_report();
  const std::string text = describe_config(result.config());
  EXPECT_THAT(text, ::testing::HasSubstr("ha-a"));
  EXPECT_THAT(text, ::testing::HasSubstr("2001:db8:aa::/64"));
  EXPECT_THAT(text, ::testing::HasSubstr("52:54:00:00:00:02"));
  EXPECT_THAT(text, ::testing::HasSubstr("<redacted, 16 bytes>"));
  EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("ccddeeff")));
  EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("CCDDEEFF")));
}

// --- One rule, one error ----------------------------------------------------

enum class Base { host, home_agent };

struct RuleCase {
  const char* name;
  Base base;
  std::function<void(Doc&)> change;
  const char* path;
  const char* problem;
};

void PrintTo(const RuleCase& c, std::ostream* os) { *os << c.name; }

class ConfigRule : public ::testing::TestWithParam<RuleCase> {};

TEST_P(ConfigRule, ReportsTheKeyAndTheProblem) {
  const RuleCase& c = GetParam();
  Doc doc = c.base == Base::host ? host_doc() : home_agent_doc();
  c.change(doc);
  EXPECT_TRUE(HasOnlyError(load(doc), c.path, c.problem));
}

// clang-format off
const RuleCase kRuleCases[] = {
  // Top level
  {"RoleUnknown", Base::host, [](Doc& d) { edit(d.top, "\"host\"", "\"hub\""); },
   "role", "unknown role 'hub' (expected \"home-agent\" or \"host\")"},
  {"RoleMissing", Base::host, [](Doc& d) { edit(d.top, "role = \"host\"", ""); },
   "role", "missing required key"},
  {"RoleNotAString", Base::host, [](Doc& d) { edit(d.top, "\"host\"", "1"); },
   "role", "expected a string, found an integer"},
  {"NodeNameEmpty", Base::host, [](Doc& d) { edit(d.top, "\"host-b1\"", "\"\""); },
   "node_name", "must not be empty"},
  {"ControlSocketTooLong", Base::host,
   [](Doc& d) { edit(d.top, "/run/test/mip6d.sock", "/run/" + std::string(120, 'x')); },
   "control_socket", "limit for a unix socket path"},
  {"LogLevelUnknown", Base::host, [](Doc& d) { edit(d.top, "\"debug\"", "\"verbose\""); },
   "log_level", "unknown log level 'verbose'"},
  {"ErrorMessagesPerSecondZero", Base::host, [](Doc& d) { d.top += "error_messages_per_second = 0\n"; },
   "error_messages_per_second", "must be between 1 and 1000000, not 0"},
  {"ErrorMessagesBurstTooLarge", Base::home_agent, [](Doc& d) { d.top += "error_messages_burst = 100001\n"; },
   "error_messages_burst", "must be between 1 and 100000, not 100001"},
  {"ErrorMessagesBurstNotAnInteger", Base::host, [](Doc& d) { d.top += "error_messages_burst = \"10\"\n"; },
   "error_messages_burst", "expected an integer, found a string"},
  {"UnknownTopLevelKey", Base::host, [](Doc& d) { d.top += "loglevel = \"info\"\n"; },
   "loglevel", "unknown key 'loglevel'"},
  {"UnknownTopLevelTable", Base::host, [](Doc& d) { d.guests += "[hosts]\nsite = \"x\"\n"; },
   "hosts", "unknown key 'hosts'"},

  // Sections and the role
  {"HomeAgentRoleWithoutHomeAgentSection", Base::home_agent, [](Doc& d) { d.home_agent.clear(); },
   "home_agent", "missing section [home_agent], required when role = \"home-agent\""},
  {"HostRoleWithoutHostSection", Base::host, [](Doc& d) { d.host.clear(); },
   "host", "missing section [host], required when role = \"host\""},
  {"HostRoleWithHomeAgentSection", Base::host,
   [](Doc& d) { d.home_agent = home_agent_doc().home_agent; },
   "home_agent", "section [home_agent] is only for role = \"home-agent\""},
  {"HomeAgentRoleWithHostSection", Base::home_agent, [](Doc& d) { d.host = host_doc().host; },
   "host", "section [host] is only for role = \"host\""},
  {"HomeAgentWithGuestInterface", Base::home_agent,
   [](Doc& d) { d.interfaces += "guests = \"guests0\"\n"; },
   "interfaces.guests", "a Home Agent has no guest ports"},
  {"HostWithoutGuestInterface", Base::host, [](Doc& d) { edit(d.interfaces, "guests = \"guests0\"", ""); },
   "interfaces.guests", "missing required key"},
  {"InterfacesMissing", Base::home_agent, [](Doc& d) { d.interfaces.clear(); },
   "interfaces", "missing required key"},
  {"InterfaceNameTooLong", Base::host,
   [](Doc& d) { edit(d.interfaces, "\"eth1\"", "\"an-interface-name-too-long\""); },
   "interfaces.uplink", "not a network interface name"},
  {"SectionNotATable", Base::host, [](Doc& d) { d.interfaces = "interfaces = \"eth0\"\n"; },
   "interfaces", "expected a table ([interfaces]), found a string"},

  // Unknown keys inside tables
  {"UnknownKeyInInterfaces", Base::host, [](Doc& d) { d.interfaces += "uplnk = \"eth2\"\n"; },
   "interfaces.uplnk", "unknown key 'uplnk' (expected one of: uplink, guests)"},
  {"UnknownKeyInHost", Base::host, [](Doc& d) { d.host += "lifetime = 60\n"; },
   "host.lifetime", "unknown key 'lifetime'"},
  {"UnknownKeyInHomeAgent", Base::home_agent, [](Doc& d) { d.home_agent += "durable = true\n"; },
   "home_agent.durable", "unknown key 'durable'"},
  {"UnknownKeyInSite", Base::host, [](Doc& d) { edit(d.sites, "mtu = 9000", "mtu = 9000\nmuu = 1"); },
   "sites[1].muu", "unknown key 'muu'"},
  {"UnknownKeyInKey", Base::host, [](Doc& d) { edit(d.keys, "spi = 1001", "spi = 1001\nsip = 2"); },
   "keys[0].sip", "unknown key 'sip'"},
  {"UnknownKeyInPolicy", Base::host, [](Doc& d) { d.policy += "care_of = \"x\"\n"; },
   "policy[0].care_of", "unknown key 'care_of'"},
  {"UnknownKeyInGuest", Base::host, [](Doc& d) { d.guests += "vlan = 7\n"; },
   "guests[1].vlan", "unknown key 'vlan'"},

  // Types and shapes
  {"IntegerGivenAsString", Base::host, [](Doc& d) { edit(d.sites, "mtu = 9000", "mtu = \"9000\""); },
   "sites[1].mtu", "expected an integer, found a string"},
  {"BooleanGivenAsString", Base::home_agent,
   [](Doc& d) { edit(d.home_agent, "durable_sync = true", "durable_sync = \"yes\""); },
   "home_agent.durable_sync", "expected a boolean"},
  {"SitesAsPlainTable", Base::home_agent,
   [](Doc& d) { d.sites = "[sites]\nname = \"site-a\"\n"; d.guests.clear(); },
   "sites", "expected an array of tables ([[sites]]), found a table"},
  {"PrefixListNotAnArray", Base::home_agent,
   [](Doc& d) { edit(d.home_agent, "[\"2001:db8:aa::/64\", \"2001:db8:a::/64\"]", "\"2001:db8:a::/64\""); },
   "home_agent.home_prefixes", "expected an array, found a string"},
  {"PrefixListEmpty", Base::host,
   [](Doc& d) { edit(d.policy, "home_prefixes = [\"2001:db8:a::/64\"]", "home_prefixes = []"); },
   "policy[0].home_prefixes", "must not be empty"},
  {"PrefixListElementNotAString", Base::host,
   [](Doc& d) { edit(d.policy, "\"2001:db8:bb::/48\"", "48"); },
   "policy[0].care_of_prefixes[1]", "expected a string, found an integer"},

  // Sites
  {"DuplicateSiteName", Base::home_agent, [](Doc& d) { edit(d.sites, "\"site-b\"", "\"site-a\""); },
   "sites[1].name", "duplicate site name 'site-a' (already used by sites[0].name)"},
  {"OverlappingSitePrefixes", Base::home_agent,
   [](Doc& d) { edit(d.sites, "\"2001:db8:b::/64\"", "\"2001:db8::/32\""); },
   "sites[1].prefix", "prefix 2001:db8::/32 overlaps sites[0].prefix 2001:db8:a::/64"},
  {"SitePrefixWithHostBits", Base::home_agent,
   [](Doc& d) { edit(d.sites, "\"2001:db8:b::/64\"", "\"2001:db8:b::1/64\""); },
   "sites[1].prefix", "host bits set in '2001:db8:b::1/64'; the prefix is 2001:db8:b::/64"},
  {"SitePrefixMalformed", Base::home_agent,
   [](Doc& d) { edit(d.sites, "\"2001:db8:b::/64\"", "\"2001:db8:b::/129\""); },
   "sites[1].prefix", "not an IPv6 prefix (address/length): '2001:db8:b::/129'"},
  {"SitePrefixLinkLocal", Base::home_agent,
   [](Doc& d) { edit(d.sites, "\"2001:db8:b::/64\"", "\"fe80::/64\""); },
   "sites[1].prefix", "a link-local or multicast prefix cannot number a site"},
  {"RouterAddressNotLinkLocal", Base::host,
   [](Doc& d) { edit(d.sites, "\"fe80::b\"", "\"2001:db8:b::fe\""); },
   "sites[1].router_link_local", "not a link-local address (fe80::/10): '2001:db8:b::fe'"},
  {"RouterMacMalformed", Base::host,
   [](Doc& d) { edit(d.sites, "\"02:00:00:00:0b:01\"", "\"02:00:00:00:0b\""); },
   "sites[1].router_mac", "not a MAC address: '02:00:00:00:0b'"},
  {"RouterMacMulticast", Base::host,
   [](Doc& d) { edit(d.sites, "\"02:00:00:00:0b:01\"", "\"33:33:00:00:00:01\""); },
   "sites[1].router_mac", "a multicast MAC address"},
  {"SiteHomeAgentOutsidePrefix", Base::host,
   [](Doc& d) { edit(d.sites, "home_agent = \"2001:db8:a::1\"", "home_agent = \"2001:db8:b::1\""); },
   "sites[0].home_agent", "home agent 2001:db8:b::1 is outside the site's prefix 2001:db8:a::/64"},
  {"MtuTooSmall", Base::host, [](Doc& d) { edit(d.sites, "mtu = 9000", "mtu = 1279"); },
   "sites[1].mtu", "must be between 1280 and 9216, not 1279"},
  {"MtuTooLarge", Base::host, [](Doc& d) { edit(d.sites, "mtu = 9000", "mtu = 9217"); },
   "sites[1].mtu", "must be between 1280 and 9216, not 9217"},
  {"SiteMissingPrefix", Base::home_agent,
   [](Doc& d) { edit(d.sites, "prefix = \"2001:db8:b::/64\"", ""); },
   "sites[1].prefix", "missing required key"},

  // Keys
  {"DuplicateKeyName", Base::host, [](Doc& d) { edit(d.keys, "\"site-c-hosts\"", "\"site-b-hosts\""); },
   "keys[1].name", "duplicate key name 'site-b-hosts' (already used by keys[0].name)"},
  {"DuplicateSpi", Base::host, [](Doc& d) { edit(d.keys, "spi = 4294967295", "spi = 1001"); },
   "keys[1].spi", "duplicate SPI 1001 (already used by keys[0].spi)"},
  {"ReservedSpi", Base::host, [](Doc& d) { edit(d.keys, "spi = 1001", "spi = 255"); },
   "keys[0].spi", "must be between 256 and 4294967295, not 255"},
  {"SpiBeyond32Bits", Base::host, [](Doc& d) { edit(d.keys, "spi = 4294967295", "spi = 4294967296"); },
   "keys[1].spi", "must be between 256 and 4294967295, not 4294967296"},
  {"AlgorithmUnknown", Base::host, [](Doc& d) { edit(d.keys, "\"hmac-sha1-96\"", "\"hmac-md5\""); },
   "keys[0].algorithm", "unknown algorithm 'hmac-md5' (expected \"hmac-sha256\" or \"hmac-sha1-96\")"},
  {"SecretNotHex", Base::host,
   [](Doc& d) { edit(d.keys, "00112233445566778899AABBCCDDEEFF", "00112233445566778899AABBCCDDEEFG"); },
   "keys[0].secret_hex", "not a hex string: character 32 is not a hex digit"},
  {"SecretOddLength", Base::host,
   [](Doc& d) { edit(d.keys, "00112233445566778899AABBCCDDEEFF", "00112233445566778899AABBCCDDEEF"); },
   "keys[0].secret_hex", "odd number of hex digits (31)"},
  {"SecretTooShort", Base::host,
   [](Doc& d) { edit(d.keys, "00112233445566778899AABBCCDDEEFF", "00112233445566778899AABBCCDDEE"); },
   "keys[0].secret_hex", "secret is 15 bytes; at least 16 (32 hex digits) are required"},
  {"SecretTwice", Base::host,
   [](Doc& d) { edit(d.keys, "spi = 1001", "spi = 1001\nsecret_file = \"k.hex\""); },
   "keys[0].secret_file", "give either secret_hex or secret_file, not both"},
  {"SecretMissing", Base::host,
   [](Doc& d) { edit(d.keys, "secret_hex = \"00112233445566778899AABBCCDDEEFF\"", ""); },
   "keys[0]", "missing secret: set secret_hex or secret_file"},
  {"SecretFileMissing", Base::host,
   [](Doc& d) {
     edit(d.keys, "secret_hex = \"00112233445566778899AABBCCDDEEFF\"",
          "secret_file = \"/nonexistent/roam6/k.hex\"");
   },
   "keys[0].secret_file",
   "cannot read secret file '/nonexistent/roam6/k.hex': No such file or directory"},

  // Policy
  {"PolicyNamesUnknownKey", Base::host, [](Doc& d) { edit(d.policy, "\"site-b-hosts\"", "\"site-x-hosts\""); },
   "policy[0].key", "no key named 'site-x-hosts' in [[keys]]"},
  {"PolicyPrefixMalformed", Base::host, [](Doc& d) { edit(d.policy, "\"2001:db8:bb::/48\"", "\"2001:db8:bb::\""); },
   "policy[0].care_of_prefixes[1]", "not an IPv6 prefix (address/length): '2001:db8:bb::'"},

  // Guests
  {"GuestMacMalformed", Base::host, [](Doc& d) { edit(d.guests, "52:54:00:00:00:02", "52:54:00:zz:00:01"); },
   "guests[1].mac", "not a MAC address: '52:54:00:zz:00:01'"},
  {"GuestMacAllZero", Base::host, [](Doc& d) { edit(d.guests, "52:54:00:00:00:02", "00:00:00:00:00:00"); },
   "guests[1].mac", "all-zero MAC address"},
  {"GuestHomeAddressMalformed", Base::host, [](Doc& d) { edit(d.guests, "2001:db8:a::101", "2001:db8:a::10g"); },
   "guests[1].home_address", "not an IPv6 address: '2001:db8:a::10g'"},
  {"DuplicateGuestName", Base::host, [](Doc& d) { edit(d.guests, "\"g2\"", "\"g1\""); },
   "guests[1].name", "duplicate guest name 'g1' (already used by guests[0].name)"},
  {"DuplicateGuestMac", Base::host, [](Doc& d) { edit(d.guests, "52:54:00:00:00:02", "52:54:00:00:00:01"); },
   "guests[1].mac", "duplicate guest MAC address 52:54:00:00:00:01 (already used by guests[0].mac)"},
  {"DuplicateGuestHomeAddress", Base::host, [](Doc& d) { edit(d.guests, "2001:db8:a::101", "2001:db8:a::100"); },
   "guests[1].home_address", "duplicate home address 2001:db8:a::100 (already used by guests[0].home_address)"},
  {"GuestHomeSiteUnknown", Base::host,
   [](Doc& d) { edit(d.guests, "home_site = \"site-a\"", "home_site = \"site-q\""); },
   "guests[0].home_site", "no site named 'site-q' in [[sites]]"},
  {"GuestHomeSiteWithoutHomeAgent", Base::host,
   [](Doc& d) {
     edit(d.guests, "home_address = \"2001:db8:a::100\"\nhome_site = \"site-a\"",
          "home_address = \"2001:db8:b::100\"\nhome_site = \"site-b\"");
   },
   "guests[0].home_site", "site 'site-b' has no home_agent, so no guest can have its home there"},
  {"GuestHomeAddressOutsideHomeSite", Base::host,
   [](Doc& d) { edit(d.guests, "2001:db8:a::101", "2001:db8:b::101"); },
   "guests[1].home_address",
   "home address 2001:db8:b::101 is outside home site 'site-a''s prefix 2001:db8:a::/64"},
  // Addresses no Home Agent would ever bind (RFC 4291 2.6.1, RFC 2526).
  {"GuestHomeAddressIsTheHomeAgent", Base::host,
   [](Doc& d) { edit(d.guests, "2001:db8:a::101", "2001:db8:a::1"); },
   "guests[1].home_address",
   "home address 2001:db8:a::1 is the Home Agent's own address: it can never be bound"},
  {"GuestHomeAddressIsSubnetRouterAnycast", Base::host,
   [](Doc& d) { edit(d.guests, "2001:db8:a::101", "2001:db8:a::"); },
   "guests[1].home_address",
   "home address 2001:db8:a:: is the prefix's Subnet-Router anycast address: it can never be bound"},
  {"GuestHomeAddressIsReservedAnycast", Base::host,
   [](Doc& d) { edit(d.guests, "2001:db8:a::101", "2001:db8:a:0:fdff:ffff:ffff:fffe"); },
   "guests[1].home_address",
   "home address 2001:db8:a:0:fdff:ffff:ffff:fffe is a reserved subnet anycast address (RFC 2526): it can never be bound"},

  // Host
  {"HostSiteUnknown", Base::host, [](Doc& d) { edit(d.host, "\"site-b\"", "\"site-q\""); },
   "host.site", "no site named 'site-q' in [[sites]]"},
  {"HostCareOfOutsideSite", Base::host, [](Doc& d) { edit(d.host, "2001:db8:b::2", "2001:db8:c::2"); },
   "host.care_of_address", "care-of address 2001:db8:c::2 is outside site 'site-b''s prefix 2001:db8:b::/64"},
  {"HostKeyUnknown", Base::host, [](Doc& d) { edit(d.host, "key = \"site-b-hosts\"", "key = \"site-q-hosts\""); },
   "host.key", "no key named 'site-q-hosts' in [[keys]]"},
  {"HostMissingCareOfAddress", Base::host, [](Doc& d) { edit(d.host, "care_of_address = \"2001:db8:b::2\"", ""); },
   "host.care_of_address", "missing required key"},
  {"RequestedLifetimeZero", Base::host,
   [](Doc& d) { edit(d.host, "requested_lifetime = 1200", "requested_lifetime = 0"); },
   "host.requested_lifetime", "must be between 4 and 262140, not 0"},
  {"RequestedLifetimeBelowOneUnit", Base::host,
   [](Doc& d) { edit(d.host, "requested_lifetime = 1200", "requested_lifetime = 3"); },
   "host.requested_lifetime", "must be between 4 and 262140, not 3"},
  {"RequestedLifetimeTooLong", Base::host,
   [](Doc& d) { edit(d.host, "requested_lifetime = 1200", "requested_lifetime = 262141"); },
   "host.requested_lifetime", "must be between 4 and 262140, not 262141"},
  {"HostReplayWindowTooWide", Base::host,
   [](Doc& d) { edit(d.host, "requested_lifetime = 1200", "requested_lifetime = 1200\nreplay_window = 301"); },
   "host.replay_window", "must be between 1 and 300, not 301"},

  // Home Agent
  {"HomeAgentAddressOutsideHomePrefixes", Base::home_agent,
   [](Doc& d) { edit(d.home_agent, "address = \"2001:db8:a::1\"", "address = \"2001:db8:c::1\""); },
   "home_agent.address", "address 2001:db8:c::1 is not inside any of home_agent.home_prefixes"},
  {"HomeAgentPrefixMalformed", Base::home_agent,
   [](Doc& d) { edit(d.home_agent, "\"2001:db8:aa::/64\"", "\"2001:db8:aa::/6x\""); },
   "home_agent.home_prefixes[0]", "not an IPv6 prefix"},
  {"MaxLifetimeNegative", Base::home_agent,
   [](Doc& d) { edit(d.home_agent, "max_lifetime = 7200", "max_lifetime = -1"); },
   "home_agent.max_lifetime", "must be between 4 and 262140, not -1"},
  {"MaxLifetimeTooLong", Base::home_agent,
   [](Doc& d) { edit(d.home_agent, "max_lifetime = 7200", "max_lifetime = 262141"); },
   "home_agent.max_lifetime", "must be between 4 and 262140, not 262141"},
  {"ReplayMemoryLimitTooSmall", Base::home_agent,
   [](Doc& d) { edit(d.home_agent, "max_lifetime = 7200", "max_lifetime = 7200\nreplay_memory_limit = 10"); },
   "home_agent.replay_memory_limit", "must be between 1024 and 16777216, not 10"},
  {"ReplayWindowZero", Base::home_agent,
   [](Doc& d) { edit(d.home_agent, "replay_window = 10", "replay_window = 0"); },
   "home_agent.replay_window", "must be between 1 and 300, not 0"},
  {"DatabaseEmpty", Base::home_agent,
   [](Doc& d) { edit(d.home_agent, "\"/var/lib/test/bindings.sqlite\"", "\"\""); },
   "home_agent.database", "must not be empty"},
  {"StoreUnknown", Base::home_agent,
   [](Doc& d) { edit(d.home_agent, "max_lifetime = 7200", "max_lifetime = 7200\nstore = \"redis\""); },
   "home_agent.store", "unknown store 'redis' (expected \"sqlite\" or \"etcd\")"},
  {"EtcdStoreWithoutEndpoints", Base::home_agent,
   [](Doc& d) { use_etcd(d, ""); },
   "home_agent.store", "store = \"etcd\" needs home_agent.etcd_endpoints"},
  {"EtcdEndpointsEmpty", Base::home_agent,
   [](Doc& d) { use_etcd(d, "etcd_endpoints = []\n"); },
   "home_agent.etcd_endpoints", "must not be empty"},
  {"EtcdEndpointWithoutScheme", Base::home_agent,
   [](Doc& d) { use_etcd(d, "etcd_endpoints = [\"127.0.0.1:2379\"]\n"); },
   "home_agent.etcd_endpoints[0]", "not an etcd client URL '127.0.0.1:2379'"},
  {"EtcdEndpointHostName", Base::home_agent,
   [](Doc& d) { use_etcd(d, "etcd_endpoints = [\"http://[::1]:2379\", \"http://etcd-1:2379\"]\n"); },
   "home_agent.etcd_endpoints[1]", "not an IP address in 'etcd-1:2379'"},
  {"EtcdPrefixTrailingSlash", Base::home_agent,
   [](Doc& d) { use_etcd(d, "etcd_endpoints = [\"http://127.0.0.1:2379\"]\netcd_prefix = \"/roam6/\"\n"); },
   "home_agent.etcd_prefix", "not an etcd key prefix '/roam6/'"},
  {"EtcdTimeoutTooShort", Base::home_agent,
   [](Doc& d) { use_etcd(d, "etcd_endpoints = [\"http://127.0.0.1:2379\"]\netcd_timeout_ms = 1\n"); },
   "home_agent.etcd_timeout_ms", "must be between 10 and 60000, not 1"},
  {"DatabaseWithEtcdStore", Base::home_agent,
   [](Doc& d) { edit(d.home_agent, "durable_sync = true", "store = \"etcd\"\netcd_endpoints = [\"http://127.0.0.1:2379\"]"); },
   "home_agent.database", "database is for store = \"sqlite\", not store = \"etcd\""},
  {"LeaderElectionWithSqliteStore", Base::home_agent,
   [](Doc& d) { edit(d.home_agent, "max_lifetime = 7200", "max_lifetime = 7200\nleader_election = true"); },
   "home_agent.leader_election", "leader_election is for store = \"etcd\""},
  {"LeaderLeaseTtlZero", Base::home_agent,
   [](Doc& d) { use_etcd(d, "etcd_endpoints = [\"http://127.0.0.1:2379\"]\nleader_lease_ttl = 0\n"); },
   "home_agent.leader_lease_ttl", "must be between 1 and 60, not 0"},
  {"LeaderPriorityOutOfRange", Base::home_agent,
   [](Doc& d) { use_etcd(d, "etcd_endpoints = [\"http://127.0.0.1:2379\"]\nleader_priority = 256\n"); },
   "home_agent.leader_priority", "must be between 1 and 255, not 256"},
  {"EtcdKeyWithSqliteStore", Base::home_agent,
   [](Doc& d) { edit(d.home_agent, "max_lifetime = 7200", "max_lifetime = 7200\netcd_prefix = \"/roam6/a\""); },
   "home_agent.etcd_prefix", "etcd_prefix is for store = \"etcd\"; this Home Agent's store is \"sqlite\""},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(EveryRule, ConfigRule, ::testing::ValuesIn(kRuleCases),
                         [](const auto& test_info) { return std::string(test_info.param.name); });

// --- Positions, several errors, syntax, files ---------------------------------

TEST(ConfigLoader, ErrorPointsAtTheOffendingValue) {
  Doc d = host_doc();
  edit(d.guests, "52:54:00:00:00:02", "52:54:00:zz:00:01");
  const std::string text = d.text();
  const auto result = load_config_string(text, "test.toml");
  ASSERT_EQ(result.errors().size(), 1u) << result.error_report();
  const ConfigError& e = result.errors().front();
  ASSERT_TRUE(e.position.has_value());
  EXPECT_EQ(*e.position, position_in(text, "\"52:54:00:zz:00:01\""));
  EXPECT_EQ(e.to_string(), "test.toml:" + std::to_string(e.position->line) +
                               ":7: guests[1].mac: " + "not a MAC address: '52:54:00:zz:00:01'");
}

TEST(ConfigLoader, UnknownKeyErrorPointsAtTheKey) {
  Doc d = host_doc();
  d.interfaces += "uplnk = \"eth2\"\n";
  const std::string text = d.text();
  const auto result = load_config_string(text, "test.toml");
  ASSERT_EQ(result.errors().size(), 1u) << result.error_report();
  EXPECT_EQ(result.errors().front().position, position_in(text, "uplnk"));
}

TEST(ConfigLoader, MissingKeyPointsAtItsTable) {
  Doc d = host_doc();
  edit(d.host, "key = \"site-b-hosts\"\n", "");
  const std::string text = d.text();
  const auto result = load_config_string(text, "test.toml");
  ASSERT_EQ(result.errors().size(), 1u) << result.error_report();
  EXPECT_EQ(result.errors().front().key_path, "host.key");
  EXPECT_EQ(result.errors().front().position, position_in(text, "[host]"));
}

TEST(ConfigLoader, MissingTopLevelKeyHasNoPosition) {
  Doc d = host_doc();
  edit(d.top, "node_name = \"host-b1\"", "");
  const auto result = load(d);
  ASSERT_EQ(result.errors().size(), 1u) << result.error_report();
  EXPECT_EQ(result.errors().front().key_path, "node_name");
  EXPECT_FALSE(result.errors().front().position.has_value());
  EXPECT_EQ(result.errors().front().to_string(), "test.toml: node_name: missing required key");
}

TEST(ConfigLoader, ReportsEveryErrorInFileOrder) {
  Doc d = host_doc();
  edit(d.top, "\"debug\"", "\"loud\"");
  edit(d.host, "requested_lifetime = 1200", "requested_lifetime = 0");
  edit(d.sites, "mtu = 9000", "mtu = 100");
  edit(d.keys, "spi = 1001", "spi = 1");
  edit(d.guests, "52:54:00:00:00:02", "52:54:00:zz:00:01");
  d.guests += "colour = \"blue\"\n";
  const auto result = load(d);
  ASSERT_FALSE(result.ok());
  std::vector<std::string> paths;
  for (const auto& e : result.errors()) paths.push_back(e.key_path);
  EXPECT_EQ(paths, (std::vector<std::string>{"log_level", "host.requested_lifetime", "sites[1].mtu",
                                             "keys[0].spi", "guests[1].mac", "guests[1].colour"}))
      << result.error_report();
  // One line per error in the report.
  const std::string report = result.error_report();
  EXPECT_EQ(std::count(report.begin(), report.end(), '\n'), 6);
}

TEST(ConfigLoader, BadGuestReportsEachProblemWithoutFollowOnErrors) {
  Doc d = host_doc();
  // A typo'd key name: both the unknown key and the missing one are reported,
  // and the guest's other fields are still checked.
  edit(d.guests, "mac = \"52:54:00:00:00:02\"", "macc = \"52:54:00:00:00:02\"");
  edit(d.guests, "2001:db8:a::101", "2001:db8:a::100");
  const auto result = load(d);
  ASSERT_EQ(result.errors().size(), 3u) << result.error_report();
  EXPECT_THAT(result.error_report(), ::testing::HasSubstr("guests[1].mac: missing required key"));
  EXPECT_THAT(result.error_report(), ::testing::HasSubstr("guests[1].macc: unknown key 'macc'"));
  EXPECT_THAT(result.error_report(), ::testing::HasSubstr("guests[1].home_address: duplicate"));
}

TEST(ConfigLoader, SyntaxErrorReportsLineAndColumn) {
  const std::string text = "role = \"host\"\nnode_name = \"h\"\n[interfaces]\nuplink = \n";
  const auto result = load_config_string(text, "broken.toml");
  ASSERT_EQ(result.errors().size(), 1u) << result.error_report();
  const ConfigError& e = result.errors().front();
  EXPECT_EQ(e.file, "broken.toml");
  EXPECT_TRUE(e.key_path.empty());
  ASSERT_TRUE(e.position.has_value());
  EXPECT_EQ(e.position->line, 4u);
  EXPECT_EQ(e.position->column, 10u);
  EXPECT_THAT(e.problem, ::testing::HasSubstr("TOML syntax error"));
}

TEST(ConfigLoader, RedefinedKeyIsASyntaxError) {
  const auto result = load_config_string("role = \"host\"\nrole = \"host\"\n", "twice.toml");
  ASSERT_EQ(result.errors().size(), 1u) << result.error_report();
  EXPECT_EQ(result.errors().front().position->line, 2u);
}

TEST(ConfigLoader, SecretsNeverAppearInErrors) {
  Doc d = host_doc();
  edit(d.keys, "00112233445566778899AABBCCDDEEFF", "00112233445566778899AABBCCDDEEFFA");
  edit(d.keys, "ffeeddccbbaa99887766554433221100ff", "ffeeddccbbaa9988776655443322110Xff");
  const auto result = load(d);
  ASSERT_EQ(result.errors().size(), 2u) << result.error_report();
  EXPECT_THAT(result.error_report(), ::testing::Not(::testing::HasSubstr("AABBCC")));
  EXPECT_THAT(result.error_report(), ::testing::Not(::testing::HasSubstr("bbaa99")));
}

TEST(ConfigLoader, SecretFileIsRelativeToTheConfigFile) {
  TempDir dir;
  // Surrounding whitespace (an editor's final newline) is not part of the secret.
  dir.write("etc/secrets/b.hex", "  0102030405060708090a0b0c0d0e0f1011\n");
  Doc d = host_doc();
  edit(d.keys, "secret_hex = \"00112233445566778899AABBCCDDEEFF\"",
       "secret_file = \"secrets/b.hex\"");
  dir.write("etc/mip6d.toml", d.text());

  // Resolved against the file's directory, not the current one.
  const auto result = load_config_file((dir.path() / "etc" / "mip6d.toml").string());
  ASSERT_TRUE(result.ok()) << result.error_report();
  EXPECT_EQ(result.config().keys[0].secret,
            (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}));

  // An absolute path is taken as it is.
  Doc absolute = host_doc();
  edit(absolute.keys, "secret_hex = \"00112233445566778899AABBCCDDEEFF\"",
       "secret_file = \"" + (dir.path() / "etc/secrets/b.hex").string() + "\"");
  const auto from_string = load_config_string(absolute.text(), "elsewhere/test.toml");
  ASSERT_TRUE(from_string.ok()) << from_string.error_report();
  EXPECT_EQ(from_string.config().keys[0].secret.size(), 17u);
}

TEST(ConfigLoader, SecretFileWithBadContentNamesTheFile) {
  TempDir dir;
  dir.write("short.hex", "0011\n");
  Doc d = host_doc();
  edit(d.keys, "secret_hex = \"00112233445566778899AABBCCDDEEFF\"", "secret_file = \"short.hex\"");
  const auto result = load_config_string(d.text(), (dir.path() / "test.toml").string());
  ASSERT_EQ(result.errors().size(), 1u) << result.error_report();
  EXPECT_EQ(result.errors().front().key_path, "keys[0].secret_file");
  EXPECT_THAT(result.errors().front().problem,
              ::testing::HasSubstr("secret file '" + (dir.path() / "short.hex").string() +
                                   "': secret is 2 bytes"));
}

TEST(ConfigLoader, SecretFileOthersCanReachIsRefused) {
  // As ssh refuses a private key that group or others may read: the error
  // names the file, every bit that is wrong, and the fix.
  struct Case {
    fs::perms mode;
    const char* octal;
    const char* wrong;
  };
  using p = fs::perms;
  const Case cases[] = {
      {p::owner_read | p::owner_write | p::group_read | p::others_read, "0644",
       "readable by group, readable by others"},
      {p::owner_read | p::group_read, "0440", "readable by group"},
      {p::owner_read | p::owner_write | p::group_read | p::group_write, "0660",
       "readable and writable by group"},
      {p::owner_read | p::others_write, "0402", "writable by others"},
      {p::owner_all | p::group_all | p::others_read | p::others_exec, "0775",
       "readable, writable and executable by group, readable and executable by others"},
  };
  for (const Case& c : cases) {
    TempDir dir;
    dir.write("b.hex", "00112233445566778899aabbccddeeff\n", c.mode);
    Doc d = host_doc();
    edit(d.keys, "secret_hex = \"00112233445566778899AABBCCDDEEFF\"", "secret_file = \"b.hex\"");
    const auto result = load_config_string(d.text(), (dir.path() / "m.toml").string());
    ASSERT_EQ(result.errors().size(), 1u) << result.error_report();
    const std::string file = (dir.path() / "b.hex").string();
    const ConfigError& error = result.errors().front();
    EXPECT_EQ(error.key_path, "keys[0].secret_file");
    ASSERT_TRUE(error.position);
    EXPECT_EQ(error.problem, "secret file '" + file + "' has mode " + c.octal + ": " + c.wrong +
                                 "; a secret must be accessible by its owner only: chmod 600 '" +
                                 file + "'");
  }
  // 0400 and 0600 are fine.
  for (const fs::perms mode : {p::owner_read, p::owner_read | p::owner_write}) {
    TempDir dir;
    dir.write("b.hex", "00112233445566778899aabbccddeeff\n", mode);
    Doc d = host_doc();
    edit(d.keys, "secret_hex = \"00112233445566778899AABBCCDDEEFF\"", "secret_file = \"b.hex\"");
    const auto result = load_config_string(d.text(), (dir.path() / "m.toml").string());
    EXPECT_TRUE(result.ok()) << result.error_report();
  }
}

TEST(ConfigLoader, MetricsListener) {
  Doc d = home_agent_doc();
  d.top += "[metrics]\nlisten = \"[::1]:9464\"\n";
  auto result = load(d);
  ASSERT_TRUE(result.ok()) << result.error_report();
  ASSERT_TRUE(result.config().metrics);
  EXPECT_EQ(result.config().metrics->listen, "[::1]:9464");
  EXPECT_THAT(describe_config(result.config()), ::testing::HasSubstr("metrics: Prometheus listener on [::1]:9464"));

  d = home_agent_doc();
  d.top += "[metrics]\nlisten = \"127.0.0.1:9100\"\n";
  result = load(d);
  ASSERT_TRUE(result.ok()) << result.error_report();
  EXPECT_EQ(result.config().metrics->listen, "127.0.0.1:9100");
  EXPECT_FALSE(load(home_agent_doc()).config().metrics);  // optional

  const std::pair<const char*, const char*> bad[] = {
      {"\"[::1]\"", "not a port number (1 to 65535) in '[::1]'"},
      {"\"9464\"", "no port in '9464'"},
      {"\"[::1]:0\"", "not a port number (1 to 65535) in '[::1]:0'"},
      {"\"[::1]:65536\"", "not a port number (1 to 65535) in '[::1]:65536'"},
      {"\"::1:9464\"", "not an IP address in '::1:9464'"},
      {"\"localhost:9464\"", "not an IP address in 'localhost:9464'"},
      {"\"[2001:db8::zz]:9464\"", "not an IP address in '[2001:db8::zz]:9464'"},
  };
  for (const auto& [value, problem] : bad) {
    d = home_agent_doc();
    d.top += std::string("[metrics]\nlisten = ") + value + "\n";
    result = load(d);
    ASSERT_EQ(result.errors().size(), 1u) << value << ": " << result.error_report();
    EXPECT_EQ(result.errors().front().key_path, "metrics.listen");
    EXPECT_THAT(result.errors().front().problem, ::testing::StartsWith(problem)) << value;
  }
  d = home_agent_doc();
  d.top += "[metrics]\nlisten = \"[::1]:9464\"\npath = \"/m\"\n";
  result = load(d);
  ASSERT_EQ(result.errors().size(), 1u) << result.error_report();
  EXPECT_EQ(result.errors().front().problem, "unknown key 'path' (expected one of: listen)");
}

TEST(ConfigLoader, LocateNamesFileLineColumnAndKey) {
  const auto result = load_config_string(R"(role = "home-agent"
node_name = "ha-a"
[interfaces]
uplink = "eth0"
[home_agent]
address = "2001:db8:a::1"
home_prefixes = ["2001:db8:a::/64"]
database =   "/var/lib/roam6/x.sqlite"
[[sites]]
name = "site-a"
prefix = "2001:db8:a::/64"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0a:01"
)", "/etc/roam6/mip6d.toml");
  ASSERT_TRUE(result.ok()) << result.error_report();
  const Config& c = result.config();
  EXPECT_EQ(c.locate("home_agent.database"), "/etc/roam6/mip6d.toml:8:14: home_agent.database");
  EXPECT_EQ(c.locate("interfaces.uplink"), "/etc/roam6/mip6d.toml:4:10: interfaces.uplink");
  EXPECT_EQ(c.locate("sites[0].router_mac"), "/etc/roam6/mip6d.toml:13:14: sites[0].router_mac");
  EXPECT_EQ(c.locate("sites[0]"), "/etc/roam6/mip6d.toml:9:1: sites[0]");
  // A key left at its default has no line to point at.
  EXPECT_EQ(c.locate("control_socket"), "/etc/roam6/mip6d.toml: control_socket");
}

TEST(ConfigLoader, UnreadableFileIsOneClearError) {
  const auto missing = load_config_file("/nonexistent/roam6/mip6d.toml");
  ASSERT_EQ(missing.errors().size(), 1u);
  EXPECT_EQ(
      missing.errors().front().to_string(),
      "/nonexistent/roam6/mip6d.toml: cannot read configuration file: No such file or directory");

  TempDir dir;
  const auto directory = load_config_file(dir.path().string());
  ASSERT_EQ(directory.errors().size(), 1u);
  EXPECT_THAT(directory.errors().front().problem, ::testing::HasSubstr("not a regular file"));
}

}  // namespace
}  // namespace roam6::mip6d
