#pragma once
// mip6d from arguments to exit status: parse the command line, load the
// configuration, then check it or run the daemon. main() only hands over
// argv and the standard streams, so tests run all but the daemon in-process.

#include <ostream>
#include <string>
#include <vector>

#include "mip6d/daemon/command_line.hpp"

namespace roam6::mip6d::daemon {

// `arguments` excludes the program name. Never throws: every failure is a
// message on `err` and an ExitStatus.
int run_program(const std::vector<std::string>& arguments, std::ostream& out, std::ostream& err);

}  // namespace roam6::mip6d::daemon
