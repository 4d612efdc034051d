#pragma once
// How the control plane sends and receives frames, whatever carries them: the
// DPDK datapath's punt/inject rings, a Linux packet socket, or a test fake.
// Only signalling (Mobility Header), Neighbour Discovery and resume signals
// reach the control plane; data packets stay in the datapath.

#include <cstdint>
#include <functional>

#include "mip6d/runtime/scheduler.hpp"
#include "roam6/wire/address.hpp"
#include "roam6/wire/bytes.hpp"

namespace roam6::mip6d {

// The host has an uplink (towards its site router) and a guest-facing side
// (Open vSwitch). A Home Agent's uplink is its home link.
enum class Port : std::uint8_t { uplink = 0, guests = 1 };
inline constexpr std::size_t port_count = 2;

struct ReceivedFrame {
  Port port;
  wire::ByteSpan frame;  // Ethernet frame, valid only during the handler
  TimePoint received;    // when the backend took it off the wire
};

class PacketIo {
 public:
  using Handler = std::function<void(const ReceivedFrame&)>;
  virtual ~PacketIo() = default;
  // Frames are delivered on the control-plane thread, one call per frame.
  virtual void set_handler(Handler handler) = 0;
  // Queues one Ethernet frame; false when it was dropped (and counted).
  virtual bool send(Port port, wire::ByteSpan frame) = 0;
  [[nodiscard]] virtual wire::MacAddr mac(Port port) const = 0;
};

}  // namespace roam6::mip6d
