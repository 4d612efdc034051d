#include "mip6d/home_agent/replay_memory.hpp"

#include <gtest/gtest.h>

#include "mip6d/signalling/ntp_timestamp.hpp"

namespace roam6::mip6d::ha {
namespace {

using namespace std::chrono_literals;

wire::Ip6Addr addr(const char* s) { return *wire::Ip6Addr::parse(s); }
ReplayKey hoa(const char* s) { return ReplayKey::for_home_address(addr(s)); }

const WallTime t0 = WallTime{} + std::chrono::hours(24 * 365 * 56);
std::uint64_t ts(Duration offset) {
  return to_ntp_timestamp(t0 + std::chrono::duration_cast<WallClock::duration>(offset));
}

TEST(ReplayMemory, RemembersTheNewestTimestampPerKey) {
  ReplayMemory m(16, 7s);
  EXPECT_EQ(m.last_accepted(hoa("2001:db8:a::1")), 0u);
  m.remember(hoa("2001:db8:a::1"), ts(0s), 10);
  m.remember(hoa("2001:db8:a::1"), ts(-1s), 9);  // older: ignored
  EXPECT_EQ(m.last_accepted(hoa("2001:db8:a::1")), ts(0s));
  EXPECT_EQ(m.find(hoa("2001:db8:a::1"))->sequence, 10);
  m.remember(hoa("2001:db8:a::1"), ts(2s), 11);
  EXPECT_EQ(m.last_accepted(hoa("2001:db8:a::1")), ts(2s));
  EXPECT_EQ(m.last_accepted(hoa("2001:db8:a::2")), 0u);
  EXPECT_EQ(m.size(), 1u);
}

TEST(ReplayMemory, HomeAddressesAndIdentitiesAreSeparateKeys) {
  ReplayMemory m(16, 7s);
  const std::uint8_t nai[] = {'g', '1', '@', 'a'};
  const auto id = ReplayKey::for_mobile_node(1, nai);
  m.remember(id, ts(1s), 3);
  EXPECT_EQ(m.last_accepted(id), ts(1s));
  EXPECT_EQ(m.last_accepted(hoa("2001:db8:a::1")), 0u);
  EXPECT_EQ(id.to_string(), "mn-id:1:g1@a");
  const std::string stored = id.to_bytes();
  const auto parsed = ReplayKey::from_bytes(
      std::span(reinterpret_cast<const std::uint8_t*>(stored.data()), stored.size()));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, id);
  const std::string h = hoa("2001:db8:a::1").to_bytes();
  EXPECT_EQ(h.size(), 17u);
  EXPECT_EQ(*ReplayKey::from_bytes(std::span(reinterpret_cast<const std::uint8_t*>(h.data()), h.size())),
            hoa("2001:db8:a::1"));
  const std::uint8_t junk[] = {7, 1, 2};
  EXPECT_FALSE(ReplayKey::from_bytes(junk));
  const std::uint8_t floor_key[] = {replay_floor_key_byte};
  EXPECT_FALSE(ReplayKey::from_bytes(floor_key));
}

TEST(ReplayMemory, ARecordLivesExactlyUntilNoReplayCanPassTheWindow) {
  // A replay carries a timestamp <= the last accepted one; once our clock is
  // past that + window, the window check refuses every such replay.
  ReplayMemory m(16, 7s);
  m.remember(hoa("2001:db8:a::1"), ts(0s), 1);
  m.remember(hoa("2001:db8:a::2"), ts(3s), 1);  // a host clock 3 s ahead
  EXPECT_EQ(m.next_expiry(), from_ntp_timestamp(ts(7s)));
  EXPECT_EQ(m.expire(t0 + 6s), 0u);
  std::vector<std::string> gone;
  EXPECT_EQ(m.expire(from_ntp_timestamp(ts(7s)), [&](const ReplayKey& k) { gone.push_back(k.to_string()); }), 1u);
  EXPECT_EQ(gone, std::vector<std::string>{"2001:db8:a::1"});
  EXPECT_EQ(m.last_accepted(hoa("2001:db8:a::1")), 0u);
  EXPECT_EQ(m.last_accepted(hoa("2001:db8:a::2")), ts(3s));
  EXPECT_EQ(m.expire(from_ntp_timestamp(ts(10s))), 1u);
  EXPECT_EQ(m.size(), 0u);
  EXPECT_FALSE(m.next_expiry());
}

TEST(ReplayMemory, ARenewedRecordIsNotExpiredByItsOldSlot) {
  ReplayMemory m(16, 7s);
  m.remember(hoa("2001:db8:a::1"), ts(0s), 1);
  m.remember(hoa("2001:db8:a::1"), ts(5s), 2);
  EXPECT_EQ(m.expire(from_ntp_timestamp(ts(8s))), 0u);
  EXPECT_EQ(m.last_accepted(hoa("2001:db8:a::1")), ts(5s));
  EXPECT_EQ(m.expire(from_ntp_timestamp(ts(12s))), 1u);
}

TEST(ReplayMemory, WhenFullTheFirstToExpireFoldsIntoAFloor) {
  ReplayMemory m(2, 7s);
  m.remember(hoa("2001:db8:a::1"), ts(0s), 1);
  m.remember(hoa("2001:db8:a::2"), ts(1s), 1);
  const auto evicted = m.remember(hoa("2001:db8:a::3"), ts(2s), 1);
  ASSERT_EQ(evicted.size(), 1u);
  EXPECT_EQ(evicted[0], hoa("2001:db8:a::1"));
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.evictions(), 1u);
  // Sound: the evicted key's BU is still refused, through the floor; so is
  // any key without a record, with a timestamp at or below it.
  EXPECT_EQ(m.floor(), ts(0s));
  EXPECT_EQ(m.last_accepted(hoa("2001:db8:a::1")), ts(0s));
  EXPECT_EQ(m.last_accepted(hoa("2001:db8:a::9")), ts(0s));
  EXPECT_EQ(m.last_accepted(hoa("2001:db8:a::3")), ts(2s));
  // The floor goes when it can no longer matter.
  m.expire(from_ntp_timestamp(ts(7s)));
  EXPECT_EQ(m.floor(), 0u);
  EXPECT_EQ(m.last_accepted(hoa("2001:db8:a::9")), 0u);
}

TEST(ReplayMemory, RestoreSkipsRecordsThatNoLongerMatter) {
  ReplayMemory m(16, 7s);
  m.restore(hoa("2001:db8:a::1"), ts(0s), 1, t0 + 8s);
  m.restore(hoa("2001:db8:a::2"), ts(0s), 2, t0 + 6s);
  m.restore_floor(ts(-10s), t0);
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(m.last_accepted(hoa("2001:db8:a::2")), ts(0s));
  EXPECT_EQ(m.floor(), 0u);
  m.restore_floor(ts(-1s), t0);
  EXPECT_EQ(m.floor(), ts(-1s));
}

TEST(ReplayMemory, AWiderWindowKeepsRecordsLonger) {
  // Raising replay_window at run time must not let a record go while a
  // replay of it would pass the new, wider window.
  ReplayMemory m(16, 7s);
  m.remember(hoa("2001:db8:a::1"), ts(0s), 1);
  m.set_window(30s);
  EXPECT_EQ(m.expire(from_ntp_timestamp(ts(10s))), 0u);
  EXPECT_EQ(m.next_expiry(), from_ntp_timestamp(ts(30s)));
  EXPECT_EQ(m.expire(from_ntp_timestamp(ts(30s))), 1u);
}

TEST(ReplayMemory, ManyRenewalsKeepTheHeapBounded) {
  ReplayMemory m(4096, 7s);
  for (int i = 0; i < 100000; ++i) m.remember(hoa("2001:db8:a::1"), ts(std::chrono::microseconds(i)), 1);
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(m.expire(from_ntp_timestamp(ts(8s))), 1u);
}

}  // namespace
}  // namespace roam6::mip6d::ha
