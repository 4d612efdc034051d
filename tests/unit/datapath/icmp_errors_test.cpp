// The ICMPv6 error element on its own (rate limit per type, the message it
// builds), and the classifier's answers the error and punt paths rely on.

#include "datapath/elements/icmp_errors.hpp"

#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include "datapath/elements/frame_classifier.hpp"
#include "frame_builder.hpp"
#include "roam6/wire/icmpv6.hpp"

namespace roam6::datapath {
namespace {

using namespace test;

const auto guest = mac("52:54:00:00:00:10");
const auto router = mac("02:00:00:00:aa:01");
const auto router_ll = ip("fe80::1");
const auto hoa = ip("2001:db8:a::10");
const auto correspondent = ip("2001:db8:c::1");

class IcmpErrors : public ::testing::Test {
 protected:
  void SetUp() override { pool = test_pool(); }
  void TearDown() override { rte_mempool_free(pool); }
  rte_mempool* pool = nullptr;
};

TEST(IcmpErrorLimiter, OneBucketPerType) {
  // RFC 4443 2.4 (f), per type so one kind cannot starve another.
  const std::uint64_t hz = 1'000'000;
  IcmpErrorLimiter limiter(IcmpErrorSettings{10, 2});
  EXPECT_TRUE(limiter.take(IcmpErrorKind::time_exceeded, 5, hz));
  EXPECT_TRUE(limiter.take(IcmpErrorKind::time_exceeded, 5, hz));
  EXPECT_FALSE(limiter.take(IcmpErrorKind::time_exceeded, 5, hz));
  EXPECT_TRUE(limiter.take(IcmpErrorKind::packet_too_big, 5, hz));
  EXPECT_TRUE(limiter.take(IcmpErrorKind::parameter_problem, 5, hz));
  EXPECT_TRUE(limiter.take(IcmpErrorKind::time_exceeded, 5 + 100'000, hz));
}

TEST(IcmpError, TypesAndCodes) {
  EXPECT_EQ(IcmpError::packet_too_big(1400).type(), 2);
  EXPECT_EQ(IcmpError::packet_too_big(1400).word, 1400u);
  EXPECT_EQ(IcmpError::hop_limit_exceeded().type(), 3);
  EXPECT_EQ(IcmpError::hop_limit_exceeded().code, 0);
  EXPECT_EQ(IcmpError::reassembly_time_exceeded().type(), 3);
  EXPECT_EQ(IcmpError::reassembly_time_exceeded().code, 1);
  EXPECT_EQ(IcmpError::erroneous_header_field(44).type(), 4);
  EXPECT_EQ(IcmpError::erroneous_header_field(44).code, 0);
  EXPECT_EQ(IcmpError::erroneous_header_field(44).word, 44u);
}

TEST_F(IcmpErrors, BuildsTheWholeFrame) {
  const Bytes offending = udp_packet({hoa, correspondent, 1}, 100);
  rte_mbuf* m = build_icmpv6_error(pool, {guest, router, router_ll, hoa},
                                   IcmpError::erroneous_header_field(44), offending);
  ASSERT_NE(m, nullptr);
  const Bytes f = bytes_of(m);
  ASSERT_EQ(f.size(), 14 + 48 + offending.size());
  EXPECT_EQ(wire::MacAddr::from_bytes(f.data()), guest);
  EXPECT_EQ(wire::MacAddr::from_bytes(f.data() + 6), router);
  const auto ip6 = *wire::Ipv6View::parse({f.data() + 14, f.size() - 14});
  EXPECT_EQ(ip6.src(), router_ll);
  EXPECT_EQ(ip6.dst(), hoa);
  EXPECT_EQ(ip6.hop_limit(), 64);
  const auto icmp = wire::parse_icmpv6(ip6, ip6.payload());
  ASSERT_TRUE(icmp.ok());
  EXPECT_EQ(icmp->type(), 4);
  EXPECT_EQ(icmp->code(), 0);
  EXPECT_EQ(wire::load_be32(f.data() + 14 + 44), 44u);
  EXPECT_EQ(Bytes(f.begin() + 14 + 48, f.end()), offending);
  EXPECT_GE(rte_pktmbuf_headroom(m), 40u) << "room for an outer header";
  rte_pktmbuf_free(m);
}

TEST_F(IcmpErrors, QuoteIsCutToTheLimit) {
  const Bytes offending = udp_packet({hoa, correspondent, 1}, 1400);
  rte_mbuf* full = build_icmpv6_error(pool, {guest, router, router_ll, hoa},
                                      IcmpError::hop_limit_exceeded(), offending);
  ASSERT_NE(full, nullptr);
  EXPECT_EQ(rte_pktmbuf_pkt_len(full), 14u + 1280u);  // RFC 4443 2.4 (c)
  rte_pktmbuf_free(full);
  // An error that will be tunnelled over a 1280-byte path: 1240 at most.
  rte_mbuf* cut = build_icmpv6_error(pool, {guest, router, router_ll, hoa},
                                     IcmpError::hop_limit_exceeded(), offending, 1240);
  ASSERT_NE(cut, nullptr);
  const Bytes f = bytes_of(cut);
  EXPECT_EQ(f.size(), 14u + 1240u);
  EXPECT_EQ(Bytes(f.begin() + 14 + 48, f.end()), Bytes(offending.begin(), offending.begin() + 1192));
  const auto ip6 = *wire::Ipv6View::parse({f.data() + 14, f.size() - 14});
  EXPECT_TRUE(wire::parse_icmpv6(ip6, ip6.payload()).ok());
  rte_pktmbuf_free(cut);
}

TEST_F(IcmpErrors, RefusesWhatCannotBeSent) {
  const Bytes offending = udp_packet({hoa, correspondent, 1}, 10);
  // A Packet Too Big under the IPv6 minimum MTU (RFC 8201 receivers ignore it).
  EXPECT_EQ(build_icmpv6_error(pool, {guest, router, router_ll, hoa},
                               IcmpError::packet_too_big(1279), offending),
            nullptr);
  EXPECT_EQ(build_icmpv6_error(pool, {guest, router, router_ll, hoa},
                               IcmpError::hop_limit_exceeded(), offending, 48),
            nullptr);
  EXPECT_EQ(rte_mempool_in_use_count(pool), 0u);
}

TEST(FrameClassifier, MarksFragmentsAndFindsMobilityHeaders) {
  const Ipv6Header h{hoa, correspondent};
  const Bytes udp = udp_packet(h, 16);
  Bytes fragment(udp.size() + 8);
  std::memcpy(fragment.data(), udp.data(), 40);
  fragment[6] = wire::ipproto::fragment;
  wire::store_be16(fragment.data() + 4, static_cast<std::uint16_t>(udp.size() - 40 + 8));
  fragment[40] = wire::ipproto::udp;
  fragment[43] = 1;  // offset 0, M set: a first fragment
  std::memcpy(fragment.data() + 48, udp.data() + 40, udp.size() - 40);
  const Bytes frame = ethernet_frame(guest, router, fragment);
  const auto c = classify_frame(frame.data(), static_cast<std::uint32_t>(frame.size()));
  EXPECT_TRUE(c.fragment);
  EXPECT_EQ(c.upper_protocol, wire::ipproto::udp);
  const Bytes plain = ethernet_frame(guest, router, udp);
  EXPECT_FALSE(classify_frame(plain.data(), static_cast<std::uint32_t>(plain.size())).fragment);

  EXPECT_TRUE(carries_mobility_header(*wire::Ipv6View::parse(mobility_packet(h))));
  const Bytes behind = with_destination_options(mobility_packet(h), std::nullopt);
  EXPECT_TRUE(carries_mobility_header(*wire::Ipv6View::parse(behind)));
  EXPECT_FALSE(carries_mobility_header(*wire::Ipv6View::parse(udp)));
  EXPECT_FALSE(carries_mobility_header(*wire::Ipv6View::parse(with_destination_options(udp, 3))));
}

}  // namespace
}  // namespace roam6::datapath
