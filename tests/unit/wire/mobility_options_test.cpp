#include "roam6/wire/mobility_options.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <string_view>

#include "test_packets.hpp"

namespace roam6::wire {
namespace {

using test::append;
using test::append_be16;
using test::append_be32;
using test::append_be64;
using test::Bytes;

const Ip6Addr kCoa2 = test::addr("2001:db8:c::7");
const Ip6Addr kPrefix = test::addr("2001:db8:a:1::");
const Ip6Addr kLinkLocal = test::addr("fe80::1");

// Options are read relative to this offset, as if after a BU's fixed part.
constexpr std::size_t kBase = 12;

// The option's span points into its bytes, so they are kept for the test run.
MobilityOption option_of(Bytes bytes) {
  static std::deque<Bytes> keep;
  const Bytes& b = keep.emplace_back(std::move(bytes));
  MobilityOptionReader r(b, kBase);
  auto o = r.next();
  EXPECT_TRUE(o) << describe(o.error());
  EXPECT_TRUE(r.done());
  return o ? *o : MobilityOption{};
}

// Type, length, data.
Bytes tlv(std::uint8_t type, const Bytes& data) {
  // Octet by octet: GCC 12 at -O3 misreports range inserts here
  // (-Warray-bounds) and indexing a sized vector (-Wnull-dereference).
  Bytes b;
  b.reserve(2 + data.size());
  b.push_back(type);
  b.push_back(static_cast<std::uint8_t>(data.size()));
  for (const std::uint8_t octet : data) b.push_back(octet);
  return b;
}

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST(MobilityOptionConstants, TypesMatchIanaRegistry) {
  EXPECT_EQ(mobility_option::pad1, 0);
  EXPECT_EQ(mobility_option::padn, 1);
  EXPECT_EQ(mobility_option::binding_refresh_advice, 2);
  EXPECT_EQ(mobility_option::alternate_care_of_address, 3);
  EXPECT_EQ(mobility_option::nonce_indices, 4);
  EXPECT_EQ(mobility_option::binding_authorization_data, 5);
  EXPECT_EQ(mobility_option::mobile_node_identifier, 8);
  EXPECT_EQ(mobility_option::message_authentication, 9);
  EXPECT_EQ(mobility_option::replay_protection, 10);
  EXPECT_EQ(mobility_option::home_network_prefix, 22);
  EXPECT_EQ(mobility_option::handoff_indicator, 23);
  EXPECT_EQ(mobility_option::access_technology_type, 24);
  EXPECT_EQ(mobility_option::mobile_node_link_layer_identifier, 25);
  EXPECT_EQ(mobility_option::link_local_address, 26);
  EXPECT_EQ(mobility_option::timestamp, 27);
}

TEST(MobilityOptionAlignment, RequirementsFromTheRfcs) {
  auto is = [](std::uint8_t type, int x, int y) {
    const auto a = mobility_option_alignment(type);
    return a.x == x && a.y == y;
  };
  EXPECT_TRUE(is(mobility_option::pad1, 1, 0));
  EXPECT_TRUE(is(mobility_option::padn, 1, 0));
  EXPECT_TRUE(is(mobility_option::binding_refresh_advice, 2, 0));
  EXPECT_TRUE(is(mobility_option::alternate_care_of_address, 8, 6));
  EXPECT_TRUE(is(mobility_option::nonce_indices, 2, 0));
  EXPECT_TRUE(is(mobility_option::binding_authorization_data, 8, 2));
  EXPECT_TRUE(is(mobility_option::mobile_node_identifier, 1, 0));
  EXPECT_TRUE(is(mobility_option::message_authentication, 4, 1));
  EXPECT_TRUE(is(mobility_option::replay_protection, 8, 2));
  EXPECT_TRUE(is(mobility_option::home_network_prefix, 8, 4));
  EXPECT_TRUE(is(mobility_option::handoff_indicator, 1, 0));
  EXPECT_TRUE(is(mobility_option::access_technology_type, 1, 0));
  EXPECT_TRUE(is(mobility_option::mobile_node_link_layer_identifier, 8, 0));
  EXPECT_TRUE(is(mobility_option::link_local_address, 8, 6));
  EXPECT_TRUE(is(mobility_option::timestamp, 8, 2));
  EXPECT_TRUE(is(200, 1, 0));
}

TEST(MobilityOptionAlignment, PaddingArithmetic) {
  const OptionAlignment a86{8, 6};
  EXPECT_EQ(a86.padding_before(0), 6u);
  EXPECT_EQ(a86.padding_before(6), 0u);
  EXPECT_EQ(a86.padding_before(7), 7u);
  EXPECT_EQ(a86.padding_before(12), 2u);
  EXPECT_TRUE(a86.satisfied_at(14));
  EXPECT_FALSE(a86.satisfied_at(12));
  const OptionAlignment a41{4, 1};
  EXPECT_EQ(a41.padding_before(12), 1u);
  EXPECT_EQ(a41.padding_before(14), 3u);
  const OptionAlignment none{};
  EXPECT_EQ(none.padding_before(13), 0u);
  EXPECT_TRUE(none.satisfied_at(13));
}

TEST(MobilityOptionAlignment, MaskArithmeticMatchesTheDefinition) {
  // x = 1, 2, 4, 8 take the mask path; 3 and 6 the division path. Both
  // must give the definition: the least padding reaching offset % x == y.
  for (const int xi : {1, 2, 3, 4, 6, 8}) {
    const auto x = static_cast<std::uint8_t>(xi);
    for (std::uint8_t y = 0; y < x; ++y) {
      const OptionAlignment a{x, y};
      for (std::size_t offset = 0; offset < 80; ++offset) {
        std::size_t pad = 0;
        while ((offset + pad) % x != y) ++pad;
        EXPECT_EQ(a.padding_before(offset), pad) << int{x} << "n+" << int{y} << " at " << offset;
        EXPECT_EQ(a.satisfied_at(offset), offset % x == y) << int{x} << "n+" << int{y};
      }
    }
  }
}

TEST(MobilityOptionReader, WalksPaddingKnownAndUnknown) {
  Bytes b{0};                         // Pad1 at 12
  append(b, {1, 1, 0});               // PadN(3) at 13
  append(b, {2, 2, 0x00, 0x2d});      // BRA at 16
  append(b, {200, 3, 0xa, 0xb, 0xc});  // unknown at 20
  append(b, {1, 0});                  // PadN(2) at 25
  MobilityOptionReader r(b, kBase);
  struct Expect {
    std::uint8_t type;
    std::size_t length;
    std::uint16_t offset;
  };
  const Expect expect[] = {{0, 0, 12}, {1, 1, 13}, {2, 2, 16}, {200, 3, 20}, {1, 0, 25}};
  for (const auto& e : expect) {
    ASSERT_FALSE(r.done());
    auto o = r.next();
    ASSERT_TRUE(o) << describe(o.error());
    EXPECT_EQ(o->type, e.type);
    EXPECT_EQ(o->data.size(), e.length);
    EXPECT_EQ(o->offset, e.offset);
  }
  EXPECT_TRUE(r.done());
  EXPECT_EQ(r.next().error(), Errc::truncated_mobility_option);  // misuse is caught
}

TEST(MobilityOptionReader, EmptyArea) {
  MobilityOptionReader r(ByteSpan{}, 24);
  EXPECT_TRUE(r.done());
}

TEST(MobilityOptionReader, TruncatedAndOverrun) {
  {
    Bytes b{2, 2, 0, 1, 3};  // BRA, then a type with no length octet
    MobilityOptionReader r(b, kBase);
    ASSERT_TRUE(r.next());
    EXPECT_EQ(r.next().error(), Errc::truncated_mobility_option);
    EXPECT_TRUE(r.done());
  }
  {
    Bytes b{3, 16, 0, 0, 0, 0};  // AltCoA claiming 16 octets, 4 present
    MobilityOptionReader r(b, kBase);
    EXPECT_EQ(r.next().error(), Errc::mobility_option_exceeds_message);
    EXPECT_TRUE(r.done());
  }
  {
    Bytes b{1, 1};  // PadN claiming one octet more than there is
    MobilityOptionReader r(b, kBase);
    EXPECT_EQ(r.next().error(), Errc::mobility_option_exceeds_message);
  }
}

TEST(MobilityOptionDecode, BindingRefreshAdvice) {
  auto v = decode_binding_refresh_advice(option_of({2, 2, 0x01, 0x2c}));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->interval_units, 300);
  EXPECT_EQ(v->interval_seconds(), 1200u);
  EXPECT_EQ(decode_binding_refresh_advice(option_of({2, 1, 0})).error(),
            Errc::bad_mobility_option_length);
  EXPECT_EQ(decode_binding_refresh_advice(option_of({2, 3, 0, 0, 0})).error(),
            Errc::bad_mobility_option_length);
}

TEST(MobilityOptionDecode, AlternateCareOfAddress) {
  Bytes b{3, 16};
  append(b, kCoa2);
  auto v = decode_alternate_care_of_address(option_of(b));
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, kCoa2);
  EXPECT_EQ(decode_alternate_care_of_address(option_of(tlv(3, Bytes(15, 0)))).error(),
            Errc::bad_mobility_option_length);
  EXPECT_EQ(decode_alternate_care_of_address(option_of(tlv(3, Bytes(17, 0)))).error(),
            Errc::bad_mobility_option_length);
}

TEST(MobilityOptionDecode, NonceIndices) {
  auto v = decode_nonce_indices(option_of({4, 4, 0x12, 0x34, 0xab, 0xcd}));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->home_nonce_index, 0x1234);
  EXPECT_EQ(v->care_of_nonce_index, 0xabcd);
  EXPECT_EQ(decode_nonce_indices(option_of(tlv(4, Bytes(3, 0)))).error(),
            Errc::bad_mobility_option_length);
  EXPECT_EQ(decode_nonce_indices(option_of(tlv(4, Bytes(5, 0)))).error(),
            Errc::bad_mobility_option_length);
}

TEST(MobilityOptionDecode, BindingAuthorizationData) {
  Bytes auth{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  auto v = decode_binding_authorization_data(option_of(tlv(5, auth)));
  ASSERT_TRUE(v);
  EXPECT_EQ(Bytes(v->begin(), v->end()), auth);
  EXPECT_EQ(decode_binding_authorization_data(option_of(tlv(5, Bytes(11, 0)))).error(),
            Errc::bad_mobility_option_length);
  EXPECT_EQ(decode_binding_authorization_data(option_of(tlv(5, Bytes(13, 0)))).error(),
            Errc::bad_mobility_option_length);
}

TEST(MobilityOptionDecode, MobileNodeIdentifier) {
  Bytes data{mn_identifier_subtype::nai};
  append(data, bytes_of("vm42@roam6.example"));
  auto v = decode_mobile_node_identifier(option_of(tlv(8, data)));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->subtype, 1);
  EXPECT_EQ(Bytes(v->identifier.begin(), v->identifier.end()), bytes_of("vm42@roam6.example"));
  // Minimum: subtype plus one octet; maximum: the whole 255.
  EXPECT_TRUE(decode_mobile_node_identifier(option_of(tlv(8, {1, 'x'}))));
  auto max = decode_mobile_node_identifier(option_of(tlv(8, Bytes(255, 'a'))));
  ASSERT_TRUE(max);
  EXPECT_EQ(max->identifier.size(), 254u);
  EXPECT_EQ(decode_mobile_node_identifier(option_of(tlv(8, {1}))).error(),
            Errc::bad_mobility_option_length);
  EXPECT_EQ(decode_mobile_node_identifier(option_of(tlv(8, {}))).error(),
            Errc::bad_mobility_option_length);
}

TEST(MobilityOptionDecode, MessageAuthentication) {
  Bytes data{mobility_auth_subtype::mn_ha};
  append_be32(data, 0x00001001);  // SPI
  append(data, {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab});
  auto v = decode_message_authentication(option_of(tlv(9, data)));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->subtype, mobility_auth_subtype::mn_ha);
  EXPECT_EQ(v->spi, 0x1001u);
  ASSERT_EQ(v->authenticator.size(), 12u);
  EXPECT_EQ(v->authenticator[0], 0xa0);
  EXPECT_EQ(v->authenticator[11], 0xab);
  EXPECT_EQ(v->offset, kBase);
  EXPECT_TRUE(decode_message_authentication(option_of(tlv(9, {2, 0, 0, 1, 0, 0xff}))));
  EXPECT_EQ(decode_message_authentication(option_of(tlv(9, Bytes(255, 2))))->authenticator.size(),
            250u);
  EXPECT_EQ(decode_message_authentication(option_of(tlv(9, {1, 0, 0, 1, 0}))).error(),
            Errc::bad_mobility_option_length);
  EXPECT_EQ(decode_message_authentication(option_of(tlv(9, {1}))).error(),
            Errc::bad_mobility_option_length);
}

TEST(MobilityOptionDecode, ReplayProtection) {
  Bytes data;
  append_be64(data, 0xe1234567'89abcdefull);
  auto v = decode_replay_protection(option_of(tlv(10, data)));
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, 0xe1234567'89abcdefull);
  EXPECT_EQ(decode_replay_protection(option_of(tlv(10, Bytes(7, 0)))).error(),
            Errc::bad_mobility_option_length);
  EXPECT_EQ(decode_replay_protection(option_of(tlv(10, Bytes(9, 0)))).error(),
            Errc::bad_mobility_option_length);
}

TEST(MobilityOptionDecode, HomeNetworkPrefix) {
  Bytes data{0xff, 64};  // reserved (ignored), prefix length
  append(data, kPrefix);
  auto v = decode_home_network_prefix(option_of(tlv(22, data)));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->prefix_length, 64);
  EXPECT_EQ(v->prefix, kPrefix);
  EXPECT_EQ(decode_home_network_prefix(option_of(tlv(22, Bytes(17, 0)))).error(),
            Errc::bad_mobility_option_length);
  EXPECT_EQ(decode_home_network_prefix(option_of(tlv(22, Bytes(19, 0)))).error(),
            Errc::bad_mobility_option_length);
}

// Found by fuzz_mobility_roundtrip: the decoder took a prefix length of 200,
// which MobilityHeaderWriter::add_home_network_prefix refuses (and no IPv6
// prefix has), so a decoded option could not be sent back.
TEST(MobilityOptionDecode, HomeNetworkPrefixLengthAtMost128) {
  for (const int length : {0, 1, 64, 127, 128}) {
    Bytes data{0, static_cast<std::uint8_t>(length)};
    append(data, kPrefix);
    const auto v = decode_home_network_prefix(option_of(tlv(22, data)));
    ASSERT_TRUE(v) << length;
    EXPECT_EQ(v->prefix_length, length);
  }
  for (const int length : {129, 200, 255}) {
    Bytes data{0, static_cast<std::uint8_t>(length)};
    append(data, kPrefix);
    EXPECT_EQ(decode_home_network_prefix(option_of(tlv(22, data))).error(),
              Errc::bad_home_network_prefix_length)
        << length;
  }
  // The one-pass decode refuses the message rather than keep the option.
  Bytes b{22, 18, 0, 129};  // at kBase = 12, 8n+4
  append(b, kPrefix);
  EXPECT_EQ(decode_mobility_options(b, kBase).error(), Errc::bad_home_network_prefix_length);
}

TEST(MobilityOptionDecode, HandoffIndicatorAndAccessTechnology) {
  auto hi = decode_handoff_indicator(option_of({23, 2, 0, 3}));
  ASSERT_TRUE(hi);
  EXPECT_EQ(*hi, handoff_indicator::handoff_between_mags_same_interface);
  auto att = decode_access_technology_type(option_of({24, 2, 0, 3}));
  ASSERT_TRUE(att);
  EXPECT_EQ(*att, access_technology::ieee_802_3);
  EXPECT_EQ(decode_handoff_indicator(option_of({23, 1, 3})).error(),
            Errc::bad_mobility_option_length);
  EXPECT_EQ(decode_handoff_indicator(option_of({23, 3, 0, 3, 0})).error(),
            Errc::bad_mobility_option_length);
  EXPECT_EQ(decode_access_technology_type(option_of({24, 1, 3})).error(),
            Errc::bad_mobility_option_length);
  EXPECT_EQ(decode_access_technology_type(option_of({24, 3, 0, 3, 0})).error(),
            Errc::bad_mobility_option_length);
}

TEST(MobilityOptionDecode, MobileNodeLinkLayerIdentifier) {
  auto v = decode_mobile_node_link_layer_identifier(
      option_of({25, 8, 0, 0, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56}));
  ASSERT_TRUE(v);
  EXPECT_EQ(Bytes(v->begin(), v->end()), (Bytes{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}));
  EXPECT_EQ(decode_mobile_node_link_layer_identifier(option_of({25, 3, 0, 0, 9}))->size(), 1u);
  EXPECT_EQ(decode_mobile_node_link_layer_identifier(option_of(tlv(25, Bytes(255, 1))))->size(),
            253u);
  EXPECT_EQ(decode_mobile_node_link_layer_identifier(option_of({25, 2, 0, 0})).error(),
            Errc::bad_mobility_option_length);
}

TEST(MobilityOptionDecode, LinkLocalAddressAndTimestamp) {
  Bytes b{26, 16};
  append(b, kLinkLocal);
  EXPECT_EQ(*decode_link_local_address(option_of(b)), kLinkLocal);
  EXPECT_EQ(decode_link_local_address(option_of(tlv(26, Bytes(15, 0)))).error(),
            Errc::bad_mobility_option_length);

  Bytes ts;
  append_be64(ts, (std::uint64_t{1700000000} << 16) | 0x8000);  // .5 s
  auto t = decode_timestamp(option_of(tlv(27, ts)));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->seconds(), 1700000000u);
  EXPECT_EQ(t->fraction(), 0x8000);
  EXPECT_EQ(decode_timestamp(option_of(tlv(27, Bytes(7, 0)))).error(),
            Errc::bad_mobility_option_length);
  EXPECT_EQ(decode_timestamp(option_of(tlv(27, Bytes(16, 0)))).error(),
            Errc::bad_mobility_option_length);
}

// Every option type once, each where a sender would put it (offsets from
// the MH start; the option area begins at 12 as in a BU).
TEST(MobilityOptionSet, EveryKnownOptionInOnePass) {
  Bytes b;
  append(b, {8, 5, 1, 'a', '@', 'b', 'c'});    // MN-ID at 12 (no requirement)
  append(b, {0});                              // Pad1 at 19
  append(b, {22, 18, 0, 64});                  // HNP at 20 (8n+4)
  append(b, kPrefix);
  append(b, {23, 2, 0, 1});                    // HI at 40
  append(b, {24, 2, 0, 4});                    // ATT at 44
  append(b, {25, 8, 0, 0, 2, 0, 0, 0, 0, 9});  // MN LL-ID at 48 (8n)
  append(b, {2, 2, 0, 10});                    // BRA at 58 (2n)
  append(b, {1, 6, 0, 0, 0, 0, 0, 0});         // PadN at 62
  append(b, {26, 16});                         // LLA at 70 (8n+6)
  append(b, kLinkLocal);
  append(b, {1, 4, 0, 0, 0, 0});               // PadN at 88
  append(b, {3, 16});                          // AltCoA at 94 (8n+6)
  append(b, kCoa2);
  append(b, {4, 4, 0, 1, 0, 2});               // Nonce at 112 (2n)
  append(b, {1, 2, 0, 0});                     // PadN at 118
  append(b, {27, 8, 0, 0, 0, 0, 0, 1, 0, 0});  // TS at 122 (8n+2)
  append(b, {1, 4, 0, 0, 0, 0});               // PadN at 132
  append(b, {10, 8, 0, 0, 0, 0, 0, 0, 0, 7});  // replay at 138 (8n+2)
  append(b, {250, 1, 0});                      // unknown at 148
  append(b, {1, 4, 0, 0, 0, 0});               // PadN at 151
  append(b, {9, 17, 1, 0, 0, 1, 0});           // MN-HA at 157 (4n+1)
  append(b, Bytes(12, 0xaa));
  // 157 + 19 = 176, a multiple of 8.
  ASSERT_EQ(kBase + b.size(), 176u);

  auto set = decode_mobility_options(b, kBase);
  ASSERT_TRUE(set) << describe(set.error());
  ASSERT_TRUE(set->mobile_node_identifier);
  EXPECT_EQ(set->mobile_node_identifier->subtype, 1);
  EXPECT_EQ(set->mobile_node_identifier->identifier.size(), 4u);
  ASSERT_TRUE(set->home_network_prefix);
  EXPECT_EQ(set->home_network_prefix->prefix, kPrefix);
  EXPECT_EQ(set->home_network_prefix->prefix_length, 64);
  EXPECT_EQ(set->home_network_prefix_count, 1);
  EXPECT_EQ(set->handoff_indicator, 1);
  EXPECT_EQ(set->access_technology_type, 4);
  ASSERT_TRUE(set->mobile_node_link_layer_identifier);
  EXPECT_EQ(set->mobile_node_link_layer_identifier->size(), 6u);
  ASSERT_TRUE(set->binding_refresh_advice);
  EXPECT_EQ(set->binding_refresh_advice->interval_units, 10);
  EXPECT_EQ(set->link_local_address, kLinkLocal);
  EXPECT_EQ(set->alternate_care_of_address, kCoa2);
  ASSERT_TRUE(set->nonce_indices);
  EXPECT_EQ(set->nonce_indices->home_nonce_index, 1);
  EXPECT_EQ(set->nonce_indices->care_of_nonce_index, 2);
  ASSERT_TRUE(set->timestamp);
  EXPECT_EQ(set->timestamp->raw, 0x10000u);
  EXPECT_EQ(set->replay_protection, 7u);
  ASSERT_TRUE(set->mn_ha_authentication);
  EXPECT_EQ(set->mn_ha_authentication->offset, 157);
  EXPECT_EQ(set->mn_ha_authentication->spi, 0x100u);
  EXPECT_EQ(set->mn_ha_authentication->authenticator.size(), 12u);
  EXPECT_FALSE(set->mn_aaa_authentication);
  EXPECT_FALSE(set->binding_authorization_data);
  EXPECT_EQ(set->unknown_count, 1);
  EXPECT_EQ(set->duplicate_count, 0);
}

TEST(MobilityOptionSet, BindingAuthorizationData) {
  Bytes b{4, 4, 0, 3, 0, 4, 0, 0};  // Nonce Indices, PadN
  append(b, tlv(5, Bytes(12, 0x77)));
  auto set = decode_mobility_options(b, kBase);
  ASSERT_TRUE(set) << describe(set.error());
  ASSERT_TRUE(set->binding_authorization_data);
  EXPECT_EQ(set->binding_authorization_data->size(), 12u);
  EXPECT_EQ((*set->binding_authorization_data)[0], 0x77);
  EXPECT_EQ(set->nonce_indices->care_of_nonce_index, 4);
}

TEST(MobilityOptionSet, InPlaceFormResetsTheSet) {
  MobilityOptionSet set;
  Bytes first{23, 2, 0, 1, 200, 0};
  ASSERT_EQ(decode_mobility_options(first, kBase, set), Errc::ok);
  EXPECT_EQ(set.handoff_indicator, 1);
  EXPECT_EQ(set.unknown_count, 1);
  Bytes second{24, 2, 0, 3};
  ASSERT_EQ(decode_mobility_options(second, kBase, set), Errc::ok);
  EXPECT_FALSE(set.handoff_indicator);  // nothing left from the first call
  EXPECT_EQ(set.unknown_count, 0);
  EXPECT_EQ(set.access_technology_type, 3);
  EXPECT_EQ(decode_mobility_options(Bytes{24, 1, 0}, kBase, set), Errc::bad_mobility_option_length);
}

TEST(MobilityOptionSet, EmptyAndPaddingOnly) {
  auto empty = decode_mobility_options(ByteSpan{}, 12);
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->home_network_prefix);
  EXPECT_EQ(empty->unknown_count, 0);
  Bytes pad{0, 1, 1, 0, 0};
  EXPECT_TRUE(decode_mobility_options(pad, 12));
}

TEST(MobilityOptionSet, DuplicatesKeepTheFirst) {
  Bytes b;
  append(b, {23, 2, 0, 1});
  append(b, {23, 2, 0, 2});
  append(b, {22, 18, 0, 48});
  append(b, kPrefix);
  append(b, {22, 18, 0, 56});
  append(b, kCoa2);
  auto set = decode_mobility_options(b, kBase);
  ASSERT_TRUE(set) << describe(set.error());
  EXPECT_EQ(set->handoff_indicator, 1);
  EXPECT_EQ(set->duplicate_count, 1);
  EXPECT_EQ(set->home_network_prefix->prefix_length, 48);
  EXPECT_EQ(set->home_network_prefix_count, 2);
}

TEST(MobilityOptionSet, WrongLengthOfAKnownTypeIsAnError) {
  Bytes b{200, 0};            // unknown types may be any length
  append(b, {24, 3, 0, 1, 0});  // ATT must be 2
  EXPECT_EQ(decode_mobility_options(b, kBase).error(), Errc::bad_mobility_option_length);
  Bytes padn_any{1, 7, 1, 2, 3, 4, 5, 6, 7};  // PadN content is not checked
  EXPECT_TRUE(decode_mobility_options(padn_any, kBase));
}

TEST(MobilityOptionSet, ReaderErrorsPassThrough) {
  EXPECT_EQ(decode_mobility_options(Bytes{23}, kBase).error(), Errc::truncated_mobility_option);
  EXPECT_EQ(decode_mobility_options(Bytes{23, 2, 0}, kBase).error(),
            Errc::mobility_option_exceeds_message);
}

Bytes mn_ha(std::uint8_t subtype = mobility_auth_subtype::mn_ha) {
  Bytes b{9, 17, subtype, 0, 0, 1, 0};
  append(b, Bytes(12, 0x5a));
  return b;
}

TEST(MobilityOptionSet, NothingButPaddingAfterAuthentication) {
  {
    Bytes b = mn_ha();
    append(b, {0, 1, 0});  // Pad1, PadN: allowed
    auto set = decode_mobility_options(b, kBase);
    ASSERT_TRUE(set) << describe(set.error());
    EXPECT_EQ(set->mn_ha_authentication->offset, kBase);
  }
  {
    Bytes b = mn_ha();
    append(b, {23, 2, 0, 1});  // would not be covered by the authenticator
    EXPECT_EQ(decode_mobility_options(b, kBase).error(),
              Errc::mobility_option_after_authentication);
  }
  {
    Bytes b = mn_ha();
    append(b, {200, 0});  // not even an unknown one
    EXPECT_EQ(decode_mobility_options(b, kBase).error(),
              Errc::mobility_option_after_authentication);
  }
  {
    Bytes b = mn_ha();
    append(b, mn_ha());  // a second MN-HA
    EXPECT_EQ(decode_mobility_options(b, kBase).error(),
              Errc::mobility_option_after_authentication);
  }
  {
    Bytes b = tlv(5, Bytes(12, 1));  // Binding Authorization Data is last too
    append(b, {4, 4, 0, 0, 0, 0});
    EXPECT_EQ(decode_mobility_options(b, kBase).error(),
              Errc::mobility_option_after_authentication);
  }
}

TEST(MobilityOptionSet, MnAaaMayFollowMnHaButNothingFollowsMnAaa) {
  Bytes b = mn_ha();
  append(b, {0});
  append(b, mn_ha(mobility_auth_subtype::mn_aaa));
  auto set = decode_mobility_options(b, kBase);
  ASSERT_TRUE(set) << describe(set.error());
  EXPECT_EQ(set->mn_ha_authentication->offset, kBase);
  EXPECT_EQ(set->mn_aaa_authentication->offset, kBase + 20);
  EXPECT_EQ(set->mn_aaa_authentication->subtype, 2);

  Bytes c = mn_ha(mobility_auth_subtype::mn_aaa);
  append(c, mn_ha(mobility_auth_subtype::mn_aaa));
  EXPECT_EQ(decode_mobility_options(c, kBase).error(),
            Errc::mobility_option_after_authentication);
  Bytes d = mn_ha(mobility_auth_subtype::mn_aaa);
  append(d, mn_ha());
  EXPECT_EQ(decode_mobility_options(d, kBase).error(),
            Errc::mobility_option_after_authentication);
}

TEST(MobilityOptionSet, AuthenticationWithUnknownSubtypeIsSkipped) {
  Bytes b = mn_ha(7);
  append(b, {23, 2, 0, 1});
  auto set = decode_mobility_options(b, kBase);
  ASSERT_TRUE(set) << describe(set.error());
  EXPECT_EQ(set->unknown_count, 1);
  EXPECT_FALSE(set->mn_ha_authentication);
  EXPECT_EQ(set->handoff_indicator, 1);
}

TEST(MobilityOptionSet, FromAView) {
  Bytes mh{59, 1, 5, 0, 0, 0, 0, 1, 0, 0, 0, 1, 23, 2, 0, 5};
  auto view = MobilityHeaderView::parse(mh);
  ASSERT_TRUE(view);
  auto set = decode_mobility_options(*view);
  ASSERT_TRUE(set);
  EXPECT_EQ(set->handoff_indicator, handoff_indicator::handoff_state_not_changed);
}

TEST(MobilityOptionAlignmentCheck, AcceptsAlignedRejectsMisaligned) {
  Bytes mh{59, 3, 5, 0, 0, 0, 0, 1, 0, 0, 0, 1};
  append(mh, {22, 18, 0, 64});  // HNP at 12: 8n+4
  append(mh, kPrefix);
  auto aligned = MobilityHeaderView::parse(mh);
  ASSERT_TRUE(aligned);
  EXPECT_EQ(verify_mobility_option_alignment(*aligned), Errc::ok);

  Bytes bad{59, 4, 5, 0, 0, 0, 0, 1, 0, 0, 0, 1};
  append(bad, {1, 0});  // PadN(2) moves the HNP to 14
  append(bad, {22, 18, 0, 64});
  append(bad, kPrefix);
  append(bad, {1, 4, 0, 0, 0, 0});  // to 40 octets
  ASSERT_EQ(bad.size(), 40u);
  auto misaligned = MobilityHeaderView::parse(bad);
  ASSERT_TRUE(misaligned);
  EXPECT_EQ(verify_mobility_option_alignment(*misaligned), Errc::mobility_option_misaligned);
  // ...but decoding is lenient about it.
  EXPECT_TRUE(decode_mobility_options(*misaligned));

  Bytes broken{59, 1, 5, 0, 0, 0, 0, 1, 0, 0, 0, 1, 3, 16, 0, 0};
  EXPECT_EQ(verify_mobility_option_alignment(*MobilityHeaderView::parse(broken)),
            Errc::mobility_option_exceeds_message);
}

}  // namespace
}  // namespace roam6::wire
