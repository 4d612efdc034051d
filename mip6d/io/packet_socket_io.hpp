#pragma once
// PacketIo over Linux AF_PACKET sockets, for hosts without DPDK and for the
// Home Agent. The kernel has no Mobile IPv6 here (it would answer a Home
// Address option or a type 2 routing header with a Parameter Problem), so
// mip6d reads and writes whole Ethernet frames below the IP stack, on
// interfaces whose kernel IPv6 is disabled or that carry no address mip6d owns.
//
// One raw socket per configured port, bound to its interface and put in
// promiscuous mode: the HA must see frames for the addresses it defends, a
// host those for the home router's MAC it emulates. Reception runs on the
// Asio event loop.
//   uplink: a BPF filter (control_plane_filter.hpp) passes only Mobility
//           Header, ICMPv6, IPv6 extension-header and RARP frames.
//   guests: unfiltered, because resume detection needs "any frame from the
//           guest's MAC"; the port faces local guests, not the site.
// Frames the interface transmits (ours, the kernel's, anyone's) are never
// delivered to the handler.
// Needs CAP_NET_RAW.

#include <array>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mip6d/io/packet_io.hpp"

namespace roam6::mip6d {

struct PacketSocketInterfaces {
  std::string uplink;
  std::string guests;  // empty: no guests port (a Home Agent)
};

struct PacketSocketCounters {
  std::uint64_t rx_frames = 0;  // delivered to the handler (or dropped for want of one)
  std::uint64_t rx_bytes = 0;
  std::uint64_t rx_truncated = 0;  // larger than max_frame_size: dropped whole
  std::uint64_t rx_errors = 0;     // recvfrom failures other than "nothing left"
  std::uint64_t tx_frames = 0;
  std::uint64_t tx_bytes = 0;
  std::uint64_t tx_dropped = 0;  // send queue full, interface down, no such port...
};

class PacketSocketIo final : public PacketIo {
 public:
  // The receive buffer: more than any MTU a roam6 link uses, so a frame that
  // does not fit is an anomaly worth counting, not traffic.
  static constexpr std::size_t max_frame_size = 16 * 1024;
  // Frames taken per wake-up before letting other work on the loop run.
  static constexpr std::size_t max_frames_per_wakeup = 64;

  // Opens the sockets. Throws std::system_error naming the interface when it
  // does not exist, is not Ethernet, or the process lacks CAP_NET_RAW; and
  // std::invalid_argument for an empty uplink or guests == uplink.
  PacketSocketIo(boost::asio::io_context& io, const PacketSocketInterfaces& interfaces);
  ~PacketSocketIo() override;
  PacketSocketIo(const PacketSocketIo&) = delete;
  PacketSocketIo& operator=(const PacketSocketIo&) = delete;

  void set_handler(Handler handler) override { handler_ = std::move(handler); }
  // Never blocks: a full socket queue drops the frame (counted, false).
  bool send(Port port, wire::ByteSpan frame) override;
  // All zeros for a port that is not configured.
  [[nodiscard]] wire::MacAddr mac(Port port) const override;

  [[nodiscard]] bool has_port(Port port) const;
  [[nodiscard]] const PacketSocketCounters& counters(Port port) const;

 private:
  struct PortSocket;

  void wait_readable(PortSocket& port);
  void drain(PortSocket& port);

  boost::asio::io_context& io_;
  Handler handler_;
  std::array<std::unique_ptr<PortSocket>, port_count> ports_;
  std::array<PacketSocketCounters, port_count> counters_{};
  std::vector<std::uint8_t> buffer_;
  // Completions still queued on the loop after destruction see this expired.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace roam6::mip6d
