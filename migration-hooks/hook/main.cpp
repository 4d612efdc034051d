// roam6-libvirt-hook: see command_line.cpp's help text and docs/migration.md.
#include <syslog.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "migration-hooks/hook/command_line.hpp"
#include "migration-hooks/hook/hook_runner.hpp"
#include "migration-hooks/hook/installer.hpp"

namespace {

// Domain XML is a few KiB; stop reading far beyond that.
constexpr std::size_t max_domain_xml = 4 * 1024 * 1024;

std::string read_stdin() {
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > max_domain_xml) break;
  }
  return text;
}

std::string own_path() {
  char path[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return {};
  return std::string(path, static_cast<std::size_t>(n));
}

}  // namespace

int main(int argc, char** argv) {
  using roam6::hooks::HookCommandLine;
  const auto line = roam6::hooks::parse_hook_command_line(std::vector<std::string>(argv + 1, argv + argc));
  switch (line.action) {
    case HookCommandLine::Action::show_help:
      std::cout << roam6::hooks::hook_help_text();
      return 0;
    case HookCommandLine::Action::show_version:
      std::cout << "roam6-libvirt-hook " << ROAM6_VERSION << "\n";
      return 0;
    case HookCommandLine::Action::usage_error:
      std::cerr << "roam6-libvirt-hook: " << line.error << "\n(--help tells more)\n";
      return 2;
    case HookCommandLine::Action::install:
      try {
        const std::string file = roam6::hooks::install_hook(line.hooks_dir, own_path(), line.settings);
        std::cout << "installed " << file << "; restart libvirtd (or virtqemud) so that libvirt finds it\n";
        return 0;
      } catch (const roam6::hooks::InstallError& e) {
        std::cerr << "roam6-libvirt-hook: " << e.what() << "\n";
        return 1;
      }
    case HookCommandLine::Action::uninstall:
      try {
        const std::string file = roam6::hooks::uninstall_hook(line.hooks_dir);
        std::cout << (file.empty() ? std::string("nothing to uninstall") : "removed " + file) << "\n";
        return 0;
      } catch (const roam6::hooks::InstallError& e) {
        std::cerr << "roam6-libvirt-hook: " << e.what() << "\n";
        return 1;
      }
    case HookCommandLine::Action::hook:
      break;
  }

  // Standard output stays empty: for `migrate begin` it would replace the
  // domain XML. Logs go to standard error (libvirt keeps a failing hook's)
  // and syslog, where an operator finds them after the fact.
  ::openlog("roam6-libvirt-hook", LOG_PID, LOG_DAEMON);
  const roam6::mip6d::Logger log(line.log_level, [](roam6::mip6d::LogLevel level, std::string_view text) {
    std::cerr << "roam6-libvirt-hook: " << text << "\n";
    ::syslog(roam6::mip6d::syslog_priority(level), "%.*s", static_cast<int>(text.size()), text.data());
  });
  const std::string xml = read_stdin();
  roam6::hooks::run_hook(line.invocation, xml, line.settings, log);
  ::closelog();
  return 0;
}
