#pragma once
// What a reloaded configuration file changes, and how the running
// configuration takes those changes (SIGHUP, `mip6ctl config reload`).
//
// Every key is either run-time (applied while the daemon runs) or
// restart-only (a changed value is reported and the running one kept):
//
//   run-time      log_level; [[keys]] (names, SPIs, algorithms, secrets);
//                 [[policy]]; [[guests]]; home_agent.max_lifetime,
//                 home_agent.replay_window; host.requested_lifetime, host.key;
//                 sites[*].router_link_local, router_mac, mtu of existing
//                 sites, except the node's own site's router_mac and mtu while
//                 the DPDK datapath runs (it took them at start).
//   restart-only  everything else: role, node_name, control_socket,
//                 [interfaces], [datapath], [metrics], home_agent.address,
//                 home_prefixes, database, durable_sync, host.site,
//                 host.care_of_address, adding, removing or renaming a site,
//                 a site's prefix or home_agent.
//
// A key not named as run-time is restart-only, so a key added to the format
// later is reported, never half-applied. [[guests]] that refer to a site
// change that needs a restart are held back with it.
//
// The running Config is updated in place: the roles hold references into it
// (HomeAgentConfig, HostConfig, each guest's home Site, the policy vector),
// and those objects keep their addresses; the contents of keys, policy and
// guests are replaced whole. So a role may keep a reference to
// config.keys/policy/guests themselves, but never a pointer to one of their
// elements across a reload: what it derives from them (the KeyRing, an index
// of guests by MAC) it rebuilds in its reconfigure(). See apply_reload().
//
//   const ReloadPlan plan = plan_reload(running, loaded);
//   home_agent.finish_pending();          // BAs signed under the old keys
//   apply_reload(running, loaded, plan);
//   home_agent.reconfigure(running);      // rebuild what is derived from it

#include <string>
#include <vector>

#include "mip6d/config/config.hpp"

namespace roam6::mip6d::daemon {

struct ConfigChange {
  // As configuration errors name keys: "sites[1].router_mac", "keys[0]",
  // "policy", "home_agent.database". Indices are the new file's, except for
  // an entry the new file no longer has (the running configuration's).
  std::string key;
  // Config::locate(key) in the new file: "mip6d.toml:12:14: sites[1].router_mac".
  std::string location;
  std::string running;  // the value in use; "-" when absent; secrets as "<redacted>"
  std::string file;     // the value in the file; same conventions
  std::string reason;   // restart-only: why it cannot change at run time
};

struct ReloadPlan {
  std::vector<ConfigChange> applied;
  std::vector<ConfigChange> needs_restart;

  [[nodiscard]] bool unchanged() const noexcept { return applied.empty() && needs_restart.empty(); }
};

// What became of one reload (SIGHUP, config.reload).
struct ReloadOutcome {
  enum class Status {
    applied,    // the file was valid; plan.applied took effect (plan may be empty)
    rejected,   // the file was invalid; nothing changed
  };
  Status status = Status::applied;
  std::vector<std::string> errors;  // rejected: one ConfigError::to_string() each
  ReloadPlan plan;                  // applied
};

// Compares the configuration in use with a freshly loaded (valid) one. Pure.
ReloadPlan plan_reload(const Config& running, const Config& loaded);

// Writes the plan's applied changes from `loaded` into `running` and takes
// loaded's key positions. Objects the roles refer to keep their addresses:
// *running.home_agent, *running.host, every element of running.sites, and the
// vectors running.policy and running.sites themselves.
void apply_reload(Config& running, const Config& loaded, const ReloadPlan& plan);

}  // namespace roam6::mip6d::daemon
