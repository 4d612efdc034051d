#include "vswitch-plugin/ovsdb/port_monitor.hpp"

#include <algorithm>
#include <utility>

#include "vswitch-plugin/ovsdb/json_rpc_connection.hpp"
#include "vswitch-plugin/ovsdb/port_changes.hpp"

namespace roam6::vswitch::ovsdb {

using Json = nlohmann::json;
using mip6d::LogLevel;
using mip6d::LogRecord;

namespace {

// The <json-value> that names our monitor in its notifications.
constexpr const char* monitor_id = "roam6-ports";

const char* method_of(bool cond) { return cond ? "monitor_cond" : "monitor"; }

std::string describe(const Json& error) { return error.is_string() ? error.get<std::string>() : error.dump(); }

}  // namespace

PortMonitor::PortMonitor(boost::asio::io_context& io, mip6d::Scheduler& scheduler, const mip6d::Logger& log,
                         PortMonitorConfig config, ChangeHandler on_changes)
    : io_(io),
      scheduler_(scheduler),
      log_(log),
      config_(std::move(config)),
      on_changes_(std::move(on_changes)),
      reconnect_timer_(scheduler_.make_timer([this] { connect(); })),
      probe_timer_(scheduler_.make_timer([this] { on_probe_timer(); })),
      next_delay_(config_.backoff_initial) {}

PortMonitor::~PortMonitor() { stop(); }

void PortMonitor::start() {
  if (running_) return;
  running_ = true;
  next_delay_ = config_.backoff_initial;
  connect();
}

void PortMonitor::stop() {
  running_ = false;
  reconnect_timer_->cancel();
  probe_timer_->cancel();
  if (connection_) connection_->close();
  connection_.reset();
  open_ = false;
  synced_ = false;
  replica_.clear();
}

void PortMonitor::connect() {
  if (!running_) return;
  JsonRpcConnection::Handlers handlers;
  handlers.on_open = [this] { on_open(); };
  handlers.on_notification = [this](const std::string& method, const Json& params) { on_notification(method, params); };
  handlers.on_echo_answered = [this] { ++counters_.echo_answered; };
  handlers.on_close = [this](const std::string& reason) { on_close(reason, open_); };
  connection_ = JsonRpcConnection::create(io_, config_.endpoint, config_.max_message_bytes, std::move(handlers));
  connection_->open();
}

void PortMonitor::on_open() {
  open_ = true;
  ++counters_.connects;
  LogRecord(log_, LogLevel::info, "ovsdb_connected").kv("endpoint", config_.endpoint.to_string());
  received_at_last_probe_ = 0;
  probe_outstanding_ = false;
  if (config_.probe_interval.count() > 0) probe_timer_->arm_at(scheduler_.now() + config_.probe_interval);
  request_monitor(Mode::monitor_cond);
}

void PortMonitor::on_probe_timer() {
  if (!open_ || !connection_) return;
  const auto received = connection_->messages_received();
  if (received != received_at_last_probe_) {
    received_at_last_probe_ = received;
    probe_outstanding_ = false;
  } else if (probe_outstanding_) {
    drop("no message from the server for " +
         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(2 * config_.probe_interval).count()) +
         " ms (echo unanswered)");
    return;
  } else {
    // RFC 7047 4.1.11: echo "can be used by both clients and servers to verify the liveness".
    probe_outstanding_ = true;
    ++counters_.probes_sent;
    connection_->call("echo", Json::array({"roam6-probe"}), [](const Json&, const Json&) {});
  }
  probe_timer_->arm_at(scheduler_.now() + config_.probe_interval);
}

Json PortMonitor::monitor_requests(Mode mode) const {
  Json requests = Json::object();
  for (const auto& table : monitored_tables()) {
    Json columns = Json::array();
    for (const auto& column : table.columns) columns.push_back(column.name);
    // monitor_cond takes an array of <monitor-cond-request>; plain monitor
    // (RFC 7047 4.1.5) is given the single-object form every server accepts.
    Json request = {{"columns", std::move(columns)}};
    requests[std::string(table.name)] = mode == Mode::monitor_cond ? Json::array({std::move(request)}) : request;
  }
  return requests;
}

void PortMonitor::request_monitor(Mode mode) {
  mode_ = mode;
  const bool cond = mode == Mode::monitor_cond;
  connection_->call(method_of(cond), Json::array({config_.database, monitor_id, monitor_requests(mode)}),
                    [this, mode](const Json& result, const Json& error) { on_monitor_reply(mode, result, error); });
}

void PortMonitor::on_monitor_reply(Mode mode, const Json& result, const Json& error) {
  if (!error.is_null()) {
    if (mode == Mode::monitor_cond) {
      // Servers before OVS 2.6 answer "unknown method"; any refusal is worth
      // one try with the RFC 7047 method before giving up on the session.
      ++counters_.monitor_fallbacks;
      LogRecord(log_, LogLevel::info, "ovsdb_monitor_fallback").kv("error", describe(error));
      request_monitor(Mode::monitor);
      return;
    }
    drop("monitor refused: " + describe(error));
    return;
  }
  replica_.clear();
  const auto problem = mode == Mode::monitor_cond ? replica_.apply_update2(result) : replica_.apply_update(result);
  if (!problem.empty()) {
    drop("unusable monitor reply: " + problem);
    return;
  }
  ++counters_.updates;
  synced_ = true;
  synced_at_ = scheduler_.now();
  LogRecord(log_, LogLevel::info, "ovsdb_synchronised")
      .kv("method", method_of(mode == Mode::monitor_cond))
      .kv("bridge", config_.bridge);
  publish();
}

void PortMonitor::on_notification(const std::string& method, const Json& params) {
  const bool ours = (mode_ == Mode::monitor_cond && method == "update2") || (mode_ == Mode::monitor && method == "update");
  if (!ours || !synced_) return;  // e.g. "locked"/"stolen": not about our monitor
  if (!params.is_array() || params.size() != 2 || params[0] != monitor_id) {
    drop(method + " notification with unexpected params");
    return;
  }
  const auto problem = mode_ == Mode::monitor_cond ? replica_.apply_update2(params[1]) : replica_.apply_update(params[1]);
  if (!problem.empty()) {
    // The replica may now be half-updated: only a fresh monitor restores it.
    drop("unusable " + method + ": " + problem);
    return;
  }
  ++counters_.updates;
  publish();
}

void PortMonitor::drop(const std::string& reason) {
  if (connection_) connection_->close();
  on_close(reason, open_);
}

void PortMonitor::on_close(const std::string& reason, bool was_open) {
  const bool was_healthy = synced_ && scheduler_.now() - synced_at_ >= config_.healthy_after;
  connection_.reset();
  probe_timer_->cancel();
  open_ = false;
  synced_ = false;
  replica_.clear();
  if (was_open) {
    ++counters_.disconnects;
    LogRecord(log_, LogLevel::warning, "ovsdb_disconnected")
        .kv("endpoint", config_.endpoint.to_string())
        .kv("reason", reason);
  } else {
    ++counters_.connect_failures;
    LogRecord(log_, counters_.connect_failures == 1 ? LogLevel::warning : LogLevel::debug, "ovsdb_connect_failed")
        .kv("reason", reason);
  }
  if (was_healthy) next_delay_ = config_.backoff_initial;
  schedule_reconnect();
}

void PortMonitor::schedule_reconnect() {
  if (!running_) return;
  const auto delay = next_delay_;
  next_delay_ = std::min(config_.backoff_max, next_delay_ * 2);
  LogRecord(log_, LogLevel::debug, "ovsdb_reconnect_scheduled")
      .kv("delay_ms", std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
  reconnect_timer_->arm_at(scheduler_.now() + delay);
}

void PortMonitor::publish() {
  auto view = read_bridge_ports(replica_, config_.bridge);

  std::map<std::string, std::string> skipped;
  for (auto& row : view.skipped) {
    const auto previous = skipped_.find(row.uuid);
    if (previous == skipped_.end() || previous->second != row.reason) {
      ++counters_.rows_skipped;
      LogRecord(log_, LogLevel::warning, "ovsdb_row_skipped")
          .kv("table", row.table)
          .kv("uuid", row.uuid)
          .kv("reason", row.reason);
    }
    skipped.emplace(std::move(row.uuid), std::move(row.reason));
  }
  skipped_ = std::move(skipped);

  auto changes = diff_ports(reported_, view.ports);
  if (changes.empty()) return;
  reported_ = std::move(view.ports);
  for (const auto& change : changes) {
    const auto& port = change.after ? *change.after : *change.before;
    LogRecord(log_, LogLevel::info, "ovsdb_port_change")
        .kv("change", to_string(change.kind))
        .kv("name", port.name)
        .kv("uuid", port.uuid)
        .kv("ofport", port.ofport ? std::to_string(*port.ofport) : std::string("none"));
  }
  if (on_changes_) on_changes_(changes);
}

}  // namespace roam6::vswitch::ovsdb
