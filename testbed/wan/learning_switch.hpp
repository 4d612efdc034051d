#pragma once
// Where a frame goes in the WAN: an Ethernet learning switch among the
// sites' routers. A unicast frame to a MAC seen before goes to that MAC's
// port; anything else (multicast, broadcast, a MAC not yet seen) to every
// other port. A MAC moves to the port it was last heard on.

#include <cstddef>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace roam6::wan {

class LearningSwitch {
 public:
  explicit LearningSwitch(std::size_t ports) : ports_(ports) {}

  // Out ports for a frame that arrived on `in_port`; learns its source.
  // A frame shorter than an Ethernet header goes nowhere.
  const std::vector<std::size_t>& forward(std::size_t in_port, std::span<const std::uint8_t> frame);
  // The port went down: what was learnt on it is forgotten (frames to those
  // MACs flood until they are heard again), and nothing goes to it.
  void set_up(std::size_t port, bool up);

 private:
  static std::uint64_t mac_at(std::span<const std::uint8_t> frame, std::size_t offset);
  std::size_t ports_;
  std::unordered_map<std::uint64_t, std::size_t> port_of_;
  std::vector<bool> up_ = std::vector<bool>(ports_, true);
  std::vector<std::size_t> out_;
};

}  // namespace roam6::wan
