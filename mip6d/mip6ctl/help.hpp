#pragma once
// mip6ctl's help pages, written from the command table: the whole manual
// (mip6ctl --help), one command (mip6ctl help guest attach) or one group of
// commands (mip6ctl help guest).

#include <string>
#include <string_view>
#include <vector>

#include "mip6d/mip6ctl/command_table.hpp"

namespace roam6::mip6d::mip6ctl {

std::string manual_page();
std::string command_help(const CommandSpec& spec);
// "guest", "binding", "config": the first word of several commands.
bool is_command_group(std::string_view word);
std::vector<const CommandSpec*> commands_in_group(std::string_view group);
std::string group_help(std::string_view group);
// "mip6ctl guest attach NAME [--mac MAC] ..."
std::string synopsis(const CommandSpec& spec);

}  // namespace roam6::mip6d::mip6ctl
