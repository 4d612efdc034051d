#pragma once
// Answers Neighbour Solicitations for addresses this node speaks for: its own
// (HA address, host care-of address), those it defends as proxy (an away
// guest's home address at the HA), and the home router's on a foreign site.
// RFC 4861 section 7.2.4 and RFC 6275 section 10.4.1.

#include <functional>
#include <optional>

#include "mip6d/io/frame_writer.hpp"
#include "roam6/wire/address.hpp"
#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/ipv6.hpp"

namespace roam6::mip6d {

struct NeighbourAnswer {
  wire::MacAddr mac;        // Target Link-layer Address to advertise
  bool router = false;      // R flag
  bool override_flag = true;
  // Ethernet source of the answer: the port's own MAC unless set (a host
  // answering as the guest's home router uses the router's MAC).
  std::optional<wire::MacAddr> frame_source;
  // IPv6 source of a solicited answer. RFC 4861 7.2.4: an address of the
  // interface that sends it. nullopt: the target itself (it is ours). A
  // proxy answering for someone else's address (RFC 4861 7.2.8, RFC 6275
  // 10.4.1) sets its own, so the neighbour is not told the proxied node
  // spoke.
  std::optional<wire::Ip6Addr> source;
  // An answer to Duplicate Address Detection goes to all nodes (RFC 4861
  // 7.2.4) in its IPv6 header; set: its frame goes to the prober's MAC
  // alone. The guest port is shared by guests of other home sites, and the
  // bridge passes no multicast from the datapath to an away guest.
  bool dad_answer_to_prober = false;
};

// nullopt: not ours to answer.
using NeighbourLookup = std::function<std::optional<NeighbourAnswer>(const wire::Ip6Addr& target)>;

enum class NsOutcome : std::uint8_t { not_solicitation, invalid, not_ours, answered, send_failed };

// `icmp` is the ICMPv6 message of `ip` (already known to be ICMPv6).
NsOutcome answer_neighbour_solicitation(FrameWriter& out, Port port, const wire::EthernetView& eth,
                                        const wire::Ipv6View& ip, wire::ByteSpan icmp,
                                        const NeighbourLookup& lookup);

// Unsolicited advertisement to all nodes (e.g. when the HA starts defending
// a home address), O flag set so neighbours update their caches.
bool announce_neighbour(FrameWriter& out, Port port, const wire::Ip6Addr& source,
                        const wire::Ip6Addr& target, const NeighbourAnswer& answer);

}  // namespace roam6::mip6d
