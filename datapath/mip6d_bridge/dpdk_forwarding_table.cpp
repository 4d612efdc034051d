#include "datapath/mip6d_bridge/dpdk_forwarding_table.hpp"

namespace roam6::datapath {

DpdkForwardingTable::DpdkForwardingTable(BindingTable& table, mip6d::Scheduler& scheduler,
                                         const mip6d::Logger& log,
                                         mip6d::Duration reclaim_interval)
    : table_(table),
      scheduler_(scheduler),
      log_(log),
      reclaim_interval_(reclaim_interval),
      reclaim_timer_(scheduler.make_timer([this] {
        table_.reclaim();
        arm_reclaim();
      })),
      programmed_(0) {
  arm_reclaim();
}

void DpdkForwardingTable::arm_reclaim() {
  reclaim_timer_->arm_at(scheduler_.now() + reclaim_interval_);
}

void DpdkForwardingTable::set_tunnel(const mip6d::TunnelBinding& binding) {
  if (!table_.set_tunnel(TunnelSpec{binding.home_address, binding.care_of_address})) {
    ++counters_.full;
    mip6d::LogRecord(log_, mip6d::LogLevel::warning, "datapath_table_full")
        .kv("kind", "tunnel")
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

void DpdkForwardingTable::set_guest(const mip6d::GuestPath& path) {
  const GuestSpec spec{path.mac,       path.home_address,    path.link_local,
                       path.away,      path.home_agent,      path.care_of_address,
                       path.router_mac, path.router_link_local, path.resumed};
  if (!table_.set_guest(spec)) {
    ++counters_.full;
    mip6d::LogRecord(log_, mip6d::LogLevel::warning, "datapath_table_full")
        .kv("kind", "guest")
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
