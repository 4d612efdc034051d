#include "mip6d/io/recording_forwarding_table.hpp"

namespace roam6::mip6d {

namespace {

std::string describe_guest(const GuestPath& p) {
  std::string text = "set_guest " + p.mac.to_string() + " home " + p.home_address.to_string() +
                     " link-local " + p.link_local.to_string();
  if (p.away) {
    text += " away via " + p.home_agent.to_string() + " from " + p.care_of_address.to_string() +
            " router " + p.router_mac.to_string() + " " + p.router_link_local.to_string();
  } else {
    text += " at home";
  }
  text += p.resumed ? " resumed" : " holding";
  return text;
}

}  // namespace

std::string describe(const ForwardingOperation& operation) {
  struct Describer {
    std::string operator()(const TunnelBinding& b) const {
      return "set_tunnel " + b.home_address.to_string() + " via " + b.care_of_address.to_string();
    }
    std::string operator()(const ClearTunnel& c) const {
      return "clear_tunnel " + c.home_address.to_string();
    }
    std::string operator()(const GuestPath& p) const { return describe_guest(p); }
    std::string operator()(const ClearGuest& c) const { return "clear_guest " + c.mac.to_string(); }
  };
  return std::visit(Describer{}, operation);
}

RecordingForwardingTable::RecordingForwardingTable(std::size_t log_capacity)
    : log_capacity_(log_capacity) {}

void RecordingForwardingTable::set_tunnel(const TunnelBinding& binding) {
  tunnels_.insert_or_assign(binding.home_address, binding.care_of_address);
  record(binding);
}

void RecordingForwardingTable::clear_tunnel(const wire::Ip6Addr& home_address) {
  tunnels_.erase(home_address);
  record(ClearTunnel{home_address});
}

void RecordingForwardingTable::set_guest(const GuestPath& path) {
  guests_.insert_or_assign(path.mac, path);
  record(path);
}

void RecordingForwardingTable::clear_guest(const wire::MacAddr& mac) {
  guests_.erase(mac);
  record(ClearGuest{mac});
}

const wire::Ip6Addr* RecordingForwardingTable::care_of_address(
    const wire::Ip6Addr& home_address) const {
  const auto it = tunnels_.find(home_address);
  return it == tunnels_.end() ? nullptr : &it->second;
}

const GuestPath* RecordingForwardingTable::guest(const wire::MacAddr& mac) const {
  const auto it = guests_.find(mac);
  return it == guests_.end() ? nullptr : &it->second;
}

void RecordingForwardingTable::record(ForwardingOperation operation) {
  ++total_operations_;
  if (log_capacity_ == 0) return;
  if (log_.size() == log_capacity_) log_.pop_front();
  log_.push_back(std::move(operation));
}

}  // namespace roam6::mip6d
