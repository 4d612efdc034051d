#pragma once
// Slots: the small integer every binding keeps for as long as its key exists,
// indexing flat per-core arrays (counters, per-core state). The caller frees a
// slot only after a grace period, so no reader still uses it; `generation`
// tells per-core state that a slot was handed out again since it last looked.

#include <cstdint>
#include <optional>

#include "datapath/table/index_allocator.hpp"
#include "datapath/table/zeroed_array.hpp"

namespace roam6::datapath {

struct Slot {
  std::uint32_t index = 0;
  std::uint32_t generation = 0;  // 1 on the first hand-out, +1 on each reuse
  bool reused = false;           // handed out before: its per-core state is stale
};

class SlotAllocator {
 public:
  explicit SlotAllocator(std::uint32_t capacity) : free_(capacity), generations_(capacity) {}

  [[nodiscard]] std::optional<Slot> allocate() noexcept {
    const auto index = free_.allocate();
    if (!index) return std::nullopt;
    std::uint32_t& generation = generations_[*index];
    const bool reused = generation != 0;
    // Wrapping past 0 would make a reused slot look fresh.
    generation = generation == UINT32_MAX ? 1 : generation + 1;
    return Slot{*index, generation, reused};
  }
  void release(std::uint32_t index) noexcept { free_.release(index); }
  // The generation `index` was last handed out with (0: never).
  [[nodiscard]] std::uint32_t generation(std::uint32_t index) const noexcept { return generations_[index]; }

  [[nodiscard]] std::uint32_t capacity() const noexcept { return free_.capacity(); }
  [[nodiscard]] std::uint32_t in_use() const noexcept { return free_.in_use(); }
  [[nodiscard]] std::uint32_t high_water() const noexcept { return free_.high_water(); }
  // Backs the generations of slots [first, first + count) ahead of need.
  void populate(std::uint32_t first, std::uint32_t count) const noexcept { generations_.populate(first, count); }

 private:
  IndexAllocator free_;
  ZeroedArray<std::uint32_t> generations_;
};

}  // namespace roam6::datapath
