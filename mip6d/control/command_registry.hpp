#pragma once
// A CommandHandler built from a table of command name -> function, so the
// daemon registers each command next to the component that serves it.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mip6d/control/command_handler.hpp"

namespace roam6::mip6d::control {

class CommandRegistry final : public CommandHandler {
 public:
  using Function = std::function<nlohmann::json(const nlohmann::json& args)>;

  // Throws std::logic_error when `name` is already registered or empty: two
  // components claiming one command is a programming error.
  void add(std::string name, Function function);

  // Throws ControlError unknown_command for a name that was never added.
  nlohmann::json handle(std::string_view command, const nlohmann::json& args) override;

  [[nodiscard]] bool contains(std::string_view name) const;
  [[nodiscard]] std::vector<std::string> names() const;  // sorted

 private:
  std::map<std::string, Function, std::less<>> commands_;
};

}  // namespace roam6::mip6d::control
