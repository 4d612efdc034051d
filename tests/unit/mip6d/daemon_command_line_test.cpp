#include "mip6d/daemon/command_line.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "mip6d/daemon/program.hpp"
#include "mip6d/daemon/version.hpp"
#include "store_temp_dir.hpp"

namespace roam6::mip6d::daemon {
namespace {

using Action = DaemonCommandLine::Action;

DaemonCommandLine parse(std::vector<std::string> arguments) {
  return parse_daemon_command_line(arguments);
}

TEST(DaemonCommandLine, ConfigAloneRuns) {
  const auto line = parse({"--config", "/etc/roam6/mip6d.toml"});
  ASSERT_EQ(line.action, Action::run) << line.error;
  EXPECT_EQ(line.options.config_path, "/etc/roam6/mip6d.toml");
  EXPECT_FALSE(line.options.log_level.has_value());
  EXPECT_FALSE(line.options.foreground);
}

TEST(DaemonCommandLine, EveryOptionInBothSpellings) {
  const auto spaced = parse({"--foreground", "--log-level", "debug", "-c", "a.toml"});
  ASSERT_EQ(spaced.action, Action::run) << spaced.error;
  EXPECT_EQ(spaced.options.config_path, "a.toml");
  EXPECT_EQ(spaced.options.log_level, LogLevel::debug);
  EXPECT_TRUE(spaced.options.foreground);

  const auto joined = parse({"--config=b.toml", "--log-level=warning", "-f"});
  ASSERT_EQ(joined.action, Action::run) << joined.error;
  EXPECT_EQ(joined.options.config_path, "b.toml");
  EXPECT_EQ(joined.options.log_level, LogLevel::warning);
  EXPECT_TRUE(joined.options.foreground);
}

TEST(DaemonCommandLine, CheckConfig) {
  const auto line = parse({"--check-config", "--config", "x.toml", "--log-level", "error"});
  ASSERT_EQ(line.action, Action::check_config) << line.error;
  EXPECT_EQ(line.options.config_path, "x.toml");
  EXPECT_EQ(line.options.log_level, LogLevel::error);
}

TEST(DaemonCommandLine, HelpAndVersionWinOverEverythingElse) {
  EXPECT_EQ(parse({"--help"}).action, Action::show_help);
  EXPECT_EQ(parse({"-h"}).action, Action::show_help);
  EXPECT_EQ(parse({"--config", "x", "--bogus", "--help"}).action, Action::show_help);
  EXPECT_EQ(parse({"--version"}).action, Action::show_version);
  EXPECT_EQ(parse({"-V", "--log-level", "loud"}).action, Action::show_version);
}

void expect_usage_error(std::vector<std::string> arguments, std::string_view mentions) {
  const auto line = parse(arguments);
  ASSERT_EQ(line.action, Action::usage_error) << "accepted: " << ::testing::PrintToString(arguments);
  EXPECT_NE(line.error.find(mentions), std::string::npos)
      << "error \"" << line.error << "\" does not mention \"" << mentions << "\"";
  EXPECT_NE(line.hint.find("mip6d --help"), std::string::npos) << line.hint;
}

TEST(DaemonCommandLine, BadArgumentsAreRefusedWithTheCulpritNamed) {
  expect_usage_error({}, "--config");
  expect_usage_error({"--log-level", "debug"}, "--config");
  expect_usage_error({"--config"}, "needs a value");
  expect_usage_error({"--config="}, "non-empty");
  expect_usage_error({"--config", "a", "--config", "b"}, "more than once");
  expect_usage_error({"--config", "a", "--log-level", "loud"}, "'loud'");
  expect_usage_error({"--config", "a", "--log-level", "loud"}, "debug");
  expect_usage_error({"--config", "a", "--log-level"}, "needs a value");
  expect_usage_error({"--config", "a", "--verbose"}, "'--verbose'");
  expect_usage_error({"--config", "a", "--foreground=yes"}, "takes no value");
  expect_usage_error({"a.toml"}, "'a.toml'");
  expect_usage_error({"--config", "a", "--", "extra"}, "'extra'");
  expect_usage_error({"--config", "a", "-x"}, "'-x'");
}

TEST(DaemonCommandLine, HelpIsAManualWithEverySection) {
  const std::string help = daemon_help_text();
  for (const char* section :
       {"SYNOPSIS", "DESCRIPTION", "OPTIONS", "SIGNALS", "FILES", "EXIT STATUS", "EXAMPLES"}) {
    EXPECT_NE(help.find(std::string("\n") + section + "\n"), std::string::npos)
        << "no section " << section;
  }
  EXPECT_EQ(help.rfind("NAME\n", 0), 0u);
  for (const char* mention : {"--config", "--log-level", "--check-config", "--foreground",
                              "--help", "--version", "SIGTERM", "SIGHUP", "mip6ctl"}) {
    EXPECT_NE(help.find(mention), std::string::npos) << "help does not mention " << mention;
  }
  std::istringstream lines(help);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_LE(line.size(), 80u) << "too wide for a terminal: " << line;
  }
}

TEST(DaemonCommandLine, VersionNamesTheReleaseAndProtocol) {
  const std::string text = daemon_version_text();
  EXPECT_EQ(text, "mip6d " + std::string(daemon_version()) + " (control protocol 1)\n");
  EXPECT_FALSE(daemon_version().empty());
}

// run_program without a daemon: everything up to starting it.
struct ProgramRun {
  int status;
  std::string out;
  std::string err;
};
ProgramRun run(std::vector<std::string> arguments) {
  std::ostringstream out;
  std::ostringstream err;
  const int status = run_program(arguments, out, err);
  return {status, out.str(), err.str()};
}

TEST(DaemonProgram, UsageErrorExitsTwoWithMessageAndHint) {
  const auto r = run({"--config", "a", "--nope"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "mip6d: unknown option '--nope'\nTry 'mip6d --help' for the options.\n");
}

TEST(DaemonProgram, HelpAndVersionGoToStandardOutput) {
  auto r = run({"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, daemon_help_text());
  EXPECT_EQ(r.err, "");
  r = run({"--version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, daemon_version_text());
}

TEST(DaemonProgram, CheckConfigPrintsTheSummaryOfAGoodFile) {
  testing::StoreTempDir dir;
  const auto path = dir.file("ha.toml").string();
  std::ofstream(path) << R"(role = "home-agent"
node_name = "ha-check"
[interfaces]
uplink = "eth0"
[home_agent]
address = "2001:db8:a::1"
home_prefixes = ["2001:db8:a::/64"]
[[sites]]
name = "site-a"
prefix = "2001:db8:a::/64"
home_agent = "2001:db8:a::1"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0a:01"
[[keys]]
name = "k"
spi = 1001
secret_hex = "00112233445566778899aabbccddeeff"
)";
  const auto r = run({"--config", path, "--check-config", "--log-level", "debug"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("node ha-check, role home-agent"), std::string::npos) << r.out;
  // The command-line level is the one in effect.
  EXPECT_NE(r.out.find("log level debug"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("00112233"), std::string::npos) << "secret printed: " << r.out;
  EXPECT_EQ(r.err, "");
}

TEST(DaemonProgram, CheckConfigReportsEveryProblemAndExitsOne) {
  testing::StoreTempDir dir;
  const auto path = dir.file("bad.toml").string();
  std::ofstream(path) << "role = \"home-agent\"\nnode_name = \"x\"\n[interfaces]\nuplnk = \"eth0\"\n";
  const auto r = run({"--config", path, "--check-config"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(path + " is not a valid configuration"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("uplnk"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("home_agent"), std::string::npos) << r.err;
}

TEST(DaemonProgram, MissingConfigFileIsAFailureNotAUsageError) {
  const auto r = run({"--config", "/nonexistent/roam6/mip6d.toml", "--check-config"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("/nonexistent/roam6/mip6d.toml"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace roam6::mip6d::daemon
