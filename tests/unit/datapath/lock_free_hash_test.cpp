#include "datapath/table/lock_free_hash.hpp"

#include "datapath/table/binding_table.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

namespace roam6::datapath {
namespace {

using Key = std::array<std::uint8_t, 16>;

Key key(std::uint8_t n) {
  Key k{};
  k[0] = 0x20;
  k[15] = n;
  return k;
}

// The binding table relies on this: in lock-free mode a deleted key's slot
// stays taken (readers may still compare against it) until free_position().
TEST(LockFreeHash, ErasedKeySlotIsReusedOnlyAfterFreePosition) {
  LockFreeHash hash("lfh_test_a", 8, 16);
  int records[9] = {};
  std::array<Key, 9> keys;
  for (std::uint8_t i = 0; i < 9; ++i) keys[i] = key(i);
  for (int i = 0; i < 8; ++i)
    ASSERT_EQ(hash.insert(keys[static_cast<unsigned>(i)].data(), &records[i]),
              LockFreeHash::Insert::done);
  EXPECT_EQ(hash.insert(keys[8].data(), &records[8]), LockFreeHash::Insert::no_room);

  const auto position = hash.erase(keys[3].data());
  ASSERT_TRUE(position.has_value());
  EXPECT_EQ(hash.find(keys[3].data()), nullptr);
  EXPECT_FALSE(hash.erase(keys[3].data()).has_value());
  EXPECT_EQ(hash.insert(keys[8].data(), &records[8]), LockFreeHash::Insert::no_room);

  hash.free_position(*position);
  EXPECT_EQ(hash.insert(keys[8].data(), &records[8]), LockFreeHash::Insert::done);
  EXPECT_EQ(hash.find(keys[8].data()), &records[8]);
}

TEST(LockFreeHash, ReplacingAKeyNeedsNoRoom) {
  LockFreeHash hash("lfh_test_b", 8, 6);
  int a = 0, b = 0;
  const std::uint8_t mac[6] = {0x52, 0x54, 0, 0, 0, 1};
  std::uint8_t others[8][6] = {};
  for (std::uint8_t i = 0; i < 7; ++i) {
    others[i][5] = static_cast<std::uint8_t>(i + 10);
    ASSERT_EQ(hash.insert(others[i], &a), LockFreeHash::Insert::done);
  }
  ASSERT_EQ(hash.insert(mac, &a), LockFreeHash::Insert::done);
  EXPECT_EQ(hash.insert(mac, &b), LockFreeHash::Insert::done);
  EXPECT_EQ(hash.find(mac), &b);
}

TEST(LockFreeHash, KeysAtAnyAlignment) {
  LockFreeHash hash("lfh_test_c", 64, 16);
  int record = 0;
  alignas(16) std::uint8_t buffer[64] = {};
  for (std::uint8_t i = 0; i < 16; ++i) buffer[3 + i] = static_cast<std::uint8_t>(i * 7);
  ASSERT_EQ(hash.insert(buffer + 3, &record), LockFreeHash::Insert::done);
  std::uint8_t copy[32] = {};
  for (int i = 0; i < 16; ++i) copy[1 + i] = buffer[3 + i];
  EXPECT_EQ(hash.find(copy + 1), &record);
  const std::uint8_t* keys[2] = {copy + 1, buffer};
  const int* out[2] = {nullptr, &record};
  hash.find_bulk(keys, 2, out);
  EXPECT_EQ(out[0], &record);
  EXPECT_EQ(out[1], nullptr);
}

TEST(LockFreeHash, CreateFailureIsAnError) {
  EXPECT_THROW(LockFreeHash("lfh_test_d", 0, 16), BindingTableError);
}

}  // namespace
}  // namespace roam6::datapath
