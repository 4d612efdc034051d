// RFC 4443 2.4 (e): the packets a node never answers with an ICMPv6 error.

#include "roam6/wire/icmpv6_error_policy.hpp"

#include <gtest/gtest.h>

#include "icmpv6_test_packets.hpp"
#include "roam6/wire/icmpv6.hpp"
#include "test_packets.hpp"

namespace roam6::wire {
namespace {

using test::Bytes;

const Ip6Addr kSource = test::addr("2001:db8:c::3");
const Ip6Addr kDestination = test::addr("2001:db8:a::10");

Bytes udp_packet(const Ip6Addr& src = kSource, const Ip6Addr& dst = kDestination) {
  Bytes b = test::ipv6_header(ipproto::udp, src, dst, 1);
  b.resize(b.size() + 12);
  test::finish_ipv6(b);
  return b;
}

Bytes icmp_packet(std::uint8_t type) {
  return test::icmpv6_packet(kSource, kDestination, 1, Bytes{type, 0, 0, 0, 0, 0, 0, 0});
}

Ipv6View view(const Bytes& b) { return *Ipv6View::parse(b); }

constexpr std::uint8_t kTimeExceeded = icmpv6_type::time_exceeded;
constexpr std::uint8_t kPacketTooBig = icmpv6_type::packet_too_big;
constexpr std::uint8_t kParameterProblem = icmpv6_type::parameter_problem;

TEST(Icmpv6ErrorPolicy, AnOrdinaryPacketMayBeAnswered) {
  const Bytes p = udp_packet();
  EXPECT_TRUE(icmpv6_error_allowed(view(p), kTimeExceeded, 0, false));
  EXPECT_TRUE(icmpv6_error_allowed(view(p), kParameterProblem, 0, false));
  EXPECT_TRUE(icmpv6_error_allowed(view(p), kPacketTooBig, 0, false));
  // Informational ICMPv6 (an Echo Request) is not an error message.
  EXPECT_TRUE(icmpv6_error_allowed(view(icmp_packet(icmpv6_type::echo_request)), kTimeExceeded, 0,
                                   false));
}

TEST(Icmpv6ErrorPolicy, NeverAboutAnErrorOrARedirect) {  // (e.1), (e.2)
  for (std::uint8_t type : {std::uint8_t{1}, std::uint8_t{2}, std::uint8_t{3}, std::uint8_t{4},
                            std::uint8_t{100}, std::uint8_t{127}, icmpv6_type::redirect}) {
    EXPECT_FALSE(icmpv6_error_allowed(view(icmp_packet(type)), kTimeExceeded, 0, false)) << +type;
    EXPECT_FALSE(icmpv6_error_allowed(view(icmp_packet(type)), kPacketTooBig, 0, false)) << +type;
  }
  // Behind an extension header it is still an error message.
  Bytes behind = test::ipv6_header(ipproto::destination_options, kSource, kDestination, 1);
  const Bytes options{ipproto::icmpv6, 0, 1, 4, 0, 0, 0, 0};
  behind.insert(behind.end(), options.begin(), options.end());
  const Bytes error{icmpv6_type::time_exceeded, 0, 0, 0, 0, 0, 0, 0};
  behind.insert(behind.end(), error.begin(), error.end());
  test::finish_icmpv6(behind, 48);
  EXPECT_FALSE(icmpv6_error_allowed(view(behind), kTimeExceeded, 0, false));
  // An ICMPv6 message too short to show its type is taken for an error.
  Bytes empty = test::ipv6_header(ipproto::icmpv6, kSource, kDestination, 1);
  test::finish_ipv6(empty);
  EXPECT_FALSE(icmpv6_error_allowed(view(empty), kTimeExceeded, 0, false));
}

TEST(Icmpv6ErrorPolicy, MulticastOnlyForPacketTooBigAndUnrecognisedOptions) {  // (e.3)-(e.5)
  const Bytes to_group = udp_packet(kSource, test::addr("ff0e::1"));
  EXPECT_FALSE(icmpv6_error_allowed(view(to_group), kTimeExceeded, 0, false));
  EXPECT_FALSE(icmpv6_error_allowed(view(to_group), kParameterProblem, 0, false));
  EXPECT_TRUE(icmpv6_error_allowed(view(to_group), kPacketTooBig, 0, false));
  EXPECT_TRUE(icmpv6_error_allowed(view(to_group), kParameterProblem,
                                   parameter_problem_code::unrecognised_option, false));
  const Bytes unicast = udp_packet();
  EXPECT_FALSE(icmpv6_error_allowed(view(unicast), kTimeExceeded, 0, true));
  EXPECT_TRUE(icmpv6_error_allowed(view(unicast), kPacketTooBig, 0, true));
}

TEST(Icmpv6ErrorPolicy, NeverToASourceThatNamesNoNode) {  // (e.6)
  EXPECT_FALSE(icmpv6_error_allowed(view(udp_packet(test::addr("::"))), kPacketTooBig, 0, false));
  EXPECT_FALSE(
      icmpv6_error_allowed(view(udp_packet(test::addr("ff02::1"))), kTimeExceeded, 0, false));
}

TEST(Icmpv6ErrorPolicy, LaterFragmentsAndBadChainsShowNoUpperLayer) {
  // A non-first fragment of anything: its upper layer is not in it.
  Bytes later = test::ipv6_header(ipproto::fragment, kSource, kDestination, 1);
  const Bytes fragment{ipproto::icmpv6, 0, 0x00, 0x10, 0, 0, 0, 1};
  later.insert(later.end(), fragment.begin(), fragment.end());
  later.push_back(icmpv6_type::time_exceeded);
  later.resize(later.size() + 7);
  test::finish_ipv6(later);
  EXPECT_TRUE(icmpv6_error_allowed(view(later), kTimeExceeded, 0, false));
  // A chain that does not parse (a header longer than the payload).
  Bytes bad = test::ipv6_header(ipproto::destination_options, kSource, kDestination, 1);
  const Bytes too_long{ipproto::icmpv6, 5, 0, 0, 0, 0, 0, 0};
  bad.insert(bad.end(), too_long.begin(), too_long.end());
  test::finish_ipv6(bad);
  EXPECT_TRUE(icmpv6_error_allowed(view(bad), kParameterProblem, 0, false));
}

}  // namespace
}  // namespace roam6::wire
