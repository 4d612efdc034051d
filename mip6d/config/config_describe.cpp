#include "mip6d/config/config_describe.hpp"

namespace roam6::mip6d {
namespace {

std::string join(const std::vector<Ip6Prefix>& prefixes) {
  std::string text;
  for (const auto& p : prefixes) text += (text.empty() ? "" : ", ") + p.to_string();
  return text;
}

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& i : items) text += (text.empty() ? "" : ", ") + i;
  return text;
}

std::string seconds(std::chrono::seconds s) { return std::to_string(s.count()) + " s"; }

void describe_home_agent(const HomeAgentConfig& ha, std::string& out) {
  out += "home agent: address " + ha.address.to_string() + ", home prefixes " +
         join(ha.home_prefixes) + ", max lifetime " + seconds(ha.max_lifetime) +
         ", replay window " + seconds(ha.replay_window) + 
         (ha.store == StoreKind::etcd
              ? ", store etcd " + join(ha.etcd.endpoints) + " under " + ha.etcd.prefix +
                    (ha.leader_election ? ", leader election (lease " + seconds(ha.leader_lease_ttl) + ")" : "")
              : ", database " + ha.database + (ha.durable_sync ? " (fsync every commit)" : "")) +
         '\n';
}

void describe_host(const HostConfig& host, std::string& out) {
  out += "host: at site " + host.site + ", care-of address " + host.care_of_address.to_string() +
         ", key " + host.key + ", requested lifetime " + seconds(host.requested_lifetime) + '\n';
}

void describe_sites(const std::vector<Site>& sites, std::string& out) {
  out += "sites (" + std::to_string(sites.size()) + "):\n";
  for (const Site& s : sites) {
    out += "  " + s.name + ": prefix " + s.prefix.to_string() + ", home agent " +
           (s.home_agent ? s.home_agent->to_string() : "none") + ", router " +
           s.router_link_local.to_string() + " " + s.router_mac.to_string() + ", mtu " +
           std::to_string(s.mtu) + '\n';
  }
}

void describe_keys(const std::vector<Key>& keys, std::string& out) {
  out += "keys (" + std::to_string(keys.size()) + "):\n";
  for (const Key& k : keys) {
    out += "  " + k.name + ": spi " + std::to_string(k.spi) + ", " +
           std::string(to_string(k.algorithm)) + ", secret <redacted, " +
           std::to_string(k.secret.size()) + " bytes>\n";
  }
}

void describe_policy(const std::vector<PolicyRule>& policy, std::string& out) {
  out += "policy (" + std::to_string(policy.size()) + " rules):\n";
  for (const PolicyRule& r : policy) {
    out += "  key " + r.key + ": care-of in " + join(r.care_of_prefixes) + " may register in " +
           join(r.home_prefixes) + '\n';
  }
}

void describe_guests(const std::vector<Guest>& guests, std::string& out) {
  out += "guests (" + std::to_string(guests.size()) + "):\n";
  for (const Guest& g : guests) {
    out += "  " + g.name + ": mac " + g.mac.to_string() + ", home address " +
           g.home_address.to_string() + " at " + g.home_site + '\n';
  }
}

}  // namespace

std::string describe_config(const Config& config) {
  std::string out;
  out += "node " + config.node_name + ", role " + std::string(to_string(config.role)) +
         ", loaded from " + config.source + '\n';
  out += "control socket " + config.control_socket + ", log level " +
         std::string(to_string(config.log_level)) + '\n';
  if (config.datapath) {
    const DatapathConfig& dp = *config.datapath;
    out += "datapath (DPDK): uplink " + dp.uplink;
    if (!dp.guests.empty()) out += ", guests " + dp.guests;
    out += ", " + std::to_string(dp.workers) + " worker(s), " +
           std::string(to_string(dp.poll)) + " polling, uplink MTU " +
           std::to_string(dp.uplink_mtu);
  } else {
    out += "interfaces: uplink " + config.interfaces.uplink;
    if (!config.interfaces.guests.empty()) out += ", guests " + config.interfaces.guests;
  }
  out += '\n';
  if (config.metrics) out += "metrics: Prometheus listener on " + config.metrics->listen + ", path /metrics\n";
  if (config.home_agent) describe_home_agent(*config.home_agent, out);
  if (config.host) describe_host(*config.host, out);
  describe_sites(config.sites, out);
  describe_keys(config.keys, out);
  describe_policy(config.policy, out);
  describe_guests(config.guests, out);
  return out;
}

}  // namespace roam6::mip6d
