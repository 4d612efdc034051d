#include "mip6d/daemon/config_reload.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mip6d/daemon/config_json.hpp"

namespace roam6::mip6d::daemon {
namespace {

using nlohmann::json;

constexpr std::string_view redacted = "<redacted>";

// One difference between the two configurations, before it is classified.
struct Difference {
  std::string key;        // "sites[1].router_mac"
  std::string pattern;    // the key with its indices as [*]: "sites[*].router_mac"
  std::string entry;      // the name of the [[...]] entry it is in, if any
  bool entry_removed = false;
  std::string running;
  std::string file;
};

std::string text_of(const json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// `key` is `section` or lies inside it ("keys", "keys[0]", "keys[0].spi").
bool in_section(std::string_view key, std::string_view section) {
  return key == section || starts_with(key, std::string(section) + "[") ||
         starts_with(key, std::string(section) + ".");
}

// [[sites]], [[keys]], [[guests]]: arrays whose entries have a unique name.
// They are matched by name, so that reordering the file changes nothing.
bool is_named_array(const json& value) {
  return value.is_array() && std::all_of(value.begin(), value.end(), [](const json& entry) {
           return entry.is_object() && entry.contains("name") && entry["name"].is_string();
         });
}

class Differ {
 public:
  std::vector<Difference> take() { return std::move(found_); }

  void compare(const json& running, const json& file, const std::string& key,
               const std::string& pattern, const std::string& entry) {
    if (running == file) return;
    if (running.is_object() && file.is_object()) {
      std::set<std::string> members;
      for (const auto& item : running.items()) members.insert(item.key());
      for (const auto& item : file.items()) members.insert(item.key());
      for (const auto& member : members) {
        if (key.empty() && member == "source") continue;  // the file's own name
        const json absent;
        const json& a = running.contains(member) ? running[member] : absent;
        const json& b = file.contains(member) ? file[member] : absent;
        compare(a, b, join(key, member), join(pattern, member), entry);
      }
      return;
    }
    if (!running.empty() && !file.empty() && is_named_array(running) && is_named_array(file)) {
      compare_named_entries(running, file, key, pattern);
      return;
    }
    found_.push_back({key, pattern, entry, false, text_of(running), text_of(file)});
  }

 private:
  static std::string join(const std::string& parent, const std::string& member) {
    return parent.empty() ? member : parent + "." + member;
  }

  void compare_named_entries(const json& running, const json& file, const std::string& key,
                             const std::string& pattern) {
    const auto index_of = [](const json& array, const json& name) -> std::optional<std::size_t> {
      for (std::size_t i = 0; i < array.size(); ++i)
        if (array[i]["name"] == name) return i;
      return std::nullopt;
    };
    for (std::size_t j = 0; j < file.size(); ++j) {
      const std::string entry_key = key + "[" + std::to_string(j) + "]";
      const std::string name = file[j]["name"].get<std::string>();
      if (const auto i = index_of(running, file[j]["name"])) {
        compare(running[*i], file[j], entry_key, pattern + "[*]", name);
      } else {
        found_.push_back({entry_key, pattern + "[*]", name, false, "-", "added " + name});
      }
    }
    for (std::size_t i = 0; i < running.size(); ++i) {
      if (index_of(file, running[i]["name"])) continue;
      const std::string name = running[i]["name"].get<std::string>();
      found_.push_back({key + "[" + std::to_string(i) + "]", pattern + "[*]", name, true, name,
                        "removed"});
    }
  }

  std::vector<Difference> found_;
};

// config_to_json shows a secret's length only; compare the secrets
// themselves, by key name.
void compare_secrets(const Config& running, const Config& loaded, std::vector<Difference>& out) {
  for (std::size_t j = 0; j < loaded.keys.size(); ++j) {
    const Key& key = loaded.keys[j];
    const Key* before = running.find_key(key.name);
    if (before == nullptr || before->secret == key.secret) continue;
    const std::string entry = "keys[" + std::to_string(j) + "]";
    const std::string field =
        loaded.positions.contains(entry + ".secret_file") ? ".secret_file" : ".secret_hex";
    out.push_back({entry + field, "keys[*]" + field, key.name, false, std::string(redacted),
                   std::string(redacted)});
  }
}

// The site whose router_mac and mtu the datapath took at start: the host's
// own site, or the site holding the Home Agent's address.
const Site* datapath_site(const Config& running) {
  if (!running.datapath) return nullptr;
  if (running.host) return running.find_site(running.host->site);
  if (running.home_agent) return running.find_site_containing(running.home_agent->address);
  return nullptr;
}

// nullopt: the change is applied at run time; otherwise why it needs a restart.
std::optional<std::string> restart_reason(const Difference& d, const Config& running) {
  const std::string_view p = d.pattern;
  if (p == "log_level" || in_section(p, "keys") || in_section(p, "policy") ||
      in_section(p, "guests") || p == "home_agent.max_lifetime" ||
      p == "home_agent.replay_window" || p == "home_agent.replay_memory_limit" ||
      p == "home_agent.hand_over_forwarding" ||
      p == "host.requested_lifetime" || p == "host.replay_window" || p == "host.key") {
    return std::nullopt;
  }
  if (p == "sites[*].router_link_local" || p == "sites[*].router_mac" || p == "sites[*].mtu") {
    const Site* baked = datapath_site(running);
    if (baked != nullptr && baked->name == d.entry && p != "sites[*].router_link_local")
      return "the datapath took this site's router MAC and MTU when it started";
    return std::nullopt;
  }
  if (p == "role" || p == "node_name") return "a daemon's role and name are fixed for its life";
  if (p == "control_socket") return "the control socket is bound at start";
  if (in_section(p, "interfaces")) return "the packet sockets are opened at start";
  if (in_section(p, "datapath")) return "the DPDK EAL and ports are set up at start";
  if (in_section(p, "metrics")) return "the metrics listener is bound at start";
  if (p == "home_agent.address" || p == "home_agent.home_prefixes")
    return "the bindings, the home-link defence and the data plane are built on it";
  if (p == "home_agent.database" || p == "home_agent.durable_sync" || p == "home_agent.store" ||
      p.starts_with("home_agent.etcd_") || p.starts_with("home_agent.leader_"))
    return "the binding store is opened at start";
  if (p == "host.learned_addresses")
    return "roam6-vswitchd reads it when it connects, to admit the guests' home prefixes";
  if (p == "host.site" || p == "host.care_of_address")
    return "the registrations and the data plane are built on it";
  if (in_section(p, "sites"))
    return "guests' registrations and home-link emulation are built on the set of sites, "
           "their prefixes and Home Agents";
  return "not applied at run time";
}

// Guests whose home site, as the daemon keeps running it, does not fit them
// (the file also changes that site, and that change needs a restart).
bool guests_fit_running_sites(const Config& running, const Config& loaded) {
  return std::all_of(loaded.guests.begin(), loaded.guests.end(), [&](const Guest& g) {
    const Site* site = running.find_site(g.home_site);
    return site != nullptr && site->home_agent && site->prefix.contains(g.home_address);
  });
}

ConfigChange to_change(const Difference& d, const Config& loaded) {
  ConfigChange change;
  change.key = d.key;
  // An entry the new file no longer has: its index is the running file's,
  // which would point at another entry of the new one.
  change.location = d.entry_removed ? loaded.source : loaded.locate(d.key);
  change.running = d.running;
  change.file = d.file;
  return change;
}

Site* find_site(Config& config, const std::string& name) {
  const auto it = std::find_if(config.sites.begin(), config.sites.end(),
                               [&](const Site& s) { return s.name == name; });
  return it == config.sites.end() ? nullptr : &*it;
}

}  // namespace

ReloadPlan plan_reload(const Config& running, const Config& loaded) {
  Differ differ;
  differ.compare(config_to_json(running), config_to_json(loaded), "", "", "");
  std::vector<Difference> differences = differ.take();
  compare_secrets(running, loaded, differences);

  ReloadPlan plan;
  bool site_needs_restart = false;
  for (const Difference& d : differences) {
    ConfigChange change = to_change(d, loaded);
    if (auto reason = restart_reason(d, running)) {
      site_needs_restart = site_needs_restart || in_section(d.pattern, "sites");
      change.reason = std::move(*reason);
      plan.needs_restart.push_back(std::move(change));
    } else {
      plan.applied.push_back(std::move(change));
    }
  }
  if (site_needs_restart && !guests_fit_running_sites(running, loaded)) {
    const auto is_guest = [](const ConfigChange& c) { return in_section(c.key, "guests"); };
    for (ConfigChange& change : plan.applied) {
      if (!is_guest(change)) continue;
      change.reason = "[[guests]] refers to a [[sites]] change that needs a restart";
      plan.needs_restart.push_back(std::move(change));
    }
    plan.applied.erase(std::remove_if(plan.applied.begin(), plan.applied.end(), is_guest),
                       plan.applied.end());
  }
  return plan;
}

void apply_reload(Config& running, const Config& loaded, const ReloadPlan& plan) {
  std::set<std::string, std::less<>> applied;
  for (const ConfigChange& change : plan.applied) applied.insert(change.key);
  const auto section_applied = [&](std::string_view section) {
    return std::any_of(applied.begin(), applied.end(),
                       [&](const std::string& key) { return in_section(key, section); });
  };

  if (applied.contains("log_level")) running.log_level = loaded.log_level;
  // No role keeps a pointer to an element of these three: replaced whole
  // (running.policy stays the same vector object, which the Registrar reads).
  if (section_applied("keys")) running.keys = loaded.keys;
  if (section_applied("policy")) running.policy = loaded.policy;
  if (section_applied("guests")) running.guests = loaded.guests;
  if (running.home_agent && loaded.home_agent) {
    HomeAgentConfig& ha = *running.home_agent;
    if (applied.contains("home_agent.max_lifetime")) ha.max_lifetime = loaded.home_agent->max_lifetime;
    if (applied.contains("home_agent.replay_window"))
      ha.replay_window = loaded.home_agent->replay_window;
    if (applied.contains("home_agent.replay_memory_limit"))
      ha.replay_memory_limit = loaded.home_agent->replay_memory_limit;
    if (applied.contains("home_agent.hand_over_forwarding"))
      ha.hand_over_forwarding = loaded.home_agent->hand_over_forwarding;
  }
  if (running.host && loaded.host) {
    HostConfig& host = *running.host;
    if (applied.contains("host.requested_lifetime"))
      host.requested_lifetime = loaded.host->requested_lifetime;
    if (applied.contains("host.key")) host.key = loaded.host->key;
    if (applied.contains("host.replay_window")) host.replay_window = loaded.host->replay_window;
  }
  // Sites field by field, in place: each guest's home-link emulation holds
  // a reference to its home Site.
  for (std::size_t j = 0; j < loaded.sites.size(); ++j) {
    const Site& from = loaded.sites[j];
    Site* to = find_site(running, from.name);
    if (to == nullptr) continue;
    const std::string entry = "sites[" + std::to_string(j) + "].";
    if (applied.contains(entry + "router_link_local")) to->router_link_local = from.router_link_local;
    if (applied.contains(entry + "router_mac")) to->router_mac = from.router_mac;
    if (applied.contains(entry + "mtu")) to->mtu = from.mtu;
  }
  running.positions = loaded.positions;
}

}  // namespace roam6::mip6d::daemon
