#include <gtest/gtest.h>

#include <vector>

#include "io_test_frames.hpp"
#include "tests/support/mip6d/fake_packet_io.hpp"
#include "roam6/wire/ipv6.hpp"

namespace roam6::mip6d {
namespace {

using namespace std::chrono_literals;
using test::ip;
using test::mac;

const wire::MacAddr uplink_mac = mac("02:00:00:00:00:01");
const wire::MacAddr guests_mac = mac("02:00:00:00:00:02");

FrameBytes frame(std::uint8_t tag) {
  return test::ipv6_frame(mac("02:00:00:00:00:09"), uplink_mac, ip("2001:db8::1"),
                          ip("2001:db8::2"), wire::ipproto::mobility, tag);
}

TEST(FakePacketIo, RecordsSentFramesPerPort) {
  FakePacketIo io(uplink_mac, guests_mac);
  EXPECT_EQ(io.mac(Port::uplink), uplink_mac);
  EXPECT_EQ(io.mac(Port::guests), guests_mac);

  EXPECT_TRUE(io.send(Port::uplink, frame(1)));
  EXPECT_TRUE(io.send(Port::guests, frame(2)));
  EXPECT_TRUE(io.send(Port::uplink, frame(3)));

  EXPECT_EQ(io.sent(Port::uplink), (std::vector<FrameBytes>{frame(1), frame(3)}));
  EXPECT_EQ(io.sent(Port::guests), (std::vector<FrameBytes>{frame(2)}));

  const auto taken = io.take_sent(Port::uplink);
  EXPECT_EQ(taken.size(), 2u);
  EXPECT_TRUE(io.sent(Port::uplink).empty());
  EXPECT_EQ(io.sent(Port::guests).size(), 1u);
}

TEST(FakePacketIo, InjectCallsTheHandlerWithPortFrameAndTime) {
  FakePacketIo io(uplink_mac, guests_mac);
  const TimePoint when = TimePoint{} + 42s;
  EXPECT_FALSE(io.inject(Port::uplink, frame(7), when));  // no handler yet
  EXPECT_EQ(io.received(Port::uplink).size(), 1u);

  std::vector<Port> ports;
  std::vector<FrameBytes> frames;
  std::vector<TimePoint> times;
  io.set_handler([&](const ReceivedFrame& f) {
    ports.push_back(f.port);
    frames.emplace_back(f.frame.begin(), f.frame.end());
    times.push_back(f.received);
  });
  EXPECT_TRUE(io.inject(Port::guests, frame(8), when + 1s));
  EXPECT_TRUE(io.inject(Port::uplink, frame(9), when + 2s));

  EXPECT_EQ(ports, (std::vector<Port>{Port::guests, Port::uplink}));
  EXPECT_EQ(frames, (std::vector<FrameBytes>{frame(8), frame(9)}));
  EXPECT_EQ(times, (std::vector<TimePoint>{when + 1s, when + 2s}));
  EXPECT_EQ(io.received(Port::guests), (std::vector<FrameBytes>{frame(8)}));
}

TEST(FakePacketIo, RequestedSendFailuresAreCountedAndNotRecorded) {
  FakePacketIo io(uplink_mac, guests_mac);
  io.fail_next_sends(Port::uplink, 2);
  EXPECT_FALSE(io.send(Port::uplink, frame(1)));
  EXPECT_TRUE(io.send(Port::guests, frame(2)));  // other port unaffected
  EXPECT_FALSE(io.send(Port::uplink, frame(3)));
  EXPECT_TRUE(io.send(Port::uplink, frame(4)));
  EXPECT_EQ(io.failed_sends(Port::uplink), 2u);
  EXPECT_EQ(io.sent(Port::uplink), (std::vector<FrameBytes>{frame(4)}));
}

TEST(FakePacketIo, SendHookSeesAcceptedFramesOnItsPort) {
  FakePacketIo io(uplink_mac, guests_mac);
  std::vector<FrameBytes> hooked;
  io.set_send_hook(Port::uplink, [&](Port port, wire::ByteSpan f) {
    EXPECT_EQ(port, Port::uplink);
    hooked.emplace_back(f.begin(), f.end());
  });
  io.fail_next_sends(Port::uplink, 1);
  EXPECT_FALSE(io.send(Port::uplink, frame(1)));
  EXPECT_TRUE(io.send(Port::uplink, frame(2)));
  EXPECT_TRUE(io.send(Port::guests, frame(3)));
  EXPECT_EQ(hooked, (std::vector<FrameBytes>{frame(2)}));

  io.clear();
  EXPECT_TRUE(io.sent(Port::uplink).empty());
  EXPECT_TRUE(io.sent(Port::guests).empty());
  EXPECT_EQ(io.failed_sends(Port::uplink), 0u);
}

}  // namespace
}  // namespace roam6::mip6d
