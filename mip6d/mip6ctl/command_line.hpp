#pragma once
// mip6ctl's command line -> what to do: send a request, print help, or
// complain. Pure: no I/O, so every case is testable.
//   mip6ctl [--socket PATH] [--json] [--timeout SEC] <command> [operand] [options]
// Global options may stand anywhere; "--" ends option parsing.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace roam6::mip6d::mip6ctl {

inline constexpr std::string_view default_socket_path = "/run/roam6/mip6d.sock";
inline constexpr std::string_view socket_environment_variable = "MIP6CTL_SOCKET";
inline constexpr std::chrono::milliseconds default_timeout{5000};

struct GlobalOptions {
  std::string socket_path{default_socket_path};
  bool json_output = false;
  std::chrono::milliseconds timeout = default_timeout;
};

struct CommandLine {
  enum class Action { send_request, show_help, usage_error };
  Action action = Action::usage_error;
  GlobalOptions globals;
  std::string command;                              // protocol name, when send_request
  nlohmann::json args = nlohmann::json::object();   // when send_request
  std::string help_text;                            // when show_help
  std::string error;                                // when usage_error
  std::string hint;                                 // when usage_error: where to read more
};

// `arguments` excludes the program name. `socket_from_environment` is
// MIP6CTL_SOCKET's value, if set; --socket wins over it.
CommandLine parse_command_line(const std::vector<std::string>& arguments,
                               const std::optional<std::string>& socket_from_environment);

}  // namespace roam6::mip6d::mip6ctl
