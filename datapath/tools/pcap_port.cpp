#include "datapath/tools/pcap_port.hpp"

#include <rte_errno.h>
#include <rte_ethdev.h>

namespace roam6::datapath::replay {
namespace {

constexpr std::uint16_t ring_size = 1024;

[[noreturn]] void fail(const std::string& port, const char* what, int code) {
  throw PortError(port + ": " + what + ": " + rte_strerror(code < 0 ? -code : code));
}

}  // namespace

PcapPort::PcapPort(const std::string& vdev_name, rte_mempool* pool) : name_(vdev_name) {
  if (const int rc = rte_eth_dev_get_port_by_name(vdev_name.c_str(), &port_id_); rc != 0)
    fail(name_, "no such port (was the --vdev given?)", rc);
  rte_eth_conf conf{};
  if (const int rc = rte_eth_dev_configure(port_id_, 1, 1, &conf); rc != 0)
    fail(name_, "rte_eth_dev_configure", rc);
  const auto socket = rte_eth_dev_socket_id(port_id_);
  const auto socket_id = static_cast<unsigned>(socket < 0 ? 0 : socket);
  if (const int rc = rte_eth_rx_queue_setup(port_id_, 0, ring_size, socket_id, nullptr, pool);
      rc != 0)
    fail(name_, "rte_eth_rx_queue_setup", rc);
  if (const int rc = rte_eth_tx_queue_setup(port_id_, 0, ring_size, socket_id, nullptr); rc != 0)
    fail(name_, "rte_eth_tx_queue_setup", rc);
  if (const int rc = rte_eth_dev_start(port_id_); rc != 0) fail(name_, "rte_eth_dev_start", rc);
}

PcapPort::~PcapPort() {
  rte_eth_dev_stop(port_id_);
  rte_eth_dev_close(port_id_);
}

std::uint16_t PcapPort::receive(rte_mbuf** pkts, std::uint16_t n) noexcept {
  return rte_eth_rx_burst(port_id_, 0, pkts, n);
}

std::uint16_t PcapPort::transmit(rte_mbuf** pkts, std::uint16_t n) noexcept {
  return rte_eth_tx_burst(port_id_, 0, pkts, n);
}

}  // namespace roam6::datapath::replay
