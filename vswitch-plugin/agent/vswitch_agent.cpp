#include "vswitch-plugin/agent/vswitch_agent.hpp"

#include <algorithm>
#include <set>
#include <utility>
#include <variant>

namespace roam6::vswitch {

using mip6d::LogLevel;
using mip6d::LogRecord;
using nlohmann::json;

VswitchAgent::VswitchAgent(AgentSettings settings, Mip6dClient& mip6d, FlowProgrammer& flows,
                           const DomainDirectory& domains, const mip6d::Logger& log)
    : settings_(std::move(settings)), mip6d_(mip6d), flows_(flows), domains_(domains), log_(log) {}

bool VswitchAgent::is_vm_port(const VmPort& port) const {
  if (port.bridge != settings_.bridge) return false;
  if (port.name == settings_.datapath_port) return false;
  // The bridge's own internal port.
  return !(port.type == "internal" && port.name == settings_.bridge);
}

void VswitchAgent::on_ports(const std::vector<PortChange>& changes) {
  // Applied as one batch: libvirt replaces a port (del-port + add-port in one
  // transaction) and that must not look like the guest leaving.
  std::set<std::string> touched;
  for (const PortChange& change : changes) {
    if (change.before) {
      if (change.before->name == settings_.datapath_port) datapath_ofport_.reset();
      const auto it = ports_.find(change.before->name);
      if (it != ports_.end() && it->second.port.uuid == change.before->uuid) {
        touched.insert(change.before->name);
        it->second.port.uuid.clear();  // gone unless `after` brings it back
      }
    }
    if (change.after) {
      const VmPort& port = *change.after;
      if (port.bridge == settings_.bridge && port.name == settings_.datapath_port) {
        datapath_ofport_ = port.ofport;
        continue;
      }
      if (!is_vm_port(port)) continue;
      ports_[port.name].port = port;
      touched.insert(port.name);
    }
  }
  for (const std::string& name : touched) {
    auto it = ports_.find(name);
    if (it->second.port.uuid.empty()) {
      // A guest libvirt's metadata named is libvirt's to detach: its hook
      // (`stopped end`) and lifecycle events know whether it moved away or
      // stopped, which a vanished port cannot tell.
      const auto& guest = it->second.guest;
      if (guest && (it->second.attached || it->second.attaching) &&
          guest->source != IdentitySource::libvirt_metadata)
        detach(*guest, name);
      LogRecord(log_, LogLevel::info, "port_removed").kv("port", name);
      ports_.erase(it);
      continue;
    }
    evaluate(it->second);
  }
  resteer();
}

void VswitchAgent::on_domain_changed(const std::string& uuid) {
  bool any = false;
  for (auto& [name, record] : ports_) {
    if (record.port.vm_id != uuid) continue;
    evaluate(record);
    any = true;
  }
  if (any) resteer();
}

std::optional<LibvirtDomain> VswitchAgent::domain_of(const VmPort& port) {
  if (port.vm_id.empty()) return std::nullopt;
  auto found = domains_.find(port.vm_id);
  if (auto* domain = std::get_if<LibvirtDomain>(&found)) return std::move(*domain);
  if (auto* bad = std::get_if<DomainDirectory::Unreadable>(&found)) {
    ++counters_.domain_unreadable;
    LogRecord(log_, LogLevel::warning, "domain_unreadable").kv("port", port.name).kv("vm_id", port.vm_id)
        .kv("reason", bad->reason);
  }
  return std::nullopt;
}

void VswitchAgent::evaluate(PortRecord& record) {
  if (!configured_) return;  // who is away depends on mip6d's configuration
  const auto domain = domain_of(record.port);
  std::optional<GuestIdentity> guest = identify(record.port, domain ? &*domain : nullptr, configured_guests_);

  if (record.guest != guest) {
    if (record.guest && (record.attached || record.attaching)) detach(*record.guest, record.port.name);
    record.attached = false;
    record.attaching = false;
    record.last_report = nullptr;
    record.guest = std::move(guest);
    if (record.guest) {
      LogRecord(log_, LogLevel::info, "port_guest")
          .kv("port", record.port.name)
          .kv("guest", record.guest->name)
          .kv("mac", record.guest->mac)
          .kv("home_address", record.guest->home_address)
          .kv("home_site", record.guest->home_site)
          .kv("source", to_string(record.guest->source));
      record.logged_unidentified = false;
    }
  }
  if (!record.guest && !record.logged_unidentified) {
    ++counters_.unidentified;
    record.logged_unidentified = true;
    LogRecord(log_, LogLevel::warning, "port_unidentified")
        .kv("port", record.port.name)
        .kv("uuid", record.port.uuid)
        .kv("mac", record.port.attached_mac ? record.port.attached_mac->to_string() : std::string("-"))
        .kv("vm_id", record.port.vm_id.empty() ? std::string("-") : record.port.vm_id);
  }
  if (record.guest && !record.attached && !record.attaching) attach(record);
  if (record.attached) report(record);
}

void VswitchAgent::attach(PortRecord& record) {
  const GuestIdentity guest = *record.guest;
  const std::string port = record.port.name;
  record.attaching = true;
  json args{{"name", guest.name},
            {"mac", guest.mac.to_string()},
            {"home_address", guest.home_address.to_string()},
            {"home_site", guest.home_site},
            {"port", port}};
  mip6d_.call("guest.attach", std::move(args), [this, guest, port, connection = connection_](const Mip6dReply& reply) {
    const auto it = ports_.find(port);
    // The port went away or now holds another guest, or mip6d reconnected
    // meanwhile (everything is attached again then).
    if (connection != connection_ || it == ports_.end() || it->second.guest != guest) return;
    PortRecord& current = it->second;
    current.attaching = false;
    if (!reply.ok) {
      if (reply.code == "disconnected") return;  // on_mip6d_connected attaches again
      ++counters_.attach_refused;
      LogRecord(log_, LogLevel::error, "guest_attach_refused")
          .kv("port", port)
          .kv("guest", guest.name)
          .kv("code", reply.code)
          .kv("reason", reply.message);
      return;
    }
    current.attached = true;
    ++counters_.attached;
    LogRecord(log_, LogLevel::info, "guest_attached").kv("port", port).kv("guest", guest.name)
        .kv("kind", to_string(kind_of(current)));
    resteer();  // reports every attached guest's port too
  });
}

void VswitchAgent::detach(const GuestIdentity& guest, const std::string& port) {
  ++counters_.detached;
  mip6d_.call("guest.detach", json{{"name", guest.name}, {"mode", "moved"}}, [this, guest, port](const Mip6dReply& reply) {
    if (reply.ok || reply.code == "unknown_guest") {
      LogRecord(log_, LogLevel::info, "guest_detached").kv("port", port).kv("guest", guest.name);
    } else if (reply.code != "disconnected") {
      LogRecord(log_, LogLevel::warning, "guest_detach_refused").kv("guest", guest.name).kv("code", reply.code)
          .kv("reason", reply.message);
    }
  });
}

GuestKind VswitchAgent::kind_of(const PortRecord& record) const {
  // A guest mip6d has not accepted is not tunnelled: it gets no special
  // treatment that would cut it off (its MAC is still enforced).
  if (!record.guest || !record.attached) return GuestKind::unknown;
  return record.guest->home_site == host_site_ ? GuestKind::home : GuestKind::away;
}

void VswitchAgent::report(PortRecord& record) {
  const GuestKind kind = kind_of(record);
  bool steered = false;
  if (record.port.ofport && datapath_ofport_) {
    const auto it = steered_.find(record.port.name);
    steered = it != steered_.end() && it->second->ofport == *record.port.ofport && it->second->kind == kind;
  }
  // mip6d knows three states: a port not (yet) in the plan is pending.
  FlowState state = steered ? flows_.port_state(record.port.name).first : FlowState::pending;
  if (state == FlowState::none) state = FlowState::pending;
  const PortDropCounters drops = flows_.drops(record.port.name);
  json args{{"name", record.guest->name},
            {"port", record.port.name},
            {"ofport", record.port.ofport ? json(*record.port.ofport) : json(nullptr)},
            {"flows", std::string(to_string(state))},
            {"status", record.port.active ? "active" : "inactive"},
            {"spoofed_mac", drops.spoofed_mac},
            {"spoofed_source", drops.spoofed_source}};
  if (args == record.last_report) return;
  if (record.last_report.is_object() && record.last_report["status"] != args["status"])
    LogRecord(log_, LogLevel::info, "port_status").kv("port", record.port.name).kv("guest", record.guest->name)
        .kv("status", args["status"].get<std::string>());
  record.last_report = args;
  mip6d_.call("guest.port", std::move(args), [this, name = record.port.name](const Mip6dReply& reply) {
    if (reply.ok) return;
    // mip6d forgot the guest (it restarted, or someone detached it by hand):
    // the next report goes again; a reconnection re-attaches everything.
    if (const auto it = ports_.find(name); it != ports_.end()) it->second.last_report = nullptr;
    if (reply.code != "disconnected")
      LogRecord(log_, LogLevel::warning, "guest_port_refused").kv("port", name).kv("code", reply.code)
          .kv("reason", reply.message);
  });
}

void VswitchAgent::resteer() {
  BridgeState wanted;
  wanted.datapath_ofport = datapath_ofport_;
  wanted.cookie = settings_.cookie;
  for (const auto& [name, record] : ports_) {
    if (!record.port.ofport || !record.port.attached_mac) continue;
    SteeredPort port;
    port.name = name;
    port.ofport = *record.port.ofport;
    port.mac = *record.port.attached_mac;
    port.kind = kind_of(record);
    if (port.kind != GuestKind::unknown) {
      port.home_address = record.guest->home_address;
      const auto site = site_prefixes_.find(record.guest->home_site);
      if (learned_addresses_ && site != site_prefixes_.end()) port.home_prefix = site->second;
    }
    wanted.ports.push_back(std::move(port));
  }
  if (wanted != steering_) {
    steering_ = std::move(wanted);
    steered_.clear();
    for (const auto& port : steering_.ports) steered_.emplace(port.name, &port);
    flows_.want(steering_);
  }
  on_flows_changed();
}

void VswitchAgent::on_flows_changed() {
  for (auto& [name, record] : ports_)
    if (record.attached) report(record);
}

void VswitchAgent::on_mip6d_connected() {
  ++connection_;
  for (auto& [name, record] : ports_) {
    record.attached = false;
    record.attaching = false;
    record.last_report = nullptr;
  }
  mip6d_.call("config.show", json::object(), [this, connection = connection_](const Mip6dReply& reply) {
    if (connection != connection_) return;
    if (!reply.ok) {
      LogRecord(log_, LogLevel::error, "mip6d_config_unavailable").kv("code", reply.code).kv("reason", reply.message);
      return;
    }
    const json& config = reply.result;
    if (config.value("role", "") != "host") {
      LogRecord(log_, LogLevel::error, "mip6d_wrong_role").kv("role", config.value("role", "?"));
      return;
    }
    host_site_ = config.contains("host") ? config["host"].value("site", "") : "";
    learned_addresses_ = config.contains("host") && config["host"].value("learned_addresses", 0) > 0;
    site_prefixes_.clear();
    for (const json& site : config.value("sites", json::array())) {
      if (const auto prefix = wire::Ip6Prefix::parse(site.value("prefix", "")))
        site_prefixes_.emplace(site.value("name", ""), *prefix);
    }
    configured_guests_.clear();
    for (const json& g : config.value("guests", json::array())) {
      const auto mac = wire::MacAddr::parse(g.value("mac", ""));
      const auto address = wire::Ip6Addr::parse(g.value("home_address", ""));
      if (!mac || !address) continue;
      configured_guests_.push_back({g.value("name", ""), *mac, *address, g.value("home_site", "")});
    }
    configured_ = true;
    LogRecord(log_, LogLevel::info, "mip6d_configuration").kv("site", host_site_)
        .kv("listed_guests", configured_guests_.size());
    for (auto& [name, record] : ports_) evaluate(record);
    resteer();
  });
}

std::vector<VswitchAgent::PortView> VswitchAgent::ports() const {
  std::vector<PortView> out;
  for (const auto& [name, record] : ports_) out.push_back({record.port, record.guest, kind_of(record), record.attached});
  return out;
}

}  // namespace roam6::vswitch
