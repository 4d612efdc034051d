#include "tests/support/mip6d/simulated_scheduler.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace roam6::mip6d {
namespace {

using namespace std::chrono_literals;

TEST(SimulatedScheduler, FiresInDeadlineOrderAndAdvancesClock) {
  SimulatedScheduler s;
  const auto t0 = s.now();
  std::vector<int> fired;
  std::vector<Duration> at;
  auto a = s.make_timer([&] { fired.push_back(1); at.push_back(s.now() - t0); });
  auto b = s.make_timer([&] { fired.push_back(2); at.push_back(s.now() - t0); });
  a->arm_at(t0 + 1500ms);
  b->arm_at(t0 + 1s);
  EXPECT_TRUE(a->armed());
  s.advance(2s);
  EXPECT_EQ(fired, (std::vector<int>{2, 1}));
  EXPECT_EQ(at, (std::vector<Duration>{1s, 1500ms}));
  EXPECT_EQ(s.now() - t0, 2s);
  EXPECT_FALSE(a->armed());
}

TEST(SimulatedScheduler, RearmReplacesAndCancelStops) {
  SimulatedScheduler s;
  int count = 0;
  auto t = s.make_timer([&] { ++count; });
  t->arm_at(s.now() + 1s);
  t->arm_at(s.now() + 3s);
  s.advance(2s);
  EXPECT_EQ(count, 0);
  s.advance(2s);
  EXPECT_EQ(count, 1);
  t->arm_at(s.now() + 1s);
  t->cancel();
  s.advance(5s);
  EXPECT_EQ(count, 1);
  EXPECT_EQ(s.armed_timers(), 0u);
}

TEST(SimulatedScheduler, TimerCanRearmItselfAndDestroyCancels) {
  SimulatedScheduler s;
  int count = 0;
  std::unique_ptr<Timer> t;
  t = s.make_timer([&] {
    if (++count < 3) t->arm_at(s.now() + 1s);
  });
  t->arm_at(s.now() + 1s);
  s.advance(10s);
  EXPECT_EQ(count, 3);
  auto u = s.make_timer([&] { ++count; });
  u->arm_at(s.now() + 1s);
  u.reset();
  s.advance(2s);
  EXPECT_EQ(count, 3);
}

TEST(SimulatedScheduler, PostedWorkRunsBeforeTimersAndWallClockFollows) {
  SimulatedScheduler s;
  std::vector<int> order;
  auto t = s.make_timer([&] { order.push_back(2); });
  t->arm_at(s.now());
  s.post([&] { order.push_back(1); });
  const auto w0 = s.wall_now();
  s.run_ready();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_TRUE(s.run_next() == false);
  s.advance(90s);
  EXPECT_EQ(s.wall_now() - w0, 90s);
}

}  // namespace
}  // namespace roam6::mip6d
