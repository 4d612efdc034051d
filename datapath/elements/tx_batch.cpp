#include "datapath/elements/tx_batch.hpp"

#include <rte_mbuf.h>

namespace roam6::datapath {

void TxBatch::flush() noexcept {
  if (count_ == 0) return;
  // Bytes are summed before the sink owns the packets: a port may free them
  // as soon as it took them.
  std::uint64_t bytes = 0;
  for (std::uint16_t i = 0; i < count_; ++i) bytes += rte_pktmbuf_pkt_len(pkts_[i]);
  const std::uint16_t sent = sink_->transmit(pkts_, count_);
  auto& port = counters_->port[static_cast<std::size_t>(port_)];
  std::uint64_t unsent_bytes = 0;
  for (std::uint16_t i = sent; i < count_; ++i) {
    unsent_bytes += rte_pktmbuf_pkt_len(pkts_[i]);
    rte_pktmbuf_free(pkts_[i]);
    counters_->count(port_, Disposition::drop_tx_full);
  }
  port.tx_packets += sent;
  port.tx_bytes += bytes - unsent_bytes;
  count_ = 0;
}

}  // namespace roam6::datapath
