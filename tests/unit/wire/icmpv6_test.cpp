#include "roam6/wire/icmpv6.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "icmpv6_test_packets.hpp"
#include "test_packets.hpp"

namespace roam6::wire {
namespace {

using test::append;
using test::append_be16;
using test::append_be32;
using test::Bytes;

const Ip6Addr kHost = test::addr("2001:db8:b::2");
const Ip6Addr kRouter = test::addr("2001:db8:a::1");

Icmpv6Envelope envelope(const Ip6Addr& src = kRouter, const Ip6Addr& dst = kHost) {
  Icmpv6Envelope e;
  e.src = src;
  e.dst = dst;
  return e;
}

// An invoking packet of `total` bytes: IPv6 + UDP header, payload counting up.
Bytes invoking_packet(std::size_t total) {
  Bytes b = test::ipv6_header(17, kHost, test::addr("2001:db8:c::3"), 63);
  while (b.size() < total) b.push_back(static_cast<std::uint8_t>(b.size()));
  test::finish_ipv6(b);
  return b;
}

// ---- Icmpv6View -----------------------------------------------------------

TEST(Icmpv6View, ParsesGeneralFormat) {
  const Bytes msg{0x01, 0x04, 0xab, 0xcd, 0, 0, 0, 0, 0x60};
  auto v = Icmpv6View::parse(msg);
  ASSERT_TRUE(v) << describe(v.error());
  EXPECT_EQ(v->type(), icmpv6_type::destination_unreachable);
  EXPECT_EQ(v->code(), 4);
  EXPECT_EQ(v->checksum(), 0xabcd);
  EXPECT_EQ(v->body().size(), 5u);
  EXPECT_EQ(v->body()[4], 0x60);
  EXPECT_EQ(v->message().size(), 9u);
  EXPECT_TRUE(v->is_error());
}

TEST(Icmpv6View, MinimumAndTruncated) {
  const Bytes four{0x80, 0, 0, 0};
  auto v = Icmpv6View::parse(four);
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->is_error());
  EXPECT_TRUE(v->body().empty());
  EXPECT_EQ(Icmpv6View::parse(ByteSpan(four).first(3)).error(), Errc::truncated_icmpv6);
  EXPECT_EQ(Icmpv6View::parse(ByteSpan{}).error(), Errc::truncated_icmpv6);
}

TEST(Icmpv6View, TypeClassBoundary) {
  const Bytes error127{127, 0, 0, 0};
  const Bytes info128{128, 0, 0, 0};
  EXPECT_TRUE(Icmpv6View::parse(error127)->is_error());
  EXPECT_FALSE(Icmpv6View::parse(info128)->is_error());
}

TEST(Icmpv6View, ChecksumRightAndWrong) {
  Bytes pkt = test::icmpv6_packet(kHost, kRouter, 64, {0x80, 0, 0, 0, 0x12, 0x34, 0, 1, 'h', 'i'});
  auto ip = Ipv6View::parse(pkt);
  ASSERT_TRUE(ip);
  auto icmp = parse_icmpv6(*ip, test::icmp_part(pkt));
  ASSERT_TRUE(icmp) << describe(icmp.error());
  EXPECT_TRUE(icmp->checksum_valid(kHost, kRouter));
  // The pseudo-header binds the addresses.
  EXPECT_FALSE(icmp->checksum_valid(kHost, test::addr("2001:db8:a::2")));

  pkt.back() ^= 0x01;
  ip = Ipv6View::parse(pkt);
  EXPECT_EQ(parse_icmpv6(*ip, test::icmp_part(pkt)).error(), Errc::bad_icmpv6_checksum);
  EXPECT_EQ(parse_icmpv6(*ip, test::icmp_part(pkt).first(3)).error(), Errc::truncated_icmpv6);
}

// ---- Echo -----------------------------------------------------------------

TEST(EchoView, RequestFieldsFromHandBuiltBytes) {
  // RFC 4443 4.1: Type 128, Code 0, Checksum, Identifier, Sequence, Data.
  const Bytes msg{128, 0, 0x11, 0x22, 0xbe, 0xef, 0x00, 0x2a, 'p', 'i', 'n', 'g'};
  auto icmp = Icmpv6View::parse(msg);
  auto echo = EchoView::parse(*icmp);
  ASSERT_TRUE(echo) << describe(echo.error());
  EXPECT_TRUE(echo->is_request());
  EXPECT_EQ(echo->identifier(), 0xbeef);
  EXPECT_EQ(echo->sequence(), 42);
  ASSERT_EQ(echo->data().size(), 4u);
  EXPECT_EQ(echo->data()[0], 'p');
  EXPECT_EQ(echo->data()[3], 'g');
}

TEST(EchoView, ReplyMinimumLengthAndErrors) {
  const Bytes reply{129, 0, 0, 0, 0, 1, 0, 2};
  auto echo = EchoView::parse(*Icmpv6View::parse(reply));
  ASSERT_TRUE(echo);
  EXPECT_FALSE(echo->is_request());
  EXPECT_EQ(echo->identifier(), 1);
  EXPECT_EQ(echo->sequence(), 2);
  EXPECT_TRUE(echo->data().empty());

  EXPECT_EQ(EchoView::parse(*Icmpv6View::parse(ByteSpan(reply).first(7))).error(),
            Errc::truncated_icmpv6);
  const Bytes other{2, 0, 0, 0, 0, 0, 5, 0};
  EXPECT_EQ(EchoView::parse(*Icmpv6View::parse(other)).error(), Errc::wrong_icmpv6_type);
}

TEST(EchoBuilder, RequestMatchesRfcLayoutByteForByte) {
  const Ip6Addr lo = test::addr("::1");
  std::uint8_t buf[64]{};
  auto n = write_echo_request(buf, envelope(lo, lo), 0x1234, 1, {});
  ASSERT_TRUE(n) << describe(n.error());
  ASSERT_EQ(*n, 48u);
  // Hand layout: IPv6 header then 80 00 <checksum> 12 34 00 01. The checksum
  // is worked out in checksum_test (KnownIcmpv6EchoValue): ~0x9279.
  Bytes expected = test::ipv6_header(58, lo, lo, 64);
  append(expected, {0x80, 0x00, 0x6d, 0x86, 0x12, 0x34, 0x00, 0x01});
  test::finish_ipv6(expected);
  EXPECT_EQ(Bytes(buf, buf + 48), expected);
}

TEST(EchoBuilder, ReplyWithDataRoundTrip) {
  const std::uint8_t data[] = {1, 2, 3, 4, 5};
  Icmpv6Envelope e = envelope();
  e.hop_limit = 255;
  e.traffic_class = 0x20;
  e.flow_label = 0x12345;
  std::uint8_t buf[128];
  auto n = write_echo_reply(buf, e, 7, 9, data);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 40u + 8 + 5);
  auto ip = Ipv6View::parse(ByteSpan(buf, *n));
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->next_header(), ipproto::icmpv6);
  EXPECT_EQ(ip->hop_limit(), 255);
  EXPECT_EQ(ip->traffic_class(), 0x20);
  EXPECT_EQ(ip->flow_label(), 0x12345u);
  EXPECT_EQ(ip->payload_length(), 13);
  EXPECT_EQ(ip->src(), kRouter);
  EXPECT_EQ(ip->dst(), kHost);
  auto icmp = parse_icmpv6(*ip, ip->payload());
  ASSERT_TRUE(icmp) << describe(icmp.error());
  EXPECT_EQ(icmp->type(), icmpv6_type::echo_reply);
  EXPECT_EQ(icmp->code(), 0);
  auto echo = EchoView::parse(*icmp);
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->identifier(), 7);
  EXPECT_EQ(echo->sequence(), 9);
  EXPECT_TRUE(std::equal(echo->data().begin(), echo->data().end(), data));
}

TEST(EchoBuilder, ReplyInPlaceOverTheRequest) {
  Bytes pkt = test::icmpv6_packet(kHost, kRouter, 64, {128, 0, 0, 0, 0, 5, 0, 6, 'a', 'b', 'c'});
  auto ip = Ipv6View::parse(pkt);
  auto echo = EchoView::parse(*parse_icmpv6(*ip, test::icmp_part(pkt)));
  ASSERT_TRUE(echo);
  const ByteSpan data = echo->data();  // points into pkt
  auto n = write_echo_reply(pkt, envelope(kRouter, kHost), echo->identifier(), echo->sequence(),
                            data);
  ASSERT_TRUE(n);
  auto reply_ip = Ipv6View::parse(ByteSpan(pkt).first(*n));
  auto reply = EchoView::parse(*parse_icmpv6(*reply_ip, reply_ip->payload()));
  ASSERT_TRUE(reply);
  EXPECT_FALSE(reply->is_request());
  EXPECT_EQ(reply_ip->src(), kRouter);
  EXPECT_EQ(reply->sequence(), 6);
  EXPECT_EQ(Bytes(reply->data().begin(), reply->data().end()), (Bytes{'a', 'b', 'c'}));
}

TEST(EchoBuilder, Errors) {
  std::uint8_t buf[52];
  const std::uint8_t data[5] = {};
  EXPECT_EQ(write_echo_request(buf, envelope(), 0, 0, data).error(), Errc::buffer_too_small);
  EXPECT_TRUE(write_echo_request(MutableByteSpan(buf).first(48), envelope(), 0, 0, {}));
  EXPECT_EQ(write_echo_request(MutableByteSpan(buf).first(47), envelope(), 0, 0, {}).error(),
            Errc::buffer_too_small);
  Icmpv6Envelope bad = envelope();
  bad.flow_label = 0x100000;
  EXPECT_EQ(write_echo_request(buf, bad, 0, 0, {}).error(), Errc::value_out_of_range);
  // The ICMPv6 message must fit the 16-bit payload length: 8 + data.
  std::vector<std::uint8_t> big(70000);
  std::vector<std::uint8_t> huge_data(0xffff - 8 + 1);
  EXPECT_EQ(write_echo_reply(big, envelope(), 0, 0, huge_data).error(), Errc::value_out_of_range);
  std::vector<std::uint8_t> max_data(0xffff - 8);
  auto n = write_echo_reply(big, envelope(), 0, 0, max_data);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 40u + 0xffff);
}

// ---- Error message views --------------------------------------------------

Bytes error_message(std::uint8_t type, std::uint8_t code, std::uint32_t word,
                    const Bytes& invoking) {
  Bytes m{type, code, 0, 0};
  append_be32(m, word);
  m.insert(m.end(), invoking.begin(), invoking.end());
  return m;
}

TEST(Icmpv6ErrorViews, DestinationUnreachable) {
  const Bytes inv = invoking_packet(60);
  const Bytes m = error_message(1, destination_unreachable_code::port_unreachable, 0, inv);
  auto v = DestinationUnreachableView::parse(*Icmpv6View::parse(m));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->code(), 4);
  EXPECT_EQ(Bytes(v->invoking_packet().begin(), v->invoking_packet().end()), inv);
  EXPECT_EQ(DestinationUnreachableView::parse(*Icmpv6View::parse(ByteSpan(m).first(7))).error(),
            Errc::truncated_icmpv6);
  EXPECT_EQ(PacketTooBigView::parse(*Icmpv6View::parse(m)).error(), Errc::wrong_icmpv6_type);
}

TEST(Icmpv6ErrorViews, PacketTooBig) {
  const Bytes m = error_message(2, 0, 1400, invoking_packet(48));
  auto v = PacketTooBigView::parse(*Icmpv6View::parse(m));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->mtu(), 1400u);
  EXPECT_EQ(v->path_mtu_estimate(), 1400u);
  EXPECT_EQ(v->invoking_packet().size(), 48u);

  const Bytes tiny = error_message(2, 0, 576, {});
  auto t = PacketTooBigView::parse(*Icmpv6View::parse(tiny));
  ASSERT_TRUE(t);  // minimum length: no invoking bytes at all
  EXPECT_EQ(t->mtu(), 576u);
  EXPECT_EQ(t->path_mtu_estimate(), 1280u);
  EXPECT_TRUE(t->invoking_packet().empty());
  EXPECT_EQ(PacketTooBigView::parse(*Icmpv6View::parse(ByteSpan(tiny).first(7))).error(),
            Errc::truncated_icmpv6);
  EXPECT_EQ(TimeExceededView::parse(*Icmpv6View::parse(tiny)).error(), Errc::wrong_icmpv6_type);
}

TEST(Icmpv6ErrorViews, TimeExceeded) {
  const Bytes m = error_message(3, time_exceeded_code::reassembly_time_exceeded, 0, {0x60});
  auto v = TimeExceededView::parse(*Icmpv6View::parse(m));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->code(), 1);
  EXPECT_EQ(v->invoking_packet().size(), 1u);
  EXPECT_EQ(TimeExceededView::parse(*Icmpv6View::parse(ByteSpan(m).first(4))).error(),
            Errc::truncated_icmpv6);
  EXPECT_EQ(ParameterProblemView::parse(*Icmpv6View::parse(m)).error(), Errc::wrong_icmpv6_type);
}

TEST(Icmpv6ErrorViews, ParameterProblem) {
  // RFC 4443 3.4's own example: code 1, pointer 40.
  const Bytes m = error_message(4, parameter_problem_code::unrecognised_next_header, 40,
                                invoking_packet(48));
  auto v = ParameterProblemView::parse(*Icmpv6View::parse(m));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->code(), 1);
  EXPECT_EQ(v->pointer(), 40u);
  const Bytes far = error_message(4, 0, 0x01020304, {});
  EXPECT_EQ(ParameterProblemView::parse(*Icmpv6View::parse(far))->pointer(), 0x01020304u);
  EXPECT_EQ(ParameterProblemView::parse(*Icmpv6View::parse(ByteSpan(m).first(6))).error(),
            Errc::truncated_icmpv6);
  EXPECT_EQ(DestinationUnreachableView::parse(*Icmpv6View::parse(m)).error(),
            Errc::wrong_icmpv6_type);
}

// ---- Error message builders -----------------------------------------------

// Parses a built error packet, checking the IPv6 + ICMPv6 framing and checksum.
Icmpv6View parse_built(ByteSpan packet) {
  auto ip = Ipv6View::parse(packet);
  EXPECT_TRUE(ip);
  EXPECT_EQ(ip->next_header(), ipproto::icmpv6);
  EXPECT_EQ(ip->packet().size(), packet.size());
  auto icmp = parse_icmpv6(*ip, ip->payload());
  EXPECT_TRUE(icmp) << describe(icmp.error());
  return *icmp;
}

TEST(Icmpv6ErrorBuilder, EachTypeLaysOutTheRfcFields) {
  const Bytes inv = invoking_packet(100);
  std::uint8_t buf[1280];

  auto n = write_destination_unreachable(buf, envelope(), 3, inv);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 148u);
  EXPECT_EQ(buf[40], 1);
  EXPECT_EQ(buf[41], 3);
  EXPECT_EQ(load_be32(buf + 44), 0u);  // Unused
  EXPECT_EQ(Bytes(buf + 48, buf + 148), inv);
  EXPECT_EQ(DestinationUnreachableView::parse(parse_built(ByteSpan(buf, *n)))->code(), 3);

  n = write_packet_too_big(buf, envelope(), 1400, inv);
  ASSERT_TRUE(n);
  EXPECT_EQ(buf[40], 2);
  EXPECT_EQ(buf[41], 0);
  EXPECT_EQ(load_be32(buf + 44), 1400u);
  EXPECT_EQ(PacketTooBigView::parse(parse_built(ByteSpan(buf, *n)))->mtu(), 1400u);

  n = write_time_exceeded(buf, envelope(), time_exceeded_code::hop_limit_exceeded, inv);
  ASSERT_TRUE(n);
  EXPECT_EQ(buf[40], 3);
  EXPECT_EQ(buf[41], 0);
  EXPECT_EQ(load_be32(buf + 44), 0u);
  EXPECT_TRUE(TimeExceededView::parse(parse_built(ByteSpan(buf, *n))));

  n = write_parameter_problem(buf, envelope(), 2, 0x2a, inv);
  ASSERT_TRUE(n);
  EXPECT_EQ(buf[40], 4);
  EXPECT_EQ(buf[41], 2);
  EXPECT_EQ(load_be32(buf + 44), 0x2au);
  auto pp = ParameterProblemView::parse(parse_built(ByteSpan(buf, *n)));
  ASSERT_TRUE(pp);
  EXPECT_EQ(pp->pointer(), 0x2au);
  EXPECT_EQ(Bytes(pp->invoking_packet().begin(), pp->invoking_packet().end()), inv);
}

TEST(Icmpv6ErrorBuilder, EnvelopeFields) {
  Icmpv6Envelope e = envelope();
  e.hop_limit = 17;
  std::uint8_t buf[100];
  auto n = write_time_exceeded(buf, e, 0, {});
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 48u);  // no invoking bytes at all is allowed
  EXPECT_EQ(buf[0] >> 4, 6);
  EXPECT_EQ(load_be16(buf + 4), 8);
  EXPECT_EQ(buf[6], 58);
  EXPECT_EQ(buf[7], 17);
  EXPECT_EQ(Ip6Addr::from_bytes(buf + 8), kRouter);
  EXPECT_EQ(Ip6Addr::from_bytes(buf + 24), kHost);
}

// RFC 4443 2.4 (c): as much of the invoking packet as fits in 1280 bytes.
TEST(Icmpv6ErrorBuilder, TruncatesInvokingPacketToMinimumMtu) {
  EXPECT_EQ(icmpv6_error_max_invoking_bytes, 1232u);
  std::vector<std::uint8_t> buf(2000);
  for (const std::size_t size : {std::size_t{1231}, std::size_t{1232}, std::size_t{1233},
                                 std::size_t{1500}, std::size_t{9000}}) {
    const Bytes inv = invoking_packet(size);
    auto n = write_packet_too_big(buf, envelope(), 1280, inv);
    ASSERT_TRUE(n) << size;
    const std::size_t included = std::min<std::size_t>(size, 1232);
    EXPECT_EQ(*n, 48 + included) << size;
    EXPECT_LE(*n, 1280u);
    EXPECT_EQ(load_be16(buf.data() + 4), 8 + included) << size;
    EXPECT_TRUE(std::equal(inv.begin(), inv.begin() + static_cast<std::ptrdiff_t>(included),
                           buf.begin() + 48))
        << size;
    auto v = PacketTooBigView::parse(parse_built(ByteSpan(buf).first(*n)));
    ASSERT_TRUE(v);
    EXPECT_EQ(v->invoking_packet().size(), included);
  }
}

TEST(Icmpv6ErrorBuilder, BuildsOverTheInvokingPacketInPlace) {
  const Bytes inv = invoking_packet(1400);
  std::vector<std::uint8_t> expected(1280);
  ASSERT_TRUE(write_time_exceeded(expected, envelope(), 0, inv));

  std::vector<std::uint8_t> in_place(inv.begin(), inv.end());
  auto n = write_time_exceeded(in_place, envelope(), 0, in_place);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1280u);
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), in_place.begin()));
}

TEST(Icmpv6ErrorBuilder, Errors) {
  const Bytes inv = invoking_packet(2000);
  std::vector<std::uint8_t> buf(1280);
  for (const int type : {0, 5, 127, 128, 133}) {
    EXPECT_EQ(write_icmpv6_error(buf, envelope(), static_cast<std::uint8_t>(type), 0, 0, inv).error(),
              Errc::value_out_of_range)
        << type;
  }
  for (const int type : {1, 2, 3, 4})
    EXPECT_TRUE(write_icmpv6_error(buf, envelope(), static_cast<std::uint8_t>(type), 0, 1280, inv)) << type;
  EXPECT_EQ(write_packet_too_big(buf, envelope(), 1279, inv).error(), Errc::value_out_of_range);
  EXPECT_EQ(write_time_exceeded(MutableByteSpan(buf).first(1279), envelope(), 0, inv).error(),
            Errc::buffer_too_small);
  EXPECT_EQ(write_time_exceeded(MutableByteSpan(buf).first(47), envelope(), 0, {}).error(),
            Errc::buffer_too_small);
  EXPECT_TRUE(write_time_exceeded(MutableByteSpan(buf).first(48), envelope(), 0, {}));
  Icmpv6Envelope bad = envelope();
  bad.flow_label = 0xfffff + 1;
  EXPECT_EQ(write_time_exceeded(buf, bad, 0, inv).error(), Errc::value_out_of_range);
}

TEST(Icmpv6Builder, HeaderHelperAndChecksumFill) {
  std::uint8_t buf[48]{};
  auto n = write_icmpv6_ipv6_header(buf, envelope(), 8);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 40u);
  buf[40] = 128;
  buf[45] = 1;
  buf[42] = 0xff;  // stale checksum is overwritten
  fill_icmpv6_checksum(buf);
  auto ip = Ipv6View::parse(buf);
  ASSERT_TRUE(ip);
  EXPECT_TRUE(parse_icmpv6(*ip, ip->payload()));
  EXPECT_EQ(write_icmpv6_ipv6_header(MutableByteSpan(buf).first(47), envelope(), 8).error(),
            Errc::buffer_too_small);
  std::vector<std::uint8_t> big(70000);
  EXPECT_EQ(write_icmpv6_ipv6_header(big, envelope(), 0x10000).error(), Errc::value_out_of_range);
}

}  // namespace
}  // namespace roam6::wire
