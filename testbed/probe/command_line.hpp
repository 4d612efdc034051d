#pragma once
// roam6-probe's command line: `send`, `echo` or `report`.

#include <string>
#include <vector>

#include "testbed/probe/probe_sockets.hpp"

namespace roam6::probe {

struct ProbeCommandLine {
  enum class Action { send, echo, report, show_help, show_version, usage_error } action = Action::usage_error;
  SendSettings send;
  std::uint16_t echo_port = 7447;
  std::string timeline;  // send: write it here; report: read it
  std::string marks;     // send, report: the testbed's marks, read at the end
  bool json = false;
  std::string error;
};

ProbeCommandLine parse_probe_command_line(const std::vector<std::string>& arguments);
std::string probe_help_text();

}  // namespace roam6::probe
