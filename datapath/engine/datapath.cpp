#include "datapath/engine/datapath.hpp"

#include <rte_launch.h>
#include <rte_lcore.h>

#include <algorithm>
#include <utility>

#include "datapath/engine/worker.hpp"

namespace roam6::datapath {
namespace {

std::size_t index_of(DatapathPort port) { return static_cast<std::size_t>(port); }
constexpr std::size_t kMaxName = 12;  // DPDK names are short (ring: 29 chars, hash: 31)

}  // namespace

Datapath::Datapath(DatapathSettings settings) : settings_(std::move(settings)) {
  const std::string& name = settings_.name;
  if (name.empty() || name.size() > kMaxName)
    throw DatapathError("datapath name '" + name + "' must have 1 to 12 characters");
  if (settings_.uplink_device.empty()) throw DatapathError("datapath: no uplink device given");
  if (settings_.role == DatapathRole::host && settings_.guests_device.empty())
    throw DatapathError("datapath: the host role needs a guests device");
  if (settings_.role == DatapathRole::home_agent && !settings_.guests_device.empty())
    throw DatapathError("datapath: a Home Agent has no guests device");
  if (settings_.workers == 0) throw DatapathError("datapath: workers must be at least 1");

  // Worker lcores first: without one there is no datapath, and saying so
  // before any port is created leaves nothing to undo.
  for (unsigned lcore = rte_get_next_lcore(static_cast<unsigned>(-1), 1, 0); lcore < RTE_MAX_LCORE;
       lcore = rte_get_next_lcore(lcore, 1, 0)) {
    lcores_.push_back(lcore);
  }
  if (lcores_.empty()) {
    throw DatapathError(
        "datapath: the EAL has no worker lcore (only the main lcore " +
        std::to_string(rte_get_main_lcore()) +
        " for the control plane); give the EAL at least two, e.g. \"-l\", \"0-1\"");
  }

  try {
    pool_ = create_packet_pool(name + "_pool", settings_.mbufs, settings_.mtu);
    auto limits = settings_.table;
    limits.name = name;
    limits.max_readers = std::max<std::uint32_t>(
        limits.max_readers, static_cast<std::uint32_t>(std::min<std::size_t>(
                                settings_.workers, lcores_.size())));
    const wire::Ip6Addr outer_source = settings_.role == DatapathRole::home_agent
                                           ? settings_.home_agent.address
                                           : wire::Ip6Addr{};
    table_ = std::make_unique<BindingTable>(limits, outer_source);
    punt_ = std::make_unique<PuntQueue>(name + "_punt", settings_.punt_ring);
    open_ports();
    start_workers();
  } catch (const DatapathError&) {
    stop_workers();
    throw;
  } catch (const std::exception& e) {
    stop_workers();
    throw DatapathError(e.what());
  }
}

Datapath::~Datapath() { stop_workers(); }

void Datapath::open_ports() {
  const auto open = [&](DatapathPort port, const std::string& device) {
    PortSettings ps;
    ps.device = device;
    ps.queues = static_cast<std::uint16_t>(std::min<std::size_t>(
        {settings_.workers, lcores_.size(), std::size_t{RTE_MAX_QUEUES_PER_PORT}}));
    ps.mtu = settings_.mtu;
    ports_[index_of(port)] = std::make_unique<Port>(ps, pool_.get());
    inject_[index_of(port)] = std::make_unique<InjectRing>(
        settings_.name + "_inj" + std::to_string(index_of(port)), settings_.inject_ring);
  };
  open(DatapathPort::uplink, settings_.uplink_device);
  if (settings_.role == DatapathRole::host) {
    const Port& uplink = *ports_[index_of(DatapathPort::uplink)];
    if (port_name_of(settings_.guests_device) == uplink.name())
      throw DatapathError("datapath: uplink and guests are the same port '" + uplink.name() + "'");
    open(DatapathPort::guests, settings_.guests_device);
  }
  settings_.host.uplink_mac = mac(DatapathPort::uplink);
  settings_.home_agent.port_mac = mac(DatapathPort::uplink);
}

void Datapath::start_workers() {
  // Every worker sends on every port (a host forwards guest traffic to the
  // uplink and back), each on its own tx queue: so no more workers than the
  // port with the fewest queue pairs offers.
  std::size_t count = std::min<std::size_t>(settings_.workers, lcores_.size());
  for (const auto& port : ports_) {
    if (port) count = std::min<std::size_t>(count, port->queues());
  }
  lcores_.resize(count);

  WorkerResources resources;
  resources.role = settings_.role;
  resources.host = &settings_.host;
  resources.home_agent = &settings_.home_agent;
  resources.table = table_.get();
  resources.punt = punt_.get();
  resources.pool = pool_.get();
  resources.poll = settings_.poll;
  resources.stop = &stop_;
  for (std::size_t w = 0; w < count; ++w) {
    auto worker = std::make_unique<Worker>(resources);
    for (std::size_t p = 0; p < datapath_port_count; ++p) {
      if (!ports_[p]) continue;
      worker->add_port(static_cast<DatapathPort>(p), ports_[p]->id(),
                       static_cast<std::uint16_t>(w));
      // Exactly one core drains each inject ring: the first.
      if (w == 0) worker->add_inject(static_cast<DatapathPort>(p), *inject_[p]);
    }
    workers_.push_back(std::move(worker));
  }
  launched_ = true;
  for (std::size_t w = 0; w < count; ++w) {
    const int rc = rte_eal_remote_launch(&Worker::lcore_main, workers_[w].get(), lcores_[w]);
    if (rc != 0) {
      const unsigned lcore = lcores_[w];
      // Only the workers launched so far must be waited for.
      lcores_.resize(w);
      throw DatapathError("datapath: cannot start a worker on lcore " + std::to_string(lcore) +
                          ": " + rte_strerror(-rc));
    }
  }
}

void Datapath::stop_workers() noexcept {
  if (!launched_) return;
  stop_.store(true, std::memory_order_relaxed);
  for (const unsigned lcore : lcores_) rte_eal_wait_lcore(lcore);
  launched_ = false;
  workers_.clear();
}

bool Datapath::has_port(DatapathPort port) const noexcept {
  return index_of(port) < datapath_port_count && ports_[index_of(port)] != nullptr;
}

bool Datapath::link_up(DatapathPort port) const noexcept {
  return has_port(port) && ports_[index_of(port)]->link_up();
}

wire::MacAddr Datapath::mac(DatapathPort port) const noexcept {
  return has_port(port) ? ports_[index_of(port)]->mac() : wire::MacAddr{};
}

bool Datapath::inject(DatapathPort port, rte_mbuf* frame) noexcept {
  if (!has_port(port)) return false;
  return inject_[index_of(port)]->push(frame);
}

DatapathStats Datapath::stats() const {
  DatapathStats stats;
  stats.workers = worker_count();
  for (const auto& worker : workers_) accumulate(stats.counters, worker->counters());
  for (std::size_t p = 0; p < datapath_port_count; ++p) {
    if (!ports_[p]) continue;
    const rte_eth_stats eth = ports_[p]->stats();
    stats.devices[p] = DeviceStats{ports_[p]->device(), ports_[p]->queues(), eth.imissed,
                                   eth.ierrors, eth.oerrors, eth.rx_nombuf};
  }
  return stats;
}

}  // namespace roam6::datapath
