#pragma once
// Everything one forwarding core hands a pipeline for one burst. A core owns
// its context outright (counters, hold queues, output batches): nothing here
// is shared with another core, so the fast path takes no lock.

#include <cstdint>

#include "datapath/elements/datapath_counters.hpp"
#include "datapath/elements/tx_batch.hpp"
#include "datapath/table/binding_table.hpp"

struct rte_mempool;

namespace roam6::datapath {

class PuntQueue;
class HoldQueues;

struct WorkerContext {
  unsigned reader = 0;               // BindingTable::register_reader() of this core
  BindingTable* table = nullptr;
  DatapathCounters* counters = nullptr;
  PuntQueue* punt = nullptr;
  HoldQueues* holds = nullptr;       // host role only
  rte_mempool* pool = nullptr;       // for copies and ICMPv6 errors
  std::uint64_t now_tsc = 0;         // rte_rdtsc() at the start of the burst
  std::uint64_t tsc_hz = 1;          // rte_get_tsc_hz()
  TxBatch* out[datapath_port_count] = {nullptr, nullptr};

  void emit(DatapathPort port, struct rte_mbuf* m) noexcept {
    out[static_cast<unsigned>(port)]->push(m);
  }
};

}  // namespace roam6::datapath
