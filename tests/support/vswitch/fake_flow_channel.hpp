#pragma once
// A FlowChannel that holds requests until the test answers them, and a
// flow table that answers them as a switch would (for keeper tests without
// Open vSwitch). The real one is OfctlRunner, tested against a private OVS.

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "vswitch-plugin/openflow/flow_channel.hpp"

namespace roam6::vswitch::test {

class FakeFlowChannel final : public FlowChannel {
 public:
  struct PendingInstall {
    std::uint64_t cookie;
    std::vector<std::string> flows;
    InstallDone done;
  };
  struct PendingUpdate {
    std::uint64_t cookie;
    std::vector<std::string> remove;
    std::vector<std::string> add;
    InstallDone done;
  };
  struct PendingDump {
    std::uint64_t cookie;
    DumpDone done;
  };

  void install(std::uint64_t cookie, std::vector<std::string> flows, InstallDone done) override;
  void update(std::uint64_t cookie, std::vector<std::string> remove, std::vector<std::string> add,
              InstallDone done) override;
  void dump(std::uint64_t cookie, DumpDone done) override;

  // The switch's table of our flows (specs as installed).
  std::vector<std::string> table;
  // n_packets reported for a flow spec of `table` (default 0).
  std::vector<std::pair<std::string, std::uint64_t>> packets;
  std::deque<PendingInstall> installs;
  std::deque<PendingUpdate> updates;
  std::deque<PendingDump> dumps;
  std::uint64_t installs_requested = 0;
  std::uint64_t updates_requested = 0;
  std::uint64_t dumps_requested = 0;

  // Answer the oldest install: ok replaces `table` with its flows.
  void answer_install(ChannelStatus status = ChannelStatus::ok, const std::string& error = "");
  // Answer the oldest update: ok deletes its `remove` from `table` (by
  // match and priority, as a strict delete does), then appends its `add`;
  // the flows left alone keep their packets.
  void answer_update(ChannelStatus status = ChannelStatus::ok, const std::string& error = "");
  // Answer the oldest dump from `table` (or fail it).
  void answer_dump(ChannelStatus status = ChannelStatus::ok, const std::string& error = "");
  // Answer everything pending, oldest first, successfully.
  void answer_all();
  // The records `table` dumps as.
  [[nodiscard]] std::vector<FlowRecord> records() const;
};

}  // namespace roam6::vswitch::test
