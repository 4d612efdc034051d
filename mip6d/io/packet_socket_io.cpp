#include "mip6d/io/packet_socket_io.hpp"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "mip6d/io/control_plane_filter.hpp"

namespace roam6::mip6d {

namespace {

// Enough for a burst of Binding Updates after many guests migrate at once;
// the kernel default (~200 KiB) holds only a few hundred small frames.
constexpr int receive_buffer_bytes = 4 * 1024 * 1024;

std::size_t index_of(Port port) { return static_cast<std::size_t>(port); }

const char* port_name(Port port) { return port == Port::uplink ? "uplink" : "guests"; }

[[noreturn]] void throw_errno(int error, const std::string& what) {
  throw std::system_error(error, std::system_category(), what);
}

// Closes the socket if setting it up fails half-way.
class OwnedFd {
 public:
  explicit OwnedFd(int fd) : fd_(fd) {}
  ~OwnedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

}  // namespace

struct PacketSocketIo::PortSocket {
  PortSocket(boost::asio::io_context& io, Port p, std::string name, int fd, wire::MacAddr address)
      : port(p), interface_name(std::move(name)), mac(address), descriptor(io, fd) {}

  Port port;
  std::string interface_name;
  wire::MacAddr mac;
  boost::asio::posix::stream_descriptor descriptor;  // owns the socket
};

namespace {

// Everything but the Asio wrapping: a bound, filtered, promiscuous socket.
struct OpenedSocket {
  int fd;
  wire::MacAddr mac;
};

OpenedSocket open_packet_socket(const std::string& interface, Port port) {
  const std::string where =
      std::string("packet socket for the ") + port_name(port) + " interface '" + interface + "'";

  // Resolved first, so a typo is reported as such even without privileges.
  const unsigned int ifindex = ::if_nametoindex(interface.c_str());
  if (ifindex == 0) throw_errno(errno, where + ": no such interface");

  // Protocol 0: the socket receives nothing until bind(), so no frame slips in
  // before the filter is attached.
  OwnedFd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) {
    const int error = errno;
    if (error == EPERM || error == EACCES) {
      throw_errno(error, where + ": opening AF_PACKET sockets needs CAP_NET_RAW");
    }
    throw_errno(error, where + ": socket()");
  }

  ifreq request{};
  std::memcpy(request.ifr_name, interface.c_str(), interface.size());  // < IFNAMSIZ: it resolved
  if (::ioctl(fd.get(), SIOCGIFHWADDR, &request) < 0) {
    throw_errno(errno, where + ": reading its MAC address (SIOCGIFHWADDR)");
  }
  if (request.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
    throw_errno(EINVAL, where + ": not an Ethernet interface");
  }
  const wire::MacAddr mac =
      wire::MacAddr::from_bytes(reinterpret_cast<const std::uint8_t*>(request.ifr_hwaddr.sa_data));

  if (port == Port::uplink) {
    std::vector<sock_filter> program = control_plane_filter();
    sock_fprog filter{};
    filter.len = static_cast<unsigned short>(program.size());
    filter.filter = program.data();
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_ATTACH_FILTER, &filter, sizeof filter) < 0) {
      throw_errno(errno, where + ": attaching the BPF filter");
    }
  }

  // The kernel's own PACKET_OUTGOING filter saves copying every transmitted
  // frame to us (the guests port is unfiltered); drain() checks sll_pkttype
  // as well, so a kernel without it (< 4.20) behaves the same.
  const int one = 1;
  (void)::setsockopt(fd.get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);

  // SO_RCVBUFFORCE passes net.core.rmem_max but needs CAP_NET_ADMIN; without
  // it SO_RCVBUF gets what the limit allows. Either way this is best effort.
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer_bytes,
                   sizeof receive_buffer_bytes) < 0) {
    (void)::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes,
                       sizeof receive_buffer_bytes);
  }

  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(ETH_P_ALL);
  address.sll_ifindex = static_cast<int>(ifindex);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) < 0) {
    throw_errno(errno, where + ": bind()");
  }

  packet_mreq membership{};
  membership.mr_ifindex = static_cast<int>(ifindex);
  membership.mr_type = PACKET_MR_PROMISC;
  if (::setsockopt(fd.get(), SOL_PACKET, PACKET_ADD_MEMBERSHIP, &membership, sizeof membership) <
      0) {
    throw_errno(errno, where + ": enabling promiscuous mode");
  }
  return OpenedSocket{fd.release(), mac};
}

}  // namespace

PacketSocketIo::PacketSocketIo(boost::asio::io_context& io,
                               const PacketSocketInterfaces& interfaces)
    : io_(io), buffer_(max_frame_size) {
  if (interfaces.uplink.empty()) {
    throw std::invalid_argument("packet socket I/O: no uplink interface given");
  }
  if (interfaces.guests == interfaces.uplink) {
    throw std::invalid_argument("packet socket I/O: uplink and guests are both '" +
                                interfaces.uplink + "'; they must be different interfaces");
  }
  const auto open_port = [&](Port port, const std::string& interface) {
    OpenedSocket opened = open_packet_socket(interface, port);
    OwnedFd fd(opened.fd);  // until the descriptor owns it
    auto socket = std::make_unique<PortSocket>(io_, port, interface, fd.get(), opened.mac);
    fd.release();
    ports_[index_of(port)] = std::move(socket);
  };
  open_port(Port::uplink, interfaces.uplink);
  if (!interfaces.guests.empty()) open_port(Port::guests, interfaces.guests);

  for (const auto& port : ports_) {
    if (port) wait_readable(*port);
  }
}

PacketSocketIo::~PacketSocketIo() {
  alive_.reset();
  // ports_ close their sockets next; their aborted waits find alive_ expired.
}

bool PacketSocketIo::has_port(Port port) const { return ports_.at(index_of(port)) != nullptr; }

wire::MacAddr PacketSocketIo::mac(Port port) const {
  const auto& socket = ports_.at(index_of(port));
  return socket ? socket->mac : wire::MacAddr{};
}

const PacketSocketCounters& PacketSocketIo::counters(Port port) const {
  return counters_.at(index_of(port));
}

bool PacketSocketIo::send(Port port, wire::ByteSpan frame) {
  PacketSocketCounters& counters = counters_.at(index_of(port));
  const auto& socket = ports_[index_of(port)];
  if (!socket) {
    ++counters.tx_dropped;
    return false;
  }
  const ssize_t sent =
      ::send(socket->descriptor.native_handle(), frame.data(), frame.size(), MSG_DONTWAIT);
  // EAGAIN/ENOBUFS (queue full), ENETDOWN, EMSGSIZE (over the MTU), EINVAL
  // (shorter than an Ethernet header): all the same to the caller, a drop.
  if (sent < 0 || static_cast<std::size_t>(sent) != frame.size()) {
    ++counters.tx_dropped;
    return false;
  }
  ++counters.tx_frames;
  counters.tx_bytes += frame.size();
  return true;
}

void PacketSocketIo::wait_readable(PortSocket& port) {
  port.descriptor.async_wait(
      boost::asio::posix::stream_descriptor::wait_read,
      [this, &port, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (alive.expired() || ec) return;
        drain(port);
      });
}

void PacketSocketIo::drain(PortSocket& port) {
  PacketSocketCounters& counters = counters_[index_of(port.port)];
  const std::weak_ptr<bool> alive = alive_;
  const int fd = port.descriptor.native_handle();
  for (std::size_t taken = 0; taken < max_frames_per_wakeup; ++taken) {
    sockaddr_ll from{};
    socklen_t from_length = sizeof from;
    // MSG_TRUNC makes recvfrom return the frame's real length even when it
    // did not fit, which is how an oversized frame is noticed.
    const ssize_t length = ::recvfrom(fd, buffer_.data(), buffer_.size(), MSG_TRUNC | MSG_DONTWAIT,
                                      reinterpret_cast<sockaddr*>(&from), &from_length);
    if (length < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        // Empty: sleep until the kernel queues the next frame.
        wait_readable(port);
        return;
      }
      // EINTR, or a pending socket error such as ENETDOWN (reported once).
      if (errno != EINTR) ++counters.rx_errors;
      continue;
    }
    if (from.sll_pkttype == PACKET_OUTGOING) continue;
    const auto size = static_cast<std::size_t>(length);
    if (size > buffer_.size()) {
      ++counters.rx_truncated;
      continue;
    }
    ++counters.rx_frames;
    counters.rx_bytes += size;
    if (handler_) {
      handler_(ReceivedFrame{port.port, wire::ByteSpan(buffer_.data(), size), SteadyClock::now()});
      if (alive.expired()) return;  // the handler destroyed us
    }
  }
  // Budget spent and frames may be left: let the rest of the loop's work
  // (timers, the control socket, the other port) have a turn, then carry on.
  // Posted rather than waited for: the socket is known to be readable.
  boost::asio::post(io_, [this, &port, alive] {
    if (!alive.expired()) drain(port);
  });
}

}  // namespace roam6::mip6d
