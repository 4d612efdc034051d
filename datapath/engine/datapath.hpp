#pragma once
// A node's whole packet path, owned by one object:
//   packet pool, ports (uplink; guests for the host role), binding table,
//   punt queue (cores -> mip6d), one inject ring per port (mip6d -> core 0),
//   and one Worker per forwarding lcore, each with its own pipeline.
//
//   ensure_eal({... "-l", "0-1" ...});   // at least one worker lcore
//   Datapath datapath(settings);         // throws DatapathError
//   datapath.table().set_guest(...);     // control plane: the writer
//   datapath.inject(DatapathPort::uplink, frame);
//   auto stats = datapath.stats();
//   // destructor: stops the cores, then closes the ports
//
// The constructor and every method run on the control-plane thread (the
// EAL's main lcore); only the workers run on the other lcores.

#include <rte_ethdev.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "datapath/dpdk/port.hpp"
#include "datapath/elements/datapath_counters.hpp"
#include "datapath/elements/punt_queue.hpp"
#include "datapath/engine/datapath_settings.hpp"
#include "datapath/engine/inject_ring.hpp"
#include "datapath/table/binding_table.hpp"

struct rte_mbuf;
struct rte_mempool;

namespace roam6::datapath {

class Worker;

class DatapathError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the driver counts for one port, beside the datapath's own counters.
struct DeviceStats {
  std::string device;
  std::uint16_t queues = 0;
  std::uint64_t imissed = 0;    // dropped by the device: no rx descriptor free
  std::uint64_t ierrors = 0;
  std::uint64_t oerrors = 0;
  std::uint64_t rx_nombuf = 0;  // no mbuf to receive into
};

struct DatapathStats {
  DatapathCounters counters;  // summed over the workers
  std::array<std::optional<DeviceStats>, datapath_port_count> devices;  // by DatapathPort
  unsigned workers = 0;
};

class Datapath {
 public:
  explicit Datapath(DatapathSettings settings);
  ~Datapath();
  Datapath(const Datapath&) = delete;
  Datapath& operator=(const Datapath&) = delete;

  [[nodiscard]] BindingTable& table() noexcept { return *table_; }
  [[nodiscard]] PuntQueue& punt_queue() noexcept { return *punt_; }
  [[nodiscard]] rte_mempool* pool() const noexcept { return pool_.get(); }
  [[nodiscard]] const DatapathSettings& settings() const noexcept { return settings_; }

  [[nodiscard]] bool has_port(DatapathPort port) const noexcept;
  // The port's MAC; all zeros for a port this role does not have.
  [[nodiscard]] wire::MacAddr mac(DatapathPort port) const noexcept;
  // Queues a complete frame for the port; false when the port is absent or
  // its inject ring is full (the caller still owns `frame` then).
  bool inject(DatapathPort port, rte_mbuf* frame) noexcept;

  [[nodiscard]] unsigned worker_count() const noexcept {
    return static_cast<unsigned>(workers_.size());
  }
  [[nodiscard]] DatapathStats stats() const;
  // The port's link as its driver reports it (Port::link_up); false for a
  // port this role does not have. Called by the control plane once a second.
  [[nodiscard]] bool link_up(DatapathPort port) const noexcept;

 private:
  void open_ports();
  void start_workers();
  void stop_workers() noexcept;

  DatapathSettings settings_;
  // Members are destroyed in reverse order: workers (already stopped) free
  // what they hold, then the ports close, then the rings and table go, and
  // the pool that every mbuf came from goes last.
  MempoolPtr pool_;
  std::unique_ptr<BindingTable> table_;
  std::unique_ptr<PuntQueue> punt_;
  std::array<std::unique_ptr<InjectRing>, datapath_port_count> inject_;
  std::array<std::unique_ptr<Port>, datapath_port_count> ports_;
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<unsigned> lcores_;  // lcores_[i] runs workers_[i]
  bool launched_ = false;
};

}  // namespace roam6::datapath
