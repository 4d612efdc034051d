#include "datapath/engine/worker.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <stdexcept>

#include "datapath/elements/punt_queue.hpp"
#include "datapath/engine/inject_ring.hpp"

namespace roam6::datapath {
namespace {

constexpr std::uint16_t kBurst = 32;

std::size_t index_of(DatapathPort port) { return static_cast<std::size_t>(port); }

}  // namespace

std::uint16_t EthTxSink::transmit(rte_mbuf** pkts, std::uint16_t n) noexcept {
  return rte_eth_tx_burst(port_id_, queue_, pkts, n);
}

Worker::Worker(const WorkerResources& resources) : resources_(resources) {
  if (resources_.role == DatapathRole::host) {
    // Sized now, so the per-guest state and the liveness bitmap exist
    // before the first burst and the loop never allocates.
    host_pipeline_ = std::make_unique<HostPipeline>(*resources_.host, *resources_.table);
  } else {
    home_agent_pipeline_ = std::make_unique<HomeAgentPipeline>(*resources_.home_agent);
  }
  ctx_.table = resources_.table;
  ctx_.counters = &counters_;
  ctx_.punt = resources_.punt;
  ctx_.pool = resources_.pool;
  ctx_.tsc_hz = rte_get_tsc_hz();
}

Worker::~Worker() {
  // Packets a pipeline emitted after the last flush would otherwise leak.
  flush_all();
}

void Worker::add_port(DatapathPort port, std::uint16_t port_id, std::uint16_t queue) {
  const std::size_t i = index_of(port);
  if (batches_[i]) throw std::logic_error("datapath worker: port added twice");
  ports_.push_back(PortQueue{port, port_id, queue});
  sinks_[i].emplace(port_id, queue);
  batches_[i].emplace(*sinks_[i], port, counters_);
  ctx_.out[i] = &*batches_[i];
}

void Worker::add_inject(DatapathPort port, InjectRing& ring) {
  for (const PortQueue& p : ports_) {
    if (p.port == port) {
      injects_.push_back(Inject{p, &ring});
      return;
    }
  }
  throw std::logic_error("datapath worker: inject ring for a port it does not send on");
}

int Worker::lcore_main(void* worker) noexcept {
  static_cast<Worker*>(worker)->run();
  return 0;
}

void Worker::deliver(DatapathPort port, rte_mbuf** pkts, std::uint16_t n) noexcept {
  // The pipelines count rx packets and bytes themselves.
  if (host_pipeline_) {
    if (port == DatapathPort::guests) {
      host_pipeline_->from_guests(ctx_, pkts, n);
    } else {
      host_pipeline_->from_uplink(ctx_, pkts, n);
    }
  } else {
    home_agent_pipeline_->from_uplink(ctx_, pkts, n);
  }
}

unsigned Worker::drain_inject(const Inject& inject) noexcept {
  rte_mbuf* pkts[kBurst];
  const unsigned n = inject.ring->pop(pkts, kBurst);
  if (n == 0) return 0;
  // Keep what the pipeline already queued for this port ahead of mip6d's
  // frames, so a forwarded packet and a reply to it leave in order.
  batches_[index_of(inject.out.port)]->flush();
  std::uint64_t bytes = 0;
  const std::uint16_t sent =
      rte_eth_tx_burst(inject.out.port_id, inject.out.queue, pkts, static_cast<std::uint16_t>(n));
  for (std::uint16_t i = 0; i < sent; ++i) bytes += rte_pktmbuf_pkt_len(pkts[i]);
  if (sent < n) rte_pktmbuf_free_bulk(pkts + sent, n - sent);
  PortCounters& c = counters_.port[index_of(inject.out.port)];
  c.tx_packets += sent;
  c.tx_bytes += bytes;
  counters_.injected += sent;
  counters_.inject_dropped += n - sent;
  return n;
}

void Worker::flush_all() noexcept {
  for (auto& batch : batches_) {
    if (batch && batch->pending() != 0) batch->flush();
  }
}

void Worker::run() noexcept {
  BindingTable& table = *resources_.table;
  ctx_.reader = table.register_reader();
  const std::atomic<bool>& stop = *resources_.stop;
  const bool adaptive = resources_.poll.mode == PollMode::adaptive;
  std::uint32_t idle_polls = 0;
  rte_mbuf* pkts[kBurst];

  while (!stop.load(std::memory_order_relaxed)) {
    ctx_.now_tsc = rte_rdtsc();
    unsigned work = 0;
    for (const PortQueue& p : ports_) {
      const std::uint16_t n = rte_eth_rx_burst(p.port_id, p.queue, pkts, kBurst);
      if (n == 0) continue;
      work += n;
      deliver(p.port, pkts, n);
    }
    for (const Inject& inject : injects_) work += drain_inject(inject);
    flush_all();
    if (host_pipeline_) {
      host_pipeline_->housekeeping(ctx_);
    } else {
      home_agent_pipeline_->housekeeping(ctx_);
    }
    // Housekeeping may have released held packets.
    flush_all();
    table.quiescent(ctx_.reader);

    if (!adaptive) continue;
    if (work != 0) {
      idle_polls = 0;
    } else if (++idle_polls >= resources_.poll.idle_polls) {
      rte_delay_us_sleep(resources_.poll.sleep_us);
    }
  }
  flush_all();
  table.unregister_reader(ctx_.reader);
}

DatapathCounters Worker::counters() const noexcept {
  // The core writes plain 64-bit words; read each one whole, the way the
  // counters header promises.
  static_assert(sizeof(DatapathCounters) % sizeof(std::uint64_t) == 0);
  DatapathCounters copy;
  auto* to = reinterpret_cast<std::uint64_t*>(&copy);
  auto* from = reinterpret_cast<const std::uint64_t*>(&counters_);
  for (std::size_t i = 0; i < sizeof(DatapathCounters) / sizeof(std::uint64_t); ++i)
    to[i] = __atomic_load_n(from + i, __ATOMIC_RELAXED);
  return copy;
}

}  // namespace roam6::datapath
