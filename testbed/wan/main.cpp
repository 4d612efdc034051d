// roam6-wan: see wan_settings.cpp's help text.
#include <csignal>
#include <iostream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "testbed/wan/wan_engine.hpp"
#include "testbed/wan/wan_settings.hpp"

namespace {
std::atomic<bool> stop{false};
extern "C" void on_signal(int) { stop.store(true); }
}  // namespace

int main(int argc, char** argv) {
  roam6::wan::WanSettings settings;
  try {
    settings = roam6::wan::parse_wan_command_line(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::invalid_argument& e) {
    std::cerr << "roam6-wan: " << e.what() << "\n(--help tells more)\n";
    return 2;
  }
  if (settings.show_help) {
    std::cout << roam6::wan::wan_help_text();
    return 0;
  }
  if (settings.show_version) {
    std::cout << "roam6-wan " << ROAM6_VERSION << "\n";
    return 0;
  }
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  try {
    roam6::wan::WanEngine engine(settings);
    std::cerr << "roam6-wan: running with " << settings.ports.size() << " ports" << std::endl;
    engine.run(stop);
    std::cerr << engine.counters().dump() << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "roam6-wan: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
