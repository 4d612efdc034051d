#pragma once
// roam6-vswitchd's view of the integration bridge: keeps a monitor on
// ovsdb-server (monitor_cond/update2, or monitor/update on servers without
// it) and tells its owner which VM ports appeared, changed or went away.
//
// The owner only ever sees differences against what it was told before: the
// monitor survives ovsdb-server restarts by reconnecting with back-off and
// resynchronising from scratch, and a reconnect that finds the bridge as it
// was reports nothing, while a port deleted while we were away is reported
// removed. Malformed rows are logged with their uuid (ovsdb_row_skipped),
// counted and treated as absent.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "mip6d/runtime/log.hpp"
#include "mip6d/runtime/scheduler.hpp"
#include "vswitch-plugin/ovsdb/bridge_ports.hpp"
#include "vswitch-plugin/ovsdb/endpoint.hpp"
#include "vswitch-plugin/ovsdb/replica.hpp"
#include "vswitch-plugin/ovsdb/vm_port.hpp"

namespace roam6::vswitch::ovsdb {

class JsonRpcConnection;

struct PortMonitorConfig {
  Endpoint endpoint;                        // e.g. Endpoint::parse("unix:/run/openvswitch/db.sock")
  std::string bridge = "br-int";            // the integration bridge whose ports we report
  std::string database = "Open_vSwitch";
  std::size_t max_message_bytes = 64 * 1024 * 1024;  // the initial reply of a big bridge stays well below
  mip6d::Duration backoff_initial = std::chrono::milliseconds(100);
  mip6d::Duration backoff_max = std::chrono::seconds(5);
  // A connection synchronised at least this long counts as healthy: the next
  // reconnect starts again from backoff_initial.
  mip6d::Duration healthy_after = std::chrono::seconds(5);
  // When the server has been silent this long we send it an echo, and drop
  // the session if it stays silent as long again: a half-open TCP session
  // (peer rebooted, cable pulled) shows no EOF. Zero disables.
  mip6d::Duration probe_interval = std::chrono::seconds(5);
};

struct PortMonitorCounters {
  std::uint64_t connects = 0;          // sessions opened
  std::uint64_t connect_failures = 0;  // attempts that never opened
  std::uint64_t disconnects = 0;       // opened sessions that ended (EOF, error, oversize, protocol)
  std::uint64_t monitor_fallbacks = 0; // monitor_cond refused, `monitor` used instead
  std::uint64_t updates = 0;           // monitor replies and update/update2 notifications applied
  std::uint64_t rows_skipped = 0;      // rows newly found malformed (or with a new reason)
  std::uint64_t echo_answered = 0;
  std::uint64_t probes_sent = 0;       // our echoes to a silent server
};

class PortMonitor {
 public:
  using ChangeHandler = std::function<void(const std::vector<PortChange>&)>;

  // Nothing happens before start(). `scheduler` (back-off timers) and `log`
  // must outlive the monitor. `on_changes` runs on the io_context thread with
  // a non-empty list; it may call stop() but must not destroy the monitor.
  PortMonitor(boost::asio::io_context& io, mip6d::Scheduler& scheduler, const mip6d::Logger& log,
              PortMonitorConfig config, ChangeHandler on_changes);
  ~PortMonitor();
  PortMonitor(const PortMonitor&) = delete;
  PortMonitor& operator=(const PortMonitor&) = delete;

  void start();
  // Closes the session and cancels reconnects; what was reported stays in ports().
  void stop();

  // True while a session is open and its monitor has been set up (the
  // replica is in sync with the server).
  [[nodiscard]] bool connected() const noexcept { return synced_; }
  [[nodiscard]] const PortMonitorCounters& counters() const noexcept { return counters_; }
  // The ports as last reported, keyed by Interface uuid.
  [[nodiscard]] const PortMap& ports() const noexcept { return reported_; }
  [[nodiscard]] const PortMonitorConfig& config() const noexcept { return config_; }

 private:
  enum class Mode { monitor_cond, monitor };

  void connect();
  void on_open();
  void request_monitor(Mode mode);
  void on_monitor_reply(Mode mode, const nlohmann::json& result, const nlohmann::json& error);
  void on_notification(const std::string& method, const nlohmann::json& params);
  void on_close(const std::string& reason, bool was_open);
  void drop(const std::string& reason);
  void schedule_reconnect();
  void on_probe_timer();
  void publish();
  nlohmann::json monitor_requests(Mode mode) const;

  boost::asio::io_context& io_;
  mip6d::Scheduler& scheduler_;
  const mip6d::Logger& log_;
  PortMonitorConfig config_;
  ChangeHandler on_changes_;
  std::unique_ptr<mip6d::Timer> reconnect_timer_;
  std::unique_ptr<mip6d::Timer> probe_timer_;
  std::uint64_t received_at_last_probe_ = 0;
  bool probe_outstanding_ = false;

  std::shared_ptr<JsonRpcConnection> connection_;
  bool running_ = false;
  bool open_ = false;
  bool synced_ = false;
  Mode mode_ = Mode::monitor_cond;
  mip6d::TimePoint synced_at_{};
  mip6d::Duration next_delay_;

  Replica replica_;
  PortMap reported_;
  std::map<std::string, std::string> skipped_;  // row uuid -> reason, as last logged
  PortMonitorCounters counters_;
};

}  // namespace roam6::vswitch::ovsdb
