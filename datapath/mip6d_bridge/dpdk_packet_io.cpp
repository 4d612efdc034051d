#include "datapath/mip6d_bridge/dpdk_packet_io.hpp"

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>

#include "datapath/elements/punt_queue.hpp"

namespace roam6::datapath {
namespace {

DatapathPort datapath_port(mip6d::Port port) {
  return port == mip6d::Port::uplink ? DatapathPort::uplink : DatapathPort::guests;
}
mip6d::Port mip6d_port(DatapathPort port) {
  return port == DatapathPort::uplink ? mip6d::Port::uplink : mip6d::Port::guests;
}

int watched_copy_of(int fd) {
  // The descriptor object closes what it holds; the PuntQueue keeps its own.
  const int copy = ::dup(fd);
  if (copy < 0) throw std::system_error(errno, std::generic_category(), "dup(punt eventfd)");
  return copy;
}

// The steady-clock time at which a core's TSC read `tsc`.
mip6d::TimePoint time_of(std::uint64_t tsc, mip6d::TimePoint now, std::uint64_t now_tsc,
                         std::uint64_t hz) {
  if (tsc >= now_tsc || hz == 0) return now;
  const auto ago = std::chrono::duration<double>(static_cast<double>(now_tsc - tsc) /
                                                 static_cast<double>(hz));
  return now - std::chrono::duration_cast<mip6d::Duration>(ago);
}

}  // namespace

DpdkPacketIo::DpdkPacketIo(boost::asio::io_context& io, Datapath& datapath)
    : io_(io), datapath_(datapath), wake_(io, watched_copy_of(datapath.punt_queue().event_fd())) {
  wait_for_punts();
  // Frames punted before we watched the eventfd would otherwise wait for
  // the next one.
  drain_soon();
}

DpdkPacketIo::~DpdkPacketIo() {
  *alive_ = false;
  boost::system::error_code ignored;
  wake_.cancel(ignored);
  wake_.close(ignored);
}

void DpdkPacketIo::wait_for_punts() {
  wake_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                   [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
                     if (ec || alive.expired()) return;
                     wait_for_punts();
                     drain();
                   });
}

void DpdkPacketIo::drain() {
  // The eventfd fires only for the first push after arm_wakeup(): until the
  // ring is seen empty with the wake-up armed, come back for the rest (after
  // the rest of the loop had its turn). Stopping early once left a Home
  // Agent deaf for good under a burst of 100 Binding Updates.
  unsigned taken = 0;
  try {
    taken = poll();
  } catch (...) {
    drain_soon();  // a handler's error must not strand the rest of the ring
    throw;
  }
  if (taken == max_frames_per_wakeup || !datapath_.punt_queue().arm_wakeup()) drain_soon();
}

void DpdkPacketIo::drain_soon() {
  boost::asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (!alive.expired()) drain();
  });
}

unsigned DpdkPacketIo::poll() {
  PuntQueue& punt = datapath_.punt_queue();
  punt.drain_event();
  rte_mbuf* frames[max_frames_per_wakeup];
  const unsigned n = punt.pop(frames, max_frames_per_wakeup);
  if (n == 0) return 0;
  const mip6d::TimePoint now = mip6d::SteadyClock::now();
  const std::uint64_t now_tsc = rte_rdtsc();
  const std::uint64_t hz = rte_get_tsc_hz();
  unsigned delivered = 0;
  for (unsigned i = 0; i < n; ++i) {
    rte_mbuf* m = frames[i];
    const std::uint32_t length = rte_pktmbuf_pkt_len(m);
    if (linear_.size() < length) linear_.resize(length);
    const auto* data = static_cast<const std::uint8_t*>(rte_pktmbuf_read(m, 0, length, linear_.data()));
    const DatapathPort at = PuntQueue::port_of(m);
    if (data != nullptr && static_cast<std::size_t>(at) < datapath_port_count) {
      const mip6d::ReceivedFrame frame{mip6d_port(at), wire::ByteSpan(data, length),
                                       time_of(PuntQueue::tsc_of(m), now, now_tsc, hz)};
      auto& c = counters_[static_cast<std::size_t>(frame.port)];
      ++c.rx_frames;
      c.rx_bytes += length;
      ++delivered;
      if (handler_) {
        try {
          handler_(frame);
        } catch (...) {
          // The rest of the burst still belongs to us: free it before the
          // error goes on to the loop.
          rte_pktmbuf_free_bulk(frames + i, n - i);
          throw;
        }
      }
    }
    rte_pktmbuf_free(m);
  }
  return n;
}

bool DpdkPacketIo::send(mip6d::Port port, wire::ByteSpan frame) {
  auto& c = counters_[static_cast<std::size_t>(port)];
  if (!has_port(port) || frame.empty() || frame.size() > UINT16_MAX) {
    ++c.tx_dropped;
    return false;
  }
  rte_mbuf* m = rte_pktmbuf_alloc(datapath_.pool());
  if (m == nullptr) {
    ++c.tx_dropped;
    return false;
  }
  char* room = rte_pktmbuf_append(m, static_cast<std::uint16_t>(frame.size()));
  if (room == nullptr) {  // larger than one mbuf
    rte_pktmbuf_free(m);
    ++c.tx_dropped;
    return false;
  }
  std::memcpy(room, frame.data(), frame.size());
  // The ring's enqueue publishes the copy to the core that dequeues it.
  if (!datapath_.inject(datapath_port(port), m)) {
    rte_pktmbuf_free(m);
    ++c.tx_dropped;
    return false;
  }
  ++c.tx_frames;
  c.tx_bytes += frame.size();
  return true;
}

wire::MacAddr DpdkPacketIo::mac(mip6d::Port port) const { return datapath_.mac(datapath_port(port)); }

bool DpdkPacketIo::has_port(mip6d::Port port) const {
  return datapath_.has_port(datapath_port(port));
}

const DpdkPacketIoCounters& DpdkPacketIo::counters(mip6d::Port port) const {
  return counters_[static_cast<std::size_t>(port)];
}

}  // namespace roam6::datapath
