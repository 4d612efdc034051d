#include "mip6d/daemon/control_commands.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "mip6d/control/commands.hpp"
#include "mip6d/control/control_error.hpp"
#include "mip6d/control/control_protocol.hpp"
#include "mip6d/daemon/config_json.hpp"
#include "mip6d/daemon/stats_json.hpp"
#include "mip6d/daemon/version.hpp"
#include "roam6/wire/mobility_header.hpp"

namespace roam6::mip6d::daemon {
namespace {

using nlohmann::json;
namespace command = control::command;
namespace error_code = control::error_code;

// Whole seconds left, never negative: a binding whose expiry is being
// processed shows 0, not -1.
std::int64_t seconds_left(Duration remaining) {
  return std::max<std::int64_t>(0, std::chrono::floor<std::chrono::seconds>(remaining).count());
}

double seconds_since_epoch(WallTime when) {
  return std::chrono::duration<double>(when.time_since_epoch()).count();
}

// "traffic": {...} from the datapath, or null when it has no entry.
json traffic_json(const std::optional<BindingTraffic>& traffic) {
  if (!traffic) return nullptr;
  return {{"encapsulated", {{"packets", traffic->encapsulated_packets},
                            {"bytes", traffic->encapsulated_bytes}}},
          {"decapsulated", {{"packets", traffic->decapsulated_packets},
                            {"bytes", traffic->decapsulated_bytes}}}};
}

// ---- Home Agent ----------------------------------------------------------

json ha_binding_json(const ha::HomeAgent& agent, const Config& config,
                     const RecordingForwardingTable* fib, const BindingTrafficLookup& traffic,
                     const wire::Ip6Addr& home_address, const ha::Binding& binding) {
  const Key* key = config.find_key(binding.spi);
  json out{{"home_address", home_address.to_string()},
           {"care_of_address", binding.care_of_address.to_string()},
           {"sequence", binding.sequence},
           {"lifetime", seconds_left(agent.remaining(binding))},
           {"spi", binding.spi},
           {"key", key != nullptr ? json(key->name) : json(nullptr)},
           {"flags", binding_update_flag_letters(binding.flags)},
           {"link_layer_id", binding.link_layer_identifier.size != 0 ? json(binding.link_layer_identifier.to_string())
                                                                      : json(nullptr)}};
  if (fib != nullptr) {
    const wire::Ip6Addr* tunnel = fib->care_of_address(home_address);
    out["tunnel"] = tunnel != nullptr ? json(tunnel->to_string()) : json(nullptr);
  }
  if (traffic.tunnel) out["traffic"] = traffic_json(traffic.tunnel(home_address));
  return out;
}

void refuse_guest_commands_on_home_agent(control::CommandRegistry& registry, const Config& config) {
  for (const auto name :
       {command::guest_attach, command::guest_detach, command::guest_resume, command::guest_pause, command::guest_migrating,
        command::guest_list,
        command::guest_port}) {
    registry.add(std::string(name), [name, node = config.node_name](const json&) -> json {
      throw control::ControlError(error_code::wrong_role,
                                  std::string(name) + " is a host command; " + node +
                                      " is a home agent");
    });
  }
}

// ---- host ----------------------------------------------------------------

json optional_json(const auto& value) { return value ? json(*value) : json(nullptr); }

// The guest's addresses besides its home address, each with its own binding.
json other_addresses_json(const host::GuestStatus& status) {
  json out = json::array();
  for (const auto& other : status.other_addresses)
    out.push_back({{"address", other.address.to_string()},
                   {"state", std::string(host::name(other.state))},
                   {"sequence", optional_json(other.last_sequence)},
                   {"bound", other.bound}});
  return out;
}

json guest_json(const host::GuestStatus& status) {
  json out{{"name", status.guest.name},
           {"state", std::string(host::name(status.state))},
           {"mac", status.guest.mac.to_string()},
           {"home_address", status.guest.home_address.to_string()},
           {"home_site", status.guest.home_site},
           {"sequence", optional_json(status.last_sequence)},
           {"away", status.away},
           {"resumed", status.resumed},
           {"paused", status.paused},
           {"migrating", status.migrating},
           {"resumed_at", status.resumed_at ? json(seconds_since_epoch(*status.resumed_at))
                                            : json(nullptr)},
           {"bound_at", status.bound_at ? json(seconds_since_epoch(*status.bound_at)) : json(nullptr)}};
  if (!status.other_addresses.empty()) out["other_addresses"] = other_addresses_json(status);
  if (!status.port.empty()) out["port"] = status.port;
  // What roam6-vswitchd reported, once it has.
  if (!status.switch_port.flows.empty()) {
    out["ofport"] = optional_json(status.switch_port.ofport);
    out["flows"] = status.switch_port.flows;
    out["port_status"] = status.switch_port.active ? "active" : "inactive";
    out["spoofed"] = {{"mac", status.switch_port.spoofed_mac}, {"source", status.switch_port.spoofed_source}};
  }
  return out;
}

json host_binding_json(const host::GuestStatus& status, const HostConfig& host,
                       const BindingTrafficLookup& traffic) {
  json out{{"name", status.guest.name},
          {"state", std::string(host::name(status.state))},
          {"home_address", status.guest.home_address.to_string()},
          {"care_of_address", host.care_of_address.to_string()},
          {"home_agent", status.home_agent.to_string()},
          {"sequence", optional_json(status.last_sequence)},
          {"lifetime", status.remaining_lifetime
                           ? json(seconds_left(*status.remaining_lifetime))
                           : json(nullptr)},
          {"granted_lifetime", status.granted_lifetime.count()},
          {"transmissions", status.transmissions},
          {"last_status", status.last_status}};
  if (!status.other_addresses.empty()) out["other_addresses"] = other_addresses_json(status);
  if (traffic.guest) out["traffic"] = traffic_json(traffic.guest(status.guest.mac));
  return out;
}

// The host agent refuses with its own codes, which are control-protocol
// codes by contract; anything else it throws stays an internal error.
template <class F>
auto as_control_error(F&& action) {
  try {
    return action();
  } catch (const host::GuestCommandError& e) {
    throw control::ControlError(e.code(), e.what());
  }
}

host::GuestDescription to_host_description(const std::string& name,
                                           const control::GuestDescription& description) {
  return host::GuestDescription{name, description.mac, description.home_address,
                                description.home_site};
}

json with_extensions(json stats, const StatsExtension& extend_stats) {
  if (extend_stats) extend_stats(stats);
  return stats;
}

}  // namespace

std::string binding_update_flag_letters(std::uint16_t flags) {
  namespace f = wire::bu_flag;
  static constexpr std::pair<std::uint16_t, char> letters[] = {
      {f::acknowledge, 'A'},      {f::home_registration, 'H'},
      {f::link_local_compatibility, 'L'}, {f::key_management, 'K'},
      {f::map_registration, 'M'}, {f::mobile_router, 'R'},
      {f::proxy_registration, 'P'}, {f::force_udp_encapsulation, 'F'},
      {f::tlv_header_format, 'T'}, {f::bulk_binding_update, 'B'},
  };
  std::string out;
  std::uint16_t named = 0;
  for (const auto& [bit, letter] : letters) {
    named = static_cast<std::uint16_t>(named | bit);
    if ((flags & bit) != 0) out += letter;
  }
  if (const auto rest = static_cast<unsigned>(flags & ~named); rest != 0) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "%04x", rest);
    out += "+0x";
    out += hex;
  }
  return out;
}

json reload_outcome_json(const ReloadOutcome& outcome) {
  if (outcome.status == ReloadOutcome::Status::rejected) {
    std::string message =
        "the configuration file is not valid; the daemon keeps running with the one it has:";
    for (const auto& error : outcome.errors) message += "\n" + error;
    throw control::ControlError(error_code::invalid_config, message);
  }
  json applied = json::array();
  for (const auto& c : outcome.plan.applied)
    applied.push_back({{"key", c.key}, {"from", c.running}, {"to", c.file}});
  json needs_restart = json::array();
  for (const auto& c : outcome.plan.needs_restart) {
    needs_restart.push_back(
        {{"key", c.key}, {"at", c.location}, {"running", c.running}, {"file", c.file}, {"reason", c.reason}});
  }
  return {{"applied", std::move(applied)}, {"needs_restart", std::move(needs_restart)}};
}

void register_common_commands(control::CommandRegistry& registry, const Config& config) {
  registry.add(std::string(command::version), [&config](const json& args) -> json {
    control::parse_no_args(args);
    return {{"name", std::string(daemon_name)},
            {"version", std::string(daemon_version())},
            {"protocol", control::protocol_version},
            {"role", std::string(to_string(config.role))},
            {"node_name", config.node_name}};
  });
  registry.add(std::string(command::config_show), [&config](const json& args) -> json {
    control::parse_no_args(args);
    return config_to_json(config);
  });
}

void register_home_agent_commands(control::CommandRegistry& registry, const ha::HomeAgent& agent,
                                  const Config& config, const RecordingForwardingTable* fib,
                                  StatsExtension extend_stats, BindingTrafficLookup traffic) {
  refuse_guest_commands_on_home_agent(registry, config);

  registry.add(std::string(command::binding_list), [&agent, &config, fib, traffic](const json& args) -> json {
    control::parse_no_args(args);
    std::vector<std::pair<wire::Ip6Addr, const ha::Binding*>> entries;
    entries.reserve(agent.bindings().size());
    agent.bindings().for_each(
        [&](const wire::Ip6Addr& hoa, const ha::Binding& b) { entries.emplace_back(hoa, &b); });
    // The cache is a hash map; operators and diffs want a stable order.
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    json bindings = json::array();
    for (const auto& [hoa, binding] : entries) {
      bindings.push_back(ha_binding_json(agent, config, fib, traffic, hoa, *binding));
    }
    return {{"bindings", std::move(bindings)}};
  });

  registry.add(std::string(command::binding_show), [&agent, &config, fib, traffic](const json& args) -> json {
    const auto parsed = control::parse_binding_show_args(args);
    const ha::Binding* binding = agent.bindings().find(parsed.home_address);
    if (binding == nullptr) {
      throw control::ControlError(error_code::unknown_binding,
                                  "no binding for " + parsed.home_address.to_string());
    }
    return ha_binding_json(agent, config, fib, traffic, parsed.home_address, *binding);
  });

  registry.add(std::string(command::stats),
               [&agent, extend = std::move(extend_stats)](const json& args) -> json {
                 control::parse_no_args(args);
                 return with_extensions(
                     home_agent_stats_json(agent.counters(), agent.bindings().size(), agent.replay_memory()), extend);
               });
}

void register_host_commands(control::CommandRegistry& registry, host::HostAgent& agent,
                            const Scheduler& scheduler, StatsExtension extend_stats,
                            BindingTrafficLookup traffic) {
  registry.add(std::string(command::guest_attach), [&agent](const json& args) -> json {
    const auto parsed = control::parse_guest_attach_args(args);
    std::optional<host::GuestDescription> description;
    if (parsed.description) description = to_host_description(parsed.name, *parsed.description);
    std::vector<host::KnownAddress> learned;
    for (const auto& address : parsed.learned_addresses) learned.push_back({address.address, address.last_sequence});
    as_control_error([&] {
      agent.attach(parsed.name, description, parsed.last_sequence, parsed.port.value_or(""), learned);
    });
    return json::object();
  });

  registry.add(std::string(command::guest_detach), [&agent](const json& args) -> json {
    const auto parsed = control::parse_guest_detach_args(args);
    std::optional<std::uint16_t> last;
    as_control_error(
        [&] { last = agent.detach(parsed.name, parsed.mode == control::DetachMode::stopped); });
    // The last sequence number goes to the guest's next host
    // (guest.attach last_sequence) so its first BU is accepted at once.
    return {{"last_sequence", last ? json(*last) : json(nullptr)}};
  });

  registry.add(std::string(command::guest_port), [&agent](const json& args) -> json {
    const auto parsed = control::parse_guest_port_args(args);
    as_control_error([&] {
      agent.report_switch_port(parsed.name, parsed.port,
                               host::SwitchPortState{parsed.ofport, parsed.flows, parsed.active,
                                                     parsed.spoofed_mac, parsed.spoofed_source});
    });
    return json::object();
  });

  registry.add(std::string(command::guest_resume), [&agent, &scheduler](const json& args) -> json {
    const auto parsed = control::parse_guest_resume_args(args);
    as_control_error([&] { agent.resume(parsed.name, parsed.timestamp.value_or(scheduler.wall_now())); });
    return json::object();
  });

  registry.add(std::string(command::guest_pause), [&agent](const json& args) -> json {
    const auto parsed = control::parse_guest_pause_args(args);
    as_control_error([&] { agent.pause(parsed.name, parsed.timestamp); });
    return json::object();
  });

  registry.add(std::string(command::guest_migrating), [&agent](const json& args) -> json {
    const auto name = control::parse_guest_migrating_args(args);
    as_control_error([&] { agent.migrating(name); });
    return json::object();
  });

  registry.add(std::string(command::guest_list), [&agent](const json& args) -> json {
    control::parse_no_args(args);
    json guests = json::array();
    for (const auto& status : agent.guests()) guests.push_back(guest_json(status));
    return {{"guests", std::move(guests)}};
  });

  registry.add(std::string(command::binding_list), [&agent, traffic](const json& args) -> json {
    control::parse_no_args(args);
    json bindings = json::array();
    for (const auto& status : agent.guests()) {
      bindings.push_back(host_binding_json(status, agent.settings(), traffic));
    }
    return {{"bindings", std::move(bindings)}};
  });

  registry.add(std::string(command::binding_show), [&agent, traffic](const json& args) -> json {
    const auto parsed = control::parse_binding_show_args(args);
    const auto status = agent.guest_by_home_address(parsed.home_address);
    if (!status) {
      throw control::ControlError(error_code::unknown_binding,
                                  "no guest with home address " + parsed.home_address.to_string() +
                                      " on this host");
    }
    return host_binding_json(*status, agent.settings(), traffic);
  });

  registry.add(std::string(command::stats),
               [&agent, extend = std::move(extend_stats)](const json& args) -> json {
                 control::parse_no_args(args);
                 return with_extensions(host_stats_json(agent.counters(), agent.guests().size()),
                                        extend);
               });
}

}  // namespace roam6::mip6d::daemon
