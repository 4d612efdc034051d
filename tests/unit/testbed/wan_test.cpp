#include <gtest/gtest.h>

#include <array>

#include "testbed/wan/delay_line.hpp"
#include "testbed/wan/learning_switch.hpp"
#include "testbed/wan/wan_settings.hpp"

namespace roam6::wan {
namespace {

std::array<std::uint8_t, 60> frame(std::uint8_t dst_last, std::uint8_t src_last, bool group = false) {
  std::array<std::uint8_t, 60> f{};
  f[0] = group ? 0x33 : 0x02;
  f[5] = dst_last;
  f[6] = 0x02;
  f[11] = src_last;
  return f;
}

TEST(LearningSwitch, FloodsUntilItKnowsThenSendsToOnePort) {
  LearningSwitch sw(3);
  EXPECT_EQ(sw.forward(0, frame(2, 1)), (std::vector<std::size_t>{1, 2}));  // 2 unknown: flood
  EXPECT_EQ(sw.forward(2, frame(1, 2)), (std::vector<std::size_t>{0}));     // 1 learnt on port 0
  EXPECT_EQ(sw.forward(0, frame(2, 1)), (std::vector<std::size_t>{2}));
  EXPECT_EQ(sw.forward(0, frame(9, 1, true)), (std::vector<std::size_t>{1, 2}));  // multicast
  EXPECT_EQ(sw.forward(1, frame(2, 1)), (std::vector<std::size_t>{2}));  // 1 moved to port 1
  EXPECT_EQ(sw.forward(2, frame(1, 2)), (std::vector<std::size_t>{1}));
  EXPECT_TRUE(sw.forward(2, frame(2, 1)).empty());  // to its own port: nowhere
  EXPECT_TRUE(sw.forward(0, std::span<const std::uint8_t>(frame(1, 2).data(), 10)).empty());
}

TEST(LearningSwitch, ADownPortTakesAndGivesNothingAndIsForgotten) {
  LearningSwitch sw(3);
  sw.forward(1, frame(9, 1));  // MAC 1 on port 1
  EXPECT_EQ(sw.forward(0, frame(1, 2)), (std::vector<std::size_t>{1}));
  sw.set_up(1, false);  // a guest's NIC paused at its source
  EXPECT_TRUE(sw.forward(1, frame(2, 1)).empty());
  EXPECT_EQ(sw.forward(0, frame(1, 2)), (std::vector<std::size_t>{2}));  // 1 forgotten: flood, not to 1
  sw.set_up(1, true);
  EXPECT_EQ(sw.forward(2, frame(2, 1)), (std::vector<std::size_t>{0}));  // heard again, on port 2 now
  EXPECT_EQ(sw.forward(0, frame(1, 2)), (std::vector<std::size_t>{2}));
}

TEST(DelayLine, ReleasesByDueTimeKeepingOrderOnTiesAndBoundsItsQueue) {
  DelayLine line(3);
  const std::uint8_t a = 'a', b = 'b', c = 'c', d = 'd';
  EXPECT_TRUE(line.push(300, 1, &a, 1));
  EXPECT_TRUE(line.push(100, 2, &b, 1));
  EXPECT_TRUE(line.push(300, 0, &c, 1));
  EXPECT_FALSE(line.push(50, 0, &d, 1));  // full
  EXPECT_EQ(line.next_due(), 100u);
  std::string order;
  line.release(99, [&](std::size_t, const std::vector<std::uint8_t>& bytes) { order += static_cast<char>(bytes[0]); });
  EXPECT_EQ(order, "");
  line.release(300, [&](std::size_t port, const std::vector<std::uint8_t>& bytes) {
    order += static_cast<char>(bytes[0]);
    order += static_cast<char>('0' + port);
  });
  EXPECT_EQ(order, "b2a1c0");  // a before c: same time, a came first
  EXPECT_TRUE(line.empty());
}

TEST(WanSettings, PortsLinksAndMistakes) {
  const auto s = parse_wan_command_line({"--port", "wan-a,delay=25,loss=0.1", "--port", "wan-b", "--seed", "7",
                                         "--control", "/tmp/wan.sock"});
  ASSERT_EQ(s.ports.size(), 2u);
  EXPECT_EQ(s.ports[0].interface, "wan-a");
  EXPECT_DOUBLE_EQ(s.ports[0].link.delay_ms, 25);
  EXPECT_DOUBLE_EQ(s.ports[0].link.loss, 0.1);
  EXPECT_DOUBLE_EQ(s.ports[1].link.delay_ms, 0);
  EXPECT_EQ(s.seed, 7u);
  EXPECT_DOUBLE_EQ(parse_link("loss=0.5", {3, 0, true}).delay_ms, 3);
  EXPECT_FALSE(parse_link("up=0", {}).up);
  EXPECT_TRUE(parse_link("up=1", {0, 0, false}).up);
  EXPECT_THROW(parse_link("up=2", {}), std::invalid_argument);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--port", "a"},
           {"--port", "a", "--port", "a"},
           {"--port", "a,loss=2", "--port", "b"},
           {"--port", "a,delay=-1", "--port", "b"},
           {"--port", "a,jitter=1", "--port", "b"},
           {"--port", "a", "--port", "b", "--frobnicate", "1"},
           {"--port", "a/b", "--port", "b"}}) {
    EXPECT_THROW(parse_wan_command_line(args), std::invalid_argument) << args[1];
  }
}

}  // namespace
}  // namespace roam6::wan
