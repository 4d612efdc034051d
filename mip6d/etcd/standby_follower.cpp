#include "mip6d/etcd/standby_follower.hpp"

#include <algorithm>

#include "mip6d/etcd/etcd_codec.hpp"
#include "mip6d/etcd/read_prefix.hpp"

namespace roam6::mip6d::etcd {

StandbyFollower::StandbyFollower(boost::asio::io_context& io, const EtcdSettings& settings, Scheduler& scheduler,
                                 const Logger& log)
    : io_(io),
      settings_(settings),
      under_(settings.prefix + "/"),
      leader_key_(to_base64(settings.prefix + "/leader")),
      scheduler_(scheduler),
      log_(log),
      client_(settings.endpoints, std::max(settings.timeout, full_read_timeout)),
      mirror_(settings.prefix),
      retry_timer_(scheduler.make_timer([this] { resync(); })),
      patience_timer_(scheduler.make_timer([this] {
        if (!waiter_) return;
        auto done = std::move(waiter_->done);
        waiter_.reset();
        done(false);
      })) {}

StandbyFollower::~StandbyFollower() { stop(); }

void StandbyFollower::start() {
  stopped_ = false;
  resync();
}

void StandbyFollower::stop() {
  stopped_ = true;
  following_ = false;
  if (watch_) watch_->stop();
  retry_timer_->cancel();
}

void StandbyFollower::resync() {
  if (stopped_) return;
  following_ = false;
  if (watch_) watch_->stop();
  try {
    mirror_.clear(0);
    const std::int64_t revision =
        read_prefix(client_, under_, [&](const std::string& key, const std::string& value) { mirror_.set(key, value); });
    mirror_.read_at(revision);
  } catch (const EtcdError& e) {
    LogRecord(log_, LogLevel::warning, "standby_read_failed").kv("error", e.what());
    retry_timer_->arm_at(scheduler_.now() + retry_interval);
    return;
  }
  // The member the full read went to last, for the watch too.
  endpoint_ = 0;
  for (std::size_t i = 0; i < settings_.endpoints.size(); ++i)
    if (settings_.endpoints[i] == client_.endpoint()) endpoint_ = i;
  watch_ = std::make_unique<EtcdWatch>(io_, settings_.endpoints[endpoint_], settings_.timeout);
  watch_->start(under_, prefix_range_end(under_), mirror_.revision() + 1,
                [this](const nlohmann::json& r) { on_result(r); }, [this](const std::string& why) { on_end(why); });
  following_ = true;
  LogRecord(log_, LogLevel::info, "standby_following")
      .kv("records", mirror_.size())
      .kv("revision", mirror_.revision())
      .kv("etcd", settings_.endpoints[endpoint_]);
  check_waiter();
}

void StandbyFollower::on_result(const nlohmann::json& result) {
  if (mirror_.apply(result) == BindingMirror::Outcome::start_over) {
    LogRecord(log_, LogLevel::warning, "standby_watch_restarted").kv("reason", "compacted_or_canceled");
    // Not from inside the watch's own callback: it is stopped by resync().
    retry_timer_->arm_at(scheduler_.now());
    return;
  }
  check_waiter();
  if (!leader_key_changed_) return;
  for (const nlohmann::json& event : result.value("events", nlohmann::json::array())) {
    const nlohmann::json& kv = event.value("kv", nlohmann::json::object());
    if (kv.value("key", "") != leader_key_) continue;
    leader_key_changed_(event.value("type", "PUT") == "DELETE" ? 0 : gateway_int64(kv.value("mod_revision", nlohmann::json(0))));
  }
}

void StandbyFollower::on_end(const std::string& why) {
  following_ = false;
  if (stopped_) return;
  LogRecord(log_, LogLevel::warning, "standby_watch_ended").kv("why", "\"" + why + "\"");
  retry_timer_->arm_at(scheduler_.now() + retry_interval);
}

void StandbyFollower::when_caught_up(std::int64_t revision, Duration patience, std::function<void(bool)> done) {
  waiter_ = Waiter{revision, std::move(done)};
  patience_timer_->arm_at(scheduler_.now() + patience);
  check_waiter();
}

void StandbyFollower::check_waiter() {
  if (!waiter_ || !following_ || mirror_.revision() < waiter_->revision) return;
  patience_timer_->cancel();
  auto done = std::move(waiter_->done);
  waiter_.reset();
  done(true);
}

}  // namespace roam6::mip6d::etcd
