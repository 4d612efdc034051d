#include "mip6d/signalling/receive_guard.hpp"

#include <gtest/gtest.h>

#include "hand_built_packets.hpp"
#include "tests/support/mip6d/fake_packet_io.hpp"
#include "tests/support/mip6d/simulated_scheduler.hpp"
#include "roam6/wire/icmpv6.hpp"
#include "roam6/wire/mobility_packet.hpp"

namespace roam6::mip6d {
namespace {

using namespace std::chrono_literals;
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
constexpr std::uint8_t kEchoRequest = 128;

std::size_t index(DiscardReason r) { return static_cast<std::size_t>(r); }

class ReceiveGuardTest : public ::testing::Test {
 protected:
  ReceiveGuardTest() { io.set_mac(Port::uplink, kOurMac); }

  // Delivers `ipv6` (from the router's MAC to ours unless told) to the guard;
  // true when the role may act on it.
  bool admit(const Octets& ipv6, const ReplyIdentity& as = {kHa, std::nullopt}, const MacAddr& to = kOurMac) {
    last = ethernet(to, kRouterMac, ipv6);
    Ipv6Frame f;
    if (parse_ipv6_frame(last, f) != FrameKind::ipv6) {
      guard.count_malformed(f);
      return false;
    }
    return guard.admit(Port::uplink, f, as);
  }
  static Octets bad_bu(std::uint8_t option_type = 0x9e, std::size_t body = 6, const Ip6Addr& src = kCoa) {
    return packet(src, kHa, {destination_options({option(option_type)}), mobility(kBindingUpdate, Octets(body, 0))});
  }

  SimulatedScheduler sched;
  FakePacketIo io;
  FrameWriter writer{io};
  ReceiveCheckCounters counters;
  std::vector<std::string> lines;
  Logger log{LogLevel::debug, [this](LogLevel, std::string_view l) { lines.emplace_back(l); }};
  ReceiveGuard guard{sched, writer, ReceiveRules{}, TokenBucketSettings{.per_second = 1, .burst = 2}, counters, log};
  Octets last;
};

TEST_F(ReceiveGuardTest, AcceptedPacketPassesUntouched) {
  EXPECT_TRUE(admit(packet(kCoa, kHa, {destination_options({option(0x1e)}), mobility(kBindingUpdate)})));
  EXPECT_TRUE(io.sent(Port::uplink).empty());
  for (const auto n : counters.discarded) EXPECT_EQ(n, 0u);
}

// The ICMPv6 message of the one frame sent, checked down to the IPv6 and
// Ethernet headers.
struct SentError {
  wire::Ipv6View ip;
  wire::Icmpv6View icmp;
};

SentError sent_error(const FrameBytes& f, const MacAddr& eth_dst, const MacAddr& eth_src) {
  const auto eth = wire::EthernetView::parse(f);
  EXPECT_TRUE(eth);
  EXPECT_EQ(eth->dst(), eth_dst);
  EXPECT_EQ(eth->src(), eth_src);
  const auto ip = wire::Ipv6View::parse(eth->payload());
  EXPECT_TRUE(ip);
  EXPECT_EQ(ip->next_header(), wire::ipproto::icmpv6);
  const auto icmp = wire::parse_icmpv6(*ip, ip->payload());  // checksum verified
  EXPECT_TRUE(icmp);
  return {*ip, *icmp};
}

// RFC 4443 3.4: type 4, the code and pointer of the verdict, the invoking
// packet whole when it fits; RFC 8200 4.2: back to the source, from us.
TEST_F(ReceiveGuardTest, ParameterProblemFieldByField) {
  const Octets bu = bad_bu();
  EXPECT_FALSE(admit(bu));
  const auto sent = io.take_sent(Port::uplink);
  ASSERT_EQ(sent.size(), 1u);
  const SentError e = sent_error(sent[0], kRouterMac, kOurMac);
  EXPECT_EQ(e.ip.src(), kHa);
  EXPECT_EQ(e.ip.dst(), kCoa);
  EXPECT_EQ(e.icmp.type(), wire::icmpv6_type::parameter_problem);
  const auto pp = wire::ParameterProblemView::parse(e.icmp);
  ASSERT_TRUE(pp);
  EXPECT_EQ(pp->code(), wire::parameter_problem_code::unrecognised_option);
  EXPECT_EQ(pp->pointer(), 42u);
  EXPECT_EQ(std::vector<std::uint8_t>(pp->invoking_packet().begin(), pp->invoking_packet().end()), bu);
  EXPECT_EQ(counters.discarded[index(DiscardReason::unknown_option_action_10)], 1u);
  EXPECT_EQ(counters.parameter_problems_sent, 1u);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.front().find("packet_discarded reason=unknown_option.action_10 source=2001:db8:b::2"),
            std::string::npos)
      << lines.front();
}

// RFC 4443 2.4 (c): as much of the invoking packet as keeps the error within
// the minimum MTU, 1280 octets.
TEST_F(ReceiveGuardTest, InvokingPacketCutAt1280Octets) {
  const Octets big = bad_bu(0x9e, 1500);
  ASSERT_GT(big.size(), 1280u);
  EXPECT_FALSE(admit(big));
  const auto sent = io.take_sent(Port::uplink);
  ASSERT_EQ(sent.size(), 1u);
  const SentError e = sent_error(sent[0], kRouterMac, kOurMac);
  EXPECT_EQ(e.ip.packet().size(), 1280u);
  const auto pp = wire::ParameterProblemView::parse(e.icmp);
  ASSERT_TRUE(pp);
  const auto invoking = pp->invoking_packet();
  ASSERT_EQ(invoking.size(), 1280u - 40 - 8);
  EXPECT_TRUE(std::equal(invoking.begin(), invoking.end(), big.begin()));
}

// RFC 4443 2.4 (f): a burst of bad packets gets at most the bucket's burst
// of errors, then one per 1 / per_second.
TEST_F(ReceiveGuardTest, ErrorsAreRateLimited) {
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(admit(bad_bu()));
  EXPECT_EQ(io.take_sent(Port::uplink).size(), 2u);
  EXPECT_EQ(counters.parameter_problems_sent, 2u);
  EXPECT_EQ(counters.rate_limited, 3u);
  EXPECT_EQ(counters.discarded[index(DiscardReason::unknown_option_action_10)], 5u);
  sched.advance(1s);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(admit(bad_bu()));
  EXPECT_EQ(io.take_sent(Port::uplink).size(), 1u);
  EXPECT_EQ(counters.rate_limited, 5u);
}

// RFC 4443 2.4 (e): an error never sent is counted, and costs no token.
TEST_F(ReceiveGuardTest, ForbiddenAnswersAreCountedNotSent) {
  EXPECT_FALSE(admit(bad_bu(0x9e, 6, addr("::"))));
  EXPECT_FALSE(admit(packet(kCoa, kHa, {destination_options({option(0x9e)}), icmpv6(1)})));
  EXPECT_FALSE(admit(bad_bu(0xde), {kHa, std::nullopt}, mac("33:33:00:00:00:01")));
  EXPECT_TRUE(io.sent(Port::uplink).empty());
  EXPECT_EQ(counters.not_allowed, 3u);
  EXPECT_EQ(counters.rate_limited, 0u);
  EXPECT_FALSE(admit(bad_bu()));
  EXPECT_FALSE(admit(bad_bu()));
  EXPECT_EQ(io.take_sent(Port::uplink).size(), 2u);
}

// Discards without an answer send nothing at all.
TEST_F(ReceiveGuardTest, SilentDiscards) {
  EXPECT_FALSE(admit(bad_bu(0x5e)));
  EXPECT_FALSE(admit(packet(kCoa, addr("ff02::1"), {destination_options({option(0xde)}), mobility(kBindingUpdate)})));
  EXPECT_FALSE(admit(packet(kHa, kCoa, {routing(2, 0, {kHoa}), mobility(6)})));
  EXPECT_TRUE(io.sent(Port::uplink).empty());
  EXPECT_EQ(counters.discarded[index(DiscardReason::unknown_option_action_01)], 1u);
  EXPECT_EQ(counters.discarded[index(DiscardReason::unknown_option_action_11)], 1u);
  EXPECT_EQ(counters.discarded[index(DiscardReason::type2_routing_header_segments_left)], 1u);
  EXPECT_EQ(counters.not_allowed, 0u);
}

// RFC 6275 9.3.1, 9.3.3, 6.1.9: a Binding Error with status 1 and the Home
// Address option's address, to the packet's source, checksummed.
TEST_F(ReceiveGuardTest, BindingErrorForAHomeAddressOptionWithoutBinding) {
  EXPECT_FALSE(admit(packet(kCoa, kHa, {destination_options({padn(4), home_address_option(kHoa)}), icmpv6(kEchoRequest)})));
  const auto sent = io.take_sent(Port::uplink);
  ASSERT_EQ(sent.size(), 1u);
  const auto eth = wire::EthernetView::parse(sent[0]);
  EXPECT_EQ(eth->dst(), kRouterMac);
  wire::MobilityPacket p;
  ASSERT_EQ(wire::decode_mobility_packet(eth->payload(), p), wire::Errc::ok);  // checksum verified
  EXPECT_EQ(p.ip.src(), kHa);
  EXPECT_EQ(p.ip.dst(), kCoa);
  EXPECT_FALSE(p.chain.home_address);
  EXPECT_FALSE(p.chain.type2_home_address);
  const auto be = wire::BindingErrorView::from(p.mh);
  ASSERT_TRUE(be);
  EXPECT_EQ(be->status(), wire::be_status::unknown_binding_for_home_address_option);
  EXPECT_EQ(be->home_address(), kHoa);
  EXPECT_EQ(counters.discarded[index(DiscardReason::home_address_option_no_binding)], 1u);
  EXPECT_EQ(counters.binding_errors_sent, 1u);
  // They share the bucket with the Parameter Problems (RFC 6275 9.3.3).
  EXPECT_FALSE(admit(bad_bu()));
  EXPECT_FALSE(admit(bad_bu()));
  EXPECT_EQ(io.take_sent(Port::uplink).size(), 1u);
  EXPECT_EQ(counters.rate_limited, 1u);
}

// A role speaking for another node on the port answers with its MAC.
TEST_F(ReceiveGuardTest, AnswersAsTheGivenIdentity) {
  const Ip6Addr router = addr("fe80::1");
  const MacAddr router_mac = mac("02:00:00:00:0a:01");
  EXPECT_FALSE(admit(bad_bu(), {router, router_mac}));
  const auto sent = io.take_sent(Port::uplink);
  ASSERT_EQ(sent.size(), 1u);
  const SentError e = sent_error(sent[0], kRouterMac, router_mac);
  EXPECT_EQ(e.ip.src(), router);
}

TEST_F(ReceiveGuardTest, FailedSendIsCounted) {
  io.fail_next_sends(Port::uplink, 1);
  EXPECT_FALSE(admit(bad_bu()));
  EXPECT_EQ(counters.send_failures, 1u);
  EXPECT_EQ(counters.parameter_problems_sent, 0u);
}

// What the walk refused for an RFC 6275 rule is counted by name; other
// malformations are not.
TEST_F(ReceiveGuardTest, MalformedFramesCountedByRule) {
  EXPECT_FALSE(admit(packet(kHa, kCoa, {routing(2, 1, {kHoa, kHoa}), mobility(6)})));
  EXPECT_FALSE(admit(packet(kHa, kCoa, {routing(2, 5, {kHoa}), mobility(6)})));
  Octets truncated = packet(kCoa, kHa, {destination_options({option(0x1e)}), mobility(kBindingUpdate)});
  truncated.resize(44);
  truncated[4] = 0;
  truncated[5] = 4;
  EXPECT_FALSE(admit(truncated));
  EXPECT_EQ(counters.discarded[index(DiscardReason::type2_routing_header_bad_length)], 1u);
  EXPECT_EQ(counters.discarded[index(DiscardReason::type2_routing_header_segments_left)], 1u);
  std::uint64_t total = 0;
  for (const auto n : counters.discarded) total += n;
  EXPECT_EQ(total, 2u);
  EXPECT_TRUE(io.sent(Port::uplink).empty());
}

}  // namespace
}  // namespace roam6::mip6d
