#pragma once
// Hands out small integers 0 .. capacity-1 and takes them back; writer-side
// only (no locking). Recently freed indexes are reused first so the live set
// stays dense (records and counters of live bindings share cache lines and
// pages); indexes never used are handed out in order after that.

#include <cstdint>
#include <optional>
#include <vector>

namespace roam6::datapath {

class IndexAllocator {
 public:
  explicit IndexAllocator(std::uint32_t capacity) : capacity_(capacity) {
    // Reserved up front so release() never allocates.
    recycled_.reserve(capacity);
  }

  [[nodiscard]] std::optional<std::uint32_t> allocate() noexcept {
    if (!recycled_.empty()) {
      const std::uint32_t index = recycled_.back();
      recycled_.pop_back();
      return index;
    }
    if (next_fresh_ < capacity_) return next_fresh_++;
    return std::nullopt;
  }

  // `index` must have come from allocate() and not been released since.
  void release(std::uint32_t index) noexcept { recycled_.push_back(index); }

  [[nodiscard]] std::uint32_t capacity() const noexcept { return capacity_; }
  // Indexes ever handed out are all below this.
  [[nodiscard]] std::uint32_t high_water() const noexcept { return next_fresh_; }
  [[nodiscard]] std::uint32_t in_use() const noexcept {
    return next_fresh_ - static_cast<std::uint32_t>(recycled_.size());
  }

 private:
  std::uint32_t capacity_;
  std::uint32_t next_fresh_ = 0;
  std::vector<std::uint32_t> recycled_;
};

}  // namespace roam6::datapath
