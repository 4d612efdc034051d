#pragma once
// The control protocol's envelope, shared by the daemon's ControlServer and by
// mip6ctl: one JSON object per line each way (docs/control-protocol.md).
//   request: {"id": <int>, "command": "<name>", "args": {...}}
//   reply:   {"id": <same>, "ok": true,  "result": <json>}
//            {"id": <same>, "ok": false, "error": {"code": "...", "message": "..."}}

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mip6d/control/control_error.hpp"

namespace roam6::mip6d::control {

// Longest request line the daemon reads, newline excluded. Replies have no
// cap: a binding list may be long, and it comes from a trusted peer.
inline constexpr std::size_t max_request_line_bytes = 64 * 1024;
inline constexpr int protocol_version = 1;

struct Request {
  nlohmann::json id;  // an integer, echoed in the reply
  std::string command;
  nlohmann::json args = nlohmann::json::object();
};

// A request whose envelope is unusable. Carries the id when one could be
// read, so the reply can still be matched by the client (null otherwise).
class RequestRejected : public ControlError {
 public:
  RequestRejected(nlohmann::json id, const std::string& message)
      : ControlError(error_code::bad_request, message), id_(std::move(id)) {}
  [[nodiscard]] const nlohmann::json& id() const noexcept { return id_; }

 private:
  nlohmann::json id_;
};

// One request line (without its newline) -> Request; throws RequestRejected.
// "args" may be left out and then is {}; any other top-level member is
// refused so that a typo ("arg") is not silently ignored.
Request parse_request(std::string_view line);

// Serialised lines, newline included. Never throw on odd content: strings
// that are not UTF-8 are written with U+FFFD in place of the bad bytes.
std::string encode_request(const Request& request);
std::string encode_ok_reply(const nlohmann::json& id, const nlohmann::json& result);
std::string encode_error_reply(const nlohmann::json& id, std::string_view code,
                               std::string_view message);

struct Reply {
  nlohmann::json id;
  bool ok = false;
  nlohmann::json result;      // when ok
  std::string error_code;     // when !ok
  std::string error_message;  // when !ok
};

// A reply that does not follow the protocol (client side).
class MalformedReply : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One reply line (without its newline) -> Reply; throws MalformedReply.
Reply parse_reply(std::string_view line);

}  // namespace roam6::mip6d::control
