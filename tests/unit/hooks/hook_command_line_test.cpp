#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "migration-hooks/hook/command_line.hpp"

namespace roam6::hooks {
namespace {

using Action = HookCommandLine::Action;

TEST(HookCommandLine, TheWrapperPutsOptionsBeforeLibvirtsArguments) {
  const auto line = parse_hook_command_line(
      {"--mip6d-socket", "/run/x.sock", "--domains=/tmp/d", "--budget-ms", "50", "--", "web1", "migrate", "begin", "-"});
  ASSERT_EQ(line.action, Action::hook) << line.error;
  EXPECT_EQ(line.settings.mip6d_socket, "/run/x.sock");
  EXPECT_EQ(line.settings.domains, "/tmp/d");
  EXPECT_EQ(line.settings.budget.count(), 50);
  EXPECT_EQ(line.invocation.domain, "web1");
  EXPECT_EQ(line.invocation.operation, HookOperation::migrate);
  // A domain whose name starts with '-' still works after "--".
  EXPECT_EQ(parse_hook_command_line({"--", "-odd", "start", "begin", "-"}).invocation.domain, "-odd");
}

TEST(HookCommandLine, DefaultsFitAStockHost) {
  const auto line = parse_hook_command_line({"web1", "stopped", "end", "-"});
  ASSERT_EQ(line.action, Action::hook);
  EXPECT_EQ(line.settings.mip6d_socket, "/run/roam6/mip6d.sock");
  EXPECT_EQ(line.settings.domains, "/run/roam6/domains");
  EXPECT_EQ(line.settings.budget.count(), 80);
}

TEST(HookCommandLine, InstallAndUninstall) {
  auto line = parse_hook_command_line({"--hooks-dir", "/tmp/h", "install"});
  EXPECT_EQ(line.action, Action::install);
  EXPECT_EQ(line.hooks_dir, "/tmp/h");
  EXPECT_EQ(parse_hook_command_line({"uninstall"}).action, Action::uninstall);
  EXPECT_EQ(parse_hook_command_line({"uninstall"}).hooks_dir, "/etc/libvirt/hooks");
}

TEST(HookCommandLine, MistakesAreUsageErrorsThatSayWhat) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"web1", "start", "begin"},
           {"--budget-ms", "0", "web1", "start", "begin", "-"},
           {"--budget-ms", "abc", "web1", "start", "begin", "-"},
           {"--colour", "red", "web1", "start", "begin", "-"},
           {"--log-level", "loud", "web1", "start", "begin", "-"},
           {"--mip6d-socket"},
           {"install", "now"}}) {
    const auto line = parse_hook_command_line(args);
    EXPECT_EQ(line.action, Action::usage_error) << args[0];
    EXPECT_FALSE(line.error.empty());
  }
  EXPECT_EQ(parse_hook_command_line({"--help"}).action, Action::show_help);
  EXPECT_NE(hook_help_text().find("stopped end"), std::string::npos);
}

}  // namespace
}  // namespace roam6::hooks
