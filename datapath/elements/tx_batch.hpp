#pragma once
// Packets on their way out of one port, gathered so the port sees bursts.
// When the batch is full (or flush() is called) it hands the packets to its
// sink: rte_eth_tx_burst on a real port, a vector in tests. Packets the sink
// does not take are freed and counted as drop_tx_full against the port.

#include <cstdint>

#include "datapath/elements/datapath_counters.hpp"

struct rte_mbuf;

namespace roam6::datapath {

class TxSink {
 public:
  virtual ~TxSink() = default;
  // Returns how many of the n packets it took (from the front); the rest
  // stay the caller's.
  virtual std::uint16_t transmit(rte_mbuf** pkts, std::uint16_t n) noexcept = 0;
};

class TxBatch {
 public:
  static constexpr std::uint16_t capacity = 64;

  TxBatch(TxSink& sink, DatapathPort port, DatapathCounters& counters) noexcept
      : sink_(&sink), port_(port), counters_(&counters) {}

  void push(rte_mbuf* m) noexcept {
    pkts_[count_++] = m;
    if (count_ == capacity) flush();
  }
  // Sends what is gathered; counts tx packets/bytes and drop_tx_full.
  void flush() noexcept;
  [[nodiscard]] std::uint16_t pending() const noexcept { return count_; }

 private:
  TxSink* sink_;
  DatapathPort port_;
  DatapathCounters* counters_;
  rte_mbuf* pkts_[capacity];
  std::uint16_t count_ = 0;
};

}  // namespace roam6::datapath
