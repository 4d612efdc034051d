#pragma once
// mip6d's command line -> what to do: run, check the configuration, print the
// manual or the version, or complain. Pure: no I/O, so every case is testable.
//   mip6d --config FILE [--log-level LEVEL] [--check-config] [--foreground]
// The daemon always runs in the foreground (systemd supervises it);
// --foreground is accepted so that unit files can say so.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mip6d/config/config.hpp"

namespace roam6::mip6d::daemon {

enum ExitStatus : int {
  exit_ok = 0,
  exit_failure = 1,  // bad configuration, or the daemon could not start or failed
  exit_usage = 2,    // bad command line; nothing was done
  exit_deposed = 75,  // a Home Agent that lost its leader lease (EX_TEMPFAIL): restart it
};

struct DaemonOptions {
  std::string config_path;
  std::optional<LogLevel> log_level;  // overrides the configuration's log_level
  bool foreground = false;            // accepted for clarity; the daemon never forks
};

struct DaemonCommandLine {
  enum class Action { run, check_config, show_help, show_version, usage_error };
  Action action = Action::usage_error;
  DaemonOptions options;  // when run or check_config
  std::string error;      // when usage_error
  std::string hint;       // when usage_error: where to read more
};

// `arguments` excludes the program name. Options are "--name VALUE" or
// "--name=VALUE"; --help and --version win over everything else.
DaemonCommandLine parse_daemon_command_line(const std::vector<std::string>& arguments);

// The manual printed by --help: NAME, SYNOPSIS, DESCRIPTION, OPTIONS, SIGNALS,
// FILES, EXIT STATUS, EXAMPLES, SEE ALSO.
std::string daemon_help_text();

// "mip6d 0.1.0 (control protocol 1)\n".
std::string daemon_version_text();

}  // namespace roam6::mip6d::daemon
