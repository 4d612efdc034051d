// mip6d: the roam6 Mobile IPv6 signalling daemon. Everything but the process
// boundary lives in program.cpp.

#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "mip6d/daemon/program.hpp"

int main(int argc, char** argv) {
  try {
    // A log reader that goes away (journald restarting, a closed pipe) must
    // not kill the daemon; the failed write is simply lost.
    std::signal(SIGPIPE, SIG_IGN);
    std::vector<std::string> arguments;
    for (int i = 1; i < argc; ++i) arguments.emplace_back(argv[i]);
    return roam6::mip6d::daemon::run_program(arguments, std::cout, std::cerr);
  } catch (...) {
    // run_program catches everything; this is for a failure before it runs
    // (no memory for the argument list).
    std::fputs("mip6d: unexpected failure\n", stderr);
    return roam6::mip6d::daemon::exit_failure;
  }
}
