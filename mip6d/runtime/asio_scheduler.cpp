#include "mip6d/runtime/asio_scheduler.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace roam6::mip6d {

namespace {

class AsioTimer final : public Timer {
 public:
  AsioTimer(boost::asio::io_context& io, std::function<void()> on_expiry)
      : timer_(io), on_expiry_(std::move(on_expiry)) {}

  void arm_at(TimePoint deadline) override {
    // A generation number tells a stale completion (cancelled or re-armed
    // after the handler was already queued) from the live one.
    const auto generation = ++generation_;
    armed_ = true;
    deadline_ = deadline;
    timer_.expires_at(deadline);
    timer_.async_wait([this, generation](const boost::system::error_code& ec) {
      if (ec || generation != generation_ || !armed_) return;
      armed_ = false;
      on_expiry_();
    });
  }
  void cancel() override {
    ++generation_;
    armed_ = false;
    timer_.cancel();
  }
  bool armed() const override { return armed_; }
  TimePoint deadline() const override { return deadline_; }

 private:
  boost::asio::steady_timer timer_;
  std::function<void()> on_expiry_;
  std::uint64_t generation_ = 0;
  TimePoint deadline_{};
  bool armed_ = false;
};

}  // namespace

std::unique_ptr<Timer> AsioScheduler::make_timer(std::function<void()> on_expiry) {
  return std::make_unique<AsioTimer>(io_, std::move(on_expiry));
}

void AsioScheduler::post(std::function<void()> fn) { boost::asio::post(io_, std::move(fn)); }

}  // namespace roam6::mip6d
