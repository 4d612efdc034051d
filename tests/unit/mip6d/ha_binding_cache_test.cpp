#include "mip6d/home_agent/binding_cache.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace roam6::mip6d::ha {
namespace {

using namespace std::chrono_literals;

wire::Ip6Addr hoa(unsigned i) {
  auto a = *wire::Ip6Addr::parse("2001:db8:a::");
  a.bytes[12] = static_cast<std::uint8_t>(i >> 24);
  a.bytes[13] = static_cast<std::uint8_t>(i >> 16);
  a.bytes[14] = static_cast<std::uint8_t>(i >> 8);
  a.bytes[15] = static_cast<std::uint8_t>(i);
  return a;
}

const TimePoint t0 = TimePoint{} + 1000h;

Binding binding(TimePoint expires, std::uint16_t seq = 1) {
  Binding b;
  b.care_of_address = *wire::Ip6Addr::parse("2001:db8:b::2");
  b.expires = expires;
  b.sequence = seq;
  return b;
}

TEST(BindingCache, PutFindReplaceErase) {
  BindingCache c;
  EXPECT_EQ(c.find(hoa(1)), nullptr);
  c.put(hoa(1), binding(t0 + 10s, 5));
  ASSERT_NE(c.find(hoa(1)), nullptr);
  EXPECT_EQ(c.find(hoa(1))->sequence, 5);
  c.put(hoa(1), binding(t0 + 20s, 6));
  EXPECT_EQ(c.find(hoa(1))->sequence, 6);
  EXPECT_EQ(c.size(), 1u);
  EXPECT_TRUE(c.erase(hoa(1)));
  EXPECT_FALSE(c.erase(hoa(1)));
  EXPECT_EQ(c.size(), 0u);
}

TEST(BindingCache, ExpiresInOrderAndHonoursRefresh) {
  BindingCache c;
  c.put(hoa(1), binding(t0 + 30s));
  c.put(hoa(2), binding(t0 + 10s));
  c.put(hoa(3), binding(t0 + 20s));
  c.put(hoa(2), binding(t0 + 40s));  // refreshed: the 10 s slot is stale
  EXPECT_EQ(c.next_expiry(), t0 + 20s);
  std::vector<unsigned> expired;
  auto record = [&](const wire::Ip6Addr& a, const Binding&) { expired.push_back(a.bytes[15]); };
  c.expire(t0 + 25s, record);
  EXPECT_EQ(expired, std::vector<unsigned>{3});
  c.expire(t0 + 35s, record);
  EXPECT_EQ(expired, (std::vector<unsigned>{3, 1}));
  EXPECT_EQ(c.next_expiry(), t0 + 40s);
  c.expire(t0 + 40s, record);  // expiry is inclusive
  EXPECT_EQ(expired, (std::vector<unsigned>{3, 1, 2}));
  EXPECT_FALSE(c.next_expiry());
}

TEST(BindingCache, ErasedBindingNeverExpires) {
  BindingCache c;
  c.put(hoa(1), binding(t0 + 10s));
  c.erase(hoa(1));
  int calls = 0;
  c.expire(t0 + 100s, [&](const wire::Ip6Addr&, const Binding&) { ++calls; });
  EXPECT_EQ(calls, 0);
  EXPECT_FALSE(c.next_expiry());
}

TEST(BindingCache, ManyRefreshesKeepHeapBounded) {
  BindingCache c;
  for (unsigned i = 0; i < 100; ++i) c.put(hoa(i), binding(t0 + 1000s));
  for (unsigned round = 0; round < 200; ++round)
    for (unsigned i = 0; i < 100; ++i) c.put(hoa(i), binding(t0 + 1000s + std::chrono::seconds(round)));
  EXPECT_EQ(c.size(), 100u);
  unsigned n = 0;
  c.expire(t0 + 1198s, [&](const wire::Ip6Addr&, const Binding&) { ++n; });
  EXPECT_EQ(n, 0u);
  c.expire(t0 + 1199s, [&](const wire::Ip6Addr&, const Binding&) { ++n; });
  EXPECT_EQ(n, 100u);
}

}  // namespace
}  // namespace roam6::mip6d::ha
