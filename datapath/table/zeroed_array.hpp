#pragma once
// A fixed-size array of trivially copyable objects, zero-filled, from
// ZeroedMemory (table_memory.hpp): on the EAL's hugepages when it has them,
// otherwise an anonymous mapping that costs nothing until written.

#include <cstddef>
#include <new>
#include <type_traits>

#include "datapath/table/table_memory.hpp"

namespace roam6::datapath {

template <class T>
class ZeroedArray {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "zero-filled storage only holds implicit-lifetime objects");
  static_assert(alignof(T) <= 64, "ZeroedMemory aligns to a cache line at least");

 public:
  ZeroedArray() = default;
  // Throws std::bad_alloc.
  explicit ZeroedArray(std::size_t size)
      : memory_(bytes_for(size)), size_(size) {}

  [[nodiscard]] T& operator[](std::size_t i) noexcept { return data()[i]; }
  [[nodiscard]] const T& operator[](std::size_t i) const noexcept { return data()[i]; }
  [[nodiscard]] T* data() noexcept { return static_cast<T*>(memory_.data()); }
  [[nodiscard]] const T* data() const noexcept { return static_cast<const T*>(memory_.data()); }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool on_eal_hugepages() const noexcept { return memory_.from_eal(); }
  // Backs elements [first, first + count) now (ZeroedMemory::populate).
  bool populate(std::size_t first, std::size_t count) const noexcept {
    if (first >= size_) return true;
    if (count > size_ - first) count = size_ - first;
    return memory_.populate(first * sizeof(T), count * sizeof(T));
  }

 private:
  static std::size_t bytes_for(std::size_t size) {
    if (size > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_alloc();
    return sizeof(T) * (size == 0 ? 1 : size);
  }

  ZeroedMemory memory_;
  std::size_t size_ = 0;
};

}  // namespace roam6::datapath
