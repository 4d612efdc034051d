#pragma once
// A ForwardingTable that only remembers what it was told: the current tunnels
// (home address -> care-of address), the current guest paths, and a bounded log
// of the operations in the order they came.
//
// Tests use it to check what the control plane asked of the data plane. Hosts
// without DPDK (packet-socket mode) use it too, until a kernel-free forwarding
// path exists: there mip6d signals correctly but no data packet is tunnelled,
// and mip6ctl shows from here what the data plane would be doing.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <variant>

#include "mip6d/io/forwarding_table.hpp"

namespace roam6::mip6d {

struct ClearTunnel {
  wire::Ip6Addr home_address;
};
struct ClearGuest {
  wire::MacAddr mac;
};

// One call made on the table, with everything it carried.
using ForwardingOperation = std::variant<TunnelBinding, ClearTunnel, GuestPath, ClearGuest>;

// One line for logs and mip6ctl, e.g. "set_tunnel 2001:db8:a::10 via 2001:db8:b::1".
[[nodiscard]] std::string describe(const ForwardingOperation& operation);

class RecordingForwardingTable final : public ForwardingTable {
 public:
  // The log keeps the newest `log_capacity` operations, so a long-running
  // daemon in packet-socket mode does not grow without bound.
  static constexpr std::size_t default_log_capacity = 4096;
  explicit RecordingForwardingTable(std::size_t log_capacity = default_log_capacity);

  void set_tunnel(const TunnelBinding& binding) override;
  void clear_tunnel(const wire::Ip6Addr& home_address) override;
  void set_guest(const GuestPath& path) override;
  void clear_guest(const wire::MacAddr& mac) override;

  // Home address -> care-of address, ordered by home address.
  [[nodiscard]] const std::map<wire::Ip6Addr, wire::Ip6Addr>& tunnels() const { return tunnels_; }
  // Guest MAC -> path, ordered by MAC.
  [[nodiscard]] const std::map<wire::MacAddr, GuestPath>& guests() const { return guests_; }
  // nullptr when there is no such entry.
  [[nodiscard]] const wire::Ip6Addr* care_of_address(const wire::Ip6Addr& home_address) const;
  [[nodiscard]] const GuestPath* guest(const wire::MacAddr& mac) const;

  // Oldest first. total_operations() also counts those the log has let go.
  [[nodiscard]] const std::deque<ForwardingOperation>& log() const { return log_; }
  [[nodiscard]] std::uint64_t total_operations() const { return total_operations_; }
  void clear_log() { log_.clear(); }

 private:
  void record(ForwardingOperation operation);

  std::size_t log_capacity_;
  std::map<wire::Ip6Addr, wire::Ip6Addr> tunnels_;
  std::map<wire::MacAddr, GuestPath> guests_;
  std::deque<ForwardingOperation> log_;
  std::uint64_t total_operations_ = 0;
};

}  // namespace roam6::mip6d
