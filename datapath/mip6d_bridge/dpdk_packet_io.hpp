#pragma once
// mip6d's PacketIo over the DPDK datapath.
//   receive: frames the forwarding cores punt (signalling, ND/RS, resume
//            signals) are taken off the punt ring on the control-plane
//            thread, woken by the ring's eventfd through the daemon's
//            io_context; each frame's time is when its core saw it (the
//            core's TSC mapped onto the steady clock), not when mip6d ran.
//   send:    the frame is copied into an mbuf and queued on the port's
//            inject ring; the first forwarding core transmits it.

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "datapath/engine/datapath.hpp"
#include "mip6d/io/packet_io.hpp"

namespace roam6::datapath {

struct DpdkPacketIoCounters {
  std::uint64_t rx_frames = 0;   // punted frames handed to mip6d
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_frames = 0;   // queued for the forwarding core
  std::uint64_t tx_bytes = 0;
  std::uint64_t tx_dropped = 0;  // no mbuf, larger than an mbuf, inject ring full, no port
};

class DpdkPacketIo final : public mip6d::PacketIo {
 public:
  // Frames taken per turn of the loop before letting other work run.
  static constexpr unsigned max_frames_per_wakeup = 64;

  // `datapath` must outlive this object. Throws std::system_error when the
  // punt queue's eventfd cannot be watched.
  DpdkPacketIo(boost::asio::io_context& io, Datapath& datapath);
  ~DpdkPacketIo() override;
  DpdkPacketIo(const DpdkPacketIo&) = delete;
  DpdkPacketIo& operator=(const DpdkPacketIo&) = delete;

  void set_handler(Handler handler) override { handler_ = std::move(handler); }
  bool send(mip6d::Port port, wire::ByteSpan frame) override;
  [[nodiscard]] wire::MacAddr mac(mip6d::Port port) const override;

  [[nodiscard]] bool has_port(mip6d::Port port) const;
  [[nodiscard]] const DpdkPacketIoCounters& counters(mip6d::Port port) const;

  // Takes what is waiting on the punt ring now (at most one wake-up's worth);
  // returns how many frames it handed on. run by the eventfd wake-up.
  unsigned poll();

 private:
  void wait_for_punts();
  void drain();       // poll() until a batch comes back short
  void drain_soon();  // drain() from the loop, after what is queued there

  boost::asio::io_context& io_;
  Datapath& datapath_;
  Handler handler_;
  boost::asio::posix::stream_descriptor wake_;
  std::array<DpdkPacketIoCounters, mip6d::port_count> counters_{};
  std::vector<std::uint8_t> linear_;  // for frames spread over several mbufs
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace roam6::datapath
