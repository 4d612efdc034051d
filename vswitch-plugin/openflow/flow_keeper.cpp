#include "vswitch-plugin/openflow/flow_keeper.hpp"

#include <algorithm>
#include <iterator>

namespace roam6::vswitch {

using mip6d::LogLevel;
using mip6d::LogRecord;

std::string_view to_string(FlowState state) noexcept {
  switch (state) {
    case FlowState::none: return "none";
    case FlowState::pending: return "pending";
    case FlowState::installed: return "installed";
    case FlowState::failed: return "failed";
  }
  return "?";
}

FlowKeeper::FlowKeeper(mip6d::Scheduler& scheduler, const mip6d::Logger& log, FlowChannel& channel,
                       FlowKeeperOptions options)
    : scheduler_(scheduler), log_(log), channel_(channel), options_(options) {
  timer_ = scheduler_.make_timer([this] { tick(); });
}

FlowKeeper::~FlowKeeper() { *alive_ = false; }

void FlowKeeper::set_wanted(const BridgeState& state) {
  SteeringPlan plan = plan_steering(state);
  const bool first = !wanted_;
  const bool cookie_changed = wanted_ && wanted_->cookie != state.cookie;
  wanted_ = state;
  wanted_names_.clear();
  for (const auto& port : state.ports) wanted_names_.insert(port.name);

  // Counters of ports that left the wanted state go with them.
  std::erase_if(counters_, [&](const auto& entry) { return !wanted_names_.contains(entry.first.first); });
  if (!timer_->armed()) arm_tick();
  if (!first && !cookie_changed && plan == plan_) return;
  if (cookie_changed) on_switch_.reset();  // ours are now the new cookie's: replace them all

  for (const auto& excluded : plan.excluded) {
    const bool known = std::any_of(plan_.excluded.begin(), plan_.excluded.end(), [&](const ExcludedPort& e) {
      return e.name == excluded.name && e.reason == excluded.reason;
    });
    if (!known) {
      LogRecord(log_, LogLevel::warning, "flows_port_excluded").kv("port", excluded.name).kv("reason", excluded.reason);
    }
  }
  plan_ = std::move(plan);
  excluded_.clear();
  for (const auto& excluded : plan_.excluded) excluded_.emplace(excluded.name, excluded.reason);
  ++generation_;
  LogRecord(log_, LogLevel::info, "flows_planned")
      .kv("generation", generation_)
      .kv("flows", plan_.flows.size())
      .kv("ports", state.ports.size())
      .kv("datapath_ofport", state.datapath_ofport ? std::to_string(*state.datapath_ofport) : std::string("none"));
  // Installs are not delayed by a back-off of the previous plan's failure:
  // the new plan may be exactly what fixes it.
  retry_delay_ = std::chrono::milliseconds{0};
  install(first ? "first plan" : "plan changed");
}

void FlowKeeper::check_now() {
  if (!wanted_) return;
  if (retry_at_) {
    // Something changed on the link: the failed install may work now.
    install("retry after link event");
    return;
  }
  request_dump();
}

std::pair<FlowState, std::string> FlowKeeper::port_state(const std::string& port_name) const {
  if (!wanted_) return {FlowState::none, reason_};
  if (const auto excluded = excluded_.find(port_name); excluded != excluded_.end()) {
    return {FlowState::failed, "port excluded: " + excluded->second};
  }
  if (!wanted_names_.contains(port_name)) return {FlowState::none, "not a steered port"};
  if (!wanted_->datapath_ofport && state_ == FlowState::installed) {
    return {FlowState::pending, "datapath port has no ofport yet (all frames dropped)"};
  }
  return {state_, reason_};
}

std::map<std::string, PortDropCounters> FlowKeeper::drop_counters() const {
  std::map<std::string, PortDropCounters> result;
  if (!wanted_) return result;
  for (const auto& port : wanted_->ports) result[port.name];
  for (const auto& [key, track] : counters_) {
    auto& counters = result[key.first];
    const std::uint64_t total = track.base + track.last;
    if (key.second == DropReason::spoofed_mac) {
      counters.spoofed_mac = total;
    } else {
      counters.spoofed_source = total;
    }
  }
  return result;
}

PortDropCounters FlowKeeper::port_drops(const std::string& port_name) const {
  PortDropCounters counters;
  if (const auto it = counters_.find({port_name, DropReason::spoofed_mac}); it != counters_.end()) {
    counters.spoofed_mac = it->second.base + it->second.last;
  }
  if (const auto it = counters_.find({port_name, DropReason::spoofed_source}); it != counters_.end()) {
    counters.spoofed_source = it->second.base + it->second.last;
  }
  return counters;
}

void FlowKeeper::arm_tick() {
  // The check's own cost bounded: a dump that took d waits 9 d more.
  const auto interval = std::max<mip6d::Duration>(options_.check_interval, last_dump_took_ * 9);
  timer_->arm_at(scheduler_.now() + interval);
}

void FlowKeeper::tick() {
  arm_tick();
  if (!wanted_) return;
  if (retry_at_) {
    if (scheduler_.now() >= *retry_at_) install("retry");
    return;
  }
  request_dump();
}

void FlowKeeper::request_dump() {
  // A dump racing an install would describe the flows before it.
  if (install_in_flight_ || dump_in_flight_) return;
  dump_in_flight_ = true;
  dump_started_ = scheduler_.now();
  channel_.dump(wanted_->cookie, [this, alive = alive_, epoch = install_epoch_](
                                     ChannelStatus status, const std::vector<FlowRecord>& flows,
                                     const std::string& error) {
    if (!*alive) return;
    dump_in_flight_ = false;
    last_dump_took_ = scheduler_.now() - dump_started_;
    on_dumped(epoch, status, flows, error);
  });
}

void FlowKeeper::install(const std::string& why) {
  retry_at_.reset();
  ++install_epoch_;
  set_state(FlowState::pending, why);
  if (install_in_flight_) {
    resend_ = true;
    return;
  }
  send();
}

void FlowKeeper::send() {
  install_in_flight_ = true;
  sending_ = plan_.flows;
  std::vector<std::string> remove;
  std::vector<std::string> add;
  if (on_switch_) {
    std::vector<std::string> now = *on_switch_;
    std::vector<std::string> wanted = plan_.flows;
    std::sort(now.begin(), now.end());
    std::sort(wanted.begin(), wanted.end());
    std::set_difference(now.begin(), now.end(), wanted.begin(), wanted.end(), std::back_inserter(remove));
    std::set_difference(wanted.begin(), wanted.end(), now.begin(), now.end(), std::back_inserter(add));
  }
  auto done = [this, alive = alive_](bool whole) {
    return [this, alive, whole](ChannelStatus status, const std::string& error) {
      if (!*alive) return;
      install_in_flight_ = false;
      on_sent(whole, status, error);
    };
  };
  if (on_switch_ && remove.size() + add.size() < plan_.flows.size()) {
    channel_.update(wanted_->cookie, std::move(remove), std::move(add), done(false));
  } else {
    channel_.install(wanted_->cookie, plan_.flows, done(true));
  }
}

void FlowKeeper::on_sent(bool whole, ChannelStatus status, const std::string& error) {
  if (status == ChannelStatus::cancelled) return;
  if (status == ChannelStatus::ok) {
    on_switch_ = std::move(sending_);
    if (whole) {
      ++stats_.installs;
      flows_replaced();
    } else {
      ++stats_.updates;
    }
    retry_delay_ = std::chrono::milliseconds{0};
    LogRecord(log_, LogLevel::info, whole ? "flows_installed" : "flows_updated")
        .kv("generation", generation_)
        .kv("flows", on_switch_->size());
    if (resend_) {
      resend_ = false;
      send();
      return;
    }
    set_state(FlowState::installed, "");
    return;
  }
  // Failed (or superseded, which this keeper never causes): what the switch
  // holds is no longer known, and the next attempt sends the whole plan.
  on_switch_.reset();
  if (status == ChannelStatus::superseded) return;
  ++stats_.install_failures;
  if (resend_) {
    // A newer plan is waiting: it may be exactly what fixes this.
    resend_ = false;
    LogRecord(log_, LogLevel::warning, "flows_install_failed").kv("generation", generation_).kv("error", error);
    send();
    return;
  }
  retry_delay_ = retry_delay_.count() == 0 ? options_.check_interval
                                            : std::min(retry_delay_ * 2, options_.max_retry);
  retry_at_ = scheduler_.now() + retry_delay_;
  LogRecord(log_, LogLevel::warning, "flows_install_failed")
      .kv("generation", generation_)
      .kv("error", error)
      .kv("retry_ms", retry_delay_.count());
  set_state(FlowState::failed, "install failed: " + error);
}

void FlowKeeper::on_dumped(std::uint64_t epoch, ChannelStatus status, const std::vector<FlowRecord>& flows,
                           const std::string& error) {
  if (!wanted_ || epoch != install_epoch_ || install_in_flight_ || retry_at_) return;
  if (status != ChannelStatus::ok) {
    ++stats_.check_failures;
    if (state_ != FlowState::failed) {
      LogRecord(log_, LogLevel::warning, "flows_check_failed").kv("error", error);
    }
    set_state(FlowState::failed, "cannot read flows back: " + error);
    return;
  }
  ++stats_.checks;
  const bool canary = std::any_of(flows.begin(), flows.end(), [](const FlowRecord& flow) {
    return flow.table == table::canary && flow.priority == 0;
  });
  if (!canary || flows.size() != plan_.flows.size()) {
    ++stats_.flows_lost;
    const std::string why = !canary ? "canary flow missing (vswitchd restarted?)"
                                    : "found " + std::to_string(flows.size()) + " flows of ours, planned " +
                                          std::to_string(plan_.flows.size());
    LogRecord(log_, LogLevel::warning, "flows_lost").kv("reason", why).kv("found", flows.size());
    on_switch_.reset();
    install(why);
    return;
  }
  count_drops(flows);
  set_state(FlowState::installed, "");
}

void FlowKeeper::count_drops(const std::vector<FlowRecord>& flows) {
  std::map<std::uint32_t, const SteeredPort*> by_ofport;
  for (const auto& port : wanted_->ports) by_ofport[port.ofport] = &port;
  std::map<std::pair<std::string, DropReason>, std::uint64_t> now;
  for (const auto& flow : flows) {
    const auto reason = drop_reason_of(flow.table, flow.priority);
    if (!reason) continue;
    const auto in_port = match_field(flow.match, "in_port");
    if (!in_port) continue;
    std::uint32_t ofport = 0;
    try {
      ofport = static_cast<std::uint32_t>(std::stoul(*in_port));
    } catch (const std::exception&) {
      continue;
    }
    const auto port = by_ofport.find(ofport);
    if (port == by_ofport.end()) continue;
    now[{port->second->name, *reason}] += flow.n_packets;
  }
  for (const auto& [key, packets] : now) {
    auto& track = counters_[key];
    // Fewer than last time: the flows were replaced behind our back.
    if (packets < track.last) track.base += track.last;
    track.last = packets;
  }
}

void FlowKeeper::flows_replaced() {
  // New flows start at zero (OVS does not carry counters over a delete and
  // add, even in one bundle). Frames dropped since the last dump are lost.
  for (auto& [key, track] : counters_) {
    track.base += track.last;
    track.last = 0;
  }
}

void FlowKeeper::set_state(FlowState state, std::string reason) {
  if (state == state_ && reason == reason_) return;
  state_ = state;
  reason_ = std::move(reason);
  if (listener_) listener_(state_, reason_);
}

}  // namespace roam6::vswitch
