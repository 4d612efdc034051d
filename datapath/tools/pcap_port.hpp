#pragma once
// One net_pcap virtual device as an ethdev port: one rx and one tx queue,
// started on construction, stopped and closed on destruction (closing is
// what makes net_pcap flush and close its output file).

#include <cstdint>
#include <stdexcept>
#include <string>

#include "datapath/elements/tx_batch.hpp"

struct rte_mempool;

namespace roam6::datapath::replay {

class PortError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class PcapPort {
 public:
  // `vdev_name` was given to the EAL as --vdev=<vdev_name>,...
  PcapPort(const std::string& vdev_name, rte_mempool* pool);
  ~PcapPort();
  PcapPort(const PcapPort&) = delete;
  PcapPort& operator=(const PcapPort&) = delete;

  [[nodiscard]] std::uint16_t id() const noexcept { return port_id_; }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  std::uint16_t receive(rte_mbuf** pkts, std::uint16_t n) noexcept;
  std::uint16_t transmit(rte_mbuf** pkts, std::uint16_t n) noexcept;

 private:
  std::string name_;
  std::uint16_t port_id_ = 0;
};

// A pipeline output port that writes to a PcapPort, as production writes to
// its ethdev: rte_eth_tx_burst.
class PcapTxSink final : public TxSink {
 public:
  explicit PcapTxSink(PcapPort& port) noexcept : port_(&port) {}
  std::uint16_t transmit(rte_mbuf** pkts, std::uint16_t n) noexcept override {
    return port_->transmit(pkts, n);
  }

 private:
  PcapPort* port_;
};

}  // namespace roam6::datapath::replay
