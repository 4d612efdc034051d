#include "mip6d/daemon/daemon.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <exception>
#include <string>
#include <system_error>
#include <utility>

#include <boost/asio/post.hpp>

#include "datapath/dpdk/eal.hpp"
#include "mip6d/config/config_loader.hpp"
#include "mip6d/control/commands.hpp"
#include "mip6d/daemon/command_line.hpp"
#include "mip6d/daemon/control_commands.hpp"
#include "mip6d/daemon/stats_json.hpp"
#include "mip6d/daemon/stats_metrics.hpp"
#include "mip6d/daemon/version.hpp"
#include "mip6d/etcd/etcd_binding_store.hpp"
#include "mip6d/store/sqlite_binding_store.hpp"
#include "mip6d/etcd/etcd_binding_store.hpp"
#include "mip6d/store/store_error.hpp"

namespace roam6::mip6d::daemon {
namespace {

std::string join_endpoints(const std::vector<std::string>& endpoints) {
  std::string out;
  for (const auto& e : endpoints) out += (out.empty() ? "" : ",") + e;
  return out;
}

std::string_view signal_name(int signal_number) {
  switch (signal_number) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    default: return "signal";
  }
}

std::string_view port_name(Port port) { return port == Port::uplink ? "uplink" : "guests"; }

// A log value as one token: quoted when it holds a space (or is empty).
std::string token(const std::string& text) {
  if (!text.empty() && text.find(' ') == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? '\'' : c;
  return out + "\"";
}

// Which of `candidates` (key path, the value that key holds) a start-up
// failure is about: the first whose value the message quotes.
std::string key_named_in(const std::string& message,
                         std::initializer_list<std::pair<std::string_view, std::string>> candidates,
                         std::string_view fallback) {
  for (const auto& [key, value] : candidates) {
    if (!value.empty() && message.find("'" + value + "'") != std::string::npos) return std::string(key);
  }
  return std::string(fallback);
}

}  // namespace

Daemon::Daemon(Config config, Logger::Sink sink, std::optional<LogLevel> command_line_log_level)
    : config_(std::move(config)),
      command_line_log_level_(command_line_log_level),
      log_writer_(sink ? nullptr
                       : std::make_unique<BatchedLogWriter>(
                             [this](std::function<void()> flush) { boost::asio::post(io_, std::move(flush)); })),
      log_(command_line_log_level.value_or(config_.log_level), sink ? std::move(sink) : log_writer_->sink()),
      scheduler_(io_),
      signals_(io_) {
  // Signals first: a SIGTERM that arrives while the store is being restored
  // is then queued for the loop instead of killing the process half-way.
  signals_.add(SIGTERM);
  signals_.add(SIGINT);
  signals_.add(SIGHUP);

  // The control socket is bound first: it is the cheapest thing to find
  // taken, and failing on it then leaves no trace of a half-started role in
  // the log. Nobody is answered before run(), by which time every command
  // is registered, so a daemon that answers is a ready one.
  // The metrics listener next, for the same reason.
  try {
    start_control_server();
    start_metrics();
    if (config_.datapath) {
      open_datapath();
    } else {
      open_packet_io();
    }
    start_role();
    register_common_commands(commands_, config_);
    commands_.add(std::string(control::command::config_reload),
                  [this](const nlohmann::json& args) -> nlohmann::json {
                    control::parse_no_args(args);
                    return reload_outcome_json(reload("config.reload"));
                  });
  } catch (const StartupError&) {
    shut_down();
    throw;
  } catch (const std::exception& e) {
    shut_down();
    throw StartupError("cannot start the " + std::string(to_string(config_.role)) + ": " +
                       e.what());
  }
  wait_for_signal();
  started_ = true;

  const std::string& uplink =
      config_.datapath ? config_.datapath->uplink : config_.interfaces.uplink;
  const std::string& guests =
      config_.datapath ? config_.datapath->guests : config_.interfaces.guests;
  LogRecord(log_, LogLevel::info, "started")
      .kv("version", daemon_version())
      .kv("role", to_string(config_.role))
      .kv("node", config_.node_name)
      .kv("uplink", uplink)
      .kv("guests", guests.empty() ? "-" : guests)
      .kv("control_socket", config_.control_socket)
      .kv("metrics", config_.metrics ? config_.metrics->listen : "-")
      .kv("log_level", to_string(command_line_log_level_.value_or(config_.log_level)))
      .kv("backend", config_.datapath ? "dpdk" : "packet-socket");
}

Daemon::~Daemon() { shut_down(); }

void Daemon::open_packet_io() {
  PacketSocketInterfaces interfaces{config_.interfaces.uplink,
                                    config_.role == Role::host ? config_.interfaces.guests : ""};
  try {
    socket_io_ = std::make_unique<PacketSocketIo>(io_, interfaces);
    packet_io_ = socket_io_.get();
    fib_ = &recording_fib_;
    programmed_ = &recording_fib_;
  } catch (const std::exception& e) {
    // PacketSocketIo names the interface; say which key holds it.
    const std::string key = key_named_in(
        e.what(), {{"interfaces.uplink", interfaces.uplink}, {"interfaces.guests", interfaces.guests}},
        "interfaces");
    throw StartupError(config_.locate(key) + ": cannot open the packet sockets (interfaces: uplink " +
                       interfaces.uplink +
                       (interfaces.guests.empty() ? "" : ", guests " + interfaces.guests) +
                       "): " + e.what());
  }
}

datapath::DatapathSettings Daemon::datapath_settings() const {
  const DatapathConfig& dp = *config_.datapath;
  datapath::DatapathSettings s;
  s.role = config_.role == Role::home_agent ? datapath::DatapathRole::home_agent
                                            : datapath::DatapathRole::host;
  s.uplink_device = dp.uplink;
  s.guests_device = dp.guests;
  s.workers = dp.workers;
  s.mtu = dp.uplink_mtu;
  s.mbufs = dp.mbufs;
  s.punt_ring = dp.punt_ring;
  s.inject_ring = dp.inject_ring;
  s.poll.mode = dp.poll == PollMode::adaptive ? datapath::PollMode::adaptive
                                              : datapath::PollMode::busy;
  s.poll.sleep_us = dp.adaptive_sleep_us;
  s.table.max_tunnels = config_.role == Role::home_agent ? dp.max_bindings : 1;
  s.table.max_guests = config_.role == Role::host ? dp.max_bindings : 1;
  // SLAAC guests use further addresses of their home prefix (host.max_guest_addresses each).
  s.table.max_other_home_addresses = config_.role == Role::host ? dp.max_bindings : 0;
  // A Home Agent's bindings (up to a million) outgrow the caches, and
  // counting a packet in place costs its forwarding core a random DRAM
  // line; the traffic logs move that line to this thread. A host's few
  // guests keep their counters in cache, where the logs' cross-core lines
  // cost more than they save (docs/benchmarks.md).
  // A host's per-guest state (resume marks, read until mip6d marks the
  // guest resumed) sits in the line of each core's counters for the guest:
  // one line a packet, not two.
  if (config_.role == Role::host) {
    s.table.traffic_log_entries = 0;
    s.table.reader_state = true;
  }
  // One setting for every ICMPv6 error the datapath sends (a bucket per
  // type, docs/configuration.md); the keys keep their first name.
  const datapath::IcmpErrorSettings icmp_errors{dp.packet_too_big_per_second,
                                                dp.packet_too_big_burst};
  if (config_.role == Role::host) {
    // Checked by the loader: the host's site exists.
    const Site& site = *config_.find_site(config_.host->site);
    s.host.care_of_address = config_.host->care_of_address;
    s.host.next_hop_mac = site.router_mac;
    s.host.uplink_mtu = dp.uplink_mtu;
    s.host.icmp_errors = icmp_errors;
    s.host.hold = datapath::HoldSettings{dp.hold_packets, dp.hold_guests, dp.hold_timeout_ms};
    s.host.report_unknown_sources = config_.host && config_.host->learned_addresses > 0;
  } else {
    const Ip6Addr& address = config_.home_agent->address;
    const Site* home = config_.find_site_containing(address);
    if (home == nullptr) {
      throw StartupError(config_.locate("home_agent.address") +
                         ": cannot start the datapath: the Home Agent address " +
                         address.to_string() +
                         " is in no [[sites]] prefix, so the home router's MAC is unknown");
    }
    s.home_agent.address = address;
    s.home_agent.router_mac = home->router_mac;
    s.home_agent.mtu = dp.uplink_mtu;
    s.home_agent.home_prefixes = config_.home_agent->home_prefixes;
    s.home_agent.icmp_errors = icmp_errors;
  }
  return s;
}

void Daemon::open_datapath() {
  const DatapathConfig& dp = *config_.datapath;
  try {
    try {
      owns_eal_ = datapath::ensure_eal(dp.eal_args);
    } catch (const datapath::EalError& e) {
      throw StartupError(config_.locate("datapath.eal_args") + ": " + e.what());
    }
    datapath_ = std::make_unique<datapath::Datapath>(datapath_settings());
    dpdk_io_ = std::make_unique<datapath::DpdkPacketIo>(io_, *datapath_);
    dpdk_fib_ = std::make_unique<datapath::DpdkForwardingTable>(datapath_->table(), scheduler_, log_);
    dpdk_fib_->set_limits(datapath_->settings().table.max_tunnels,
                          datapath_->settings().table.max_guests);
  } catch (const StartupError&) {
    throw;
  } catch (const std::exception& e) {
    dpdk_fib_.reset();
    dpdk_io_.reset();
    datapath_.reset();
    // The datapath names the device string, which is the key's value.
    const std::string key = key_named_in(
        e.what(), {{"datapath.guests", dp.guests}, {"datapath.uplink", dp.uplink}}, "datapath");
    throw StartupError(config_.locate(key) + ": cannot open the DPDK datapath (uplink " + dp.uplink +
                       (dp.guests.empty() ? "" : ", guests " + dp.guests) + "): " + e.what());
  }
  packet_io_ = dpdk_io_.get();
  fib_ = dpdk_fib_.get();
  programmed_ = &dpdk_fib_->programmed();
  LogRecord(log_, LogLevel::info, "datapath_started")
      .kv("workers", datapath_->worker_count())
      // Fewer run when the EAL has fewer worker lcores or a port fewer queues.
      .kv("workers_wanted", dp.workers)
      .kv("poll", to_string(dp.poll))
      .kv("uplink_mac", datapath_->mac(datapath::DatapathPort::uplink))
      .kv("mtu", dp.uplink_mtu);
  link_timer_ = std::make_unique<boost::asio::steady_timer>(io_);
  watch_datapath_links();
}

void Daemon::watch_datapath_links() {
  for (const auto port : {datapath::DatapathPort::uplink, datapath::DatapathPort::guests}) {
    if (!datapath_->has_port(port)) continue;
    const bool up = datapath_->link_up(port);
    auto& known = link_up_[port == datapath::DatapathPort::uplink ? 0 : 1];
    if (known != up) {
      LogRecord(log_, known ? LogLevel::warning : LogLevel::info, "datapath_link")
          .kv("port", port == datapath::DatapathPort::uplink ? "uplink" : "guests")
          .kv("state", up ? "up" : "down");
      known = up;
    }
  }
  link_timer_->expires_after(std::chrono::seconds(1));
  link_timer_->async_wait([this](const boost::system::error_code& error) {
    if (!error && datapath_) watch_datapath_links();
  });
}

namespace {

BindingTraffic to_traffic(const datapath::BindingCounters& c) {
  return {c.encapsulated_packets, c.encapsulated_bytes, c.decapsulated_packets,
          c.decapsulated_bytes};
}

}  // namespace

void Daemon::start_role() {
  BindingTrafficLookup traffic;
  if (datapath_) {
    datapath::BindingTable& table = datapath_->table();
    traffic.tunnel = [&table](const Ip6Addr& hoa) -> std::optional<BindingTraffic> {
      const auto counters = table.tunnel_counters(hoa);
      if (!counters) return std::nullopt;
      return to_traffic(*counters);
    };
    traffic.guest = [&table](const MacAddr& mac) -> std::optional<BindingTraffic> {
      const auto counters = table.guest_counters(mac);
      if (!counters) return std::nullopt;
      return to_traffic(*counters);
    };
  }
  const auto extend_stats = [this](nlohmann::json& stats) {
    for (const Port port : {Port::uplink, Port::guests}) {
      if (socket_io_ && socket_io_->has_port(port)) {
        stats["ports"][std::string(port_name(port))] = port_stats_json(socket_io_->counters(port));
      }
      if (dpdk_io_ && dpdk_io_->has_port(port)) {
        stats["ports"][std::string(port_name(port))] = port_stats_json(dpdk_io_->counters(port));
      }
    }
    if (datapath_) {
      stats["datapath"] = datapath_stats_json(datapath_->stats(), dpdk_fib_->counters(),
                                              datapath_->table().tunnel_count(),
                                              datapath_->table().guest_count());
    }
    stats["control"] = {{"connections", control_server_ ? control_server_->connection_count() : 0}};
  };

  if (config_.role == Role::home_agent) {
    const HomeAgentConfig& ha = *config_.home_agent;
    const bool etcd = ha.store == StoreKind::etcd;
    const std::string store_key = etcd ? "home_agent.etcd_endpoints" : "home_agent.database";
    const std::string store_name = etcd ? "etcd at " + join_endpoints(ha.etcd.endpoints) + " under " + ha.etcd.prefix
                                        : ha.database;
    try {
      if (etcd) {
        store_ = std::make_unique<etcd::EtcdBindingStore>(ha.etcd);
      } else {
        store_ = std::make_unique<SqliteBindingStore>(ha.database, ha.durable_sync);
      }
    } catch (const StoreError& e) {
      throw StartupError(config_.locate(store_key) + ": cannot open the binding store " + store_name + " (" +
                         std::string(to_string(e.kind())) + "): " + e.what());
    }
    home_agent_ = std::make_unique<ha::HomeAgent>(config_, scheduler_, *packet_io_, *fib_, *store_, log_);
    if (etcd && ha.leader_election) {
      start_election();
    } else {
      try {
        home_agent_->start();
      } catch (const StoreError& e) {
        throw StartupError(config_.locate(store_key) + ": cannot restore the bindings from " + store_name + " (" +
                           std::string(to_string(e.kind())) + "): " + e.what());
      }
    }
    register_home_agent_commands(commands_, *home_agent_, config_, programmed_, extend_stats,
                                 traffic);
    register_cluster_command();
  } else {
    host_agent_ = std::make_unique<host::HostAgent>(config_, scheduler_, *packet_io_, *fib_, log_);
    host_agent_->start();
    register_host_commands(commands_, *host_agent_, scheduler_, extend_stats, traffic);
  }
}

// Standing by until elected: the Home Agent then reads every binding from
// etcd, starts serving and announces the takeover. Losing the lease ends
// the process (exit status 75): a supervisor restarts it as a standby.
void Daemon::start_election() {
  const HomeAgentConfig& ha = *config_.home_agent;
  etcd::LeaderElection::Callbacks callbacks;
  // The standby's copy of the bindings, kept by a watch: what the takeover
  // starts from, once it holds everything up to the winning transaction.
  follower_ = std::make_unique<etcd::StandbyFollower>(io_, ha.etcd, scheduler_, log_);
  callbacks.elected = [this] {
    const auto patience = std::max<Duration>(std::chrono::seconds(1), config_.home_agent->leader_lease_ttl);
    follower_->when_caught_up(election_->won_revision(), patience, [this](bool caught_up) {
      boost::asio::post(io_, [this, caught_up] { take_over(caught_up); });
    });
  };
  callbacks.deposed = [this](std::string_view) {
    exit_status_ = exit_deposed;
    stop("leadership lost");
  };
  // Ready to take over: the copy of the bindings is current.
  callbacks.ready = [this] { return follower_ && follower_->following(); };
  etcd::LeaderElection::Policy policy;
  policy.ttl = ha.leader_lease_ttl;
  policy.priority = ha.leader_priority;
  policy.preempt = ha.leader_preempt;
  election_ = std::make_unique<etcd::LeaderElection>(ha.etcd, config_.node_name,
                                                     config_.node_name + " " + ha.address.to_string(), policy,
                                                     scheduler_, log_, std::move(callbacks));
  home_agent_->set_fence([this] { return election_->leading(); });
  // The leader's heartbeats and its key's deletion, as the watch sees them:
  // a standby takes over a TTL after the last heartbeat, or as soon as the
  // key is gone, not at its next tick. (Posted: a campaign blocks, and the
  // watch's callback is no place for that.)
  follower_->on_leader_key([this](std::int64_t mod_revision) {
    boost::asio::post(io_, [this, mod_revision] {
      if (election_) election_->leader_key_changed(mod_revision);
    });
  });
  follower_->start();
  election_->start();
}

void Daemon::take_over(bool from_mirror) {
  auto* store = dynamic_cast<etcd::EtcdBindingStore*>(store_.get());
  if (store == nullptr || !election_ || !election_->leading()) return;  // lost it meanwhile: the stop follows
  if (from_mirror) store->use_mirror(&follower_->mirror());
  store->guard_with(election_->key(), election_->lease());
  try {
    home_agent_->start();
    store->use_mirror(nullptr);
    follower_->stop();
    LogRecord(log_, LogLevel::info, "takeover_read").kv("from", from_mirror ? "mirror" : "etcd");
    home_agent_->announce_takeover();
  } catch (const StoreError& e) {
    store->use_mirror(nullptr);
    LogRecord(log_, LogLevel::error, "takeover_failed").kv("error", e.what());
    exit_status_ = exit_deposed;
    stop("takeover failed");
  }
}

// `mip6ctl cluster`: this Home Agent's part in a cluster, and every member
// etcd knows of (asked when the command runs).
void Daemon::register_cluster_command() {
  commands_.add(std::string(control::command::cluster), [this](const nlohmann::json& args) -> nlohmann::json {
    control::parse_no_args(args);
    const HomeAgentConfig& ha = *config_.home_agent;
    nlohmann::json out = {{"store", ha.store == StoreKind::etcd ? "etcd" : "sqlite"}, {"leader_election", election_ != nullptr}};
    if (ha.store == StoreKind::etcd) out["etcd_prefix"] = ha.etcd.prefix;
    if (!election_) return out;
    const etcd::LeaderElection::View view = election_->view();
    out["state"] = std::string(etcd::name(election_->state()));
    out["leading"] = election_->leading();
    out["lease_ttl"] = election_->ttl().count();
    out["lease_left_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(election_->lease_left()).count();
    out["etcd_endpoint"] = election_->endpoint();
    out["etcd"] = view.etcd_error.empty() ? "reachable" : "unreachable: " + view.etcd_error;
    out["leader"] = view.etcd_error.empty() ? view.leader : election_->leader();
    out["priority"] = election_->priority();
    out["preempt"] = ha.leader_preempt;
    out["preferred"] = view.preferred;
    nlohmann::json members = nlohmann::json::array();
    for (const auto& m : view.members)
      members.push_back({{"name", m.record.name}, {"identity", m.record.identity},
                         {"leader", m.record.identity == view.leader}, {"priority", m.record.priority},
                         {"ready", m.record.ready}, {"lease_left_s", m.lease_left_s}});
    out["members"] = std::move(members);
    return out;
  });
}

void Daemon::start_control_server() {
  control_server_ = std::make_unique<control::ControlServer>(
      io_, config_.control_socket, commands_, [this](const std::string& message) {
        LogRecord(log_, LogLevel::warning, "control_socket").kv("message", message);
      });
  try {
    control_server_->start();
  } catch (const std::exception& e) {
    control_server_.reset();
    throw StartupError(config_.locate("control_socket") + ": cannot open the control socket: " +
                       e.what());
  }
}

void Daemon::start_metrics() {
  if (!config_.metrics) return;
  // Runs on the loop for each scrape: the very tree `mip6ctl stats` shows.
  auto snapshot = [this] {
    return stats_to_metrics(commands_.handle(control::command::stats, nlohmann::json::object()));
  };
  MetricsListener::InfoLabels info{{"version", std::string(daemon_version())},
                                   {"role", std::string(to_string(config_.role))},
                                   {"node", config_.node_name}};
  try {
    metrics_ = std::make_unique<MetricsListener>(io_, config_.metrics->listen, std::move(snapshot),
                                                 std::move(info));
  } catch (const std::exception& e) {
    throw StartupError(config_.locate("metrics.listen") + ": cannot listen for Prometheus scrapes on " +
                       e.what());
  }
}

void Daemon::wait_for_signal() {
  signals_.async_wait([this](const boost::system::error_code& error, int signal_number) {
    if (error) return;  // cancelled: we are stopping
    on_signal(signal_number);
  });
}

void Daemon::on_signal(int signal_number) {
  if (signal_number == SIGHUP) {
    try {
      reload(signal_name(signal_number));
    } catch (const std::exception& e) {
      LogRecord(log_, LogLevel::error, "config_reload_failed").kv("error", token(e.what()));
    }
    wait_for_signal();
    return;
  }
  stop(signal_name(signal_number));
}

ReloadOutcome Daemon::reload(std::string_view trigger) {
  LogRecord(log_, LogLevel::info, "config_reload").kv("trigger", trigger).kv("file", token(config_.source));
  ReloadOutcome outcome;
  auto loaded = load_config_file(config_.source);
  if (!loaded) {
    outcome.status = ReloadOutcome::Status::rejected;
    for (const ConfigError& error : loaded.errors()) {
      outcome.errors.push_back(error.to_string());
      LogRecord(log_, LogLevel::error, "config_error").kv("error", token(error.to_string()));
    }
    LogRecord(log_, LogLevel::error, "config_reload_rejected")
        .kv("file", token(config_.source))
        .kv("errors", outcome.errors.size())
        .kv("action", "kept_running_configuration");
    return outcome;
  }
  Config next = std::move(loaded).config();
  if (command_line_log_level_) next.log_level = *command_line_log_level_;
  outcome.plan = plan_reload(config_, next);

  // The acknowledgements already queued are signed with the keys that
  // verified their BUs, and committed first; then the configuration changes
  // under the roles' references, and they rebuild what they derived from it.
  if (home_agent_) home_agent_->finish_pending();
  apply_reload(config_, next, outcome.plan);
  if (home_agent_) home_agent_->reconfigure(config_);
  if (host_agent_) host_agent_->reconfigure(config_);
  log_.set_threshold(config_.log_level);

  for (const ConfigChange& change : outcome.plan.applied) {
    LogRecord(log_, LogLevel::info, "config_applied")
        .kv("key", change.key)
        .kv("from", token(change.running))
        .kv("to", token(change.file));
  }
  for (const ConfigChange& change : outcome.plan.needs_restart) {
    LogRecord(log_, LogLevel::warning, "config_needs_restart")
        .kv("key", change.key)
        .kv("at", token(change.location))
        .kv("running", token(change.running))
        .kv("file", token(change.file))
        .kv("reason", token(change.reason))
        .kv("action", "kept_running_value");
  }
  LogRecord(log_, LogLevel::info, "config_reloaded")
      .kv("file", token(config_.source))
      .kv("applied", outcome.plan.applied.size())
      .kv("needs_restart", outcome.plan.needs_restart.size());
  return outcome;
}

void Daemon::stop(std::string_view reason) {
  if (stop_requested_) return;
  stop_requested_ = true;
  LogRecord(log_, LogLevel::info, "stopping").kv("reason", reason);
  // No scrape waits for the loop any longer, no new requests; then let the work already queued on the loop (the Home
  // Agent's posted store commit and the BAs behind it) run before the loop
  // ends: io_context runs posted handlers in order.
  if (metrics_) metrics_->close();
  if (control_server_) control_server_->stop();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  boost::asio::post(io_, [this] { io_.stop(); });
}

int Daemon::run() {
  try {
    io_.run();
  } catch (const std::exception& e) {
    // Handlers are meant to contain their failures; one that escapes leaves
    // the control plane in an unknown state, so stop rather than go on.
    LogRecord(log_, LogLevel::error, "fatal").kv("error", e.what());
    exit_status_ = 1;
  }
  shut_down();
  LogRecord(log_, LogLevel::info, "stopped").kv("exit_status", exit_status_);
  return exit_status_;
}

void Daemon::shut_down() {
  // Also after a failed start, quietly then: the one line of the
  // StartupError is all the operator should have to read.
  if (shut_down_) return;
  shut_down_ = true;
  // The HTTP thread first: nothing may ask the loop for a snapshot now.
  metrics_.reset();
  if (control_server_) control_server_->stop();
  control_server_.reset();
  // A batch the loop had no turn left to commit (BUs taken after the stop
  // was posted) is committed now and its BAs sent, while the ports are
  // still open: nothing is left half-done in the store, and no BA goes out
  // for a change that is not durable.
  if (home_agent_) {
    home_agent_->finish_pending();
    if (started_) LogRecord(log_, LogLevel::info, "store_batch_finished");
  }
  // Then the lease goes, so that a standby takes over at once.
  if (election_) election_->resign();
  election_.reset();
  follower_.reset();
  // The agents go before what they use; the store last, so that its
  // destructor (which rolls back a batch still open) runs after the Home
  // Agent can no longer write.
  host_agent_.reset();
  home_agent_.reset();
  if (store_) {
    store_.reset();
    if (started_) {
      const HomeAgentConfig& ha = *config_.home_agent;
      if (ha.store == StoreKind::etcd) {
        LogRecord(log_, LogLevel::info, "store_closed").kv("etcd", join_endpoints(ha.etcd.endpoints));
      } else {
        LogRecord(log_, LogLevel::info, "store_closed").kv("database", ha.database);
      }
    }
  }
  // The packet I/O and forwarding table before the datapath they use; the
  // datapath stops its cores before it closes its ports.
  packet_io_ = nullptr;
  fib_ = nullptr;
  socket_io_.reset();
  link_timer_.reset();
  dpdk_io_.reset();
  dpdk_fib_.reset();
  if (datapath_) {
    datapath_.reset();
    if (started_) LogRecord(log_, LogLevel::info, "datapath_stopped");
  }
  // Last: every port, pool and forwarding core is gone. Frees the EAL's
  // memory and its runtime directory (/var/run/dpdk/<file-prefix>).
  if (owns_eal_) {
    owns_eal_ = false;
    try {
      datapath::cleanup_eal();
      if (started_) LogRecord(log_, LogLevel::info, "eal_cleaned_up");
    } catch (const std::exception& e) {
      LogRecord(log_, LogLevel::error, "eal_cleanup_failed").kv("error", token(e.what()));
    }
  }
}

}  // namespace roam6::mip6d::daemon
