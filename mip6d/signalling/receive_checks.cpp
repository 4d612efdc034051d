#include "mip6d/signalling/receive_checks.hpp"

#include "roam6/wire/icmpv6.hpp"
#include "roam6/wire/mobility_header.hpp"

namespace roam6::mip6d {

namespace {

// Octets 2 and 3 of a routing header: Routing Type, Segments Left.
constexpr std::uint16_t routing_type_field = 2;
constexpr std::uint16_t segments_left_field = 3;
// The address of a type 2 routing header starts 8 octets into it.
constexpr std::uint16_t type2_address_field = 8;
// The Home Address option's address follows its type and length octets.
constexpr std::uint16_t option_data_field = 2;

// One problem found in the chain, at `offset` from the IPv6 header.
struct Finding {
  std::uint16_t offset = 0;
  ReceiveVerdict verdict;
};

void keep_first(std::optional<Finding>& first, Finding candidate) {
  if (!first || candidate.offset < first->offset) first = std::move(candidate);
}

ReceiveVerdict discard(DiscardReason reason) {
  ReceiveVerdict v;
  v.discard = reason;
  return v;
}

ReceiveVerdict parameter_problem(DiscardReason reason, std::uint8_t code, std::uint16_t pointer) {
  ReceiveVerdict v = discard(reason);
  v.answer = DiscardAnswer::parameter_problem;
  v.code = code;
  v.pointer = pointer;
  return v;
}

// RFC 8200 4.2: the option type's two high-order bits say what to do.
ReceiveVerdict unrecognised_option(const Ipv6Frame& frame, std::uint16_t offset) {
  constexpr auto code = wire::parameter_problem_code::unrecognised_option;
  switch (frame.chain.unrecognised_option_type >> 6) {
    case 1:
      return discard(DiscardReason::unknown_option_action_01);
    case 2: {
      ReceiveVerdict v = parameter_problem(DiscardReason::unknown_option_action_10, code, offset);
      v.answer_multicast = true;
      return v;
    }
    default:  // 3 (the walk records nothing for 0)
      if (frame.ip.dst().is_multicast()) return discard(DiscardReason::unknown_option_action_11);
      return parameter_problem(DiscardReason::unknown_option_action_11, code, offset);
  }
}

// The Mobility Header type, when the packet ends in one that is present.
std::optional<std::uint8_t> mobility_header_type(const Ipv6Frame& frame) {
  if (frame.chain.upper_protocol != wire::ipproto::mobility || frame.chain.later_fragment)
    return std::nullopt;
  const wire::ByteSpan packet = frame.ip.packet();
  const std::size_t at = std::size_t{frame.chain.upper_offset} + 2;
  if (at >= packet.size()) return std::nullopt;
  return packet[at];
}

// RFC 6275 9.3.1: the test is not made on a Binding Update; a Mobility
// Header type this node does not know is answered by the Mobility Header
// rules instead (see the header).
bool home_address_test_applies(const Ipv6Frame& frame) {
  const auto type = mobility_header_type(frame);
  if (!type) return true;
  if (*type == wire::mh_type::binding_update) return false;
  return wire::mobility_options_offset(*type) != 0;
}

bool bound_from_source(const Ipv6Frame& frame, const ReceiveRules& rules) {
  if (!rules.care_of_address_for) return false;
  const auto care_of = rules.care_of_address_for(*frame.chain.home_address);
  return care_of && *care_of == frame.ip.src();
}

}  // namespace

std::string_view name(DiscardReason reason) noexcept {
  switch (reason) {
    case DiscardReason::unknown_option_action_01: return "unknown_option.action_01";
    case DiscardReason::unknown_option_action_10: return "unknown_option.action_10";
    case DiscardReason::unknown_option_action_11: return "unknown_option.action_11";
    case DiscardReason::unknown_routing_type: return "unknown_routing_type";
    case DiscardReason::type2_routing_header_bad_length: return "type2_routing_header.bad_length";
    case DiscardReason::type2_routing_header_segments_left: return "type2_routing_header.segments_left";
    case DiscardReason::type2_routing_header_not_mobile_node: return "type2_routing_header.not_mobile_node";
    case DiscardReason::home_address_option_bad_length: return "home_address_option.bad_length";
    case DiscardReason::home_address_option_duplicate: return "home_address_option.duplicate";
    case DiscardReason::home_address_option_no_binding: return "home_address_option.no_binding";
    case DiscardReason::count_: break;
  }
  return "?";
}

ReceiveVerdict check_received(const Ipv6Frame& frame, const ReceiveRules& rules) {
  const wire::ExtensionChain& chain = frame.chain;
  std::optional<Finding> first;

  if (chain.unrecognised_option_offset) {
    const std::uint16_t at = *chain.unrecognised_option_offset;
    keep_first(first, {at, unrecognised_option(frame, at)});
  }
  if (chain.unsupported_routing_offset) {
    const std::uint16_t at = *chain.unsupported_routing_offset;
    keep_first(first, {at, parameter_problem(DiscardReason::unknown_routing_type,
                                             wire::parameter_problem_code::erroneous_header_field, at)});
  }
  if (chain.type2_home_address) {
    const auto header = static_cast<std::uint16_t>(chain.type2_home_address_offset - type2_address_field);
    if (chain.type2_segments_left != 1) {
      keep_first(first, {static_cast<std::uint16_t>(header + segments_left_field),
                         discard(DiscardReason::type2_routing_header_segments_left)});
    } else if (!rules.mobile_node) {
      keep_first(first, {static_cast<std::uint16_t>(header + routing_type_field),
                         discard(DiscardReason::type2_routing_header_not_mobile_node)});
    }
  }
  if (chain.home_address && home_address_test_applies(frame) && !bound_from_source(frame, rules)) {
    ReceiveVerdict v = discard(DiscardReason::home_address_option_no_binding);
    v.answer = DiscardAnswer::binding_error;
    v.home_address = *chain.home_address;
    keep_first(first, {static_cast<std::uint16_t>(chain.home_address_offset - option_data_field), v});
  }
  return first ? first->verdict : ReceiveVerdict{};
}

std::optional<DiscardReason> discard_reason_for(wire::Errc walk_error) noexcept {
  switch (walk_error) {
    case wire::Errc::bad_type2_routing_header_length: return DiscardReason::type2_routing_header_bad_length;
    case wire::Errc::bad_type2_segments_left: return DiscardReason::type2_routing_header_segments_left;
    case wire::Errc::bad_home_address_option_length: return DiscardReason::home_address_option_bad_length;
    case wire::Errc::duplicate_home_address_option: return DiscardReason::home_address_option_duplicate;
    default: return std::nullopt;
  }
}

AnswerBlock answer_block(const Ipv6Frame& frame, const ReceiveVerdict& verdict) noexcept {
  if (const auto type = icmpv6_type(frame); type && *type < 128) return AnswerBlock::answers_icmp_error;
  const wire::Ip6Addr source = frame.ip.src();
  if (source.is_unspecified() || source.is_multicast()) return AnswerBlock::source_not_unicast;
  const bool multicast = frame.ip.dst().is_multicast() || frame.eth.dst().is_multicast();
  if (multicast && !verdict.answer_multicast) return AnswerBlock::multicast_destination;
  return AnswerBlock::none;
}

std::optional<std::uint8_t> icmpv6_type(const Ipv6Frame& frame) noexcept {
  if (frame.chain.upper_protocol != wire::ipproto::icmpv6 || frame.chain.later_fragment) return std::nullopt;
  const wire::ByteSpan packet = frame.ip.packet();
  if (frame.chain.upper_offset >= packet.size()) return std::nullopt;
  return packet[frame.chain.upper_offset];
}

std::optional<wire::Ip6Addr> solicitation_target(const Ipv6Frame& frame) noexcept {
  // Type, Code, Checksum, Reserved (4), Target Address (16): RFC 4861 4.3.
  constexpr std::size_t target_field = 8;
  constexpr std::size_t fixed_part = target_field + 16;
  if (icmpv6_type(frame) != wire::icmpv6_type::neighbour_solicitation) return std::nullopt;
  const wire::ByteSpan icmp = frame.ip.packet().subspan(frame.chain.upper_offset);
  if (icmp.size() < fixed_part) return std::nullopt;
  return wire::Ip6Addr::from_bytes(icmp.data() + target_field);
}

}  // namespace roam6::mip6d
