#include "datapath/elements/liveness_reports.hpp"

#include <cstring>

namespace roam6::datapath {

void LivenessReports::allocate(std::uint32_t slot_capacity) {
  if (slot_capacity == 0 || words_) return;
  const auto words = static_cast<std::uint32_t>((std::uint64_t{slot_capacity} + 63) / 64);
  words_ = std::make_unique<std::uint64_t[]>(words);  // zeroed: nothing reported yet
  word_count_ = words;
  capacity_ = slot_capacity;
}

void LivenessReports::start_interval(std::uint64_t now_tsc) noexcept {
  if (words_) std::memset(words_.get(), 0, std::size_t{word_count_} * sizeof(std::uint64_t));
  started_ = true;
  interval_start_tsc_ = now_tsc;
}

}  // namespace roam6::datapath
