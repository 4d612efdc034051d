#pragma once
// One forwarding core's world for pipeline tests: a real BindingTable, a real
// PuntQueue, counters, a collecting sink per port and a WorkerContext whose
// clock the test sets.

#include <numeric>

#include "datapath/elements/punt_queue.hpp"
#include "datapath/table/binding_table.hpp"
#include "datapath/pipeline/worker_context.hpp"
#include "frame_builder.hpp"

namespace roam6::datapath::test {

constexpr std::uint64_t test_tsc_hz = 1'000'000;  // 1 cycle = 1 µs

class PipelineHarness {
 public:
  // `traffic_log_entries`: 0 counts per-binding traffic in place, as
  // mip6d's hosts do; the default logs it, as its Home Agents do.
  // `reader_state`: the table keeps per-core state beside the counters
  // (BindingTableLimits::reader_state), as mip6d's hosts' tables do.
  explicit PipelineHarness(const wire::Ip6Addr& home_agent = {},
                           std::uint32_t traffic_log_entries = BindingTableLimits{}.traffic_log_entries,
                           bool reader_state = false)
      : pool(test_pool(2047)),
        table(limits(traffic_log_entries, reader_state), home_agent),
        punt(unique_name("punt"), 64),
        uplink_batch(uplink_sink, DatapathPort::uplink, counters),
        guests_batch(guests_sink, DatapathPort::guests, counters) {
    ctx.reader = table.register_reader();
    ctx.table = &table;
    ctx.counters = &counters;
    ctx.punt = &punt;
    ctx.pool = pool;
    ctx.now_tsc = 1'000'000'000;
    ctx.tsc_hz = test_tsc_hz;
    ctx.out[0] = &uplink_batch;
    ctx.out[1] = &guests_batch;
  }
  ~PipelineHarness() {
    uplink_sink.clear();
    guests_sink.clear();
    rte_mbuf* m[64];
    unsigned n;
    while ((n = punt.pop(m, 64)) != 0) rte_pktmbuf_free_bulk(m, n);
  }

  // The end of a burst, as a worker ends it: the batches go out, then the
  // core is quiescent (which publishes its traffic log to the counters).
  void flush() {
    uplink_batch.flush();
    guests_batch.flush();
    table.quiescent(ctx.reader);
  }
  std::vector<rte_mbuf*> punted() {
    std::vector<rte_mbuf*> out;
    rte_mbuf* m[64];
    unsigned n;
    while ((n = punt.pop(m, 64)) != 0) out.insert(out.end(), m, m + n);
    owned_punts.insert(owned_punts.end(), out.begin(), out.end());
    return out;
  }
  std::uint64_t count(DatapathPort port, Disposition d) const {
    return counters.port[static_cast<std::size_t>(port)].disposition[static_cast<std::size_t>(d)];
  }
  std::uint64_t total(DatapathPort port) const {
    const auto& c = counters.port[static_cast<std::size_t>(port)].disposition;
    return std::accumulate(c.begin(), c.end(), std::uint64_t{0});
  }
  // Only this disposition (on either port) is non-zero, with this value.
  ::testing::AssertionResult only(Disposition d, std::uint64_t n, DatapathPort port) const {
    for (std::size_t p = 0; p < datapath_port_count; ++p)
      for (std::size_t i = 0; i < disposition_count; ++i) {
        const std::uint64_t want = (p == static_cast<std::size_t>(port) && i == static_cast<std::size_t>(d)) ? n : 0;
        const std::uint64_t got = counters.port[p].disposition[i];
        if (got != want)
          return ::testing::AssertionFailure()
                 << "port " << p << " " << to_string(static_cast<Disposition>(i)) << " = " << got
                 << ", want " << want;
      }
    return ::testing::AssertionSuccess();
  }

  static BindingTableLimits limits(std::uint32_t traffic_log_entries, bool reader_state) {
    BindingTableLimits l;
    l.traffic_log_entries = traffic_log_entries;
    l.reader_state = reader_state;
    l.max_tunnels = 64;
    l.max_guests = 64;
    l.max_other_home_addresses = 64;
    l.max_readers = 2;
    l.name = unique_name("t");
    return l;
  }

  struct PoolOwner {
    rte_mempool* pool;
    ~PoolOwner() { rte_mempool_free(pool); }
  };

  rte_mempool* pool;
  PoolOwner pool_owner{pool};
  BindingTable table;
  PuntQueue punt;
  DatapathCounters counters;
  CollectingSink uplink_sink;
  CollectingSink guests_sink;
  TxBatch uplink_batch;
  TxBatch guests_batch;
  WorkerContext ctx;
  std::vector<rte_mbuf*> owned_punts;

  struct PuntsFreer {
    std::vector<rte_mbuf*>* v;
    ~PuntsFreer() {
      for (rte_mbuf* m : *v) rte_pktmbuf_free(m);
    }
  } punts_freer{&owned_punts};
};

}  // namespace roam6::datapath::test
