#include "mip6d/control/control_protocol.hpp"

#include <utility>

namespace roam6::mip6d::control {
namespace {

using nlohmann::json;

std::string to_line(const json& value) {
  // error_handler_t::replace: a handler's result may carry bytes that are not
  // UTF-8 (a guest name taken from elsewhere); that must not fail the reply.
  std::string line = value.dump(-1, ' ', false, json::error_handler_t::replace);
  line.push_back('\n');
  return line;
}

// nlohmann's messages start with "[json.exception.parse_error.101] "; the
// position and the reason after it are what a person needs.
std::string parse_failure(const json::parse_error& e) {
  std::string_view text = e.what();
  if (const auto end = text.find("] "); text.starts_with("[json.exception.") && end != text.npos) {
    text.remove_prefix(end + 2);
  }
  return std::string(text);
}

std::string_view type_name_of(const json& value) {
  if (value.is_number_integer()) return "integer";
  if (value.is_number_float()) return "number";
  return value.type_name();
}

}  // namespace

Request parse_request(std::string_view line) {
  json message;
  try {
    message = json::parse(line);
  } catch (const json::parse_error& e) {
    throw RequestRejected(nullptr, std::string("request is not valid JSON: ") + parse_failure(e));
  }
  if (!message.is_object()) {
    throw RequestRejected(nullptr, "request must be a JSON object, got " +
                                       std::string(type_name_of(message)));
  }

  Request request;
  const auto id = message.find("id");
  if (id == message.end()) throw RequestRejected(nullptr, "request has no \"id\"");
  if (!id->is_number_integer()) {
    throw RequestRejected(nullptr, "\"id\" must be an integer, got " +
                                       std::string(type_name_of(*id)));
  }
  request.id = *id;

  for (const auto& [key, value] : message.items()) {
    if (key != "id" && key != "command" && key != "args") {
      throw RequestRejected(request.id, "unknown request member \"" + key +
                                            "\" (expected id, command, args)");
    }
  }

  const auto command = message.find("command");
  if (command == message.end()) throw RequestRejected(request.id, "request has no \"command\"");
  if (!command->is_string()) {
    throw RequestRejected(request.id, "\"command\" must be a string, got " +
                                          std::string(type_name_of(*command)));
  }
  request.command = command->get<std::string>();
  if (request.command.empty()) throw RequestRejected(request.id, "\"command\" is empty");

  const auto args = message.find("args");
  if (args != message.end()) {
    if (!args->is_object()) {
      throw RequestRejected(request.id, "\"args\" must be an object, got " +
                                            std::string(type_name_of(*args)));
    }
    request.args = std::move(*args);
  }
  return request;
}

std::string encode_request(const Request& request) {
  return to_line({{"id", request.id}, {"command", request.command}, {"args", request.args}});
}

std::string encode_ok_reply(const json& id, const json& result) {
  return to_line({{"id", id}, {"ok", true}, {"result", result}});
}

std::string encode_error_reply(const json& id, std::string_view code, std::string_view message) {
  return to_line({{"id", id},
                  {"ok", false},
                  {"error", {{"code", std::string(code)}, {"message", std::string(message)}}}});
}

Reply parse_reply(std::string_view line) {
  json message;
  try {
    message = json::parse(line);
  } catch (const json::parse_error& e) {
    throw MalformedReply(std::string("reply is not valid JSON: ") + parse_failure(e));
  }
  if (!message.is_object()) throw MalformedReply("reply is not a JSON object");

  Reply reply;
  reply.id = message.value("id", json());
  const auto ok = message.find("ok");
  if (ok == message.end() || !ok->is_boolean()) {
    throw MalformedReply("reply has no boolean \"ok\"");
  }
  reply.ok = ok->get<bool>();
  if (reply.ok) {
    const auto result = message.find("result");
    if (result == message.end()) throw MalformedReply("successful reply has no \"result\"");
    reply.result = *result;
    return reply;
  }
  const auto error = message.find("error");
  if (error == message.end() || !error->is_object()) {
    throw MalformedReply("error reply has no \"error\" object");
  }
  const auto code = error->find("code");
  const auto text = error->find("message");
  if (code == error->end() || !code->is_string() || text == error->end() || !text->is_string()) {
    throw MalformedReply("error reply lacks a string \"code\" and \"message\"");
  }
  reply.error_code = code->get<std::string>();
  reply.error_message = text->get<std::string>();
  return reply;
}

}  // namespace roam6::mip6d::control
