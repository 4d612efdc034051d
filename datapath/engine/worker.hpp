#pragma once
// One forwarding core's poll loop. Each iteration:
//   rx_burst(32) on every (port, queue) the core owns -> the role's pipeline
//   -> (core 0 only) drain the inject rings of mip6d's frames -> flush the
//   output batches -> pipeline housekeeping -> report a quiescent state to
//   the binding table.
// A worker owns everything it writes (counters, batches, pipeline state), so
// the loop takes no lock; the control plane only reads its counters.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "datapath/elements/datapath_counters.hpp"
#include "datapath/elements/tx_batch.hpp"
#include "datapath/engine/datapath_settings.hpp"
#include "datapath/pipeline/home_agent_pipeline.hpp"
#include "datapath/pipeline/host_pipeline.hpp"
#include "datapath/pipeline/worker_context.hpp"

struct rte_mempool;

namespace roam6::datapath {

class InjectRing;
class PuntQueue;

// rte_eth_tx_burst on one queue of one port.
class EthTxSink final : public TxSink {
 public:
  EthTxSink(std::uint16_t port_id, std::uint16_t queue) noexcept : port_id_(port_id), queue_(queue) {}
  std::uint16_t transmit(rte_mbuf** pkts, std::uint16_t n) noexcept override;

 private:
  std::uint16_t port_id_;
  std::uint16_t queue_;
};

struct WorkerResources {
  DatapathRole role = DatapathRole::host;
  const HostSettings* host = nullptr;
  const HomeAgentSettings* home_agent = nullptr;
  BindingTable* table = nullptr;
  PuntQueue* punt = nullptr;
  rte_mempool* pool = nullptr;
  PollSettings poll;
  const std::atomic<bool>* stop = nullptr;
};

class Worker {
 public:
  explicit Worker(const WorkerResources& resources);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Before launch: the core polls rx queue `queue` of the port and sends on
  // its tx queue `queue` (which no other core uses).
  void add_port(DatapathPort port, std::uint16_t port_id, std::uint16_t queue);
  // Before launch, after add_port(port): this core drains mip6d's frames for
  // the port.
  void add_inject(DatapathPort port, InjectRing& ring);

  // The loop, on the worker's lcore, until the stop flag is set.
  static int lcore_main(void* worker) noexcept;

  // A copy of the counters, read while the core runs (each word is read
  // whole; the sum may be one burst old).
  [[nodiscard]] DatapathCounters counters() const noexcept;

 private:
  struct PortQueue {
    DatapathPort port;
    std::uint16_t port_id;
    std::uint16_t queue;
  };
  struct Inject {
    PortQueue out;
    InjectRing* ring;
  };

  void run() noexcept;
  void deliver(DatapathPort port, rte_mbuf** pkts, std::uint16_t n) noexcept;
  unsigned drain_inject(const Inject& inject) noexcept;
  void flush_all() noexcept;

  WorkerResources resources_;
  DatapathCounters counters_;
  std::unique_ptr<HostPipeline> host_pipeline_;
  std::unique_ptr<HomeAgentPipeline> home_agent_pipeline_;
  std::vector<PortQueue> ports_;
  std::vector<Inject> injects_;
  std::optional<EthTxSink> sinks_[datapath_port_count];
  std::optional<TxBatch> batches_[datapath_port_count];
  WorkerContext ctx_;
};

}  // namespace roam6::datapath
