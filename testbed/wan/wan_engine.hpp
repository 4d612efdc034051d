#pragma once
// roam6-wan's loop: read frames from every port (AF_PACKET), decide where
// they go (learning_switch), drop what the links lose, hold the rest for
// their delay (delay_line) and send each when due. One thread; it sleeps
// in ppoll until a frame arrives or the next one is due, so a frame leaves
// within the scheduler's wake-up latency of its time (tens of µs).

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "testbed/wan/delay_line.hpp"
#include "testbed/wan/learning_switch.hpp"
#include "testbed/wan/wan_settings.hpp"

namespace roam6::wan {

struct PortCounters {
  std::uint64_t received = 0;
  std::uint64_t sent = 0;
  std::uint64_t lost_in = 0;   // lost on this port's link, on the way in
  std::uint64_t lost_out = 0;  // lost on this port's link, on the way out
  std::uint64_t queue_full = 0;
  std::uint64_t send_errors = 0;
  std::uint64_t down_drops = 0;  // taken or meant for it while it was down
};

class WanEngine {
 public:
  // Opens every port and the control socket. Throws std::system_error.
  explicit WanEngine(const WanSettings& settings);
  ~WanEngine();
  WanEngine(const WanEngine&) = delete;
  WanEngine& operator=(const WanEngine&) = delete;

  void run(const std::atomic<bool>& stop);
  [[nodiscard]] nlohmann::json counters() const;

 private:
  void receive(std::size_t port);
  void serve_control();
  std::string command(const std::string& text);
  bool lost(double probability);

  std::vector<PortSettings> ports_;
  std::vector<int> fds_;
  std::vector<int> ifindex_;
  std::vector<PortCounters> counters_;
  int control_fd_ = -1;
  std::string control_path_;
  LearningSwitch switch_;
  DelayLine line_;
  std::mt19937_64 random_;
  std::vector<std::uint8_t> buffer_;
};

}  // namespace roam6::wan
