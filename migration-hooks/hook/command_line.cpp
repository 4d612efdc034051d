#include "migration-hooks/hook/command_line.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <string_view>

namespace roam6::hooks {
namespace {

HookCommandLine only(HookCommandLine::Action action) {
  HookCommandLine line;
  line.action = action;
  return line;
}

HookCommandLine usage_error(std::string message) {
  HookCommandLine line;
  line.action = HookCommandLine::Action::usage_error;
  line.error = std::move(message);
  return line;
}

}  // namespace

HookCommandLine parse_hook_command_line(const std::vector<std::string>& arguments) {
  HookCommandLine line;
  std::vector<std::string> positional;
  bool options_done = false;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    std::string name = arguments[i];
    // libvirt's own arguments include "-" (no extra argument): only "--x"
    // and -h / -V are options.
    if (options_done || !(name.starts_with("--") || name == "-h" || name == "-V")) {
      positional.push_back(name);
      continue;
    }
    if (name == "--") {
      options_done = true;
      continue;
    }
    if (name == "--help" || name == "-h") return only(HookCommandLine::Action::show_help);
    if (name == "--version" || name == "-V") return only(HookCommandLine::Action::show_version);
    std::optional<std::string> value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    static constexpr std::string_view known[] = {"--mip6d-socket", "--domains", "--budget-ms", "--hooks-dir",
                                                  "--log-level"};
    if (std::find(std::begin(known), std::end(known), name) == std::end(known))
      return usage_error("unknown option '" + name + "'");
    if (!value) {
      if (i + 1 >= arguments.size()) return usage_error(name + " needs a value");
      value = arguments[++i];
    }
    if (value->empty()) return usage_error(name + " needs a value");
    if (name == "--mip6d-socket") {
      line.settings.mip6d_socket = *value;
    } else if (name == "--domains") {
      line.settings.domains = *value;
    } else if (name == "--hooks-dir") {
      line.hooks_dir = *value;
    } else if (name == "--budget-ms") {
      unsigned ms = 0;
      const auto [end, error] = std::from_chars(value->data(), value->data() + value->size(), ms);
      if (error != std::errc{} || end != value->data() + value->size() || ms == 0 || ms > 10000)
        return usage_error("--budget-ms must be 1 to 10000, not '" + *value + "'");
      line.settings.budget = std::chrono::milliseconds(ms);
    } else if (name == "--log-level") {
      const auto level = mip6d::parse_log_level(*value);
      if (!level) return usage_error("--log-level must be error, warning, info or debug, not '" + *value + "'");
      line.log_level = *level;
    }
  }
  if (positional.size() == 1 && (positional[0] == "install" || positional[0] == "uninstall")) {
    line.action = positional[0] == "install" ? HookCommandLine::Action::install : HookCommandLine::Action::uninstall;
    return line;
  }
  const auto invocation = parse_hook_invocation(positional);
  if (!invocation)
    return usage_error("expected libvirt's four arguments (DOMAIN OPERATION SUB-OPERATION EXTRA), "
                       "or install / uninstall; got " + std::to_string(positional.size()) + " argument(s)");
  line.invocation = *invocation;
  return line;
}

std::string hook_help_text() {
  return R"(Usage: roam6-libvirt-hook [OPTIONS] DOMAIN OPERATION SUB-OPERATION EXTRA  < domain.xml
       roam6-libvirt-hook [OPTIONS] install | uninstall

roam6's libvirt qemu hook. libvirt runs it for every domain operation with the
domain XML on standard input; for a domain whose <metadata> holds roam6's
<roam6:guest> element it tells mip6d (over its control socket) that the guest
is expected on this host, or that it has stopped here, and keeps a copy of the
domain XML for roam6-vswitchd. It never calls back into libvirt, prints
nothing on standard output (so `migrate begin` keeps the XML unchanged), and
always lets libvirt carry on: a failure is logged to standard error and to
syslog (facility daemon), never returned.

  migrate|prepare|start|started|restore|reconnect|attach begin
        keep the XML in --domains, guest.attach each roam6 interface
  stopped end
        guest.detach mode=stopped (mip6d deregisters only a binding this host
        still holds: never one a newer host took, never for a migration that
        failed before the guest ran here)
  release end
        remove the kept XML

Commands:
  install      write the hook to HOOKS-DIR/qemu.d/50-roam6 (a wrapper that
               runs this program with the options given here), beside any
               other hooks; restart libvirtd (or virtqemud) afterwards, since
               libvirt looks for hooks when it starts
  uninstall    remove what install wrote (only a file install wrote)

Options:
  --mip6d-socket PATH  mip6d's control socket (default /run/roam6/mip6d.sock)
  --domains DIR        where the domain XML copies live, read by
                       roam6-vswitchd --domains (default /run/roam6/domains)
  --budget-ms N        everything the hook does within N ms (default 80)
  --hooks-dir DIR      libvirt's hook directory (default /etc/libvirt/hooks)
  --log-level LEVEL    error, warning, info (default) or debug
  -h, --help           this text
  -V, --version        the version

Exit status: 0 for every hook call (failures are logged); 1 when install or
uninstall fails; 2 for a usage error.

See docs/migration.md.
)";
}

}  // namespace roam6::hooks
