#pragma once
// Scheduler on a Boost.Asio io_context: the daemon's one event loop.

#include <boost/asio/io_context.hpp>

#include "mip6d/runtime/scheduler.hpp"

namespace roam6::mip6d {

class AsioScheduler final : public Scheduler {
 public:
  explicit AsioScheduler(boost::asio::io_context& io) : io_(io) {}

  TimePoint now() const override { return SteadyClock::now(); }
  WallTime wall_now() const override { return WallClock::now(); }
  std::unique_ptr<Timer> make_timer(std::function<void()> on_expiry) override;
  void post(std::function<void()> fn) override;

 private:
  boost::asio::io_context& io_;
};

}  // namespace roam6::mip6d
