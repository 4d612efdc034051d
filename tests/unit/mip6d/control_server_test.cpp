#include "mip6d/control/control_server.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "control_test_support.hpp"
#include "mip6d/control/command_args.hpp"
#include "mip6d/control/command_registry.hpp"
#include "mip6d/control/control_error.hpp"
#include "mip6d/control/control_protocol.hpp"

namespace roam6::mip6d::control {
namespace {

using nlohmann::json;
using testing::run_beside;
using testing::run_until;
using testing::TempDir;
using testing::TestClient;
namespace fs = std::filesystem;

// A registry with commands that exercise each path of the server.
class ControlServerTest : public ::testing::Test {
 protected:
  ControlServerTest() {
    registry_.add("echo", [this](const json& args) {
      ++calls_;
      handler_thread_ = std::this_thread::get_id();
      return json{{"echo", args}};
    });
    registry_.add("greet", [](const json& args) {
      return json{{"greeting", "hello " + require_string(args, "name")}};
    });
    registry_.add("refuse", [](const json&) -> json {
      throw ControlError(error_code::unknown_guest, "no guest called vm7");
    });
    registry_.add("explode", [](const json&) -> json { throw std::runtime_error("disk on fire"); });
    registry_.add("size", [](const json& args) { return json(args.size()); });
  }

  fs::path socket_path() const { return dir_.path() / "mip6d.sock"; }

  ControlServer& start_server() {
    server_ = std::make_unique<ControlServer>(io_, socket_path(), registry_);
    server_->start();
    return *server_;
  }

  // One request line on a fresh connection, the reply parsed.
  json ask(const std::string& line) {
    const auto reply = run_beside(io_, [&] { return TestClient(socket_path()).ask(line); });
    return json::parse(reply);
  }

  TempDir dir_;
  boost::asio::io_context io_;
  CommandRegistry registry_;
  std::unique_ptr<ControlServer> server_;
  int calls_ = 0;
  std::thread::id handler_thread_;
};

// Compares an error reply on id, ok and code (messages are for people).
void expect_error(const json& reply, const json& id, std::string_view code) {
  ASSERT_TRUE(reply.is_object()) << reply;
  EXPECT_EQ(reply.value("id", json()), id) << reply;
  EXPECT_EQ(reply.value("ok", true), false) << reply;
  ASSERT_TRUE(reply.contains("error")) << reply;
  EXPECT_EQ(reply["error"].value("code", ""), code) << reply;
  EXPECT_FALSE(reply["error"].value("message", "").empty()) << reply;
}

TEST_F(ControlServerTest, GoodRequestGetsTheHandlersResultWithTheSameId) {
  start_server();
  const auto reply = ask(R"({"id": 42, "command": "echo", "args": {"x": [1, 2]}})");
  EXPECT_EQ(reply, (json{{"id", 42}, {"ok", true}, {"result", {{"echo", {{"x", {1, 2}}}}}}}));
  EXPECT_EQ(calls_, 1);
  // The handler runs on the loop's thread (this one), never on a client's.
  EXPECT_EQ(handler_thread_, std::this_thread::get_id());
}

TEST_F(ControlServerTest, ArgsMayBeLeftOut) {
  start_server();
  EXPECT_EQ(ask(R"({"id": 1, "command": "echo"})"),
            (json{{"id", 1}, {"ok", true}, {"result", {{"echo", json::object()}}}}));
}

TEST_F(ControlServerTest, UnknownCommandIsRefusedWithItsId) {
  start_server();
  const auto reply = ask(R"({"id": 7, "command": "reboot", "args": {}})");
  expect_error(reply, 7, "unknown_command");
  EXPECT_NE(reply["error"]["message"].get<std::string>().find("reboot"), std::string::npos);
}

TEST_F(ControlServerTest, MalformedJsonIsRefusedAndTheConnectionStaysUsable) {
  start_server();
  const auto [first, second] = run_beside(io_, [&] {
    TestClient client(socket_path());
    auto bad = client.ask(R"({"id": 1, "command": )");
    auto good = client.ask(R"({"id": 2, "command": "echo"})");
    return std::pair(bad, good);
  });
  expect_error(json::parse(first), nullptr, "bad_request");
  EXPECT_EQ(json::parse(second).value("ok", false), true) << second;
  EXPECT_EQ(calls_, 1);
}

TEST_F(ControlServerTest, EnvelopeMustHaveAnIntegerIdAndAStringCommand) {
  start_server();
  expect_error(ask(R"({"command": "echo"})"), nullptr, "bad_request");
  expect_error(ask(R"({"id": 3})"), 3, "bad_request");
  expect_error(ask(R"({"id": "3", "command": "echo"})"), nullptr, "bad_request");
  expect_error(ask(R"({"id": 3.5, "command": "echo"})"), nullptr, "bad_request");
  expect_error(ask(R"({"id": 4, "command": 9})"), 4, "bad_request");
  expect_error(ask(R"({"id": 5, "command": ""})"), 5, "bad_request");
  expect_error(ask(R"({"id": 6, "command": "echo", "args": [1]})"), 6, "bad_request");
  expect_error(ask(R"({"id": 8, "command": "echo", "arg": {}})"), 8, "bad_request");
  expect_error(ask(R"([1, 2, 3])"), nullptr, "bad_request");
  expect_error(ask(R"("just a string")"), nullptr, "bad_request");
  EXPECT_EQ(calls_, 0);
}

TEST_F(ControlServerTest, IllTypedArgumentIsRefusedNamingTheField) {
  start_server();
  const auto reply = ask(R"({"id": 9, "command": "greet", "args": {"name": 12}})");
  expect_error(reply, 9, "bad_request");
  EXPECT_NE(reply["error"]["message"].get<std::string>().find("\"name\""), std::string::npos);
  EXPECT_EQ(ask(R"({"id": 10, "command": "greet", "args": {"name": "vm1"}})")["result"],
            (json{{"greeting", "hello vm1"}}));
}

TEST_F(ControlServerTest, LineOfExactlyTheCapIsServed) {
  start_server();
  const std::string head = R"({"id": 11, "command": "echo", "args": {"pad": ")";
  const std::string tail = R"("}})";
  const std::string line =
      head + std::string(max_request_line_bytes - head.size() - tail.size(), 'p') + tail;
  ASSERT_EQ(line.size(), max_request_line_bytes);
  const auto reply = ask(line);
  EXPECT_EQ(reply.value("ok", false), true);
  EXPECT_EQ(reply["result"]["echo"]["pad"].get<std::string>().size(),
            max_request_line_bytes - head.size() - tail.size());
}

TEST_F(ControlServerTest, OversizedLineIsRefusedAndTheConnectionClosed) {
  start_server();
  const auto [reply, after] = run_beside(io_, [&] {
    TestClient client(socket_path());
    client.send(std::string(max_request_line_bytes + 1, ' ') + "\n");
    auto first = client.read_line();
    return std::pair(first, client.read_line());
  });
  expect_error(json::parse(reply), nullptr, "bad_request");
  // The rest of the line stays unread, so the kernel may report the hang-up
  // as a reset; either way the reply came first.
  EXPECT_TRUE(after == "<eof>" || after == "<reset>") << after;
  // The server itself carries on.
  EXPECT_EQ(ask(R"({"id": 1, "command": "echo"})").value("ok", false), true);
  EXPECT_TRUE(run_until(io_, [&] { return server_->connection_count() == 0; }));
}

TEST_F(ControlServerTest, HandlerRefusalBecomesItsErrorReply) {
  start_server();
  const auto reply = ask(R"({"id": 12, "command": "refuse"})");
  expect_error(reply, 12, "unknown_guest");
  EXPECT_EQ(reply["error"]["message"], "no guest called vm7");
}

TEST_F(ControlServerTest, OtherHandlerExceptionBecomesInternalAndTheServerGoesOn) {
  start_server();
  const auto reply = ask(R"({"id": 13, "command": "explode"})");
  expect_error(reply, 13, "internal");
  EXPECT_NE(reply["error"]["message"].get<std::string>().find("disk on fire"), std::string::npos);
  EXPECT_EQ(ask(R"({"id": 14, "command": "echo"})").value("ok", false), true);
}

TEST_F(ControlServerTest, TwoClientsAtOnceDoNotWaitForEachOther) {
  start_server();
  const auto [slow_reply, fast_reply] = run_beside(io_, [&] {
    TestClient slow(socket_path());
    TestClient fast(socket_path());
    slow.send(R"({"id": 1, "command": "echo", )");  // half a request, held open
    auto fast_answer = fast.ask(R"({"id": 2, "command": "echo"})");
    slow.send(R"("args": {"who": "slow"}})" "\n");
    return std::pair(slow.read_line(), fast_answer);
  });
  EXPECT_EQ(json::parse(fast_reply)["id"], 2);
  EXPECT_EQ(json::parse(slow_reply)["result"]["echo"]["who"], "slow");
}

TEST_F(ControlServerTest, ManyConnectionsAreCountedAndForgotten) {
  start_server();
  std::promise<void> release;
  auto released = release.get_future().share();
  auto clients = std::async(std::launch::async, [&, released] {
    std::vector<std::unique_ptr<TestClient>> open;
    for (int i = 0; i < 5; ++i) open.push_back(std::make_unique<TestClient>(socket_path()));
    released.wait();
  });
  EXPECT_TRUE(run_until(io_, [&] { return server_->connection_count() == 5; }));
  release.set_value();
  EXPECT_TRUE(run_until(io_, [&] { return server_->connection_count() == 0; }));
  clients.get();
}

TEST_F(ControlServerTest, SeveralRequestsOnOneConnectionAreAnsweredInOrder) {
  start_server();
  const auto replies = run_beside(io_, [&] {
    TestClient client(socket_path());
    // All three in one write: the server must split them itself.
    client.send(R"({"id": 1, "command": "echo"})" "\n"
                R"({"id": 2, "command": "nope"})" "\r\n"
                "\n"
                R"({"id": 3, "command": "echo", "args": {"n": 3}})" "\n");
    std::vector<std::string> lines;
    for (int i = 0; i < 3; ++i) lines.push_back(client.read_line());
    return lines;
  });
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(json::parse(replies[0])["id"], 1);
  expect_error(json::parse(replies[1]), 2, "unknown_command");
  EXPECT_EQ(json::parse(replies[2])["result"]["echo"]["n"], 3);
}

TEST_F(ControlServerTest, LastRequestWithoutNewlineIsAnsweredAfterHalfClose) {
  start_server();
  const auto [reply, after] = run_beside(io_, [&] {
    TestClient client(socket_path());
    client.send(R"({"id": 21, "command": "echo"})");
    client.shutdown_write();
    auto first = client.read_line();
    return std::pair(first, client.read_line());
  });
  EXPECT_EQ(json::parse(reply)["id"], 21);
  EXPECT_EQ(after, "<eof>");
}

TEST_F(ControlServerTest, DeeplyNestedJsonDoesNotHurtTheServer) {
  start_server();
  const int depth = 10000;
  const std::string nested = std::string(depth, '[') + std::string(depth, ']');
  EXPECT_EQ(ask(R"({"id": 1, "command": "size", "args": {"a": )" + nested + "}}")["result"], 1);
  expect_error(ask(std::string(depth, '[')), nullptr, "bad_request");
}

TEST_F(ControlServerTest, GarbageBytesGetAnErrorNotACrash) {
  start_server();
  std::string garbage;
  for (int i = 1; i < 256; ++i) {
    if (i != '\n') garbage.push_back(static_cast<char>(i));
  }
  expect_error(ask(garbage), nullptr, "bad_request");
  // Invalid UTF-8 inside a string.
  expect_error(ask("{\"id\": 1, \"command\": \"echo\xff\"}"), nullptr, "bad_request");
}

TEST_F(ControlServerTest, SocketIsMode0660InACreatedDirectory) {
  const auto nested = dir_.path() / "run" / "roam6" / "mip6d.sock";
  ControlServer server(io_, nested, registry_);
  server.start();
  struct stat info {};
  ASSERT_EQ(::stat(nested.c_str(), &info), 0);
  EXPECT_TRUE(S_ISSOCK(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0660u);
}

TEST_F(ControlServerTest, StaleSocketFileIsReplaced) {
  {
    // A socket file whose listener is gone, as a crashed daemon leaves it.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    const auto address = testing::unix_address(socket_path());
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    ::close(fd);
  }
  ASSERT_TRUE(fs::is_socket(socket_path()));
  start_server();
  EXPECT_EQ(ask(R"({"id": 1, "command": "echo"})").value("ok", false), true);
}

TEST_F(ControlServerTest, SecondServerOnALiveSocketIsRefused) {
  start_server();
  ControlServer second(io_, socket_path(), registry_);
  try {
    second.start();
    FAIL() << "a second server took over a live socket";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("listening"), std::string::npos) << e.what();
  }
  // The first server still owns its socket and answers.
  EXPECT_EQ(ask(R"({"id": 1, "command": "echo"})").value("ok", false), true);
}

TEST_F(ControlServerTest, PathThatIsNotASocketIsLeftAlone) {
  std::ofstream(socket_path()) << "precious";
  ControlServer server(io_, socket_path(), registry_);
  EXPECT_THROW(server.start(), std::runtime_error);
  std::ifstream kept(socket_path());
  std::string content;
  kept >> content;
  EXPECT_EQ(content, "precious");
}

TEST_F(ControlServerTest, TooLongPathIsRefusedClearly) {
  ControlServer server(io_, dir_.path() / std::string(120, 's'), registry_);
  try {
    server.start();
    FAIL() << "a path longer than sun_path was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("too long"), std::string::npos) << e.what();
  }
}

TEST_F(ControlServerTest, StopClosesClientsAndRemovesTheSocketFile) {
  start_server();
  std::atomic<bool> answered = false;
  auto client = std::async(std::launch::async, [&] {
    TestClient c(socket_path());
    auto first = c.ask(R"({"id": 1, "command": "echo"})");
    answered = true;
    return std::pair(first, c.read_line());
  });
  ASSERT_TRUE(run_until(io_, [&] { return answered.load(); }));
  server_->stop();
  EXPECT_FALSE(fs::exists(socket_path()));
  ASSERT_TRUE(run_until(io_, [&] {
    return client.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }));
  const auto [first, after] = client.get();
  EXPECT_EQ(json::parse(first)["id"], 1);
  EXPECT_EQ(after, "<eof>");
  // Destroying the server with handlers still queued is safe.
  server_.reset();
  io_.run_for(std::chrono::milliseconds(10));
}

TEST_F(ControlServerTest, HandlerMayStopTheServer) {
  registry_.add("shutdown", [this](const json&) {
    server_->stop();
    return json("bye");
  });
  start_server();
  const auto reply = run_beside(io_, [&] {
    return TestClient(socket_path()).ask(R"({"id": 1, "command": "shutdown"})");
  });
  // The server is gone before it could answer; the client just sees EOF.
  EXPECT_EQ(reply, "<eof>");
  EXPECT_FALSE(fs::exists(socket_path()));
}

}  // namespace
}  // namespace roam6::mip6d::control
