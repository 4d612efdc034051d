#include "vswitch-plugin/daemon/vswitch_daemon.hpp"

#include <csignal>
#include <stdexcept>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "mip6d/runtime/asio_scheduler.hpp"
#include "vswitch-plugin/agent/flow_programmer.hpp"
#include "vswitch-plugin/agent/mip6d_client.hpp"
#include "vswitch-plugin/agent/vswitch_agent.hpp"
#include "vswitch-plugin/identity/domain_directory.hpp"
#include "vswitch-plugin/netlink/link_monitor.hpp"
#include "vswitch-plugin/openflow/flow_keeper.hpp"
#include "vswitch-plugin/openflow/ofctl_runner.hpp"
#include "vswitch-plugin/ovsdb/port_monitor.hpp"

namespace roam6::vswitch {
namespace {

using mip6d::LogLevel;
using mip6d::LogRecord;

// How often the bridge's spoof-drop counters are passed on to mip6d (the
// keeper reads them with its one-second canary check).
constexpr std::chrono::seconds report_interval{1};

ovsdb::PortMonitorConfig monitor_config(const VswitchOptions& options) {
  ovsdb::PortMonitorConfig config;
  const auto endpoint = ovsdb::Endpoint::parse(options.ovsdb);
  if (!endpoint) throw std::runtime_error("--ovsdb '" + options.ovsdb + "' is not unix:PATH or tcp:IP:PORT");
  config.endpoint = *endpoint;
  config.bridge = options.bridge;
  return config;
}

std::vector<std::string> watched_links(const VswitchOptions& options) {
  std::vector<std::string> names{options.bridge, options.datapath_port};
  names.insert(names.end(), options.watch_links.begin(), options.watch_links.end());
  return names;
}

}  // namespace

struct VswitchDaemon::Parts {
  Parts(VswitchOptions o, mip6d::Logger::Sink sink)
      : options(std::move(o)),
        log(options.log_level, std::move(sink)),
        scheduler(io),
        signals(io, SIGTERM, SIGINT),
        domains(options.domains),
        runner(io, log, OfctlOptions{options.openflow, options.ovs_ofctl, std::chrono::seconds(10)}),
        keeper(scheduler, log, runner),
        programmer(keeper),
        mip6d(io, options.mip6d_socket, log, [this] { agent.on_mip6d_connected(); }),
        agent(AgentSettings{options.bridge, options.datapath_port, options.cookie}, mip6d, programmer, domains, log),
        monitor(io, scheduler, log, monitor_config(options),
                [this](const std::vector<PortChange>& changes) { agent.on_ports(changes); }),
        watch(io, options.domains, [this](const std::string& uuid) { agent.on_domain_changed(uuid); }),
        links(io, log, LinkMonitorOptions{watched_links(options), 1 << 20}),
        report_timer(io) {}

  void on_link(const LinkChange& change) {
    const LinkInfo& link = change.link();
    LogRecord(log, change.kind == LinkChange::Kind::changed ? LogLevel::debug : LogLevel::info,
              "link_" + std::string(to_string(change.kind)))
        .kv("link", link.name)
        .kv("ifindex", link.ifindex)
        .kv("mtu", link.mtu)
        .kv("up", link.admin_up ? "yes" : "no")
        .kv("carrier", link.lower_up ? "yes" : "no");
    if (change.before && change.after && change.before->mtu != change.after->mtu)
      LogRecord(log, LogLevel::info, "link_mtu").kv("link", link.name).kv("from", change.before->mtu)
          .kv("to", change.after->mtu);
    // The bridge's device comes back when ovs-vswitchd restarts, without
    // the flows: look now rather than at the next tick.
    if (link.name == options.bridge || link.name == options.datapath_port) keeper.check_now();
  }

  void arm_report() {
    report_timer.expires_after(report_interval);
    report_timer.async_wait([this](const boost::system::error_code& error) {
      if (error) return;
      agent.on_flows_changed();
      arm_report();
    });
  }

  VswitchOptions options;
  boost::asio::io_context io;
  mip6d::Logger log;
  mip6d::AsioScheduler scheduler;
  boost::asio::signal_set signals;
  DomainDirectory domains;
  OfctlRunner runner;
  FlowKeeper keeper;
  FlowKeeperProgrammer programmer;
  Mip6dClient mip6d;
  VswitchAgent agent;
  ovsdb::PortMonitor monitor;
  DomainDirectoryWatch watch;
  LinkMonitor links;
  boost::asio::steady_timer report_timer;
};

VswitchDaemon::VswitchDaemon(VswitchOptions options, mip6d::Logger::Sink sink)
    : parts_(std::make_unique<Parts>(std::move(options), std::move(sink))) {}

VswitchDaemon::~VswitchDaemon() = default;

void VswitchDaemon::run() {
  Parts& p = *parts_;
  p.keeper.set_listener([&p](FlowState state, const std::string& reason) {
    LogRecord(p.log, state == FlowState::failed ? LogLevel::warning : LogLevel::info, "flows")
        .kv("state", to_string(state))
        .kv("reason", reason.empty() ? std::string("-") : reason);
    p.agent.on_flows_changed();
  });
  p.links.set_change_handler([&p](const LinkChange& change) { p.on_link(change); });
  p.signals.async_wait([&p](const boost::system::error_code& error, int signal_number) {
    if (error) return;
    LogRecord(p.log, LogLevel::info, "stopping")
        .kv("signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT")
        .kv("flows", "left in the bridge");
    p.io.stop();
  });
  LogRecord(p.log, LogLevel::info, "started")
      .kv("bridge", p.options.bridge)
      .kv("datapath_port", p.options.datapath_port)
      .kv("ovsdb", p.options.ovsdb)
      .kv("openflow", p.options.openflow)
      .kv("mip6d", p.options.mip6d_socket)
      .kv("domains", p.options.domains)
      .kv("cookie", cookie_text(p.options.cookie));
  p.links.start();
  p.monitor.start();
  p.mip6d.start();
  p.arm_report();
  p.io.run();
}

}  // namespace roam6::vswitch
