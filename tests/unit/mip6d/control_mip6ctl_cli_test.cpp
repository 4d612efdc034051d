#include "mip6d/mip6ctl/cli.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <sys/wait.h>
#include <thread>

#include "control_test_support.hpp"
#include "mip6d/control/command_args.hpp"
#include "mip6d/control/command_registry.hpp"
#include "mip6d/control/control_error.hpp"
#include "mip6d/control/control_server.hpp"
#include "mip6d/mip6ctl/command_line.hpp"
#include "mip6d/mip6ctl/command_table.hpp"
#include "mip6d/mip6ctl/help.hpp"
#include "mip6d/mip6ctl/render.hpp"

namespace roam6::mip6d::mip6ctl {
namespace {

using nlohmann::json;
using Action = CommandLine::Action;
namespace testing_support = control::testing;

CommandLine parse(std::vector<std::string> arguments,
                  std::optional<std::string> environment = std::nullopt) {
  return parse_command_line(arguments, environment);
}

// The request a command line becomes, or a test failure naming the error.
json request_for(std::vector<std::string> arguments) {
  const auto line = parse(std::move(arguments));
  if (line.action != Action::send_request) {
    ADD_FAILURE() << "not a request: " << line.error;
    return nullptr;
  }
  return json::parse(request_line(line.command, line.args));
}

json request(std::string_view command, json args) {
  return {{"id", 1}, {"command", command}, {"args", std::move(args)}};
}

// The usage error for a command line ("" when it parsed).
std::string usage_error(std::vector<std::string> arguments) {
  const auto line = parse(std::move(arguments));
  EXPECT_EQ(line.action, Action::usage_error);
  return line.action == Action::usage_error ? line.error : "";
}

// --- parsing: every command, good -------------------------------------------

TEST(Mip6ctlParse, GuestAttachByNameOnly) {
  EXPECT_EQ(request_for({"guest", "attach", "vm1"}), request("guest.attach", {{"name", "vm1"}}));
}

TEST(Mip6ctlParse, GuestAttachWithEverything) {
  EXPECT_EQ(request_for({"guest", "attach", "vm9", "--mac", "52-54-00-AB-CD-EF", "--home-address",
                         "2001:DB8:A:0::9", "--home-site=paris", "--last-sequence", "65535",
                         "--port", "vnet3"}),
            request("guest.attach", {{"name", "vm9"},
                                     {"mac", "52:54:00:ab:cd:ef"},
                                     {"home_address", "2001:db8:a::9"},
                                     {"home_site", "paris"},
                                     {"last_sequence", 65535},
                                     {"port", "vnet3"}}));
}

TEST(Mip6ctlParse, RequestLineIsOneCompactJsonLine) {
  const auto line = parse({"guest", "attach", "vm1", "--last-sequence", "0"});
  EXPECT_EQ(request_line(line.command, line.args),
            R"({"args":{"last_sequence":0,"name":"vm1"},"command":"guest.attach","id":1})" "\n");
}

TEST(Mip6ctlParse, GuestDetachDefaultsToMoved) {
  EXPECT_EQ(request_for({"guest", "detach", "vm1"}),
            request("guest.detach", {{"name", "vm1"}, {"mode", "moved"}}));
  EXPECT_EQ(request_for({"guest", "detach", "vm1", "--moved"}),
            request("guest.detach", {{"name", "vm1"}, {"mode", "moved"}}));
  EXPECT_EQ(request_for({"guest", "detach", "--stopped", "vm1"}),
            request("guest.detach", {{"name", "vm1"}, {"mode", "stopped"}}));
}

TEST(Mip6ctlParse, GuestResumeWithAndWithoutTimestamp) {
  EXPECT_EQ(request_for({"guest", "resume", "vm1"}), request("guest.resume", {{"name", "vm1"}}));
  EXPECT_EQ(request_for({"guest", "resume", "vm1", "--timestamp", "1700000000"}),
            request("guest.resume", {{"name", "vm1"}, {"timestamp", 1700000000}}));
  EXPECT_EQ(request_for({"guest", "resume", "vm1", "--timestamp", "1700000000.25"}),
            request("guest.resume", {{"name", "vm1"}, {"timestamp", 1700000000.25}}));
}

TEST(Mip6ctlParse, CommandsWithoutArguments) {
  EXPECT_EQ(request_for({"guest", "list"}), request("guest.list", json::object()));
  EXPECT_EQ(request_for({"binding", "list"}), request("binding.list", json::object()));
  EXPECT_EQ(request_for({"stats"}), request("stats", json::object()));
  EXPECT_EQ(request_for({"config", "show"}), request("config.show", json::object()));
  EXPECT_EQ(request_for({"version"}), request("version", json::object()));
}

TEST(Mip6ctlParse, BindingShowSendsTheCanonicalAddress) {
  EXPECT_EQ(request_for({"binding", "show", "2001:0db8:000a::0009"}),
            request("binding.show", {{"home_address", "2001:db8:a::9"}}));
}

TEST(Mip6ctlParse, NameThatLooksLikeAnOptionAfterDoubleDash) {
  EXPECT_EQ(request_for({"guest", "attach", "--", "-odd-"}),
            request("guest.attach", {{"name", "-odd-"}}));
}

TEST(Mip6ctlParse, GlobalOptionsAnywhere) {
  const auto line = parse({"guest", "list", "--json", "--socket", "/tmp/x.sock", "--timeout", "0.25"});
  ASSERT_EQ(line.action, Action::send_request);
  EXPECT_TRUE(line.globals.json_output);
  EXPECT_EQ(line.globals.socket_path, "/tmp/x.sock");
  EXPECT_EQ(line.globals.timeout, std::chrono::milliseconds(250));
}

TEST(Mip6ctlParse, SocketFromOptionThenEnvironmentThenDefault) {
  EXPECT_EQ(parse({"stats"}).globals.socket_path, "/run/roam6/mip6d.sock");
  EXPECT_EQ(parse({"stats"}, "/env.sock").globals.socket_path, "/env.sock");
  EXPECT_EQ(parse({"stats"}, "").globals.socket_path, "/run/roam6/mip6d.sock");
  EXPECT_EQ(parse({"--socket=/opt.sock", "stats"}, "/env.sock").globals.socket_path, "/opt.sock");
  EXPECT_EQ(parse({"stats"}).globals.timeout, default_timeout);
}

// --- parsing: bad command lines -----------------------------------------------

TEST(Mip6ctlParse, UnknownAndIncompleteCommands) {
  EXPECT_EQ(usage_error({}), "no command given");
  EXPECT_EQ(usage_error({"reboot"}), "unknown command 'reboot'");
  EXPECT_EQ(usage_error({"guest"}), "'guest' needs a subcommand: attach, detach, resume, pause, migrating, list");
  EXPECT_EQ(usage_error({"guest", "kill", "vm1"}),
            "unknown command 'guest kill' (guest takes: attach, detach, resume, pause, migrating, list)");
  EXPECT_EQ(usage_error({"guest", "attach"}), "'guest attach' needs NAME");
  EXPECT_EQ(usage_error({"binding", "show"}), "'binding show' needs ADDR");
  EXPECT_EQ(usage_error({"guest", "attach", "vm1", "vm2"}), "unexpected argument 'vm2'");
  EXPECT_EQ(usage_error({"stats", "now"}), "unexpected argument 'now'");
  EXPECT_EQ(usage_error({"guest", "attach", ""}), "guest name must not be empty");
}

TEST(Mip6ctlParse, BadOptions) {
  EXPECT_EQ(usage_error({"stats", "--verbose"}), "unknown option '--verbose'");
  EXPECT_EQ(usage_error({"stats", "-v"}), "unknown option '-v'");
  EXPECT_EQ(usage_error({"guest", "detach", "vm1", "--port", "p1"}),
            "option --port does not apply to 'guest detach'");
  EXPECT_EQ(usage_error({"guest", "attach", "vm1", "--port"}), "option --port needs a value");
  EXPECT_EQ(usage_error({"--json=yes", "stats"}), "option --json takes no value");
  EXPECT_EQ(usage_error({"guest", "detach", "vm1", "--stopped=1"}), "option --stopped takes no value");
  EXPECT_EQ(usage_error({"guest", "attach", "vm1", "--port", "a", "--port", "b"}),
            "option --port given twice");
  EXPECT_EQ(usage_error({"guest", "detach", "vm1", "--moved", "--stopped"}),
            "--moved and --stopped exclude each other");
  EXPECT_EQ(usage_error({"--socket", "", "stats"}), "--socket: the path must not be empty");
  EXPECT_EQ(usage_error({"--socket"}), "option --socket needs a value");
}

TEST(Mip6ctlParse, BadValuesAreCaughtBeforeSending) {
  EXPECT_NE(usage_error({"guest", "attach", "vm1", "--mac", "52:54:00:12:34", "--home-address",
                         "2001:db8::1", "--home-site", "s"})
                .find("not a MAC address"),
            std::string::npos);
  EXPECT_NE(usage_error({"guest", "attach", "vm1", "--mac", "52:54:00:12:34:56", "--home-address",
                         "2001:db8::g", "--home-site", "s"})
                .find("not an IPv6 address"),
            std::string::npos);
  EXPECT_NE(usage_error({"binding", "show", "10.0.0.1"}).find("not an IPv6 address"), std::string::npos);
  EXPECT_NE(usage_error({"guest", "attach", "vm1", "--mac", "52:54:00:12:34:56"}).find("go together"),
            std::string::npos);
  for (const auto* sequence : {"65536", "-1", "abc", "", "1.5", "+3", "0x10"}) {
    EXPECT_NE(usage_error({"guest", "attach", "vm1", "--last-sequence", sequence})
                  .find("from 0 to 65535"),
              std::string::npos)
        << sequence;
  }
  for (const auto* timeout : {"0", "-1", "abc", "3601", "inf", "nan", ""}) {
    EXPECT_NE(usage_error({"--timeout", timeout, "stats"}).find("--timeout"), std::string::npos)
        << timeout;
  }
  for (const auto* timestamp : {"-5", "1e9", "abc", "1.2.3", "100000000000", ""}) {
    EXPECT_NE(usage_error({"guest", "resume", "vm1", "--timestamp", timestamp}).find("--timestamp"),
              std::string::npos)
        << timestamp;
  }
}

TEST(Mip6ctlParse, UsageErrorHintPointsAtTheCommandsHelp) {
  EXPECT_EQ(parse({"guest", "attach", "vm1", "--last-sequence", "x"}).hint,
            "Try 'mip6ctl help guest attach' for more information.");
  EXPECT_EQ(parse({"guest", "attach", "vm1", "--nope"}).hint,
            "Try 'mip6ctl help guest attach' for more information.");
  EXPECT_EQ(parse({"guest", "frobnicate"}).hint, "Try 'mip6ctl help guest' for more information.");
  EXPECT_EQ(parse({"reboot"}).hint, "Try 'mip6ctl --help' for more information.");
}

// --- help -------------------------------------------------------------------

TEST(Mip6ctlHelp, ManualHasTheManSectionsAndEveryCommand) {
  for (const auto& arguments : std::vector<std::vector<std::string>>{{"--help"}, {"-h"}, {"help"}}) {
    const auto line = parse(arguments);
    ASSERT_EQ(line.action, Action::show_help);
    EXPECT_EQ(line.help_text, manual_page());
  }
  const auto manual = manual_page();
  std::size_t position = 0;
  for (const auto* section :
       {"NAME\n", "SYNOPSIS\n", "DESCRIPTION\n", "COMMANDS\n", "OPTIONS\n", "EXIT STATUS\n", "EXAMPLES\n"}) {
    const auto found = manual.find(section, position);
    EXPECT_NE(found, std::string::npos) << section << " missing or out of order";
    position = found == std::string::npos ? position : found;
  }
  for (const auto& spec : command_table()) {
    EXPECT_NE(manual.find("    " + spec.display_name()), std::string::npos) << spec.display_name();
    for (const auto& option : spec.options) {
      EXPECT_NE(manual.find(std::string(option.name)), std::string::npos) << option.name;
    }
  }
  for (const auto& text : {"--socket PATH", "--json", "--timeout SEC", "MIP6CTL_SOCKET"}) {
    EXPECT_NE(manual.find(text), std::string::npos) << text;
  }
}

TEST(Mip6ctlHelp, NoLineIsWiderThanTheTerminal) {
  std::vector<std::string> pages{manual_page(), group_help("guest")};
  for (const auto& spec : command_table()) pages.push_back(command_help(spec));
  for (const auto& page : pages) {
    std::istringstream lines(page);
    for (std::string line; std::getline(lines, line);) {
      // Examples are copied verbatim and may run long; everything else wraps.
      if (line.starts_with("    mip6ctl guest attach vm9")) continue;
      EXPECT_LE(line.size(), 78u) << line;
    }
  }
}

TEST(Mip6ctlHelp, HelpForOneCommandOrGroup) {
  const auto* attach = find_command(std::vector<std::string>{"guest", "attach"});
  ASSERT_NE(attach, nullptr);
  EXPECT_EQ(parse({"help", "guest", "attach"}).help_text, command_help(*attach));
  EXPECT_EQ(parse({"guest", "attach", "--help"}).help_text, command_help(*attach));
  EXPECT_EQ(parse({"guest", "attach", "vm1", "--help"}).help_text, command_help(*attach));
  EXPECT_EQ(parse({"guest", "--help"}).help_text, group_help("guest"));
  EXPECT_EQ(parse({"help", "guest"}).help_text, group_help("guest"));
  const auto text = command_help(*attach);
  EXPECT_NE(text.find("--last-sequence N"), std::string::npos);
  EXPECT_NE(text.find("\"guest.attach\""), std::string::npos);
  EXPECT_EQ(usage_error({"help", "reboot"}), "no help for 'reboot': no such command");
}

TEST(Mip6ctlHelp, SynopsisShowsOperandOptionsAndExclusiveFlags) {
  const auto* detach = find_command(std::vector<std::string>{"guest", "detach"});
  ASSERT_NE(detach, nullptr);
  EXPECT_EQ(synopsis(*detach), "mip6ctl guest detach NAME [--moved | --stopped]");
  const auto* show = find_command(std::vector<std::string>{"binding", "show"});
  ASSERT_NE(show, nullptr);
  EXPECT_EQ(synopsis(*show), "mip6ctl binding show ADDR");
}

// --- rendering --------------------------------------------------------------

TEST(Mip6ctlRender, GuestListIsATableWithPreferredColumnsFirst) {
  const json result = {{"guests",
                        {{{"name", "vm1"}, {"state", "registered"}, {"home_address", "2001:db8:a::1"},
                          {"away", true}, {"port", "vnet0"}},
                         {{"name", "web-server-2"}, {"state", "home"}, {"home_address", "2001:db8:b::22"},
                          {"away", false}, {"port", nullptr}}}}};
  EXPECT_EQ(render_result("guest.list", result),
            "NAME          STATE       HOME_ADDRESS    PORT   AWAY\n"
            "vm1           registered  2001:db8:a::1   vnet0  true\n"
            "web-server-2  home        2001:db8:b::22  -      false\n");
}

TEST(Mip6ctlRender, EmptyListsSaySo) {
  EXPECT_EQ(render_result("guest.list", {{"guests", json::array()}}), "no guests\n");
  EXPECT_EQ(render_result("binding.list", {{"bindings", json::array()}}), "no bindings\n");
}

TEST(Mip6ctlRender, BindingListFillsMissingCellsWithADash) {
  const json result = {{"bindings",
                        {{{"home_address", "2001:db8:a::1"}, {"care_of_address", "2001:db8:c::1"},
                          {"sequence", 7}},
                         {{"home_address", "2001:db8:a::2"}, {"care_of_address", "2001:db8:c::2"}}}}};
  EXPECT_EQ(render_result("binding.list", result),
            "HOME_ADDRESS   CARE_OF_ADDRESS  SEQUENCE\n"
            "2001:db8:a::1  2001:db8:c::1    7\n"
            "2001:db8:a::2  2001:db8:c::2    -\n");
}

TEST(Mip6ctlRender, ShowAndStatsAreAlignedKeyValueLinesWithNestedKeysFlattened) {
  const json stats = {{"bu", {{"received", 12}, {"rejected", 1}}},
                      {"uptime_seconds", 3600},
                      {"sites", {{{"name", "paris"}}}}};
  EXPECT_EQ(render_result("stats", stats),
            "bu.received:    12\n"
            "bu.rejected:    1\n"
            "sites[0].name:  paris\n"
            "uptime_seconds: 3600\n");
  EXPECT_EQ(render_result("version", {{"name", "mip6d"}, {"version", "0.1.0"}}),
            "name:    mip6d\n"
            "version: 0.1.0\n");
}

TEST(Mip6ctlRender, ConfigReloadIsOneRowPerChangedKey) {
  const json result = json::parse(R"({
    "applied": [{"key": "log_level", "from": "info", "to": "debug"}],
    "needs_restart": [{"key": "control_socket", "at": "m.toml:3:18: control_socket",
                       "running": "/a.sock", "file": "/b.sock", "reason": "bound at start"}]})");
  EXPECT_EQ(render_result("config.reload", result),
            "OUTCOME        KEY             RUNNING  FILE     NOTE\n"
            "applied        log_level       info     debug    -\n"
            "needs restart  control_socket  /a.sock  /b.sock  bound at start (m.toml:3:18: control_socket)\n");
  EXPECT_EQ(render_result("config.reload", {{"applied", json::array()}, {"needs_restart", json::array()}}),
            "configuration reloaded: nothing changed\n");
}

TEST(Mip6ctlRender, EmptyResultsPrintNothingAndOddShapesStillPrint) {
  EXPECT_EQ(render_result("guest.attach", nullptr), "");
  EXPECT_EQ(render_result("guest.attach", json::object()), "");
  EXPECT_EQ(render_result("guest.list", {{"guests", "none"}}), "guests: none\n");
  EXPECT_EQ(render_result("stats", 5), "value: 5\n");
  EXPECT_EQ(render_result("config.show", {{"keys", json::array()}}), "keys: []\n");
}

// --- run(): exit statuses and output -------------------------------------------

struct RunOutcome {
  int status = -1;
  std::string out;
  std::string err;
};

RunOutcome run_cli(std::vector<std::string> arguments, std::optional<std::string> environment = {}) {
  std::ostringstream out;
  std::ostringstream err;
  const int status = run(arguments, environment, out, err);
  return {status, out.str(), err.str()};
}

TEST(Mip6ctlRun, UsageErrorExitsTwoWithMessageAndHint) {
  const auto outcome = run_cli({"guest", "attach"});
  EXPECT_EQ(outcome.status, exit_usage);
  EXPECT_EQ(outcome.out, "");
  EXPECT_EQ(outcome.err,
            "mip6ctl: 'guest attach' needs NAME\nTry 'mip6ctl help guest attach' for more information.\n");
}

TEST(Mip6ctlRun, HelpExitsZero) {
  const auto outcome = run_cli({"--help"});
  EXPECT_EQ(outcome.status, exit_ok);
  EXPECT_EQ(outcome.out, manual_page());
}

TEST(Mip6ctlRun, NoDaemonExitsThree) {
  testing_support::TempDir dir;
  const auto outcome = run_cli({"stats"}, (dir.path() / "absent.sock").string());
  EXPECT_EQ(outcome.status, exit_unreachable);
  EXPECT_TRUE(outcome.err.starts_with("mip6ctl: cannot connect to " + (dir.path() / "absent.sock").string()))
      << outcome.err;
}

// A test daemon: a ControlServer with a few commands, driven by this thread
// while mip6ctl runs on another.
class Mip6ctlAgainstServer : public ::testing::Test {
 protected:
  Mip6ctlAgainstServer() {
    registry_.add("guest.list", [](const json&) {
      return json{{"guests", {{{"name", "vm1"}, {"state", "registered"}}}}};
    });
    registry_.add("guest.detach", [this](const json& args) {
      received_ = args;
      throw control::ControlError(control::error_code::unknown_guest,
                                  "no guest called " + control::require_string(args, "name"));
      return json();
    });
    registry_.add("stats", [](const json&) { return json{{"bu", {{"sent", 3}}}}; });
    server_.start();
  }

  RunOutcome run_beside_server(std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), {"--socket", socket_.string()});
    return testing_support::run_beside(io_, [arguments] { return run_cli(arguments); });
  }

  testing_support::TempDir dir_;
  std::filesystem::path socket_ = dir_.path() / "mip6d.sock";
  boost::asio::io_context io_;
  control::CommandRegistry registry_;
  control::ControlServer server_{io_, socket_, registry_};
  json received_;
};

TEST_F(Mip6ctlAgainstServer, SuccessPrintsTheRenderedResultAndExitsZero) {
  const auto outcome = run_beside_server({"guest", "list"});
  EXPECT_EQ(outcome.status, exit_ok);
  EXPECT_EQ(outcome.out, "NAME  STATE\nvm1   registered\n");
  EXPECT_EQ(outcome.err, "");
}

TEST_F(Mip6ctlAgainstServer, JsonPrintsTheRawResult) {
  const auto outcome = run_beside_server({"stats", "--json"});
  EXPECT_EQ(outcome.status, exit_ok);
  EXPECT_EQ(json::parse(outcome.out), (json{{"bu", {{"sent", 3}}}}));
}

TEST_F(Mip6ctlAgainstServer, RefusalExitsOneWithTheDaemonsMessage) {
  const auto outcome = run_beside_server({"guest", "detach", "vm7", "--stopped"});
  EXPECT_EQ(outcome.status, exit_refused);
  EXPECT_EQ(outcome.out, "");
  EXPECT_EQ(outcome.err, "mip6ctl: no guest called vm7\n");
  EXPECT_EQ(received_, (json{{"name", "vm7"}, {"mode", "stopped"}}));

  const auto as_json = run_beside_server({"--json", "guest", "detach", "vm7"});
  EXPECT_EQ(as_json.status, exit_refused);
  EXPECT_EQ(json::parse(as_json.out),
            (json{{"code", "unknown_guest"}, {"message", "no guest called vm7"}}));
}

TEST_F(Mip6ctlAgainstServer, UnknownCommandOnTheDaemonIsARefusal) {
  const auto outcome = run_beside_server({"version"});
  EXPECT_EQ(outcome.status, exit_refused);
  EXPECT_EQ(outcome.err, "mip6ctl: unknown command \"version\"\n");
}

// A fake daemon on a raw socket that answers every request with `reply`, or
// never answers when `reply` is empty.
class FakeDaemon {
 public:
  FakeDaemon(const std::filesystem::path& path, std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const auto address = testing_support::unix_address(path);
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd_, 4) != 0) {
      throw std::runtime_error("fake daemon cannot listen");
    }
    thread_ = std::thread([this] {
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      char request[4096];
      (void)::recv(client, request, sizeof request, 0);
      if (!reply_.empty()) (void)::send(client, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      char rest;
      (void)::recv(client, &rest, 1, 0);  // until the client hangs up
      ::close(client);
    });
  }
  ~FakeDaemon() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }

 private:
  std::string reply_;
  int fd_ = -1;
  std::thread thread_;
};

TEST(Mip6ctlRun, SilentDaemonTimesOutWithExitThree) {
  testing_support::TempDir dir;
  const auto path = dir.path() / "silent.sock";
  FakeDaemon daemon(path, "");
  const auto outcome = run_cli({"--timeout", "0.2", "--socket", path.string(), "stats"});
  EXPECT_EQ(outcome.status, exit_unreachable);
  EXPECT_NE(outcome.err.find("no reply from mip6d"), std::string::npos) << outcome.err;
  EXPECT_NE(outcome.err.find("within 0.2 s"), std::string::npos) << outcome.err;
}

TEST(Mip6ctlRun, ReplyThatBreaksTheProtocolExitsThree) {
  for (const auto* reply : {"not json\n", "{\"id\": 1}\n", "{\"id\": 2, \"ok\": true, \"result\": 1}\n",
                            "{\"id\": 1, \"ok\": false}\n"}) {
    testing_support::TempDir dir;
    const auto path = dir.path() / "odd.sock";
    FakeDaemon daemon(path, reply);
    const auto outcome = run_cli({"--socket", path.string(), "stats"});
    EXPECT_EQ(outcome.status, exit_unreachable) << reply;
    EXPECT_TRUE(outcome.err.starts_with("mip6ctl: unexpected reply")) << outcome.err;
  }
}

// --- the real binary ----------------------------------------------------------

struct Process {
  int status = -1;
  std::string out;  // stdout and stderr together
};

Process run_process(const std::string& command) {
  Process result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[256];
  while (const auto n = std::fread(buffer, 1, sizeof buffer, pipe)) result.out.append(buffer, n);
  result.status = ::pclose(pipe);
  return result;
}

TEST_F(Mip6ctlAgainstServer, RealBinaryEndToEnd) {
  const std::string binary = "'" MIP6CTL_PATH "'";
  const auto listed = testing_support::run_beside(io_, [&] {
    return run_process("MIP6CTL_SOCKET='" + socket_.string() + "' " + binary + " guest list");
  });
  ASSERT_TRUE(WIFEXITED(listed.status)) << listed.status;
  EXPECT_EQ(WEXITSTATUS(listed.status), exit_ok) << listed.out;
  EXPECT_EQ(listed.out, "NAME  STATE\nvm1   registered\n");

  const auto refused = testing_support::run_beside(io_, [&] {
    return run_process(binary + " --socket '" + socket_.string() + "' guest detach vm3");
  });
  ASSERT_TRUE(WIFEXITED(refused.status));
  EXPECT_EQ(WEXITSTATUS(refused.status), exit_refused);
  EXPECT_EQ(refused.out, "mip6ctl: no guest called vm3\n");

  const auto usage = run_process(binary + " guest detach");
  ASSERT_TRUE(WIFEXITED(usage.status));
  EXPECT_EQ(WEXITSTATUS(usage.status), exit_usage);
}

}  // namespace
}  // namespace roam6::mip6d::mip6ctl
