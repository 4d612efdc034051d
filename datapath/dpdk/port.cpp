#include "datapath/dpdk/port.hpp"

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace roam6::datapath {
namespace {

constexpr std::uint32_t kEthernetOverhead = 14 + 4;  // header + one VLAN tag
constexpr std::uint32_t kOuterIpv6 = 40;             // room to encapsulate in place

std::string error_text(int error) {
  return rte_strerror(error < 0 ? -error : error);
}

}  // namespace

std::string port_name_of(const std::string& device) {
  return device.substr(0, device.find(','));
}

bool is_virtual_device(const std::string& device) { return device.rfind("net_", 0) == 0; }

Port::Port(const PortSettings& settings, rte_mempool* pool)
    : device_(settings.device), name_(port_name_of(settings.device)) {
  if (name_.empty()) throw PortError("datapath port: empty device string");
  std::uint16_t id = 0;
  if (rte_eth_dev_get_port_by_name(name_.c_str(), &id) != 0) {
    if (!is_virtual_device(device_)) {
      throw PortError("datapath port '" + device_ +
                      "': no such DPDK port (a PCI device must be bound to a DPDK driver and "
                      "allowed in the EAL arguments; a virtual device starts with \"net_\")");
    }
    if (const int rc = rte_dev_probe(device_.c_str()); rc != 0) {
      throw PortError("datapath port '" + device_ + "': cannot create the virtual device: " +
                      error_text(rc));
    }
    hot_plugged_ = true;
    if (rte_eth_dev_get_port_by_name(name_.c_str(), &id) != 0) {
      rte_eal_hotplug_remove("vdev", name_.c_str());
      throw PortError("datapath port '" + device_ + "': the device was created but has no port '" +
                      name_ + "'");
    }
  }
  id_ = id;
  try {
    configure(settings, pool);
  } catch (...) {
    if (started_) rte_eth_dev_stop(id_);
    rte_eth_dev_close(id_);
    if (hot_plugged_) rte_eal_hotplug_remove("vdev", name_.c_str());
    throw;
  }
}

void Port::fail(const std::string& what, int error) const {
  throw PortError("datapath port '" + device_ + "': " + what + ": " + error_text(error));
}

void Port::configure(const PortSettings& settings, rte_mempool* pool) {
  rte_eth_dev_info info{};
  if (const int rc = rte_eth_dev_info_get(id_, &info); rc != 0) fail("cannot read device info", rc);
  queues_ = std::min({settings.queues, info.max_rx_queues, info.max_tx_queues});
  if (queues_ == 0) fail("the driver offers no rx/tx queue pair", EINVAL);

  rte_eth_conf conf{};
  // Link-state interrupts where the driver has them: a net_virtio_user port
  // in server mode needs them to take its vhost-user client back after the
  // client (OVS-DPDK) restarts; without them the stale connection's fd stays
  // registered with the EAL's interrupt thread.
  if (info.dev_flags != nullptr && (*info.dev_flags & RTE_ETH_DEV_INTR_LSC) != 0) conf.intr_conf.lsc = 1;
  if (const int rc = rte_eth_dev_configure(id_, queues_, queues_, &conf); rc != 0)
    fail("cannot configure " + std::to_string(queues_) + " queue pair(s)", rc);

  if (settings.mtu != 0) {
    const int rc = rte_eth_dev_set_mtu(id_, static_cast<std::uint16_t>(settings.mtu));
    // Virtual devices often have no MTU to set; their frames are as large as
    // the mbufs, which create_packet_pool sizes for the MTU.
    if (rc != 0 && !(rc == -ENOTSUP && is_virtual_device(device_)))
      fail("cannot set MTU " + std::to_string(settings.mtu), rc);
  }

  std::uint16_t rx_descriptors = settings.rx_descriptors;
  std::uint16_t tx_descriptors = settings.tx_descriptors;
  if (const int rc = rte_eth_dev_adjust_nb_rx_tx_desc(id_, &rx_descriptors, &tx_descriptors);
      rc != 0 && rc != -ENOTSUP)
    fail("cannot adjust the descriptor counts", rc);
  const int socket = rte_eth_dev_socket_id(id_);
  const unsigned socket_id = socket < 0 ? static_cast<unsigned>(SOCKET_ID_ANY)
                                        : static_cast<unsigned>(socket);
  for (std::uint16_t q = 0; q < queues_; ++q) {
    if (const int rc = rte_eth_rx_queue_setup(id_, q, rx_descriptors, socket_id, nullptr, pool);
        rc != 0)
      fail("cannot set up rx queue " + std::to_string(q), rc);
    if (const int rc = rte_eth_tx_queue_setup(id_, q, tx_descriptors, socket_id, nullptr); rc != 0)
      fail("cannot set up tx queue " + std::to_string(q), rc);
  }

  if (const int rc = rte_eth_promiscuous_enable(id_); rc != 0 && rc != -ENOTSUP)
    fail("cannot enable promiscuous mode", rc);

  rte_ether_addr address{};
  if (const int rc = rte_eth_macaddr_get(id_, &address); rc != 0)
    fail("cannot read the MAC address", rc);
  if (rte_is_zero_ether_addr(&address)) {
    // Some virtual devices (net_ring, net_null) have no address of their
    // own; an all-zero source would be invalid on the wire. A random locally
    // administered one is ours for the life of the port; the driver may or
    // may not store it, and in promiscuous mode it filters nothing by it.
    rte_eth_random_addr(address.addr_bytes);
    rte_eth_dev_default_mac_addr_set(id_, &address);
  }
  std::memcpy(mac_.bytes.data(), address.addr_bytes, 6);

  if (const int rc = rte_eth_dev_start(id_); rc != 0) fail("cannot start", rc);
  started_ = true;
}

Port::~Port() {
  if (started_) rte_eth_dev_stop(id_);
  rte_eth_dev_close(id_);
  if (hot_plugged_) rte_eal_hotplug_remove("vdev", name_.c_str());
}

rte_eth_stats Port::stats() const noexcept {
  rte_eth_stats stats{};
  if (rte_eth_stats_get(id_, &stats) != 0) stats = rte_eth_stats{};
  return stats;
}

bool Port::link_up() const noexcept {
  rte_eth_link link{};
  return rte_eth_link_get_nowait(id_, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
}

void MempoolDeleter::operator()(rte_mempool* pool) const noexcept { rte_mempool_free(pool); }

MempoolPtr create_packet_pool(const std::string& name, unsigned mbufs, std::uint32_t mtu) {
  const std::uint32_t frame = std::max<std::uint32_t>(mtu + kEthernetOverhead + kOuterIpv6,
                                                      RTE_MBUF_DEFAULT_DATAROOM);
  const std::uint32_t data_room = frame + RTE_PKTMBUF_HEADROOM;
  if (data_room > UINT16_MAX)
    throw PortError("packet pool '" + name + "': MTU " + std::to_string(mtu) + " is too large");
  // A per-core cache saves the pool's ring on every alloc/free; DPDK wants it
  // at most 1/1.5 of the pool.
  const unsigned cache = std::min(256u, mbufs * 2 / 3);
  rte_mempool* pool =
      rte_pktmbuf_pool_create(name.c_str(), mbufs, cache, 0, static_cast<std::uint16_t>(data_room),
                              static_cast<int>(rte_socket_id()));
  if (pool == nullptr)
    throw PortError("packet pool '" + name + "' (" + std::to_string(mbufs) +
                    " buffers): " + rte_strerror(rte_errno));
  return MempoolPtr(pool);
}

}  // namespace roam6::datapath
