#pragma once
// roam6-libvirt-events' command line.

#include <string>
#include <vector>

#include "migration-hooks/events/lifecycle_watch.hpp"
#include "mip6d/config/config.hpp"

namespace roam6::hooks {

struct EventsCommandLine {
  enum class Action { run, show_help, show_version, usage_error } action = Action::run;
  WatchSettings settings;
  mip6d::LogLevel log_level = mip6d::LogLevel::info;
  std::string error;
};

EventsCommandLine parse_events_command_line(const std::vector<std::string>& arguments);
std::string events_help_text();

}  // namespace roam6::hooks
