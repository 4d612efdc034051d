#include "roam6/wire/mobility_packet.hpp"

#include <gtest/gtest.h>

#include <array>

#include "test_packets.hpp"

namespace roam6::wire {
namespace {

using test::append;
using test::Bytes;

const Ip6Addr kCoa = test::addr("2001:db8:b::2");
const Ip6Addr kHa = test::addr("2001:db8:a::1");
const Ip6Addr kHoa = test::addr("2001:db8:a::100");
const Ip6Addr kHoa2 = test::addr("2001:db8:a::200");
const Ip6Addr kCn = test::addr("2001:db8:f::9");

// BU: sequence 7, A|H, lifetime 0x40, PadN(4). Header Len and checksum are
// filled in by test::finish_mh.
Bytes bu_mh() { return Bytes{59, 1, 5, 0, 0, 0, 0, 7, 0xc0, 0, 0, 0x40, 1, 2, 0, 0}; }
// BA: accepted, sequence 7, lifetime 0x40, PadN(4).
Bytes ba_mh() { return Bytes{59, 1, 6, 0, 0, 0, 0, 0, 0, 7, 0, 0x40, 1, 2, 0, 0}; }

// CoA -> HA, Home Address option carrying the HoA, then the BU.
Bytes hand_built_bu_with_hao(const Ip6Addr& checksum_src) {
  Bytes p = test::ipv6_header(ipproto::destination_options, kCoa, kHa);
  append(p, {ipproto::mobility, 2, 1, 2, 0, 0, 201, 16});
  append(p, kHoa);
  Bytes mh = bu_mh();
  test::finish_mh(mh, checksum_src, kHa);
  append(p, mh);
  test::finish_ipv6(p);
  return p;
}

// HA -> CoA, type 2 routing header carrying the HoA, then the BA.
Bytes hand_built_ba_with_rh2(const Ip6Addr& checksum_dst, std::uint8_t segments_left = 1) {
  Bytes p = test::ipv6_header(ipproto::routing, kHa, kCoa);
  append(p, {ipproto::mobility, 2, 2, segments_left, 0, 0, 0, 0});
  append(p, kHoa);
  Bytes mh = ba_mh();
  test::finish_mh(mh, kHa, checksum_dst);
  append(p, mh);
  test::finish_ipv6(p);
  return p;
}

TEST(MobilityPacketDecode, BindingUpdateWithHomeAddressOption) {
  const Bytes p = hand_built_bu_with_hao(kHoa);
  auto d = decode_mobility_packet(p);
  ASSERT_TRUE(d) << describe(d.error());
  EXPECT_EQ(d->ip.src(), kCoa);
  EXPECT_EQ(d->ip.dst(), kHa);
  EXPECT_EQ(d->mh_offset(), 64u);
  EXPECT_EQ(d->home_address_option(), kHoa);
  EXPECT_FALSE(d->type2_home_address());
  EXPECT_EQ(d->pseudo_source(), kHoa);
  EXPECT_EQ(d->pseudo_destination(), kHa);
  EXPECT_EQ(d->mh.data(), p.data() + 64);
  EXPECT_EQ(d->mh.size(), 16u);
  auto bu = BindingUpdateView::from(d->mh);
  ASSERT_TRUE(bu);
  EXPECT_EQ(bu->sequence(), 7);
  EXPECT_TRUE(bu->home_registration());
}

TEST(MobilityPacketDecode, InPlaceFormMatchesTheResultForm) {
  const Bytes p = hand_built_ba_with_rh2(kHoa);
  MobilityPacket out;
  ASSERT_EQ(decode_mobility_packet(p, out), Errc::ok);
  auto d = decode_mobility_packet(p);
  ASSERT_TRUE(d);
  EXPECT_EQ(out.mh.data(), d->mh.data());
  EXPECT_EQ(out.mh_offset(), d->mh_offset());
  EXPECT_EQ(out.type2_home_address(), d->type2_home_address());
  EXPECT_EQ(out.pseudo_destination(), kHoa);
  EXPECT_EQ(decode_mobility_packet(hand_built_ba_with_rh2(kCoa), out),
            Errc::bad_mobility_header_checksum);
  EXPECT_EQ(decode_mobility_packet(Bytes(10, 0x60), out), Errc::truncated_ipv6_header);
}

TEST(MobilityPacketDecode, HaoChecksumMustUseTheHomeAddress) {
  // Checksummed over the IPv6 source (the CoA): wrong per RFC 6275 6.1.1.
  EXPECT_EQ(decode_mobility_packet(hand_built_bu_with_hao(kCoa)).error(),
            Errc::bad_mobility_header_checksum);
}

TEST(MobilityPacketDecode, BindingAckWithType2RoutingHeader) {
  const Bytes p = hand_built_ba_with_rh2(kHoa);
  auto d = decode_mobility_packet(p);
  ASSERT_TRUE(d) << describe(d.error());
  EXPECT_EQ(d->ip.dst(), kCoa);
  EXPECT_EQ(d->type2_home_address(), kHoa);
  EXPECT_EQ(d->pseudo_source(), kHa);
  EXPECT_EQ(d->pseudo_destination(), kHoa);
  EXPECT_EQ(d->mh_offset(), 64u);
  auto ba = BindingAckView::from(d->mh);
  ASSERT_TRUE(ba);
  EXPECT_EQ(ba->sequence(), 7);
  // Checksummed over the IPv6 destination instead: wrong.
  EXPECT_EQ(decode_mobility_packet(hand_built_ba_with_rh2(kCoa)).error(),
            Errc::bad_mobility_header_checksum);
}

TEST(MobilityPacketDecode, Type2RoutingHeaderAlreadyProcessed) {
  // Segments left 0: the destination field already is the final destination.
  const Bytes p = hand_built_ba_with_rh2(kCoa, 0);  // the views point into it
  auto d = decode_mobility_packet(p);
  ASSERT_TRUE(d) << describe(d.error());
  EXPECT_EQ(d->pseudo_destination(), kCoa);
  EXPECT_EQ(decode_mobility_packet(hand_built_ba_with_rh2(kHoa, 0)).error(),
            Errc::bad_mobility_header_checksum);
}

TEST(MobilityPacketDecode, PlainMobilityHeader) {
  Bytes p = test::ipv6_header(ipproto::mobility, kHa, kCn);
  Bytes mh{59, 0, 0, 0, 0, 0, 0, 0};  // Binding Refresh Request
  test::finish_mh(mh, kHa, kCn);
  append(p, mh);
  test::finish_ipv6(p);
  p.push_back(0xee);  // link-layer padding after the IPv6 payload
  auto d = decode_mobility_packet(p);
  ASSERT_TRUE(d) << describe(d.error());
  EXPECT_EQ(d->mh_offset(), 40u);
  EXPECT_EQ(d->mh.type(), mh_type::binding_refresh_request);
  EXPECT_EQ(d->pseudo_source(), kHa);
  EXPECT_EQ(d->pseudo_destination(), kCn);
}

TEST(MobilityPacketDecode, CorruptionIsCaught) {
  Bytes p = hand_built_bu_with_hao(kHoa);
  p[64 + 7] ^= 0x01;  // sequence number
  EXPECT_EQ(decode_mobility_packet(p).error(), Errc::bad_mobility_header_checksum);
  p = hand_built_bu_with_hao(kHoa);
  p[48 + 15] ^= 0x01;  // the home address in the HAO
  EXPECT_EQ(decode_mobility_packet(p).error(), Errc::bad_mobility_header_checksum);
}

TEST(MobilityPacketDecodeErrors, EachLayer) {
  EXPECT_EQ(decode_mobility_packet(Bytes(39, 0x60)).error(), Errc::truncated_ipv6_header);
  {
    Bytes p = test::ipv6_header(ipproto::destination_options, kCoa, kHa);
    append(p, {ipproto::mobility, 0, 1, 2});
    test::finish_ipv6(p);
    EXPECT_EQ(decode_mobility_packet(p).error(), Errc::truncated_extension_header);
  }
  {
    Bytes p = test::ipv6_header(ipproto::udp, kCoa, kHa);
    append(p, {0, 1, 0, 2, 0, 8, 0, 0});
    test::finish_ipv6(p);
    EXPECT_EQ(decode_mobility_packet(p).error(), Errc::not_mobility_header);
  }
  {
    Bytes p = test::ipv6_header(ipproto::fragment, kCoa, kHa);
    append(p, {ipproto::mobility, 0, 0x00, 0x09, 0, 0, 0, 1});  // offset 8, more
    append(p, bu_mh());
    test::finish_ipv6(p);
    EXPECT_EQ(decode_mobility_packet(p).error(), Errc::not_mobility_header);
  }
  {
    Bytes p = test::ipv6_header(ipproto::mobility, kCoa, kHa);
    Bytes mh = bu_mh();
    mh[0] = ipproto::udp;
    append(p, mh);
    test::finish_ipv6(p);
    EXPECT_EQ(decode_mobility_packet(p).error(), Errc::mobility_payload_proto_not_none);
  }
  {
    Bytes p = test::ipv6_header(ipproto::mobility, kCoa, kHa);
    append(p, {59, 0, 5, 0});  // MH cut by the end of the payload
    test::finish_ipv6(p);
    EXPECT_EQ(decode_mobility_packet(p).error(), Errc::truncated_mobility_header);
  }
}

// Writer: output compared with the hand-built packets byte for byte.

TEST(MobilityPacketWriter, BindingUpdateWithHomeAddressOption) {
  std::array<std::uint8_t, 256> buf{};
  MobilityPacketWriter pw(buf, {.src = kCoa, .dst = kHa, .home_address_option = kHoa});
  EXPECT_EQ(pw.mh_offset(), 64u);
  pw.mh().begin_binding_update({7, bu_flag::acknowledge | bu_flag::home_registration, 0x40});
  auto n = pw.finish();
  ASSERT_TRUE(n) << describe(n.error());
  const Bytes expected = hand_built_bu_with_hao(kHoa);
  ASSERT_EQ(*n, expected.size());
  EXPECT_EQ(Bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n)), expected);
  EXPECT_TRUE(decode_mobility_packet(ByteSpan(buf).first(*n)));
}

TEST(MobilityPacketWriter, BindingAckWithType2RoutingHeader) {
  std::array<std::uint8_t, 256> buf{};
  MobilityPacketWriter pw(buf, {.src = kHa, .dst = kCoa, .type2_home_address = kHoa});
  pw.mh().begin_binding_ack({ba_status::accepted, 0, 7, 0x40});
  auto n = pw.finish();
  ASSERT_TRUE(n) << describe(n.error());
  const Bytes expected = hand_built_ba_with_rh2(kHoa);
  ASSERT_EQ(*n, expected.size());
  EXPECT_EQ(Bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n)), expected);
}

TEST(MobilityPacketWriter, BothHeadersInRfc8200Order) {
  std::array<std::uint8_t, 256> buf{};
  MobilityPacketWriter pw(buf, {.src = kCoa,
                                .dst = kCn,
                                .home_address_option = kHoa,
                                .type2_home_address = kHoa2,
                                .hop_limit = 9,
                                .traffic_class = 0xb8,
                                .flow_label = 0x12345});
  EXPECT_EQ(pw.mh_offset(), 88u);
  pw.mh().begin_binding_refresh_request();
  auto n = pw.finish();
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(*n, 96u);
  EXPECT_EQ(buf[6], ipproto::routing);                 // IPv6 -> RH2
  EXPECT_EQ(buf[40], ipproto::destination_options);    // RH2 -> DestOpt
  EXPECT_EQ(buf[64], ipproto::mobility);               // DestOpt -> MH
  EXPECT_EQ(buf[5], 96 - 40);                          // payload length
  EXPECT_EQ(buf[7], 9);
  auto d = decode_mobility_packet(ByteSpan(buf).first(*n));
  ASSERT_TRUE(d) << describe(d.error());
  EXPECT_EQ(d->ip.traffic_class(), 0xb8);
  EXPECT_EQ(d->ip.flow_label(), 0x12345u);
  EXPECT_EQ(d->pseudo_source(), kHoa);
  EXPECT_EQ(d->pseudo_destination(), kHoa2);
  // Independent check of the checksum over that pseudo-header.
  Bytes mh(buf.begin() + 88, buf.begin() + 96);
  EXPECT_EQ(test::reference_checksum(test::with_pseudo_header(kHoa, kHoa2, 135, mh)), 0);
}

TEST(MobilityPacketWriter, PlainAndWithAuthenticatorFilledInBeforeChecksum) {
  std::array<std::uint8_t, 256> buf{};
  MobilityPacketWriter pw(buf, {.src = kCoa, .dst = kHa, .home_address_option = kHoa});
  pw.mh().begin_binding_update({1, bu_flag::acknowledge, 10});
  MutableByteSpan slot = pw.mh().add_message_authentication(mobility_auth_subtype::mn_ha, 999, 12);
  ASSERT_TRUE(pw.mh().finish());
  auto input = pw.mh().auth_input(kCoa, kHoa);
  ASSERT_TRUE(input);
  for (std::size_t i = 0; i < slot.size(); ++i) slot[i] = static_cast<std::uint8_t>(i + 1);
  auto n = pw.finish();
  ASSERT_TRUE(n) << describe(n.error());
  auto d = decode_mobility_packet(ByteSpan(buf).first(*n));
  ASSERT_TRUE(d) << describe(d.error());  // checksum covers the authenticator
  auto set = decode_mobility_options(d->mh);
  ASSERT_TRUE(set);
  EXPECT_EQ(set->mn_ha_authentication->authenticator[11], 12);
  EXPECT_EQ(d->mh_offset() + set->mn_ha_authentication->offset, 64u + 13);

  std::array<std::uint8_t, 64> small{};
  MobilityPacketWriter plain(small, {.src = kHa, .dst = kCn});
  EXPECT_EQ(plain.mh_offset(), 40u);
  plain.mh().begin_binding_refresh_request();
  EXPECT_EQ(*plain.finish(), 48u);
  EXPECT_TRUE(decode_mobility_packet(ByteSpan(small).first(48)));
}

TEST(MobilityPacketWriterErrors, BuffersAndFields) {
  {
    std::array<std::uint8_t, 63> buf{};  // headers need 64
    MobilityPacketWriter pw(buf, {.src = kCoa, .dst = kHa, .home_address_option = kHoa});
    pw.mh().begin_binding_update({});
    EXPECT_EQ(pw.mh().error(), Errc::buffer_too_small);
    EXPECT_EQ(pw.finish().error(), Errc::buffer_too_small);
  }
  {
    std::array<std::uint8_t, 79> buf{};  // headers fit, 16-octet BU does not
    MobilityPacketWriter pw(buf, {.src = kCoa, .dst = kHa, .home_address_option = kHoa});
    pw.mh().begin_binding_update({});
    EXPECT_EQ(pw.finish().error(), Errc::buffer_too_small);
  }
  {
    std::array<std::uint8_t, 128> buf{};
    MobilityPacketWriter pw(buf, {.src = kCoa, .dst = kHa, .flow_label = 0x100000});
    pw.mh().begin_binding_update({});
    EXPECT_EQ(pw.finish().error(), Errc::value_out_of_range);
  }
  {
    std::array<std::uint8_t, 128> buf{};
    MobilityPacketWriter pw(buf, {.src = kCoa, .dst = kHa});
    EXPECT_EQ(pw.finish().error(), Errc::mobility_writer_out_of_order);  // no message
  }
}

}  // namespace
}  // namespace roam6::wire

namespace roam6::wire {
namespace {

// The overload for an already walked chain decodes the same packet the same
// way as the one-step form.
TEST(DecodeMobilityPacketWalked, SameAsOneStep) {
  std::array<std::uint8_t, 256> buf{};
  MobilityPacketWriter pw(buf, {.src = *Ip6Addr::parse("2001:db8:b::2"),
                                .dst = *Ip6Addr::parse("2001:db8:a::1"),
                                .home_address_option = *Ip6Addr::parse("2001:db8:a::100")});
  pw.mh().begin_binding_update({.sequence = 7, .flags = bu_flag::home_registration, .lifetime_units = 10});
  const auto n = pw.finish();
  ASSERT_TRUE(n);
  const ByteSpan packet(buf.data(), *n);
  const auto ip = Ipv6View::parse(packet);
  ASSERT_TRUE(ip);
  const auto chain = walk_extension_chain(*ip);
  ASSERT_TRUE(chain);
  MobilityPacket walked;
  ASSERT_EQ(decode_mobility_packet(*ip, *chain, walked), Errc::ok);
  const auto one_step = decode_mobility_packet(packet);
  ASSERT_TRUE(one_step);
  EXPECT_EQ(walked.mh_offset(), one_step->mh_offset());
  EXPECT_EQ(walked.pseudo_source(), one_step->pseudo_source());
  EXPECT_EQ(walked.mh.type(), mh_type::binding_update);
  buf[*n - 1] ^= 1;  // now the checksum is wrong
  const auto ip2 = Ipv6View::parse(packet);
  EXPECT_EQ(decode_mobility_packet(*ip2, *chain, walked), Errc::bad_mobility_header_checksum);
}

}  // namespace
}  // namespace roam6::wire
