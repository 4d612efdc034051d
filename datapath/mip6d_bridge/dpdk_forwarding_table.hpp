#pragma once
// mip6d's ForwardingTable over the datapath's BindingTable. Runs on the
// control-plane thread, the table's one writer. The table can refuse an
// entry: full, a guest's home address held by another guest, or no record
// free because a forwarding core has not passed a quiescent state. That is
// logged (datapath_table_refused, with the likely reason) and counted
// (datapath.table.refused): mip6d's signalling has already answered by then,
// so the binding exists for mip6d but not for packets.
// A periodic timer returns retired records to the table's pool once every
// forwarding core has passed a quiescent state.

#include <cstdint>
#include <memory>

#include "datapath/table/binding_table.hpp"
#include "mip6d/io/forwarding_table.hpp"
#include "mip6d/io/recording_forwarding_table.hpp"
#include "mip6d/runtime/log.hpp"
#include "mip6d/runtime/scheduler.hpp"

namespace roam6::datapath {

struct ForwardingTableCounters {
  std::uint64_t tunnels_set = 0;
  std::uint64_t tunnels_cleared = 0;
  std::uint64_t guests_set = 0;
  std::uint64_t guests_cleared = 0;
  std::uint64_t refused = 0;  // a set_* the table did not take
};

class DpdkForwardingTable final : public mip6d::ForwardingTable {
 public:
  static constexpr std::chrono::milliseconds default_reclaim_interval{100};
  // While the forwarding cores log traffic, the timer folds their logs this
  // often instead (BindingTableLimits::traffic_log_entries), so they do not
  // fill; an idle table costs one timer per reclaim interval.
  static constexpr std::chrono::milliseconds busy_fold_interval{2};

  // `table`, `scheduler` and `log` must outlive this object.
  DpdkForwardingTable(BindingTable& table, mip6d::Scheduler& scheduler, const mip6d::Logger& log,
                      mip6d::Duration reclaim_interval = default_reclaim_interval);

  void set_tunnel(const mip6d::TunnelBinding& binding) override;
  void clear_tunnel(const wire::Ip6Addr& home_address) override;
  void set_guest(const mip6d::GuestPath& path) override;
  void clear_guest(const wire::MacAddr& mac) override;

  // What the datapath holds now (only what it accepted), for mip6ctl.
  [[nodiscard]] const mip6d::RecordingForwardingTable& programmed() const { return programmed_; }
  [[nodiscard]] const ForwardingTableCounters& counters() const { return counters_; }
  [[nodiscard]] BindingTable& table() const { return table_; }
  // Entries the table holds at most (BindingTableLimits), for the log.
  void set_limits(std::size_t max_tunnels, std::size_t max_guests) {
    max_tunnels_ = max_tunnels;
    max_guests_ = max_guests;
  }

 private:
  void arm_reclaim(mip6d::Duration after);

  BindingTable& table_;
  mip6d::Scheduler& scheduler_;
  const mip6d::Logger& log_;
  mip6d::Duration reclaim_interval_;
  std::unique_ptr<mip6d::Timer> reclaim_timer_;
  mip6d::RecordingForwardingTable programmed_;
  ForwardingTableCounters counters_;
  std::size_t max_tunnels_ = 0;  // 0: unknown
  std::size_t max_guests_ = 0;
};

}  // namespace roam6::datapath
