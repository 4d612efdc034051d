#include "testbed/wan/delay_line.hpp"

namespace roam6::wan {

bool DelayLine::push(std::uint64_t due_ns, std::size_t out_port, const std::uint8_t* data, std::size_t size) {
  if (heap_.size() >= limit_) return false;
  std::vector<std::uint8_t> bytes;
  if (!spare_.empty()) {
    bytes = std::move(spare_.back());
    spare_.pop_back();
  }
  bytes.assign(data, data + size);
  heap_.push({due_ns, arrivals_++, out_port, std::move(bytes)});
  return true;
}

}  // namespace roam6::wan
