// mip6ctl: the command-line client of mip6d's control socket. Everything but
// the process boundary lives in cli.cpp.

#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "mip6d/mip6ctl/cli.hpp"
#include "mip6d/mip6ctl/command_line.hpp"

int main(int argc, char** argv) {
  using namespace roam6::mip6d::mip6ctl;
  std::vector<std::string> arguments;
  for (int i = 1; i < argc; ++i) arguments.emplace_back(argv[i]);
  std::optional<std::string> socket_from_environment;
  if (const char* value = std::getenv(std::string(socket_environment_variable).c_str())) {
    socket_from_environment = value;
  }
  return run(arguments, socket_from_environment, std::cout, std::cerr);
}
