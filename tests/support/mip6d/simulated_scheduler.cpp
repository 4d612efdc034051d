#include "tests/support/mip6d/simulated_scheduler.hpp"

namespace roam6::mip6d {

class SimulatedScheduler::SimTimer final : public Timer {
 public:
  SimTimer(SimulatedScheduler& owner, std::function<void()> on_expiry)
      : owner_(owner), on_expiry_(std::move(on_expiry)) {}
  ~SimTimer() override { cancel(); }

  void arm_at(TimePoint deadline) override {
    cancel();
    deadline_ = deadline;
    // Timers due at the same instant fire in the order they were armed.
    position_ = owner_.queue_.emplace(std::make_pair(deadline, owner_.next_order_++), this);
    armed_ = true;
  }
  void cancel() override {
    if (!armed_) return;
    owner_.queue_.erase(position_);
    armed_ = false;
  }
  bool armed() const override { return armed_; }
  TimePoint deadline() const override { return deadline_; }

  void fire() {
    armed_ = false;  // already removed from the queue by the scheduler
    on_expiry_();
  }

 private:
  SimulatedScheduler& owner_;
  std::function<void()> on_expiry_;
  Queue::iterator position_{};
  TimePoint deadline_{};
  bool armed_ = false;
};

SimulatedScheduler::SimulatedScheduler() : now_(TimePoint{} + std::chrono::hours(1000)) {}

SimulatedScheduler::~SimulatedScheduler() = default;

WallTime SimulatedScheduler::wall_now() const {
  // A fixed wall-clock origin (2026-01-01T00:00:00Z) plus simulated time.
  const WallTime origin{std::chrono::seconds(1767225600)};
  return origin + std::chrono::duration_cast<WallClock::duration>(
                      now_ - (TimePoint{} + std::chrono::hours(1000)) + wall_offset_);
}

std::unique_ptr<Timer> SimulatedScheduler::make_timer(std::function<void()> on_expiry) {
  return std::make_unique<SimTimer>(*this, std::move(on_expiry));
}

void SimulatedScheduler::drain_posted() {
  while (!posted_.empty()) {
    auto fn = std::move(posted_.front());
    posted_.pop_front();
    fn();
  }
}

std::optional<TimePoint> SimulatedScheduler::next_deadline() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.begin()->first.first;
}

void SimulatedScheduler::run_ready() {
  drain_posted();
  while (!queue_.empty() && queue_.begin()->first.first <= now_) {
    SimTimer* t = queue_.begin()->second;
    queue_.erase(queue_.begin());
    t->fire();
    drain_posted();
  }
}

void SimulatedScheduler::advance(Duration d) {
  const TimePoint end = now_ + d;
  run_ready();
  while (!queue_.empty() && queue_.begin()->first.first <= end) {
    now_ = std::max(now_, queue_.begin()->first.first);
    run_ready();
  }
  now_ = end;
  run_ready();
}

bool SimulatedScheduler::run_next() {
  drain_posted();
  if (queue_.empty()) return false;
  now_ = std::max(now_, queue_.begin()->first.first);
  run_ready();
  return true;
}

}  // namespace roam6::mip6d
