#pragma once
// Fixed storage for the immutable records the binding table publishes. The
// writer takes a record, fills it, publishes it, and gives it back only after
// a grace period; the pool itself knows nothing about grace periods.

#include <cstdint>

#include "datapath/table/index_allocator.hpp"
#include "datapath/table/zeroed_array.hpp"

namespace roam6::datapath {

template <class Record>
class RecordPool {
 public:
  explicit RecordPool(std::uint32_t capacity) : storage_(capacity), free_(capacity) {}

  // nullptr when every record is live or waiting out a grace period.
  [[nodiscard]] Record* acquire() noexcept {
    const auto index = free_.allocate();
    return index ? &storage_[*index] : nullptr;
  }
  void release(std::uint32_t index) noexcept { free_.release(index); }

  [[nodiscard]] Record& operator[](std::uint32_t index) noexcept { return storage_[index]; }
  [[nodiscard]] const Record& operator[](std::uint32_t index) const noexcept { return storage_[index]; }
  // Where record 0 is: readers turn an index into a record from it.
  [[nodiscard]] const Record* data() const noexcept { return storage_.data(); }
  [[nodiscard]] std::uint32_t index_of(const Record* record) const noexcept {
    return static_cast<std::uint32_t>(record - storage_.data());
  }
  [[nodiscard]] std::uint32_t capacity() const noexcept { return free_.capacity(); }
  [[nodiscard]] std::uint32_t in_use() const noexcept { return free_.in_use(); }
  [[nodiscard]] std::uint32_t high_water() const noexcept { return free_.high_water(); }
  // Backs records [first, first + count) ahead of need.
  void populate(std::uint32_t first, std::uint32_t count) const noexcept { storage_.populate(first, count); }

 private:
  ZeroedArray<Record> storage_;
  IndexAllocator free_;
};

}  // namespace roam6::datapath
