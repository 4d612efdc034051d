#include "mip6d/daemon/command_line.hpp"


#include "mip6d/control/control_protocol.hpp"
#include "mip6d/daemon/version.hpp"

namespace roam6::mip6d::daemon {
namespace {

constexpr std::string_view help_hint = "Try 'mip6d --help' for the options.";

struct OptionSpec {
  std::string_view long_name;   // "--config"
  std::string_view short_name;  // "-c", or empty
  std::string_view value_name;  // "FILE"; empty for a flag
};

enum class OptionId { config, log_level, check_config, foreground, help, version };

struct KnownOption {
  OptionId id;
  OptionSpec spec;
};

constexpr KnownOption known_options[] = {
    {OptionId::config, {"--config", "-c", "FILE"}},
    {OptionId::log_level, {"--log-level", "", "LEVEL"}},
    {OptionId::check_config, {"--check-config", "", ""}},
    {OptionId::foreground, {"--foreground", "-f", ""}},
    {OptionId::help, {"--help", "-h", ""}},
    {OptionId::version, {"--version", "-V", ""}},
};

const KnownOption* find_option(std::string_view name) {
  for (const auto& option : known_options) {
    if (name == option.spec.long_name ||
        (!option.spec.short_name.empty() && name == option.spec.short_name)) {
      return &option;
    }
  }
  return nullptr;
}

DaemonCommandLine usage_error(std::string message) {
  DaemonCommandLine line;
  line.action = DaemonCommandLine::Action::usage_error;
  line.error = std::move(message);
  line.hint = std::string(help_hint);
  return line;
}

std::string level_choices() {
  std::string text;
  for (const auto level : {LogLevel::error, LogLevel::warning, LogLevel::info, LogLevel::debug}) {
    if (!text.empty()) text += ", ";
    text += to_string(level);
  }
  return text;
}

}  // namespace

DaemonCommandLine parse_daemon_command_line(const std::vector<std::string>& arguments) {
  // --help and --version answer whatever else is on the line, as GNU tools
  // do, so that "mip6d --config x --help" shows the manual, not an error.
  for (const auto& argument : arguments) {
    if (argument == "--") break;
    const auto* option = find_option(argument);
    if (option == nullptr) continue;
    if (option->id == OptionId::help) {
      DaemonCommandLine line;
      line.action = DaemonCommandLine::Action::show_help;
      return line;
    }
    if (option->id == OptionId::version) {
      DaemonCommandLine line;
      line.action = DaemonCommandLine::Action::show_version;
      return line;
    }
  }

  DaemonOptions options;
  bool have_config = false;
  bool have_log_level = false;
  bool check_config = false;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    if (argument.empty() || argument[0] != '-' || argument == "-") {
      return usage_error("unexpected argument '" + argument +
                         "' (the configuration file is given with --config FILE)");
    }
    if (argument == "--") {
      if (i + 1 < arguments.size()) {
        return usage_error("unexpected argument '" + arguments[i + 1] + "'");
      }
      break;
    }
    // "--name=value" or "--name value".
    std::string name = argument;
    std::optional<std::string> inline_value;
    if (const auto equals = argument.find('='); argument.rfind("--", 0) == 0 &&
                                                equals != std::string::npos) {
      name = argument.substr(0, equals);
      inline_value = argument.substr(equals + 1);
    }
    const auto* option = find_option(name);
    if (option == nullptr) return usage_error("unknown option '" + name + "'");
    const auto& spec = option->spec;

    std::string value;
    if (spec.value_name.empty()) {
      if (inline_value) return usage_error("option " + std::string(spec.long_name) + " takes no value");
    } else if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < arguments.size()) {
      value = arguments[++i];
    } else {
      return usage_error("option " + std::string(spec.long_name) + " needs a value (" +
                         std::string(spec.value_name) + ")");
    }
    if (!spec.value_name.empty() && value.empty()) {
      return usage_error("option " + std::string(spec.long_name) + " needs a non-empty " +
                         std::string(spec.value_name));
    }

    switch (option->id) {
      case OptionId::config:
        if (have_config) return usage_error("option --config given more than once");
        have_config = true;
        options.config_path = value;
        break;
      case OptionId::log_level: {
        if (have_log_level) return usage_error("option --log-level given more than once");
        have_log_level = true;
        const auto level = parse_log_level(value);
        if (!level) {
          return usage_error("option --log-level: '" + value + "' is not one of " +
                             level_choices());
        }
        options.log_level = *level;
        break;
      }
      case OptionId::check_config:
        check_config = true;
        break;
      case OptionId::foreground:
        options.foreground = true;
        break;
      case OptionId::help:
      case OptionId::version:
        break;  // handled above
    }
  }
  if (!have_config) return usage_error("missing --config FILE");

  DaemonCommandLine line;
  line.action = check_config ? DaemonCommandLine::Action::check_config
                             : DaemonCommandLine::Action::run;
  line.options = std::move(options);
  return line;
}

std::string daemon_help_text() {
  return R"(NAME
    mip6d - roam6 Mobile IPv6 signalling daemon (Home Agent and host roles)

SYNOPSIS
    mip6d --config FILE [--log-level LEVEL] [--check-config] [--foreground]
    mip6d --help | --version

DESCRIPTION
    mip6d keeps live-migrating virtual machines reachable at their home IPv6
    address (RFC 6275, proxied for the guests). Its role comes from the
    configuration file:

    home-agent  takes authenticated Binding Updates for guests whose home
                link it serves, keeps the binding cache in SQLite, and
                defends away guests' home addresses on the home link.
    host        registers, for every guest running here whose home is
                another site, the guest's home address with that site's
                Home Agent, and emulates the home link towards the guest.

    Without a [datapath] section mip6d exchanges signalling through packet
    sockets on [interfaces]; with one it runs the DPDK datapath (tunnels,
    punt and inject rings) in the same process. With [metrics] it serves its
    counters to Prometheus over HTTP.

    mip6d runs in the foreground and logs to standard error, one record per
    line ("event key=value ..."), for systemd to supervise and journald to
    collect. mip6ctl(8) talks to it through the control socket.

OPTIONS
    -c, --config FILE     the configuration file (TOML; required). See
                          docs/configuration.md for every key. Relative
                          secret_file paths are relative to FILE's directory.
    --log-level LEVEL     error, warning, info or debug; overrides the
                          file's log_level, also when the file is reloaded.
    --check-config        load and check FILE, print a summary of it (or
                          every problem found, one per line) and exit.
                          Opens no socket, no database, no device.
    -f, --foreground      accepted for clarity: mip6d always stays in the
                          foreground and never forks.
    -h, --help            show this manual and exit.
    -V, --version         show the version and exit.

SIGNALS
    SIGTERM, SIGINT       stop in order: close the metrics listener and the
                          control socket; commit the open binding-store batch
                          and send the Binding Acknowledgements behind it;
                          close the store; stop the datapath and release the
                          DPDK EAL (rte_eal_cleanup); exit with status 0.
    SIGHUP                reload FILE with the same checks as at start. An
                          invalid file is refused (every problem is logged
                          as config_error) and the daemon keeps running
                          unchanged. A valid one is applied: log_level,
                          [[keys]] and their secrets, [[policy]], [[guests]],
                          home_agent.max_lifetime and replay_window,
                          host.requested_lifetime and host.key, and the
                          sites' router_link_local, router_mac and mtu. Any
                          other changed key (role, node_name, control_socket,
                          [interfaces], [datapath], [metrics], the Home
                          Agent's address, prefixes and store, the host's
                          site and care-of address, adding or removing a
                          site) is logged as config_needs_restart and keeps
                          its running value until a restart.
                          `mip6ctl config reload` does the same and shows
                          the outcome.
    SIGPIPE               ignored.

FILES
    /etc/roam6/mip6d.toml          the usual configuration file (--config).
    secret_file of each [[keys]]   the key's hex secret. Must be accessible
                                   by its owner only (chmod 600): a file
                                   that group or others may read, write or
                                   execute is refused, as ssh refuses such
                                   private keys.
    /run/roam6/mip6d.sock          control socket (control_socket). A stale
                                   one (nobody answering) is replaced; one a
                                   running daemon answers on is refused.
    /var/lib/roam6/bindings.sqlite Home Agent binding cache
                                   (home_agent.database), held under an
                                   exclusive lock while mip6d runs.
    etcd: ENDPOINTS, PREFIX/       with home_agent.store = "etcd": the
                                   binding cache and replay memory of a
                                   Home Agent cluster, under
                                   home_agent.etcd_prefix (docs/cluster.md).
    http://LISTEN/metrics          Prometheus metrics, when [metrics] listen
                                   is set (e.g. "127.0.0.1:9464").
    /var/run/dpdk/PREFIX/          DPDK runtime files of the datapath
                                   (--file-prefix in [datapath] eal_args).
                                   A clean stop closes its multi-process
                                   socket; the files stay for the next start.

EXIT STATUS
    0    stopped by SIGTERM or SIGINT; --check-config found no problem;
         --help or --version.
    1    the configuration is invalid, or the daemon could not start or
         failed while running. One line on standard error says why, naming
         the configuration key at fault and where it is
         (FILE:LINE:COLUMN: KEY: ...): control socket in use by a running
         daemon, store locked by another daemon or damaged, interface or
         DPDK device missing, metrics address in use, ...
    2    bad command line.
    75   a Home Agent with home_agent.leader_election lost its leader
         lease, handed the lead over to a member of higher rank
         (leader_preempt), or could not read etcd when elected. It
         stopped serving at once; restart it (systemd Restart=always) to
         stand by again.

EXAMPLES
    Check a configuration before installing it:
        mip6d --config /etc/roam6/mip6d.toml --check-config

    Run with debug logging in the foreground:
        mip6d --config /etc/roam6/mip6d.toml --log-level debug

    Run inside a network namespace:
        ip netns exec ha mip6d --config /etc/roam6/ha.toml

    Ask the running daemon for its bindings:
        mip6ctl binding list

    Apply an edited configuration without a restart:
        mip6d --config /etc/roam6/mip6d.toml --check-config &&
            mip6ctl config reload        (or: systemctl reload mip6d)

    Scrape the metrics (with [metrics] listen = "127.0.0.1:9464"):
        curl -s http://127.0.0.1:9464/metrics

SEE ALSO
    mip6ctl(8), docs/configuration.md, docs/operations.md
)";
}

std::string daemon_version_text() {
  return std::string(daemon_name) + " " + std::string(daemon_version()) + " (control protocol " +
         std::to_string(control::protocol_version) + ")\n";
}

}  // namespace roam6::mip6d::daemon
