// Datapath figures (printed, not pass/fail; see docs/benchmarks.md).
//
// One forwarding core moves packets from net_null0 to net_null1 through the
// Home Agent and host pipelines (lookup + encapsulation, lookup + source
// check + decapsulation) with 1, 1 000 and 1 000 000 bindings, each packet
// naming a binding drawn at random so the table does not sit in cache.
// Every packet that net_null hands us is empty, so the loop first writes a
// prepared frame into it; the same loop without the pipeline ("generator")
// is measured too and subtracted to give the pipeline's own cost.
// dpdk-testpmd io-forward runs on the same two net_null devices in the same
// run, and the ratio roam6 / testpmd is printed.
//
// --cores 2: after each one-core figure, the same scenario runs on each core
// alone and on both at once, in turns, each core between net_null devices of
// its own and over the same binding table (as the datapath's workers share
// it). The scaling printed is the two cores' summed packets per second over
// the mean of their rates alone: a VM's two CPUs need not be equal. The
// generator alone is scaled too: what the machine allows a loop that
// touches no table.
//
// Memory: hugepages when the kernel has enough free (the EAL, and with it
// rte_hash, the binding table's arrays and the mbufs, lands on them), else
// --no-huge; the first line says which. The bench never reserves hugepages
// itself: bench/run_datapath_bench.sh reserves them for the run and gives
// them back. --memory no-huge forces the fallback, --memory huge insists.
//
// Instructions per packet (--instructions, under callgrind: this VM has no
// hardware counters, and instruction counts do not depend on a noisy
// machine as cycles do): bench/instructions_per_packet.sh runs the bench
// under `valgrind --tool=callgrind --collect-atstart=no`; the bench turns
// collection on only from a filled burst to its transmission (the same
// stage the pipeline cycles come from), dumps the counts after each run
// labelled "<scenario> <bindings> <packets>", and the script divides.
//
// Usage: datapath_bench [--seconds S] [--bindings N[,N...]] [--no-testpmd]
//                       [--memory auto|huge|no-huge]
//                       [--scenario ha-encap|ha-decap|host-encap|host-decap]
//                       [--cores 1|2] [--counting as-mip6d|logged|in-place]
//                       [--reader-state as-mip6d|on|off] [--look-up-everything]
//                       [--instructions]

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include <unistd.h>
#include <valgrind/callgrind.h>

#include <algorithm>
#include <cmath>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "bench/positive_list.hpp"
#include "datapath/dpdk/eal.hpp"
#include "datapath/elements/datapath_counters.hpp"
#include "datapath/elements/punt_queue.hpp"
#include "datapath/elements/tx_batch.hpp"
#include "datapath/pipeline/home_agent_pipeline.hpp"
#include "datapath/pipeline/host_pipeline.hpp"
#include "datapath/table/binding_table.hpp"

namespace {

using namespace roam6;
using namespace roam6::datapath;

constexpr std::uint16_t burst_size = 32;
constexpr std::size_t key_sequence_length = 1u << 20;

struct Options {
  double seconds = 2.0;
  std::vector<std::uint32_t> bindings{1, 1000, 1000000};
  bool testpmd = true;
  enum class Memory { automatic, huge, no_huge } memory = Memory::automatic;
  std::string only;  // one scenario: ha-encap, ha-decap, host-encap, host-decap
  bool instructions = false;  // under callgrind: collect only the stage, dump per run
  double zipf = 0;  // 0: keys uniform over the bindings; s > 0: Zipf-skewed with exponent s
  // Home Agent scenarios: bindings registered from one care-of address (a
  // host's guests). 1: every binding from an address of its own.
  std::uint32_t guests_per_host = 32;
  unsigned cores = 1;  // 2: each figure again on two forwarding cores
  // How per-binding traffic is counted, and where a host keeps its per-guest
  // state; as_mip6d: as mip6d's daemon sets up each role.
  enum class Choice { as_mip6d, on, off };
  Choice logged = Choice::as_mip6d;        // on: traffic logs; off: counted in place
  Choice reader_state = Choice::as_mip6d;  // on: beside the counters; off: the pipeline's own
  bool look_up_everything = false;  // the Home Agent without home prefixes
};

[[noreturn]] void usage(int status) {
  std::fprintf(status == 0 ? stdout : stderr,
               "usage: datapath_bench [--seconds S] [--bindings N[,N...]] [--no-testpmd]\n"
               "                      [--memory auto|huge|no-huge]\n"
               "                      [--scenario ha-encap|ha-decap|host-encap|host-decap]\n"
               "                      [--zipf S] [--guests-per-host N] [--cores 1|2]\n"
               "                      [--counting as-mip6d|logged|in-place]\n"
               "                      [--reader-state as-mip6d|on|off] [--look-up-everything]\n"
               "                      [--instructions]\n"
               "  Prints Mpps and cycles per packet for encapsulation and decapsulation\n"
               "  on one forwarding core (net_null), next to dpdk-testpmd io and macswap\n"
               "  forwarding. Keys are uniform over the bindings, or with --zipf S\n"
               "  Zipf-skewed (the k-th most used binding is used in proportion to 1/k^S;\n"
               "  which bindings are the popular ones is drawn at random).\n"
               "  --guests-per-host N: the Home Agent's bindings come from hosts of N\n"
               "  guests each, one care-of address per host (default 32; 1: a host per\n"
               "  guest, the worst case for the table's care-of peers).\n"
               "  --cores 2: each scenario also on each core alone and on both at once, in\n"
               "  turns (two net_null devices per core, one shared table); prints their\n"
               "  summed Mpps and its ratio to the mean of the two cores' rates alone.\n"
               "  (Both lcores forward then and nobody folds: the logs fill and the cores\n"
               "  count in place.)\n"
               "  Counting as mip6d's daemon sets it up (--counting as-mip6d): the Home\n"
               "  Agent's cores log their per-binding traffic and the main lcore folds the\n"
               "  logs every 2 ms, as mip6d's control plane does (its cycles per folded\n"
               "  packet are printed after the scenario's figures); a host's cores count in\n"
               "  place. --counting logged|in-place: every scenario one way. A host keeps\n"
               "  its per-guest state beside its counters (--reader-state as-mip6d, or on;\n"
               "  off: in an array of the pipeline's own, a line of its own).\n"
               "  The Home Agent serves the home prefix 2001:db8:a::/48 (mip6d's\n"
               "  home_agent.home_prefixes), so a decapsulated packet's correspondent is\n"
               "  not looked up; --look-up-everything: no home prefixes, every address is.\n"
               "  --instructions: under callgrind (bench/instructions_per_packet.sh), count\n"
               "  the instructions of the pipeline's stage only, one dump per run.\n");
  std::exit(status);
}

// "as-mip6d", `on` or `off`; anything else is a usage error.
Options::Choice parse_choice(const std::string& value, const char* on, const char* off) {
  if (value == "as-mip6d") return Options::Choice::as_mip6d;
  if (value == on) return Options::Choice::on;
  if (value == off) return Options::Choice::off;
  usage(2);
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") usage(0);
    if (a == "--no-testpmd") {
      o.testpmd = false;
    } else if (a == "--instructions") {
      o.instructions = true;
    } else if (a == "--counting" && i + 1 < argc) {
      o.logged = parse_choice(argv[++i], "logged", "in-place");
    } else if (a == "--reader-state" && i + 1 < argc) {
      o.reader_state = parse_choice(argv[++i], "on", "off");
    } else if (a == "--look-up-everything") {
      o.look_up_everything = true;
    } else if (a == "--scenario" && i + 1 < argc) {
      o.only = argv[++i];
      if (o.only != "ha-encap" && o.only != "ha-decap" && o.only != "host-encap" && o.only != "host-decap")
        usage(2);
    } else if (a == "--memory" && i + 1 < argc) {
      const std::string m = argv[++i];
      if (m == "auto")
        o.memory = Options::Memory::automatic;
      else if (m == "huge")
        o.memory = Options::Memory::huge;
      else if (m == "no-huge")
        o.memory = Options::Memory::no_huge;
      else
        usage(2);
    } else if (a == "--guests-per-host" && i + 1 < argc) {
      const long v = std::atol(argv[++i]);
      if (v <= 0) usage(2);
      o.guests_per_host = static_cast<std::uint32_t>(v);
    } else if (a == "--cores" && i + 1 < argc) {
      const long v = std::atol(argv[++i]);
      if (v != 1 && v != 2) usage(2);
      o.cores = static_cast<unsigned>(v);
    } else if (a == "--zipf" && i + 1 < argc) {
      o.zipf = std::atof(argv[++i]);
      if (o.zipf <= 0) usage(2);
    } else if (a == "--seconds" && i + 1 < argc) {
      o.seconds = std::atof(argv[++i]);
      if (o.seconds <= 0) usage(2);
    } else if (a == "--bindings" && i + 1 < argc) {
      const auto bindings = roam6::bench::parse_positive_list(argv[++i]);
      if (!bindings) usage(2);
      o.bindings.clear();
      for (const long v : *bindings) o.bindings.push_back(static_cast<std::uint32_t>(v));
    } else {
      usage(2);
    }
  }
  return o;
}

Ip6Addr address(std::uint16_t prefix_word, std::uint32_t index) {
  Ip6Addr a{};
  a.bytes[0] = 0x20;
  a.bytes[1] = 0x01;
  a.bytes[2] = 0x0d;
  a.bytes[3] = 0xb8;
  a.bytes[4] = static_cast<std::uint8_t>(prefix_word >> 8);
  a.bytes[5] = static_cast<std::uint8_t>(prefix_word);
  a.bytes[12] = static_cast<std::uint8_t>(index >> 24);
  a.bytes[13] = static_cast<std::uint8_t>(index >> 16);
  a.bytes[14] = static_cast<std::uint8_t>(index >> 8);
  a.bytes[15] = static_cast<std::uint8_t>(index);
  return a;
}

MacAddr mac(std::uint8_t first, std::uint32_t index) {
  return MacAddr{{first, 0x00, static_cast<std::uint8_t>(index >> 24), static_cast<std::uint8_t>(index >> 16),
                  static_cast<std::uint8_t>(index >> 8), static_cast<std::uint8_t>(index)}};
}

const MacAddr kHaMac = mac(0x02, 0xa0a0a0);
const MacAddr kRouterMac = mac(0x02, 0xb0b0b0);
const Ip6Addr kHaAddress = address(0xa, 0xfffffff0);
const Ip6Addr kCorrespondent = address(0xc, 1);
const Ip6Addr kCareOf = address(0xb, 2);

// Writes one test frame: Ethernet, IPv6 (optionally inside another IPv6),
// UDP with 18 bytes of payload: 62 bytes plain, 102 tunnelled.
std::uint16_t write_frame(std::uint8_t* p, const MacAddr& dst_mac, const MacAddr& src_mac,
                          const Ip6Addr* outer_src, const Ip6Addr* outer_dst, const Ip6Addr& src,
                          const Ip6Addr& dst) {
  constexpr std::uint16_t udp_length = 8 + 18;
  std::memset(p, 0, 128);
  dst_mac.write_to(p);
  src_mac.write_to(p + 6);
  p[12] = 0x86;
  p[13] = 0xdd;
  std::uint8_t* ip = p + 14;
  if (outer_src != nullptr) {
    ip[0] = 0x60;
    const std::uint16_t outer_payload = 40 + udp_length;
    ip[4] = static_cast<std::uint8_t>(outer_payload >> 8);
    ip[5] = static_cast<std::uint8_t>(outer_payload);
    ip[6] = 41;
    ip[7] = 64;
    std::memcpy(ip + 8, outer_src->bytes.data(), 16);
    std::memcpy(ip + 24, outer_dst->bytes.data(), 16);
    ip += 40;
  }
  ip[0] = 0x60;
  ip[4] = 0;
  ip[5] = udp_length;
  ip[6] = 17;
  ip[7] = 64;
  std::memcpy(ip + 8, src.bytes.data(), 16);
  std::memcpy(ip + 24, dst.bytes.data(), 16);
  std::uint8_t* udp = ip + 40;
  udp[0] = 0x04;  // 1024 -> 9 (discard)
  udp[3] = 9;
  udp[5] = udp_length;
  // A UDP checksum of 0 is invalid over IPv6, but nothing on this path
  // checks it; what matters is that every byte is written every time.
  udp[6] = 0xff;
  udp[7] = 0xff;
  return static_cast<std::uint16_t>(ip + 40 + udp_length - p);
}

class PortSink final : public TxSink {
 public:
  explicit PortSink(std::uint16_t port) : port_(port) {}
  std::uint16_t transmit(rte_mbuf** pkts, std::uint16_t n) noexcept override {
    return rte_eth_tx_burst(port_, 0, pkts, n);
  }

 private:
  std::uint16_t port_;
};

enum class Scenario { ha_encapsulate, ha_decapsulate, host_encapsulate, host_decapsulate };

const char* scenario_option(Scenario s) {
  switch (s) {
    case Scenario::ha_encapsulate: return "ha-encap";
    case Scenario::ha_decapsulate: return "ha-decap";
    case Scenario::host_encapsulate: return "host-encap";
    case Scenario::host_decapsulate: return "host-decap";
  }
  return "?";
}

const char* scenario_name(Scenario s) {
  switch (s) {
    case Scenario::ha_encapsulate: return "HA encap (lookup HoA + encap)";
    case Scenario::ha_decapsulate: return "HA decap (lookup + CoA check + decap)";
    case Scenario::host_encapsulate: return "host encap (lookup MAC + filter + encap)";
    case Scenario::host_decapsulate: return "host decap (lookup HoA + HA check + decap)";
  }
  return "?";
}

// alignas: two cores' runs side by side share no line.
struct alignas(64) Run {
  Scenario scenario = Scenario::ha_encapsulate;
  bool with_pipeline = true;
  std::uint32_t bindings = 1;
  double seconds = 2;
  std::uint16_t rx_port = 0;
  std::uint16_t tx_port = 1;
  std::size_t first_key = 0;       // where in the key sequence this core starts
  bool count_instructions = false;  // callgrind collects the stage only
  BindingTable* table = nullptr;
  rte_mempool* pool = nullptr;
  PuntQueue* punt = nullptr;
  const std::vector<std::uint32_t>* keys = nullptr;
  std::uint32_t guests_per_host = 1;
  bool home_prefixes = true;  // the Home Agent's: 2001:db8:a::/48
  // Two runs side by side: each counts itself in here once warmed up and
  // starts its clock when both have, so neither is timed beside the
  // other's warm-up.
  std::atomic<unsigned>* start_together = nullptr;
  // results
  std::uint64_t packets = 0;
  std::uint64_t cycles = 0;
  std::uint64_t stage_cycles = 0;  // pipeline + transmit (generator excluded)
  std::uint64_t bursts = 0;
  std::uint64_t interrupted_bursts = 0;  // excluded: the core was taken away
  std::uint64_t all_packets = 0;         // including those of interrupted bursts
  DatapathCounters counters{};
};

// Writes the scenario's frame for binding `k` into `m`.
void fill(const Run& run, rte_mbuf* m, std::uint32_t k) {
  rte_pktmbuf_reset(m);
  auto* p = rte_pktmbuf_mtod(m, std::uint8_t*);
  const Ip6Addr hoa = address(0xa, k);
  const Ip6Addr coa = address(0xb, k / run.guests_per_host);
  std::uint16_t len = 0;
  switch (run.scenario) {
    case Scenario::ha_encapsulate:
      len = write_frame(p, kHaMac, kRouterMac, nullptr, nullptr, kCorrespondent, hoa);
      break;
    case Scenario::ha_decapsulate:
      // The Home Agent looks the inner destination up too (another away
      // guest?) unless it lies outside the home prefixes: correspondents
      // many, as real traffic has, so that with --look-up-everything the
      // miss does not ride on one bucket's luck with the table's random seed.
      len = write_frame(p, kHaMac, kRouterMac, &coa, &kHaAddress, hoa, address(0xc, 1 + (k & 4095)));
      break;
    case Scenario::host_encapsulate:
      len = write_frame(p, kRouterMac, mac(0x52, k), nullptr, nullptr, hoa, kCorrespondent);
      break;
    case Scenario::host_decapsulate:
      len = write_frame(p, kHaMac, kRouterMac, &kHaAddress, &kCareOf, kCorrespondent, hoa);
      break;
  }
  m->data_len = len;
  m->pkt_len = len;
}

// One forwarding core's loop: rx an empty burst, fill it, run the
// pipeline, transmit.
int forward(void* arg) {
  Run& run = *static_cast<Run*>(arg);
  const unsigned reader = run.table->register_reader();
  PortSink sink(run.tx_port);
  TxBatch uplink(sink, DatapathPort::uplink, run.counters);
  TxBatch guests(sink, DatapathPort::guests, run.counters);
  WorkerContext ctx;
  ctx.reader = reader;
  ctx.table = run.table;
  ctx.counters = &run.counters;
  ctx.punt = run.punt;
  ctx.pool = run.pool;
  ctx.tsc_hz = rte_get_tsc_hz();
  ctx.out[0] = &uplink;
  ctx.out[1] = &guests;

  HomeAgentSettings ha;
  ha.address = kHaAddress;
  ha.port_mac = kHaMac;
  ha.router_mac = kRouterMac;
  ha.mtu = 9000;
  if (run.home_prefixes) ha.home_prefixes = {wire::Ip6Prefix::of(address(0xa, 0), 48)};
  HostSettings host;
  host.care_of_address = kCareOf;
  host.uplink_mac = kHaMac;
  host.next_hop_mac = kRouterMac;
  host.uplink_mtu = 9000;
  // A host reports each guest's first frame in every liveness interval to
  // mip6d (liveness_interval_ms). The figures are the steady state,
  // where a report is rare: each guest's first frame goes through the
  // pipeline before the clock starts (below), and no interval ends within
  // the run.
  host.liveness_interval_ms = 3'600'000;
  HomeAgentPipeline ha_pipeline(ha);
  // Its per-guest state as mip6d's workers give it one (datapath/engine/worker.cpp).
  HostPipeline host_pipeline(host, *run.table);
  const bool host_scenario =
      run.scenario == Scenario::host_encapsulate || run.scenario == Scenario::host_decapsulate;
  if (host_scenario && run.with_pipeline) {
    rte_mbuf* warm[burst_size];
    for (std::uint32_t first = 0; first < run.bindings; first += burst_size) {
      const auto n = static_cast<std::uint16_t>(std::min<std::uint32_t>(burst_size, run.bindings - first));
      if (rte_pktmbuf_alloc_bulk(run.pool, warm, n) != 0) {
        std::fprintf(stderr, "datapath_bench: no mbufs to warm up guests %u and on: their first frames are timed\n",
                     first);
        break;
      }
      for (std::uint16_t i = 0; i < n; ++i) fill(run, warm[i], first + i);
      ctx.now_tsc = rte_rdtsc();
      if (run.scenario == Scenario::host_encapsulate)
        host_pipeline.from_guests(ctx, warm, n);
      else
        host_pipeline.from_uplink(ctx, warm, n);
      uplink.flush();
      guests.flush();
      run.table->quiescent(reader);
    }
    run.counters = DatapathCounters{};
  }
  if (run.start_together != nullptr) {
    run.start_together->fetch_add(1);
    while (run.start_together->load() < 2) rte_pause();
  }

  const auto& keys = *run.keys;
  std::size_t key_index = run.first_key;
  rte_mbuf* pkts[burst_size];
  const std::uint64_t hz = rte_get_tsc_hz();
  const std::uint64_t start = rte_rdtsc();
  const auto budget = static_cast<std::uint64_t>(run.seconds * static_cast<double>(hz));
  // A burst takes microseconds; one that took longer than this lost the
  // core to the scheduler or the hypervisor (on a shared machine, for
  // milliseconds), and its time says nothing about the pipeline. Such
  // bursts are left out of every figure and counted.
  const std::uint64_t interrupted = hz / 4000;  // 250 us
  std::uint64_t now = start;
  std::uint64_t packets = 0;
  std::uint64_t stage = 0;  // cycles from the filled burst to its transmission
  std::uint64_t busy = 0;   // cycles of whole iterations (rx, fill, pipeline, tx)
  std::uint64_t bursts = 0;
  std::uint64_t excluded = 0;
  while (now - start < budget) {
    const std::uint64_t iteration_start = rte_rdtsc();
    const std::uint16_t n = rte_eth_rx_burst(run.rx_port, 0, pkts, burst_size);
    for (std::uint16_t i = 0; i < n; ++i) {
      fill(run, pkts[i], keys[key_index]);
      key_index = (key_index + 1) & (key_sequence_length - 1);
    }
    now = rte_rdtsc();
    ctx.now_tsc = now;
    if (run.count_instructions) CALLGRIND_TOGGLE_COLLECT;
    if (!run.with_pipeline) {
      const std::uint16_t sent = rte_eth_tx_burst(run.tx_port, 0, pkts, n);
      for (std::uint16_t i = sent; i < n; ++i) rte_pktmbuf_free(pkts[i]);
    } else if (run.scenario == Scenario::ha_encapsulate || run.scenario == Scenario::ha_decapsulate) {
      ha_pipeline.from_uplink(ctx, pkts, n);
    } else if (run.scenario == Scenario::host_encapsulate) {
      host_pipeline.from_guests(ctx, pkts, n);
    } else {
      host_pipeline.from_uplink(ctx, pkts, n);
    }
    uplink.flush();
    guests.flush();
    run.table->quiescent(reader);
    if (run.count_instructions) CALLGRIND_TOGGLE_COLLECT;
    const std::uint64_t end = rte_rdtsc();
    ++bursts;
    run.all_packets += n;
    if (end - iteration_start > interrupted) {
      ++excluded;
      now = end;
      continue;
    }
    stage += end - now;
    busy += end - iteration_start;
    packets += n;
    now = end;
  }
  run.stage_cycles = stage;
  run.cycles = busy;
  run.packets = packets;
  run.bursts = bursts;
  run.interrupted_bursts = excluded;
  run.table->unregister_reader(reader);
  return 0;
}

// The table alone: bulk lookups of 32 random keys (home addresses for the
// Home Agent's tunnels, guest MACs for the host's guests) and, with
// `with_records`, a read of each record's slot and the count of its packet
// (logged, or prefetched and added in place, as the pipelines do). Runs on the forwarding core and leaves
// out interrupted bursts like forward(). Not part of any pipeline figure; it
// shows how much of one is the table.
struct TableRun {
  BindingTable* table = nullptr;
  const std::vector<std::uint32_t>* keys = nullptr;
  double seconds = 0.5;
  bool with_records = false;
  bool guests = false;  // look guests up by MAC instead of tunnels by home address
  double cycles_per_key = 0;
};

bool hit(const GuestRecord* record) { return record != nullptr; }
bool hit(const TunnelBinding& binding) { return static_cast<bool>(binding); }
std::uint32_t slot_of(const GuestRecord* record) { return record->slot; }
std::uint32_t slot_of(const TunnelBinding& binding) { return binding.slot; }

// Found: `const GuestRecord*` or TunnelBinding.
template <class Found, class Key, class Lookup>
void time_lookups(TableRun& run, Lookup lookup, Key (*key_of)(std::uint32_t)) {
  BindingTable& table = *run.table;
  const auto& keys = *run.keys;
  const unsigned reader = table.register_reader();
  std::array<Key, burst_size> held{};
  const std::uint8_t* key_pointers[burst_size];
  Found records[burst_size];
  const std::uint64_t hz = rte_get_tsc_hz();
  const std::uint64_t interrupted = hz / 4000;  // as in forward()
  const auto budget = static_cast<std::uint64_t>(run.seconds * static_cast<double>(hz));
  const std::uint64_t start = rte_rdtsc();
  std::size_t key_index = 0;
  std::uint64_t spent = 0;
  std::uint64_t looked_up = 0;
  std::uint64_t found = 0;
  while (rte_rdtsc() - start < budget) {
    for (unsigned i = 0; i < burst_size; ++i) {
      held[i] = key_of(keys[key_index]);
      key_index = (key_index + 1) & (key_sequence_length - 1);
      key_pointers[i] = held[i].bytes.data();
    }
    const std::uint64_t begin = rte_rdtsc();
    lookup(table, key_pointers, records);
    if (run.with_records) {
      for (unsigned i = 0; i < burst_size; ++i) prefetch_record(records[i]);
      if (!table.logs_traffic())
        for (unsigned i = 0; i < burst_size; ++i)
          if (hit(records[i])) table.prefetch_counters(reader, slot_of(records[i]));
      for (unsigned i = 0; i < burst_size; ++i)
        if (hit(records[i]) && !table.log_traffic(reader, slot_of(records[i]), 64, true))
          ++table.counters(reader, slot_of(records[i])).encapsulated_packets;
    }
    for (unsigned i = 0; i < burst_size; ++i) found += hit(records[i]) ? 1u : 0u;
    const std::uint64_t took = rte_rdtsc() - begin;
    table.quiescent(reader);
    if (took > interrupted) continue;
    spent += took;
    looked_up += burst_size;
  }
  table.unregister_reader(reader);
  if (found == 0) std::printf("(no binding found)\n");
  run.cycles_per_key = looked_up == 0 ? 0 : static_cast<double>(spent) / static_cast<double>(looked_up);
}

Ip6Addr tunnel_key(std::uint32_t index) { return address(0xa, index); }
MacAddr guest_key(std::uint32_t index) { return mac(0x52, index); }

int table_only(void* arg) {
  TableRun& run = *static_cast<TableRun*>(arg);
  if (run.guests)
    time_lookups<const GuestRecord*>(
        run, [](BindingTable& t, const std::uint8_t* const* k, const GuestRecord** r) { t.lookup_guests_by_mac(k, burst_size, r); },
        guest_key);
  else
    time_lookups<TunnelBinding>(
        run, [](BindingTable& t, const std::uint8_t* const* k, TunnelBinding* r) { t.lookup_tunnels(k, burst_size, r); },
        tunnel_key);
  return 0;
}

void program(BindingTable& table, Scenario scenario, std::uint32_t n, std::uint32_t guests_per_host) {
  for (std::uint32_t i = 0; i < n; ++i) {
    if (scenario == Scenario::ha_encapsulate || scenario == Scenario::ha_decapsulate) {
      table.set_tunnel({address(0xa, i), address(0xb, i / guests_per_host)});
    } else {
      GuestSpec g;
      g.mac = mac(0x52, i);
      g.home_address = address(0xa, i);
      g.link_local = address(0xfe80, i);
      g.link_local.bytes[0] = 0xfe;
      g.link_local.bytes[1] = 0x80;
      g.away = true;
      g.resumed = true;
      g.home_agent = kHaAddress;
      g.care_of_address = kCareOf;
      g.router_mac = kRouterMac;
      g.router_link_local = address(0xfe80, 1);
      table.set_guest(g);
    }
  }
  table.reclaim();
}

std::uint16_t open_null_port(const char* name, rte_mempool* pool) {
  std::uint16_t port = 0;
  if (rte_eth_dev_get_port_by_name(name, &port) != 0) {
    std::fprintf(stderr, "datapath_bench: no port %s\n", name);
    std::exit(1);
  }
  rte_eth_conf conf{};
  if (rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
      rte_eth_rx_queue_setup(port, 0, 1024, rte_socket_id(), nullptr, pool) != 0 ||
      rte_eth_tx_queue_setup(port, 0, 1024, rte_socket_id(), nullptr) != 0 || rte_eth_dev_start(port) != 0) {
    std::fprintf(stderr, "datapath_bench: cannot start %s\n", name);
    std::exit(1);
  }
  return port;
}

// Mpps of one core's run, over its own busy cycles.
// Mpps over `cycles` of work; 0 when there were none (every burst interrupted).
double mpps_of(std::uint64_t packets, std::uint64_t cycles) {
  if (cycles == 0) return 0;
  return static_cast<double>(packets) / (static_cast<double>(cycles) / static_cast<double>(rte_get_tsc_hz())) / 1e6;
}

double run_mpps(const Run& run) { return mpps_of(run.packets, run.cycles); }

// Free default-size hugepages, in MiB, as /proc/meminfo reports them.
std::uint64_t free_hugepage_mb() {
  FILE* meminfo = std::fopen("/proc/meminfo", "r");
  if (meminfo == nullptr) return 0;
  char line[256];
  unsigned long long free_pages = 0;
  unsigned long long page_kb = 0;
  while (std::fgets(line, sizeof line, meminfo) != nullptr) {
    std::sscanf(line, "HugePages_Free: %llu", &free_pages);
    std::sscanf(line, "Hugepagesize: %llu kB", &page_kb);
  }
  std::fclose(meminfo);
  return free_pages * page_kb / 1024;
}

// What both processes (testpmd first, then ours) need: the bench's EAL
// grows on demand up to about 1.2 GB at a million bindings (rte_hash,
// records, eight readers' counters, mbufs); testpmd's is gone by then.
constexpr std::uint64_t hugepage_mb_needed = 1536;

bool use_hugepages(const Options& o) {
  if (o.memory == Options::Memory::no_huge) return false;
  const std::uint64_t free_mb = free_hugepage_mb();
  if (free_mb >= hugepage_mb_needed) return true;
  if (o.memory == Options::Memory::huge) {
    std::fprintf(stderr, "datapath_bench: --memory huge, but only %llu MiB of hugepages are free (%llu needed)\n",
                 static_cast<unsigned long long>(free_mb), static_cast<unsigned long long>(hugepage_mb_needed));
    std::exit(1);
  }
  return false;
}

// EAL memory options: on hugepages, nothing left behind in hugetlbfs
// (--in-memory); otherwise the tests' --no-huge with a fixed size.
std::string eal_memory_args(bool hugepages) {
  return hugepages ? "--in-memory" : "--no-huge -m 1024";
}

struct TestpmdResult {
  bool ok = false;
  double mpps = 0;
  double cycles_per_packet = 0;
};

// dpdk-testpmd on two net_null devices, one forwarding core, in `mode`
// ("io": frames passed on untouched; "macswap": both MACs of every frame
// swapped, which reads and writes each header as a pipeline does); Mpps
// from its accumulated RX count over the time between start and stop.
TestpmdResult run_testpmd(double seconds, bool hugepages, const char* mode) {
  const std::string out = "/tmp/roam6-datapath-bench-testpmd-" + std::to_string(::getpid()) + ".log";
  const std::string prefix = private_file_prefix("roam6-bench-testpmd");
  const std::string cmd =
      "dpdk-testpmd " + eal_memory_args(hugepages) + " --no-pci --no-telemetry --file-prefix=" + prefix +
      " -l 0-1 --vdev net_null0 --vdev net_null1 --log-level='*:warning' -- -i"
      " --forward-mode=" + mode + " --nb-cores=1 --total-num-mbufs=16384 > " + out + " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "w");
  if (pipe == nullptr) return {};
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // EAL start
  std::fputs("start\n", pipe);
  std::fflush(pipe);
  const auto begun = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  std::fputs("stop\n", pipe);
  std::fflush(pipe);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - begun).count();
  std::fputs("quit\n", pipe);
  std::fflush(pipe);
  const int status = ::pclose(pipe);
  std::error_code ignored;
  std::filesystem::remove_all(runtime_directory_of(prefix), ignored);  // testpmd leaves it behind
  TestpmdResult r;
  FILE* log = std::fopen(out.c_str(), "r");
  if (log == nullptr) return r;
  char line[512];
  unsigned long long rx = 0;
  bool in_total = false;
  while (std::fgets(line, sizeof line, log) != nullptr) {
    if (std::strstr(line, "Accumulated forward statistics") != nullptr) in_total = true;
    if (in_total) {
      const char* at = std::strstr(line, "RX-packets:");
      if (at != nullptr) {
        rx = std::strtoull(at + 11, nullptr, 10);
        in_total = false;
      }
    }
  }
  std::fclose(log);
  if (status != 0 || rx == 0) {
    std::fprintf(stderr, "datapath_bench: testpmd gave no figure (see %s)\n", out.c_str());
    return r;
  }
  std::remove(out.c_str());
  r.ok = true;
  r.mpps = static_cast<double>(rx) / elapsed / 1e6;
  return r;
}

// The sequence of bindings the packets name: uniform, or Zipf-skewed with
// exponent `zipf` (rank r drawn with probability proportional to
// 1/(r+1)^zipf from the cumulative distribution, ranks assigned to bindings
// by a random permutation so the popular ones are spread over the table).
std::vector<std::uint32_t> key_sequence(std::uint32_t n, double zipf, std::mt19937& rng) {
  std::vector<std::uint32_t> keys(key_sequence_length);
  if (zipf <= 0) {
    std::uniform_int_distribution<std::uint32_t> pick(0, n - 1);
    for (auto& k : keys) k = pick(rng);
    return keys;
  }
  std::vector<double> cumulative(n);
  double total = 0;
  for (std::uint32_t r = 0; r < n; ++r) cumulative[r] = total += 1.0 / std::pow(static_cast<double>(r) + 1, zipf);
  std::vector<std::uint32_t> binding_of_rank(n);
  for (std::uint32_t r = 0; r < n; ++r) binding_of_rank[r] = r;
  std::shuffle(binding_of_rank.begin(), binding_of_rank.end(), rng);
  std::uniform_real_distribution<double> u(0, total);
  for (auto& k : keys) {
    const auto rank = static_cast<std::size_t>(std::lower_bound(cumulative.begin(), cumulative.end(), u(rng)) -
                                               cumulative.begin());
    k = binding_of_rank[std::min<std::size_t>(rank, n - 1)];
  }
  return keys;
}

// The control plane's part while one core forwards: fold the traffic logs
// every 2 ms, as DpdkForwardingTable does while traffic flows. Its cycles
// per folded packet are printed beside the forwarding core's: logging moves
// the counters' random line there, it does not make it free.
struct FoldCost {
  std::uint64_t cycles = 0;
  std::uint64_t packets = 0;
};
void wait_folding(BindingTable& table, unsigned worker, FoldCost& cost) {
  auto fold = [&] {
    const std::uint64_t start = rte_rdtsc();
    const std::uint64_t folded = table.fold_traffic();
    if (folded != 0) {
      cost.cycles += rte_rdtsc() - start;
      cost.packets += folded;
    }
  };
  while (rte_eal_get_lcore_state(worker) == RUNNING) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    fold();
  }
  rte_eal_wait_lcore(worker);
  fold();
}

// `run` on each lcore alone and on both at once; prints the summed rate
// and the scaling. The main lcore forwards itself (it would otherwise spin
// in rte_eal_wait_lcore on the second CPU). Each core forwards between
// net_null devices of its own (`second_ports` for the main lcore), as a
// NIC's queue pairs would be: net_null's queues keep their statistics in
// one shared cache line, which would bounce between the cores every burst.
// A VM's two CPUs need not be equal, nor keep their speed (on this one
// either may run compute at half the other's rate for seconds), so the
// pair's summed rate is set against the sum of the two cores' rates alone,
// each of the three measured in turn in short slices over the same span.
// With equal cores, 2 x that ratio is the pair against one core.
void print_two_cores(const Run& run, unsigned worker, const std::array<std::uint16_t, 2>& second_ports) {
  constexpr int slices = 4;
  auto fresh_run = [&](bool second) {
    Run r = run;
    if (second) {
      r.rx_port = second_ports[0];
      r.tx_port = second_ports[1];
    }
    r.first_key = second ? key_sequence_length / 2 : 0;
    r.seconds = run.seconds / slices;
    r.counters = DatapathCounters{};
    r.all_packets = 0;
    return r;
  };
  // packets and cycles summed over the slices: worker alone, main alone,
  // worker beside main, main beside worker
  std::array<std::uint64_t, 4> packets{};
  std::array<std::uint64_t, 4> cycles{};
  std::uint64_t interrupted = 0;
  std::uint64_t bursts = 0;
  auto add = [&](std::size_t i, const Run& r) {
    packets[i] += r.packets;
    cycles[i] += r.cycles;
    interrupted += r.interrupted_bursts;
    bursts += r.bursts;
  };
  for (int slice = 0; slice < slices; ++slice) {
    Run worker_alone = fresh_run(false);
    rte_eal_remote_launch(forward, &worker_alone, worker);
    rte_eal_wait_lcore(worker);
    add(0, worker_alone);
    Run main_alone = fresh_run(true);
    forward(&main_alone);
    add(1, main_alone);
    Run beside_main = fresh_run(false);
    Run beside_worker = fresh_run(true);
    std::atomic<unsigned> warmed_up{0};
    beside_main.start_together = &warmed_up;
    beside_worker.start_together = &warmed_up;
    rte_eal_remote_launch(forward, &beside_main, worker);
    forward(&beside_worker);
    rte_eal_wait_lcore(worker);
    add(2, beside_main);
    add(3, beside_worker);
  }
  auto mpps = [&](std::size_t i) { return mpps_of(packets[i], cycles[i]); };
  const double alone = mpps(0) + mpps(1);
  const double together = mpps(2) + mpps(3);
  std::printf("%-46s %10s %8.2f Mpps %8.2f x one core  (cores alone %.2f + %.2f Mpps, together %.2f + %.2f)",
              "  on two cores", run.with_pipeline ? std::to_string(run.bindings).c_str() : "-", together,
              alone > 0 ? 2 * together / alone : 0.0, mpps(0), mpps(1), mpps(2), mpps(3));
  if (interrupted != 0)
    std::printf("  [%.2f%% of bursts interrupted, left out]",
                100.0 * static_cast<double>(interrupted) / static_cast<double>(bursts));
  std::printf("\n");
}

}  // namespace

// Under callgrind, the counts collected since the last dump go to a file
// of their own, labelled for bench/instructions_per_packet.sh.
void dump_instructions(const Options& o, const char* scenario, std::uint32_t bindings, std::uint64_t packets) {
  if (!o.instructions) return;
  const std::string label = std::string(scenario) + " " + std::to_string(bindings) + " " + std::to_string(packets);
  CALLGRIND_DUMP_STATS_AT(label.c_str());
}

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  if (options.instructions && RUNNING_ON_VALGRIND == 0) {
    std::fprintf(stderr, "datapath_bench: --instructions counts under callgrind: run bench/instructions_per_packet.sh\n");
    return 2;
  }

  const bool hugepages = use_hugepages(options);
  TestpmdResult testpmd;
  TestpmdResult macswap;
  if (options.testpmd) {
    testpmd = run_testpmd(options.seconds, hugepages, "io");
    macswap = run_testpmd(options.seconds, hugepages, "macswap");
  }

  std::vector<std::string> args;
  if (hugepages) {
    args = {"--in-memory", "--no-pci", "--no-telemetry",
            "--file-prefix=" + private_file_prefix("roam6-bench"), "--log-level=*:warning"};
  } else {
    args = test_eal_args(2048);
  }
  args.insert(args.end(), {"-l", "0-1", "--vdev", "net_null0", "--vdev", "net_null1"});
  if (options.cores == 2) args.insert(args.end(), {"--vdev", "net_null2", "--vdev", "net_null3"});
  ensure_eal(args);
  if (rte_lcore_count() < 2) {
    std::fprintf(stderr, "datapath_bench: needs two lcores\n");
    return 1;
  }
  rte_mempool* pool = rte_pktmbuf_pool_create("bench", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  if (pool == nullptr) return 1;
  const std::uint16_t rx = open_null_port("net_null0", pool);
  const std::uint16_t tx = open_null_port("net_null1", pool);
  std::array<std::uint16_t, 2> second_ports{};
  if (options.cores == 2) second_ports = {open_null_port("net_null2", pool), open_null_port("net_null3", pool)};
  PuntQueue punt("bench_punt", 1024);
  const unsigned worker = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);

  std::printf("datapath_bench: %s, net_null -> net_null, burst %u, %.1f s per figure\n",
              options.cores == 2 ? "one forwarding core, then two" : "one forwarding core", burst_size,
              options.seconds);
  std::printf("Home Agent bindings: %u guests per care-of address (--guests-per-host)\n", options.guests_per_host);
  std::printf("memory: %s (TSC %.3f GHz)\n",
              rte_eal_has_hugepages() != 0 ? "hugepages (EAL --in-memory; table arrays via rte_zmalloc)"
                                           : "--no-huge (4 KiB EAL pages; table arrays on transparent hugepages if the kernel allows)",
              static_cast<double>(rte_get_tsc_hz()) / 1e9);
  if (testpmd.ok) {
    // One forwarding core busy for the whole interval; the TSC rate is
    // known only once our own EAL runs.
    testpmd.cycles_per_packet = static_cast<double>(rte_get_tsc_hz()) / (testpmd.mpps * 1e6);
    std::printf("%-46s %10s %8.2f Mpps %8.1f cycles/pkt\n", "dpdk-testpmd io-forward", "-", testpmd.mpps,
                testpmd.cycles_per_packet);
  }
  if (macswap.ok) {
    macswap.cycles_per_packet = static_cast<double>(rte_get_tsc_hz()) / (macswap.mpps * 1e6);
    std::printf("%-46s %10s %8.2f Mpps %8.1f cycles/pkt\n", "dpdk-testpmd macswap", "-", macswap.mpps,
                macswap.cycles_per_packet);
  }
  std::mt19937 rng(42);
  for (const Scenario scenario : {Scenario::ha_encapsulate, Scenario::ha_decapsulate, Scenario::host_encapsulate,
                                  Scenario::host_decapsulate}) {
    if (!options.only.empty() && options.only != scenario_option(scenario)) continue;
    double generator_cycles = 0;
    double transmit_cycles = 0;  // per packet, measured where the pipeline runs
    for (const std::uint32_t n : options.bindings) {
      BindingTableLimits limits;
      limits.max_tunnels = std::max<std::uint32_t>(n, 1024);
      limits.max_guests = std::max<std::uint32_t>(n, 1024);
      limits.name = "bench" + std::to_string(static_cast<int>(scenario)) + "_" + std::to_string(n);
      // Counted instructions depend on how many keys the seed spills out of
      // their home buckets (HA decap moved by up to 9 % between draws): one
      // seed, so counts compare from run to run.
      if (options.instructions) limits.hash_seed = 0x5eed0f0e5eed0f0eULL;
      // Under callgrind the main lcore's folds come late and irregularly:
      // a log that never fills, so every logged packet takes the logged
      // path (hosts count in place unless --counting logged).
      if (options.instructions) limits.traffic_log_entries = 1u << 20;
      const bool host = scenario == Scenario::host_encapsulate || scenario == Scenario::host_decapsulate;
      // As mip6d's daemon (mip6d/daemon/daemon.cpp): a Home Agent logs, a
      // host counts in place with its per-guest state beside the counters.
      const auto chosen = [](Options::Choice choice, bool as_mip6d) {
        return choice == Options::Choice::as_mip6d ? as_mip6d : choice == Options::Choice::on;
      };
      if (!chosen(options.logged, !host)) limits.traffic_log_entries = 0;
      limits.reader_state = chosen(options.reader_state, host);
      BindingTable table(limits, kHaAddress);
      program(table, scenario, n, options.guests_per_host);
      const std::vector<std::uint32_t> keys = key_sequence(n, options.zipf, rng);

      Run run;
      run.scenario = scenario;
      run.bindings = n;
      run.seconds = options.seconds;
      run.rx_port = rx;
      run.tx_port = tx;
      run.table = &table;
      run.pool = pool;
      run.punt = &punt;
      run.keys = &keys;
      run.guests_per_host = options.guests_per_host;
      run.home_prefixes = !options.look_up_everything;
      run.count_instructions = options.instructions;
      if (generator_cycles == 0) {
        Run baseline = run;
        baseline.with_pipeline = false;
        rte_eal_remote_launch(forward, &baseline, worker);
        rte_eal_wait_lcore(worker);
        dump_instructions(options, "transmit", 0, baseline.all_packets);
        generator_cycles = static_cast<double>(baseline.cycles) / static_cast<double>(baseline.packets);
        transmit_cycles = static_cast<double>(baseline.stage_cycles) / static_cast<double>(baseline.packets);
        std::printf("%-46s %10s %8.2f Mpps %8.1f cycles/pkt\n", "generator only (fill frame, rx, tx)", "-",
                    static_cast<double>(rte_get_tsc_hz()) / generator_cycles / 1e6, generator_cycles);
        // What this machine's two cores allow a loop that touches no table.
        if (options.cores == 2 && !options.instructions) print_two_cores(baseline, worker, second_ports);
      }
      rte_eal_remote_launch(forward, &run, worker);
      FoldCost fold;
      wait_folding(table, worker, fold);
      dump_instructions(options, scenario_option(scenario), n, run.all_packets);
      const double per_packet = static_cast<double>(run.cycles) / static_cast<double>(run.packets);
      const double mpps = run_mpps(run);
      const auto& port = run.counters.port[0];
      const auto& guests_port = run.counters.port[1];
      // Interrupted bursts' packets took the path too but are not in run.packets.
      const std::uint64_t done = port.disposition[static_cast<std::size_t>(Disposition::encapsulated)] +
                                 port.disposition[static_cast<std::size_t>(Disposition::decapsulated)] +
                                 guests_port.disposition[static_cast<std::size_t>(Disposition::encapsulated)] +
                                 guests_port.disposition[static_cast<std::size_t>(Disposition::decapsulated)];
      // The pipeline's own cost: cycles between the filled burst and its
      // transmission, less what the transmission alone costs.
      const double pipeline = static_cast<double>(run.stage_cycles) / static_cast<double>(run.packets) -
                              transmit_cycles;
      std::printf("%-46s %10u %8.2f Mpps %8.1f cycles/pkt %8.1f pipeline cycles/pkt", scenario_name(scenario), n,
                  mpps, per_packet, pipeline);
      if (testpmd.ok) {
        // Raw ratio (our loop also fills every frame), and the ratio were
        // the pipeline added to testpmd's own per-packet cost.
        std::printf("  %.2f x testpmd (%.2f x as testpmd + pipeline)", mpps / testpmd.mpps,
                    testpmd.cycles_per_packet / (testpmd.cycles_per_packet + pipeline));
        // The peer to beat: testpmd's own loop plus our pipeline against
        // testpmd swapping MACs (which also reads and writes every header).
        if (macswap.ok)
          std::printf("  %.2f x macswap", macswap.cycles_per_packet / (testpmd.cycles_per_packet + pipeline));
      }
      if (fold.packets != 0)
        std::printf("  + %.1f fold cycles/pkt", static_cast<double>(fold.cycles) / static_cast<double>(fold.packets));
      if (run.interrupted_bursts != 0)
        std::printf("  [%.2f%% of bursts interrupted, left out]",
                    100.0 * static_cast<double>(run.interrupted_bursts) / static_cast<double>(run.bursts));
      if (done != run.all_packets) {
        std::printf("  [only %llu of %llu packets took the path]", static_cast<unsigned long long>(done),
                    static_cast<unsigned long long>(run.all_packets));
      }
      std::printf("\n");
      if (options.cores == 2 && !options.instructions) print_two_cores(run, worker, second_ports);
      if ((scenario == Scenario::ha_encapsulate || scenario == Scenario::host_encapsulate) && !options.instructions) {
        // On the forwarding core, after the run: the table alone.
        TableRun lookup{&table, &keys, std::min(options.seconds, 1.0) / 2, false,
                        scenario == Scenario::host_encapsulate, 0};
        TableRun with_records = lookup;
        with_records.with_records = true;
        for (TableRun* table_run : {&lookup, &with_records}) {
          rte_eal_remote_launch(table_only, table_run, worker);
          FoldCost ignored;
          wait_folding(table, worker, ignored);
        }
        std::printf("%-46s %10u %43s %8.1f table cycles/pkt (bulk lookup alone %.1f)\n",
                    "  of which: bulk lookup, record, counters", n, "", with_records.cycles_per_key,
                    lookup.cycles_per_key);
      }
      std::fflush(stdout);
    }
  }
  rte_eth_dev_stop(rx);
  rte_eth_dev_stop(tx);
  if (options.cores == 2)
    for (const std::uint16_t port : second_ports) rte_eth_dev_stop(port);
  return 0;
}
