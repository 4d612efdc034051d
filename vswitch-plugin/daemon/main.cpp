// roam6-vswitchd: see vswitch_daemon.hpp and `roam6-vswitchd --help`.
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "vswitch-plugin/daemon/command_line.hpp"
#include "vswitch-plugin/daemon/vswitch_daemon.hpp"

int main(int argc, char** argv) {
  using roam6::vswitch::VswitchCommandLine;
  const std::vector<std::string> arguments(argv + 1, argv + argc);
  const auto line = roam6::vswitch::parse_vswitch_command_line(arguments, std::getenv("OVS_RUNDIR"));
  switch (line.action) {
    case VswitchCommandLine::Action::show_help:
      std::cout << roam6::vswitch::vswitch_help_text();
      return 0;
    case VswitchCommandLine::Action::show_version:
      std::cout << "roam6-vswitchd " << ROAM6_VERSION << "\n";
      return 0;
    case VswitchCommandLine::Action::usage_error:
      std::cerr << "roam6-vswitchd: " << line.error << "\nTry 'roam6-vswitchd --help' for the options.\n";
      return 2;
    case VswitchCommandLine::Action::run:
      break;
  }
  try {
    roam6::vswitch::VswitchDaemon daemon(line.options, [](roam6::mip6d::LogLevel, std::string_view text) {
      std::cerr << text << '\n' << std::flush;
    });
    daemon.run();
  } catch (const std::exception& e) {
    std::cerr << "roam6-vswitchd: cannot start: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
