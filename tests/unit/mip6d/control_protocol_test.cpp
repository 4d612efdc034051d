#include "mip6d/control/control_protocol.hpp"

#include <gtest/gtest.h>

#include "mip6d/control/command_registry.hpp"
#include "mip6d/control/request_dispatch.hpp"

namespace roam6::mip6d::control {
namespace {

using nlohmann::json;

TEST(ControlProtocol, ParsesAFullRequest) {
  const auto request = parse_request(R"({"id": -5, "command": "guest.list", "args": {"a": 1}})");
  EXPECT_EQ(request.id, -5);
  EXPECT_EQ(request.command, "guest.list");
  EXPECT_EQ(request.args, (json{{"a", 1}}));
}

TEST(ControlProtocol, RejectionKeepsTheIdWhenItCouldBeRead) {
  try {
    parse_request(R"({"id": 77, "command": false})");
    FAIL() << "accepted a boolean command";
  } catch (const RequestRejected& e) {
    EXPECT_EQ(e.id(), 77);
    EXPECT_EQ(e.code(), "bad_request");
    EXPECT_STREQ(e.what(), "\"command\" must be a string, got boolean");
  }
  try {
    parse_request("{oops");
    FAIL() << "accepted broken JSON";
  } catch (const RequestRejected& e) {
    EXPECT_TRUE(e.id().is_null());
    // The library's "[json.exception...]" tag is not for people.
    EXPECT_EQ(std::string(e.what()).find("[json.exception"), std::string::npos) << e.what();
    EXPECT_TRUE(std::string(e.what()).starts_with("request is not valid JSON: ")) << e.what();
  }
}

TEST(ControlProtocol, RepliesAreSingleLines) {
  EXPECT_EQ(encode_ok_reply(3, {{"a", "x\ny"}}), "{\"id\":3,\"ok\":true,\"result\":{\"a\":\"x\\ny\"}}\n");
  EXPECT_EQ(encode_error_reply(nullptr, error_code::bad_request, "no"),
            "{\"error\":{\"code\":\"bad_request\",\"message\":\"no\"},\"id\":null,\"ok\":false}\n");
}

TEST(ControlProtocol, InvalidUtf8InAResultDoesNotBreakTheReply) {
  const auto line = encode_ok_reply(1, {{"name", std::string("vm\xff")}});
  EXPECT_EQ(json::parse(line)["result"]["name"], "vm\xEF\xBF\xBD");
}

TEST(ControlProtocol, ReplyRoundTrip) {
  const auto ok = parse_reply(R"({"id": 1, "ok": true, "result": [1]})");
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.result, json({1}));
  const auto refused =
      parse_reply(R"({"id": 1, "ok": false, "error": {"code": "wrong_role", "message": "HA only"}})");
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.error_code, "wrong_role");
  EXPECT_EQ(refused.error_message, "HA only");
  EXPECT_THROW(parse_reply(R"({"id": 1, "ok": "yes"})"), MalformedReply);
  EXPECT_THROW(parse_reply(R"({"id": 1, "ok": false, "error": {"code": 5}})"), MalformedReply);
  EXPECT_THROW(parse_reply("[]"), MalformedReply);
}

TEST(ControlDispatch, BlankLinesGetNoReplyAndCrlfIsAccepted) {
  CommandRegistry registry;
  registry.add("ping", [](const json&) { return json("pong"); });
  EXPECT_EQ(dispatch_line("", registry), std::nullopt);
  EXPECT_EQ(dispatch_line(" \t\r", registry), std::nullopt);
  EXPECT_EQ(dispatch_line(R"({"id": 1, "command": "ping"})" "\r", registry),
            std::optional<std::string>(R"({"id":1,"ok":true,"result":"pong"})" "\n"));
}

TEST(ControlDispatch, NonStandardExceptionsBecomeInternal) {
  CommandRegistry registry;
  registry.add("odd", [](const json&) -> json { throw 42; });
  const auto reply = json::parse(*dispatch_line(R"({"id": 1, "command": "odd"})", registry));
  EXPECT_EQ(reply["error"]["code"], "internal");
}

TEST(CommandRegistry, RefusesDuplicatesAndListsNames) {
  CommandRegistry registry;
  registry.add("b", [](const json&) { return json(); });
  registry.add("a", [](const json&) { return json(); });
  EXPECT_THROW(registry.add("a", [](const json&) { return json(); }), std::logic_error);
  EXPECT_THROW(registry.add("", [](const json&) { return json(); }), std::logic_error);
  EXPECT_THROW(registry.add("c", nullptr), std::logic_error);
  EXPECT_EQ(registry.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(registry.contains("a"));
  EXPECT_FALSE(registry.contains("c"));
  try {
    registry.handle("c", json::object());
    FAIL() << "unknown command dispatched";
  } catch (const ControlError& e) {
    EXPECT_EQ(e.code(), "unknown_command");
  }
}

}  // namespace
}  // namespace roam6::mip6d::control
