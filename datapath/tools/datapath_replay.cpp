// roam6-datapath-replay: runs a role's real pipeline over pcap files through
// DPDK's net_pcap driver, for deterministic end-to-end datapath tests.
// See help_text below.

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "datapath/dpdk/eal.hpp"
#include "datapath/elements/datapath_counters.hpp"
#include "datapath/elements/hold_queues.hpp"
#include "datapath/elements/punt_queue.hpp"
#include "datapath/elements/tx_batch.hpp"
#include "datapath/pipeline/home_agent_pipeline.hpp"
#include "datapath/pipeline/host_pipeline.hpp"
#include "datapath/pipeline/worker_context.hpp"
#include "datapath/table/binding_table.hpp"
#include "datapath/tools/pcap_port.hpp"
#include "datapath/tools/replay_spec.hpp"

namespace {

namespace dp = roam6::datapath;
namespace rp = roam6::datapath::replay;
using nlohmann::json;

constexpr std::string_view help_text = R"(NAME
    roam6-datapath-replay - run roam6's datapath pipeline over pcap files

SYNOPSIS
    roam6-datapath-replay --spec SPEC.json --out-dir DIR
    roam6-datapath-replay --help

DESCRIPTION
    Starts the DPDK EAL (no hugepages, no PCI) with one net_pcap virtual
    device per input file and per output, programs a binding table and runs
    the host or Home Agent pipeline exactly as a forwarding core does: rx
    bursts of 32, the pipeline, flush of the output batches, housekeeping,
    quiescent state; single-threaded on the main lcore, which is registered
    as the table's reader. Every packet of every output goes through
    rte_eth_tx_burst into a pcap file, so tests can read them back with any
    pcap reader.

    The steps of the spec run in order. An input step reads its pcap file
    through its own net_pcap device until rx returns nothing several times in
    a row, so every frame of one step is handled before the next step starts;
    each burst reaches the pipeline as arriving on the step's logical port.
    Binding steps change the table between inputs, followed by one round of
    housekeeping (e.g. releasing the held packets of a guest marked resumed).

SPEC
    {
      "role": "host" | "home_agent",
      "host": {                       (role host)
        "care_of_address": IPv6, "uplink_mac": MAC, "next_hop_mac": MAC,
        "uplink_mtu": 1500, "liveness_interval_ms": 1000,
        "tunnel": {"hop_limit": 64, "flow_label_key": 0},
        "icmp_errors": {"per_second": 100, "burst": 10},
        "reassembly": {"packets": 256, "timeout_ms": 1000},
        "hold": {"packets_per_guest": 256, "guests": 64, "timeout_ms": 5000}},
      "home_agent": {                 (role home_agent)
        "address": IPv6, "port_mac": MAC, "router_mac": MAC, "mtu": 1500,
        "home_prefixes": [PREFIX...],  (a decapsulated packet's inner
                                        destination is looked up only in
                                        these; absent or []: everywhere)
        "tunnel": {...}, "icmp_errors": {...}, "reassembly": {...}},
      "guests": [GUEST...],           (host role: programmed before step 1)
      "tunnels": [TUNNEL...],         (Home Agent role: programmed before step 1)
      "steps": [STEP...],
      "punt_ring_size": 4096          (frames the punt ring holds; the replay
                                       empties it after every burst)
    }
    GUEST  = {"mac", "home_address", "link_local", "away", "home_agent",
              "care_of_address", "router_mac", "router_link_local", "resumed"}
             (the fields of datapath GuestSpec; mac and home_address required)
    TUNNEL = {"home_address", "care_of_address"}
    STEP   = {"input": "uplink" | "guests", "pcap": FILE}
           | {"set_guest": GUEST}     | {"clear_guest": MAC}
           | {"set_tunnel": TUNNEL}   | {"clear_tunnel": HOME_ADDRESS}
           | {"wait_ms": N}           (housekeeping keeps running meanwhile)
    Relative pcap paths are taken from the spec file's folder. Unknown
    fields are errors. Addresses are text (2001:db8::1, 52:54:00:00:00:01).

OUTPUT (in DIR, which is created)
    uplink.pcap     frames sent on the uplink port
    guests.pcap     frames sent on the guests port (host role)
    punt.pcap       frames handed to mip6d, in the order the punt ring gave them
    counters.json   {"ports": {"uplink"|"guests": {"rx_packets", "rx_bytes",
                     "tx_packets", "tx_bytes", "disposition": {NAME: N, ...}}},
                     "resumes_signalled", "packet_too_big_suppressed",
                     "time_exceeded_suppressed", "parameter_problem_suppressed",
                     "icmp_errors_withheld",
                     "injected", "inject_dropped",
                     "punted": [{"arrived_on": PORT, "length": N}, ...],
                     "guest_bindings": {MAC: {"encapsulated_packets", ...}},
                     "tunnel_bindings": {HOME_ADDRESS: {...}},
                     "steps": [{"step": I, "frames": N}, ...]}
    Every Disposition is listed by name, zero or not.

OPTIONS
    --spec FILE     The JSON spec above.
    --out-dir DIR   Where the outputs are written.
    -h, --help      Print this text.

EXIT STATUS
    0 when every step ran; 1 on a bad command line or spec (the error names
    the JSON path); 2 when DPDK or the table could not be set up.

EXAMPLE
    roam6-datapath-replay --spec run.json --out-dir out &&
      roam6-decode out/uplink.pcap
)";

class Pipeline {
 public:
  // The host pipeline's per-slot state is sized now, as a forwarding core
  // does, so the very first burst can already give the resume signal.
  explicit Pipeline(const rp::ReplaySpec& spec, const dp::BindingTable& table) {
    if (spec.role == rp::Role::host)
      host_ = std::make_unique<dp::HostPipeline>(spec.host, table);
    else
      home_agent_ = std::make_unique<dp::HomeAgentPipeline>(spec.home_agent);
  }
  void receive(dp::WorkerContext& ctx, dp::DatapathPort port, rte_mbuf** pkts,
               std::uint16_t n) noexcept {
    if (host_) {
      if (port == dp::DatapathPort::guests)
        host_->from_guests(ctx, pkts, n);
      else
        host_->from_uplink(ctx, pkts, n);
    } else {
      home_agent_->from_uplink(ctx, pkts, n);
    }
  }
  void housekeeping(dp::WorkerContext& ctx) noexcept {
    if (host_)
      host_->housekeeping(ctx);
    else
      home_agent_->housekeeping(ctx);
  }

 private:
  std::unique_ptr<dp::HostPipeline> host_;
  std::unique_ptr<dp::HomeAgentPipeline> home_agent_;
};

json binding_counters_json(const dp::BindingCounters& c) {
  return {{"encapsulated_packets", c.encapsulated_packets},
          {"encapsulated_bytes", c.encapsulated_bytes},
          {"decapsulated_packets", c.decapsulated_packets},
          {"decapsulated_bytes", c.decapsulated_bytes}};
}

json port_counters_json(const dp::PortCounters& c) {
  json disposition = json::object();
  for (std::size_t d = 0; d < dp::disposition_count; ++d)
    disposition[std::string(dp::to_string(static_cast<dp::Disposition>(d)))] = c.disposition[d];
  return {{"rx_packets", c.rx_packets},
          {"rx_bytes", c.rx_bytes},
          {"tx_packets", c.tx_packets},
          {"tx_bytes", c.tx_bytes},
          {"disposition", disposition}};
}

// The replay run: owns every DPDK object and tears them down in order.
class Replay {
 public:
  Replay(const rp::ReplaySpec& spec, const std::filesystem::path& out_dir)
      : spec_(spec), out_dir_(out_dir) {}

  std::vector<std::string> eal_args() const {
    std::vector<std::string> args{"--no-huge",
                                  "-m",
                                  "512",
                                  "--no-pci",
                                  "--no-telemetry",
                                  "--file-prefix=" + dp::private_file_prefix("roam6-replay"),
                                  "--log-level=*:warning"};
    for (std::size_t i = 0; i < spec_.steps.size(); ++i) {
      if (const auto* input = std::get_if<rp::InputStep>(&spec_.steps[i]))
        args.push_back("--vdev=" + input_vdev(i) + ",rx_pcap=" + input->pcap.string());
    }
    for (auto port : output_ports())
      args.push_back("--vdev=" + output_vdev(port) + ",tx_pcap=" +
                     (out_dir_ / (std::string(rp::port_name(port)) + ".pcap")).string());
    args.push_back("--vdev=net_pcap_punt,tx_pcap=" + (out_dir_ / "punt.pcap").string());
    return args;
  }

  void run() {
    pool_ = rte_pktmbuf_pool_create("replay_pool", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                    static_cast<int>(rte_socket_id()));
    if (pool_ == nullptr) throw rp::PortError("cannot create the mbuf pool");
    for (auto port : output_ports())
      outputs_[static_cast<std::size_t>(port)] =
          std::make_unique<rp::PcapPort>(output_vdev(port), pool_);
    punt_port_ = std::make_unique<rp::PcapPort>("net_pcap_punt", pool_);

    dp::BindingTableLimits limits;
    limits.max_tunnels = 1024;
    limits.max_guests = 1024;
    limits.max_readers = 1;
    limits.name = "replay";
    // As mip6d's daemon sets each role up: a host counts in place with its
    // per-guest state beside its counters; a Home Agent logs.
    if (spec_.role != rp::Role::home_agent) {
      limits.traffic_log_entries = 0;
      limits.reader_state = true;
    }
    table_ = std::make_unique<dp::BindingTable>(
        limits, spec_.role == rp::Role::home_agent ? spec_.home_agent.address : dp::Ip6Addr{});
    for (const auto& guest : spec_.guests) set_guest(guest);
    for (const auto& tunnel : spec_.tunnels) set_tunnel(tunnel);

    ctx_.reader = table_->register_reader();
    ctx_.table = table_.get();
    ctx_.counters = &counters_;
    punt_ = std::make_unique<dp::PuntQueue>("replay_punt", spec_.punt_ring_size);
    ctx_.punt = punt_.get();
    if (spec_.role == rp::Role::host) {
      holds_ = std::make_unique<dp::HoldQueues>(spec_.host.hold);
      ctx_.holds = holds_.get();
    }
    ctx_.pool = pool_;
    ctx_.tsc_hz = rte_get_tsc_hz();
    for (auto port : output_ports()) {
      const auto p = static_cast<std::size_t>(port);
      sinks_[p] = std::make_unique<rp::PcapTxSink>(*outputs_[p]);
      batches_[p] = std::make_unique<dp::TxBatch>(*sinks_[p], port, counters_);
      ctx_.out[p] = batches_[p].get();
    }
    // The Home Agent has one port: anything its pipeline emitted towards
    // "guests" would be a bug, so that batch counts drop_tx_full instead of
    // crashing (a sink that takes nothing).
    if (spec_.role == rp::Role::home_agent) {
      const auto p = static_cast<std::size_t>(dp::DatapathPort::guests);
      batches_[p] =
          std::make_unique<dp::TxBatch>(refusing_sink_, dp::DatapathPort::guests, counters_);
      ctx_.out[p] = batches_[p].get();
    }
    pipeline_ = std::make_unique<Pipeline>(spec_, *table_);

    for (std::size_t i = 0; i < spec_.steps.size(); ++i) run_step(i);
    poll_round();  // what the last step left for housekeeping
  }

  void write_counters() const {
    json ports = json::object();
    for (std::size_t p = 0; p < dp::datapath_port_count; ++p)
      ports[std::string(rp::port_name(static_cast<dp::DatapathPort>(p)))] =
          port_counters_json(counters_.port[p]);
    json guests = json::object();
    for (const auto& mac : guest_macs_) {
      if (auto c = table_->guest_counters(mac)) guests[mac.to_string()] = binding_counters_json(*c);
    }
    json tunnels = json::object();
    for (const auto& hoa : tunnel_addresses_) {
      if (auto c = table_->tunnel_counters(hoa))
        tunnels[hoa.to_string()] = binding_counters_json(*c);
    }
    const json counters = {{"ports", ports},
                           {"resumes_signalled", counters_.resumes_signalled},
                           {"packet_too_big_suppressed", counters_.packet_too_big_suppressed},
                           {"time_exceeded_suppressed", counters_.time_exceeded_suppressed},
                           {"parameter_problem_suppressed",
                            counters_.parameter_problem_suppressed},
                           {"icmp_errors_withheld", counters_.icmp_errors_withheld},
                           {"injected", counters_.injected},
                           {"inject_dropped", counters_.inject_dropped},
                           {"punted", punted_},
                           {"guest_bindings", guests},
                           {"tunnel_bindings", tunnels},
                           {"steps", steps_}};
    std::ofstream out(out_dir_ / "counters.json");
    out << counters.dump(2) << '\n';
    if (!out) throw rp::PortError("cannot write " + (out_dir_ / "counters.json").string());
  }

  // Pipeline state (held packets) goes before the pool it came from; ports
  // are stopped and closed so net_pcap flushes its files.
  ~Replay() {
    pipeline_.reset();
    holds_.reset();
    if (punt_) {
      rte_mbuf* left[64];
      while (const unsigned n = punt_->pop(left, 64)) rte_pktmbuf_free_bulk(left, n);
    }
    punt_.reset();
    if (table_ && ctx_.table != nullptr) table_->unregister_reader(ctx_.reader);
    table_.reset();
    for (auto& b : batches_) b.reset();
    for (auto& s : sinks_) s.reset();
    for (auto& o : outputs_) o.reset();
    punt_port_.reset();
    if (pool_ != nullptr) rte_mempool_free(pool_);
  }
  Replay(const Replay&) = delete;
  Replay& operator=(const Replay&) = delete;

 private:
  class RefusingSink final : public dp::TxSink {
   public:
    std::uint16_t transmit(rte_mbuf**, std::uint16_t) noexcept override { return 0; }
  };

  static constexpr std::uint16_t burst_size = 32;
  // net_pcap reads the file synchronously: once rx gives nothing a few times
  // in a row the file is exhausted.
  static constexpr unsigned empty_polls_to_finish = 4;

  std::vector<dp::DatapathPort> output_ports() const {
    if (spec_.role == rp::Role::host) return {dp::DatapathPort::uplink, dp::DatapathPort::guests};
    return {dp::DatapathPort::uplink};
  }
  static std::string input_vdev(std::size_t step) { return "net_pcap_in" + std::to_string(step); }
  static std::string output_vdev(dp::DatapathPort port) {
    return "net_pcap_out_" + std::string(rp::port_name(port));
  }

  void set_guest(const dp::GuestSpec& guest) {
    if (!table_->set_guest(guest))
      throw rp::PortError("binding table refused guest " + guest.mac.to_string());
    guest_macs_.insert(guest.mac);
  }
  void set_tunnel(const dp::TunnelSpec& tunnel) {
    if (!table_->set_tunnel(tunnel))
      throw rp::PortError("binding table refused tunnel " + tunnel.home_address.to_string());
    tunnel_addresses_.insert(tunnel.home_address);
  }

  void run_step(std::size_t index) {
    const auto& step = spec_.steps[index];
    if (const auto* input = std::get_if<rp::InputStep>(&step)) {
      rp::PcapPort port(input_vdev(index), pool_);
      std::uint64_t frames = 0;
      for (unsigned empty = 0; empty < empty_polls_to_finish;) {
        const auto n = poll_input(port, input->port);
        frames += n;
        empty = n == 0 ? empty + 1 : 0;
      }
      steps_.push_back({{"step", index}, {"frames", frames}});
      return;
    }
    if (const auto* s = std::get_if<rp::SetGuestStep>(&step)) set_guest(s->guest);
    if (const auto* s = std::get_if<rp::ClearGuestStep>(&step)) table_->clear_guest(s->mac);
    if (const auto* s = std::get_if<rp::SetTunnelStep>(&step)) set_tunnel(s->tunnel);
    if (const auto* s = std::get_if<rp::ClearTunnelStep>(&step))
      table_->clear_tunnel(s->home_address);
    if (const auto* s = std::get_if<rp::WaitStep>(&step)) {
      const auto until =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(s->milliseconds);
      while (std::chrono::steady_clock::now() < until) {
        poll_round();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    poll_round();
    steps_.push_back({{"step", index}, {"frames", 0}});
  }

  // One turn of the forwarding loop with a burst from `input`.
  std::uint16_t poll_input(rp::PcapPort& input, dp::DatapathPort port) {
    rte_mbuf* pkts[burst_size];
    const auto n = input.receive(pkts, burst_size);
    ctx_.now_tsc = rte_rdtsc();
    // The pipeline counts rx itself (pipeline_common.hpp).
    if (n > 0) pipeline_->receive(ctx_, port, pkts, n);
    finish_round();
    return n;
  }

  // A turn of the loop without input (after binding changes, while waiting).
  void poll_round() {
    ctx_.now_tsc = rte_rdtsc();
    finish_round();
  }

  void finish_round() {
    flush_batches();
    pipeline_->housekeeping(ctx_);
    flush_batches();
    drain_punt();
    table_->quiescent(ctx_.reader);
    table_->reclaim();
  }

  void flush_batches() noexcept {
    for (auto& batch : batches_)
      if (batch) batch->flush();
  }

  // Stands in for mip6d's end of the punt ring: every punted frame goes to
  // punt.pcap, and where it came from goes to counters.json.
  void drain_punt() {
    rte_mbuf* frames[64];
    while (const unsigned n = punt_->pop(frames, 64)) {
      for (unsigned i = 0; i < n; ++i)
        punted_.push_back(
            {{"arrived_on", std::string(rp::port_name(dp::PuntQueue::port_of(frames[i])))},
             {"length", rte_pktmbuf_pkt_len(frames[i])}});
      unsigned sent = 0;
      while (sent < n) {
        const auto t = punt_port_->transmit(frames + sent, static_cast<std::uint16_t>(n - sent));
        if (t == 0) break;
        sent += t;
      }
      if (sent < n) rte_pktmbuf_free_bulk(frames + sent, n - sent);
    }
  }

  const rp::ReplaySpec& spec_;
  std::filesystem::path out_dir_;
  rte_mempool* pool_ = nullptr;
  std::unique_ptr<rp::PcapPort> outputs_[dp::datapath_port_count];
  std::unique_ptr<rp::PcapPort> punt_port_;
  std::unique_ptr<dp::BindingTable> table_;
  std::unique_ptr<dp::PuntQueue> punt_;
  std::unique_ptr<dp::HoldQueues> holds_;
  std::unique_ptr<rp::PcapTxSink> sinks_[dp::datapath_port_count];
  RefusingSink refusing_sink_;
  std::unique_ptr<dp::TxBatch> batches_[dp::datapath_port_count];
  std::unique_ptr<Pipeline> pipeline_;
  dp::DatapathCounters counters_;
  dp::WorkerContext ctx_;
  std::set<dp::MacAddr> guest_macs_;
  std::set<dp::Ip6Addr> tunnel_addresses_;
  json punted_ = json::array();
  json steps_ = json::array();
};

int usage_error(const std::string& message) {
  std::cerr << "roam6-datapath-replay: " << message << "\n(see --help)\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<std::filesystem::path> spec_file;
  std::optional<std::filesystem::path> out_dir;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << help_text;
      return 0;
    }
    if ((arg == "--spec" || arg == "--out-dir") && i + 1 < argc) {
      (arg == "--spec" ? spec_file : out_dir) = std::filesystem::path(argv[++i]);
      continue;
    }
    return usage_error("unknown or incomplete argument: " + std::string(arg));
  }
  if (!spec_file || !out_dir) return usage_error("--spec and --out-dir are required");

  rp::ReplaySpec spec;
  try {
    spec = rp::load_replay_spec(*spec_file);
    std::filesystem::create_directories(*out_dir);
    *out_dir = std::filesystem::absolute(*out_dir);
    if (out_dir->string().find(',') != std::string::npos)
      return usage_error("--out-dir must not contain a comma (DPDK devargs)");
  } catch (const rp::SpecError& e) {
    std::cerr << "roam6-datapath-replay: " << e.what() << '\n';
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {
    std::cerr << "roam6-datapath-replay: " << e.what() << '\n';
    return 1;
  }

  int status = 0;
  try {
    Replay replay(spec, *out_dir);
    dp::ensure_eal(replay.eal_args());
    replay.run();
    replay.write_counters();
  } catch (const std::exception& e) {
    std::cerr << "roam6-datapath-replay: " << e.what() << '\n';
    status = 2;
  }
  try {
    dp::cleanup_eal();
  } catch (const std::exception& e) {
    std::cerr << "roam6-datapath-replay: " << e.what() << '\n';
    status = 2;
  }
  return status;
}
