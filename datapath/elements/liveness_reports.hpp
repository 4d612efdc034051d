#pragma once
// Which guests this core has reported to mip6d in the current liveness
// interval (host role): one bit per record slot. A known guest's first
// frame in each interval is copied to mip6d (it keeps "last heard from",
// docs/signalling.md); later ones in the same interval are not.
//
// Why a bitmap and not a "last reported" time per guest: the time sat in a
// per-slot line of its own that every packet from a guest had to load, at a
// million guests a random DRAM line. The bitmap is slot_capacity / 8 bytes
// (128 KiB for a million slots), which stays in the core's L2; the whole of
// it is cleared when an interval ends, once per burst checked.
//
// So a guest is reported at most once per interval and, while it sends, at
// least once per interval; two reports can come closer than an interval
// when they fall either side of its end. A slot handed to another guest
// within an interval keeps its bit until the interval ends: the new guest's
// first report may wait that long (a new guest is not marked resumed, and
// its resume signal is sent regardless, host_pipeline.cpp).
//
// One core owns an instance (no locks); nothing on the per-packet path
// allocates.

#include <cstdint>
#include <memory>

namespace roam6::datapath {

class LivenessReports {
 public:
  LivenessReports() = default;

  // Room for slots [0, slot_capacity). Throws std::bad_alloc. Until then
  // (and for a slot beyond it) no report is ever due.
  void allocate(std::uint32_t slot_capacity);
  [[nodiscard]] bool allocated() const noexcept { return words_ != nullptr; }

  // Starts a new interval when `interval_tsc` has passed since this one
  // began (the first call begins the first). Once per burst.
  void advance(std::uint64_t now_tsc, std::uint64_t interval_tsc) noexcept {
    if (started_ && now_tsc - interval_start_tsc_ < interval_tsc) [[likely]]
      return;
    start_interval(now_tsc);
  }

  // True, once per interval, for the first frame of the guest in `slot`.
  [[nodiscard]] bool due(std::uint32_t slot) noexcept {
    if (slot >= capacity_) [[unlikely]]
      return false;
    std::uint64_t& word = words_[slot / 64];
    const std::uint64_t bit = std::uint64_t{1} << (slot % 64);
    if (word & bit) return false;
    word |= bit;
    return true;
  }

  // Whether the bitmap may not stay in L1 (over 16 KiB, 131 072 slots):
  // only then is prefetch() worth its instructions.
  [[nodiscard]] bool outgrows_l1() const noexcept { return word_count_ > 2048; }

  // Asks for the word of `slot` (at a million guests it may have left L1).
  // A read prefetch: GCC drops write prefetches for the baseline x86-64
  // target (prefetchw needs -mprfchw).
  void prefetch(std::uint32_t slot) const noexcept {
    if (slot < capacity_) __builtin_prefetch(&words_[slot / 64], 0, 3);
  }

 private:
  void start_interval(std::uint64_t now_tsc) noexcept;

  std::unique_ptr<std::uint64_t[]> words_;
  std::uint32_t capacity_ = 0;
  std::uint32_t word_count_ = 0;
  bool started_ = false;
  std::uint64_t interval_start_tsc_ = 0;
};

}  // namespace roam6::datapath
