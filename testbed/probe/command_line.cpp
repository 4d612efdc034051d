#include "testbed/probe/command_line.hpp"

#include <charconv>

namespace roam6::probe {
namespace {

ProbeCommandLine problem(std::string message) {
  ProbeCommandLine line;
  line.action = ProbeCommandLine::Action::usage_error;
  line.error = std::move(message);
  return line;
}

template <class T>
bool parse_number(const std::string& text, T& out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && error == std::errc{} && end == text.data() + text.size();
}

}  // namespace

ProbeCommandLine parse_probe_command_line(const std::vector<std::string>& arguments) {
  ProbeCommandLine line;
  if (arguments.empty()) return problem("say send, echo or report");
  const std::string& mode = arguments[0];
  if (mode == "--help" || mode == "-h") {
    line.action = ProbeCommandLine::Action::show_help;
    return line;
  }
  if (mode == "--version" || mode == "-V") {
    line.action = ProbeCommandLine::Action::show_version;
    return line;
  }
  if (mode == "send") line.action = ProbeCommandLine::Action::send;
  else if (mode == "echo") line.action = ProbeCommandLine::Action::echo;
  else if (mode == "report") line.action = ProbeCommandLine::Action::report;
  else return problem("unknown command '" + mode + "': say send, echo or report");

  for (std::size_t i = 1; i < arguments.size(); ++i) {
    const std::string& name = arguments[i];
    if (name == "--json") {
      line.json = true;
      continue;
    }
    if (i + 1 >= arguments.size()) return problem(name.starts_with("--") ? name + " needs a value" : "unexpected '" + name + "'");
    const std::string& value = arguments[++i];
    double rate = 0;
    unsigned number = 0;
    if (name == "--to" && line.action == ProbeCommandLine::Action::send) {
      line.send.to = value;
    } else if (name == "--port") {
      if (!parse_number(value, number) || number == 0 || number > 65535) return problem("--port must be 1 to 65535");
      line.send.port = static_cast<std::uint16_t>(number);
      line.echo_port = line.send.port;
    } else if (name == "--rate") {
      if (!parse_number(value, rate) || !(rate > 0 && rate <= 1e6)) return problem("--rate must be above 0 and at most 1000000 (Hz)");
      line.send.rate_hz = rate;
    } else if (name == "--duration-ms") {
      if (!parse_number(value, number)) return problem("--duration-ms must be a number of milliseconds");
      line.send.duration = std::chrono::milliseconds(number);
    } else if (name == "--drain-ms") {
      if (!parse_number(value, number) || number > 60000) return problem("--drain-ms must be 0 to 60000");
      line.send.drain = std::chrono::milliseconds(number);
    } else if (name == "--size") {
      if (!parse_number(value, number) || number < 16 || number > 1400) return problem("--size must be 16 to 1400 (bytes)");
      line.send.size = number;
    } else if (name == "--timeline" && line.action != ProbeCommandLine::Action::echo) {
      line.timeline = value;
    } else if (name == "--marks" && line.action != ProbeCommandLine::Action::echo) {
      line.marks = value;
    } else {
      return problem("unknown option '" + name + "' for " + mode);
    }
  }
  if (line.action == ProbeCommandLine::Action::send && line.send.to.empty()) return problem("send needs --to ADDRESS");
  if (line.action == ProbeCommandLine::Action::report && (line.timeline.empty() || line.marks.empty()))
    return problem("report needs --timeline FILE and --marks FILE");
  return line;
}

std::string probe_help_text() {
  return R"(Usage: roam6-probe send --to ADDRESS [--port N] [--rate HZ] [--duration-ms N]
                        [--drain-ms N] [--size N] [--timeline FILE] [--marks FILE] [--json]
       roam6-probe echo [--port N]
       roam6-probe report --timeline FILE --marks FILE [--json]

Measures what a live migration costs the guest's correspondents. `send` runs
on a correspondent: numbered UDP probes to the guest's home address at a
fixed rate (default 1000 Hz, port 7447, 64 bytes); `echo` runs in the guest
and sends every probe back. When `send` ends (after --duration-ms, or at
SIGINT/SIGTERM, then --drain-ms for late echoes, default 500) it writes the
timeline (every probe's send and first-echo time, echo count, reordering;
CSV, CLOCK_MONOTONIC) and, given the testbed's marks (one JSON object per
line: {"t_ns": N, "move": "1", "event": "pause"}), reports per move:

  outage      how long no probe got through (longest gap between answered
              probes, less one interval)
  pause       the guest's own pause (its "pause" to "resume" marks)
  added       outage less pause: what the move cost beyond the pause
  lost, duplicated, reordered probes

`report` computes the same from files written earlier. Exit status: 0, 1 on
a socket or file error, 2 for a usage error.
)";
}

}  // namespace roam6::probe
