#include "roam6/wire/address.hpp"

#include <gtest/gtest.h>

#include <unordered_set>

namespace roam6::wire {
namespace {

TEST(Ip6Addr, ParsesAndPrintsCanonicalText) {
  auto a = Ip6Addr::parse("2001:0db8:000a:0000:0000:0000:0000:0001");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->to_string(), "2001:db8:a::1");
  EXPECT_EQ(a->bytes[0], 0x20);
  EXPECT_EQ(a->bytes[15], 0x01);
}

TEST(Ip6Addr, RejectsBadText) {
  EXPECT_FALSE(Ip6Addr::parse(""));
  EXPECT_FALSE(Ip6Addr::parse("10.0.0.1"));
  EXPECT_FALSE(Ip6Addr::parse("2001:db8::1::2"));
  EXPECT_FALSE(Ip6Addr::parse("2001:db8::g"));
  EXPECT_FALSE(Ip6Addr::parse(std::string(100, '1')));
}

TEST(Ip6Addr, Classifies) {
  EXPECT_TRUE(Ip6Addr::parse("::")->is_unspecified());
  EXPECT_FALSE(Ip6Addr::parse("::1")->is_unspecified());
  EXPECT_TRUE(Ip6Addr::parse("fe80::1")->is_link_local());
  EXPECT_TRUE(Ip6Addr::parse("febf::1")->is_link_local());
  EXPECT_FALSE(Ip6Addr::parse("fec0::1")->is_link_local());
  EXPECT_TRUE(Ip6Addr::parse("ff02::1")->is_multicast());
}

TEST(Ip6Addr, SolicitedNodeAndMulticastMac) {
  const auto sn = solicited_node_multicast(*Ip6Addr::parse("2001:db8:a::12:3456"));
  EXPECT_EQ(sn.to_string(), "ff02::1:ff12:3456");
  EXPECT_EQ(multicast_mac(sn).to_string(), "33:33:ff:12:34:56");
  EXPECT_EQ(all_nodes_multicast().to_string(), "ff02::1");
  EXPECT_EQ(all_routers_multicast().to_string(), "ff02::2");
}

TEST(Ip6Addr, LinkLocalFromMacUsesModifiedEui64) {
  EXPECT_EQ(link_local_from_mac(*MacAddr::parse("52:54:00:12:34:56")).to_string(),
            "fe80::5054:ff:fe12:3456");
}

TEST(Ip6Addr, HashesDistinctly) {
  std::unordered_set<Ip6Addr> set;
  for (int i = 0; i < 1000; ++i) {
    Ip6Addr a;
    a.bytes[14] = static_cast<std::uint8_t>(i >> 8);
    a.bytes[15] = static_cast<std::uint8_t>(i);
    set.insert(a);
  }
  EXPECT_EQ(set.size(), 1000u);
}

TEST(Ip6Prefix, ParsesContainsAndPrints) {
  auto p = Ip6Prefix::parse("2001:db8:a::/64");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->length, 64);
  EXPECT_TRUE(p->contains(*Ip6Addr::parse("2001:db8:a::99")));
  EXPECT_FALSE(p->contains(*Ip6Addr::parse("2001:db8:b::99")));
  EXPECT_EQ(p->to_string(), "2001:db8:a::/64");
  auto odd = Ip6Prefix::parse("2001:db8:8000::/33");
  ASSERT_TRUE(odd);
  EXPECT_TRUE(odd->contains(*Ip6Addr::parse("2001:db8:ffff::1")));
  EXPECT_FALSE(odd->contains(*Ip6Addr::parse("2001:db8:7fff::1")));
  EXPECT_TRUE(Ip6Prefix::parse("::/0")->contains(*Ip6Addr::parse("2001:db8::1")));
}

TEST(Ip6Prefix, RejectsBadText) {
  EXPECT_FALSE(Ip6Prefix::parse("2001:db8:a::"));
  EXPECT_FALSE(Ip6Prefix::parse("2001:db8:a::/129"));
  EXPECT_FALSE(Ip6Prefix::parse("2001:db8:a::/"));
  EXPECT_FALSE(Ip6Prefix::parse("2001:db8:a::/6x"));
  EXPECT_FALSE(Ip6Prefix::parse("2001:db8:a::1/64"));  // host bits set
}

TEST(MacAddr, ParsesAndPrints) {
  auto m = MacAddr::parse("52:54:00:AB:cd:0f");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to_string(), "52:54:00:ab:cd:0f");
  EXPECT_FALSE(m->is_multicast());
  EXPECT_TRUE(MacAddr::parse("52-54-00-ab-cd-0f"));
  EXPECT_TRUE(MacAddr::parse("ff:ff:ff:ff:ff:ff")->is_broadcast());
  EXPECT_TRUE(MacAddr::parse("33:33:00:00:00:01")->is_multicast());
  EXPECT_FALSE(MacAddr::parse("52:54:00:ab:cd"));
  EXPECT_FALSE(MacAddr::parse("52:54:00:ab:cd:0g"));
  EXPECT_FALSE(MacAddr::parse("52:54:00:ab:cd:0f:"));
  EXPECT_FALSE(MacAddr::parse("52:54.00:ab:cd:0f"));
}

TEST(Ip6Addr, ClassifiesScopes) {
  const auto a = [](const char* t) { return *Ip6Addr::parse(t); };
  EXPECT_TRUE(a("::1").is_loopback());
  EXPECT_FALSE(a("::").is_loopback());
  EXPECT_TRUE(a("::ffff:192.0.2.1").is_ipv4_mapped());
  EXPECT_TRUE(a("::192.0.2.1").is_ipv4_compatible());
  EXPECT_FALSE(a("::1").is_ipv4_compatible());
  EXPECT_TRUE(a("fec0::1").is_site_local());
  for (const char* t : {"::", "::1", "ff02::1", "ff0e::1", "fe80::1", "febf::1", "fec0::1",
                        "::ffff:192.0.2.1", "::192.0.2.1"})
    EXPECT_FALSE(a(t).is_global_unicast()) << t;
  for (const char* t : {"2001:db8:a::100", "fd00::1", "2000::", "3fff:ffff::1", "fe00::1"})
    EXPECT_TRUE(a(t).is_global_unicast()) << t;
}

TEST(Ip6Prefix, KnowsItsAnycastAddresses) {
  const auto a = [](const char* t) { return *Ip6Addr::parse(t); };
  const auto p64 = *Ip6Prefix::parse("2001:db8:a::/64");
  // RFC 4291 2.6.1: the subnet-router anycast address is the prefix itself.
  EXPECT_TRUE(p64.is_subnet_router_anycast(a("2001:db8:a::")));
  EXPECT_FALSE(p64.is_subnet_router_anycast(a("2001:db8:a::1")));
  EXPECT_FALSE(Ip6Prefix::parse("2001:db8:a::/127")->is_subnet_router_anycast(a("2001:db8:a::")));
  // RFC 2526 2: on a /64, fdff:ffff:ffff:ff80 to fdff:ffff:ffff:ffff.
  EXPECT_TRUE(p64.is_reserved_subnet_anycast(a("2001:db8:a:0:fdff:ffff:ffff:ff80")));
  EXPECT_TRUE(p64.is_reserved_subnet_anycast(a("2001:db8:a:0:fdff:ffff:ffff:fffe")));  // Mobile IPv6 HA anycast
  EXPECT_TRUE(p64.is_reserved_subnet_anycast(a("2001:db8:a:0:fdff:ffff:ffff:ffff")));
  EXPECT_FALSE(p64.is_reserved_subnet_anycast(a("2001:db8:a:0:fdff:ffff:ffff:ff7f")));
  EXPECT_FALSE(p64.is_reserved_subnet_anycast(a("2001:db8:a:0:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(p64.is_reserved_subnet_anycast(a("2001:db8:b:0:fdff:ffff:ffff:ff80")));
  // Other lengths: host part all ones except the 7-bit anycast ID.
  const auto p112 = *Ip6Prefix::parse("2001:db8:a::/112");
  EXPECT_TRUE(p112.is_reserved_subnet_anycast(a("2001:db8:a::ff80")));
  EXPECT_TRUE(p112.is_reserved_subnet_anycast(a("2001:db8:a::ffff")));
  EXPECT_FALSE(p112.is_reserved_subnet_anycast(a("2001:db8:a::ff7f")));
  EXPECT_FALSE(Ip6Prefix::parse("2001:db8:a::/124")->is_reserved_subnet_anycast(a("2001:db8:a::f")));
}

}  // namespace
}  // namespace roam6::wire
