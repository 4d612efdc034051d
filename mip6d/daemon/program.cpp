#include "mip6d/daemon/program.hpp"

#include <exception>

#include "mip6d/config/config_describe.hpp"
#include "mip6d/config/config_loader.hpp"
#include "mip6d/daemon/daemon.hpp"

namespace roam6::mip6d::daemon {
namespace {

int run_daemon(Config config, std::optional<LogLevel> log_level, std::ostream& err) {
  try {
    Daemon daemon(std::move(config), {}, log_level);
    return daemon.run();
  } catch (const StartupError& e) {
    err << "mip6d: " << e.what() << '\n';
  } catch (const std::exception& e) {
    err << "mip6d: unexpected failure: " << e.what() << '\n';
  }
  return exit_failure;
}

}  // namespace

int run_program(const std::vector<std::string>& arguments, std::ostream& out, std::ostream& err) {
  try {
    const DaemonCommandLine line = parse_daemon_command_line(arguments);
    switch (line.action) {
      case DaemonCommandLine::Action::usage_error:
        err << "mip6d: " << line.error << '\n' << line.hint << '\n';
        return exit_usage;
      case DaemonCommandLine::Action::show_help:
        out << daemon_help_text();
        return exit_ok;
      case DaemonCommandLine::Action::show_version:
        out << daemon_version_text();
        return exit_ok;
      case DaemonCommandLine::Action::check_config:
      case DaemonCommandLine::Action::run:
        break;
    }

    auto loaded = load_config_file(line.options.config_path);
    if (!loaded) {
      err << "mip6d: " << line.options.config_path << " is not a valid configuration:\n"
          << loaded.error_report();
      return exit_failure;
    }
    Config config = std::move(loaded).config();
    if (line.options.log_level) config.log_level = *line.options.log_level;

    if (line.action == DaemonCommandLine::Action::check_config) {
      out << describe_config(config);
      return exit_ok;
    }
    return run_daemon(std::move(config), line.options.log_level, err);
  } catch (const std::exception& e) {
    err << "mip6d: unexpected failure: " << e.what() << '\n';
  } catch (...) {
    err << "mip6d: unexpected failure\n";
  }
  return exit_failure;
}

}  // namespace roam6::mip6d::daemon
