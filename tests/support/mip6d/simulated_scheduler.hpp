#pragma once
// Scheduler with a simulated clock for tests and the in-memory network: time
// moves only when the test advances it, firing due timers in deadline order.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>

#include "mip6d/runtime/scheduler.hpp"

namespace roam6::mip6d {

class SimulatedScheduler final : public Scheduler {
 public:
  // Starts at an arbitrary, non-zero instant so code cannot rely on epoch 0.
  SimulatedScheduler();
  ~SimulatedScheduler() override;

  TimePoint now() const override { return now_; }
  WallTime wall_now() const override;
  std::unique_ptr<Timer> make_timer(std::function<void()> on_expiry) override;
  void post(std::function<void()> fn) override { posted_.push_back(std::move(fn)); }

  // Runs posted work, then fires every timer due up to now + d, in order,
  // advancing the clock to each deadline (and to now + d at the end).
  void advance(Duration d);
  // Runs posted work and timers due now, without moving the clock.
  void run_ready();
  // Jumps to the next deadline and fires it; false when nothing is armed.
  bool run_next();
  [[nodiscard]] std::size_t armed_timers() const { return queue_.size(); }
  [[nodiscard]] std::optional<TimePoint> next_deadline() const;
  // Moves only the wall clock (a host whose clock is off, for replay tests).
  void skew_wall_clock(Duration d) { wall_offset_ += d; }

 private:
  class SimTimer;
  friend class SimTimer;
  using Queue = std::multimap<std::pair<TimePoint, std::uint64_t>, SimTimer*>;

  void drain_posted();

  TimePoint now_;
  Duration wall_offset_{};
  std::uint64_t next_order_ = 0;
  Queue queue_;
  std::deque<std::function<void()>> posted_;
};

}  // namespace roam6::mip6d
