#pragma once
// roam6-libvirt-hook's command line: libvirt's four arguments after our
// options (the installed wrapper puts the options first), or `install` /
// `uninstall` for an operator.

#include <chrono>
#include <string>
#include <vector>

#include "migration-hooks/hook/hook_invocation.hpp"
#include "migration-hooks/hook/hook_runner.hpp"
#include "mip6d/config/config.hpp"

namespace roam6::hooks {

struct HookCommandLine {
  enum class Action { hook, install, uninstall, show_help, show_version, usage_error } action = Action::hook;
  HookSettings settings;
  std::string hooks_dir = "/etc/libvirt/hooks";  // install, uninstall
  HookInvocation invocation;                     // hook
  mip6d::LogLevel log_level = mip6d::LogLevel::info;
  std::string error;  // usage_error
};

HookCommandLine parse_hook_command_line(const std::vector<std::string>& arguments);
std::string hook_help_text();

}  // namespace roam6::hooks
