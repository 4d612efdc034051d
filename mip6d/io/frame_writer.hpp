#pragma once
// Builds one Ethernet frame around an IPv6 packet written by a wire builder,
// in a reused buffer, and sends it through PacketIo.

#include <array>
#include <cstdint>

#include "mip6d/io/packet_io.hpp"
#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/result.hpp"

namespace roam6::mip6d {

class FrameWriter {
 public:
  static constexpr std::size_t max_frame = 2048;

  explicit FrameWriter(PacketIo& io) : io_(io) {}

  // `build(MutableByteSpan) -> wire::Result<std::size_t>` writes the IPv6
  // packet. Returns false when the builder failed or the send was dropped.
  template <class Build>
  bool send_ipv6(Port port, const wire::MacAddr& dst, Build&& build) {
    return send_ipv6_as(port, dst, io_.mac(port), std::forward<Build>(build));
  }
  // The same with another Ethernet source, e.g. the home router's MAC when
  // the host speaks for the guest's home router.
  template <class Build>
  bool send_ipv6_as(Port port, const wire::MacAddr& dst, const wire::MacAddr& src, Build&& build) {
    auto head = wire::write_ethernet_header(buf_, dst, src, wire::ethertype::ipv6);
    if (!head) return false;
    const auto body = build(wire::MutableByteSpan(buf_).subspan(*head));
    if (!body) {
      last_error_ = body.error();
      return false;
    }
    return io_.send(port, wire::ByteSpan(buf_.data(), *head + *body));
  }
  [[nodiscard]] wire::Errc last_build_error() const noexcept { return last_error_; }
  [[nodiscard]] PacketIo& io() noexcept { return io_; }

 private:
  PacketIo& io_;
  std::array<std::uint8_t, max_frame> buf_{};
  wire::Errc last_error_ = wire::Errc::ok;
};

}  // namespace roam6::mip6d
