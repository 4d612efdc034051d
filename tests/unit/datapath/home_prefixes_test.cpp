// HomePrefixes: which addresses a Home Agent looks up.

#include "datapath/elements/home_prefixes.hpp"

#include <gtest/gtest.h>

namespace roam6::datapath {
namespace {

wire::Ip6Prefix prefix(const char* text) { return *wire::Ip6Prefix::parse(text); }

bool may_be_bound(const HomePrefixes& p, const char* address) {
  return p.may_be_bound(wire::Ip6Addr::parse(address)->bytes.data());
}

TEST(HomePrefixes, WithoutPrefixesEveryAddressMayBeBound) {
  const HomePrefixes none({});
  EXPECT_TRUE(may_be_bound(none, "2001:db8:a::1"));
  EXPECT_TRUE(may_be_bound(none, "::"));
  EXPECT_TRUE(may_be_bound(none, "ff02::1"));
}

TEST(HomePrefixes, AnAddressMayBeBoundOnlyInsideAPrefix) {
  const HomePrefixes p({prefix("2001:db8:a::/48")});
  EXPECT_TRUE(may_be_bound(p, "2001:db8:a::1"));
  EXPECT_TRUE(may_be_bound(p, "2001:db8:a:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_FALSE(may_be_bound(p, "2001:db8:b::1"));
  EXPECT_FALSE(may_be_bound(p, "2001:db9:a::1"));
  EXPECT_FALSE(may_be_bound(p, "::"));
}

TEST(HomePrefixes, LengthsOffAByteBoundaryCompareTheirLastBits) {
  // /57: the 57th bit (the top bit of byte 7) is the prefix's, the 58th not.
  const HomePrefixes p({prefix("2001:db8:a:80::/57")});
  EXPECT_TRUE(may_be_bound(p, "2001:db8:a:80::1"));
  EXPECT_TRUE(may_be_bound(p, "2001:db8:a:c0::1"));
  EXPECT_FALSE(may_be_bound(p, "2001:db8:a:0::1"));
  EXPECT_FALSE(may_be_bound(p, "2001:db8:a:180::1"));
  // A prefix longer than 64 bits compares the second word too.
  const HomePrefixes long_prefix({prefix("2001:db8:a::8000:0:0/81")});
  EXPECT_TRUE(may_be_bound(long_prefix, "2001:db8:a::8000:ffff:1"));
  EXPECT_TRUE(may_be_bound(long_prefix, "2001:db8:a::c000:0:1"));
  EXPECT_FALSE(may_be_bound(long_prefix, "2001:db8:a::4000:0:1"));
  EXPECT_FALSE(may_be_bound(long_prefix, "2001:db8:a:0:1:8000:0:1"));
}

TEST(HomePrefixes, AnyOfSeveralPrefixesAndTheExtremeLengths) {
  const HomePrefixes p({prefix("2001:db8:a::/64"), prefix("2001:db8:f::5/128")});
  EXPECT_TRUE(may_be_bound(p, "2001:db8:a::77"));
  EXPECT_TRUE(may_be_bound(p, "2001:db8:f::5"));
  EXPECT_FALSE(may_be_bound(p, "2001:db8:f::6"));
  EXPECT_FALSE(may_be_bound(p, "2001:db8:a:1::77"));
  const HomePrefixes everything({prefix("::/0")});
  EXPECT_TRUE(may_be_bound(everything, "ff02::1"));
}

TEST(HomePrefixes, MoreThanItKeepsInlineAndEveryAddressMayBeBound) {
  std::vector<wire::Ip6Prefix> many;
  for (std::size_t i = 0; i < HomePrefixes::max_prefixes; ++i)
    many.push_back(wire::Ip6Prefix::of(*wire::Ip6Addr::parse("2001:db8:a::"), 48));
  many.back() = prefix("2001:db8:b::/48");
  const HomePrefixes at_most(many);
  EXPECT_TRUE(may_be_bound(at_most, "2001:db8:b::1"));
  EXPECT_FALSE(may_be_bound(at_most, "2001:db8:c::1"));
  many.push_back(prefix("2001:db8:d::/48"));
  const HomePrefixes beyond(many);
  EXPECT_TRUE(may_be_bound(beyond, "2001:db8:c::1"));
}

}  // namespace
}  // namespace roam6::datapath
