#pragma once
// The requests the hook and the lifecycle watcher make of mip6d
// (docs/control-protocol.md), and their sending: one connection per request
// through mip6ctl's client, each within what is left of a deadline, every
// outcome logged. Neither caller may wait long (libvirt waits for its hooks;
// the watcher's next event is a guest resuming), so nothing here retries.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mip6d/runtime/log.hpp"

namespace roam6::hooks {

struct Mip6dRequest {
  std::string command;
  nlohmann::json args;
  bool operator==(const Mip6dRequest&) const = default;
};

struct SendOutcome {
  unsigned sent = 0;
  unsigned failures = 0;  // unreachable, out of time, garbled or refused
};

// `context`: key=value text put in each log record (who asked, and why).
SendOutcome send_to_mip6d(const std::vector<Mip6dRequest>& requests, const std::string& socket_path,
                          std::chrono::steady_clock::time_point deadline, const std::string& context,
                          const mip6d::Logger& log);

// One question to mip6d (guest.list): its result, or nullopt when mip6d
// cannot be reached in time or refuses (logged at debug: the caller asks
// again on its next round).
std::optional<nlohmann::json> ask_mip6d(const Mip6dRequest& request, const std::string& socket_path,
                                        std::chrono::milliseconds timeout, const mip6d::Logger& log);

}  // namespace roam6::hooks
