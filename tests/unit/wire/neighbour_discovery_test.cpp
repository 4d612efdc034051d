#include "roam6/wire/neighbour_discovery.hpp"

#include <gtest/gtest.h>

#include <type_traits>
#include <utility>
#include <vector>

#include "icmpv6_test_packets.hpp"
#include "test_packets.hpp"

namespace roam6::wire {
namespace {

using test::append;
using test::append_be16;
using test::append_be32;
using test::Bytes;

const Ip6Addr kRouterLl = test::addr("fe80::1");
const Ip6Addr kHostLl = test::addr("fe80::5054:ff:fe12:3456");
const Ip6Addr kHostGlobal = test::addr("2001:db8:a::5054:ff:fe12:3456");
const Ip6Addr kUnspecified = test::addr("::");
const MacAddr kRouterMac = test::mac("52:54:00:00:00:01");
const MacAddr kHostMac = test::mac("52:54:00:12:34:56");

Bytes sllao(const MacAddr& m) {
  Bytes b{1, 1};
  append(b, m);
  return b;
}
Bytes tllao(const MacAddr& m) {
  Bytes b{2, 1};
  append(b, m);
  return b;
}
Bytes pio(std::uint8_t prefix_length, std::uint8_t flags, std::uint32_t valid,
          std::uint32_t preferred, const Ip6Addr& prefix) {
  Bytes b{3, 4, prefix_length, flags};
  append_be32(b, valid);
  append_be32(b, preferred);
  append_be32(b, 0);  // Reserved2
  append(b, prefix);
  return b;
}
Bytes mtu_opt(std::uint32_t mtu) {
  Bytes b{5, 1, 0, 0};
  append_be32(b, mtu);
  return b;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A hand-built packet together with what a parse_* function made of it: the
// view points into the packet, so the two travel together (moving the vector
// keeps its buffer where it is).
template <class View>
struct Parsed {
  Bytes packet;
  Result<View> result = Errc::truncated_ipv6_header;

  explicit operator bool() const { return result.ok(); }
  [[nodiscard]] Errc error() const { return result.error(); }
  const View* operator->() const { return &result.value(); }
};

template <class Parse>
auto parse_packet(Bytes pkt, Parse parse) {
  using View = std::remove_cvref_t<
      decltype(parse(std::declval<const Ipv6View&>(), ByteSpan{}).value())>;
  Parsed<View> p{std::move(pkt)};
  const auto ip = Ipv6View::parse(p.packet);
  EXPECT_TRUE(ip) << describe(ip.error());
  p.result = parse(*ip, test::icmp_part(p.packet));
  return p;
}

// ---- Options --------------------------------------------------------------

TEST(NdOptions, IteratesFramedOptions) {
  const Bytes opts = cat({sllao(kHostMac), Bytes{0xc8, 2, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9},
                          mtu_opt(1500)});
  auto o = NdOptions::parse(opts);
  ASSERT_TRUE(o) << describe(o.error());
  std::vector<std::pair<int, std::size_t>> seen;
  for (const NdOption opt : *o) seen.emplace_back(opt.type, opt.bytes.size());
  EXPECT_EQ(seen, (std::vector<std::pair<int, std::size_t>>{{1, 8}, {0xc8, 16}, {5, 8}}));
  EXPECT_EQ(o->bytes().size(), 32u);

  auto empty = NdOptions::parse({});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ(empty->begin(), empty->end());
}

TEST(NdOptions, FramingErrors) {
  EXPECT_EQ(NdOptions::parse(Bytes{1, 0, 0, 0, 0, 0, 0, 0}).error(), Errc::zero_length_nd_option);
  Bytes zero_after_good = cat({sllao(kHostMac), Bytes{7, 0}});
  EXPECT_EQ(NdOptions::parse(zero_after_good).error(), Errc::zero_length_nd_option);
  EXPECT_EQ(NdOptions::parse(cat({sllao(kHostMac), Bytes{1}})).error(), Errc::truncated_nd_option);
  EXPECT_EQ(NdOptions::parse(Bytes{1, 2, 0, 0, 0, 0, 0, 0}).error(),
            Errc::nd_option_exceeds_message);
  EXPECT_EQ(NdOptions::parse(ByteSpan(sllao(kHostMac)).first(7)).error(),
            Errc::nd_option_exceeds_message);
}

NdOption first_option(const Bytes& bytes) {
  auto o = NdOptions::parse(bytes);
  EXPECT_TRUE(o);
  return *o->begin();
}

TEST(NdOptions, LinkLayerAddress) {
  const Bytes good = sllao(kHostMac);
  auto m = decode_link_layer_address(first_option(good));
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, kHostMac);
  const Bytes two_units{2, 2, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(decode_link_layer_address(first_option(two_units)).error(),
            Errc::bad_nd_option_length);
}

TEST(NdOptions, PrefixInformationFieldByField) {
  // RFC 4861 4.6.2 layout; host bits after /64 set on purpose (ignored).
  const Bytes bytes = pio(64, 0xc0, 2592000, 604800, test::addr("2001:db8:a::dead"));
  auto p = decode_prefix_information(first_option(bytes));
  ASSERT_TRUE(p) << describe(p.error());
  EXPECT_EQ(p->prefix.to_string(), "2001:db8:a::/64");
  EXPECT_TRUE(p->on_link);
  EXPECT_TRUE(p->autonomous);
  EXPECT_EQ(p->other_flags, 0);
  EXPECT_EQ(p->valid_lifetime, 2592000u);
  EXPECT_EQ(p->preferred_lifetime, 604800u);

  auto l_only = decode_prefix_information(first_option(pio(48, 0x80, 1, 0, kHostGlobal)));
  EXPECT_TRUE(l_only->on_link);
  EXPECT_FALSE(l_only->autonomous);
  auto a_only = decode_prefix_information(first_option(pio(128, 0x60, infinite_lifetime,
                                                           infinite_lifetime, kHostGlobal)));
  EXPECT_FALSE(a_only->on_link);
  EXPECT_TRUE(a_only->autonomous);
  EXPECT_EQ(a_only->other_flags, 0x20);
  EXPECT_EQ(a_only->prefix.address, kHostGlobal);
  EXPECT_EQ(a_only->valid_lifetime, infinite_lifetime);
  EXPECT_EQ(decode_prefix_information(first_option(pio(0, 0, 0, 0, kHostGlobal)))->prefix.address,
            kUnspecified);

  EXPECT_EQ(decode_prefix_information(first_option(pio(129, 0xc0, 1, 1, kHostGlobal))).error(),
            Errc::bad_nd_prefix_length);
  Bytes short_pio = pio(64, 0xc0, 1, 1, kHostGlobal);
  short_pio.resize(24);
  short_pio[1] = 3;
  EXPECT_EQ(decode_prefix_information(first_option(short_pio)).error(), Errc::bad_nd_option_length);
}

TEST(NdOptions, Mtu) {
  auto m = decode_mtu_option(first_option(mtu_opt(9000)));
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, 9000u);
  const Bytes long_mtu{5, 2, 0, 0, 0, 0, 5, 0xdc, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(decode_mtu_option(first_option(long_mtu)).error(), Errc::bad_nd_option_length);
}

TEST(NdOptionSet, DecodesOnlyWhatTheMessageUses) {
  // A malformed TLLAO and a Redirected Header in a message that uses neither.
  const Bytes opts = cat({Bytes{2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                          Bytes{4, 1, 0, 0, 0, 0, 0, 0}, sllao(kHostMac), sllao(kRouterMac),
                          mtu_opt(1500)});
  NdOptionUse use;
  use.source_link_layer = true;
  auto set = decode_nd_options(*NdOptions::parse(opts), use);
  ASSERT_TRUE(set) << describe(set.error());
  ASSERT_TRUE(set->source_link_layer);
  EXPECT_EQ(*set->source_link_layer, kHostMac);  // the first of two
  EXPECT_FALSE(set->target_link_layer);
  EXPECT_FALSE(set->mtu);

  use.target_link_layer = true;
  EXPECT_EQ(decode_nd_options(*NdOptions::parse(opts), use).error(), Errc::bad_nd_option_length);
}

TEST(NdOptionSet, StoresAFixedNumberOfPrefixes) {
  Bytes opts;
  for (std::uint8_t i = 0; i < 10; ++i) {
    Ip6Addr prefix = test::addr("2001:db8::");
    prefix.bytes[5] = i;
    const Bytes one = pio(64, 0xc0, 100, 50, prefix);
    opts.insert(opts.end(), one.begin(), one.end());
  }
  NdOptionUse use;
  use.prefix_information = true;
  use.mtu = true;
  auto set = decode_nd_options(*NdOptions::parse(opts), use);
  ASSERT_TRUE(set);
  ASSERT_EQ(set->prefixes().size(), max_stored_prefix_information);
  EXPECT_EQ(set->prefixes_not_stored, 2);
  EXPECT_EQ(set->prefixes()[7].prefix.address.bytes[5], 7);
  // Iterating the raw options reaches all ten.
  int count = 0;
  const auto all = NdOptions::parse(opts);
  for (const NdOption o : *all)
    if (o.type == nd_option_type::prefix_information && decode_prefix_information(o)) ++count;
  EXPECT_EQ(count, 10);
}

TEST(NdOptionBuilders, BytesAndErrors) {
  std::uint8_t buf[32];
  auto n = write_link_layer_address_option(buf, nd_option_type::target_link_layer_address, kHostMac);
  ASSERT_TRUE(n);
  EXPECT_EQ(Bytes(buf, buf + *n), tllao(kHostMac));

  n = write_mtu_option(buf, 1280);
  ASSERT_TRUE(n);
  EXPECT_EQ(Bytes(buf, buf + *n), mtu_opt(1280));

  PrefixInformation info;
  info.prefix = Ip6Prefix{test::addr("2001:db8:a::ffff"), 64};  // host bits cleared on write
  info.on_link = true;
  info.autonomous = false;
  info.other_flags = 0x20;
  info.valid_lifetime = 7200;
  info.preferred_lifetime = 3600;
  n = write_prefix_information_option(buf, info);
  ASSERT_TRUE(n);
  EXPECT_EQ(Bytes(buf, buf + *n), pio(64, 0xa0, 7200, 3600, test::addr("2001:db8:a::")));

  EXPECT_EQ(write_prefix_information_option(MutableByteSpan(buf).first(31), info).error(),
            Errc::buffer_too_small);
  EXPECT_EQ(write_mtu_option(MutableByteSpan(buf).first(7), 1500).error(), Errc::buffer_too_small);
  EXPECT_EQ(write_link_layer_address_option(MutableByteSpan(buf).first(7), 1, kHostMac).error(),
            Errc::buffer_too_small);
  info.preferred_lifetime = 7201;
  EXPECT_EQ(write_prefix_information_option(buf, info).error(), Errc::value_out_of_range);
  info.preferred_lifetime = 1;
  info.prefix.length = 129;
  EXPECT_EQ(write_prefix_information_option(buf, info).error(), Errc::value_out_of_range);
}

// ---- Router Solicitation --------------------------------------------------

Bytes rs_packet(const Ip6Addr& src, const Bytes& options, std::uint8_t hop_limit = 255,
                std::uint8_t code = 0) {
  Bytes icmp{133, code, 0, 0, 0, 0, 0, 0};  // Reserved
  icmp.insert(icmp.end(), options.begin(), options.end());
  return test::icmpv6_packet(src, all_routers_multicast(), hop_limit, icmp);
}

TEST(RouterSolicitation, ValidWithAndWithoutLinkLayerOption) {
  auto rs = parse_packet(rs_packet(kHostLl, sllao(kHostMac)), parse_router_solicitation);
  ASSERT_TRUE(rs) << describe(rs.error());
  ASSERT_TRUE(rs->options().source_link_layer);
  EXPECT_EQ(*rs->options().source_link_layer, kHostMac);

  auto bare = parse_packet(rs_packet(kUnspecified, {}), parse_router_solicitation);
  ASSERT_TRUE(bare) << describe(bare.error());  // exactly 8 bytes, from ::
  EXPECT_FALSE(bare->options().source_link_layer);
  EXPECT_TRUE(bare->raw_options().empty());
}

TEST(RouterSolicitation, ReservedAndUnknownOptionsIgnored) {
  Bytes pkt = rs_packet(kHostLl, cat({Bytes{200, 1, 1, 2, 3, 4, 5, 6}, pio(64, 0, 0, 0, kHostLl)}));
  pkt[44] = 0xff;  // Reserved is ignored by receivers
  test::finish_icmpv6(pkt);
  EXPECT_TRUE(parse_packet(pkt, parse_router_solicitation));
}

TEST(RouterSolicitation, EveryValidityCheck) {
  EXPECT_EQ(parse_packet(rs_packet(kHostLl, {}, 254), parse_router_solicitation).error(),
            Errc::bad_nd_hop_limit);
  EXPECT_EQ(parse_packet(rs_packet(kHostLl, {}, 255, 1), parse_router_solicitation).error(),
            Errc::bad_icmpv6_code);
  Bytes bad_sum = rs_packet(kHostLl, {});
  bad_sum[42] ^= 0x80;
  EXPECT_EQ(parse_packet(bad_sum, parse_router_solicitation).error(), Errc::bad_icmpv6_checksum);
  Bytes short_rs = test::icmpv6_packet(kHostLl, all_routers_multicast(), 255, {133, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(parse_packet(short_rs, parse_router_solicitation).error(), Errc::truncated_nd_message);
  Bytes tiny = test::icmpv6_packet(kHostLl, all_routers_multicast(), 255, {133, 0, 0, 0});
  EXPECT_EQ(parse_packet(tiny, parse_router_solicitation).error(), Errc::truncated_nd_message);
  auto ip = Ipv6View::parse(tiny);
  EXPECT_EQ(parse_router_solicitation(*ip, test::icmp_part(tiny).first(3)).error(),
            Errc::truncated_icmpv6);
  EXPECT_EQ(parse_packet(rs_packet(kHostLl, Bytes{1, 0, 0, 0, 0, 0, 0, 0}),
                         parse_router_solicitation)
                .error(),
            Errc::zero_length_nd_option);
  EXPECT_EQ(parse_packet(rs_packet(kUnspecified, sllao(kHostMac)), parse_router_solicitation)
                .error(),
            Errc::nd_link_layer_option_from_unspecified_source);
  EXPECT_EQ(parse_packet(rs_packet(kHostLl, {1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
                         parse_router_solicitation)
                .error(),
            Errc::bad_nd_option_length);
  Bytes ra = rs_packet(kHostLl, {});
  ra[40] = 134;
  test::finish_icmpv6(ra);
  EXPECT_EQ(parse_packet(ra, parse_router_solicitation).error(), Errc::wrong_icmpv6_type);
}

TEST(RouterSolicitation, BuilderLayoutAndRoundTrip) {
  RouterSolicitationFields f;
  f.src = kHostLl;
  f.source_link_layer = kHostMac;
  std::uint8_t buf[64];
  auto n = write_router_solicitation(buf, f);
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(Bytes(buf, buf + *n), rs_packet(kHostLl, sllao(kHostMac)));

  RouterSolicitationFields dad_like;  // from ::, no option
  dad_like.src = kUnspecified;
  n = write_router_solicitation(buf, dad_like);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 48u);
  EXPECT_TRUE(parse_packet(Bytes(buf, buf + *n), parse_router_solicitation));

  dad_like.source_link_layer = kHostMac;
  EXPECT_EQ(write_router_solicitation(buf, dad_like).error(), Errc::value_out_of_range);
  EXPECT_EQ(write_router_solicitation(MutableByteSpan(buf).first(55), f).error(),
            Errc::buffer_too_small);
}

// ---- Router Advertisement -------------------------------------------------

Bytes ra_packet(const Ip6Addr& src, std::uint8_t flags, const Bytes& options,
                std::size_t fixed_length = 16) {
  Bytes icmp{134, 0, 0, 0, 64, flags};
  append_be16(icmp, 1800);
  append_be32(icmp, 30000);
  append_be32(icmp, 1000);
  icmp.resize(fixed_length);
  icmp.insert(icmp.end(), options.begin(), options.end());
  return test::icmpv6_packet(src, all_nodes_multicast(), 255, icmp);
}

TEST(RouterAdvertisement, FieldsAndOptionsFromHandBuiltPacket) {
  const Bytes opts = cat({sllao(kRouterMac), mtu_opt(1500),
                          pio(64, 0xc0, 2592000, 604800, test::addr("2001:db8:a::")),
                          Bytes{0x99, 1, 0, 0, 0, 0, 0, 0},  // unknown: skipped
                          pio(56, 0x80, 100, 0, test::addr("2001:db8:100::"))});
  auto ra = parse_packet(ra_packet(kRouterLl, 0xc0, opts), parse_router_advertisement);
  ASSERT_TRUE(ra) << describe(ra.error());
  EXPECT_EQ(ra->cur_hop_limit(), 64);
  EXPECT_TRUE(ra->managed());
  EXPECT_TRUE(ra->other_config());
  EXPECT_EQ(ra->other_flags(), 0);
  EXPECT_EQ(ra->router_lifetime(), 1800);
  EXPECT_EQ(ra->reachable_time(), 30000u);
  EXPECT_EQ(ra->retrans_timer(), 1000u);
  EXPECT_EQ(*ra->options().source_link_layer, kRouterMac);
  EXPECT_EQ(*ra->options().mtu, 1500u);
  ASSERT_EQ(ra->options().prefixes().size(), 2u);
  EXPECT_EQ(ra->options().prefixes()[0].prefix.to_string(), "2001:db8:a::/64");
  EXPECT_EQ(ra->options().prefixes()[1].prefix.to_string(), "2001:db8:100::/56");
  EXPECT_FALSE(ra->options().prefixes()[1].autonomous);
}

TEST(RouterAdvertisement, FlagBitsSeparately) {
  auto m = parse_packet(ra_packet(kRouterLl, 0x80, {}), parse_router_advertisement);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->managed());
  EXPECT_FALSE(m->other_config());
  auto o = parse_packet(ra_packet(kRouterLl, 0x40, {}), parse_router_advertisement);
  EXPECT_FALSE(o->managed());
  EXPECT_TRUE(o->other_config());
  auto rest = parse_packet(ra_packet(kRouterLl, 0x3f, {}), parse_router_advertisement);
  EXPECT_FALSE(rest->managed());
  EXPECT_EQ(rest->other_flags(), 0x3f);
}

TEST(RouterAdvertisement, EveryValidityCheck) {
  EXPECT_EQ(parse_packet(ra_packet(kHostGlobal, 0, {}), parse_router_advertisement).error(),
            Errc::bad_nd_source);
  EXPECT_EQ(parse_packet(ra_packet(kUnspecified, 0, {}), parse_router_advertisement).error(),
            Errc::bad_nd_source);
  EXPECT_EQ(parse_packet(ra_packet(kRouterLl, 0, {}, 15), parse_router_advertisement).error(),
            Errc::truncated_nd_message);
  Bytes hop = ra_packet(kRouterLl, 0, {});
  hop[7] = 64;
  EXPECT_EQ(parse_packet(hop, parse_router_advertisement).error(), Errc::bad_nd_hop_limit);
  Bytes code = ra_packet(kRouterLl, 0, {});
  code[41] = 3;
  test::finish_icmpv6(code);
  EXPECT_EQ(parse_packet(code, parse_router_advertisement).error(), Errc::bad_icmpv6_code);
  Bytes sum = ra_packet(kRouterLl, 0, {});
  sum[50] ^= 1;
  EXPECT_EQ(parse_packet(sum, parse_router_advertisement).error(), Errc::bad_icmpv6_checksum);
  EXPECT_EQ(parse_packet(ra_packet(kRouterLl, 0, cat({mtu_opt(1500), Bytes{3, 0, 0, 0, 0, 0, 0, 0}})),
                         parse_router_advertisement)
                .error(),
            Errc::zero_length_nd_option);
  EXPECT_EQ(parse_packet(ra_packet(kRouterLl, 0, pio(130, 0, 0, 0, kHostGlobal)),
                         parse_router_advertisement)
                .error(),
            Errc::bad_nd_prefix_length);
  EXPECT_EQ(parse_packet(rs_packet(kRouterLl, {}), parse_router_advertisement).error(),
            Errc::wrong_icmpv6_type);
  // A TLLAO is not for RAs and is ignored, even malformed.
  EXPECT_TRUE(parse_packet(ra_packet(kRouterLl, 0, Bytes{2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
                           parse_router_advertisement));
}

TEST(RouterAdvertisement, BuilderLayoutAndRoundTrip) {
  std::vector<PrefixInformation> prefixes(2);
  prefixes[0].prefix = *Ip6Prefix::parse("2001:db8:a::/64");
  prefixes[1].prefix = *Ip6Prefix::parse("2001:db8:100::/56");
  prefixes[1].autonomous = false;
  prefixes[1].valid_lifetime = 100;
  prefixes[1].preferred_lifetime = 0;
  RouterAdvertisementFields f;
  f.src = kRouterLl;
  f.managed = true;
  f.other_config = true;
  f.reachable_time = 30000;
  f.retrans_timer = 1000;
  f.source_link_layer = kRouterMac;
  f.mtu = 1500;
  f.prefixes = prefixes;
  std::uint8_t buf[256];
  auto n = write_router_advertisement(buf, f);
  ASSERT_TRUE(n) << describe(n.error());
  const Bytes expected =
      ra_packet(kRouterLl, 0xc0,
                cat({sllao(kRouterMac), mtu_opt(1500),
                     pio(64, 0xc0, 2592000, 604800, test::addr("2001:db8:a::")),
                     pio(56, 0x80, 100, 0, test::addr("2001:db8:100::"))}));
  EXPECT_EQ(Bytes(buf, buf + *n), expected);
  auto ra = parse_packet(Bytes(buf, buf + *n), parse_router_advertisement);
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->options().prefixes().size(), 2u);

  RouterAdvertisementFields minimal;
  minimal.src = kRouterLl;
  minimal.router_lifetime = 0;
  minimal.cur_hop_limit = 0;
  n = write_router_advertisement(buf, minimal);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 56u);
  EXPECT_EQ(buf[7], 255);
  ra = parse_packet(Bytes(buf, buf + *n), parse_router_advertisement);
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->router_lifetime(), 0);
  EXPECT_FALSE(ra->options().source_link_layer);
  EXPECT_FALSE(ra->options().mtu);
}

TEST(RouterAdvertisement, BuilderErrors) {
  std::uint8_t buf[256];
  RouterAdvertisementFields f;
  f.src = kHostGlobal;
  EXPECT_EQ(write_router_advertisement(buf, f).error(), Errc::value_out_of_range);
  f.src = kRouterLl;
  PrefixInformation bad;
  bad.prefix = *Ip6Prefix::parse("2001:db8::/64");
  bad.valid_lifetime = 10;
  bad.preferred_lifetime = 11;
  f.prefixes = {&bad, 1};
  EXPECT_EQ(write_router_advertisement(buf, f).error(), Errc::value_out_of_range);
  f.prefixes = {};
  f.mtu = 1500;
  EXPECT_EQ(write_router_advertisement(MutableByteSpan(buf).first(63), f).error(),
            Errc::buffer_too_small);
  EXPECT_TRUE(write_router_advertisement(MutableByteSpan(buf).first(64), f));
  std::vector<PrefixInformation> too_many(2100);  // 2100 * 32 bytes > 65535
  for (auto& p : too_many) p.prefix = *Ip6Prefix::parse("2001:db8::/64");
  f.prefixes = too_many;
  std::vector<std::uint8_t> big(80000);
  EXPECT_EQ(write_router_advertisement(big, f).error(), Errc::value_out_of_range);
}

// ---- Neighbour Solicitation ---------------------------------------------

Bytes ns_packet(const Ip6Addr& src, const Ip6Addr& dst, const Ip6Addr& target,
                const Bytes& options) {
  Bytes icmp{135, 0, 0, 0, 0, 0, 0, 0};
  append(icmp, target);
  icmp.insert(icmp.end(), options.begin(), options.end());
  return test::icmpv6_packet(src, dst, 255, icmp);
}

TEST(NeighbourSolicitation, AddressResolutionUnicastAndDad) {
  const Ip6Addr snm = solicited_node_multicast(kHostGlobal);
  EXPECT_EQ(snm.to_string(), "ff02::1:ff12:3456");
  auto ns = parse_packet(ns_packet(kRouterLl, snm, kHostGlobal, sllao(kRouterMac)),
                         parse_neighbour_solicitation);
  ASSERT_TRUE(ns) << describe(ns.error());
  EXPECT_EQ(ns->target(), kHostGlobal);
  EXPECT_FALSE(ns->is_duplicate_address_detection());
  EXPECT_EQ(*ns->options().source_link_layer, kRouterMac);

  auto probe = parse_packet(ns_packet(kRouterLl, kHostGlobal, kHostGlobal, {}),
                            parse_neighbour_solicitation);
  ASSERT_TRUE(probe);
  EXPECT_FALSE(probe->options().source_link_layer);

  auto dad = parse_packet(ns_packet(kUnspecified, snm, kHostGlobal, {}), parse_neighbour_solicitation);
  ASSERT_TRUE(dad) << describe(dad.error());
  EXPECT_TRUE(dad->is_duplicate_address_detection());
}

TEST(NeighbourSolicitation, EveryValidityCheck) {
  const Ip6Addr snm = solicited_node_multicast(kHostGlobal);
  EXPECT_EQ(parse_packet(ns_packet(kRouterLl, snm, all_nodes_multicast(), {}),
                         parse_neighbour_solicitation)
                .error(),
            Errc::bad_nd_target);
  EXPECT_EQ(parse_packet(ns_packet(kUnspecified, all_nodes_multicast(), kHostGlobal, {}),
                         parse_neighbour_solicitation)
                .error(),
            Errc::bad_nd_destination);
  EXPECT_EQ(parse_packet(ns_packet(kUnspecified, kHostGlobal, kHostGlobal, {}),
                         parse_neighbour_solicitation)
                .error(),
            Errc::bad_nd_destination);
  EXPECT_EQ(parse_packet(ns_packet(kUnspecified, snm, kHostGlobal, sllao(kRouterMac)),
                         parse_neighbour_solicitation)
                .error(),
            Errc::nd_link_layer_option_from_unspecified_source);
  Bytes short_ns = ns_packet(kRouterLl, snm, kHostGlobal, {});
  short_ns.pop_back();
  test::finish_icmpv6(short_ns);
  EXPECT_EQ(parse_packet(short_ns, parse_neighbour_solicitation).error(), Errc::truncated_nd_message);
  Bytes hop = ns_packet(kRouterLl, snm, kHostGlobal, {});
  hop[7] = 1;
  EXPECT_EQ(parse_packet(hop, parse_neighbour_solicitation).error(), Errc::bad_nd_hop_limit);
  Bytes code = ns_packet(kRouterLl, snm, kHostGlobal, {});
  code[41] = 1;
  test::finish_icmpv6(code);
  EXPECT_EQ(parse_packet(code, parse_neighbour_solicitation).error(), Errc::bad_icmpv6_code);
  Bytes sum = ns_packet(kRouterLl, snm, kHostGlobal, {});
  sum[60] ^= 1;  // inside the target
  EXPECT_EQ(parse_packet(sum, parse_neighbour_solicitation).error(), Errc::bad_icmpv6_checksum);
  EXPECT_EQ(parse_packet(ns_packet(kRouterLl, snm, kHostGlobal, Bytes{1, 0}),
                         parse_neighbour_solicitation)
                .error(),
            Errc::zero_length_nd_option);
  // The option the RFC names for NS is checked; others (MTU here) are not.
  EXPECT_TRUE(parse_packet(ns_packet(kRouterLl, snm, kHostGlobal, Bytes{5, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
                           parse_neighbour_solicitation));
}

TEST(NeighbourSolicitation, IsSolicitedNodeMulticast) {
  EXPECT_TRUE(is_solicited_node_multicast(test::addr("ff02::1:ff00:0")));
  EXPECT_TRUE(is_solicited_node_multicast(test::addr("ff02::1:ffff:ffff")));
  EXPECT_FALSE(is_solicited_node_multicast(test::addr("ff02::1:fe00:1")));
  EXPECT_FALSE(is_solicited_node_multicast(test::addr("ff05::1:ff00:1")));
  EXPECT_FALSE(is_solicited_node_multicast(all_nodes_multicast()));
}

TEST(NeighbourSolicitation, BuilderForms) {
  std::uint8_t buf[80];
  NeighbourSolicitationFields f;
  f.src = kRouterLl;
  f.target = kHostGlobal;
  f.source_link_layer = kRouterMac;
  auto n = write_neighbour_solicitation(buf, f);
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(Bytes(buf, buf + *n),
            ns_packet(kRouterLl, solicited_node_multicast(kHostGlobal), kHostGlobal,
                      sllao(kRouterMac)));

  f.dst = kHostGlobal;  // unicast probe without option
  f.source_link_layer.reset();
  n = write_neighbour_solicitation(buf, f);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 64u);
  EXPECT_EQ(Bytes(buf, buf + *n), ns_packet(kRouterLl, kHostGlobal, kHostGlobal, {}));

  NeighbourSolicitationFields dad;
  dad.src = kUnspecified;
  dad.target = kHostGlobal;
  n = write_neighbour_solicitation(buf, dad);
  ASSERT_TRUE(n);
  auto parsed = parse_packet(Bytes(buf, buf + *n), parse_neighbour_solicitation);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->is_duplicate_address_detection());
  EXPECT_EQ(Ip6Addr::from_bytes(buf + 24), solicited_node_multicast(kHostGlobal));
}

TEST(NeighbourSolicitation, BuilderErrors) {
  std::uint8_t buf[80];
  NeighbourSolicitationFields f;
  f.src = kRouterLl;
  f.target = all_routers_multicast();
  EXPECT_EQ(write_neighbour_solicitation(buf, f).error(), Errc::value_out_of_range);
  f.target = kHostGlobal;
  f.src = kUnspecified;
  f.source_link_layer = kHostMac;
  EXPECT_EQ(write_neighbour_solicitation(buf, f).error(), Errc::value_out_of_range);
  f.source_link_layer.reset();
  f.dst = kHostGlobal;
  EXPECT_EQ(write_neighbour_solicitation(buf, f).error(), Errc::value_out_of_range);
  f.src = kRouterLl;
  EXPECT_EQ(write_neighbour_solicitation(MutableByteSpan(buf).first(63), f).error(),
            Errc::buffer_too_small);
}

// ---- Neighbour Advertisement --------------------------------------------

Bytes na_packet(const Ip6Addr& src, const Ip6Addr& dst, std::uint8_t flags, const Ip6Addr& target,
                const Bytes& options) {
  Bytes icmp{136, 0, 0, 0, flags, 0, 0, 0};
  append(icmp, target);
  icmp.insert(icmp.end(), options.begin(), options.end());
  return test::icmpv6_packet(src, dst, 255, icmp);
}

TEST(NeighbourAdvertisement, FlagsTargetAndOption) {
  auto na = parse_packet(na_packet(kHostLl, kRouterLl, 0x60, kHostGlobal, tllao(kHostMac)),
                         parse_neighbour_advertisement);
  ASSERT_TRUE(na) << describe(na.error());
  EXPECT_FALSE(na->router());
  EXPECT_TRUE(na->solicited());
  EXPECT_TRUE(na->override_flag());
  EXPECT_EQ(na->target(), kHostGlobal);
  EXPECT_EQ(*na->options().target_link_layer, kHostMac);

  auto r = parse_packet(na_packet(kRouterLl, all_nodes_multicast(), 0x80, kRouterLl, {}),
                        parse_neighbour_advertisement);
  ASSERT_TRUE(r);  // unsolicited, to all-nodes
  EXPECT_TRUE(r->router());
  EXPECT_FALSE(r->solicited());
  EXPECT_FALSE(r->override_flag());
  EXPECT_FALSE(r->options().target_link_layer);
  // An SLLAO is not for NAs and is ignored.
  auto s = parse_packet(na_packet(kHostLl, kRouterLl, 0x20, kHostGlobal, sllao(kRouterMac)),
                        parse_neighbour_advertisement);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->options().source_link_layer);
  EXPECT_TRUE(s->override_flag());
}

TEST(NeighbourAdvertisement, EveryValidityCheck) {
  EXPECT_EQ(parse_packet(na_packet(kHostLl, kRouterLl, 0x20, all_nodes_multicast(), {}),
                         parse_neighbour_advertisement)
                .error(),
            Errc::bad_nd_target);
  EXPECT_EQ(parse_packet(na_packet(kHostLl, all_nodes_multicast(), 0x40, kHostGlobal, {}),
                         parse_neighbour_advertisement)
                .error(),
            Errc::bad_nd_destination);
  Bytes short_na = na_packet(kHostLl, kRouterLl, 0, kHostGlobal, {});
  short_na.resize(short_na.size() - 8);
  test::finish_icmpv6(short_na);
  EXPECT_EQ(parse_packet(short_na, parse_neighbour_advertisement).error(),
            Errc::truncated_nd_message);
  Bytes hop = na_packet(kHostLl, kRouterLl, 0, kHostGlobal, {});
  hop[7] = 0;
  EXPECT_EQ(parse_packet(hop, parse_neighbour_advertisement).error(), Errc::bad_nd_hop_limit);
  Bytes code = na_packet(kHostLl, kRouterLl, 0, kHostGlobal, {});
  code[41] = 0x80;
  test::finish_icmpv6(code);
  EXPECT_EQ(parse_packet(code, parse_neighbour_advertisement).error(), Errc::bad_icmpv6_code);
  Bytes sum = na_packet(kHostLl, kRouterLl, 0, kHostGlobal, {});
  sum[44] ^= 0x40;  // flip S after the checksum was computed
  EXPECT_EQ(parse_packet(sum, parse_neighbour_advertisement).error(), Errc::bad_icmpv6_checksum);
  EXPECT_EQ(parse_packet(na_packet(kHostLl, kRouterLl, 0, kHostGlobal, tllao(kHostMac)),
                         parse_neighbour_solicitation)
                .error(),
            Errc::wrong_icmpv6_type);
  EXPECT_EQ(parse_packet(na_packet(kHostLl, kRouterLl, 0, kHostGlobal,
                                   Bytes{2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
                         parse_neighbour_advertisement)
                .error(),
            Errc::bad_nd_option_length);
  EXPECT_EQ(parse_packet(na_packet(kHostLl, kRouterLl, 0, kHostGlobal, Bytes{2, 3, 0, 0, 0, 0, 0, 0}),
                         parse_neighbour_advertisement)
                .error(),
            Errc::nd_option_exceeds_message);
}

TEST(NeighbourAdvertisement, BuilderLayoutAndErrors) {
  std::uint8_t buf[80];
  NeighbourAdvertisementFields f;
  f.src = kHostLl;
  f.dst = kRouterLl;
  f.target = kHostGlobal;
  f.router = true;
  f.solicited = true;
  f.override_flag = false;
  f.target_link_layer = kHostMac;
  auto n = write_neighbour_advertisement(buf, f);
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(Bytes(buf, buf + *n), na_packet(kHostLl, kRouterLl, 0xc0, kHostGlobal, tllao(kHostMac)));

  NeighbourAdvertisementFields unsolicited;
  unsolicited.src = kHostLl;
  unsolicited.target = kHostGlobal;  // dst defaults to all-nodes, O defaults on
  n = write_neighbour_advertisement(buf, unsolicited);
  ASSERT_TRUE(n);
  EXPECT_EQ(Bytes(buf, buf + *n), na_packet(kHostLl, all_nodes_multicast(), 0x20, kHostGlobal, {}));
  EXPECT_TRUE(parse_packet(Bytes(buf, buf + *n), parse_neighbour_advertisement));

  unsolicited.solicited = true;
  EXPECT_EQ(write_neighbour_advertisement(buf, unsolicited).error(), Errc::value_out_of_range);
  f.target = solicited_node_multicast(kHostGlobal);
  EXPECT_EQ(write_neighbour_advertisement(buf, f).error(), Errc::value_out_of_range);
  f.target = kHostGlobal;
  EXPECT_EQ(write_neighbour_advertisement(MutableByteSpan(buf).first(71), f).error(),
            Errc::buffer_too_small);
}

TEST(NdErrors, NewCodesHaveNames) {
  EXPECT_EQ(name(Errc::bad_nd_destination), "bad_nd_destination");
  EXPECT_EQ(name(Errc::nd_link_layer_option_from_unspecified_source),
            "nd_link_layer_option_from_unspecified_source");
  EXPECT_EQ(name(Errc::bad_nd_prefix_length), "bad_nd_prefix_length");
  EXPECT_NE(describe(Errc::bad_nd_prefix_length), describe(Errc::bad_nd_option_length));
}

}  // namespace
}  // namespace roam6::wire
