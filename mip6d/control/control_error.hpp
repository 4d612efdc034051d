#pragma once
// A refusal on the control socket: a stable snake_case code for programs and
// a sentence for people. Command handlers throw it; the server turns it into
// an error reply and keeps serving (docs/control-protocol.md).

#include <stdexcept>
#include <string>
#include <string_view>

namespace roam6::mip6d::control {

// The error codes the protocol defines. Handlers may add codes of their own,
// but these keep their meaning for every command.
namespace error_code {
// The request does not match the protocol or the command's argument schema:
// malformed JSON, a missing or ill-typed field, a line over the size cap.
inline constexpr std::string_view bad_request = "bad_request";
inline constexpr std::string_view unknown_command = "unknown_command";
inline constexpr std::string_view unknown_guest = "unknown_guest";
inline constexpr std::string_view unknown_binding = "unknown_binding";
// Well-formed, but a value is unacceptable: not an IPv6 address, a guest
// description that contradicts the configuration, ...
inline constexpr std::string_view invalid_argument = "invalid_argument";
// The command exists but not in this daemon's role (home-agent or host).
inline constexpr std::string_view wrong_role = "wrong_role";
// config.reload: the configuration file is invalid; the daemon keeps the
// configuration it runs with.
inline constexpr std::string_view invalid_config = "invalid_config";
// The daemon failed while serving the request; the request may be fine.
inline constexpr std::string_view internal = "internal";
}  // namespace error_code

class ControlError : public std::runtime_error {
 public:
  ControlError(std::string_view code, const std::string& message)
      : std::runtime_error(message), code_(code) {}

  [[nodiscard]] const std::string& code() const noexcept { return code_; }

 private:
  std::string code_;
};

}  // namespace roam6::mip6d::control
