#include "roam6/wire/extension_headers.hpp"

#include <gtest/gtest.h>

#include "test_packets.hpp"

namespace roam6::wire {
namespace {

using test::append;
using test::Bytes;

const Ip6Addr kCoa = test::addr("2001:db8:b::2");
const Ip6Addr kHa = test::addr("2001:db8:a::1");
const Ip6Addr kHoa = test::addr("2001:db8:a::100");

// Destination Options header with PadN(4) then the Home Address option,
// which puts the option at 8n+6 as RFC 6275 section 6.3 asks.
void append_hao_header(Bytes& b, std::uint8_t next, const Ip6Addr& hoa) {
  append(b, {next, 2, 1, 2, 0, 0, 201, 16});
  append(b, hoa);
}

Result<ExtensionChain> walk(const Bytes& b) {
  auto ip = Ipv6View::parse(b);
  if (!ip) return ip.error();
  return walk_extension_chain(*ip);
}

TEST(ExtensionChain, NoExtensionHeaders) {
  Bytes b = test::ipv6_header(ipproto::udp, kCoa, kHa);
  append(b, {0, 1, 0, 2, 0, 8, 0, 0});
  test::finish_ipv6(b);
  auto c = walk(b);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->upper_protocol, ipproto::udp);
  EXPECT_EQ(c->upper_offset, 40);
  EXPECT_EQ(c->header_count, 0);
  EXPECT_FALSE(c->home_address);
}

TEST(ExtensionChain, HomeAddressOptionThenMobilityHeader) {
  Bytes b = test::ipv6_header(ipproto::destination_options, kCoa, kHa);
  append_hao_header(b, ipproto::mobility, kHoa);
  append(b, {59, 1, 5, 0, 0, 0, 0, 0});
  test::finish_ipv6(b);
  auto c = walk(b);
  ASSERT_TRUE(c) << describe(c.error());
  EXPECT_EQ(c->upper_protocol, ipproto::mobility);
  EXPECT_EQ(c->upper_offset, 64);
  ASSERT_TRUE(c->home_address);
  EXPECT_EQ(*c->home_address, kHoa);
}

TEST(ExtensionChain, Type2RoutingHeader) {
  Bytes b = test::ipv6_header(ipproto::routing, kHa, kCoa);
  append(b, {ipproto::mobility, 2, 2, 1, 0, 0, 0, 0});
  append(b, kHoa);
  append(b, {59, 1, 6, 0, 0, 0, 0, 0});
  test::finish_ipv6(b);
  auto c = walk(b);
  ASSERT_TRUE(c) << describe(c.error());
  EXPECT_EQ(c->upper_protocol, ipproto::mobility);
  ASSERT_TRUE(c->type2_home_address);
  EXPECT_EQ(*c->type2_home_address, kHoa);
  EXPECT_EQ(c->type2_segments_left, 1);
}

TEST(ExtensionChain, FourHeaderChain) {
  Bytes b = test::ipv6_header(ipproto::hop_by_hop, kCoa, kHa);
  append(b, {ipproto::routing, 0, 1, 4, 0, 0, 0, 0});       // HbH, PadN
  append(b, {ipproto::fragment, 2, 2, 0, 0, 0, 0, 0});      // RH2, segments left 0
  append(b, kHoa);
  append(b, {ipproto::destination_options, 0, 0, 0, 0, 0, 0, 42});  // Fragment, offset 0
  append_hao_header(b, ipproto::icmpv6, kHoa);
  append(b, {128, 0, 0, 0, 0, 1, 0, 1});
  test::finish_ipv6(b);
  auto c = walk(b);
  ASSERT_TRUE(c) << describe(c.error());
  EXPECT_EQ(c->header_count, 4);
  EXPECT_EQ(c->upper_protocol, ipproto::icmpv6);
  EXPECT_TRUE(c->fragmented);
  EXPECT_FALSE(c->later_fragment);
  EXPECT_EQ(c->fragment_id, 42u);
  EXPECT_TRUE(c->home_address);
  EXPECT_EQ(c->type2_segments_left, 0);
}

TEST(ExtensionChain, LaterFragmentStopsWalk) {
  Bytes b = test::ipv6_header(ipproto::fragment, kCoa, kHa);
  append(b, {ipproto::mobility, 0, 0x05, 0x00, 0, 0, 0, 7});  // offset 160 bytes
  append(b, {0xde, 0xad});
  test::finish_ipv6(b);
  auto c = walk(b);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->later_fragment);
  EXPECT_EQ(c->upper_protocol, ipproto::mobility);
  EXPECT_EQ(c->upper_offset, 48);
}

TEST(ExtensionChain, TunnelEncapsulationLimitAndUnknownOptions) {
  Bytes b = test::ipv6_header(ipproto::destination_options, kCoa, kHa);
  // TEL=3, then unknown option 0x1e (action 00: skip), then 0x9e (action 10: discard)
  append(b, {ipproto::ipv6, 1, 4, 1, 3, 0x1e, 0, 0x9e, 0, 1, 0, 0, 0, 0, 0, 0});
  test::finish_ipv6(b);
  auto c = walk(b);
  ASSERT_TRUE(c) << describe(c.error());
  EXPECT_EQ(c->upper_protocol, ipproto::ipv6);
  ASSERT_TRUE(c->tunnel_encapsulation_limit);
  EXPECT_EQ(*c->tunnel_encapsulation_limit, 3);
  ASSERT_TRUE(c->unrecognised_option_offset);
  EXPECT_EQ(*c->unrecognised_option_offset, 47);
  EXPECT_EQ(c->unrecognised_option_type, 0x9e);
}

TEST(ExtensionChain, OtherRoutingTypeWithSegmentsLeftIsFlagged) {
  Bytes b = test::ipv6_header(ipproto::routing, kCoa, kHa);
  append(b, {ipproto::udp, 0, 4, 3, 0, 0, 0, 0});
  test::finish_ipv6(b);
  auto c = walk(b);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->unsupported_routing_offset);
  EXPECT_EQ(*c->unsupported_routing_offset, 42);
}

TEST(ExtensionChain, AuthenticationHeaderIsWalked) {
  Bytes b = test::ipv6_header(ipproto::ah, kCoa, kHa);
  append(b, {ipproto::mobility, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1});  // 24 bytes: (4+2)*4
  append(b, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  append(b, {59, 0, 0, 0, 0, 0, 0, 0});
  test::finish_ipv6(b);
  auto c = walk(b);
  ASSERT_TRUE(c) << describe(c.error());
  EXPECT_EQ(c->upper_protocol, ipproto::mobility);
  EXPECT_EQ(c->upper_offset, 64);
}

TEST(ExtensionChainErrors, TruncatedHeader) {
  Bytes b = test::ipv6_header(ipproto::destination_options, kCoa, kHa);
  append(b, {59, 0, 1, 2});
  test::finish_ipv6(b);
  EXPECT_EQ(walk(b).error(), Errc::truncated_extension_header);
}

TEST(ExtensionChainErrors, LengthPastPayload) {
  Bytes b = test::ipv6_header(ipproto::destination_options, kCoa, kHa);
  append(b, {59, 1, 1, 4, 0, 0, 0, 0});
  test::finish_ipv6(b);
  EXPECT_EQ(walk(b).error(), Errc::extension_header_exceeds_payload);
}

TEST(ExtensionChainErrors, ChainTooLong) {
  Bytes b = test::ipv6_header(ipproto::destination_options, kCoa, kHa);
  for (int i = 0; i < max_extension_headers + 1; ++i) append(b, {60, 0, 1, 4, 0, 0, 0, 0});
  test::finish_ipv6(b);
  EXPECT_EQ(walk(b).error(), Errc::extension_chain_too_long);
}

TEST(ExtensionChainErrors, HopByHopNotFirst) {
  Bytes b = test::ipv6_header(ipproto::destination_options, kCoa, kHa);
  append(b, {0, 0, 1, 4, 0, 0, 0, 0});
  append(b, {59, 0, 1, 4, 0, 0, 0, 0});
  test::finish_ipv6(b);
  EXPECT_EQ(walk(b).error(), Errc::hop_by_hop_not_first);
}

TEST(ExtensionChainErrors, OptionErrors) {
  {
    Bytes b = test::ipv6_header(ipproto::destination_options, kCoa, kHa);
    append(b, {59, 0, 0, 0, 0, 0, 0, 1});  // option header cut by end of header
    test::finish_ipv6(b);
    EXPECT_EQ(walk(b).error(), Errc::truncated_extension_option);
  }
  {
    Bytes b = test::ipv6_header(ipproto::destination_options, kCoa, kHa);
    append(b, {59, 0, 1, 5, 0, 0, 0, 0});
    test::finish_ipv6(b);
    EXPECT_EQ(walk(b).error(), Errc::extension_option_exceeds_header);
  }
  {
    Bytes b = test::ipv6_header(ipproto::destination_options, kCoa, kHa);
    append(b, {59, 1, 1, 0, 201, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    test::finish_ipv6(b);
    EXPECT_EQ(walk(b).error(), Errc::bad_home_address_option_length);
  }
  {
    Bytes b = test::ipv6_header(ipproto::destination_options, kCoa, kHa);
    append(b, {59, 5, 1, 2, 0, 0, 201, 16});
    append(b, kHoa);
    append(b, {1, 4, 0, 0, 0, 0, 201, 16});
    append(b, kHoa);
    test::finish_ipv6(b);
    EXPECT_EQ(walk(b).error(), Errc::duplicate_home_address_option);
  }
  {
    Bytes b = test::ipv6_header(ipproto::destination_options, kCoa, kHa);
    append(b, {59, 0, 4, 2, 0, 0, 1, 0});
    test::finish_ipv6(b);
    EXPECT_EQ(walk(b).error(), Errc::bad_tunnel_encapsulation_limit_option);
  }
}

TEST(ExtensionChainErrors, Type2RoutingErrors) {
  {
    Bytes b = test::ipv6_header(ipproto::routing, kHa, kCoa);
    append(b, {59, 0, 2, 1, 0, 0, 0, 0});
    test::finish_ipv6(b);
    EXPECT_EQ(walk(b).error(), Errc::bad_type2_routing_header_length);
  }
  {
    Bytes b = test::ipv6_header(ipproto::routing, kHa, kCoa);
    append(b, {59, 2, 2, 2, 0, 0, 0, 0});
    append(b, kHoa);
    test::finish_ipv6(b);
    EXPECT_EQ(walk(b).error(), Errc::bad_type2_segments_left);
  }
}

TEST(ExtensionChainErrors, TruncatedFragment) {
  Bytes b = test::ipv6_header(ipproto::fragment, kCoa, kHa);
  append(b, {59, 0, 0, 0});
  test::finish_ipv6(b);
  EXPECT_EQ(walk(b).error(), Errc::truncated_fragment_header);
}

}  // namespace
}  // namespace roam6::wire

namespace roam6::wire {
namespace {

TEST(ExtensionBuilders, HomeAddressOptionRoundTrip) {
  test::Bytes b = test::ipv6_header(ipproto::destination_options, kCoa, kHa);
  b.resize(40 + 24 + 8);
  auto n = write_home_address_option_header(MutableByteSpan(b).subspan(40), ipproto::mobility, kHoa);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 24u);
  EXPECT_EQ((40 + 6 + 2) % 8, 0);  // option data at 8n: option type at 8n+6
  EXPECT_EQ(b[40 + 6], 201);
  b[64] = 59;
  test::finish_ipv6(b);
  auto c = walk(b);
  ASSERT_TRUE(c) << describe(c.error());
  EXPECT_EQ(c->upper_protocol, ipproto::mobility);
  EXPECT_EQ(c->upper_offset, 64);
  EXPECT_EQ(c->home_address, kHoa);
  std::uint8_t small[23];
  EXPECT_EQ(write_home_address_option_header(small, 59, kHoa).error(), Errc::buffer_too_small);
}

TEST(ExtensionBuilders, Type2RoutingRoundTrip) {
  test::Bytes b = test::ipv6_header(ipproto::routing, kHa, kCoa);
  b.resize(40 + 24);
  ASSERT_TRUE(write_type2_routing_header(MutableByteSpan(b).subspan(40), ipproto::no_next_header, kHoa));
  test::finish_ipv6(b);
  auto c = walk(b);
  ASSERT_TRUE(c) << describe(c.error());
  EXPECT_EQ(c->type2_home_address, kHoa);
  EXPECT_EQ(c->type2_segments_left, 1);
  EXPECT_EQ(c->upper_protocol, ipproto::no_next_header);
  std::uint8_t buf[24];
  EXPECT_EQ(write_type2_routing_header(buf, 59, kHoa, 2).error(), Errc::value_out_of_range);
  EXPECT_EQ(write_type2_routing_header(MutableByteSpan(buf).first(23), 59, kHoa).error(),
            Errc::buffer_too_small);
}

}  // namespace
}  // namespace roam6::wire

namespace roam6::wire {
namespace {

// The in-place form fills the caller's chain (reset first) and agrees with
// the Result form; the offsets point at the addresses in the packet.
TEST(ExtensionChainInPlace, SameAsResultFormWithAddressOffsets) {
  Bytes b = test::ipv6_header(ipproto::hop_by_hop, kCoa, kHa);
  append(b, {ipproto::routing, 0, 1, 4, 0, 0, 0, 0});   // HbH at 40
  append(b, {ipproto::destination_options, 2, 2, 1, 0, 0, 0, 0});  // RH2 at 48
  append(b, kHoa);
  append_hao_header(b, ipproto::mobility, kCoa);         // DestOpts at 72
  append(b, {59, 0, 0, 0, 0, 0, 0, 0});
  test::finish_ipv6(b);
  const auto ip = Ipv6View::parse(b);
  ASSERT_TRUE(ip);
  ExtensionChain c;
  c.fragment_id = 99;  // stale values from an earlier packet are cleared
  c.unsupported_routing_offset = 7;
  ASSERT_EQ(walk_extension_chain(*ip, c), Errc::ok);
  const auto r = walk_extension_chain(*ip);
  ASSERT_TRUE(r);
  EXPECT_EQ(c.upper_offset, r->upper_offset);
  EXPECT_EQ(c.upper_protocol, ipproto::mobility);
  EXPECT_EQ(c.header_count, 3);
  EXPECT_EQ(c.fragment_id, 0u);
  EXPECT_FALSE(c.unsupported_routing_offset);
  EXPECT_EQ(c.type2_home_address_offset, 56);
  EXPECT_EQ(c.home_address_offset, 80);
  EXPECT_EQ(r->type2_home_address_offset, 56);
  EXPECT_EQ(r->home_address_offset, 80);
  EXPECT_EQ(Ip6Addr::from_bytes(b.data() + c.type2_home_address_offset), kHoa);
  EXPECT_EQ(Ip6Addr::from_bytes(b.data() + c.home_address_offset), kCoa);
  EXPECT_EQ(c.home_address, kCoa);
  EXPECT_EQ(c.type2_home_address, kHoa);
}

// The usual 24-octet Home Address header is read without walking its
// options; every other layout is walked. Both find the same address, the
// same offset, and the same errors.
TEST(ExtensionChainInPlace, HomeAddressHeaderLayouts) {
  struct Case {
    Bytes header;  // Destination Options header, next header MH
    std::uint16_t offset;
  };
  const Case cases[] = {
      {{ipproto::mobility, 2, 1, 2, 0, 0, 201, 16}, 48},          // usual layout
      {{ipproto::mobility, 2, 1, 2, 0xab, 0xcd, 201, 16}, 48},    // PadN data not zero
      {{ipproto::mobility, 2, 0, 0, 1, 0, 201, 16}, 48},          // Pad1 Pad1 PadN(0)
      {{ipproto::mobility, 3, 1, 4, 0, 0, 0, 0, 0, 0, 201, 16}, 52},  // misaligned (8n+2): found
  };
  for (const Case& k : cases) {
    Bytes b = test::ipv6_header(ipproto::destination_options, kCoa, kHa);
    append(b, k.header);
    append(b, kHoa);
    while ((b.size() - 40) % 8 != 0) b.push_back(0);  // Pad1s to the header's end
    append(b, {59, 0, 0, 0, 0, 0, 0, 0});
    test::finish_ipv6(b);
    auto c = walk(b);
    ASSERT_TRUE(c) << describe(c.error());
    EXPECT_EQ(c->home_address, kHoa);
    EXPECT_EQ(c->home_address_offset, k.offset);
    EXPECT_EQ(c->upper_protocol, ipproto::mobility);
  }
  // Two usual-layout headers: the second HAO is a duplicate.
  Bytes b = test::ipv6_header(ipproto::destination_options, kCoa, kHa);
  append_hao_header(b, ipproto::destination_options, kHoa);
  append_hao_header(b, ipproto::mobility, kHoa);
  append(b, {59, 0, 0, 0, 0, 0, 0, 0});
  test::finish_ipv6(b);
  EXPECT_EQ(walk(b).error(), Errc::duplicate_home_address_option);
  // The usual layout in a Hop-by-Hop header is not a Home Address option.
  Bytes h = test::ipv6_header(ipproto::hop_by_hop, kCoa, kHa);
  append(h, {ipproto::mobility, 2, 1, 2, 0, 0, 201, 16});
  append(h, kHoa);
  append(h, {59, 0, 0, 0, 0, 0, 0, 0});
  test::finish_ipv6(h);
  auto c = walk(h);
  ASSERT_TRUE(c) << describe(c.error());
  EXPECT_FALSE(c->home_address);
  EXPECT_EQ(c->unrecognised_option_offset, 46);
}

}  // namespace
}  // namespace roam6::wire
