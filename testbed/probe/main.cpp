// roam6-probe: see command_line.cpp's help text.
#include <csignal>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "testbed/probe/command_line.hpp"
#include "testbed/probe/move_report.hpp"
#include "testbed/probe/probe_sockets.hpp"

namespace {

std::atomic<bool> stop{false};
extern "C" void on_signal(int) { stop.store(true); }

int print_report(const roam6::probe::Timeline& timeline, const std::string& marks_path, bool json) {
  std::vector<roam6::probe::Mark> marks;
  if (!marks_path.empty()) {
    std::ifstream in(marks_path);
    if (!in) throw std::runtime_error("cannot read " + marks_path);
    marks = roam6::probe::read_marks(in);
  }
  const auto r = roam6::probe::report(timeline, marks);
  if (json) std::cout << roam6::probe::to_json(r).dump() << "\n";
  else std::cout << roam6::probe::to_text(r);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using roam6::probe::ProbeCommandLine;
  const auto line = roam6::probe::parse_probe_command_line(std::vector<std::string>(argv + 1, argv + argc));
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  try {
    switch (line.action) {
      case ProbeCommandLine::Action::show_help:
        std::cout << roam6::probe::probe_help_text();
        return 0;
      case ProbeCommandLine::Action::show_version:
        std::cout << "roam6-probe " << ROAM6_VERSION << "\n";
        return 0;
      case ProbeCommandLine::Action::usage_error:
        std::cerr << "roam6-probe: " << line.error << "\n(--help tells more)\n";
        return 2;
      case ProbeCommandLine::Action::echo: {
        const auto counters = roam6::probe::run_echo(line.echo_port, stop);
        std::cerr << "roam6-probe echo: " << counters.echoed << " echoed, " << counters.not_probes << " not probes\n";
        return 0;
      }
      case ProbeCommandLine::Action::send: {
        const auto timeline = roam6::probe::run_sender(line.send, stop);
        if (!line.timeline.empty()) {
          std::ofstream out(line.timeline);
          timeline.write_csv(out);
          if (!out) throw std::runtime_error("cannot write " + line.timeline);
        }
        return print_report(timeline, line.marks, line.json);
      }
      case ProbeCommandLine::Action::report: {
        std::ifstream in(line.timeline);
        if (!in) throw std::runtime_error("cannot read " + line.timeline);
        return print_report(roam6::probe::Timeline::read_csv(in), line.marks, line.json);
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "roam6-probe: " << e.what() << "\n";
    return 1;
  }
  return 1;
}
