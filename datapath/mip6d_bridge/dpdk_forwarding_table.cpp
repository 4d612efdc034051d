#include "datapath/mip6d_bridge/dpdk_forwarding_table.hpp"

#include <rte_cycles.h>

#include <algorithm>
#include <chrono>
#include <string_view>

namespace roam6::datapath {
namespace {

std::string_view reason_when_refused(std::size_t count, std::size_t limit) {
  if (limit != 0 && count >= limit) return "full";
  // No free record: a forwarding core has not passed a quiescent state, so
  // retired records cannot be reused yet (or the limit is unknown here).
  return "no_free_record";
}

}  // namespace

DpdkForwardingTable::DpdkForwardingTable(BindingTable& table, mip6d::Scheduler& scheduler,
                                         const mip6d::Logger& log,
                                         mip6d::Duration reclaim_interval)
    : table_(table),
      scheduler_(scheduler),
      log_(log),
      reclaim_interval_(reclaim_interval),
      reclaim_timer_(scheduler.make_timer([this] {
        const bool traffic = table_.fold_traffic() != 0;
        table_.reclaim();
        arm_reclaim(traffic ? std::min<mip6d::Duration>(busy_fold_interval, reclaim_interval_) : reclaim_interval_);
      })),
      programmed_(0) {
  arm_reclaim(reclaim_interval_);
}

void DpdkForwardingTable::arm_reclaim(mip6d::Duration after) {
  reclaim_timer_->arm_at(scheduler_.now() + after);
}

void DpdkForwardingTable::set_tunnel(const mip6d::TunnelBinding& binding) {
  if (!table_.set_tunnel(TunnelSpec{binding.home_address, binding.care_of_address})) {
    ++counters_.refused;
    mip6d::LogRecord(log_, mip6d::LogLevel::warning, "datapath_table_refused")
        .kv("kind", "tunnel")
        .kv("reason", reason_when_refused(table_.tunnel_count(), max_tunnels_))
        .kv("hoa", binding.home_address)
        .kv("coa", binding.care_of_address)
        .kv("tunnels", table_.tunnel_count());
    return;
  }
  ++counters_.tunnels_set;
  programmed_.set_tunnel(binding);
}

void DpdkForwardingTable::clear_tunnel(const wire::Ip6Addr& home_address) {
  table_.clear_tunnel(home_address);
  ++counters_.tunnels_cleared;
  programmed_.clear_tunnel(home_address);
}

namespace {

// The forwarding cores stamp packets with the TSC; mip6d speaks wall time.
// The two are tied at this call: an error of microseconds.
std::uint64_t to_tsc(std::chrono::system_clock::time_point when) {
  if (when == std::chrono::system_clock::time_point{}) return 0;
  const auto ago = std::chrono::system_clock::now() - when;
  const std::uint64_t now = rte_get_tsc_cycles();
  if (ago.count() <= 0) return now;
  const double cycles = std::chrono::duration<double>(ago).count() * static_cast<double>(rte_get_tsc_hz());
  return cycles >= static_cast<double>(now) ? 1 : now - static_cast<std::uint64_t>(cycles);
}

}  // namespace

void DpdkForwardingTable::set_guest(const mip6d::GuestPath& path) {
  GuestSpec spec{path.mac,        path.home_address,      path.link_local,
                       path.away,       path.home_agent,        path.care_of_address,
                       path.router_mac, path.router_link_local, path.resumed,
                       path.forward_to, path.holding_at_home,   path.paused,
                       path.migrating,  to_tsc(path.replay_since), path.awaiting_binding,
                       path.other_home_addresses};
  bool applied = table_.set_guest(spec);
  if (!applied && !spec.other_home_addresses.empty()) {
    // The guest's further addresses did not fit (all guests' together are
    // bounded) or one is another guest's: its path itself must not wait for
    // them. Without them it may send and be reached at its home address.
    mip6d::LogRecord(log_, mip6d::LogLevel::warning, "datapath_table_refused")
        .kv("kind", "guest_addresses")
        .kv("mac", path.mac)
        .kv("hoa", path.home_address)
        .kv("addresses", spec.other_home_addresses.size())
        .kv("in_table", table_.other_home_address_count());
    ++counters_.refused;
    spec.other_home_addresses.clear();
    applied = table_.set_guest(spec);
    if (applied) {
      mip6d::GuestPath without = path;
      without.other_home_addresses.clear();
      ++counters_.guests_set;
      programmed_.set_guest(without);
      return;
    }
  }
  if (!applied) {
    ++counters_.refused;
    // The table also refuses an address another guest holds.
    const auto uses = [](const mip6d::GuestPath& guest, const wire::Ip6Addr& address) {
      return address != wire::Ip6Addr{} &&
             (guest.home_address == address ||
              std::find(guest.other_home_addresses.begin(), guest.other_home_addresses.end(), address) !=
                  guest.other_home_addresses.end());
    };
    bool home_address_taken = false;
    for (const auto& [mac, other] : programmed_.guests()) {
      if (mac == path.mac) continue;
      if (uses(other, path.home_address)) home_address_taken = true;
      for (const auto& address : path.other_home_addresses)
        if (uses(other, address)) home_address_taken = true;
    }
    mip6d::LogRecord(log_, mip6d::LogLevel::warning, "datapath_table_refused")
        .kv("kind", "guest")
        .kv("reason", home_address_taken ? std::string_view("home_address_in_use")
                                         : reason_when_refused(table_.guest_count(), max_guests_))
        .kv("mac", path.mac)
        .kv("hoa", path.home_address)
        .kv("guests", table_.guest_count());
    return;
  }
  ++counters_.guests_set;
  programmed_.set_guest(path);
}

void DpdkForwardingTable::clear_guest(const wire::MacAddr& mac) {
  table_.clear_guest(mac);
  ++counters_.guests_cleared;
  programmed_.clear_guest(mac);
}

}  // namespace roam6::datapath
