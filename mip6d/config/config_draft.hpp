#pragma once
// The configuration as read, before the checks that relate one part of it to
// another: every value remembers where it came from, and values that were
// missing or invalid are empty. Internal to the config loader.

#include <cstdint>
#include <optional>
#include <vector>

#include "mip6d/config/config.hpp"
#include "mip6d/config/toml_reader.hpp"

namespace roam6::mip6d::config_internal {

struct SiteDraft {
  Location where;
  Field<std::string> name;
  Field<Ip6Prefix> prefix;
  Field<Ip6Addr> home_agent;
  Field<Ip6Addr> router_link_local;
  Field<MacAddr> router_mac;
  Field<std::int64_t> mtu;
};

struct KeyDraft {
  Location where;
  Field<std::string> name;
  Field<std::int64_t> spi;
  Field<AuthAlgorithm> algorithm;
  Field<std::vector<std::uint8_t>> secret;  // from secret_hex or secret_file
};

struct PolicyDraft {
  Location where;
  Field<std::string> key;
  Field<std::vector<Ip6Prefix>> care_of_prefixes;
  Field<std::vector<Ip6Prefix>> home_prefixes;
};

struct GuestDraft {
  Location where;
  Field<std::string> name;
  Field<MacAddr> mac;
  Field<Ip6Addr> home_address;
  Field<std::string> home_site;
};

struct HomeAgentDraft {
  Location where;
  Field<Ip6Addr> address;
  Field<std::vector<Ip6Prefix>> home_prefixes;
  Field<std::int64_t> max_lifetime;
  Field<StoreKind> store;
  Field<std::string> database;
  Field<std::vector<std::string>> etcd_endpoints;
  Field<std::string> etcd_prefix;
  Field<std::int64_t> etcd_timeout_ms;
  Field<std::int64_t> etcd_txn_ops;
  Field<bool> leader_election;
  Field<std::int64_t> leader_lease_ttl;
  Field<std::int64_t> leader_priority;
  Field<bool> leader_preempt;
  Field<std::int64_t> replay_window;
  Field<std::int64_t> replay_memory_limit;
  Field<bool> durable_sync;
  Field<bool> hand_over_forwarding;
};

struct HostDraft {
  Location where;
  Field<std::string> site;
  Field<Ip6Addr> care_of_address;
  Field<std::string> key;
  Field<std::int64_t> requested_lifetime;
  Field<std::int64_t> replay_window;
  Field<std::int64_t> learned_addresses;
};

struct InterfacesDraft {
  Location where;
  Field<std::string> uplink;
  Field<std::string> guests;
};

struct DatapathDraft {
  Location where;
  Field<std::vector<std::string>> eal_args;
  Field<std::string> uplink;
  Field<std::string> guests;
  Field<std::int64_t> workers;
  Field<std::int64_t> mbufs;
  Field<std::int64_t> punt_ring;
  Field<std::int64_t> inject_ring;
  Field<PollMode> poll;
  Field<std::int64_t> adaptive_sleep_us;
  Field<std::int64_t> max_bindings;
  Field<std::int64_t> hold_packets;
  Field<std::int64_t> hold_guests;
  Field<std::int64_t> hold_timeout_ms;
  Field<std::int64_t> packet_too_big_per_second;
  Field<std::int64_t> packet_too_big_burst;
  Field<std::int64_t> uplink_mtu;
};

struct MetricsDraft {
  Location where;
  Field<std::string> listen;
};

struct ConfigDraft {
  Field<Role> role;
  Field<std::string> node_name;
  Field<std::string> control_socket;
  Field<LogLevel> log_level;
  Field<std::int64_t> error_messages_per_second;
  Field<std::int64_t> error_messages_burst;
  std::optional<InterfacesDraft> interfaces;
  std::vector<SiteDraft> sites;
  std::vector<KeyDraft> keys;
  std::vector<PolicyDraft> policy;
  std::vector<GuestDraft> guests;
  std::optional<HomeAgentDraft> home_agent;
  std::optional<HostDraft> host;
  std::optional<DatapathDraft> datapath;
  std::optional<MetricsDraft> metrics;
  // Every key read, with its position (Config::positions).
  KeyPositions positions;
  // The key is in the document, even if it is not a table (already reported).
  bool interfaces_given = false;
  bool datapath_given = false;
};

// Only for a draft no check found anything wrong with: every required field
// is then present. Absent optional fields keep Config's defaults.
Config to_config(ConfigDraft&& draft, std::string source);

}  // namespace roam6::mip6d::config_internal
