#include "mip6d/signalling/token_bucket.hpp"

#include <gtest/gtest.h>

#include "tests/support/mip6d/simulated_scheduler.hpp"

namespace roam6::mip6d {
namespace {

using namespace std::chrono_literals;

// How many of `attempts` made at once the bucket lets through.
int taken(TokenBucket& bucket, TimePoint now, int attempts) {
  int n = 0;
  for (int i = 0; i < attempts; ++i) n += bucket.take(now) ? 1 : 0;
  return n;
}

TEST(TokenBucket, StartsFullAndHoldsTheBurst) {
  SimulatedScheduler sched;
  TokenBucket bucket({.per_second = 10, .burst = 5});
  EXPECT_EQ(taken(bucket, sched.now(), 100), 5);
}

TEST(TokenBucket, RefillsAtTheRate) {
  SimulatedScheduler sched;
  TokenBucket bucket({.per_second = 10, .burst = 5});
  EXPECT_EQ(taken(bucket, sched.now(), 5), 5);
  sched.advance(99ms);
  EXPECT_FALSE(bucket.take(sched.now()));
  sched.advance(1ms);  // 100 ms earn one token at 10 per second
  EXPECT_TRUE(bucket.take(sched.now()));
  EXPECT_FALSE(bucket.take(sched.now()));
  // Time earns no more than the burst.
  sched.advance(1h);
  EXPECT_EQ(taken(bucket, sched.now(), 100), 5);
}

// Over a long run the rate is exact: partial credit is kept between calls.
TEST(TokenBucket, SustainedRateIsExact) {
  SimulatedScheduler sched;
  TokenBucket bucket({.per_second = 4, .burst = 5});
  int sent = 0;
  for (int i = 0; i < 10000; ++i) {  // one attempt every 10 ms, the last at 99.99 s
    sent += bucket.take(sched.now()) ? 1 : 0;
    sched.advance(10ms);
  }
  EXPECT_EQ(sent, 5 + 399);  // the full bucket, then 4 per second
}

TEST(TokenBucket, ZeroSettingsAreTakenAsOne) {
  SimulatedScheduler sched;
  TokenBucket bucket({.per_second = 0, .burst = 0});
  EXPECT_EQ(taken(bucket, sched.now(), 10), 1);
  sched.advance(1s);
  EXPECT_EQ(taken(bucket, sched.now(), 10), 1);
}

TEST(TokenBucket, ClockGoingBackEarnsNothing) {
  SimulatedScheduler sched;
  TokenBucket bucket({.per_second = 1, .burst = 1});
  const TimePoint t = sched.now() + 10s;
  EXPECT_TRUE(bucket.take(t));
  EXPECT_FALSE(bucket.take(t - 5s));
  EXPECT_FALSE(bucket.take(t + 999ms));
  EXPECT_TRUE(bucket.take(t + 1s));
}

}  // namespace
}  // namespace roam6::mip6d
