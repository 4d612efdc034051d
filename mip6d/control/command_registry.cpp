#include "mip6d/control/command_registry.hpp"

#include <stdexcept>
#include <utility>

#include "mip6d/control/control_error.hpp"

namespace roam6::mip6d::control {

void CommandRegistry::add(std::string name, Function function) {
  if (name.empty()) throw std::logic_error("CommandRegistry: empty command name");
  if (!function) throw std::logic_error("CommandRegistry: no function for command " + name);
  const auto [where, inserted] = commands_.try_emplace(std::move(name), std::move(function));
  if (!inserted) throw std::logic_error("CommandRegistry: command registered twice: " + where->first);
}

nlohmann::json CommandRegistry::handle(std::string_view command, const nlohmann::json& args) {
  const auto found = commands_.find(command);
  if (found == commands_.end()) {
    throw ControlError(error_code::unknown_command,
                       "unknown command \"" + std::string(command) + "\"");
  }
  return found->second(args);
}

bool CommandRegistry::contains(std::string_view name) const {
  return commands_.find(name) != commands_.end();
}

std::vector<std::string> CommandRegistry::names() const {
  std::vector<std::string> out;
  out.reserve(commands_.size());
  for (const auto& entry : commands_) out.push_back(entry.first);
  return out;
}

}  // namespace roam6::mip6d::control
