#include "datapath/table/table_memory.hpp"

#include "datapath/table/binding_table.hpp"
#include "datapath/table/zeroed_array.hpp"

#include <gtest/gtest.h>

#include <rte_eal.h>

#include <cstdint>
#include <utility>

namespace roam6::datapath {
namespace {

bool all_zero(const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (p[i] != 0) return false;
  return true;
}

// The tests' EAL runs with --no-huge, so these arrays are anonymous
// mappings: zero-filled, cache-line aligned (2 MiB aligned when large, for
// transparent hugepages), writable, and not from the EAL.
TEST(ZeroedMemory, LargeBlocksAreZeroAlignedAndWritable) {
  ASSERT_EQ(rte_eal_has_hugepages(), 0);
  const std::size_t bytes = (std::size_t{5} << 20) + 123;
  ZeroedMemory memory(bytes);
  auto* p = static_cast<std::uint8_t*>(memory.data());
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(memory.from_eal());
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % (std::uintptr_t{2} << 20), 0u);
  EXPECT_TRUE(all_zero(p, bytes));
  p[0] = 1;
  p[bytes - 1] = 2;
  EXPECT_EQ(p[bytes - 1], 2);
}

TEST(ZeroedMemory, SmallAndEmptyBlocksWork) {
  ZeroedMemory small(100);
  ASSERT_NE(small.data(), nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(small.data()) % 64, 0u);
  EXPECT_TRUE(all_zero(static_cast<std::uint8_t*>(small.data()), 100));
  ZeroedMemory empty(0);
  EXPECT_NE(empty.data(), nullptr);
}

TEST(ZeroedMemory, MovingHandsOverTheBlock) {
  ZeroedMemory a(4096);
  void* block = a.data();
  ZeroedMemory b(std::move(a));
  EXPECT_EQ(b.data(), block);
  EXPECT_EQ(a.data(), nullptr);  // NOLINT(bugprone-use-after-move): moved-from is empty
  ZeroedMemory c(64);
  c = std::move(b);
  EXPECT_EQ(c.data(), block);
}

TEST(ZeroedArray, ElementsStartZeroAndKeepValues) {
  ZeroedArray<BindingCounters> counters(100000);
  ASSERT_EQ(counters.size(), 100000u);
  EXPECT_EQ(counters[99999].encapsulated_packets, 0u);
  counters[99999].encapsulated_packets = 7;
  counters[0].decapsulated_bytes = 9;
  EXPECT_EQ(counters[99999].encapsulated_packets, 7u);
  EXPECT_EQ(counters[0].decapsulated_bytes, 9u);
  EXPECT_FALSE(counters.on_eal_hugepages());
}

// counters() and prefetch_counters() are inline over a copy of the table's
// layout; an out-of-range reader or slot must still land in the discard
// counters, never in another binding's.
TEST(BindingTableCounters, OutOfRangeReaderOrSlotNeverTouchesABinding) {
  BindingTableLimits limits;
  limits.max_tunnels = 1024;
  limits.max_guests = 64;
  limits.max_readers = 2;
  limits.name = "tmem";
  BindingTable table(limits);
  ASSERT_TRUE(table.set_tunnel({Ip6Addr{{0x20, 1}}, Ip6Addr{{0x20, 2}}}));
  const auto* record = table.find_tunnel_for_writer(Ip6Addr{{0x20, 1}});
  ASSERT_NE(record, nullptr);
  ++table.counters(0, record->slot).encapsulated_packets;
  ++table.counters(2, record->slot).encapsulated_packets;                 // no such reader
  ++table.counters(0, table.slot_capacity()).encapsulated_packets;        // no such slot
  table.prefetch_counters(5, table.slot_capacity() + 10);                 // ignored, no crash
  const auto total = table.tunnel_counters(Ip6Addr{{0x20, 1}});
  ASSERT_TRUE(total.has_value());
  EXPECT_EQ(total->encapsulated_packets, 1u);
}

}  // namespace
}  // namespace roam6::datapath
