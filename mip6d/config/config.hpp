#pragma once
// The daemon's configuration as plain values: what the operator wrote in the
// TOML file, validated. Both roles share the file format (docs/configuration.md).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "roam6/wire/address.hpp"

namespace roam6::mip6d {

using wire::Ip6Addr;
using wire::Ip6Prefix;
using wire::MacAddr;

enum class Role : std::uint8_t { home_agent, host };

enum class AuthAlgorithm : std::uint8_t {
  hmac_sha256,  // 32-byte authenticator (roam6 default)
  hmac_sha1_96, // RFC 4285's MN-HA algorithm: first 96 bits of HMAC-SHA1
};

// A shared secret between hosts and a Home Agent, named by its Mobility SPI
// (RFC 4285). Hosts sign BUs with it; the HA verifies and signs BAs.
struct Key {
  std::string name;
  std::uint32_t spi = 0;
  AuthAlgorithm algorithm = AuthAlgorithm::hmac_sha256;
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

struct HomeAgentConfig {
  Ip6Addr address;                          // the HA's own address on the home link
  std::vector<Ip6Prefix> home_prefixes;     // prefixes it serves
  std::chrono::seconds max_lifetime{3600};  // granted lifetime cap
  std::string database;                     // SQLite file for the binding cache
  // RFC 4285 replay protection: accepted clock difference for timestamps.
  std::chrono::seconds replay_window{7};
  bool durable_sync = false;  // true: fsync every commit (power-loss safe)
};

struct HostConfig {
  std::string site;            // Site::name where this host stands
  Ip6Addr care_of_address;     // this host's address at its site
  std::string key;             // Key::name used to sign BUs
  std::chrono::seconds requested_lifetime{600};
};

struct Interfaces {
  std::string uplink;      // host: site uplink; HA: home link
  std::string guests;      // host only: guest-facing side (OVS)
};

struct Config {
  std::string source;      // file it came from, for messages
  Role role = Role::host;
  std::string node_name;
  std::string control_socket = "/run/roam6/mip6d.sock";
  Interfaces interfaces;
  std::vector<Site> sites;
  std::vector<Key> keys;
  std::vector<PolicyRule> policy;
  std::vector<Guest> guests;
  std::optional<HomeAgentConfig> home_agent;  // set iff role == home_agent
  std::optional<HostConfig> host;             // set iff role == host

  const Site* find_site(std::string_view name) const;
  const Key* find_key(std::string_view name) const;
  const Key* find_key(std::uint32_t spi) const;
  const Guest* find_guest(std::string_view name) const;
};

}  // namespace roam6::mip6d
