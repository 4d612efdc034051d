#pragma once
// roam6-vswitchd assembled: one event loop that owns the OVSDB monitor, the
// flow keeper with its ovs-ofctl runner, the link monitor, the domain
// directory watch, the mip6d client and the agent that ties them together.
// run() returns on SIGTERM or SIGINT, leaving the flows in the bridge.

#include <memory>

#include "mip6d/runtime/log.hpp"
#include "vswitch-plugin/daemon/command_line.hpp"

namespace roam6::vswitch {

class VswitchDaemon {
 public:
  // Throws std::runtime_error (with the reason) when it cannot start.
  VswitchDaemon(VswitchOptions options, mip6d::Logger::Sink sink);
  ~VswitchDaemon();
  VswitchDaemon(const VswitchDaemon&) = delete;
  VswitchDaemon& operator=(const VswitchDaemon&) = delete;

  void run();

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace roam6::vswitch
