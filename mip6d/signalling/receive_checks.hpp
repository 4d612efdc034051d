#pragma once
// Whether a role may act on a packet it received, by the rules of RFC 8200
// and RFC 6275 for the headers in front of the message: a parsed frame in, a
// verdict out. No I/O and no state; ReceiveGuard (receive_guard.hpp) counts
// the verdicts and sends the answers they call for.
//
//   - An option the node does not recognise, in a Hop-by-Hop or Destination
//     Options header (RFC 8200 4.2), by the two high-order bits of its type:
//     00 skip it (the wire library's walk does); 01 discard; 10 discard and
//     send Parameter Problem code 2 pointing at the option type, whatever the
//     destination; 11 the same, but only when the destination was not a
//     multicast address.
//   - A routing header of a type the node does not know (RFC 8200 4.4):
//     Segments Left 0, ignore it and go on (the walk does); otherwise discard
//     and send Parameter Problem code 0 pointing at the Routing Type field.
//   - A type 2 routing header (RFC 6275 6.4) holds exactly one address (Hdr
//     Ext Len 2) and Segments Left 1, and only a mobile node takes one (its
//     address is the node's own home address). Anything else: discarded.
//   - A Home Address option (RFC 6275 6.3, 9.3.1) appears at most once and is
//     16 octets long. In anything but a Binding Update it needs a binding for
//     that home address whose care-of address is the packet's source;
//     without one the packet is discarded and a Binding Error with status 1
//     is due. A Mobility Header of a type the node does not know is left to
//     the Mobility Header rules (RFC 6275 9.2: Binding Error status 2, which
//     carries the same home address): the node cannot tell whether that type,
//     like a Binding Update, may carry the option.
//
// The headers are judged in the order they appear in the packet, as a node
// processing them one after the other would: the first one at fault decides.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "mip6d/io/ipv6_frame.hpp"
#include "roam6/wire/address.hpp"
#include "roam6/wire/errors.hpp"

namespace roam6::mip6d {

enum class DiscardReason : std::uint8_t {
  unknown_option_action_01,
  unknown_option_action_10,
  unknown_option_action_11,
  unknown_routing_type,
  type2_routing_header_bad_length,
  type2_routing_header_segments_left,
  type2_routing_header_not_mobile_node,
  home_address_option_bad_length,
  home_address_option_duplicate,
  home_address_option_no_binding,
  count_
};
inline constexpr std::size_t discard_reason_count = static_cast<std::size_t>(DiscardReason::count_);
// The counter name, e.g. "unknown_option.action_10" (docs/operations.md).
std::string_view name(DiscardReason reason) noexcept;

// What the sender of a discarded packet is told.
enum class DiscardAnswer : std::uint8_t {
  none,
  parameter_problem,  // ICMPv6 type 4 (RFC 4443 3.4)
  binding_error,      // Mobility Header type 7, status 1 (RFC 6275 6.1.9)
};

struct ReceiveVerdict {
  std::optional<DiscardReason> discard;  // nullopt: the role may act on the packet
  DiscardAnswer answer = DiscardAnswer::none;
  std::uint8_t code = 0;      // Parameter Problem code
  std::uint32_t pointer = 0;  // Parameter Problem pointer, from the IPv6 header
  wire::Ip6Addr home_address;  // Binding Error: the Home Address option's address
  // RFC 4443 2.4 (e.2): the one error that answers a packet sent to a
  // multicast address (Parameter Problem code 2 for an action-10 option).
  bool answer_multicast = false;

  [[nodiscard]] bool accepted() const noexcept { return !discard; }
};

// The care-of address bound to a home address, or nullopt.
using CareOfLookup = std::function<std::optional<wire::Ip6Addr>(const wire::Ip6Addr& home_address)>;

// Where the receiving role stands.
struct ReceiveRules {
  // A type 2 routing header ends at a mobile node: the host role takes one
  // on behalf of its guests (and checks the home address against them
  // itself). A Home Agent has no home address of its own.
  bool mobile_node = false;
  // RFC 6275 9.3.1: the node's bindings. Empty: the node holds none (a host).
  CareOfLookup care_of_address_for;
};

ReceiveVerdict check_received(const Ipv6Frame& frame, const ReceiveRules& rules);

// For a frame the extension-header walk refused (Ipv6Frame::error): the
// reason when it is one of the RFC 6275 rules above (a type 2 routing header
// longer than one address or with Segments Left above 1; a Home Address
// option twice or of the wrong length), nullopt for any other malformation.
std::optional<DiscardReason> discard_reason_for(wire::Errc walk_error) noexcept;

// Why an answer due by the verdict must not be sent at all.
enum class AnswerBlock : std::uint8_t {
  none,
  answers_icmp_error,    // RFC 4443 2.4 (e.1): never about an ICMPv6 error message
  source_not_unicast,    // (e.5), RFC 6275 9.3.3: unspecified or multicast source
  multicast_destination, // (e.2)-(e.4): IPv6 or link-layer multicast or broadcast
};
AnswerBlock answer_block(const Ipv6Frame& frame, const ReceiveVerdict& verdict) noexcept;

// The target of a Neighbour Solicitation, when `frame` carries one (at least
// the fixed part; the full checks are the responder's). Roles use it to tell
// the solicitations they answer, and so act on, from the others.
std::optional<wire::Ip6Addr> solicitation_target(const Ipv6Frame& frame) noexcept;
// The ICMPv6 type, when `frame` carries an ICMPv6 message.
std::optional<std::uint8_t> icmpv6_type(const Ipv6Frame& frame) noexcept;

}  // namespace roam6::mip6d
