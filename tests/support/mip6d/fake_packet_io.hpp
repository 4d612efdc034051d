#pragma once
// PacketIo for unit tests of the control plane: send() records the frame,
// inject() plays a received frame into the handler. A send hook per port lets
// InMemoryNetwork carry what a FakePacketIo sends to other endpoints.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "mip6d/io/packet_io.hpp"

namespace roam6::mip6d {

using FrameBytes = std::vector<std::uint8_t>;

class FakePacketIo final : public PacketIo {
 public:
  using SendHook = std::function<void(Port, wire::ByteSpan)>;

  FakePacketIo() = default;
  FakePacketIo(const wire::MacAddr& uplink_mac, const wire::MacAddr& guests_mac);

  void set_handler(Handler handler) override { handler_ = std::move(handler); }
  // Records the frame (and passes it to the port's send hook) unless a
  // failure was requested with fail_next_sends(); then it counts and drops.
  bool send(Port port, wire::ByteSpan frame) override;
  [[nodiscard]] wire::MacAddr mac(Port port) const override { return side(port).mac; }

  void set_mac(Port port, const wire::MacAddr& mac) { side(port).mac = mac; }
  // Delivers one frame to the handler as if it arrived on `port` at `when`.
  // The frame is recorded in received() whether or not a handler is set;
  // returns false when no handler was set.
  bool inject(Port port, wire::ByteSpan frame, TimePoint when);
  // The next `count` sends on `port` return false, as a full queue would.
  void fail_next_sends(Port port, std::size_t count) { side(port).failures_left = count; }
  // Called for every frame send() accepts, after it is recorded.
  void set_send_hook(Port port, SendHook hook) { side(port).hook = std::move(hook); }

  [[nodiscard]] const std::vector<FrameBytes>& sent(Port port) const { return side(port).sent; }
  [[nodiscard]] const std::vector<FrameBytes>& received(Port port) const {
    return side(port).received;
  }
  [[nodiscard]] std::size_t failed_sends(Port port) const { return side(port).failed_sends; }
  // Returns what was sent on `port` so far and forgets it.
  std::vector<FrameBytes> take_sent(Port port);
  void clear();

 private:
  struct Side {
    wire::MacAddr mac;
    std::vector<FrameBytes> sent;
    std::vector<FrameBytes> received;
    std::size_t failures_left = 0;
    std::size_t failed_sends = 0;
    SendHook hook;
  };
  Side& side(Port port) { return sides_.at(static_cast<std::size_t>(port)); }
  const Side& side(Port port) const { return sides_.at(static_cast<std::size_t>(port)); }

  Handler handler_;
  std::array<Side, port_count> sides_{};
};

}  // namespace roam6::mip6d
