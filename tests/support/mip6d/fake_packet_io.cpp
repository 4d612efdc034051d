#include "tests/support/mip6d/fake_packet_io.hpp"

namespace roam6::mip6d {

FakePacketIo::FakePacketIo(const wire::MacAddr& uplink_mac, const wire::MacAddr& guests_mac) {
  side(Port::uplink).mac = uplink_mac;
  side(Port::guests).mac = guests_mac;
}

bool FakePacketIo::send(Port port, wire::ByteSpan frame) {
  Side& s = side(port);
  if (s.failures_left > 0) {
    --s.failures_left;
    ++s.failed_sends;
    return false;
  }
  s.sent.emplace_back(frame.begin(), frame.end());
  // The hook may send again (a router answering at once), which can grow
  // `sent`; pass the caller's span, not a reference into the vector.
  if (s.hook) s.hook(port, frame);
  return true;
}

bool FakePacketIo::inject(Port port, wire::ByteSpan frame, TimePoint when) {
  side(port).received.emplace_back(frame.begin(), frame.end());
  if (!handler_) return false;
  handler_(ReceivedFrame{port, frame, when});
  return true;
}

std::vector<FrameBytes> FakePacketIo::take_sent(Port port) {
  std::vector<FrameBytes> taken;
  taken.swap(side(port).sent);
  return taken;
}

void FakePacketIo::clear() {
  for (Side& s : sides_) {
    s.sent.clear();
    s.received.clear();
    s.failed_sends = 0;
  }
}

}  // namespace roam6::mip6d
