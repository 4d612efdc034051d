#pragma once
// The plugin's one piece of state, on the event loop: every VM port of the
// integration bridge, who its guest is, what mip6d has been told and what
// the bridge should do. Inputs are events (OVSDB port changes, a domain
// file written by the migration hooks, mip6d (re)connected, the flow keeper
// finished); outputs are mip6d commands (guest.attach / guest.port /
// guest.detach) and the wanted BridgeState (openflow/steering_plan.hpp).
//
// Port events and guest events, as mip6d sees them:
//   port added (or identified later)  -> guest.attach (before the guest
//                                        runs here: mip6d then expects it and
//                                        detects its resume from its frames)
//   ofport, flows or iface-status     -> guest.port
//   port deleted, or no longer the    -> guest.detach mode=moved (the binding
//   guest it was                         is left for the next host; whether a
//                                        guest stopped for good is the
//                                        migration hooks' call, not ours)

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mip6d/runtime/log.hpp"
#include "vswitch-plugin/agent/guest_identity.hpp"
#include "vswitch-plugin/agent/mip6d_client.hpp"
#include "vswitch-plugin/agent/flow_programmer.hpp"
#include "vswitch-plugin/identity/domain_directory.hpp"
#include "vswitch-plugin/ovsdb/vm_port.hpp"

namespace roam6::vswitch {

struct AgentSettings {
  std::string bridge;          // the integration bridge
  std::string datapath_port;   // the Interface that leads to the datapath's guest port
  std::uint64_t cookie = kDefaultCookie;  // on every flow of ours
};

struct AgentCounters {
  std::uint64_t attached = 0;          // guest.attach accepted
  std::uint64_t attach_refused = 0;    // mip6d refused a guest.attach
  std::uint64_t detached = 0;
  std::uint64_t unidentified = 0;      // VM ports seen whose guest could not be named
  std::uint64_t domain_unreadable = 0; // domain files that did not parse
};

class VswitchAgent {
 public:
  VswitchAgent(AgentSettings settings, Mip6dClient& mip6d, FlowProgrammer& flows, const DomainDirectory& domains,
               const mip6d::Logger& log);

  void on_ports(const std::vector<PortChange>& changes);
  void on_domain_changed(const std::string& uuid);
  // After each (re)connection to mip6d: learn its configuration, then tell
  // it every guest again.
  void on_mip6d_connected();
  // The flow keeper's state changed (installed, failed, pending again).
  void on_flows_changed();

  // For the status output and tests.
  struct PortView {
    VmPort port;
    std::optional<GuestIdentity> guest;
    GuestKind kind = GuestKind::unknown;
    bool attached = false;
  };
  [[nodiscard]] std::vector<PortView> ports() const;
  [[nodiscard]] const BridgeState& steering() const noexcept { return steering_; }
  [[nodiscard]] const AgentCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] bool knows_mip6d_configuration() const noexcept { return configured_; }

 private:
  struct PortRecord {
    VmPort port;
    std::optional<GuestIdentity> guest;
    bool attached = false;       // mip6d accepted guest.attach for `guest`
    bool attaching = false;      // a guest.attach is in flight
    nlohmann::json last_report;  // the last guest.port sent (null: none since the attach)
    bool logged_unidentified = false;
  };

  void evaluate(PortRecord& record);
  void attach(PortRecord& record);
  void detach(const GuestIdentity& guest, const std::string& port);
  void report(PortRecord& record);
  void resteer();
  [[nodiscard]] GuestKind kind_of(const PortRecord& record) const;
  [[nodiscard]] bool is_vm_port(const VmPort& port) const;
  std::optional<LibvirtDomain> domain_of(const VmPort& port);

  AgentSettings settings_;
  Mip6dClient& mip6d_;
  FlowProgrammer& flows_;
  const DomainDirectory& domains_;
  const mip6d::Logger& log_;
  // By Interface name: libvirt re-creates a port under the same name with a
  // new row UUID ("--if-exists del-port ... add-port" in one transaction).
  std::map<std::string, PortRecord> ports_;
  std::optional<std::uint32_t> datapath_ofport_;
  bool configured_ = false;  // mip6d's configuration is known
  std::string host_site_;
  // host.learned_addresses > 0: guests' sources are checked by prefix here
  // (and exactly by the datapath); the sites' prefixes by name.
  bool learned_addresses_ = false;
  std::map<std::string, wire::Ip6Prefix> site_prefixes_;
  std::vector<ConfiguredGuest> configured_guests_;
  std::uint64_t connection_ = 0;  // bumped per mip6d connection: stale replies are ignored
  BridgeState steering_;
  std::map<std::string, const SteeredPort*> steered_;  // steering_.ports by name: report() per port is O(log n)
  AgentCounters counters_;
};

}  // namespace roam6::vswitch
