#include "testbed/wan/learning_switch.hpp"

namespace roam6::wan {

std::uint64_t LearningSwitch::mac_at(std::span<const std::uint8_t> frame, std::size_t offset) {
  std::uint64_t mac = 0;
  for (std::size_t i = 0; i < 6; ++i) mac = (mac << 8) | frame[offset + i];
  return mac;
}

const std::vector<std::size_t>& LearningSwitch::forward(std::size_t in_port, std::span<const std::uint8_t> frame) {
  out_.clear();
  if (frame.size() < 14 || in_port >= ports_ || !up_[in_port]) return out_;
  const bool source_is_group = (frame[6] & 0x01) != 0;
  if (!source_is_group) port_of_[mac_at(frame, 6)] = in_port;
  const bool group = (frame[0] & 0x01) != 0;
  if (!group) {
    const auto it = port_of_.find(mac_at(frame, 0));
    if (it != port_of_.end()) {
      if (it->second != in_port) out_.push_back(it->second);
      return out_;
    }
  }
  for (std::size_t p = 0; p < ports_; ++p)
    if (p != in_port && up_[p]) out_.push_back(p);
  return out_;
}

void LearningSwitch::set_up(std::size_t port, bool up) {
  if (port >= ports_ || up_[port] == up) return;
  up_[port] = up;
  if (up) return;
  for (auto it = port_of_.begin(); it != port_of_.end();) {
    if (it->second == port) it = port_of_.erase(it);
    else ++it;
  }
}

}  // namespace roam6::wan
