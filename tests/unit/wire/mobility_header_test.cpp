#include "roam6/wire/mobility_header.hpp"

#include <gtest/gtest.h>

#include <initializer_list>

#include <string_view>
#include <utility>

#include "mobility_test_views.hpp"
#include "test_packets.hpp"

namespace roam6::wire {
namespace {

using test::append;
using test::append_be16;
using test::append_be64;
using test::Bytes;

const Ip6Addr kHa = test::addr("2001:db8:a::1");
const Ip6Addr kHoa = test::addr("2001:db8:a::100");
const Ip6Addr kCoa = test::addr("2001:db8:b::2");

// Base header with Header Len and checksum left 0 (fixed up where needed).
Bytes mh_base(std::uint8_t type) { return Bytes{59, 0, type, 0, 0, 0}; }
void set_header_len(Bytes& mh) { mh[1] = static_cast<std::uint8_t>(mh.size() / 8 - 1); }

Result<MobilityHeaderView> parse(const Bytes& b) { return MobilityHeaderView::parse(b); }

TEST(MobilityHeaderConstants, TypesAndOffsetsMatchRfc6275) {
  EXPECT_EQ(mh_type::binding_refresh_request, 0);
  EXPECT_EQ(mh_type::home_test_init, 1);
  EXPECT_EQ(mh_type::care_of_test_init, 2);
  EXPECT_EQ(mh_type::home_test, 3);
  EXPECT_EQ(mh_type::care_of_test, 4);
  EXPECT_EQ(mh_type::binding_update, 5);
  EXPECT_EQ(mh_type::binding_ack, 6);
  EXPECT_EQ(mh_type::binding_error, 7);
  // 6-octet base header plus each message's fixed fields (sections 6.1.2-6.1.9).
  EXPECT_EQ(mobility_options_offset(0), 6u + 2);
  EXPECT_EQ(mobility_options_offset(1), 6u + 2 + 8);
  EXPECT_EQ(mobility_options_offset(2), 6u + 2 + 8);
  EXPECT_EQ(mobility_options_offset(3), 6u + 2 + 8 + 8);
  EXPECT_EQ(mobility_options_offset(4), 6u + 2 + 8 + 8);
  EXPECT_EQ(mobility_options_offset(5), 6u + 2 + 2 + 2);
  EXPECT_EQ(mobility_options_offset(6), 6u + 1 + 1 + 2 + 2);
  EXPECT_EQ(mobility_options_offset(7), 6u + 1 + 1 + 16);
  EXPECT_EQ(mobility_options_offset(8), 0u);
  EXPECT_EQ(mobility_options_offset(255), 0u);
}

TEST(MobilityHeaderConstants, FlagBitsAndStatusCodes) {
  // BU: |A|H|L|K|M|R|P|F|T|B| in the high bits of the 16-bit flags word.
  EXPECT_EQ(bu_flag::acknowledge, 1 << 15);
  EXPECT_EQ(bu_flag::home_registration, 1 << 14);
  EXPECT_EQ(bu_flag::link_local_compatibility, 1 << 13);
  EXPECT_EQ(bu_flag::key_management, 1 << 12);
  EXPECT_EQ(bu_flag::map_registration, 1 << 11);
  EXPECT_EQ(bu_flag::mobile_router, 1 << 10);
  EXPECT_EQ(bu_flag::proxy_registration, 1 << 9);
  EXPECT_EQ(bu_flag::force_udp_encapsulation, 1 << 8);
  EXPECT_EQ(bu_flag::tlv_header_format, 1 << 7);
  EXPECT_EQ(bu_flag::bulk_binding_update, 1 << 6);
  // BA: |K|R|P|T|B| in the octet after Status.
  EXPECT_EQ(ba_flag::key_management, 0x80);
  EXPECT_EQ(ba_flag::mobile_router, 0x40);
  EXPECT_EQ(ba_flag::proxy_registration, 0x20);
  EXPECT_EQ(ba_flag::tlv_header_format, 0x10);
  EXPECT_EQ(ba_flag::bulk_binding_update, 0x08);
  EXPECT_EQ(ba_status::accepted_prefix_discovery_necessary, 1);
  EXPECT_EQ(ba_status::reason_unspecified, 128);
  EXPECT_EQ(ba_status::not_home_agent_for_this_mobile_node, 133);
  EXPECT_EQ(ba_status::registration_type_change_disallowed, 139);
  EXPECT_EQ(ba_status::mipv6_id_mismatch, 144);
  EXPECT_EQ(ba_status::mipv6_auth_fail, 146);
  EXPECT_EQ(ba_status::proxy_reg_not_enabled, 152);
  EXPECT_EQ(ba_status::missing_home_network_prefix_option, 158);
  EXPECT_EQ(ba_status::missing_access_tech_type_option, 162);
  EXPECT_EQ(be_status::unknown_binding_for_home_address_option, 1);
  EXPECT_EQ(be_status::unrecognized_mh_type, 2);
}

TEST(MobilityErrors, EveryMobilityErrcHasItsName) {
  const std::pair<Errc, std::string_view> names[] = {
      {Errc::truncated_mobility_header, "truncated_mobility_header"},
      {Errc::mobility_payload_proto_not_none, "mobility_payload_proto_not_none"},
      {Errc::mobility_header_exceeds_packet, "mobility_header_exceeds_packet"},
      {Errc::mobility_header_too_short_for_type, "mobility_header_too_short_for_type"},
      {Errc::unknown_mobility_header_type, "unknown_mobility_header_type"},
      {Errc::bad_mobility_header_checksum, "bad_mobility_header_checksum"},
      {Errc::wrong_mobility_header_type, "wrong_mobility_header_type"},
      {Errc::not_mobility_header, "not_mobility_header"},
      {Errc::mobility_writer_out_of_order, "mobility_writer_out_of_order"},
      {Errc::truncated_mobility_option, "truncated_mobility_option"},
      {Errc::mobility_option_exceeds_message, "mobility_option_exceeds_message"},
      {Errc::bad_mobility_option_length, "bad_mobility_option_length"},
      {Errc::bad_home_network_prefix_length, "bad_home_network_prefix_length"},
      {Errc::mobility_option_misaligned, "mobility_option_misaligned"},
      {Errc::mobility_option_after_authentication, "mobility_option_after_authentication"},
      {Errc::mobility_auth_option_not_found, "mobility_auth_option_not_found"},
  };
  for (const auto& [e, text] : names) {
    EXPECT_EQ(name(e), text);
    EXPECT_FALSE(describe(e).empty());
    EXPECT_NE(describe(e), "unknown error");
  }
}

TEST(MobilityHeaderView, BindingRefreshRequestMinimum) {
  Bytes b = mh_base(0);
  append(b, {0, 0});  // Reserved
  auto mh = parse(b);
  ASSERT_TRUE(mh) << describe(mh.error());
  EXPECT_EQ(mh->payload_proto(), 59);
  EXPECT_EQ(mh->header_len(), 0);
  EXPECT_EQ(mh->type(), 0);
  EXPECT_EQ(mh->size(), 8u);
  EXPECT_EQ(mh->options_offset(), 8u);
  EXPECT_TRUE(mh->options().empty());
  auto brr = BindingRefreshRequestView::from(*mh);
  ASSERT_TRUE(brr);
  EXPECT_EQ(brr->options_offset(), 8u);
  EXPECT_EQ(brr->header().data(), b.data());
}

TEST(MobilityHeaderView, HomeAndCareOfTestInit) {
  for (std::uint8_t type : {std::uint8_t{1}, std::uint8_t{2}}) {
    Bytes b = mh_base(type);
    append(b, {0, 0});
    append_be64(b, 0x0102030405060708ull);  // init cookie
    set_header_len(b);
    auto mh = parse(b);
    ASSERT_TRUE(mh) << describe(mh.error());
    EXPECT_EQ(mh->size(), 16u);
    EXPECT_EQ(mh->options_offset(), 16u);
    if (type == 1) {
      auto v = HomeTestInitView::from(*mh);
      ASSERT_TRUE(v);
      EXPECT_EQ(v->home_init_cookie(), 0x0102030405060708ull);
      EXPECT_EQ(CareOfTestInitView::from(*mh).error(), Errc::wrong_mobility_header_type);
    } else {
      auto v = CareOfTestInitView::from(*mh);
      ASSERT_TRUE(v);
      EXPECT_EQ(v->care_of_init_cookie(), 0x0102030405060708ull);
      EXPECT_EQ(HomeTestInitView::from(*mh).error(), Errc::wrong_mobility_header_type);
    }
  }
}

TEST(MobilityHeaderView, HomeAndCareOfTest) {
  for (std::uint8_t type : {std::uint8_t{3}, std::uint8_t{4}}) {
    Bytes b = mh_base(type);
    append_be16(b, 0xa1b2);                  // nonce index
    append_be64(b, 0x1112131415161718ull);   // init cookie
    append_be64(b, 0x2122232425262728ull);   // keygen token
    set_header_len(b);
    ASSERT_EQ(b.size(), 24u);
    auto mh = parse(b);
    ASSERT_TRUE(mh) << describe(mh.error());
    EXPECT_EQ(mh->options_offset(), 24u);
    if (type == 3) {
      auto v = HomeTestView::from(*mh);
      ASSERT_TRUE(v);
      EXPECT_EQ(v->home_nonce_index(), 0xa1b2);
      EXPECT_EQ(v->home_init_cookie(), 0x1112131415161718ull);
      EXPECT_EQ(v->home_keygen_token(), 0x2122232425262728ull);
    } else {
      auto v = CareOfTestView::from(*mh);
      ASSERT_TRUE(v);
      EXPECT_EQ(v->care_of_nonce_index(), 0xa1b2);
      EXPECT_EQ(v->care_of_init_cookie(), 0x1112131415161718ull);
      EXPECT_EQ(v->care_of_keygen_token(), 0x2122232425262728ull);
    }
  }
}

TEST(MobilityHeaderView, BindingUpdateFields) {
  Bytes b = mh_base(5);
  append_be16(b, 0x1234);  // sequence
  append(b, {0xc0, 0x00});  // A and H
  append_be16(b, 0x0096);  // 150 units = 600 s
  append(b, {1, 2, 0, 0});  // PadN to 16 octets
  set_header_len(b);
  auto mh = parse(b);
  ASSERT_TRUE(mh) << describe(mh.error());
  auto bu = BindingUpdateView::from(*mh);
  ASSERT_TRUE(bu);
  EXPECT_EQ(bu->sequence(), 0x1234);
  EXPECT_EQ(bu->flags(), 0xc000);
  EXPECT_TRUE(bu->acknowledge());
  EXPECT_TRUE(bu->home_registration());
  EXPECT_FALSE(bu->link_local_compatibility());
  EXPECT_FALSE(bu->key_management());
  EXPECT_FALSE(bu->proxy_registration());
  EXPECT_EQ(bu->lifetime_units(), 150);
  EXPECT_EQ(bu->lifetime_seconds(), 600u);
  EXPECT_EQ(bu->options_offset(), 12u);
  ASSERT_EQ(bu->options().size(), 4u);
  EXPECT_EQ(bu->options()[0], 1);
  EXPECT_EQ(BindingAckView::from(*mh).error(), Errc::wrong_mobility_header_type);
}

TEST(MobilityHeaderView, BindingUpdateEachFlagAlone) {
  const std::uint16_t flags[] = {bu_flag::acknowledge, bu_flag::home_registration,
                                 bu_flag::link_local_compatibility, bu_flag::key_management,
                                 bu_flag::proxy_registration};
  for (std::size_t i = 0; i < std::size(flags); ++i) {
    Bytes b = mh_base(5);
    append(b, {0, 1});
    append_be16(b, flags[i]);
    append(b, {0xff, 0xff, 1, 2, 0, 0});
    set_header_len(b);
    auto bu = BindingUpdateView::from(*parse(b));
    ASSERT_TRUE(bu);
    EXPECT_EQ(bu->acknowledge(), i == 0);
    EXPECT_EQ(bu->home_registration(), i == 1);
    EXPECT_EQ(bu->link_local_compatibility(), i == 2);
    EXPECT_EQ(bu->key_management(), i == 3);
    EXPECT_EQ(bu->proxy_registration(), i == 4);
    EXPECT_EQ(bu->lifetime_units(), 0xffff);
    EXPECT_EQ(bu->lifetime_seconds(), 262140u);
  }
}

TEST(MobilityHeaderView, BindingAckFields) {
  Bytes b = mh_base(6);
  append(b, {133, 0xa0});  // status, K and P
  append_be16(b, 0xbeef);
  append_be16(b, 0x0001);
  append(b, {1, 2, 0, 0});
  set_header_len(b);
  auto ba = BindingAckView::from(*parse(b));
  ASSERT_TRUE(ba);
  EXPECT_EQ(ba->status(), ba_status::not_home_agent_for_this_mobile_node);
  EXPECT_FALSE(ba->accepted());
  EXPECT_EQ(ba->flags(), 0xa0);
  EXPECT_TRUE(ba->key_management());
  EXPECT_FALSE(ba->mobile_router());
  EXPECT_TRUE(ba->proxy_registration());
  EXPECT_EQ(ba->sequence(), 0xbeef);
  EXPECT_EQ(ba->lifetime_units(), 1);
  EXPECT_EQ(ba->lifetime_seconds(), 4u);
  const std::pair<std::uint8_t, bool> statuses[] = {
      {ba_status::accepted_prefix_discovery_necessary, true}, {127, true}, {128, false}};
  for (const auto& [status, accepted] : statuses) {
    b[6] = status;
    BindingAckView again;
    ASSERT_TRUE(test::parse_as(b, again));
    EXPECT_EQ(again.accepted(), accepted) << int(status);
  }
}

TEST(MobilityHeaderView, BindingErrorFields) {
  Bytes b = mh_base(7);
  append(b, {2, 0});
  append(b, kHoa);
  set_header_len(b);
  ASSERT_EQ(b.size(), 24u);
  auto be = BindingErrorView::from(*parse(b));
  ASSERT_TRUE(be);
  EXPECT_EQ(be->status(), be_status::unrecognized_mh_type);
  EXPECT_EQ(be->home_address(), kHoa);
  EXPECT_EQ(be->options_offset(), 24u);
  EXPECT_TRUE(be->options().empty());
}

TEST(MobilityHeaderView, MaximumLengthAndTrailingBytes) {
  Bytes b = mh_base(5);
  append(b, {0, 1, 0, 0, 0, 1});
  b.resize(2048, 0);  // Pad1 options all the way
  b[1] = 255;
  b.push_back(0xee);  // beyond the MH: ignored (it is the last header)
  auto mh = parse(b);
  ASSERT_TRUE(mh) << describe(mh.error());
  EXPECT_EQ(mh->size(), 2048u);
  EXPECT_EQ(mh->bytes().size(), 2048u);
  EXPECT_EQ(mh->options().size(), 2048u - 12);
}

TEST(MobilityHeaderViewErrors, EveryCheck) {
  Bytes ok = mh_base(0);
  append(ok, {0, 0});
  ASSERT_TRUE(parse(ok));

  Bytes b = ok;
  b.pop_back();
  EXPECT_EQ(parse(b).error(), Errc::truncated_mobility_header);
  EXPECT_EQ(parse(Bytes{}).error(), Errc::truncated_mobility_header);

  b = ok;
  b[0] = 6;
  EXPECT_EQ(parse(b).error(), Errc::mobility_payload_proto_not_none);

  b = ok;
  b[1] = 1;  // says 16 octets, has 8
  EXPECT_EQ(parse(b).error(), Errc::mobility_header_exceeds_packet);

  b = ok;
  b[2] = 8;  // Fast Binding Update: not known here
  EXPECT_EQ(parse(b).error(), Errc::unknown_mobility_header_type);
  b[2] = 255;
  EXPECT_EQ(parse(b).error(), Errc::unknown_mobility_header_type);
}

TEST(MobilityHeaderViewErrors, TooShortForEachType) {
  // One 8-octet unit short of each type's fixed part (BRR fits in the minimum).
  for (const std::uint8_t type : std::initializer_list<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 16}) {
    const std::size_t needed = mobility_options_offset(type);
    const std::size_t too_short = (needed + 7) / 8 * 8 - 8;
    Bytes b = mh_base(type);
    b.resize(too_short, 0);
    set_header_len(b);
    EXPECT_EQ(parse(b).error(), Errc::mobility_header_too_short_for_type) << int(type);
    b.resize(too_short + 8, 0);
    set_header_len(b);
    EXPECT_TRUE(parse(b)) << int(type);
  }
}

Bytes binding_update_for_checksum() {
  Bytes b{59, 1, 5, 0, 0, 0, 0x12, 0x34, 0xc0, 0x00, 0x00, 0x96, 1, 2, 0, 0};
  return b;
}

TEST(MobilityHeaderChecksum, MatchesHandComputedValue) {
  // Computed outside this code base over pseudo-header(HoA -> HA, 16, 135)
  // and the MH above with the checksum field zero.
  constexpr std::uint16_t expected = 0x8f13;
  Bytes b = binding_update_for_checksum();
  ASSERT_EQ(write_mobility_header_checksum(b, kHoa, kHa), Errc::ok);
  EXPECT_EQ(b[4], expected >> 8);
  EXPECT_EQ(b[5], expected & 0xff);
  // Same as the reference 16-bit loop.
  Bytes ref = binding_update_for_checksum();
  test::finish_mh(ref, kHoa, kHa);
  EXPECT_EQ(ref, b);
}

TEST(MobilityHeaderChecksum, ValidAndInvalid) {
  Bytes b = binding_update_for_checksum();
  test::finish_mh(b, kHoa, kHa);
  auto mh = parse(b);
  ASSERT_TRUE(mh);
  EXPECT_TRUE(mh->checksum_valid(kHoa, kHa));
  EXPECT_FALSE(mh->checksum_valid(kCoa, kHa));  // IPv6 source instead of the HoA
  EXPECT_FALSE(mh->checksum_valid(kHoa, kCoa));
  b[9] ^= 0x01;
  EXPECT_FALSE(MobilityHeaderView::parse(b)->checksum_valid(kHoa, kHa));
  b[9] ^= 0x01;
  b[5] ^= 0x80;
  EXPECT_FALSE(MobilityHeaderView::parse(b)->checksum_valid(kHoa, kHa));
}

TEST(MobilityHeaderChecksum, WriteIgnoresOldValueAndCoversOnlyTheMh) {
  Bytes b = binding_update_for_checksum();
  b[4] = 0xde;
  b[5] = 0xad;
  b.push_back(0x55);  // not part of the MH
  ASSERT_EQ(write_mobility_header_checksum(b, kHoa, kHa), Errc::ok);
  b.pop_back();
  EXPECT_TRUE(MobilityHeaderView::parse(b)->checksum_valid(kHoa, kHa));
}

TEST(MobilityHeaderChecksum, WriteErrors) {
  Bytes b = binding_update_for_checksum();
  EXPECT_EQ(write_mobility_header_checksum(MutableByteSpan(b).first(7), kHoa, kHa),
            Errc::truncated_mobility_header);
  EXPECT_EQ(write_mobility_header_checksum(MutableByteSpan(b).first(8), kHoa, kHa),
            Errc::mobility_header_exceeds_packet);
}

TEST(MobilityHeaderView, InPlaceParseMatchesAndLeavesTheViewOnError) {
  Bytes b = mh_base(mh_type::binding_update);
  append(b, {0, 1, 0x80, 0, 0, 10, 1, 2, 0, 0});  // BU + PadN(4): 16 octets
  set_header_len(b);
  MobilityHeaderView v;
  ASSERT_EQ(MobilityHeaderView::parse(b, v), Errc::ok);
  const auto r = parse(b);
  ASSERT_TRUE(r);
  EXPECT_EQ(v.data(), r->data());
  EXPECT_EQ(v.size(), r->size());
  EXPECT_EQ(v.options_offset(), r->options_offset());
  EXPECT_EQ(v.size(), 16u);
  EXPECT_EQ(v.options_offset(), 12u);

  Bytes bad = b;
  bad[0] = 6;
  EXPECT_EQ(MobilityHeaderView::parse(bad, v), Errc::mobility_payload_proto_not_none);
  EXPECT_EQ(v.data(), r->data());  // unchanged
  EXPECT_EQ(v.size(), 16u);
  EXPECT_EQ(MobilityHeaderView::parse(ByteSpan(b).first(12), v), Errc::mobility_header_exceeds_packet);
  EXPECT_EQ(MobilityHeaderView::parse(ByteSpan(b).first(7), v), Errc::truncated_mobility_header);
  EXPECT_EQ(v.size(), 16u);
}

}  // namespace
}  // namespace roam6::wire
