#pragma once
// The daemon's configuration as plain values: what the operator wrote in the
// TOML file, validated. Both roles share the file format (docs/configuration.md).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mip6d/config/config_error.hpp"
#include "roam6/wire/address.hpp"

namespace roam6::mip6d {

using wire::Ip6Addr;
using wire::Ip6Prefix;
using wire::MacAddr;

enum class Role : std::uint8_t { home_agent, host };

enum class AuthAlgorithm : std::uint8_t {
  hmac_sha256,  // 32-byte authenticator
  hmac_sha1_96, // RFC 4285's MN-HA algorithm: first 96 bits of HMAC-SHA1 (default)
};

enum class LogLevel : std::uint8_t { error, warning, info, debug };

// How the DPDK forwarding cores wait for packets ([datapath] poll).
enum class PollMode : std::uint8_t {
  busy,      // poll without pause: lowest latency, one core at 100 % per worker
  adaptive,  // sleep adaptive_sleep_us after a run of empty polls
};

// The spellings used in the configuration file ("home-agent", "hmac-sha1-96",
// "warning", ...); parse_* return nullopt for anything else.
std::string_view to_string(Role role) noexcept;
std::string_view to_string(AuthAlgorithm algorithm) noexcept;
std::string_view to_string(LogLevel level) noexcept;
std::string_view to_string(PollMode mode) noexcept;
std::optional<Role> parse_role(std::string_view text) noexcept;
std::optional<AuthAlgorithm> parse_auth_algorithm(std::string_view text) noexcept;
std::optional<LogLevel> parse_log_level(std::string_view text) noexcept;
std::optional<PollMode> parse_poll_mode(std::string_view text) noexcept;

// Limits the loader enforces, here so the code that uses the values can rely
// on them.
namespace limits {
// RFC 6275 section 6.1.7: the BU/BA Lifetime field counts 4-second units in 16
// bits. Anything shorter than one unit encodes as 0, which means "deregister".
inline constexpr std::chrono::seconds min_binding_lifetime{4};
inline constexpr std::chrono::seconds max_binding_lifetime{65535 * 4};
// RFC 8200 section 5: every IPv6 link carries at least 1280 octets; 9216 is
// the largest jumbo frame common switches accept.
inline constexpr std::uint32_t min_mtu = 1280;
inline constexpr std::uint32_t max_mtu = 9216;
// RFC 4285 section 5.1: SPIs 0-255 are reserved.
inline constexpr std::uint32_t min_spi = 256;
inline constexpr std::size_t min_secret_bytes = 16;
// Timestamps further apart than this are replays; wider windows let a
// captured BU be replayed for longer.
inline constexpr std::chrono::seconds min_replay_window{1};
inline constexpr std::chrono::seconds max_replay_window{300};
inline constexpr std::int64_t max_learned_addresses = 64;
inline constexpr std::int64_t min_replay_memory_limit = 1024;
inline constexpr std::int64_t max_replay_memory_limit = 16 * 1048576;
}  // namespace limits

// A shared secret between hosts and a Home Agent, named by its Mobility SPI
// (RFC 4285). Hosts sign BUs with it; the HA verifies and signs BAs.
struct Key {
  std::string name;
  std::uint32_t spi = 0;
  // RFC 4285 5.1 defines HMAC-SHA1-96 for MN-HA: the default, so a host
  // works with an existing Home Agent out of the box.
  AuthAlgorithm algorithm = AuthAlgorithm::hmac_sha1_96;
  std::vector<std::uint8_t> secret;  // at least 16 bytes
};

// A site: one IPv6 prefix, one router, possibly one Home Agent serving
// guests whose home is here.
struct Site {
  std::string name;
  Ip6Prefix prefix;                        // the site's (home) link prefix
  std::optional<Ip6Addr> home_agent;       // HA address for guests homed here
  Ip6Addr router_link_local;               // default router on the link, as guests see it
  MacAddr router_mac;
  std::uint32_t mtu = 1500;
};

// HA authorisation: which hosts (by key and care-of source prefix) may
// register addresses in which home prefixes.
struct PolicyRule {
  std::string key;                              // Key::name
  std::vector<Ip6Prefix> care_of_prefixes;      // allowed CoA sources
  std::vector<Ip6Prefix> home_prefixes;         // allowed HoAs
};

struct Guest {
  std::string name;
  MacAddr mac;
  Ip6Addr home_address;
  std::string home_site;  // Site::name
};

// Where the Home Agent keeps its binding cache and replay memory.
enum class StoreKind : std::uint8_t {
  sqlite,  // one Home Agent: an embedded SQLite file (`database`)
  etcd,    // a cluster: shared in etcd (docs/cluster.md)
};

// The etcd cluster a Home Agent writes to ([home_agent] store = "etcd").
struct EtcdSettings {
  // Client URLs of the members, "http://ADDRESS:PORT"; tried in turn.
  std::vector<std::string> endpoints;
  // Every key this Home Agent writes starts with it; Home Agents that serve
  // the same home link share it.
  std::string prefix = "/roam6";
  // Longest wait for one request before the member counts as unreachable.
  std::chrono::milliseconds timeout{500};
  // Operations in one etcd transaction (etcd's --max-txn-ops, 128 unless
  // raised); a larger batch is written as several transactions.
  std::size_t txn_ops = 128;
};

struct HomeAgentConfig {
  Ip6Addr address;                          // the HA's own address on the home link
  std::vector<Ip6Prefix> home_prefixes;     // prefixes it serves
  std::chrono::seconds max_lifetime{3600};  // granted lifetime cap
  StoreKind store = StoreKind::sqlite;
  // SQLite file for the binding cache (store = "sqlite").
  std::string database = "/var/lib/roam6/bindings.sqlite";
  EtcdSettings etcd;  // store = "etcd"
  // Active/standby with the other Home Agents on the same etcd prefix: only
  // the holder of the leader key's lease serves (docs/cluster.md).
  bool leader_election = false;
  std::chrono::seconds leader_lease_ttl{2};
  // Which member should lead (higher first; among equals, a hash of the
  // node name and etcd prefix, which spreads the leaders of many prefixes
  // over the machines), and whether it takes the lead back from a lower
  // one once it is ready (as VRRP's preempt).
  int leader_priority = 100;
  bool leader_preempt = true;
  // RFC 4285 replay protection: accepted clock difference for timestamps.
  std::chrono::seconds replay_window{7};
  // Replay records kept at most (home addresses and mobile node identities
  // accepted within the last window); see home_agent/replay_memory.hpp.
  std::size_t replay_memory_limit = 1048576;
  bool durable_sync = false;  // true: fsync every commit (power-loss safe)
  // Zero-loss moves: when a binding moves to another care-of address, tell
  // the one it left where it went (RFC 5846 Binding Revocation Indication
  // with an Alternate Care-of Address option), so a roam6 host forwards the
  // guest's held and late packets there; the BA names the previous address.
  bool hand_over_forwarding = false;
};

struct HostConfig {
  std::string site;            // Site::name where this host stands
  Ip6Addr care_of_address;     // this host's address at its site
  std::string key;             // Key::name used to sign BUs
  std::chrono::seconds requested_lifetime{600};
  // RFC 4285 replay protection on what the Home Agent sends us (Binding
  // Refresh Requests): accepted difference between its clock and ours.
  std::chrono::seconds replay_window{7};
  // Addresses each guest may use besides its home address, learned from its
  // Duplicate Address Detection (SLAAC, privacy addresses) and each bound at
  // the Home Agent; 0: none (a guest's DAD for any other address of its home
  // prefix is answered, so it never uses one it cannot be reached at).
  std::uint32_t learned_addresses = 0;
};

struct Interfaces {
  std::string uplink;      // host: site uplink; HA: home link
  std::string guests;      // host only: guest-facing side (OVS)
};

// The DPDK datapath ([datapath]). Without it mip6d uses packet sockets on
// [interfaces] and programs no data plane.
struct DatapathConfig {
  // EAL arguments (without argv[0]). Empty in the file means the default,
  // which to_config fills in: see default_eal_args().
  std::vector<std::string> eal_args;
  std::string uplink;   // DPDK device string, e.g. "net_af_packet0,iface=veth1"
  std::string guests;   // host only
  std::uint32_t workers = 1;
  std::uint32_t mbufs = 16383;
  std::uint32_t punt_ring = 1024;
  std::uint32_t inject_ring = 1024;
  PollMode poll = PollMode::busy;
  std::uint32_t adaptive_sleep_us = 100;
  // Home Agent: tunnels; host: guests on this host.
  std::uint32_t max_bindings = 0;  // 0 in the file is refused; default set by role
  std::uint32_t hold_packets = 256;      // per guest, before it resumes
  std::uint32_t hold_guests = 64;        // guests holding at once, per core
  std::uint32_t hold_timeout_ms = 5000;
  std::uint32_t packet_too_big_per_second = 100;
  std::uint32_t packet_too_big_burst = 10;
  // The uplink's IPv6 MTU; default: the mtu of the site the node stands on
  // (host: host.site; Home Agent: the site of its address).
  std::uint32_t uplink_mtu = 1500;
};

// The Prometheus metrics listener ([metrics]).
struct MetricsConfig {
  // "ADDRESS:PORT": "127.0.0.1:9464" or "[::1]:9464" (IPv6 in brackets; the
  // listener refuses it when its HTTP server lacks IPv6, as Debian 12's does).
  // The scrape path is /metrics.
  std::string listen;
};

namespace datapath_defaults {
inline constexpr std::uint32_t max_tunnels = 1u << 20;
inline constexpr std::uint32_t max_guests = 1u << 16;
}  // namespace datapath_defaults

// ["--no-pci", "--no-telemetry", "-l", "0-1", "--file-prefix=roam6-<node_name>"],
// preceded by ["--no-huge", "-m", "1024"] unless hugepages are available,
// in which case the EAL takes its memory from them (about 30 % cheaper per
// packet: fewer TLB misses).
std::vector<std::string> default_eal_args(std::string_view node_name, bool hugepages);

// True when the kernel has free hugepages and a hugetlbfs is mounted: what
// the EAL needs to run without --no-huge. Reads /proc/meminfo and /proc/mounts.
bool hugepages_available();

struct Config {
  std::string source;      // file it came from, for messages
  Role role = Role::host;
  std::string node_name;
  std::string control_socket = "/run/roam6/mip6d.sock";
  LogLevel log_level = LogLevel::info;
  // RFC 4443 2.4 (f): the rate of ICMPv6 errors (and RFC 6275 9.3.3 Binding
  // Errors) a role sends about packets it discards, as a token bucket.
  std::uint32_t error_messages_per_second = 10;
  std::uint32_t error_messages_burst = 10;
  Interfaces interfaces;
  std::vector<Site> sites;
  std::vector<Key> keys;
  std::vector<PolicyRule> policy;
  std::vector<Guest> guests;
  std::optional<HomeAgentConfig> home_agent;  // set iff role == home_agent
  std::optional<HostConfig> host;             // set iff role == host
  // Set: the DPDK datapath carries the packets; `interfaces` (optional then)
  // is not used for I/O.
  std::optional<DatapathConfig> datapath;
  // Set: mip6d serves its counters to Prometheus on metrics->listen.
  std::optional<MetricsConfig> metrics;
  // Where each key was in `source`, so that a failure found after loading
  // (a socket in use, a locked store, a device that does not exist) can
  // point at the line to change.
  KeyPositions positions;

  // "<source>:<line>:<column>: <key_path>", the way configuration errors
  // begin; without the position when the key was not in the file (it kept
  // its default).
  [[nodiscard]] std::string locate(std::string_view key_path) const;

  // nullptr when nothing matches. Names, SPIs, MACs and home addresses are
  // unique (the loader rejects duplicates) and site prefixes do not overlap.
  const Site* find_site(std::string_view name) const;
  const Site* find_site_containing(const Ip6Addr& address) const;
  const Key* find_key(std::string_view name) const;
  const Key* find_key(std::uint32_t spi) const;
  const Guest* find_guest(std::string_view name) const;
  const Guest* find_guest(const MacAddr& mac) const;
  const Guest* find_guest_by_home_address(const Ip6Addr& home_address) const;
};

}  // namespace roam6::mip6d
