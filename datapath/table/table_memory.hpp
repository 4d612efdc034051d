#pragma once
// Where the binding table's big arrays (records, per-core counters, slot
// generations) live. Readers touch them at random, one line per packet, so
// at a million bindings every 4 KiB page is a TLB miss; on 2 MiB pages the
// whole table fits the second-level TLB.
//
//   * EAL on hugepages: rte_zmalloc_socket, from the hugepages the EAL
//     reserved up front.
//   * otherwise (--no-huge, or the EAL heap is full): an anonymous mapping
//     aligned to 2 MiB with MADV_HUGEPAGE, so transparent hugepages back it
//     where the kernel allows ("madvise" or "always"). Untouched pages stay
//     unbacked: a table sized for a million bindings and eight cores costs
//     address space, not memory, until the bindings exist.
// Both come zero-filled. populate() backs a range ahead of need, so the
// first write to a new binding does not take the page fault (on 2 MiB pages
// a fault zeroes the whole page: 17 ms on the CI machine's virtual CPU, with
// the control thread and every Binding Acknowledgement waiting behind it).

#include <cstddef>

namespace roam6::datapath {

class ZeroedMemory {
 public:
  ZeroedMemory() noexcept = default;
  // Throws std::bad_alloc.
  explicit ZeroedMemory(std::size_t bytes);
  ~ZeroedMemory();
  ZeroedMemory(ZeroedMemory&& other) noexcept;
  ZeroedMemory& operator=(ZeroedMemory&& other) noexcept;
  ZeroedMemory(const ZeroedMemory&) = delete;
  ZeroedMemory& operator=(const ZeroedMemory&) = delete;

  [[nodiscard]] void* data() const noexcept { return data_; }
  // Backs [offset, offset + bytes) with memory now, without changing what it
  // holds (MADV_POPULATE_WRITE), so it is safe while readers use the range.
  // Nothing to do for EAL memory (hugepages are backed when reserved); false
  // when the kernel cannot (before Linux 5.14): the pages then fault in on
  // first write, as before.
  bool populate(std::size_t offset, std::size_t bytes) const noexcept;
  // True when the memory came from the EAL's hugepages.
  [[nodiscard]] bool from_eal() const noexcept { return origin_ == Origin::eal; }

 private:
  enum class Origin : unsigned char { none, eal, mapping };
  void release() noexcept;

  void* data_ = nullptr;
  void* mapping_ = nullptr;     // what munmap gets (before alignment)
  std::size_t mapping_bytes_ = 0;
  std::size_t bytes_ = 0;       // asked for, from data_
  Origin origin_ = Origin::none;
};

}  // namespace roam6::datapath
