#pragma once
// roam6-vswitchd's command line. Everything has a default that fits a stock
// Debian Open vSwitch and mip6d except the datapath's port, which only the
// operator knows.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mip6d/config/config.hpp"

namespace roam6::vswitch {

struct VswitchOptions {
  std::string ovsdb = "unix:/var/run/openvswitch/db.sock";
  std::string bridge = "br-int";
  std::string openflow;  // default: unix:<OVS run dir>/<bridge>.mgmt
  std::string datapath_port;
  std::string mip6d_socket = "/run/roam6/mip6d.sock";
  std::string domains = "/run/roam6/domains";
  std::uint64_t cookie = 0x526f616d36000000ULL;  // "Roam6"
  std::string ovs_ofctl;  // empty: ovs-ofctl from PATH
  std::vector<std::string> watch_links;  // extra links whose events are logged (the uplink)
  mip6d::LogLevel log_level = mip6d::LogLevel::info;
};

struct VswitchCommandLine {
  enum class Action { run, show_help, show_version, usage_error } action = Action::run;
  VswitchOptions options;
  std::string error;  // for usage_error
};

// `environment_rundir`: $OVS_RUNDIR, where Open vSwitch keeps its sockets.
VswitchCommandLine parse_vswitch_command_line(const std::vector<std::string>& arguments,
                                              const char* environment_rundir);
std::string vswitch_help_text();

}  // namespace roam6::vswitch
