// roam6-libvirt-events: see command_line.cpp's help text and docs/migration.md.
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "migration-hooks/events/command_line.hpp"
#include "migration-hooks/events/lifecycle_watch.hpp"

namespace {

roam6::hooks::LifecycleWatch* running = nullptr;

extern "C" void on_signal(int) {
  if (running != nullptr) running->stop();
}

}  // namespace

int main(int argc, char** argv) {
  using roam6::hooks::EventsCommandLine;
  const auto line = roam6::hooks::parse_events_command_line(std::vector<std::string>(argv + 1, argv + argc));
  switch (line.action) {
    case EventsCommandLine::Action::show_help:
      std::cout << roam6::hooks::events_help_text();
      return 0;
    case EventsCommandLine::Action::show_version:
      std::cout << "roam6-libvirt-events " << ROAM6_VERSION << "\n";
      return 0;
    case EventsCommandLine::Action::usage_error:
      std::cerr << "roam6-libvirt-events: " << line.error << "\n(--help tells more)\n";
      return 2;
    case EventsCommandLine::Action::run:
      break;
  }
  const roam6::mip6d::Logger log(line.log_level, [](roam6::mip6d::LogLevel, std::string_view text) {
    std::cerr << text << std::endl;
  });
  roam6::hooks::LifecycleWatch watch(line.settings, log, roam6::hooks::LifecycleWatch::to_mip6d(line.settings, log),
                                     roam6::hooks::LifecycleWatch::from_mip6d(line.settings, log));
  running = &watch;
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  const bool ok = watch.run(/*give_up_if_unreachable=*/true);
  running = nullptr;
  return ok ? 0 : 1;
}
