#pragma once
// An in-memory model of Ethernet segments joined by IPv6 routers, for tests
// that run a Home Agent and hosts against each other on a SimulatedScheduler.
//
// - A segment is a hub: a frame sent on it reaches every other endpoint on it
//   after the segment's one-way delay, whatever its destination MAC (mip6d's
//   packet sockets are promiscuous, so this is what they would see). Frames on
//   one segment arrive in the order they were sent, even if the delay is
//   shortened in between.
// - An endpoint is one port of a node (a FakePacketIo the network owns and
//   the code under test uses as its PacketIo), or one interface of a router.
// - A router takes only frames addressed to its interface's MAC, forwards
//   IPv6 unicast by longest-prefix match on the destination, rewrites both
//   MACs and decrements the hop limit. It does no Neighbour Discovery: the
//   next hop's MAC comes from the addresses endpoints declared when they
//   were connected, or from set_neighbor(). Whatever it cannot forward is
//   counted and dropped (no ICMPv6 errors are sent).
// - Loss is set per endpoint and direction: drop the next N frames, or drop
//   frames a predicate picks, e.g. every Binding Acknowledgement.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/mip6d/fake_packet_io.hpp"
#include "mip6d/runtime/scheduler.hpp"
#include "roam6/wire/address.hpp"

namespace roam6::mip6d {

struct SegmentId {
  std::size_t index = 0;
};
struct EndpointId {
  std::size_t index = 0;
};
struct RouterId {
  std::size_t index = 0;
};

using FramePredicate = std::function<bool(wire::ByteSpan frame)>;

// True for IPv6 frames whose extension-header chain ends in `protocol`
// (wire::ipproto::mobility, icmpv6...); false for anything else.
[[nodiscard]] FramePredicate carries_upper_protocol(std::uint8_t protocol);

class InMemoryNetwork {
 public:
  // Seen from the endpoint: outbound = endpoint to segment.
  enum class Direction : std::uint8_t { outbound, inbound };

  struct EndpointCounters {
    std::uint64_t sent = 0;      // frames the endpoint put on its segment
    std::uint64_t received = 0;  // frames delivered to it
    std::uint64_t dropped = 0;   // frames its loss settings discarded, both ways
  };
  struct RouterCounters {
    std::uint64_t forwarded = 0;
    std::uint64_t not_forwardable = 0;  // not IPv6, malformed, multicast or link-local
    std::uint64_t hop_limit_exceeded = 0;
    std::uint64_t no_route = 0;
    std::uint64_t no_neighbor = 0;
  };

  explicit InMemoryNetwork(Scheduler& scheduler);
  ~InMemoryNetwork();
  InMemoryNetwork(const InMemoryNetwork&) = delete;
  InMemoryNetwork& operator=(const InMemoryNetwork&) = delete;

  SegmentId add_segment(std::string name, Duration one_way_delay = {});
  void set_delay(SegmentId segment, Duration one_way_delay);

  // A node lives as long as the network; give the code under test a reference.
  FakePacketIo& add_node(std::string name, const wire::MacAddr& uplink_mac,
                         const wire::MacAddr& guests_mac = {});
  // Plugs one port of `node` into `segment`. `addresses` are the IPv6
  // addresses it answers to there, so routers can reach it.
  EndpointId connect(FakePacketIo& node, Port port, SegmentId segment,
                     std::vector<wire::Ip6Addr> addresses = {});
  // Unplugs the endpoint and plugs it into `segment` (a migrating guest).
  // Frames still in flight on the old segment no longer reach it.
  void move(EndpointId endpoint, SegmentId segment);

  RouterId add_router(std::string name);
  // A router interface on `segment` with the given MAC, serving `on_link`.
  EndpointId connect_router(RouterId router, SegmentId segment, const wire::MacAddr& mac,
                            std::vector<wire::Ip6Prefix> on_link);
  // Tells routers that `address` on `segment` is reached at `mac`.
  void set_neighbor(SegmentId segment, const wire::Ip6Addr& address, const wire::MacAddr& mac);

  void drop_next(EndpointId endpoint, Direction direction, std::size_t count);
  // Drops every frame `predicate` picks until cleared (an empty predicate clears).
  void drop_matching(EndpointId endpoint, Direction direction, FramePredicate predicate);
  void clear_loss(EndpointId endpoint);

  [[nodiscard]] const EndpointCounters& counters(EndpointId endpoint) const;
  [[nodiscard]] const RouterCounters& counters(RouterId router) const;
  // Frames sent but not yet delivered, over all segments.
  [[nodiscard]] std::size_t in_flight() const;

 private:
  struct Loss {
    std::size_t drop_next = 0;
    FramePredicate predicate;
    bool should_drop(wire::ByteSpan frame);
  };
  struct Endpoint {
    std::string name;
    SegmentId segment;
    wire::MacAddr mac;
    FakePacketIo* node = nullptr;  // set for node ports
    Port port = Port::uplink;
    std::size_t router = 0;  // for router interfaces (node == nullptr)
    std::vector<wire::Ip6Addr> addresses;
    Loss outbound;
    Loss inbound;
    EndpointCounters counters;
  };
  struct InFlight {
    TimePoint deadline;
    std::size_t sender;
    FrameBytes frame;
  };
  struct Segment {
    std::string name;
    Duration delay{};
    std::vector<std::size_t> members;
    std::map<wire::Ip6Addr, wire::MacAddr> neighbors;
    std::deque<InFlight> queue;
    TimePoint last_deadline{};
    std::unique_ptr<Timer> timer;
  };
  struct Interface {
    std::size_t endpoint;
    std::vector<wire::Ip6Prefix> on_link;
  };
  struct Router {
    std::string name;
    std::vector<Interface> interfaces;
    RouterCounters counters;
  };

  Segment& segment(SegmentId id);
  Endpoint& endpoint(EndpointId id);
  std::size_t add_endpoint(Endpoint endpoint);
  void transmit(std::size_t sender, wire::ByteSpan frame);
  void deliver_due(std::size_t segment_index);
  void router_receive(std::size_t router_index, std::size_t interface_endpoint,
                      wire::ByteSpan frame);

  Scheduler& scheduler_;
  std::vector<std::unique_ptr<FakePacketIo>> nodes_;
  std::vector<std::string> node_names_;
  std::vector<Segment> segments_;
  std::vector<Endpoint> endpoints_;
  std::vector<Router> routers_;
};

}  // namespace roam6::mip6d
