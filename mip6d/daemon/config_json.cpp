#include "mip6d/daemon/config_json.hpp"

namespace roam6::mip6d::daemon {
namespace {

using nlohmann::json;

json prefixes_json(const std::vector<Ip6Prefix>& prefixes) {
  json out = json::array();
  for (const auto& prefix : prefixes) out.push_back(prefix.to_string());
  return out;
}

json site_json(const Site& site) {
  return {{"name", site.name},
          {"prefix", site.prefix.to_string()},
          {"home_agent", site.home_agent ? json(site.home_agent->to_string()) : json(nullptr)},
          {"router_link_local", site.router_link_local.to_string()},
          {"router_mac", site.router_mac.to_string()},
          {"mtu", site.mtu}};
}

json key_json(const Key& key) {
  // The secret's length tells an operator the right file was read without
  // handing the secret to everyone who may use the control socket.
  return {{"name", key.name},
          {"spi", key.spi},
          {"algorithm", std::string(to_string(key.algorithm))},
          {"secret_bytes", key.secret.size()}};
}

json policy_json(const PolicyRule& rule) {
  return {{"key", rule.key},
          {"care_of_prefixes", prefixes_json(rule.care_of_prefixes)},
          {"home_prefixes", prefixes_json(rule.home_prefixes)}};
}

json guest_json(const Guest& guest) {
  return {{"name", guest.name},
          {"mac", guest.mac.to_string()},
          {"home_address", guest.home_address.to_string()},
          {"home_site", guest.home_site}};
}

json home_agent_json(const HomeAgentConfig& ha) {
  json shown = {{"address", ha.address.to_string()},
                {"home_prefixes", prefixes_json(ha.home_prefixes)},
                {"max_lifetime", ha.max_lifetime.count()},
                {"replay_window", ha.replay_window.count()},
                {"replay_memory_limit", ha.replay_memory_limit},
                {"hand_over_forwarding", ha.hand_over_forwarding}};
  // The keys of the store in use only: the other's are refused in the file.
  if (ha.store == StoreKind::etcd) {
    shown["store"] = "etcd";
    shown["etcd_endpoints"] = ha.etcd.endpoints;
    shown["etcd_prefix"] = ha.etcd.prefix;
    shown["etcd_timeout_ms"] = ha.etcd.timeout.count();
    shown["etcd_txn_ops"] = ha.etcd.txn_ops;
    shown["leader_election"] = ha.leader_election;
    shown["leader_lease_ttl"] = ha.leader_lease_ttl.count();
    shown["leader_priority"] = ha.leader_priority;
    shown["leader_preempt"] = ha.leader_preempt;
  } else {
    shown["store"] = "sqlite";
    shown["database"] = ha.database;
    shown["durable_sync"] = ha.durable_sync;
  }
  return shown;
}

json host_json(const HostConfig& host) {
  return {{"site", host.site},
          {"care_of_address", host.care_of_address.to_string()},
          {"key", host.key},
          {"requested_lifetime", host.requested_lifetime.count()},
          {"replay_window", host.replay_window.count()},
          {"learned_addresses", host.learned_addresses}};
}

json datapath_json(const DatapathConfig& dp) {
  json out{{"eal_args", dp.eal_args},
           {"uplink", dp.uplink},
           {"workers", dp.workers},
           {"mbufs", dp.mbufs},
           {"punt_ring", dp.punt_ring},
           {"inject_ring", dp.inject_ring},
           {"poll", std::string(to_string(dp.poll))},
           {"adaptive_sleep_us", dp.adaptive_sleep_us},
           {"max_bindings", dp.max_bindings},
           {"hold_packets", dp.hold_packets},
           {"hold_guests", dp.hold_guests},
           {"hold_timeout_ms", dp.hold_timeout_ms},
           {"packet_too_big_per_second", dp.packet_too_big_per_second},
           {"packet_too_big_burst", dp.packet_too_big_burst},
           {"uplink_mtu", dp.uplink_mtu}};
  if (!dp.guests.empty()) out["guests"] = dp.guests;
  return out;
}

template <class T, class F>
json array_of(const std::vector<T>& items, F&& to_json) {
  json out = json::array();
  for (const auto& item : items) out.push_back(to_json(item));
  return out;
}

}  // namespace

json config_to_json(const Config& config) {
  json interfaces = json::object();
  if (!config.interfaces.uplink.empty()) interfaces["uplink"] = config.interfaces.uplink;
  if (!config.interfaces.guests.empty()) interfaces["guests"] = config.interfaces.guests;

  json out{{"source", config.source},
           {"role", std::string(to_string(config.role))},
           {"node_name", config.node_name},
           {"control_socket", config.control_socket},
           {"log_level", std::string(to_string(config.log_level))},
           {"error_messages_per_second", config.error_messages_per_second},
           {"error_messages_burst", config.error_messages_burst},
           {"interfaces", std::move(interfaces)},
           {"sites", array_of(config.sites, site_json)},
           {"keys", array_of(config.keys, key_json)},
           {"policy", array_of(config.policy, policy_json)},
           {"guests", array_of(config.guests, guest_json)}};
  if (config.home_agent) out["home_agent"] = home_agent_json(*config.home_agent);
  if (config.host) out["host"] = host_json(*config.host);
  if (config.datapath) out["datapath"] = datapath_json(*config.datapath);
  if (config.metrics) out["metrics"] = {{"listen", config.metrics->listen}};
  return out;
}

}  // namespace roam6::mip6d::daemon
