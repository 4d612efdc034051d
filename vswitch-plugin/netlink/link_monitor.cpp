#include "vswitch-plugin/netlink/link_monitor.hpp"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <variant>

#include "vswitch-plugin/netlink/link_message.hpp"

namespace roam6::vswitch {

namespace {

using mip6d::LogLevel;
using mip6d::LogRecord;

// Large enough for any datagram the kernel builds for us: it sizes dump
// datagrams by the largest buffer a reader has offered (here this one), and
// a single link's RTM_NEWLINK stays far below it even with VF details.
constexpr std::size_t receive_buffer_size = 64 * 1024;

std::string mac_text(const std::optional<wire::MacAddr>& mac) {
  return mac ? mac->to_string() : std::string("none");
}

}  // namespace

LinkMonitor::LinkMonitor(boost::asio::io_context& io, const mip6d::Logger& log,
                         LinkMonitorOptions options)
    : log_(log), io_(io), table_(std::move(options.names)), buffer_(receive_buffer_size) {
  socket_ = ::mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (socket_ == nullptr) {
    throw std::system_error(errno, std::system_category(), "link monitor: opening a NETLINK_ROUTE socket");
  }
  const int fd = ::mnl_socket_get_fd(socket_);
  if (options.receive_buffer_bytes > 0) {
    // SO_RCVBUFFORCE passes net.core.rmem_max but needs CAP_NET_ADMIN;
    // without it SO_RCVBUF gets what the limit allows. Best effort: a small
    // buffer means more resynchronisations, not lost changes.
    const int bytes = options.receive_buffer_bytes;
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) < 0) {
      (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
    }
  }
  if (::mnl_socket_bind(socket_, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
    const int error = errno;
    ::mnl_socket_close(socket_);
    throw std::system_error(error, std::system_category(),
                            "link monitor: subscribing to rtnetlink link events");
  }
  portid_ = ::mnl_socket_get_portid(socket_);
  descriptor_.emplace(io_, fd);
}

LinkMonitor::~LinkMonitor() {
  alive_.reset();
  // The descriptor gives the fd back (cancelling its wait, whose completion
  // finds alive_ expired); libmnl closes it, once.
  if (descriptor_) (void)descriptor_->release();
  ::mnl_socket_close(socket_);
}

void LinkMonitor::start() {
  if (started_) return;
  started_ = true;
  if (const int error = request_dump(); error != 0) {
    throw std::system_error(error, std::system_category(), "link monitor: requesting the link dump");
  }
  wait_readable();
}

int LinkMonitor::request_dump() {
  if (dump_sequence_) {
    // One dump per socket at a time (the kernel answers EBUSY otherwise):
    // another follows this one.
    dump_wanted_ = true;
    return 0;
  }
  static_assert(sizeof(nlmsghdr) % 4 == 0 && sizeof(ifinfomsg) % 4 == 0, "no padding in between");
  alignas(nlmsghdr) std::array<std::uint8_t, sizeof(nlmsghdr) + sizeof(ifinfomsg)> request{};
  nlmsghdr* header = ::mnl_nlmsg_put_header(request.data());
  header->nlmsg_type = RTM_GETLINK;
  header->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  header->nlmsg_seq = ++sequence_;
  auto* link = static_cast<ifinfomsg*>(::mnl_nlmsg_put_extra_header(header, sizeof(ifinfomsg)));
  link->ifi_family = AF_UNSPEC;
  if (::mnl_socket_sendto(socket_, header, header->nlmsg_len) < 0) {
    const int error = errno;
    ++counters_.receive_errors;
    dump_wanted_ = true;  // tried again after the next datagram
    LogRecord(log_, LogLevel::error, "link_dump_request_failed").kv("error", std::strerror(error));
    return error;
  }
  dump_wanted_ = false;
  dump_inconsistent_ = false;
  dump_sequence_ = header->nlmsg_seq;
  ++counters_.dumps;
  table_.begin_resync();
  return 0;
}

void LinkMonitor::wait_readable() {
  descriptor_->async_wait(
      boost::asio::posix::stream_descriptor::wait_read,
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (alive.expired() || ec) return;
        read_ready();
      });
}

void LinkMonitor::read_ready() {
  const std::weak_ptr<bool> alive = alive_;
  bool drained = false;
  for (std::size_t taken = 0; taken < max_datagrams_per_wakeup; ++taken) {
    const ssize_t length = ::mnl_socket_recvfrom(socket_, buffer_.data(), buffer_.size());
    if (length < 0) {
      const int error = errno;
      if (error == EAGAIN || error == EWOULDBLOCK) {
        drained = true;
        break;
      }
      if (error == EINTR) continue;
      if (error == ENOBUFS) {
        lost_notifications("receive queue overrun (ENOBUFS)");
        continue;
      }
      if (error == ENOSPC) {
        // libmnl's word for MSG_TRUNC: the datagram did not fit and the
        // rest of it is gone. Whatever it said must be read again.
        ++counters_.malformed;
        lost_notifications("datagram larger than the receive buffer");
        continue;
      }
      ++counters_.receive_errors;
      LogRecord(log_, LogLevel::warning, "link_monitor_receive_failed")
          .kv("error", std::strerror(error));
      drained = true;  // wait for the socket rather than spin on an error
      break;
    }
    ++counters_.datagrams;
    if (!consume(buffer_.data(), static_cast<std::size_t>(length))) return;  // destroyed
  }
  if (dump_wanted_ && !dump_sequence_) (void)request_dump();
  if (drained) {
    wait_readable();
    return;
  }
  // Budget spent, datagrams may be left: let the rest of the loop run first.
  boost::asio::post(io_, [this, alive] {
    if (!alive.expired()) read_ready();
  });
}

void LinkMonitor::lost_notifications(const char* why) {
  ++counters_.overruns;
  synchronised_ = false;
  LogRecord(log_, LogLevel::warning, "link_notifications_lost").kv("reason", why)
      .kv("action", "dump again");
  if (dump_sequence_) {
    // What was lost may concern a link whose dump entry already went by.
    dump_wanted_ = true;
  } else {
    (void)request_dump();
  }
}

bool LinkMonitor::consume(const std::uint8_t* data, std::size_t size) {
  // Walked here rather than by mnl_cb_run(): libmnl stops the whole datagram
  // at a message flagged NLM_F_DUMP_INTR (errno EINTR), NLMSG_DONE included,
  // so an inconsistent dump would never be seen to end.
  const auto* message = reinterpret_cast<const nlmsghdr*>(data);
  int remaining = static_cast<int>(size);
  while (::mnl_nlmsg_ok(message, remaining)) {
    if (!handle_message(*message)) return false;
    message = ::mnl_nlmsg_next(message, &remaining);
  }
  if (remaining > 0) {
    ++counters_.malformed;
    LogRecord(log_, LogLevel::warning, "link_message_malformed")
        .kv("reason", "netlink header length does not fit the datagram").kv("bytes", remaining);
  }
  return true;
}

bool LinkMonitor::handle_message(const nlmsghdr& message) {
  const bool from_dump = dump_sequence_ && message.nlmsg_seq == *dump_sequence_ &&
                         message.nlmsg_pid == portid_;
  if (from_dump && (message.nlmsg_flags & NLM_F_DUMP_INTR) != 0) dump_inconsistent_ = true;

  if (message.nlmsg_type == NLMSG_DONE) return from_dump ? finish_dump() : true;
  if (message.nlmsg_type == NLMSG_ERROR) {
    if (!from_dump) return true;  // an acknowledgement of nothing we asked
    int error = 0;
    if (message.nlmsg_len >= ::mnl_nlmsg_size(sizeof(nlmsgerr))) {
      error = -static_cast<const nlmsgerr*>(::mnl_nlmsg_get_payload(&message))->error;
    }
    ++counters_.receive_errors;
    ++counters_.dumps_repeated;
    LogRecord(log_, LogLevel::error, "link_dump_refused")
        .kv("error", error > 0 ? std::strerror(error) : "malformed error message");
    dump_sequence_.reset();
    dump_wanted_ = true;
    return true;
  }
  if (message.nlmsg_type < NLMSG_MIN_TYPE) return true;  // NLMSG_NOOP, NLMSG_OVERRUN

  const ParsedLinkMessage parsed = parse_link_message(message);
  if (const auto* bad = std::get_if<MalformedLinkMessage>(&parsed)) {
    ++counters_.malformed;
    LogRecord(log_, LogLevel::warning, "link_message_malformed")
        .kv("type", message.nlmsg_type).kv("reason", bad->reason);
    return true;
  }
  if (std::holds_alternative<IgnoredLinkMessage>(parsed)) {
    ++counters_.ignored;
    return true;
  }
  ++counters_.link_messages;
  const auto change = table_.apply(std::get<LinkMessage>(parsed));
  return change ? report(*change) : true;
}

bool LinkMonitor::finish_dump() {
  dump_sequence_.reset();
  if (dump_inconsistent_ || dump_wanted_) {
    // The dump may disagree with the notifications around it: its
    // "not mentioned, so vanished" conclusion is not safe. Start over.
    if (dump_inconsistent_) ++counters_.dumps_repeated;
    (void)request_dump();
    return true;
  }
  for (const LinkChange& change : table_.end_resync()) {
    if (!report(change)) return false;
  }
  synchronised_ = true;
  LogRecord(log_, LogLevel::info, "link_table_synchronised")
      .kv("links", table_.links().size()).kv("dumps", counters_.dumps);
  if (on_synchronised_) {
    const std::weak_ptr<bool> alive = alive_;
    on_synchronised_();
    if (alive.expired()) return false;
  }
  return true;
}

bool LinkMonitor::report(const LinkChange& change) {
  ++counters_.changes;
  const LinkInfo& link = change.link();
  LogRecord(log_, LogLevel::debug, "link_changed")
      .kv("kind", to_string(change.kind)).kv("ifindex", link.ifindex).kv("name", link.name)
      .kv("mtu", link.mtu).kv("admin_up", link.admin_up).kv("lower_up", link.lower_up)
      .kv("oper", to_string(link.oper_state)).kv("mac", mac_text(link.mac));
  if (!on_change_) return true;
  const std::weak_ptr<bool> alive = alive_;
  on_change_(change);
  return !alive.expired();
}

}  // namespace roam6::vswitch
