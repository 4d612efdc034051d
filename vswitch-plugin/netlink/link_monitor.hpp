#pragma once
// Link events of one network namespace through rtnetlink, with libmnl: tap
// and veth devices appearing and vanishing, MTU and link state of the uplink
// and the datapath's veth. Nothing polls /sys or loops on ioctls.
//
// A NETLINK_ROUTE socket subscribed to RTMGRP_LINK, opened in the network
// namespace of the thread that constructs the monitor (a socket keeps its
// namespace for life, so a test may construct it on a thread that entered a
// throw-away namespace and use it from anywhere). start() asks for a full
// RTM_GETLINK dump; notifications and the dump are read on the io_context as
// the socket becomes readable, and turned into LinkChange events (see
// link_table.hpp) for the watched links.
//
// Lost notifications: when the socket's receive queue overflows the kernel
// drops notifications and the next read fails with ENOBUFS. The monitor then
// dumps again and reports the difference between what it knew and what the
// dump says, so a handler sees each real change once, late, and never a
// change that did not happen. A dump the kernel marks inconsistent
// (NLM_F_DUMP_INTR: the table changed under it) is repeated as well.
//
// Bad input: a malformed message is logged, counted and skipped; the rest of
// its datagram is still read.
//
// Needs no privilege (rtnetlink notifications are open to every user).

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mip6d/runtime/log.hpp"
#include "vswitch-plugin/netlink/link_info.hpp"
#include "vswitch-plugin/netlink/link_table.hpp"

struct mnl_socket;
struct nlmsghdr;

namespace roam6::vswitch {

struct LinkMonitorOptions {
  // Watch only these interface names; empty: every link of the namespace.
  std::vector<std::string> names;
  // SO_RCVBUF for the socket (SO_RCVBUFFORCE when allowed). Room for the
  // notifications of a few thousand link changes between two reads; an
  // overrun costs a full dump, never a lost change. 0: the kernel default.
  int receive_buffer_bytes = 1 << 20;
};

struct LinkMonitorCounters {
  std::uint64_t datagrams = 0;       // read from the socket
  std::uint64_t link_messages = 0;   // RTM_NEWLINK / RTM_DELLINK applied to the table
  std::uint64_t ignored = 0;         // well-formed, not about a link (AF_BRIDGE port events, ...)
  std::uint64_t malformed = 0;       // skipped: bad lengths, missing attributes, truncated datagrams
  std::uint64_t overruns = 0;        // ENOBUFS: notifications were lost
  std::uint64_t dumps = 0;           // RTM_GETLINK dumps requested (the first one included)
  std::uint64_t dumps_repeated = 0;  // dumps redone: inconsistent (NLM_F_DUMP_INTR) or refused
  std::uint64_t receive_errors = 0;  // other recvfrom / sendto failures
  std::uint64_t changes = 0;         // LinkChange events reported
};

class LinkMonitor {
 public:
  using ChangeHandler = std::function<void(const LinkChange&)>;
  using SynchronisedHandler = std::function<void()>;

  // Datagrams taken per wake-up before other work on the loop gets a turn.
  static constexpr std::size_t max_datagrams_per_wakeup = 64;

  // Opens and binds the socket in the calling thread's network namespace.
  // Throws std::system_error if that fails.
  LinkMonitor(boost::asio::io_context& io, const mip6d::Logger& log,
              LinkMonitorOptions options = {});
  ~LinkMonitor();
  LinkMonitor(const LinkMonitor&) = delete;
  LinkMonitor& operator=(const LinkMonitor&) = delete;

  // Each change of a watched link, in the order they happened. The handler
  // may destroy the monitor.
  void set_change_handler(ChangeHandler handler) { on_change_ = std::move(handler); }
  // After every complete dump (the first, and each resynchronisation): the
  // table is then exactly what the kernel has.
  void set_synchronised_handler(SynchronisedHandler handler) {
    on_synchronised_ = std::move(handler);
  }

  // Requests the first dump and starts reading. Call once. Throws
  // std::system_error if the request cannot be sent.
  void start();

  // A dump has completed and no notification has been lost since.
  [[nodiscard]] bool synchronised() const noexcept { return synchronised_; }
  // Watched links as last heard of, by ifindex.
  [[nodiscard]] std::vector<LinkInfo> links() const { return table_.links(); }
  [[nodiscard]] std::optional<LinkInfo> find(std::string_view name) const {
    return table_.find(name);
  }
  [[nodiscard]] std::optional<LinkInfo> find(std::uint32_t ifindex) const {
    return table_.find(ifindex);
  }
  [[nodiscard]] const LinkMonitorCounters& counters() const noexcept { return counters_; }
  // The socket's netlink port id (for logs; the kernel answers dumps to it).
  [[nodiscard]] std::uint32_t portid() const noexcept { return portid_; }

 private:
  // 0, or the errno of a request that could not be sent (retried later).
  int request_dump();
  void wait_readable();
  void read_ready();
  // false when a handler destroyed the monitor.
  bool consume(const std::uint8_t* data, std::size_t size);
  bool handle_message(const nlmsghdr& message);
  bool finish_dump();
  bool report(const LinkChange& change);
  void lost_notifications(const char* why);

  const mip6d::Logger& log_;
  boost::asio::io_context& io_;
  mnl_socket* socket_ = nullptr;
  std::uint32_t portid_ = 0;
  std::optional<boost::asio::posix::stream_descriptor> descriptor_;
  LinkTable table_;
  ChangeHandler on_change_;
  SynchronisedHandler on_synchronised_;
  LinkMonitorCounters counters_;
  std::vector<std::uint8_t> buffer_;

  std::uint32_t sequence_ = 0;
  std::optional<std::uint32_t> dump_sequence_;  // the dump in progress
  bool dump_inconsistent_ = false;              // NLM_F_DUMP_INTR seen in it
  bool dump_wanted_ = false;                    // another dump must follow (lost notifications, a refused request)
  bool synchronised_ = false;
  bool started_ = false;
  // Completions still queued on the loop after destruction see this expired.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace roam6::vswitch
