#include "testbed/wan/wan_engine.hpp"
#include "testbed/stop_signals.hpp"

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace roam6::wan {
namespace {

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

std::uint64_t ns_of_ms(double ms) { return static_cast<std::uint64_t>(ms * 1e6); }

int open_port(const std::string& interface, int& ifindex) {
  ifindex = static_cast<int>(if_nametoindex(interface.c_str()));
  if (ifindex == 0) throw std::system_error(errno, std::generic_category(), "no interface " + interface);
  const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "AF_PACKET socket");
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(ETH_P_ALL);
  address.sll_ifindex = ifindex;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    const int error = errno;
    ::close(fd);
    throw std::system_error(error, std::generic_category(), "bind to " + interface);
  }
  // Every frame on the link, not just those to this interface's MAC; never
  // our own sends.
  packet_mreq promiscuous{};
  promiscuous.mr_ifindex = ifindex;
  promiscuous.mr_type = PACKET_MR_PROMISC;
  ::setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &promiscuous, sizeof promiscuous);
  const int one = 1;
  ::setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  const int bytes = 8 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
  return fd;
}

}  // namespace

WanEngine::WanEngine(const WanSettings& settings)
    : ports_(settings.ports),
      counters_(settings.ports.size()),
      control_path_(settings.control),
      switch_(settings.ports.size()),
      line_(settings.queue_limit),
      random_(settings.seed),
      buffer_(65536) {
  for (std::size_t p = 0; p < ports_.size(); ++p) switch_.set_up(p, ports_[p].link.up);
  try {
    for (const auto& port : ports_) {
      int ifindex = 0;
      fds_.push_back(open_port(port.interface, ifindex));
      ifindex_.push_back(ifindex);
    }
    if (!control_path_.empty()) {
      control_fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      sockaddr_un address{};
      address.sun_family = AF_UNIX;
      if (control_path_.size() >= sizeof address.sun_path) throw std::invalid_argument("--control path too long");
      std::memcpy(address.sun_path, control_path_.c_str(), control_path_.size() + 1);
      ::unlink(control_path_.c_str());
      if (control_fd_ < 0 || ::bind(control_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
        throw std::system_error(errno, std::generic_category(), "control socket " + control_path_);
    }
  } catch (...) {
    for (int fd : fds_) ::close(fd);
    if (control_fd_ >= 0) ::close(control_fd_);
    throw;
  }
}

WanEngine::~WanEngine() {
  for (int fd : fds_) ::close(fd);
  if (control_fd_ >= 0) {
    ::close(control_fd_);
    ::unlink(control_path_.c_str());
  }
}

bool WanEngine::lost(double probability) {
  if (probability <= 0) return false;
  return std::uniform_real_distribution<double>(0.0, 1.0)(random_) < probability;
}

void WanEngine::receive(std::size_t port) {
  for (;;) {
    const ssize_t n = ::recv(fds_[port], buffer_.data(), buffer_.size(), 0);
    if (n <= 0) return;
    // Each frame's own arrival: frames that come in while this loop runs
    // (or while another port's ran) arrived after the wake-up, and timing
    // them from it would let them out early.
    const std::uint64_t now = now_ns();
    ++counters_[port].received;
    if (!ports_[port].link.up) {
      ++counters_[port].down_drops;
      continue;
    }
    const std::span<const std::uint8_t> frame(buffer_.data(), static_cast<std::size_t>(n));
    if (lost(ports_[port].link.loss)) {
      ++counters_[port].lost_in;
      continue;
    }
    for (const std::size_t out : switch_.forward(port, frame)) {
      if (lost(ports_[out].link.loss)) {
        ++counters_[out].lost_out;
        continue;
      }
      const std::uint64_t due = now + ns_of_ms(ports_[port].link.delay_ms) + ns_of_ms(ports_[out].link.delay_ms);
      if (!line_.push(due, out, frame.data(), frame.size())) ++counters_[out].queue_full;
    }
  }
}

std::string WanEngine::command(const std::string& text) {
  if (text == "stats") return counters().dump();
  if (text.starts_with("set ")) {
    const auto space = text.find(' ', 4);
    const std::string interface = text.substr(4, space == std::string::npos ? std::string::npos : space - 4);
    for (std::size_t p = 0; p < ports_.size(); ++p) {
      if (ports_[p].interface != interface) continue;
      try {
        ports_[p].link = parse_link(space == std::string::npos ? "" : text.substr(space + 1), ports_[p].link);
      } catch (const std::invalid_argument& e) {
        return std::string("error ") + e.what();
      }
      switch_.set_up(p, ports_[p].link.up);
      return "ok";
    }
    return "error no port " + interface;
  }
  return "error unknown command (set IF delay=MS,loss=P | stats)";
}

void WanEngine::serve_control() {
  char request[512];
  for (;;) {
    sockaddr_un from{};
    socklen_t from_size = sizeof from;
    const ssize_t n =
        ::recvfrom(control_fd_, request, sizeof request - 1, 0, reinterpret_cast<sockaddr*>(&from), &from_size);
    if (n < 0) return;
    std::string text(request, static_cast<std::size_t>(n));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    const std::string answer = command(text);
    if (from_size > sizeof(sa_family_t))
      ::sendto(control_fd_, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from), from_size);
  }
}

void WanEngine::run(const std::atomic<bool>& stop) {
  std::vector<pollfd> polled;
  for (int fd : fds_) polled.push_back({fd, POLLIN, 0});
  if (control_fd_ >= 0) polled.push_back({control_fd_, POLLIN, 0});
  const testbed::StopSignalsDuringWaits signals;
  while (!stop.load(std::memory_order_relaxed)) {
    // Sleep until a frame arrives, the next one is due or a stop signal
    // comes (at most 1 s: a `stop` set by another thread, in tests).
    std::uint64_t wait = 1000000000;
    const std::uint64_t before = now_ns();
    if (!line_.empty()) wait = line_.next_due() > before ? std::min(wait, line_.next_due() - before) : 0;
    const timespec timeout{static_cast<time_t>(wait / 1000000000), static_cast<long>(wait % 1000000000)};
    ::ppoll(polled.data(), polled.size(), &timeout, signals.wait_mask());
    for (std::size_t p = 0; p < fds_.size(); ++p)
      if (polled[p].revents & POLLIN) receive(p);
    if (control_fd_ >= 0 && (polled.back().revents & POLLIN)) serve_control();
    line_.release(now_ns(), [this](std::size_t out, const std::vector<std::uint8_t>& bytes) {
      // Went down while the frame was on its way: lost with the link.
      if (!ports_[out].link.up) ++counters_[out].down_drops;
      else if (::send(fds_[out], bytes.data(), bytes.size(), 0) < 0) ++counters_[out].send_errors;
      else ++counters_[out].sent;
    });
  }
}

nlohmann::json WanEngine::counters() const {
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t p = 0; p < ports_.size(); ++p) {
    const auto& c = counters_[p];
    out[ports_[p].interface] = {{"delay_ms", ports_[p].link.delay_ms}, {"loss", ports_[p].link.loss},
                                {"received", c.received},             {"sent", c.sent},
                                {"lost_in", c.lost_in},               {"lost_out", c.lost_out},
                                {"queue_full", c.queue_full},         {"send_errors", c.send_errors},
                                {"up", ports_[p].link.up},            {"down_drops", c.down_drops}};
  }
  out["in_flight"] = line_.size();
  return out;
}

}  // namespace roam6::wan
