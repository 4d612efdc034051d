#include "tests/support/mip6d/in_memory_network.hpp"

#include <algorithm>
#include <stdexcept>

#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/extension_headers.hpp"
#include "roam6/wire/ipv6.hpp"

namespace roam6::mip6d {

FramePredicate carries_upper_protocol(std::uint8_t protocol) {
  return [protocol](wire::ByteSpan frame) {
    const auto ethernet = wire::EthernetView::parse(frame);
    if (!ethernet || ethernet->ethertype() != wire::ethertype::ipv6) return false;
    const auto ip = wire::Ipv6View::parse(ethernet->payload());
    if (!ip) return false;
    const auto chain = wire::walk_extension_chain(*ip);
    return chain && !chain->later_fragment && chain->upper_protocol == protocol;
  };
}

bool InMemoryNetwork::Loss::should_drop(wire::ByteSpan frame) {
  if (drop_next > 0) {
    --drop_next;
    return true;
  }
  return predicate && predicate(frame);
}

InMemoryNetwork::InMemoryNetwork(Scheduler& scheduler) : scheduler_(scheduler) {}

InMemoryNetwork::~InMemoryNetwork() = default;

InMemoryNetwork::Segment& InMemoryNetwork::segment(SegmentId id) {
  if (id.index >= segments_.size()) throw std::out_of_range("InMemoryNetwork: no such segment");
  return segments_[id.index];
}

InMemoryNetwork::Endpoint& InMemoryNetwork::endpoint(EndpointId id) {
  if (id.index >= endpoints_.size()) throw std::out_of_range("InMemoryNetwork: no such endpoint");
  return endpoints_[id.index];
}

SegmentId InMemoryNetwork::add_segment(std::string name, Duration one_way_delay) {
  if (one_way_delay < Duration::zero()) {
    throw std::invalid_argument("InMemoryNetwork: negative delay for segment " + name);
  }
  const std::size_t index = segments_.size();
  Segment s;
  s.name = std::move(name);
  s.delay = one_way_delay;
  s.timer = scheduler_.make_timer([this, index] { deliver_due(index); });
  segments_.push_back(std::move(s));
  return SegmentId{index};
}

void InMemoryNetwork::set_delay(SegmentId id, Duration one_way_delay) {
  Segment& s = segment(id);
  if (one_way_delay < Duration::zero()) {
    throw std::invalid_argument("InMemoryNetwork: negative delay for segment " + s.name);
  }
  s.delay = one_way_delay;
}

FakePacketIo& InMemoryNetwork::add_node(std::string name, const wire::MacAddr& uplink_mac,
                                        const wire::MacAddr& guests_mac) {
  nodes_.push_back(std::make_unique<FakePacketIo>(uplink_mac, guests_mac));
  node_names_.push_back(std::move(name));
  return *nodes_.back();
}

std::size_t InMemoryNetwork::add_endpoint(Endpoint e) {
  const std::size_t index = endpoints_.size();
  Segment& s = segments_[e.segment.index];
  for (const wire::Ip6Addr& a : e.addresses) s.neighbors.insert_or_assign(a, e.mac);
  s.members.push_back(index);
  endpoints_.push_back(std::move(e));
  return index;
}

EndpointId InMemoryNetwork::connect(FakePacketIo& node, Port port, SegmentId segment_id,
                                    std::vector<wire::Ip6Addr> addresses) {
  segment(segment_id);  // validates the id
  const auto owned =
      std::find_if(nodes_.begin(), nodes_.end(), [&](const auto& n) { return n.get() == &node; });
  if (owned == nodes_.end()) {
    throw std::invalid_argument("InMemoryNetwork: connect() takes a node made by add_node()");
  }
  const std::string& node_name = node_names_[static_cast<std::size_t>(owned - nodes_.begin())];
  const std::string name = node_name + (port == Port::uplink ? "/uplink" : "/guests");
  for (const Endpoint& e : endpoints_) {
    if (e.node == &node && e.port == port) {
      throw std::logic_error("InMemoryNetwork: " + name + " is already connected");
    }
  }
  Endpoint e;
  e.name = name;
  e.segment = segment_id;
  e.mac = node.mac(port);
  e.node = &node;
  e.port = port;
  e.addresses = std::move(addresses);
  const std::size_t index = add_endpoint(std::move(e));
  node.set_send_hook(port, [this, index](Port, wire::ByteSpan frame) { transmit(index, frame); });
  return EndpointId{index};
}

void InMemoryNetwork::move(EndpointId id, SegmentId to) {
  Segment& destination = segment(to);
  Endpoint& e = endpoint(id);
  Segment& origin = segments_[e.segment.index];
  std::erase(origin.members, id.index);
  for (const wire::Ip6Addr& a : e.addresses) {
    const auto it = origin.neighbors.find(a);
    if (it != origin.neighbors.end() && it->second == e.mac) origin.neighbors.erase(it);
    destination.neighbors.insert_or_assign(a, e.mac);
  }
  destination.members.push_back(id.index);
  e.segment = to;
}

RouterId InMemoryNetwork::add_router(std::string name) {
  Router r;
  r.name = std::move(name);
  routers_.push_back(std::move(r));
  return RouterId{routers_.size() - 1};
}

EndpointId InMemoryNetwork::connect_router(RouterId router, SegmentId segment_id,
                                           const wire::MacAddr& mac,
                                           std::vector<wire::Ip6Prefix> on_link) {
  segment(segment_id);
  if (router.index >= routers_.size()) throw std::out_of_range("InMemoryNetwork: no such router");
  Router& r = routers_[router.index];
  Endpoint e;
  e.name = r.name + "/" + std::to_string(r.interfaces.size());
  e.segment = segment_id;
  e.mac = mac;
  e.router = router.index;
  const std::size_t index = add_endpoint(std::move(e));
  r.interfaces.push_back(Interface{index, std::move(on_link)});
  return EndpointId{index};
}

void InMemoryNetwork::set_neighbor(SegmentId id, const wire::Ip6Addr& address,
                                   const wire::MacAddr& mac) {
  segment(id).neighbors.insert_or_assign(address, mac);
}

void InMemoryNetwork::drop_next(EndpointId id, Direction direction, std::size_t count) {
  Endpoint& e = endpoint(id);
  (direction == Direction::outbound ? e.outbound : e.inbound).drop_next = count;
}

void InMemoryNetwork::drop_matching(EndpointId id, Direction direction, FramePredicate predicate) {
  Endpoint& e = endpoint(id);
  (direction == Direction::outbound ? e.outbound : e.inbound).predicate = std::move(predicate);
}

void InMemoryNetwork::clear_loss(EndpointId id) {
  Endpoint& e = endpoint(id);
  e.outbound = Loss{};
  e.inbound = Loss{};
}

const InMemoryNetwork::EndpointCounters& InMemoryNetwork::counters(EndpointId id) const {
  if (id.index >= endpoints_.size()) throw std::out_of_range("InMemoryNetwork: no such endpoint");
  return endpoints_[id.index].counters;
}

const InMemoryNetwork::RouterCounters& InMemoryNetwork::counters(RouterId id) const {
  if (id.index >= routers_.size()) throw std::out_of_range("InMemoryNetwork: no such router");
  return routers_[id.index].counters;
}

std::size_t InMemoryNetwork::in_flight() const {
  std::size_t total = 0;
  for (const Segment& s : segments_) total += s.queue.size();
  return total;
}

void InMemoryNetwork::transmit(std::size_t sender, wire::ByteSpan frame) {
  Endpoint& e = endpoints_[sender];
  ++e.counters.sent;
  if (e.outbound.should_drop(frame)) {
    ++e.counters.dropped;
    return;
  }
  Segment& s = segments_[e.segment.index];
  // Never earlier than the frame before it: a segment does not reorder.
  const TimePoint deadline = std::max(scheduler_.now() + s.delay, s.last_deadline);
  s.last_deadline = deadline;
  s.queue.push_back(InFlight{deadline, sender, FrameBytes(frame.begin(), frame.end())});
  if (!s.timer->armed()) s.timer->arm_at(s.queue.front().deadline);
}

void InMemoryNetwork::deliver_due(std::size_t segment_index) {
  const TimePoint now = scheduler_.now();
  // Handlers may send (growing this queue or another) or move endpoints, so
  // take each frame out and look the segment up again every time.
  while (!segments_[segment_index].queue.empty() &&
         segments_[segment_index].queue.front().deadline <= now) {
    InFlight item = std::move(segments_[segment_index].queue.front());
    segments_[segment_index].queue.pop_front();
    const std::vector<std::size_t> members = segments_[segment_index].members;
    for (const std::size_t m : members) {
      if (m == item.sender) continue;
      Endpoint& receiver = endpoints_[m];
      if (receiver.segment.index != segment_index) continue;  // moved away meanwhile
      if (receiver.inbound.should_drop(item.frame)) {
        ++receiver.counters.dropped;
        continue;
      }
      ++receiver.counters.received;
      if (receiver.node != nullptr) {
        receiver.node->inject(receiver.port, item.frame, now);
      } else {
        router_receive(receiver.router, m, item.frame);
      }
    }
  }
  Segment& s = segments_[segment_index];
  if (!s.queue.empty()) s.timer->arm_at(s.queue.front().deadline);
}

void InMemoryNetwork::router_receive(std::size_t router_index, std::size_t interface_endpoint,
                                     wire::ByteSpan frame) {
  Router& router = routers_[router_index];
  const auto ethernet = wire::EthernetView::parse(frame);
  // On a hub a router sees everything; like a real one it takes only what is
  // addressed to it.
  if (!ethernet || ethernet->dst() != endpoints_[interface_endpoint].mac) return;
  if (ethernet->ethertype() != wire::ethertype::ipv6) {
    ++router.counters.not_forwardable;
    return;
  }
  const auto ip = wire::Ipv6View::parse(ethernet->payload());
  if (!ip) {
    ++router.counters.not_forwardable;
    return;
  }
  const wire::Ip6Addr dst = ip->dst();
  // Link-local and multicast traffic stays on its link (RFC 4291 section 2.5.6).
  if (dst.is_multicast() || dst.is_link_local() || ip->src().is_link_local()) {
    ++router.counters.not_forwardable;
    return;
  }
  if (ip->hop_limit() <= 1) {
    ++router.counters.hop_limit_exceeded;
    return;
  }
  const Interface* out = nullptr;
  int best_length = -1;
  for (const Interface& candidate : router.interfaces) {
    for (const wire::Ip6Prefix& prefix : candidate.on_link) {
      if (prefix.length > best_length && prefix.contains(dst)) {
        best_length = prefix.length;
        out = &candidate;
      }
    }
  }
  if (out == nullptr) {
    ++router.counters.no_route;
    return;
  }
  const Endpoint& out_endpoint = endpoints_[out->endpoint];
  const Segment& out_segment = segments_[out_endpoint.segment.index];
  const auto neighbor = out_segment.neighbors.find(dst);
  if (neighbor == out_segment.neighbors.end()) {
    ++router.counters.no_neighbor;
    return;
  }

  const wire::ByteSpan packet = ip->packet();
  FrameBytes forwarded(wire::ethernet_header_size + packet.size());
  const wire::MutableByteSpan out_frame(forwarded);
  wire::Ipv6Fields fields;
  fields.traffic_class = ip->traffic_class();
  fields.flow_label = ip->flow_label();
  fields.payload_length = ip->payload_length();
  fields.next_header = ip->next_header();
  fields.hop_limit = static_cast<std::uint8_t>(ip->hop_limit() - 1);
  fields.src = ip->src();
  fields.dst = dst;
  // Both writers fit by construction of `forwarded`; a failure would be a bug here.
  if (!wire::write_ethernet_header(out_frame, neighbor->second, out_endpoint.mac,
                                   wire::ethertype::ipv6) ||
      !wire::write_ipv6_header(out_frame.subspan(wire::ethernet_header_size), fields)) {
    ++router.counters.not_forwardable;
    return;
  }
  const wire::ByteSpan payload = ip->payload();
  std::copy(payload.begin(), payload.end(),
            forwarded.begin() +
                static_cast<std::ptrdiff_t>(wire::ethernet_header_size + wire::ipv6_header_size));
  ++router.counters.forwarded;
  transmit(out->endpoint, forwarded);
}

}  // namespace roam6::mip6d
