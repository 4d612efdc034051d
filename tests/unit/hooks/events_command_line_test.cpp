#include <gtest/gtest.h>

#include "migration-hooks/events/command_line.hpp"

namespace roam6::hooks {
namespace {

using Action = EventsCommandLine::Action;

TEST(EventsCommandLine, DefaultsAndOptions) {
  auto line = parse_events_command_line({});
  ASSERT_EQ(line.action, Action::run);
  EXPECT_EQ(line.settings.uri, "qemu:///system");
  EXPECT_EQ(line.settings.mip6d_socket, "/run/roam6/mip6d.sock");
  EXPECT_EQ(line.settings.budget.count(), 200);
  line = parse_events_command_line({"--connect=qemu+tcp://[2001:db8::1]/system", "--domains", "/tmp/d",
                                    "--budget-ms", "50", "--log-level", "debug"});
  ASSERT_EQ(line.action, Action::run) << line.error;
  EXPECT_EQ(line.settings.uri, "qemu+tcp://[2001:db8::1]/system");
  EXPECT_EQ(line.settings.domains, "/tmp/d");
  EXPECT_EQ(line.settings.budget.count(), 50);
  EXPECT_EQ(line.log_level, mip6d::LogLevel::debug);
}

TEST(EventsCommandLine, MistakesAreUsageErrors) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--budget-ms", "0"}, {"--connect"}, {"--frobnicate", "1"}, {"qemu:///system"}, {"--log-level", "x"}}) {
    const auto line = parse_events_command_line(args);
    EXPECT_EQ(line.action, Action::usage_error) << args[0];
    EXPECT_FALSE(line.error.empty());
  }
  EXPECT_EQ(parse_events_command_line({"-h"}).action, Action::show_help);
  EXPECT_NE(events_help_text().find("stopped/migrated"), std::string::npos);
}

}  // namespace
}  // namespace roam6::hooks
