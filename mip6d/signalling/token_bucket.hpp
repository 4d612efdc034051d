#pragma once
// A token bucket on the control plane's clock: the rate limit RFC 4443
// section 2.4 (f) asks of every node that sends ICMPv6 error messages, and
// RFC 6275 section 9.3.3 of Binding Errors. It starts full; each message takes
// one token; tokens come back at `per_second` up to `burst`. The credit is
// kept as time earned, so no token is lost to rounding between calls.

#include <algorithm>
#include <cstdint>

#include "mip6d/runtime/scheduler.hpp"

namespace roam6::mip6d {

struct TokenBucketSettings {
  std::uint32_t per_second = 10;  // >= 1
  std::uint32_t burst = 10;       // >= 1
};

class TokenBucket {
 public:
  explicit TokenBucket(const TokenBucketSettings& settings) noexcept
      : cost_(std::chrono::duration_cast<Duration>(std::chrono::seconds(1)) /
              std::max<std::uint32_t>(settings.per_second, 1)),
        capacity_(cost_ * std::max<std::uint32_t>(settings.burst, 1)),
        credit_(capacity_) {}

  // One token if there is one. `now` never goes backwards on a steady clock;
  // if it did, no credit would be earned for it.
  [[nodiscard]] bool take(TimePoint now) noexcept {
    if (!started_) {
      started_ = true;
      last_ = now;
    } else if (now > last_) {
      credit_ = std::min(capacity_, credit_ + (now - last_));
      last_ = now;
    }
    if (credit_ < cost_) return false;
    credit_ -= cost_;
    return true;
  }

 private:
  Duration cost_;      // time that earns one token
  Duration capacity_;  // `burst` tokens' worth
  Duration credit_;
  bool started_ = false;
  TimePoint last_{};
};

}  // namespace roam6::mip6d
