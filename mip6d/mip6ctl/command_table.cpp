#include "mip6d/mip6ctl/command_table.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>

#include "mip6d/control/commands.hpp"
#include "roam6/wire/address.hpp"

namespace roam6::mip6d::mip6ctl {
namespace {

using nlohmann::json;
namespace command = control::command;

std::optional<std::string_view> option(const OptionValues& options, std::string_view name) {
  const auto found = options.find(name);
  if (found == options.end()) return std::nullopt;
  return std::string_view(found->second);
}

std::string guest_name(std::string_view text) {
  if (text.empty()) throw UsageError("guest name must not be empty");
  return std::string(text);
}

std::string mac_text(std::string_view option_name, std::string_view text) {
  const auto mac = wire::MacAddr::parse(text);
  if (!mac) {
    throw UsageError(std::string(option_name) + ": not a MAC address: '" + std::string(text) +
                     "' (expected six hex pairs, like 52:54:00:12:34:56)");
  }
  return mac->to_string();
}

std::string address_text(std::string_view what, std::string_view text) {
  const auto address = wire::Ip6Addr::parse(text);
  if (!address) {
    throw UsageError(std::string(what) + ": not an IPv6 address: '" + std::string(text) + "'");
  }
  return address->to_string();
}

std::uint16_t sequence_number(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > 65535) {
    throw UsageError("--last-sequence: expected an integer from 0 to 65535, got '" +
                     std::string(text) + "'");
  }
  return static_cast<std::uint16_t>(value);
}

// The daemon's limit too (control/commands.cpp): year 5138.
constexpr double latest_timestamp = 1e11;

json timestamp_value(std::string_view text) {
  const auto bad = [&] {
    return UsageError("--timestamp: expected seconds since 1970-01-01 UTC (like 1700000000.25), got '" +
                      std::string(text) + "'");
  };
  if (text.empty() || text.find_first_not_of("0123456789.") != text.npos) throw bad();
  if (text.find('.') == text.npos) {
    std::uint64_t seconds = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc() || end != text.data() + text.size() ||
        static_cast<double>(seconds) >= latest_timestamp) {
      throw bad();
    }
    return seconds;
  }
  double seconds = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds) ||
      seconds >= latest_timestamp) {
    throw bad();
  }
  return seconds;
}

json no_args(std::string_view, const OptionValues&) { return json::object(); }

json guest_attach_args(std::string_view operand, const OptionValues& options) {
  json args{{"name", guest_name(operand)}};
  const auto mac = option(options, "--mac");
  const auto home_address = option(options, "--home-address");
  const auto home_site = option(options, "--home-site");
  if (mac || home_address || home_site) {
    if (!(mac && home_address && home_site)) {
      throw UsageError("--mac, --home-address and --home-site go together: give all three "
                       "for a guest the configuration does not list, or none");
    }
    if (home_site->empty()) throw UsageError("--home-site must not be empty");
    args["mac"] = mac_text("--mac", *mac);
    args["home_address"] = address_text("--home-address", *home_address);
    args["home_site"] = std::string(*home_site);
  }
  if (const auto sequence = option(options, "--last-sequence")) {
    args["last_sequence"] = sequence_number(*sequence);
  }
  if (const auto port = option(options, "--port")) {
    if (port->empty()) throw UsageError("--port must not be empty");
    args["port"] = std::string(*port);
  }
  return args;
}

json guest_detach_args(std::string_view operand, const OptionValues& options) {
  const bool moved = options.contains("--moved");
  const bool stopped = options.contains("--stopped");
  if (moved && stopped) throw UsageError("--moved and --stopped exclude each other");
  return {{"name", guest_name(operand)}, {"mode", stopped ? "stopped" : "moved"}};
}

json guest_resume_args(std::string_view operand, const OptionValues& options) {
  json args{{"name", guest_name(operand)}};
  if (const auto timestamp = option(options, "--timestamp")) {
    args["timestamp"] = timestamp_value(*timestamp);
  }
  return args;
}

json guest_pause_args(std::string_view operand, const OptionValues& options) {
  json args{{"name", guest_name(operand)}};
  if (const auto timestamp = option(options, "--timestamp")) {
    args["timestamp"] = timestamp_value(*timestamp);
  }
  return args;
}

json guest_migrating_args(std::string_view operand, const OptionValues&) {
  return {{"name", guest_name(operand)}};
}

json binding_show_args(std::string_view operand, const OptionValues&) {
  return {{"home_address", address_text("home address", operand)}};
}

std::vector<CommandSpec> make_table() {
  return {
      {{"guest", "attach"},
       command::guest_attach,
       "NAME",
       {{"--mac", "MAC", "the guest's MAC address (guests not in the configuration)"},
        {"--home-address", "ADDR", "the guest's home IPv6 address (guests not in the configuration)"},
        {"--home-site", "SITE", "the site the home address belongs to (guests not in the configuration)"},
        {"--last-sequence", "N", "last BU sequence number used by the previous host, 0 to 65535"},
        {"--port", "PORT", "the guest's port on the guest-facing switch"}},
       "a guest is arriving on this host",
       "Tells the host daemon that guest NAME now runs (or is about to run) here, so it "
       "registers the guest's home address with its Home Agent when the guest is away from "
       "its home site. A guest the configuration file does not list needs --mac, "
       "--home-address and --home-site. After a live migration, pass the sequence number the "
       "previous host last used (--last-sequence) so the first Binding Update from here is "
       "newer than anything the Home Agent has accepted.",
       {"mip6ctl guest attach vm1 --last-sequence 4711",
        "mip6ctl guest attach vm9 --mac 52:54:00:12:34:56 --home-address 2001:db8:a::9 --home-site paris"},
       guest_attach_args},
      {{"guest", "detach"},
       command::guest_detach,
       "NAME",
       {{"--moved", "", "the guest went to another host: keep its binding (default)"},
        {"--stopped", "", "the guest stopped for good: deregister its binding"}},
       "a guest is leaving this host",
       "Tells the host daemon that guest NAME no longer runs here. With --moved (the "
       "default) the guest's binding at the Home Agent is left for the next host to take "
       "over; with --stopped it is deregistered. --moved is the default because it is the "
       "safe mistake: a stopped guest wrongly detached as moved leaves a binding that "
       "expires on its own, while a migrated guest wrongly deregistered loses its traffic "
       "until the new host registers again.",
       {"mip6ctl guest detach vm1", "mip6ctl guest detach vm1 --stopped"},
       guest_detach_args},
      {{"guest", "resume"},
       command::guest_resume,
       "NAME",
       {{"--timestamp", "SECONDS", "when the guest resumed, in seconds since 1970-01-01 UTC"}},
       "a guest has resumed running on this host",
       "Tells the host daemon that guest NAME is running here now, so packets held for it "
       "are released. Without --timestamp the daemon takes the time it got the request.",
       {"mip6ctl guest resume vm1", "mip6ctl guest resume vm1 --timestamp 1700000000.25"},
       guest_resume_args},
      {{"guest", "pause"},
       command::guest_pause,
       "NAME",
       {{"--timestamp", "SECONDS", "when QEMU stopped the guest (its STOP event), in seconds since 1970-01-01 UTC"}},
       "a guest here is paused for its migration's last copy",
       "Tells the host daemon that guest NAME stopped for the final copy of a live migration "
       "(libvirt's Suspended event; roam6-libvirt-events sends it). Its packets are held from "
       "then on instead of being handed to a guest that will never read them: if it resumes "
       "here, they are released to it; if the Home Agent (with hand_over_forwarding) says the "
       "guest's binding moved to another host, they are forwarded there. After guest "
       "migrating, what was delivered to it since just before it stopped (--timestamp; "
       "without it, since 50 ms before the request) is held again too: QEMU may have left "
       "it unread in the guest's tap.",
       {"mip6ctl guest pause vm1", "mip6ctl guest pause vm1 --timestamp 1700000000.25"},
       guest_pause_args},
      {{"guest", "migrating"},
       command::guest_migrating,
       "NAME",
       {},
       "a guest here has begun migrating away",
       "Tells the host daemon that the live migration of guest NAME away from this host "
       "has begun (libvirt's migration iteration event; roam6-libvirt-events sends it). "
       "Until the guest is paused, the datapath keeps a reference to each packet it "
       "delivers to it, so that at the pause what QEMU left unread can be held and handed "
       "over with the rest. Ends at the pause, or after 10 minutes without one.",
       {"mip6ctl guest migrating vm1"},
       guest_migrating_args},
      {{"guest", "list"},
       command::guest_list,
       "",
       {},
       "list the guests this host knows",
       "Shows each guest with its state, addresses and site.",
       {"mip6ctl guest list", "mip6ctl --json guest list"},
       no_args},
      {{"binding", "list"},
       command::binding_list,
       "",
       {},
       "list bindings",
       "On a Home Agent, its binding cache; on a host, its binding update list.",
       {"mip6ctl binding list"},
       no_args},
      {{"binding", "show"},
       command::binding_show,
       "ADDR",
       {},
       "show the binding of one home address",
       "Shows everything the daemon knows about the binding for home address ADDR.",
       {"mip6ctl binding show 2001:db8:a::9"},
       binding_show_args},
      {{"stats"},
       command::stats,
       "",
       {},
       "show the daemon's counters",
       "Shows message, error and drop counters.",
       {"mip6ctl stats"},
       no_args},
      {{"cluster"},
       command::cluster,
       "",
       {},
       "show the Home Agent cluster (etcd)",
       "On a Home Agent with leader_election: its state (leading or standby), its lease, its "
       "priority, the leader, the member that should lead, and every member etcd lists with its "
       "priority, whether its copy of the bindings is current and the seconds left on its lease, "
       "read from etcd now; whether etcd answered. On other Home Agents: the store in use.",
       {"mip6ctl cluster", "mip6ctl --json cluster"},
       no_args},
      {{"config", "show"},
       command::config_show,
       "",
       {},
       "show the configuration in use",
       "Shows the configuration the daemon runs with, secrets left out.",
       {"mip6ctl config show"},
       no_args},
      {{"config", "reload"},
       command::config_reload,
       "",
       {},
       "re-read the configuration file",
       "Makes the daemon re-read its configuration file, as SIGHUP does, and shows the "
       "outcome: the keys applied at once, and those that changed but need a restart (they "
       "keep their running value). An invalid file changes nothing: every error is shown, "
       "the daemon keeps running with the configuration it has, and mip6ctl exits 1.",
       {"mip6ctl config reload"},
       no_args},
      {{"version"},
       command::version,
       "",
       {},
       "show the daemon's version",
       "Shows the daemon's version, role and control protocol version.",
       {"mip6ctl version"},
       no_args},
  };
}

}  // namespace

std::string CommandSpec::display_name() const {
  std::string name;
  for (const auto word : words) {
    if (!name.empty()) name += ' ';
    name += word;
  }
  return name;
}

const std::vector<CommandSpec>& command_table() {
  static const std::vector<CommandSpec> table = make_table();
  return table;
}

const CommandSpec* find_command(std::span<const std::string> words) {
  for (const auto& spec : command_table()) {
    if (spec.words.size() != words.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < words.size(); ++i) same = same && spec.words[i] == words[i];
    if (same) return &spec;
  }
  return nullptr;
}

const OptionSpec* find_any_option(std::string_view name) {
  for (const auto& spec : command_table()) {
    for (const auto& option_spec : spec.options) {
      if (option_spec.name == name) return &option_spec;
    }
  }
  return nullptr;
}

}  // namespace roam6::mip6d::mip6ctl
