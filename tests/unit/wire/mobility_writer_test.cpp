#include "roam6/wire/mobility_writer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string_view>

#include "mobility_test_views.hpp"
#include "test_packets.hpp"

namespace roam6::wire {
namespace {

using test::append;
using test::append_be16;
using test::append_be32;
using test::append_be64;
using test::Bytes;

const Ip6Addr kHoa = test::addr("2001:db8:a::100");
const Ip6Addr kCoa2 = test::addr("2001:db8:c::7");
const Ip6Addr kPrefix = test::addr("2001:db8:a:1::");
const Ip6Addr kLinkLocal = test::addr("fe80::1");

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

// A buffer comfortably larger than any MH, pre-filled with garbage so that
// octets the writer forgets to set show up.
struct Buffer {
  std::array<std::uint8_t, 4096> data;
  Buffer() { data.fill(0xcc); }
  MutableByteSpan span() { return data; }
  Bytes first(std::size_t n) const { return Bytes(data.begin(), data.begin() + n); }
  // Views over the buffer itself (a view of first() would dangle).
  ByteSpan view(std::size_t n) const { return ByteSpan(data).first(n); }
};

// The 12 octets of a BU (sequence 0x0102, flags A|H, lifetime 0x0304) with
// Header Len still to be set.
Bytes bu_prefix(std::uint8_t header_len) {
  return Bytes{59, header_len, 5, 0, 0, 0, 0x01, 0x02, 0xc0, 0x00, 0x03, 0x04};
}
const BindingUpdateFields kBu{0x0102, bu_flag::acknowledge | bu_flag::home_registration, 0x0304};

// Finishes the writer and compares with the hand-built bytes.
void expect_written(MobilityHeaderWriter& w, const Buffer& buf, const Bytes& expected) {
  auto n = w.finish();
  ASSERT_TRUE(n) << describe(n.error());
  ASSERT_EQ(*n, expected.size());
  EXPECT_EQ(buf.first(*n), expected);
  EXPECT_EQ(*n % 8, 0u);
  EXPECT_TRUE(MobilityHeaderView::parse(buf.view(*n)));
}

TEST(MobilityWriterMessages, BindingRefreshRequest) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_refresh_request();
  expect_written(w, buf, Bytes{59, 0, 0, 0, 0, 0, 0, 0});
}

TEST(MobilityWriterMessages, HomeAndCareOfTestInit) {
  {
    Buffer buf;
    MobilityHeaderWriter w(buf.span());
    w.begin_home_test_init(0x0102030405060708ull);
    expect_written(w, buf, Bytes{59, 1, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8});
    HomeTestInitView v;
    ASSERT_TRUE(test::parse_as(buf.view(16), v));
    EXPECT_EQ(v.home_init_cookie(), 0x0102030405060708ull);
  }
  {
    Buffer buf;
    MobilityHeaderWriter w(buf.span());
    w.begin_care_of_test_init(0xf0e0d0c0b0a09080ull);
    expect_written(w, buf,
                   Bytes{59, 1, 2, 0, 0, 0, 0, 0, 0xf0, 0xe0, 0xd0, 0xc0, 0xb0, 0xa0, 0x90, 0x80});
  }
}

TEST(MobilityWriterMessages, HomeAndCareOfTest) {
  {
    Buffer buf;
    MobilityHeaderWriter w(buf.span());
    w.begin_home_test({0xa1b2, 0x1112131415161718ull, 0x2122232425262728ull});
    Bytes e{59, 2, 3, 0, 0, 0, 0xa1, 0xb2};
    append_be64(e, 0x1112131415161718ull);
    append_be64(e, 0x2122232425262728ull);
    expect_written(w, buf, e);
    HomeTestView v;
    ASSERT_TRUE(test::parse_as(buf.view(24), v));
    EXPECT_EQ(v.home_nonce_index(), 0xa1b2);
    EXPECT_EQ(v.home_init_cookie(), 0x1112131415161718ull);
    EXPECT_EQ(v.home_keygen_token(), 0x2122232425262728ull);
  }
  {
    Buffer buf;
    MobilityHeaderWriter w(buf.span());
    w.begin_care_of_test({7, 8, 9});
    Bytes e{59, 2, 4, 0, 0, 0, 0, 7};
    append_be64(e, 8);
    append_be64(e, 9);
    expect_written(w, buf, e);
    CareOfTestView v;
    ASSERT_TRUE(test::parse_as(buf.view(24), v));
    EXPECT_EQ(v.care_of_nonce_index(), 7);
    EXPECT_EQ(v.care_of_init_cookie(), 8u);
    EXPECT_EQ(v.care_of_keygen_token(), 9u);
  }
}

TEST(MobilityWriterMessages, BindingUpdateWithoutOptionsGetsFourOctetsOfPadN) {
  // RFC 6275 6.1.7: "If no options are present in this message, 4 octets of
  // padding are necessary and the Header Len field will be set to 1."
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_update(kBu);
  Bytes e = bu_prefix(1);
  append(e, {1, 2, 0, 0});
  expect_written(w, buf, e);
  BindingUpdateView bu;
  ASSERT_TRUE(test::parse_as(buf.view(16), bu));
  EXPECT_EQ(bu.sequence(), 0x0102);
  EXPECT_TRUE(bu.acknowledge());
  EXPECT_TRUE(bu.home_registration());
  EXPECT_FALSE(bu.proxy_registration());
  EXPECT_EQ(bu.lifetime_units(), 0x0304);
}

TEST(MobilityWriterMessages, BindingUpdateAllFlagsRoundTrip) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_update({0xffff, 0xffc0, 0xffff});
  ASSERT_TRUE(w.finish());
  BindingUpdateView bu;
  ASSERT_TRUE(test::parse_as(buf.view(16), bu));
  EXPECT_EQ(bu.flags(), 0xffc0);
  EXPECT_TRUE(bu.has(bu_flag::bulk_binding_update));
  EXPECT_TRUE(bu.key_management());
  EXPECT_EQ(bu.lifetime_seconds(), 262140u);
}

TEST(MobilityWriterMessages, BindingAck) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_ack({ba_status::proxy_reg_not_enabled,
                       ba_flag::key_management | ba_flag::proxy_registration, 0xbeef, 0x0708});
  expect_written(w, buf, Bytes{59, 1, 6, 0, 0, 0, 152, 0xa0, 0xbe, 0xef, 0x07, 0x08, 1, 2, 0, 0});
  BindingAckView ba;
  ASSERT_TRUE(test::parse_as(buf.view(16), ba));
  EXPECT_EQ(ba.status(), 152);
  EXPECT_TRUE(ba.proxy_registration());
  EXPECT_EQ(ba.sequence(), 0xbeef);
  EXPECT_EQ(ba.lifetime_units(), 0x0708);
}

TEST(MobilityWriterMessages, BindingError) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_error({be_status::unrecognized_mh_type, kHoa});
  Bytes e{59, 2, 7, 0, 0, 0, 2, 0};
  append(e, kHoa);
  expect_written(w, buf, e);
  BindingErrorView be;
  ASSERT_TRUE(test::parse_as(buf.view(24), be));
  EXPECT_EQ(be.home_address(), kHoa);
  EXPECT_EQ(be.status(), 2);
}

// RFC 5846 6.1: Type, Trigger, Sequence, P|I|G flags and a reserved octet
// after the base header; options from octet 12.
TEST(MobilityWriterMessages, BindingRevocationIndication) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_revocation({br_type::indication, br_trigger::inter_mag_handover_same_access_type, 0x1234,
                              br_flag::global})
      .add_alternate_care_of_address(kHoa);
  ASSERT_TRUE(w.finish());
  BindingRevocationView br;
  ASSERT_TRUE(test::parse_as(buf.view(w.size()), br));
  EXPECT_TRUE(br.indication());
  EXPECT_FALSE(br.acknowledgement());
  EXPECT_EQ(br.trigger_or_status(), 2);
  EXPECT_EQ(br.sequence(), 0x1234);
  EXPECT_EQ(br.flags(), 0x20);
  EXPECT_EQ(br.options_offset(), 12u);
  EXPECT_EQ(buf.view(12)[0], 59);
  EXPECT_EQ(buf.view(12)[1], 3);  // 12 + alternate CoA at 8n+6 (18) = 32 octets
  EXPECT_EQ(buf.view(12)[2], 16);
  EXPECT_EQ(buf.view(12)[6], 1);
  EXPECT_EQ(buf.view(12)[11], 0);
}

TEST(MobilityWriterMessages, BindingRevocationAcknowledgement) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_revocation({br_type::acknowledgement, bra_status::binding_does_not_exist, 7, 0});
  expect_written(w, buf, Bytes{59, 1, 16, 0, 0, 0, 2, 128, 0, 7, 0, 0, 1, 2, 0, 0});
  BindingRevocationView br;
  ASSERT_TRUE(test::parse_as(buf.view(16), br));
  EXPECT_TRUE(br.acknowledgement());
  EXPECT_EQ(br.trigger_or_status(), 128);
  EXPECT_EQ(br.sequence(), 7);
}

// Each option alone after a BU's 12 octets, against the bytes RFC layout and
// alignment call for, and its offset checked numerically.
std::size_t find_option(const Bytes& mh, std::uint8_t type) {
  MobilityOptionReader r(ByteSpan(mh).subspan(12), 12);
  while (!r.done()) {
    auto o = r.next();
    if (!o) return 0;
    if (o->type == type) return o->offset;
  }
  return 0;
}

TEST(MobilityWriterOptions, BindingRefreshAdviceAt2n) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_update(kBu).add_binding_refresh_advice(0x0102);
  Bytes e = bu_prefix(1);
  append(e, {2, 2, 0x01, 0x02});  // at 12, already 2n
  expect_written(w, buf, e);
  EXPECT_EQ(find_option(e, 2) % 2, 0u);
  auto set = decode_mobility_options(*MobilityHeaderView::parse(e));
  EXPECT_EQ(set->binding_refresh_advice->interval_units, 0x0102);
}

TEST(MobilityWriterOptions, AlternateCareOfAddressAt8nPlus6) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_update(kBu).add_alternate_care_of_address(kCoa2);
  Bytes e = bu_prefix(3);
  append(e, {1, 0});  // PadN(2): 12 -> 14
  append(e, {3, 16});
  append(e, kCoa2);  // ends at 32
  expect_written(w, buf, e);
  EXPECT_EQ(find_option(e, 3) % 8, 6u);
  EXPECT_EQ(decode_mobility_options(*MobilityHeaderView::parse(e))->alternate_care_of_address,
            kCoa2);
}

TEST(MobilityWriterOptions, NonceIndicesAt2n) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_update(kBu).add_nonce_indices(0x1234, 0x5678);
  Bytes e = bu_prefix(2);
  append(e, {4, 4, 0x12, 0x34, 0x56, 0x78});  // 12..18
  append(e, {1, 4, 0, 0, 0, 0});              // PadN(6) to 24
  expect_written(w, buf, e);
  EXPECT_EQ(find_option(e, 4) % 2, 0u);
}

TEST(MobilityWriterOptions, MobileNodeIdentifierUnaligned) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  const Bytes nai = bytes_of("vm@r");
  w.begin_binding_update(kBu).add_mobile_node_identifier(mn_identifier_subtype::nai, nai);
  Bytes e = bu_prefix(2);
  append(e, {8, 5, 1, 'v', 'm', '@', 'r'});  // 12..19
  append(e, {1, 3, 0, 0, 0});                // PadN(5) to 24
  expect_written(w, buf, e);
  auto set = decode_mobility_options(*MobilityHeaderView::parse(e));
  EXPECT_EQ(Bytes(set->mobile_node_identifier->identifier.begin(),
                  set->mobile_node_identifier->identifier.end()),
            nai);
}

TEST(MobilityWriterOptions, Pad1WhenExactlyOneOctetIsNeeded) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_update(kBu)
      .add_mobile_node_identifier(1, bytes_of("ab"))  // 12..17
      .add_binding_refresh_advice(9);                 // needs 2n: Pad1 at 17
  Bytes e = bu_prefix(2);
  append(e, {8, 3, 1, 'a', 'b'});
  append(e, {0});
  append(e, {2, 2, 0, 9});  // 18..22
  append(e, {1, 0});        // PadN(2) to 24
  expect_written(w, buf, e);
}

TEST(MobilityWriterOptions, FinishPadsWithPadNOrPad1) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_update(kBu).add_mobile_node_identifier(1, bytes_of("abcdefg"));  // 12..22
  Bytes e = bu_prefix(2);
  append(e, {8, 8, 1});
  append(e, bytes_of("abcdefg"));
  append(e, {1, 0});  // PadN(2): no data octets
  expect_written(w, buf, e);

  Buffer buf2;
  MobilityHeaderWriter w2(buf2.span());
  w2.begin_binding_update(kBu).add_mobile_node_identifier(1, bytes_of("abcdefgh"));  // 12..23
  Bytes e2 = bu_prefix(2);
  append(e2, {8, 9, 1});
  append(e2, bytes_of("abcdefgh"));
  append(e2, {0});  // Pad1
  expect_written(w2, buf2, e2);
}

TEST(MobilityWriterOptions, ReplayProtectionAt8nPlus2) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_update(kBu).add_replay_protection(0x0102030405060708ull);
  Bytes e = bu_prefix(3);
  append(e, {1, 4, 0, 0, 0, 0});  // 12 -> 18
  append(e, {10, 8, 1, 2, 3, 4, 5, 6, 7, 8});
  append(e, {1, 2, 0, 0});  // 28 -> 32
  expect_written(w, buf, e);
  EXPECT_EQ(find_option(e, 10) % 8, 2u);
  EXPECT_EQ(decode_mobility_options(*MobilityHeaderView::parse(e))->replay_protection,
            0x0102030405060708ull);
}

TEST(MobilityWriterOptions, HomeNetworkPrefixAt8nPlus4) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_update(kBu).add_home_network_prefix(64, kPrefix);
  Bytes e = bu_prefix(3);
  append(e, {22, 18, 0, 64});  // at 12, already 8n+4
  append(e, kPrefix);
  expect_written(w, buf, e);
  EXPECT_EQ(find_option(e, 22) % 8, 4u);
  // The prefix itself lands 8-aligned, which is the point of 8n+4.
  EXPECT_EQ((find_option(e, 22) + 4) % 8, 0u);
  auto hnp = decode_mobility_options(*MobilityHeaderView::parse(e))->home_network_prefix;
  EXPECT_EQ(hnp->prefix, kPrefix);
  EXPECT_EQ(hnp->prefix_length, 64);
}

TEST(MobilityWriterOptions, HandoffIndicatorAndAccessTechnologyUnaligned) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_update(kBu)
      .add_handoff_indicator(handoff_indicator::handoff_state_unknown)
      .add_access_technology_type(access_technology::ieee_802_3);
  Bytes e = bu_prefix(2);
  append(e, {23, 2, 0, 4, 24, 2, 0, 3});  // 12..20
  append(e, {1, 2, 0, 0});               // to 24
  expect_written(w, buf, e);
}

TEST(MobilityWriterOptions, LinkLayerIdentifierAt8n) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  const Bytes mac{0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
  w.begin_binding_update(kBu).add_mobile_node_link_layer_identifier(mac);
  Bytes e = bu_prefix(3);
  append(e, {1, 2, 0, 0});  // 12 -> 16
  append(e, {25, 8, 0, 0});
  append(e, mac);                 // 16..26
  append(e, {1, 4, 0, 0, 0, 0});  // to 32
  expect_written(w, buf, e);
  EXPECT_EQ(find_option(e, 25) % 8, 0u);
}

TEST(MobilityWriterOptions, LinkLocalAddressAt8nPlus6) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_update(kBu).add_link_local_address(kLinkLocal);
  Bytes e = bu_prefix(3);
  append(e, {1, 0});
  append(e, {26, 16});
  append(e, kLinkLocal);
  expect_written(w, buf, e);
  EXPECT_EQ(find_option(e, 26) % 8, 6u);
}

TEST(MobilityWriterOptions, TimestampAt8nPlus2) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  const std::uint64_t ts = (std::uint64_t{1700000000} << 16) | 1;
  w.begin_binding_ack({}).add_timestamp(ts);
  Bytes e{59, 3, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  append(e, {1, 4, 0, 0, 0, 0});
  append(e, {27, 8});
  append_be64(e, ts);
  append(e, {1, 2, 0, 0});
  expect_written(w, buf, e);
  EXPECT_EQ(find_option(e, 27) % 8, 2u);
  EXPECT_EQ(decode_mobility_options(*MobilityHeaderView::parse(e))->timestamp->seconds(),
            1700000000u);
}

TEST(MobilityWriterOptions, MessageAuthenticationLastAndEndingOn8) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_update(kBu);
  MutableByteSpan slot = w.add_message_authentication(mobility_auth_subtype::mn_ha, 0x1001, 12);
  ASSERT_EQ(slot.size(), 12u);
  for (auto& b : slot) EXPECT_EQ(b, 0);
  slot[0] = 0xaa;
  slot[11] = 0xbb;
  Bytes e = bu_prefix(3);
  append(e, {0});  // Pad1: 12 -> 13 (8n+5, a 4n+1 position)
  append(e, {9, 17, 1});
  append_be32(e, 0x1001);
  append(e, {0xaa, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbb});  // 13 + 19 = 32
  expect_written(w, buf, e);
  ASSERT_TRUE(w.authentication_offset());
  EXPECT_EQ(*w.authentication_offset(), 13);
  EXPECT_EQ(*w.authentication_offset() % 4, 1u);
  EXPECT_EQ(verify_mobility_option_alignment(*MobilityHeaderView::parse(e)), Errc::ok);
  auto set = decode_mobility_options(*MobilityHeaderView::parse(e));
  ASSERT_TRUE(set) << describe(set.error());
  EXPECT_EQ(set->mn_ha_authentication->offset, 13);
  EXPECT_EQ(set->mn_ha_authentication->spi, 0x1001u);
}

TEST(MobilityWriterOptions, MessageAuthenticationPlacementForOtherLengths) {
  // Length 16: option is 23 octets, placed at 8n+1 to end on 8n.
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_ack({});
  ASSERT_EQ(w.add_message_authentication(2, 256, 16).size(), 16u);
  auto n = w.finish();
  ASSERT_TRUE(n);
  EXPECT_EQ(*w.authentication_offset(), 17);  // 12 -> 17 with PadN(5)
  EXPECT_EQ(*n, 40u);
  EXPECT_EQ(buf.data[12], 1);
  EXPECT_EQ(buf.data[13], 3);
}

TEST(MobilityWriterOptions, MnAaaAfterMnHa) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_update(kBu);
  ASSERT_FALSE(w.add_message_authentication(mobility_auth_subtype::mn_ha, 300, 12).empty());
  ASSERT_FALSE(w.add_message_authentication(mobility_auth_subtype::mn_aaa, 301, 12).empty());
  auto n = w.finish();
  ASSERT_TRUE(n) << describe(w.error());
  EXPECT_EQ(*n, 56u);                        // 13..32, then 37..56
  EXPECT_EQ(*w.authentication_offset(), 37);  // the last one
  auto set = decode_mobility_options(*MobilityHeaderView::parse(buf.view(*n)));
  ASSERT_TRUE(set) << describe(set.error());
  EXPECT_EQ(set->mn_ha_authentication->offset, 13);
  EXPECT_EQ(set->mn_aaa_authentication->offset, 37);
}

TEST(MobilityWriterOptions, BindingAuthorizationDataAt8nPlus2) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_update(kBu).add_nonce_indices(1, 2);
  MutableByteSpan slot = w.add_binding_authorization_data();
  ASSERT_EQ(slot.size(), 12u);
  slot[5] = 0x55;
  Bytes e = bu_prefix(3);
  append(e, {4, 4, 0, 1, 0, 2});  // 12..18, already 8n+2 for what follows
  append(e, {5, 12, 0, 0, 0, 0, 0, 0x55, 0, 0, 0, 0, 0, 0});  // 18..32
  expect_written(w, buf, e);
  EXPECT_EQ(find_option(e, 5) % 8, 2u);
}

TEST(MobilityWriterOptions, EverythingTogetherStaysAligned) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  const Bytes mac{2, 0, 0, 0, 0, 1};
  w.begin_binding_update({1, bu_flag::acknowledge | bu_flag::proxy_registration, 100})
      .add_mobile_node_identifier(1, bytes_of("vm-17@roam6"))
      .add_home_network_prefix(64, kPrefix)
      .add_handoff_indicator(handoff_indicator::handoff_between_mags_same_interface)
      .add_access_technology_type(access_technology::virtual_interface)
      .add_mobile_node_link_layer_identifier(mac)
      .add_link_local_address(kLinkLocal)
      .add_timestamp(42)
      .add_binding_refresh_advice(7)
      .add_alternate_care_of_address(kCoa2)
      .add_nonce_indices(3, 4)
      .add_replay_protection(99);
  ASSERT_EQ(w.add_message_authentication(1, 0x1000, 12).size(), 12u);
  auto n = w.finish();
  ASSERT_TRUE(n) << describe(w.error());
  auto mh = MobilityHeaderView::parse(buf.view(*n));
  ASSERT_TRUE(mh) << describe(mh.error());
  EXPECT_EQ(mh->header_len(), *n / 8 - 1);
  EXPECT_EQ(verify_mobility_option_alignment(*mh), Errc::ok);
  auto set = decode_mobility_options(*mh);
  ASSERT_TRUE(set) << describe(set.error());
  EXPECT_EQ(set->home_network_prefix->prefix, kPrefix);
  EXPECT_EQ(set->handoff_indicator, 3);
  EXPECT_EQ(set->access_technology_type, 1);
  EXPECT_EQ(set->link_local_address, kLinkLocal);
  EXPECT_EQ(set->timestamp->raw, 42u);
  EXPECT_EQ(set->binding_refresh_advice->interval_units, 7);
  EXPECT_EQ(set->alternate_care_of_address, kCoa2);
  EXPECT_EQ(set->nonce_indices->care_of_nonce_index, 4);
  EXPECT_EQ(set->replay_protection, 99u);
  EXPECT_EQ(set->mn_ha_authentication->offset, *w.authentication_offset());
  EXPECT_EQ(set->mn_ha_authentication->offset + 19u, *n);  // nothing after it
  EXPECT_EQ(set->unknown_count + set->duplicate_count, 0);
}

TEST(MobilityWriterOptions, LongestOptionsFit) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_update(kBu)
      .add_mobile_node_identifier(1, Bytes(254, 'n'))
      .add_mobile_node_link_layer_identifier(Bytes(253, 'l'));
  ASSERT_EQ(w.add_message_authentication(2, 1000, 248).size(), 248u);
  auto n = w.finish();
  ASSERT_TRUE(n) << describe(w.error());
  auto set = decode_mobility_options(*MobilityHeaderView::parse(buf.view(*n)));
  ASSERT_TRUE(set) << describe(set.error());
  EXPECT_EQ(set->mobile_node_identifier->identifier.size(), 254u);
  EXPECT_EQ(set->mobile_node_link_layer_identifier->size(), 253u);
  EXPECT_EQ(set->mn_aaa_authentication->authenticator.size(), 248u);
}

TEST(MobilityWriterErrors, BufferTooSmall) {
  std::array<std::uint8_t, 11> small{};
  MobilityHeaderWriter w(small);
  w.begin_binding_update(kBu);
  EXPECT_EQ(w.error(), Errc::buffer_too_small);
  EXPECT_EQ(w.finish().error(), Errc::buffer_too_small);

  std::array<std::uint8_t, 16> exact{};
  MobilityHeaderWriter fits(exact);
  fits.begin_binding_update(kBu);
  EXPECT_EQ(*fits.finish(), 16u);

  std::array<std::uint8_t, 31> almost{};  // AltCoA needs 32
  MobilityHeaderWriter w2(almost);
  w2.begin_binding_update(kBu).add_alternate_care_of_address(kCoa2);
  EXPECT_EQ(w2.error(), Errc::buffer_too_small);

  std::array<std::uint8_t, 14> no_pad{};  // padding itself does not fit
  MobilityHeaderWriter w3(no_pad);
  w3.begin_binding_update(kBu);
  EXPECT_EQ(w3.finish().error(), Errc::buffer_too_small);

  std::array<std::uint8_t, 31> auth{};
  MobilityHeaderWriter w4(auth);
  w4.begin_binding_update(kBu);
  EXPECT_TRUE(w4.add_message_authentication(1, 300, 12).empty());
  EXPECT_EQ(w4.error(), Errc::buffer_too_small);

  MobilityHeaderWriter w5(MutableByteSpan{});
  EXPECT_TRUE(w5.begin_binding_refresh_request().add_binding_authorization_data().empty());
  EXPECT_EQ(w5.error(), Errc::buffer_too_small);
}

TEST(MobilityWriterErrors, ValueOutOfRange) {
  auto error_of = [](auto&& build) {
    Buffer buf;
    MobilityHeaderWriter w(buf.span());
    w.begin_binding_update(kBu);
    build(w);
    return w.finish().error();
  };
  EXPECT_EQ(error_of([](auto& w) { w.add_mobile_node_identifier(1, Bytes(255, 'x')); }),
            Errc::value_out_of_range);
  EXPECT_EQ(error_of([](auto& w) { w.add_mobile_node_identifier(1, ByteSpan{}); }),
            Errc::value_out_of_range);
  EXPECT_EQ(error_of([](auto& w) { w.add_mobile_node_link_layer_identifier(Bytes(254, 1)); }),
            Errc::value_out_of_range);
  EXPECT_EQ(error_of([](auto& w) { w.add_mobile_node_link_layer_identifier(ByteSpan{}); }),
            Errc::value_out_of_range);
  EXPECT_EQ(error_of([](auto& w) { w.add_home_network_prefix(129, kPrefix); }),
            Errc::value_out_of_range);
  EXPECT_EQ(error_of([](auto& w) { (void)w.add_message_authentication(1, 300, 13); }),
            Errc::value_out_of_range);
  EXPECT_EQ(error_of([](auto& w) { (void)w.add_message_authentication(1, 300, 0); }),
            Errc::value_out_of_range);
  EXPECT_EQ(error_of([](auto& w) { (void)w.add_message_authentication(1, 300, 252); }),
            Errc::value_out_of_range);
}

TEST(MobilityWriterErrors, LongerThan2048OctetsIsOutOfRange) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_update(kBu);
  // 12 + 8 * 257 = 2068 > 2048, with room to spare in the buffer.
  for (int i = 0; i < 8; ++i) w.add_mobile_node_identifier(1, Bytes(254, 'a'));
  EXPECT_EQ(w.error(), Errc::value_out_of_range);

  // Exactly 2048 is fine: 12 + 7 * 257 + 237 (the last with 234 octets).
  Buffer buf2;
  MobilityHeaderWriter w2(buf2.span());
  w2.begin_binding_update(kBu);
  for (int i = 0; i < 7; ++i) w2.add_mobile_node_identifier(1, Bytes(254, 'a'));
  w2.add_mobile_node_identifier(1, Bytes(234, 'a'));
  auto n = w2.finish();
  ASSERT_TRUE(n) << describe(w2.error());
  EXPECT_EQ(*n, 2048u);
  EXPECT_EQ(buf2.data[1], 255);
}

TEST(MobilityWriterErrors, OutOfOrder) {
  {
    Buffer buf;
    MobilityHeaderWriter w(buf.span());
    w.add_handoff_indicator(1);  // before any message
    EXPECT_EQ(w.error(), Errc::mobility_writer_out_of_order);
  }
  {
    Buffer buf;
    MobilityHeaderWriter w(buf.span());
    w.begin_binding_update(kBu).begin_binding_ack({});
    EXPECT_EQ(w.error(), Errc::mobility_writer_out_of_order);
  }
  {
    Buffer buf;
    MobilityHeaderWriter w(buf.span());
    EXPECT_EQ(w.finish().error(), Errc::mobility_writer_out_of_order);
  }
  {
    Buffer buf;
    MobilityHeaderWriter w(buf.span());
    w.begin_binding_update(kBu);
    ASSERT_TRUE(w.finish());
    EXPECT_TRUE(w.finished());
    EXPECT_EQ(*w.finish(), 16u);  // idempotent
    w.add_handoff_indicator(1);
    EXPECT_EQ(w.error(), Errc::mobility_writer_out_of_order);
  }
}

TEST(MobilityWriterErrors, NothingAfterAuthentication) {
  {
    Buffer buf;
    MobilityHeaderWriter w(buf.span());
    w.begin_binding_update(kBu);
    (void)w.add_message_authentication(mobility_auth_subtype::mn_ha, 300, 12);
    w.add_handoff_indicator(1);
    EXPECT_EQ(w.error(), Errc::mobility_option_after_authentication);
  }
  {
    Buffer buf;
    MobilityHeaderWriter w(buf.span());
    w.begin_binding_update(kBu);
    (void)w.add_message_authentication(mobility_auth_subtype::mn_ha, 300, 12);
    EXPECT_TRUE(w.add_message_authentication(mobility_auth_subtype::mn_ha, 300, 12).empty());
    EXPECT_EQ(w.error(), Errc::mobility_option_after_authentication);
  }
  {
    Buffer buf;
    MobilityHeaderWriter w(buf.span());
    w.begin_binding_update(kBu);
    (void)w.add_message_authentication(mobility_auth_subtype::mn_aaa, 300, 12);
    EXPECT_TRUE(w.add_message_authentication(mobility_auth_subtype::mn_aaa, 300, 12).empty());
    EXPECT_EQ(w.error(), Errc::mobility_option_after_authentication);
  }
  {
    Buffer buf;
    MobilityHeaderWriter w(buf.span());
    w.begin_binding_update(kBu);
    (void)w.add_binding_authorization_data();
    w.add_timestamp(1);
    EXPECT_EQ(w.error(), Errc::mobility_option_after_authentication);
  }
}

TEST(MobilityWriterErrors, FirstErrorSticks) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_update(kBu).add_home_network_prefix(200, kPrefix).add_handoff_indicator(1);
  const std::size_t size = w.size();
  w.begin_binding_ack({});  // would be out of order; the first error is kept
  EXPECT_EQ(w.error(), Errc::value_out_of_range);
  EXPECT_EQ(w.size(), size);
  EXPECT_EQ(w.size(), 12u);  // nothing written after the error
  EXPECT_FALSE(w.ok());
}

TEST(MobilityWriterAuthInput, NeedsFinishAndAnOption) {
  Buffer buf;
  MobilityHeaderWriter w(buf.span());
  w.begin_binding_update(kBu);
  EXPECT_EQ(w.auth_input(kCoa2, kHoa).error(), Errc::mobility_writer_out_of_order);
  ASSERT_TRUE(w.finish());
  EXPECT_EQ(w.auth_input(kCoa2, kHoa).error(), Errc::mobility_auth_option_not_found);

  MobilityHeaderWriter bad(MutableByteSpan{});
  bad.begin_binding_update(kBu);
  EXPECT_EQ(bad.auth_input(kCoa2, kHoa).error(), Errc::buffer_too_small);
}

TEST(MobilityTimeUnits, FromSeconds) {
  EXPECT_EQ(*mobility_time_units_from_seconds(0), 0);
  EXPECT_EQ(*mobility_time_units_from_seconds(3), 0);  // rounds down
  EXPECT_EQ(*mobility_time_units_from_seconds(7), 1);
  EXPECT_EQ(*mobility_time_units_from_seconds(600), 150);
  EXPECT_EQ(*mobility_time_units_from_seconds(262143), 0xffff);
  EXPECT_EQ(mobility_time_units_from_seconds(262144).error(), Errc::value_out_of_range);
}

TEST(MobilityWriterOptions, PaddingOfEverySizeIsZeroFilled) {
  // An identifier of 1..8 octets leaves the MH at every offset modulo 8, so
  // the Replay Protection option (8n+2) and finish() need every padding size
  // from 0 to 7; the buffer's 0xcc garbage must not leak into a PadN.
  for (std::size_t id_length = 1; id_length <= 8; ++id_length) {
    Buffer buf;
    MobilityHeaderWriter w(buf.span());
    const Bytes id(id_length, 'x');
    w.begin_binding_update(kBu).add_mobile_node_identifier(1, id).add_replay_protection(7);
    auto n = w.finish();
    ASSERT_TRUE(n) << describe(n.error());
    const auto mh = MobilityHeaderView::parse(buf.view(*n));
    ASSERT_TRUE(mh);
    EXPECT_EQ(verify_mobility_option_alignment(*mh), Errc::ok);
    MobilityOptionReader reader(*mh);
    while (!reader.done()) {
      const auto o = reader.next();
      ASSERT_TRUE(o);
      if (o->type == mobility_option::padn) {
        for (const std::uint8_t b : o->data) EXPECT_EQ(b, 0) << "identifier " << id_length;
      }
    }
    for (std::size_t i = 0; i < *n; ++i) EXPECT_NE(buf.data[i], 0xcc) << "octet " << i;
  }
}

}  // namespace
}  // namespace roam6::wire
