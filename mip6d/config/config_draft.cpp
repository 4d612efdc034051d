#include "mip6d/config/config_draft.hpp"

#include <chrono>

namespace roam6::mip6d::config_internal {
namespace {

// Fields were range-checked when read, so these conversions cannot narrow.
std::uint32_t to_u32(std::int64_t value) { return static_cast<std::uint32_t>(value); }
std::chrono::seconds to_seconds(std::int64_t value) { return std::chrono::seconds(value); }

template <class T, class U, class Convert>
void assign_if_set(T& target, const Field<U>& field, Convert convert) {
  if (field) target = convert(*field);
}
template <class T, class U>
void assign_if_set(T& target, const Field<U>& field) {
  if (field) target = *field;
}

Site to_site(SiteDraft&& d) {
  Site site;
  site.name = std::move(d.name.value.value());
  site.prefix = *d.prefix;
  site.home_agent = d.home_agent.value;
  site.router_link_local = *d.router_link_local;
  site.router_mac = *d.router_mac;
  assign_if_set(site.mtu, d.mtu, to_u32);
  return site;
}

Key to_key(KeyDraft&& d) {
  Key key;
  key.name = std::move(d.name.value.value());
  key.spi = to_u32(*d.spi);
  assign_if_set(key.algorithm, d.algorithm);
  key.secret = std::move(d.secret.value.value());
  return key;
}

PolicyRule to_policy_rule(PolicyDraft&& d) {
  return PolicyRule{std::move(d.key.value.value()), std::move(d.care_of_prefixes.value.value()),
                    std::move(d.home_prefixes.value.value())};
}

Guest to_guest(GuestDraft&& d) {
  return Guest{std::move(d.name.value.value()), *d.mac, *d.home_address,
               std::move(d.home_site.value.value())};
}

HomeAgentConfig to_home_agent(HomeAgentDraft&& d) {
  HomeAgentConfig ha;
  ha.address = *d.address;
  ha.home_prefixes = std::move(d.home_prefixes.value.value());
  assign_if_set(ha.max_lifetime, d.max_lifetime, to_seconds);
  assign_if_set(ha.store, d.store);
  assign_if_set(ha.database, d.database);
  assign_if_set(ha.etcd.endpoints, d.etcd_endpoints);
  assign_if_set(ha.etcd.prefix, d.etcd_prefix);
  assign_if_set(ha.etcd.timeout, d.etcd_timeout_ms, [](std::int64_t v) { return std::chrono::milliseconds(v); });
  assign_if_set(ha.etcd.txn_ops, d.etcd_txn_ops, [](std::int64_t v) { return static_cast<std::size_t>(v); });
  assign_if_set(ha.leader_election, d.leader_election);
  assign_if_set(ha.leader_lease_ttl, d.leader_lease_ttl, to_seconds);
  assign_if_set(ha.leader_priority, d.leader_priority, [](std::int64_t v) { return static_cast<int>(v); });
  assign_if_set(ha.leader_preempt, d.leader_preempt);
  assign_if_set(ha.replay_window, d.replay_window, to_seconds);
  assign_if_set(ha.replay_memory_limit, d.replay_memory_limit, [](std::int64_t v) { return static_cast<std::size_t>(v); });
  assign_if_set(ha.durable_sync, d.durable_sync);
  assign_if_set(ha.hand_over_forwarding, d.hand_over_forwarding);
  return ha;
}

HostConfig to_host(HostDraft&& d) {
  HostConfig host;
  host.site = std::move(d.site.value.value());
  host.care_of_address = *d.care_of_address;
  host.key = std::move(d.key.value.value());
  assign_if_set(host.requested_lifetime, d.requested_lifetime, to_seconds);
  assign_if_set(host.replay_window, d.replay_window, to_seconds);
  assign_if_set(host.learned_addresses, d.learned_addresses,
                [](std::int64_t n) { return static_cast<std::uint32_t>(n); });
  return host;
}

DatapathConfig to_datapath(DatapathDraft&& d, const Config& config) {
  DatapathConfig dp;
  if (d.eal_args) {
    dp.eal_args = std::move(*d.eal_args.value);
  } else {
    dp.eal_args = default_eal_args(config.node_name, hugepages_available());
  }
  dp.uplink = std::move(d.uplink.value.value());
  assign_if_set(dp.guests, d.guests);
  assign_if_set(dp.workers, d.workers, to_u32);
  assign_if_set(dp.mbufs, d.mbufs, to_u32);
  assign_if_set(dp.punt_ring, d.punt_ring, to_u32);
  assign_if_set(dp.inject_ring, d.inject_ring, to_u32);
  assign_if_set(dp.poll, d.poll);
  assign_if_set(dp.adaptive_sleep_us, d.adaptive_sleep_us, to_u32);
  dp.max_bindings = config.role == Role::home_agent ? datapath_defaults::max_tunnels
                                                    : datapath_defaults::max_guests;
  assign_if_set(dp.max_bindings, d.max_bindings, to_u32);
  assign_if_set(dp.hold_packets, d.hold_packets, to_u32);
  assign_if_set(dp.hold_guests, d.hold_guests, to_u32);
  assign_if_set(dp.hold_timeout_ms, d.hold_timeout_ms, to_u32);
  assign_if_set(dp.packet_too_big_per_second, d.packet_too_big_per_second, to_u32);
  assign_if_set(dp.packet_too_big_burst, d.packet_too_big_burst, to_u32);
  // The link the uplink is on: the host's site, or the Home Agent's home site.
  const Site* site = nullptr;
  if (config.host) site = config.find_site(config.host->site);
  if (config.home_agent) site = config.find_site_containing(config.home_agent->address);
  if (site != nullptr) dp.uplink_mtu = site->mtu;
  assign_if_set(dp.uplink_mtu, d.uplink_mtu, to_u32);
  return dp;
}

template <class Out, class In, class Convert>
std::vector<Out> convert_all(std::vector<In>&& drafts, Convert convert) {
  std::vector<Out> out;
  out.reserve(drafts.size());
  for (auto& d : drafts) out.push_back(convert(std::move(d)));
  return out;
}

}  // namespace

Config to_config(ConfigDraft&& draft, std::string source) {
  Config config;
  config.source = std::move(source);
  config.role = *draft.role;
  config.node_name = std::move(draft.node_name.value.value());
  assign_if_set(config.control_socket, draft.control_socket);
  assign_if_set(config.log_level, draft.log_level);
  assign_if_set(config.error_messages_per_second, draft.error_messages_per_second, to_u32);
  assign_if_set(config.error_messages_burst, draft.error_messages_burst, to_u32);
  if (draft.interfaces) {  // absent only when [datapath] replaces it
    InterfacesDraft& interfaces = *draft.interfaces;
    config.interfaces.uplink = std::move(interfaces.uplink.value.value());
    assign_if_set(config.interfaces.guests, interfaces.guests);
  }
  config.sites = convert_all<Site>(std::move(draft.sites), to_site);
  config.keys = convert_all<Key>(std::move(draft.keys), to_key);
  config.policy = convert_all<PolicyRule>(std::move(draft.policy), to_policy_rule);
  config.guests = convert_all<Guest>(std::move(draft.guests), to_guest);
  if (draft.home_agent) config.home_agent = to_home_agent(std::move(*draft.home_agent));
  if (draft.host) config.host = to_host(std::move(*draft.host));
  if (draft.datapath) config.datapath = to_datapath(std::move(*draft.datapath), config);
  if (draft.metrics) config.metrics = MetricsConfig{std::move(draft.metrics->listen.value.value())};
  config.positions = std::move(draft.positions);
  return config;
}

}  // namespace roam6::mip6d::config_internal
