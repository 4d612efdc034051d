#pragma once
// One DPDK ethernet port, opened from the device string an operator writes:
//   "net_af_packet0,iface=veth1"  a virtual device: hot-plugged here with
//                                 rte_dev_probe (so mip6d builds the EAL
//                                 arguments itself, without --vdev)
//   "0000:03:00.0" or "net_ring0" an existing port (PCI address or a port
//                                 created by --vdev): looked up by name
// The port name is the part before the first comma. The port is configured
// with one rx and one tx queue per forwarding core (clamped to what the
// driver offers), promiscuous (the uplink receives frames for the home
// addresses it defends, the guest side every guest MAC) and started without
// waiting for the link: a virtual link may come up later, or never report.
// The destructor stops and closes it, and removes a device it hot-plugged.

#include <rte_ethdev.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "roam6/wire/address.hpp"

struct rte_mempool;

namespace roam6::datapath {

class PortError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PortSettings {
  std::string device;            // see above
  std::uint16_t queues = 1;      // wanted rx/tx queue pairs (one per forwarding core)
  std::uint32_t mtu = 1500;      // IPv6 MTU of the link (0: leave the driver's)
  std::uint16_t rx_descriptors = 1024;
  std::uint16_t tx_descriptors = 1024;
};

class Port {
 public:
  // Throws PortError naming the device and rte_strerror. `pool` feeds the rx
  // queues and must outlive the port.
  Port(const PortSettings& settings, rte_mempool* pool);
  ~Port();
  Port(const Port&) = delete;
  Port& operator=(const Port&) = delete;

  [[nodiscard]] std::uint16_t id() const noexcept { return id_; }
  // Queue pairs actually configured (<= settings.queues).
  [[nodiscard]] std::uint16_t queues() const noexcept { return queues_; }
  [[nodiscard]] const std::string& device() const noexcept { return device_; }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] wire::MacAddr mac() const noexcept { return mac_; }
  // The driver's totals (imissed, oerrors, ...); zeros when it has none.
  [[nodiscard]] rte_eth_stats stats() const noexcept;
  // Whether the driver reports its link up, without waiting. Asking is also
  // what makes some drivers notice a lost peer: a net_virtio_user port in
  // server mode finds its vhost-user client gone (OVS-DPDK restarted) only
  // when its status is read, and then accepts the client's reconnection.
  [[nodiscard]] bool link_up() const noexcept;

 private:
  void configure(const PortSettings& settings, rte_mempool* pool);
  [[noreturn]] void fail(const std::string& what, int error) const;

  std::string device_;
  std::string name_;
  std::uint16_t id_ = 0;
  std::uint16_t queues_ = 0;
  bool hot_plugged_ = false;
  bool started_ = false;
  wire::MacAddr mac_;
};

// The name DPDK gives the port of `device` (the part before the first comma).
[[nodiscard]] std::string port_name_of(const std::string& device);
[[nodiscard]] bool is_virtual_device(const std::string& device);

// A packet-buffer pool: `mbufs` buffers (2^n - 1 is the most memory-efficient
// size) each with room for a frame of `mtu` plus Ethernet, VLAN and an outer
// IPv6 header in front. Throws PortError.
struct MempoolDeleter {
  void operator()(rte_mempool* pool) const noexcept;
};
using MempoolPtr = std::unique_ptr<rte_mempool, MempoolDeleter>;
[[nodiscard]] MempoolPtr create_packet_pool(const std::string& name, unsigned mbufs,
                                            std::uint32_t mtu);

}  // namespace roam6::datapath
