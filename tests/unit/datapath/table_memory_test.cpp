#include "datapath/table/table_memory.hpp"

#include "datapath/table/binding_table.hpp"
#include "datapath/table/zeroed_array.hpp"

#include <gtest/gtest.h>

#include <rte_eal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <utility>
#include <vector>

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

// Whether the page holding p is backed by memory now.
bool resident(const std::uint8_t* p) {
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  unsigned char in_core = 0;
  EXPECT_EQ(mincore(reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(p) & ~(page - 1)), 1, &in_core), 0);
  return (in_core & 1) != 0;
}

TEST(ZeroedMemory, PopulateBacksARangeAheadWithoutChangingIt) {
  constexpr std::size_t mib = std::size_t{1} << 20;
  ZeroedMemory memory(16 * mib);
  auto* p = static_cast<std::uint8_t*>(memory.data());
  EXPECT_FALSE(resident(p + 5 * mib));
  EXPECT_FALSE(resident(p + 12 * mib));
  p[5 * mib + 17] = 7;  // written before: populate keeps it
  ASSERT_TRUE(memory.populate(4 * mib, 2 * mib));
  EXPECT_TRUE(resident(p + 4 * mib));
  EXPECT_TRUE(resident(p + 6 * mib - 1));
  EXPECT_FALSE(resident(p + 12 * mib));  // only what was asked (and its 2 MiB page)
  EXPECT_EQ(p[5 * mib + 17], 7);
  EXPECT_TRUE(all_zero(p + 4 * mib, mib));
  // Clamped to the block; nothing to do past its end.
  EXPECT_TRUE(memory.populate(15 * mib, 10 * mib));
  EXPECT_TRUE(resident(p + 16 * mib - 1));
  EXPECT_TRUE(memory.populate(20 * mib, mib));
}

// The writer (the control thread, with Binding Acknowledgements waiting)
// must not zero a 2 MiB page on a new binding's first write: a burst's worth
// of records and slots stays backed ahead of the highest used.
TEST(BindingTableMemory, ABurstOfNewBindingsFindsItsMemoryBacked) {
  BindingTableLimits limits;
  limits.max_tunnels = 1u << 20;
  limits.max_guests = 1024;
  limits.max_readers = 2;
  limits.name = "tbacked";
  BindingTable table(limits);
  const auto fresh = table.backed();
  EXPECT_GE(fresh.tunnel_peers, 8192u);
  EXPECT_LT(fresh.tunnel_peers, 1u << 20);  // not the whole million up front
  EXPECT_GE(fresh.guest_records, 1024u);       // all of a small array
  EXPECT_GE(fresh.slots, 8192u);

  // Each from a care-of address of its own: a peer each, the most peers.
  const auto tunnel = [](std::uint32_t i) {
    Ip6Addr hoa{{0x20, 0x01, 0x0d, 0xb8, 0, 0xa}};
    Ip6Addr care_of{{0x20, 0x01, 0x0d, 0xb8, 0, 0xb}};
    for (int b = 0; b < 4; ++b) {
      hoa.bytes[static_cast<std::size_t>(15 - b)] = static_cast<std::uint8_t>(i >> (8 * b));
      care_of.bytes[static_cast<std::size_t>(15 - b)] = static_cast<std::uint8_t>(i >> (8 * b));
    }
    return TunnelSpec{hoa, care_of};
  };
  const std::uint8_t* first = nullptr;
  for (std::uint32_t i = 0; i < 20000; ++i) {
    ASSERT_TRUE(table.set_tunnel(tunnel(i)));
    if (i == 0) first = reinterpret_cast<const std::uint8_t*>(table.find_tunnel_for_writer(tunnel(0).home_address)->peer);
  }
  const auto grown = table.backed();
  EXPECT_GE(grown.tunnel_peers, 20000u + 8192u);
  EXPECT_GE(grown.slots, 20000u + 8192u);
  EXPECT_LE(grown.tunnel_peers, 20000u + 8192u + 16384u);  // a step at a time
  // Peers are one array: the one after the last used is backed already.
  ASSERT_NE(first, nullptr);
  EXPECT_TRUE(resident(first + (20000 + 8000) * sizeof(TunnelPeer)));
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
  const auto record = table.find_tunnel_for_writer(Ip6Addr{{0x20, 1}});
  ASSERT_TRUE(record.has_value());
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
