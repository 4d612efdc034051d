#pragma once
// What the ControlServer dispatches requests to. The daemon implements it
// (usually through CommandRegistry); tests implement it however they like.

#include <string_view>

#include <nlohmann/json.hpp>

namespace roam6::mip6d::control {

class CommandHandler {
 public:
  virtual ~CommandHandler() = default;
  // Runs on the daemon's event-loop thread. Returns the reply's "result".
  // Throws ControlError to refuse (unknown command, bad argument, ...); any
  // other exception becomes an "internal" error reply, and the server goes on.
  virtual nlohmann::json handle(std::string_view command, const nlohmann::json& args) = 0;
};

}  // namespace roam6::mip6d::control
