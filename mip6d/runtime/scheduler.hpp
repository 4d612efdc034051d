#pragma once
// Time and one-shot timers for the control plane. The daemon drives them from
// its Boost.Asio io_context (AsioScheduler); tests use SimulatedScheduler, whose
// clock jumps from deadline to deadline so a 32 s back-off costs no real time.
// Everything runs on one thread: no locks anywhere in the control plane.

#include <chrono>
#include <functional>
#include <memory>

namespace roam6::mip6d {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;
using Duration = SteadyClock::duration;
using WallClock = std::chrono::system_clock;
using WallTime = WallClock::time_point;

// One pending deadline at a time; arming again replaces it. Destroying a
// Timer cancels it.
class Timer {
 public:
  virtual ~Timer() = default;
  virtual void arm_at(TimePoint deadline) = 0;
  virtual void cancel() = 0;
  [[nodiscard]] virtual bool armed() const = 0;
  [[nodiscard]] virtual TimePoint deadline() const = 0;
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  [[nodiscard]] virtual TimePoint now() const = 0;
  // Wall-clock time: for what must survive a restart (binding expiry) and
  // for RFC 4285 timestamps.
  [[nodiscard]] virtual WallTime wall_now() const = 0;
  [[nodiscard]] virtual std::unique_ptr<Timer> make_timer(std::function<void()> on_expiry) = 0;
  // Runs `fn` on the loop after the current handler returns.
  virtual void post(std::function<void()> fn) = 0;
};

}  // namespace roam6::mip6d
