#include "testbed/probe/probe_sockets.hpp"
#include "testbed/stop_signals.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "testbed/probe/probe_packet.hpp"

namespace roam6::probe {
namespace {

class Socket {
 public:
  Socket() : fd_(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
    const int bytes = 4 << 20;  // a move's worth of echoes arriving at once
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  }
  ~Socket() { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Waits until readable, a stop signal or `deadline_ns` (monotonic),
// whichever first.
void wait_readable(int fd, std::uint64_t deadline_ns, const testbed::StopSignalsDuringWaits& signals) {
  const std::uint64_t now = monotonic_ns();
  if (deadline_ns <= now) return;
  const std::uint64_t wait = deadline_ns - now;
  const timespec timeout{static_cast<time_t>(wait / 1000000000), static_cast<long>(wait % 1000000000)};
  pollfd p{fd, POLLIN, 0};
  ::ppoll(&p, 1, &timeout, signals.wait_mask());
}

void drain_echoes(int fd, Timeline& timeline) {
  std::array<std::uint8_t, 2048> buffer{};
  for (;;) {
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n < 0) return;  // EAGAIN: nothing more now
    const std::uint64_t at = monotonic_ns();
    if (const auto h = read_probe(std::span<const std::uint8_t>(buffer.data(), static_cast<std::size_t>(n))))
      timeline.echoed(h->sequence, at);
  }
}

}  // namespace

Timeline run_sender(const SendSettings& s, const std::atomic<bool>& stop) {
  if (s.size < probe_header_size || s.size > 1400) throw std::invalid_argument("probe size must be 16 to 1400 bytes");
  if (!(s.rate_hz > 0 && s.rate_hz <= 1e6)) throw std::invalid_argument("rate must be above 0 and at most 1 000 000 Hz");
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  to.sin6_port = htons(s.port);
  if (::inet_pton(AF_INET6, s.to.c_str(), &to.sin6_addr) != 1)
    throw std::invalid_argument("'" + s.to + "' is not an IPv6 address");
  Socket socket;
  // connect(): the kernel then hands us only the guest's echoes.
  if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0)
    throw std::system_error(errno, std::generic_category(), "connect to " + s.to);

  const testbed::StopSignalsDuringWaits signals;
  Timeline timeline;
  std::vector<std::uint8_t> payload(s.size, 0);
  const auto period_ns = static_cast<std::uint64_t>(1e9 / s.rate_hz);
  const std::uint64_t start = monotonic_ns();
  const std::uint64_t end =
      s.duration.count() > 0 ? start + static_cast<std::uint64_t>(s.duration.count()) * 1000000 : UINT64_MAX;
  std::uint64_t next = start;
  while (!stop.load(std::memory_order_relaxed) && next < end) {
    wait_readable(socket.fd(), next, signals);
    drain_echoes(socket.fd(), timeline);
    const std::uint64_t now = monotonic_ns();
    if (now < next) continue;
    // On a fixed schedule: a late wake-up sends what is due, no catch-up burst.
    const std::uint32_t sequence = timeline.sent(now);
    write_probe(payload, {sequence, now});
    // Sending fails while there is no route (a move on this side): that
    // probe is simply lost, as on a real network.
    (void)::send(socket.fd(), payload.data(), payload.size(), 0);
    next += period_ns;
    if (next + period_ns < now) next = now + period_ns;
  }
  const std::uint64_t drain_end = monotonic_ns() + static_cast<std::uint64_t>(s.drain.count()) * 1000000;
  while (monotonic_ns() < drain_end) {
    wait_readable(socket.fd(), drain_end, signals);
    drain_echoes(socket.fd(), timeline);
  }
  return timeline;
}

EchoCounters run_echo(std::uint16_t port, const std::atomic<bool>& stop) {
  Socket socket;
  sockaddr_in6 local{};
  local.sin6_family = AF_INET6;
  local.sin6_port = htons(port);
  local.sin6_addr = in6addr_any;
  if (::bind(socket.fd(), reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0)
    throw std::system_error(errno, std::generic_category(), "bind [::]:" + std::to_string(port));
  const testbed::StopSignalsDuringWaits signals;
  EchoCounters counters;
  std::array<std::uint8_t, 2048> buffer{};
  while (!stop.load(std::memory_order_relaxed)) {
    // A stop signal ends the wait at once; the timeout only bounds how long
    // a `stop` set by another thread (tests) goes unnoticed.
    wait_readable(socket.fd(), monotonic_ns() + 1000000000, signals);
    for (;;) {
      sockaddr_in6 from{};
      socklen_t from_size = sizeof from;
      const ssize_t n = ::recvfrom(socket.fd(), buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from),
                                   &from_size);
      if (n < 0) break;
      if (!read_probe(std::span<const std::uint8_t>(buffer.data(), static_cast<std::size_t>(n)))) {
        ++counters.not_probes;
        continue;
      }
      if (::sendto(socket.fd(), buffer.data(), static_cast<std::size_t>(n), 0, reinterpret_cast<const sockaddr*>(&from),
                   from_size) >= 0)
        ++counters.echoed;
    }
  }
  return counters;
}

}  // namespace roam6::probe
