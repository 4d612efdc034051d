#include "mip6d/signalling/receive_checks.hpp"

#include <gtest/gtest.h>

#include <map>

#include "hand_built_packets.hpp"

namespace roam6::mip6d {
namespace {

using namespace test;
using wire::Ip6Addr;
using wire::MacAddr;

Ip6Addr addr(const char* s) { return *Ip6Addr::parse(s); }
MacAddr mac(const char* s) { return *MacAddr::parse(s); }

const Ip6Addr kHa = addr("2001:db8:a::1");
const Ip6Addr kCoa = addr("2001:db8:b::2");
const Ip6Addr kHoa = addr("2001:db8:a::100");
const MacAddr kOurMac = mac("02:00:00:00:0a:99");
const MacAddr kRouterMac = mac("02:00:00:00:0a:01");

constexpr std::uint8_t kBindingUpdate = 5;
constexpr std::uint8_t kBindingAck = 6;
constexpr std::uint8_t kEchoRequest = 128;

// A frame as a role receives it, kept alive with its parse.
struct Received {
  Octets bytes;
  Ipv6Frame frame;
  FrameKind kind = FrameKind::malformed;
};

Received receive(const Octets& ipv6, const MacAddr& to = kOurMac) {
  Received r;
  r.bytes = ethernet(to, kRouterMac, ipv6);
  r.kind = parse_ipv6_frame(r.bytes, r.frame);
  return r;
}

// check_received on a packet that must parse.
ReceiveVerdict verdict(const Octets& ipv6, const ReceiveRules& rules = {}) {
  const Received r = receive(ipv6);
  EXPECT_EQ(r.kind, FrameKind::ipv6);
  return check_received(r.frame, rules);
}

void expect_parameter_problem(const ReceiveVerdict& v, DiscardReason reason, std::uint8_t code,
                              std::uint32_t pointer) {
  ASSERT_FALSE(v.accepted());
  EXPECT_EQ(*v.discard, reason) << name(*v.discard);
  EXPECT_EQ(v.answer, DiscardAnswer::parameter_problem);
  EXPECT_EQ(v.code, code);
  EXPECT_EQ(v.pointer, pointer);
}

void expect_silent_discard(const ReceiveVerdict& v, DiscardReason reason) {
  ASSERT_FALSE(v.accepted());
  EXPECT_EQ(*v.discard, reason) << name(*v.discard);
  EXPECT_EQ(v.answer, DiscardAnswer::none);
}

// The Mobility Header and ICMPv6 messages the roles act on, without any
// extension header, pass.
TEST(ReceiveChecks, PlainPacketsPass) {
  EXPECT_TRUE(verdict(packet(kCoa, kHa, {mobility(kBindingUpdate)})).accepted());
  EXPECT_TRUE(verdict(packet(kCoa, kHa, {icmpv6(kEchoRequest)})).accepted());
  EXPECT_TRUE(verdict(packet(kCoa, kHa, {})).accepted());
}

// RFC 8200 4.2: action 00 means skip over the option and go on.
TEST(ReceiveChecks, UnknownOptionWithAction00IsSkipped) {
  for (const std::uint8_t type : std::initializer_list<std::uint8_t>{0x1e, 0x3f, 0x05}) {
    EXPECT_TRUE(verdict(packet(kCoa, kHa, {destination_options({option(type)}), mobility(kBindingUpdate)})).accepted());
    EXPECT_TRUE(verdict(packet(kCoa, kHa, {hop_by_hop({option(type)}), mobility(kBindingUpdate)})).accepted());
  }
}

// RFC 8200 4.2: 01 discard; 10 discard and Parameter Problem code 2 pointing
// at the option type, even to multicast; 11 the same only to unicast.
TEST(ReceiveChecks, UnknownOptionByActionBits) {
  const auto with = [](std::uint8_t type, const Ip6Addr& dst = kHa) {
    return verdict(packet(kCoa, dst, {destination_options({option(type)}), mobility(kBindingUpdate)}));
  };
  // The option follows the header's Next Header and Hdr Ext Len octets.
  constexpr std::uint32_t at = 40 + 2;
  expect_silent_discard(with(0x5e), DiscardReason::unknown_option_action_01);
  const auto ten = with(0x9e);
  expect_parameter_problem(ten, DiscardReason::unknown_option_action_10, 2, at);
  EXPECT_TRUE(ten.answer_multicast);
  const auto ten_multicast = with(0x9e, addr("ff02::1"));
  expect_parameter_problem(ten_multicast, DiscardReason::unknown_option_action_10, 2, at);
  EXPECT_TRUE(ten_multicast.answer_multicast);
  const auto eleven = with(0xde);
  expect_parameter_problem(eleven, DiscardReason::unknown_option_action_11, 2, at);
  EXPECT_FALSE(eleven.answer_multicast);
  expect_silent_discard(with(0xde, addr("ff02::1:ff00:1")), DiscardReason::unknown_option_action_11);
}

// The pointer is the option type's offset from the IPv6 header, wherever the
// option sits: behind padding, in a Hop-by-Hop header, in a second header.
TEST(ReceiveChecks, PointerIsTheOffsetOfTheOptionType) {
  expect_parameter_problem(
      verdict(packet(kCoa, kHa, {destination_options({padn(4), option(0x9e)}), mobility(kBindingUpdate)})),
      DiscardReason::unknown_option_action_10, 2, 40 + 2 + 4);
  expect_parameter_problem(verdict(packet(kCoa, kHa, {hop_by_hop({option(0xc2)}), mobility(kBindingUpdate)})),
                           DiscardReason::unknown_option_action_11, 2, 42);
  // After an 8-octet Hop-by-Hop header holding only padding.
  expect_parameter_problem(verdict(packet(kCoa, kHa,
                                          {hop_by_hop({padn(6)}), destination_options({option(0x1e), option(0x80)}),
                                           mobility(kBindingUpdate)})),
                           DiscardReason::unknown_option_action_10, 2, 40 + 8 + 2 + 6);
}

// RFC 8200 4.4: an unknown routing type with Segments Left 0 is ignored;
// otherwise Parameter Problem code 0 pointing at the Routing Type field.
TEST(ReceiveChecks, UnknownRoutingType) {
  const Ip6Addr via = addr("2001:db8:c::1");
  for (const std::uint8_t type : std::initializer_list<std::uint8_t>{0, 1, 3, 4, 253}) {
    EXPECT_TRUE(verdict(packet(kCoa, kHa, {routing(type, 0, {via}), mobility(kBindingUpdate)})).accepted())
        << int{type};
    expect_parameter_problem(verdict(packet(kCoa, kHa, {routing(type, 1, {via}), mobility(kBindingUpdate)})),
                             DiscardReason::unknown_routing_type, 0, 40 + 2);
  }
  // Behind a Hop-by-Hop header: 8 octets further.
  expect_parameter_problem(
      verdict(packet(kCoa, kHa, {hop_by_hop({padn(6)}), routing(253, 2, {via, via}), mobility(kBindingUpdate)})),
      DiscardReason::unknown_routing_type, 0, 48 + 2);
}

// RFC 6275 6.4: Segments Left is 1, and only a mobile node takes the header.
TEST(ReceiveChecks, Type2RoutingHeader) {
  const ReceiveRules mobile_node{.mobile_node = true, .care_of_address_for = {}};
  const ReceiveRules home_agent{.mobile_node = false, .care_of_address_for = {}};
  const auto ba = [](std::uint8_t segments_left) {
    return packet(kHa, kCoa, {routing(2, segments_left, {kHoa}), mobility(kBindingAck)});
  };
  EXPECT_TRUE(verdict(ba(1), mobile_node).accepted());
  expect_silent_discard(verdict(ba(0), mobile_node), DiscardReason::type2_routing_header_segments_left);
  expect_silent_discard(verdict(ba(0), home_agent), DiscardReason::type2_routing_header_segments_left);
  expect_silent_discard(verdict(ba(1), home_agent), DiscardReason::type2_routing_header_not_mobile_node);
}

// What the extension-header walk itself refuses is named by the same
// reasons: more than one address, Segments Left above 1, a Home Address
// option twice or of another length than 16.
TEST(ReceiveChecks, WalkErrorsNamedByReason) {
  const auto reason_of = [](const Octets& ipv6) {
    const Received r = receive(ipv6);
    EXPECT_EQ(r.kind, FrameKind::malformed);
    return discard_reason_for(r.frame.error);
  };
  EXPECT_EQ(reason_of(packet(kHa, kCoa, {routing(2, 1, {kHoa, kHoa}), mobility(kBindingAck)})),
            DiscardReason::type2_routing_header_bad_length);
  EXPECT_EQ(reason_of(packet(kHa, kCoa, {routing(2, 2, {kHoa}), mobility(kBindingAck)})),
            DiscardReason::type2_routing_header_segments_left);
  EXPECT_EQ(reason_of(packet(kCoa, kHa,
                             {destination_options({home_address_option(kHoa), padn(4), home_address_option(kHoa)}),
                              mobility(kBindingUpdate)})),
            DiscardReason::home_address_option_duplicate);
  EXPECT_EQ(reason_of(packet(kCoa, kHa, {destination_options({home_address_option(kHoa, 8)}), mobility(kBindingUpdate)})),
            DiscardReason::home_address_option_bad_length);
  // Other malformations are not these rules' business.
  EXPECT_EQ(discard_reason_for(wire::Errc::hop_by_hop_not_first), std::nullopt);
  EXPECT_EQ(discard_reason_for(wire::Errc::ok), std::nullopt);
}

// RFC 6275 9.3.1: a Home Address option needs a binding from the packet's
// source, except in a Binding Update.
TEST(ReceiveChecks, HomeAddressOptionNeedsABindingOutsideABindingUpdate) {
  std::map<Ip6Addr, Ip6Addr> bindings;
  const ReceiveRules rules{.mobile_node = false, .care_of_address_for = [&](const Ip6Addr& hoa) -> std::optional<Ip6Addr> {
                             const auto it = bindings.find(hoa);
                             return it == bindings.end() ? std::nullopt : std::optional(it->second);
                           }};
  const auto with_hao = [](Header upper, const Ip6Addr& src = kCoa) {
    return packet(src, kHa, {destination_options({padn(4), home_address_option(kHoa)}), std::move(upper)});
  };
  EXPECT_TRUE(verdict(with_hao(mobility(kBindingUpdate)), rules).accepted());

  for (const Header& upper : {mobility(kBindingAck), mobility(0), icmpv6(kEchoRequest)}) {
    const auto v = verdict(with_hao(upper), rules);
    ASSERT_FALSE(v.accepted());
    EXPECT_EQ(*v.discard, DiscardReason::home_address_option_no_binding);
    EXPECT_EQ(v.answer, DiscardAnswer::binding_error);
    EXPECT_EQ(v.home_address, kHoa);
  }
  bindings[kHoa] = kCoa;
  EXPECT_TRUE(verdict(with_hao(icmpv6(kEchoRequest)), rules).accepted());
  EXPECT_TRUE(verdict(with_hao(mobility(kBindingAck)), rules).accepted());
  // A binding to another care-of address is no binding for this source.
  EXPECT_FALSE(verdict(with_hao(icmpv6(kEchoRequest), addr("2001:db8:b::3")), rules).accepted());
  // A node without bindings (a host) has none for anybody.
  EXPECT_EQ(*verdict(with_hao(icmpv6(kEchoRequest)), ReceiveRules{}).discard,
            DiscardReason::home_address_option_no_binding);
}

// A Mobility Header of a type the node does not know is left to the
// Mobility Header rules (Binding Error status 2, RFC 6275 9.2).
TEST(ReceiveChecks, UnknownMobilityHeaderTypeWithHomeAddressOptionIsLeftToTheMobilityRules) {
  EXPECT_TRUE(verdict(packet(kCoa, kHa, {destination_options({padn(4), home_address_option(kHoa)}), mobility(42)}))
                  .accepted());
}

// Headers are judged in packet order: the first one at fault decides.
TEST(ReceiveChecks, FirstHeaderAtFaultDecides) {
  const Ip6Addr via = addr("2001:db8:c::1");
  // A silently discarded option in front of an unknown routing header: no answer.
  expect_silent_discard(
      verdict(packet(kCoa, kHa, {hop_by_hop({option(0x7f)}), routing(0, 1, {via}), mobility(kBindingUpdate)})),
      DiscardReason::unknown_option_action_01);
  // An unknown routing header in front of an action-10 option: code 0.
  expect_parameter_problem(
      verdict(packet(kCoa, kHa, {routing(0, 1, {via}), destination_options({option(0x9e)}), mobility(kBindingUpdate)})),
      DiscardReason::unknown_routing_type, 0, 42);
  // A Home Address option in front of an unknown option in the same header.
  const auto v = verdict(packet(kCoa, kHa,
                                {destination_options({padn(4), home_address_option(kHoa), option(0x9e)}),
                                 mobility(kBindingAck)}));
  EXPECT_EQ(*v.discard, DiscardReason::home_address_option_no_binding);
  // And the other way round.
  expect_parameter_problem(verdict(packet(kCoa, kHa,
                                          {destination_options({option(0x9e), padn(2), home_address_option(kHoa)}),
                                           mobility(kBindingAck)})),
                           DiscardReason::unknown_option_action_10, 2, 42);
}

// RFC 4443 2.4 (e): when an answer due must still not be sent.
TEST(ReceiveChecks, AnswerBlockedByRfc4443) {
  const auto block = [](const Octets& ipv6, const MacAddr& to = kOurMac) {
    const Received r = receive(ipv6, to);
    EXPECT_EQ(r.kind, FrameKind::ipv6);
    const ReceiveVerdict v = check_received(r.frame, {});
    EXPECT_NE(v.answer, DiscardAnswer::none);
    return answer_block(r.frame, v);
  };
  const Header ten = destination_options({option(0x9e)});
  const Header eleven = destination_options({option(0xde)});
  const Header unknown_routing = routing(0, 1, {kHa});
  EXPECT_EQ(block(packet(kCoa, kHa, {ten, mobility(kBindingUpdate)})), AnswerBlock::none);
  // (e.1) never about an ICMPv6 error message (types 0-127).
  for (const std::uint8_t type : std::initializer_list<std::uint8_t>{1, 2, 3, 4, 127})
    EXPECT_EQ(block(packet(kCoa, kHa, {ten, icmpv6(type)})), AnswerBlock::answers_icmp_error) << int{type};
  EXPECT_EQ(block(packet(kCoa, kHa, {ten, icmpv6(kEchoRequest)})), AnswerBlock::none);
  // (e.5) never to a source that is not one node.
  EXPECT_EQ(block(packet(addr("::"), kHa, {ten, mobility(kBindingUpdate)})), AnswerBlock::source_not_unicast);
  EXPECT_EQ(block(packet(addr("ff02::1"), kHa, {ten, mobility(kBindingUpdate)})), AnswerBlock::source_not_unicast);
  // (e.2)-(e.4): nothing for a multicast destination, IPv6 or link layer,
  // but Parameter Problem code 2 for an action-10 option.
  EXPECT_EQ(block(packet(kCoa, addr("ff02::1"), {ten, mobility(kBindingUpdate)})), AnswerBlock::none);
  EXPECT_EQ(block(packet(kCoa, addr("ff02::1"), {unknown_routing, mobility(kBindingUpdate)})),
            AnswerBlock::multicast_destination);
  EXPECT_EQ(block(packet(kCoa, kHa, {eleven, mobility(kBindingUpdate)}), mac("33:33:00:00:00:01")),
            AnswerBlock::multicast_destination);
  EXPECT_EQ(block(packet(kCoa, kHa, {unknown_routing, mobility(kBindingUpdate)}), mac("ff:ff:ff:ff:ff:ff")),
            AnswerBlock::multicast_destination);
  EXPECT_EQ(block(packet(kCoa, kHa, {ten, mobility(kBindingUpdate)}), mac("ff:ff:ff:ff:ff:ff")), AnswerBlock::none);
  // A Binding Error is held to the same rules.
  const Header hao = destination_options({padn(4), home_address_option(kHoa)});
  EXPECT_EQ(block(packet(kCoa, kHa, {hao, icmpv6(kEchoRequest)})), AnswerBlock::none);
  EXPECT_EQ(block(packet(addr("::"), kHa, {hao, icmpv6(kEchoRequest)})), AnswerBlock::source_not_unicast);
  EXPECT_EQ(block(packet(kCoa, addr("ff02::1"), {hao, icmpv6(kEchoRequest)})), AnswerBlock::multicast_destination);
}

TEST(ReceiveChecks, SolicitationTargetAndIcmpType) {
  const Received ns = receive(packet(addr("fe80::1"), addr("ff02::1:ff00:1"), {neighbour_solicitation(kHa)}, 255));
  EXPECT_EQ(solicitation_target(ns.frame), kHa);
  EXPECT_EQ(icmpv6_type(ns.frame), 135);
  const Received echo = receive(packet(kCoa, kHa, {icmpv6(kEchoRequest)}));
  EXPECT_EQ(solicitation_target(echo.frame), std::nullopt);
  EXPECT_EQ(icmpv6_type(echo.frame), kEchoRequest);
  const Received truncated = receive(packet(kCoa, kHa, {icmpv6(135, Octets(10, 0))}));
  EXPECT_EQ(solicitation_target(truncated.frame), std::nullopt);
  const Received mh = receive(packet(kCoa, kHa, {mobility(kBindingUpdate)}));
  EXPECT_EQ(icmpv6_type(mh.frame), std::nullopt);
}

TEST(ReceiveChecks, EveryReasonHasAName) {
  for (std::size_t i = 0; i < discard_reason_count; ++i) {
    EXPECT_NE(name(static_cast<DiscardReason>(i)), "?") << i;
  }
}

}  // namespace
}  // namespace roam6::mip6d
