#pragma once
// The mip6d process: one boost::asio::io_context and everything that runs on
// it, wired for the configured role.
//
//   home-agent: packet I/O (uplink = home link), forwarding table,
//               BindingStore (SQLite, or etcd for a cluster), HomeAgent
//   host:       packet I/O (uplink + guests), forwarding table, HostAgent
//   both:       AsioScheduler, Logger, ControlServer + CommandRegistry,
//               SIGTERM/SIGINT (stop) and SIGHUP (reload) handling, and the
//               optional Prometheus listener ([metrics])
//
// Packet I/O and forwarding table come from one of two backends:
//   [datapath] configured: the DPDK datapath (EAL, ports, forwarding cores)
//               with DpdkPacketIo (punt/inject rings) and DpdkForwardingTable
//               (the datapath's binding table);
//   otherwise:  PacketSocketIo on [interfaces] and a RecordingForwardingTable.
//
//   Daemon daemon(std::move(config));   // throws StartupError
//   return daemon.run();                // until SIGTERM/SIGINT or stop()
//
// Without the datapath the RecordingForwardingTable only records: signalling
// is complete, and `binding.list` shows what the data plane would be doing.

#include <array>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "datapath/engine/datapath.hpp"
#include "datapath/mip6d_bridge/dpdk_forwarding_table.hpp"
#include "datapath/mip6d_bridge/dpdk_packet_io.hpp"
#include "mip6d/config/config.hpp"
#include "mip6d/control/command_registry.hpp"
#include "mip6d/control/control_server.hpp"
#include "mip6d/daemon/config_reload.hpp"
#include "mip6d/daemon/metrics_listener.hpp"
#include "mip6d/etcd/leader_election.hpp"
#include "mip6d/etcd/standby_follower.hpp"
#include "mip6d/home_agent/home_agent.hpp"
#include "mip6d/host/host_agent.hpp"
#include "mip6d/io/packet_socket_io.hpp"
#include "mip6d/io/recording_forwarding_table.hpp"
#include "mip6d/runtime/asio_scheduler.hpp"
#include "mip6d/runtime/batched_log_writer.hpp"
#include "mip6d/runtime/log.hpp"
#include "mip6d/store/sqlite_binding_store.hpp"

namespace roam6::mip6d::daemon {

// The daemon could not start. what() is one line for the operator, naming
// the configuration key at fault, where it is, what failed and why
// ("/etc/roam6/mip6d.toml:14:12: home_agent.database: cannot open the
// binding store /var/lib/roam6/b.sqlite (locked): ...").
class StartupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Daemon {
 public:
  // Binds the control socket, opens the interfaces and (home agent) the
  // store, restores the bindings and starts the role. Requests are answered
  // only once run() runs, so a daemon that answers on its socket is ready.
  // `config.log_level` is the threshold, unless `command_line_log_level`
  // (--log-level) overrides it, now and at every reload;
  // `sink` receives the log lines (default: standard error).
  // Throws StartupError; nothing stays open when it does.
  explicit Daemon(Config config, Logger::Sink sink = {},
                  std::optional<LogLevel> command_line_log_level = std::nullopt);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Runs the event loop until SIGTERM or SIGINT (or stop()), then stops in
  // order: metrics listener and control socket closed, the open store batch
  // committed and its BAs sent, store closed, datapath stopped, DPDK EAL
  // cleaned up. Returns the process exit status (0, or 1 when the loop
  // failed).
  int run();

  // Orderly stop from the loop's thread, as SIGTERM does; `reason` is logged.
  void stop(std::string_view reason);

  // Re-reads config().source with the loader used at start, on the loop's
  // thread, as SIGHUP and `config.reload` do. An invalid file changes
  // nothing (every error is logged); a valid one is applied as
  // config_reload.hpp describes, and each changed key that needs a restart
  // is logged and keeps its running value. `trigger` is logged.
  ReloadOutcome reload(std::string_view trigger);

  [[nodiscard]] const Config& config() const noexcept { return config_; }

 private:
  void open_packet_io();
  void open_datapath();
  [[nodiscard]] datapath::DatapathSettings datapath_settings() const;
  void watch_datapath_links();
  void start_role();
  void start_election();
  void register_cluster_command();
  void take_over(bool from_mirror);
  void start_control_server();
  void start_metrics();
  void wait_for_signal();
  void on_signal(int signal_number);
  // Closes everything in dependency order; idempotent.
  void shut_down();

  boost::asio::io_context io_;
  // The roles hold references into it for the daemon's life: a reload
  // changes it in place (apply_reload), never replaces it.
  Config config_;
  std::optional<LogLevel> command_line_log_level_;
  // stderr in one write per turn of the loop, unless a sink was given.
  std::unique_ptr<BatchedLogWriter> log_writer_;
  Logger log_;
  AsioScheduler scheduler_;
  boost::asio::signal_set signals_;
  // Exactly one backend is open; packet_io_/fib_ point at it.
  std::unique_ptr<PacketSocketIo> socket_io_;
  RecordingForwardingTable recording_fib_;
  std::unique_ptr<datapath::Datapath> datapath_;
  // Reads the datapath ports' link state once a second; logs changes.
  std::unique_ptr<boost::asio::steady_timer> link_timer_;
  std::array<std::optional<bool>, 2> link_up_{};
  bool owns_eal_ = false;  // this daemon initialised the EAL: it cleans it up
  std::unique_ptr<datapath::DpdkPacketIo> dpdk_io_;
  std::unique_ptr<datapath::DpdkForwardingTable> dpdk_fib_;
  PacketIo* packet_io_ = nullptr;
  ForwardingTable* fib_ = nullptr;
  // What the data plane holds, for binding.list.
  const RecordingForwardingTable* programmed_ = nullptr;
  std::unique_ptr<BindingStore> store_;
  std::unique_ptr<ha::HomeAgent> home_agent_;
  std::unique_ptr<etcd::LeaderElection> election_;  // [home_agent] leader_election
  std::unique_ptr<etcd::StandbyFollower> follower_;
  std::unique_ptr<host::HostAgent> host_agent_;
  control::CommandRegistry commands_;
  std::unique_ptr<control::ControlServer> control_server_;
  std::unique_ptr<MetricsListener> metrics_;
  bool started_ = false;  // the constructor finished: shut_down() logs its steps
  bool stop_requested_ = false;
  bool shut_down_ = false;
  int exit_status_ = 0;
};

}  // namespace roam6::mip6d::daemon
