#pragma once
// mip6ctl from arguments to exit status: parse the command line, talk to the
// daemon, print the outcome. main() only hands over argv, the environment and
// the standard streams, so tests run the whole program in-process.

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace roam6::mip6d::mip6ctl {

enum ExitStatus : int {
  exit_ok = 0,
  exit_refused = 1,      // the daemon answered with an error reply
  exit_usage = 2,        // bad command line; nothing was sent
  exit_unreachable = 3,  // cannot connect, timeout, or a reply that breaks the protocol
};

// The one request mip6ctl sends (its id is always 1: one request per
// connection).
inline constexpr int request_id = 1;

// The request line (newline included) for `command` with `args`.
std::string request_line(const std::string& command, const nlohmann::json& args);

// `arguments` excludes the program name; `socket_from_environment` is
// MIP6CTL_SOCKET's value when set.
int run(const std::vector<std::string>& arguments,
        const std::optional<std::string>& socket_from_environment, std::ostream& out,
        std::ostream& err);

}  // namespace roam6::mip6d::mip6ctl
