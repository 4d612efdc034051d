#include "mip6d/config/config_reading.hpp"

#include <arpa/inet.h>
#include <sys/un.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "mip6d/config/key_secret.hpp"

namespace roam6::mip6d::config_internal {
namespace {

constexpr auto kRequired = Presence::required;
constexpr auto kOptional = Presence::optional;

// --- Converters: text -> value, or nullopt and a problem for the operator. ---

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

std::optional<Ip6Addr> ip6_address(std::string_view text, std::string& problem) {
  auto address = Ip6Addr::parse(text);
  if (!address) problem = "not an IPv6 address: " + quoted(text);
  return address;
}

std::optional<Ip6Addr> link_local_address(std::string_view text, std::string& problem) {
  auto address = ip6_address(text, problem);
  if (address && !address->is_link_local()) {
    problem = "not a link-local address (fe80::/10): " + quoted(text);
    return std::nullopt;
  }
  return address;
}

std::optional<std::uint8_t> prefix_length(std::string_view text) {
  unsigned length = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || length > 128)
    return std::nullopt;
  return static_cast<std::uint8_t>(length);
}

std::optional<Ip6Prefix> ip6_prefix(std::string_view text, std::string& problem) {
  if (auto prefix = Ip6Prefix::parse(text)) return prefix;
  // Ip6Prefix::parse also refuses host bits; say so, since "2001:db8:a::1/64"
  // is an easy slip and the fix is obvious.
  if (const auto slash = text.find('/'); slash != std::string_view::npos) {
    const auto address = Ip6Addr::parse(text.substr(0, slash));
    const auto length = prefix_length(text.substr(slash + 1));
    if (address && length) {
      problem = "host bits set in " + quoted(text) + "; the prefix is " +
                Ip6Prefix::of(*address, *length).to_string();
      return std::nullopt;
    }
  }
  problem = "not an IPv6 prefix (address/length): " + quoted(text);
  return std::nullopt;
}

// A prefix a link or a Home Agent can be numbered from.
std::optional<Ip6Prefix> routable_prefix(std::string_view text, std::string& problem) {
  auto prefix = ip6_prefix(text, problem);
  if (prefix && (prefix->address.is_link_local() || prefix->address.is_multicast())) {
    problem = "a link-local or multicast prefix cannot number a site: " + quoted(text);
    return std::nullopt;
  }
  return prefix;
}

std::optional<MacAddr> unicast_mac(std::string_view text, std::string& problem) {
  auto mac = MacAddr::parse(text);
  if (!mac) {
    problem = "not a MAC address: " + quoted(text);
  } else if (mac->is_multicast()) {
    problem = "a multicast MAC address cannot belong to one machine: " + quoted(text);
    mac.reset();
  } else if (*mac == MacAddr{}) {
    problem = "the all-zero MAC address cannot belong to a machine";
    mac.reset();
  }
  return mac;
}

std::optional<std::string> interface_name(std::string_view text, std::string& problem) {
  // Linux: IFNAMSIZ - 1 characters, no '/' and no whitespace.
  constexpr std::size_t kMaxLength = 15;
  if (text.size() > kMaxLength || text.find_first_of("/ \t\n\r") != std::string_view::npos ||
      text == "." || text == "..") {
    problem = "not a network interface name (at most 15 characters, no '/' or whitespace): " +
              quoted(text);
    return std::nullopt;
  }
  return std::string(text);
}

std::optional<std::string> unix_socket_path(std::string_view text, std::string& problem) {
  constexpr std::size_t kMaxLength = sizeof(sockaddr_un{}.sun_path) - 1;  // room for the NUL
  if (text.size() > kMaxLength) {
    problem =
        "longer than " + std::to_string(kMaxLength) + " bytes, the limit for a unix socket path";
    return std::nullopt;
  }
  return std::string(text);
}

std::optional<Role> role(std::string_view text, std::string& problem) {
  auto value = parse_role(text);
  if (!value) problem = "unknown role " + quoted(text) + " (expected \"home-agent\" or \"host\")";
  return value;
}

std::optional<AuthAlgorithm> algorithm(std::string_view text, std::string& problem) {
  auto value = parse_auth_algorithm(text);
  if (!value)
    problem =
        "unknown algorithm " + quoted(text) + " (expected \"hmac-sha256\" or \"hmac-sha1-96\")";
  return value;
}

std::optional<LogLevel> log_level(std::string_view text, std::string& problem) {
  auto value = parse_log_level(text);
  if (!value)
    problem = "unknown log level " + quoted(text) +
              " (expected \"error\", \"warning\", \"info\" or \"debug\")";
  return value;
}

std::optional<PollMode> poll_mode(std::string_view text, std::string& problem) {
  auto value = parse_poll_mode(text);
  if (!value)
    problem = "unknown poll mode " + quoted(text) + " (expected \"busy\" or \"adaptive\")";
  return value;
}

// A DPDK device string: "net_af_packet0,iface=veth1", "0000:03:00.0", ...
std::optional<std::string> dpdk_device(std::string_view text, std::string& problem) {
  if (text.find_first_of(" \t\n\r") != std::string_view::npos || text.front() == ',') {
    problem = "not a DPDK device (e.g. \"net_af_packet0,iface=veth1\" or a PCI address; "
              "no whitespace): " + quoted(text);
    return std::nullopt;
  }
  return std::string(text);
}

// "[IPv6]:PORT" or "IPv4:PORT": one address to listen on, as civetweb (the
// metrics listener's HTTP server) takes it. No host names: what the daemon
// binds to must not depend on DNS at start-up.
std::optional<std::string> listen_address(std::string_view text, std::string& problem) {
  const std::string expected =
      " (expected \"[IPv6 address]:port\" or \"IPv4 address:port\", e.g. \"127.0.0.1:9464\")";
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    problem = "no port in " + quoted(text) + expected;
    return std::nullopt;
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() ||
      port == 0 || port > 65535) {
    problem = "not a port number (1 to 65535) in " + quoted(text) + expected;
    return std::nullopt;
  }
  bool valid = false;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    valid = Ip6Addr::parse(host.substr(1, host.size() - 2)).has_value();
  } else {
    in_addr ipv4{};
    valid = ::inet_pton(AF_INET, std::string(host).c_str(), &ipv4) == 1;
  }
  if (!valid) {
    problem = "not an IP address in " + quoted(text) + expected;
    return std::nullopt;
  }
  return std::string(text);
}

std::optional<StoreKind> store_kind(std::string_view text, std::string& problem) {
  if (text == "sqlite") return StoreKind::sqlite;
  if (text == "etcd") return StoreKind::etcd;
  problem = "unknown store " + quoted(text) + " (expected \"sqlite\" or \"etcd\")";
  return std::nullopt;
}

// "http://[IPv6]:PORT" or "http://IPv4:PORT": an etcd member's client URL.
// Addresses, not names, for the same reason as listen_address.
std::optional<std::string> etcd_endpoint(std::string_view text, std::string& problem) {
  constexpr std::string_view scheme = "http://";
  if (!text.starts_with(scheme)) {
    problem = "not an etcd client URL " + quoted(text) +
              " (expected \"http://ADDRESS:PORT\", e.g. \"http://127.0.0.1:2379\")";
    return std::nullopt;
  }
  std::string_view rest = text.substr(scheme.size());
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (!listen_address(rest, problem)) return std::nullopt;
  return std::string(rest);
}

// An etcd key prefix: starts with '/', printable, no trailing '/' (the store
// adds its own separators).
std::optional<std::string> etcd_prefix(std::string_view text, std::string& problem) {
  const bool printable = std::all_of(text.begin(), text.end(), [](char c) { return c > ' ' && c < 0x7f; });
  if (text.size() < 2 || text.front() != '/' || text.back() == '/' || !printable) {
    problem = "not an etcd key prefix " + quoted(text) +
              " (expected '/' then printable characters, no trailing '/', e.g. \"/roam6/home-a\")";
    return std::nullopt;
  }
  return std::string(text);
}

std::optional<std::string> eal_argument(std::string_view text, std::string&) {
  return std::string(text);
}

// --- Sections ---

constexpr std::int64_t kMinLifetime = limits::min_binding_lifetime.count();
constexpr std::int64_t kMaxLifetime = limits::max_binding_lifetime.count();

InterfacesDraft read_interfaces(TableReader& t) {
  InterfacesDraft d;
  d.where = t.where();
  d.uplink = t.string_as<std::string>("uplink", kRequired, interface_name);
  // Required or forbidden depending on the role: config_checks decides.
  d.guests = t.string_as<std::string>("guests", kOptional, interface_name);
  t.report_unknown_keys();
  return d;
}

DatapathDraft read_datapath(TableReader& t) {
  DatapathDraft d;
  d.where = t.where();
  d.eal_args = t.string_list_as<std::string>("eal_args", kOptional, eal_argument);
  d.uplink = t.string_as<std::string>("uplink", kRequired, dpdk_device);
  // Required or forbidden depending on the role: config_checks decides.
  d.guests = t.string_as<std::string>("guests", kOptional, dpdk_device);
  d.workers = t.integer("workers", kOptional, 1, 64);
  d.mbufs = t.integer("mbufs", kOptional, 1023, 1 << 24);
  d.punt_ring = t.integer("punt_ring", kOptional, 64, 1 << 20);
  d.inject_ring = t.integer("inject_ring", kOptional, 64, 1 << 20);
  d.poll = t.string_as<PollMode>("poll", kOptional, poll_mode);
  d.adaptive_sleep_us = t.integer("adaptive_sleep_us", kOptional, 1, 100000);
  d.max_bindings = t.integer("max_bindings", kOptional, 1, 1 << 24);
  d.hold_packets = t.integer("hold_packets", kOptional, 1, 65536);
  d.hold_guests = t.integer("hold_guests", kOptional, 1, 65536);
  d.hold_timeout_ms = t.integer("hold_timeout_ms", kOptional, 1, 60000);
  d.packet_too_big_per_second = t.integer("packet_too_big_per_second", kOptional, 1, 1000000);
  d.packet_too_big_burst = t.integer("packet_too_big_burst", kOptional, 1, 100000);
  d.uplink_mtu = t.integer("uplink_mtu", kOptional, limits::min_mtu, limits::max_mtu);
  t.report_unknown_keys();
  return d;
}

MetricsDraft read_metrics(TableReader& t) {
  MetricsDraft d;
  d.where = t.where();
  d.listen = t.string_as<std::string>("listen", kRequired, listen_address);
  t.report_unknown_keys();
  return d;
}

HomeAgentDraft read_home_agent(TableReader& t) {
  HomeAgentDraft d;
  d.where = t.where();
  d.address = t.string_as<Ip6Addr>("address", kRequired, ip6_address);
  d.home_prefixes = t.string_list_as<Ip6Prefix>("home_prefixes", kRequired, routable_prefix);
  d.max_lifetime = t.integer("max_lifetime", kOptional, kMinLifetime, kMaxLifetime);
  d.store = t.string_as<StoreKind>("store", kOptional, store_kind);
  d.database = t.string("database", kOptional);
  d.etcd_endpoints = t.string_list_as<std::string>("etcd_endpoints", kOptional, etcd_endpoint);
  d.etcd_prefix = t.string_as<std::string>("etcd_prefix", kOptional, etcd_prefix);
  d.etcd_timeout_ms = t.integer("etcd_timeout_ms", kOptional, 10, 60000);
  d.etcd_txn_ops = t.integer("etcd_txn_ops", kOptional, 2, 100000);
  d.leader_election = t.boolean("leader_election", kOptional);
  d.leader_lease_ttl = t.integer("leader_lease_ttl", kOptional, 1, 60);
  d.leader_priority = t.integer("leader_priority", kOptional, 1, 255);
  d.leader_preempt = t.boolean("leader_preempt", kOptional);
  d.replay_window = t.integer("replay_window", kOptional, limits::min_replay_window.count(),
                              limits::max_replay_window.count());
  d.replay_memory_limit = t.integer("replay_memory_limit", kOptional, limits::min_replay_memory_limit,
                                    limits::max_replay_memory_limit);
  d.durable_sync = t.boolean("durable_sync", kOptional);
  d.hand_over_forwarding = t.boolean("hand_over_forwarding", kOptional);
  t.report_unknown_keys();
  return d;
}

HostDraft read_host(TableReader& t) {
  HostDraft d;
  d.where = t.where();
  d.site = t.string("site", kRequired);
  d.care_of_address = t.string_as<Ip6Addr>("care_of_address", kRequired, ip6_address);
  d.key = t.string("key", kRequired);
  d.requested_lifetime = t.integer("requested_lifetime", kOptional, kMinLifetime, kMaxLifetime);
  d.replay_window = t.integer("replay_window", kOptional, limits::min_replay_window.count(),
                              limits::max_replay_window.count());
  d.learned_addresses = t.integer("learned_addresses", kOptional, 0, limits::max_learned_addresses);
  t.report_unknown_keys();
  return d;
}

SiteDraft read_site(TableReader& t) {
  SiteDraft d;
  d.where = t.where();
  d.name = t.string("name", kRequired);
  d.prefix = t.string_as<Ip6Prefix>("prefix", kRequired, routable_prefix);
  d.home_agent = t.string_as<Ip6Addr>("home_agent", kOptional, ip6_address);
  d.router_link_local = t.string_as<Ip6Addr>("router_link_local", kRequired, link_local_address);
  d.router_mac = t.string_as<MacAddr>("router_mac", kRequired, unicast_mac);
  d.mtu = t.integer("mtu", kOptional, limits::min_mtu, limits::max_mtu);
  t.report_unknown_keys();
  return d;
}

Field<std::vector<std::uint8_t>> read_secret(TableReader& t,
                                             const std::filesystem::path& base_directory) {
  const Field<std::string> hex = t.string("secret_hex", kOptional);
  const Field<std::string> file = t.string("secret_file", kOptional);
  Field<std::vector<std::uint8_t>> secret{t.where(), std::nullopt,
                                          t.contains("secret_hex") || t.contains("secret_file")};
  std::string problem;
  if (t.contains("secret_hex") && t.contains("secret_file")) {
    t.errors().add(file.where, "give either secret_hex or secret_file, not both");
  } else if (hex) {
    secret.where = hex.where;
    secret.value = decode_hex_secret(*hex, problem);
  } else if (file) {
    secret.where = file.where;
    secret.value = read_secret_file(*file, base_directory, problem);
  } else if (!t.contains("secret_hex") && !t.contains("secret_file")) {
    t.errors().add(t.where(), "missing secret: set secret_hex or secret_file");
  }
  if (!problem.empty()) t.errors().add(secret.where, problem);
  return secret;
}

KeyDraft read_key(TableReader& t, const std::filesystem::path& base_directory) {
  KeyDraft d;
  d.where = t.where();
  d.name = t.string("name", kRequired);
  d.spi = t.integer("spi", kRequired, limits::min_spi, std::numeric_limits<std::uint32_t>::max());
  d.algorithm = t.string_as<AuthAlgorithm>("algorithm", kOptional, algorithm);
  d.secret = read_secret(t, base_directory);
  t.report_unknown_keys();
  return d;
}

PolicyDraft read_policy_rule(TableReader& t) {
  PolicyDraft d;
  d.where = t.where();
  d.key = t.string("key", kRequired);
  d.care_of_prefixes = t.string_list_as<Ip6Prefix>("care_of_prefixes", kRequired, ip6_prefix);
  d.home_prefixes = t.string_list_as<Ip6Prefix>("home_prefixes", kRequired, ip6_prefix);
  t.report_unknown_keys();
  return d;
}

GuestDraft read_guest(TableReader& t) {
  GuestDraft d;
  d.where = t.where();
  d.name = t.string("name", kRequired);
  d.mac = t.string_as<MacAddr>("mac", kRequired, unicast_mac);
  d.home_address = t.string_as<Ip6Addr>("home_address", kRequired, ip6_address);
  d.home_site = t.string("home_site", kRequired);
  t.report_unknown_keys();
  return d;
}

template <class Draft, class Read>
std::vector<Draft> read_each(TableReader& root, std::string_view key, Read read) {
  std::vector<Draft> drafts;
  for (TableReader& t : root.array_of_tables(key)) drafts.push_back(read(t));
  return drafts;
}

}  // namespace

ConfigDraft read_config_draft(const toml::table& root_table,
                              const std::filesystem::path& base_directory, ErrorCollector& errors) {
  // The root has no position worth pointing at: a missing top-level key is
  // reported by name only.
  ConfigDraft d;
  TableReader root(root_table, Location{}, errors, &d.positions);
  d.role = root.string_as<Role>("role", kRequired, role);
  d.node_name = root.string("node_name", kRequired);
  d.control_socket = root.string_as<std::string>("control_socket", kOptional, unix_socket_path);
  d.log_level = root.string_as<LogLevel>("log_level", kOptional, log_level);
  d.error_messages_per_second = root.integer("error_messages_per_second", kOptional, 1, 1000000);
  d.error_messages_burst = root.integer("error_messages_burst", kOptional, 1, 100000);
  // Required unless [datapath] replaces it: config_checks decides.
  d.interfaces_given = root.contains("interfaces");
  d.datapath_given = root.contains("datapath");
  if (auto t = root.table("interfaces", kOptional)) d.interfaces = read_interfaces(*t);
  if (auto t = root.table("datapath", kOptional)) d.datapath = read_datapath(*t);
  if (auto t = root.table("metrics", kOptional)) d.metrics = read_metrics(*t);
  if (auto t = root.table("home_agent", kOptional)) d.home_agent = read_home_agent(*t);
  if (auto t = root.table("host", kOptional)) d.host = read_host(*t);
  d.sites = read_each<SiteDraft>(root, "sites", read_site);
  d.keys = read_each<KeyDraft>(root, "keys",
                               [&](TableReader& t) { return read_key(t, base_directory); });
  d.policy = read_each<PolicyDraft>(root, "policy", read_policy_rule);
  d.guests = read_each<GuestDraft>(root, "guests", read_guest);
  root.report_unknown_keys();
  return d;
}

}  // namespace roam6::mip6d::config_internal
