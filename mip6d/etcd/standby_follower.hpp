#pragma once
// Keeps a standby Home Agent's BindingMirror current (docs/cluster.md): a
// full read of the prefix, then an etcd watch from the next revision. When
// the watch ends (etcd gone, a compaction past what it needs, a canceled
// watch) it waits a second and does both again, so a gap is never silent.
//
// At a takeover the new leader waits until the mirror holds every change
// up to the revision of its own winning transaction: the watch covers the
// leader key too and delivers changes in order, so seeing that one means
// seeing everything the old leader wrote (it was fenced before its lease
// could lapse, and so before that transaction).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "mip6d/config/config.hpp"
#include "mip6d/etcd/binding_mirror.hpp"
#include "mip6d/etcd/etcd_client.hpp"
#include "mip6d/etcd/etcd_watch.hpp"
#include "mip6d/runtime/log.hpp"
#include "mip6d/runtime/scheduler.hpp"

namespace roam6::mip6d::etcd {

class StandbyFollower {
 public:
  static constexpr std::chrono::seconds retry_interval{1};

  StandbyFollower(boost::asio::io_context& io, const EtcdSettings& settings, Scheduler& scheduler,
                  const Logger& log);
  ~StandbyFollower();

  void start();
  void stop();
  // Called for each change of the leader key the watch sees, with its
  // mod_revision, or 0 when it is deleted: the election hears the leader's
  // heartbeats, and its lease going, as they happen (leader_election.hpp).
  void on_leader_key(std::function<void(std::int64_t mod_revision)> changed) { leader_key_changed_ = std::move(changed); }
  // `done(true)` once every change up to `revision` is in the mirror
  // (perhaps at once), `done(false)` if not within `patience`.
  void when_caught_up(std::int64_t revision, Duration patience, std::function<void(bool)> done);

  [[nodiscard]] const BindingMirror& mirror() const noexcept { return mirror_; }
  [[nodiscard]] bool following() const noexcept { return following_; }

 private:
  void resync();
  void on_result(const nlohmann::json& result);
  void on_end(const std::string& why);
  void check_waiter();

  boost::asio::io_context& io_;
  EtcdSettings settings_;
  std::string under_;       // P/
  std::string leader_key_;  // P/leader, base64 as the watch sends it
  std::function<void(std::int64_t)> leader_key_changed_;
  Scheduler& scheduler_;
  const Logger& log_;
  EtcdClient client_;
  std::unique_ptr<EtcdWatch> watch_;
  std::size_t endpoint_ = 0;
  BindingMirror mirror_;
  std::unique_ptr<Timer> retry_timer_;
  std::unique_ptr<Timer> patience_timer_;
  struct Waiter {
    std::int64_t revision;
    std::function<void(bool)> done;
  };
  std::optional<Waiter> waiter_;
  bool following_ = false;
  bool stopped_ = true;
};

}  // namespace roam6::mip6d::etcd
