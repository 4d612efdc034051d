#include "vswitch-plugin/daemon/command_line.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <string_view>

namespace roam6::vswitch {
namespace {

VswitchCommandLine usage_error(std::string message) {
  VswitchCommandLine line;
  line.action = VswitchCommandLine::Action::usage_error;
  line.error = std::move(message);
  return line;
}

bool valid_interface_name(std::string_view name) {
  return !name.empty() && name.size() <= 15 && name.find('/') == std::string_view::npos &&
         name.find_first_of(" \t\n") == std::string_view::npos;
}

std::optional<std::uint64_t> parse_cookie(std::string_view text) {
  int base = 10;
  if (text.starts_with("0x") || text.starts_with("0X")) {
    text.remove_prefix(2);
    base = 16;
  }
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size() || value == 0) return std::nullopt;
  return value;
}

}  // namespace

VswitchCommandLine parse_vswitch_command_line(const std::vector<std::string>& arguments,
                                              const char* environment_rundir) {
  for (const auto& argument : arguments) {
    if (argument == "--help" || argument == "-h") return {VswitchCommandLine::Action::show_help, {}, {}};
    if (argument == "--version" || argument == "-V") return {VswitchCommandLine::Action::show_version, {}, {}};
  }
  VswitchCommandLine line;
  VswitchOptions& o = line.options;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    std::string name = arguments[i];
    std::optional<std::string> value;
    if (const auto eq = name.find('='); name.starts_with("--") && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto take = [&]() -> std::optional<std::string> {
      if (value) return value;
      if (i + 1 >= arguments.size()) return std::nullopt;
      return arguments[++i];
    };
    static constexpr std::string_view known[] = {"--ovsdb", "--bridge", "--openflow", "--datapath-port",
                                                  "--mip6d-socket", "--domains", "--cookie", "--ovs-ofctl",
                                                  "--watch-link", "--log-level"};
    if (std::find(std::begin(known), std::end(known), name) == std::end(known))
      return usage_error("unknown option '" + name + "'");
    const auto v = take();
    if (!v) return usage_error(name + " needs a value");
    if (name == "--ovsdb") {
      if (!v->starts_with("unix:") && !v->starts_with("tcp:"))
        return usage_error("--ovsdb must be unix:PATH or tcp:IP:PORT, not '" + *v + "'");
      o.ovsdb = *v;
    } else if (name == "--bridge") {
      if (!valid_interface_name(*v)) return usage_error("--bridge '" + *v + "' is not a bridge name");
      o.bridge = *v;
    } else if (name == "--openflow") {
      o.openflow = *v;
    } else if (name == "--datapath-port") {
      if (!valid_interface_name(*v)) return usage_error("--datapath-port '" + *v + "' is not an interface name");
      o.datapath_port = *v;
    } else if (name == "--mip6d-socket") {
      o.mip6d_socket = *v;
    } else if (name == "--domains") {
      o.domains = *v;
    } else if (name == "--cookie") {
      const auto cookie = parse_cookie(*v);
      if (!cookie) return usage_error("--cookie '" + *v + "' is not a non-zero 64-bit number (0x... for hex)");
      o.cookie = *cookie;
    } else if (name == "--ovs-ofctl") {
      o.ovs_ofctl = *v;
    } else if (name == "--watch-link") {
      if (!valid_interface_name(*v)) return usage_error("--watch-link '" + *v + "' is not an interface name");
      o.watch_links.push_back(*v);
    } else if (name == "--log-level") {
      const auto level = mip6d::parse_log_level(*v);
      if (!level) return usage_error("--log-level must be error, warning, info or debug, not '" + *v + "'");
      o.log_level = *level;
    } else {
      return usage_error("unknown option '" + name + "'");
    }
  }
  if (o.datapath_port.empty()) return usage_error("--datapath-port is required: the bridge port that leads to the datapath");
  if (o.datapath_port == o.bridge) return usage_error("--datapath-port cannot be the bridge's own port");
  if (o.openflow.empty()) {
    const std::string rundir = environment_rundir != nullptr && *environment_rundir != '\0'
                                   ? environment_rundir
                                   : "/var/run/openvswitch";
    o.openflow = "unix:" + rundir + "/" + o.bridge + ".mgmt";
  }
  return line;
}

std::string vswitch_help_text() {
  return R"(NAME
    roam6-vswitchd - roam6's Open vSwitch plugin

SYNOPSIS
    roam6-vswitchd --datapath-port PORT [OPTION]...

DESCRIPTION
    Watches the integration bridge's VM ports in OVSDB (as libvirt and
    OpenStack create them), tells mip6d which guest is on which port
    (guest.attach / guest.port / guest.detach on mip6d's control socket), and
    installs the OpenFlow 1.3 rules that steer the guests' frames: guests
    away from their home site through the roam6 datapath, every guest held
    to its own MAC and addresses. Runs in the foreground and logs to standard
    error. See docs/vswitch-plugin.md.

    Stopping it leaves the flows in place (forwarding goes on); starting it
    again replaces them in one OpenFlow bundle.

OPTIONS
    --datapath-port PORT  the bridge's port to the datapath's guest side
                          (a veth end, or a dpdkvhostuserclient port); required
    --bridge NAME         the integration bridge (default br-int); its
                          fail_mode should be secure
    --ovsdb unix:PATH|tcp:IP:PORT
                          the OVSDB server (default unix:/var/run/openvswitch/db.sock)
    --openflow TARGET     where ovs-ofctl reaches the bridge
                          (default unix:$OVS_RUNDIR/BRIDGE.mgmt, OVS_RUNDIR
                          defaulting to /var/run/openvswitch)
    --mip6d-socket PATH   mip6d's control socket (default /run/roam6/mip6d.sock)
    --domains DIR         the libvirt domain files the migration hooks keep
                          (default /run/roam6/domains)
    --cookie N            the cookie on every flow of ours, non-zero; 0x for
                          hex (default 0x526f616d36000000)
    --ovs-ofctl PATH      the ovs-ofctl program (default: from PATH)
    --watch-link NAME     also log this link's state and MTU (e.g. the uplink);
                          may be repeated
    --log-level LEVEL     error, warning, info (default) or debug
    -h, --help            this text
    -V, --version         the version

EXIT STATUS
    0 after SIGTERM or SIGINT, 2 on a usage error, 1 when it cannot start.
)";
}

}  // namespace roam6::vswitch
