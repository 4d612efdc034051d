#pragma once
// FlowChannel over `ovs-ofctl -O OpenFlow13`, run as a child process on the
// io_context (Boost.Process, asynchronous; the loop never blocks on it).
//
// install: ONE `ovs-ofctl --bundle add-flows <target> -` whose stdin is
//   `delete cookie=C/-1` then one `add <flow>` per flow: an OpenFlow 1.3
//   bundle, so the switch applies all of it or none, and flows with other
//   cookies stay as they are.
// update:  the same bundle with one `delete_strict <match>` per flow to
//   remove and one `add <flow>` per flow to add: a port coming or going on
//   a bridge of a thousand costs its own flows, not the whole table.
// dump:    `ovs-ofctl dump-flows <target> cookie=C/-1`, parsed (flow_dump.hpp).
//
// One child at a time. A child still running after `timeout` (plus
// `timeout_per_flow` for each flow it carries) is killed (SIGKILL) and its
// request fails with "timed out". Destroying the runner
// kills a running child and drops queued requests without calling them.

#include <utility>  // Boost.Process 1.74 needs it before asio in C++20

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "mip6d/runtime/log.hpp"
#include "vswitch-plugin/openflow/flow_channel.hpp"

namespace roam6::vswitch {

struct OfctlOptions {
  // What ovs-ofctl talks to: "unix:<rundir>/<bridge>.mgmt", or a bridge
  // name (then ovs-ofctl finds <bridge>.mgmt in its own OVS_RUNDIR).
  std::string target;
  // The ovs-ofctl binary; empty = "ovs-ofctl" searched in PATH.
  std::string ofctl_path;
  std::chrono::milliseconds timeout{10'000};
  // More per flow an install or update carries (a whole plan of 1 000
  // ports, ~9 000 flows, gets 19 s).
  std::chrono::milliseconds timeout_per_flow{1};
};

struct OfctlRunnerStats {
  std::uint64_t runs = 0;      // children started
  std::uint64_t failures = 0;  // non-zero exit, spawn failure or timeout
  std::uint64_t timeouts = 0;  // killed after OfctlOptions::timeout
  std::uint64_t superseded = 0;
};

class OfctlRunner final : public FlowChannel {
 public:
  OfctlRunner(boost::asio::io_context& io, const mip6d::Logger& log, OfctlOptions options);
  ~OfctlRunner() override;
  OfctlRunner(const OfctlRunner&) = delete;
  OfctlRunner& operator=(const OfctlRunner&) = delete;

  void install(std::uint64_t cookie, std::vector<std::string> flows, InstallDone done) override;
  void update(std::uint64_t cookie, std::vector<std::string> remove, std::vector<std::string> add,
              InstallDone done) override;
  void dump(std::uint64_t cookie, DumpDone done) override;

  [[nodiscard]] bool busy() const noexcept { return running_ != nullptr; }
  [[nodiscard]] std::size_t queued() const noexcept { return queue_.size(); }
  [[nodiscard]] const OfctlRunnerStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const OfctlOptions& options() const noexcept { return options_; }

  // The exact stdin of an install (for logs and tests).
  static std::string bundle_input(std::uint64_t cookie, const std::vector<std::string>& flows);
  // The exact stdin of an update.
  static std::string update_input(std::uint64_t cookie, const std::vector<std::string>& remove,
                                  const std::vector<std::string>& add);

 private:
  struct Request {
    enum class Kind { install, update, dump } kind;
    std::uint64_t cookie = 0;
    std::vector<std::string> flows;   // install: all; update: to add
    std::vector<std::string> remove;  // update: to delete
    InstallDone install_done;
    std::vector<DumpDone> dump_done;  // queued dumps of one cookie share one run
  };
  struct Child;  // one running ovs-ofctl
  friend struct Child;

  void start_next();
  [[nodiscard]] std::chrono::milliseconds timeout_for(const Request& request) const;
  void finish(Child& child);
  void complete(Request& request, ChannelStatus status, const std::string& error, const std::vector<FlowRecord>& flows);

  boost::asio::io_context& io_;
  const mip6d::Logger& log_;
  OfctlOptions options_;
  std::deque<Request> queue_;
  std::shared_ptr<Child> running_;
  OfctlRunnerStats stats_;
};

}  // namespace roam6::vswitch
