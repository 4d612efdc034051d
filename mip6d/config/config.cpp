#include "mip6d/config/config.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <limits>
#include <utility>

namespace roam6::mip6d {
namespace {

// One table per enum keeps to_string and parse_* spelling the same words.
constexpr std::array<std::pair<Role, std::string_view>, 2> kRoleNames{{
    {Role::home_agent, "home-agent"},
    {Role::host, "host"},
}};
constexpr std::array<std::pair<AuthAlgorithm, std::string_view>, 2> kAlgorithmNames{{
    {AuthAlgorithm::hmac_sha256, "hmac-sha256"},
    {AuthAlgorithm::hmac_sha1_96, "hmac-sha1-96"},
}};
constexpr std::array<std::pair<LogLevel, std::string_view>, 4> kLogLevelNames{{
    {LogLevel::error, "error"},
    {LogLevel::warning, "warning"},
    {LogLevel::info, "info"},
    {LogLevel::debug, "debug"},
}};
constexpr std::array<std::pair<PollMode, std::string_view>, 2> kPollModeNames{{
    {PollMode::busy, "busy"},
    {PollMode::adaptive, "adaptive"},
}};

template <class Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& names,
                         Enum value) noexcept {
  for (const auto& [v, name] : names)
    if (v == value) return name;
  return "?";
}

template <class Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& names,
                             std::string_view text) noexcept {
  for (const auto& [v, name] : names)
    if (name == text) return v;
  return std::nullopt;
}

template <class T, class Pred>
const T* find_if_ptr(const std::vector<T>& items, Pred pred) {
  const auto it = std::find_if(items.begin(), items.end(), pred);
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

std::string_view to_string(Role role) noexcept { return name_of(kRoleNames, role); }
std::string_view to_string(AuthAlgorithm algorithm) noexcept {
  return name_of(kAlgorithmNames, algorithm);
}
std::string_view to_string(LogLevel level) noexcept { return name_of(kLogLevelNames, level); }

std::optional<Role> parse_role(std::string_view text) noexcept {
  return value_of(kRoleNames, text);
}
std::optional<AuthAlgorithm> parse_auth_algorithm(std::string_view text) noexcept {
  return value_of(kAlgorithmNames, text);
}
std::optional<LogLevel> parse_log_level(std::string_view text) noexcept {
  return value_of(kLogLevelNames, text);
}
std::string_view to_string(PollMode mode) noexcept { return name_of(kPollModeNames, mode); }
std::optional<PollMode> parse_poll_mode(std::string_view text) noexcept {
  return value_of(kPollModeNames, text);
}

std::vector<std::string> default_eal_args(std::string_view node_name, bool hugepages) {
  // No PCI scan: runs on any machine, with virtual devices (net_af_packet,
  // net_af_xdp, net_memif, ...). The file prefix keeps two nodes on one
  // machine from sharing DPDK runtime files.
  std::vector<std::string> args;
  if (!hugepages) args = {"--no-huge", "-m", "1024"};
  args.insert(args.end(), {"--no-pci", "--no-telemetry", "-l", "0-1",
                           "--file-prefix=roam6-" + std::string(node_name)});
  return args;
}

bool hugepages_available() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  long free_pages = 0;
  while (meminfo >> key) {
    if (key == "HugePages_Free:") {
      meminfo >> free_pages;
      break;
    }
    meminfo.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  if (free_pages <= 0) return false;
  std::ifstream mounts("/proc/mounts");
  std::string line;
  while (std::getline(mounts, line)) {
    if (line.find(" hugetlbfs ") != std::string::npos) return true;
  }
  return false;
}

std::string Config::locate(std::string_view key_path) const {
  ConfigError where{source, std::string(key_path), std::nullopt, ""};
  if (const auto it = positions.find(key_path); it != positions.end()) where.position = it->second;
  std::string text = where.to_string();
  // to_string() ends in ": " + problem; the caller supplies the problem.
  return text.substr(0, text.size() - 2);
}

const Site* Config::find_site(std::string_view name) const {
  return find_if_ptr(sites, [&](const Site& s) { return s.name == name; });
}

const Site* Config::find_site_containing(const Ip6Addr& address) const {
  return find_if_ptr(sites, [&](const Site& s) { return s.prefix.contains(address); });
}

const Key* Config::find_key(std::string_view name) const {
  return find_if_ptr(keys, [&](const Key& k) { return k.name == name; });
}

const Key* Config::find_key(std::uint32_t spi) const {
  return find_if_ptr(keys, [&](const Key& k) { return k.spi == spi; });
}

const Guest* Config::find_guest(std::string_view name) const {
  return find_if_ptr(guests, [&](const Guest& g) { return g.name == name; });
}

const Guest* Config::find_guest(const MacAddr& mac) const {
  return find_if_ptr(guests, [&](const Guest& g) { return g.mac == mac; });
}

const Guest* Config::find_guest_by_home_address(const Ip6Addr& home_address) const {
  return find_if_ptr(guests, [&](const Guest& g) { return g.home_address == home_address; });
}

}  // namespace roam6::mip6d
