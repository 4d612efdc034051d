#include "mip6d/control/request_dispatch.hpp"

#include <exception>

#include "mip6d/control/control_error.hpp"
#include "mip6d/control/control_protocol.hpp"

namespace roam6::mip6d::control {
namespace {

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

std::string internal_error(const nlohmann::json& id, std::string_view command,
                           std::string_view what) {
  return encode_error_reply(id, error_code::internal,
                            "internal error while running \"" + std::string(command) +
                                "\": " + std::string(what));
}

}  // namespace

std::optional<std::string> dispatch_line(std::string_view line, CommandHandler& handler) {
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (is_blank(line)) return std::nullopt;

  Request request;
  try {
    request = parse_request(line);
  } catch (const RequestRejected& e) {
    return encode_error_reply(e.id(), e.code(), e.what());
  }

  try {
    return encode_ok_reply(request.id, handler.handle(request.command, request.args));
  } catch (const ControlError& e) {
    return encode_error_reply(request.id, e.code(), e.what());
  } catch (const std::exception& e) {
    return internal_error(request.id, request.command, e.what());
  } catch (...) {
    return internal_error(request.id, request.command, "unknown exception");
  }
}

}  // namespace roam6::mip6d::control
