// Home Agent figures (printed, not pass/fail; see docs/benchmarks.md):
//   1. authenticated BU -> BA processing on one core, with the SQLite store
//      committing each burst before its BAs leave; with --etcd, the same on
//      the etcd store in the same run (a running etcd, started with
//      --max-txn-ops at least twice --burst: docs/benchmarks.md);
//   2. memory per binding with 1 000 000 bindings in the cache;
//   3. restart: time until 1 000 000 stored bindings are back in the cache
//      and the forwarding table.
// Usage: home_agent_bench [--bindings N] [--updates N] [--burst N] [--dir DIR]
//                         [--etcd ADDRESS:PORT]

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mip6d/config/config_loader.hpp"
#include "mip6d/home_agent/home_agent.hpp"
#include "tests/support/mip6d/simulated_scheduler.hpp"
#include "mip6d/signalling/ntp_timestamp.hpp"
#include "mip6d/etcd/etcd_binding_store.hpp"
#include "mip6d/store/sqlite_binding_store.hpp"
#include "roam6/wire/ethernet.hpp"

namespace {

using namespace roam6;
using namespace roam6::mip6d;
using Clock = std::chrono::steady_clock;

// Takes frames and throws them away: only the HA's own work is measured.
class DiscardingIo final : public PacketIo {
 public:
  void set_handler(Handler h) override { handler = std::move(h); }
  bool send(Port, wire::ByteSpan) override {
    ++sent;
    return true;
  }
  wire::MacAddr mac(Port) const override { return mac_; }
  Handler handler;
  wire::MacAddr mac_ = *wire::MacAddr::parse("02:00:00:00:0a:99");
  std::uint64_t sent = 0;
};

class NullForwardingTable final : public ForwardingTable {
 public:
  void set_tunnel(const TunnelBinding&) override { ++ops; }
  void clear_tunnel(const wire::Ip6Addr&) override { ++ops; }
  void set_guest(const GuestPath&) override { ++ops; }
  void clear_guest(const wire::MacAddr&) override { ++ops; }
  std::uint64_t ops = 0;
};

const char* kConfig = R"(
role = "home-agent"
node_name = "bench-ha"
[interfaces]
uplink = "eth0"
[home_agent]
address = "2001:db8:a::1"
home_prefixes = ["2001:db8:a::/64"]
max_lifetime = 3600
[[sites]]
name = "site-a"
prefix = "2001:db8:a::/64"
home_agent = "2001:db8:a::1"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0a:01"
[[keys]]
name = "hosts"
spi = 1001
secret_hex = "00112233445566778899aabbccddeeff"
[[policy]]
key = "hosts"
care_of_prefixes = ["2001:db8:b::/48"]
home_prefixes = ["2001:db8:a::/64"]
)";

wire::Ip6Addr home_address(std::uint32_t i) {
  auto a = *wire::Ip6Addr::parse("2001:db8:a::");
  a.bytes[12] = static_cast<std::uint8_t>(i >> 24);
  a.bytes[13] = static_cast<std::uint8_t>(i >> 16);
  a.bytes[14] = static_cast<std::uint8_t>(i >> 8);
  a.bytes[15] = static_cast<std::uint8_t>(i);
  a.bytes[11] = 1;  // never ::0 or the HA
  return a;
}

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void bu_throughput(const Config& config, std::uint32_t updates, std::uint32_t burst, BindingStore& store,
                   const char* store_name) {
  SimulatedScheduler sched;
  DiscardingIo io;
  NullForwardingTable fib;
  Logger log(LogLevel::error, [](LogLevel, std::string_view) {});
  ha::HomeAgent agent(config, sched, io, fib, store, log);
  agent.start();

  // Pre-built frames: building them is the hosts' work, not the HA's.
  KeyRing keys(config.keys);
  std::vector<std::vector<std::uint8_t>> frames(updates);
  const auto timestamp = to_ntp_timestamp(sched.wall_now());
  for (std::uint32_t i = 0; i < updates; ++i) {
    auto& f = frames[i];
    f.resize(256);
    auto head = wire::write_ethernet_header(f, io.mac(Port::uplink), *wire::MacAddr::parse("02:00:00:00:0a:01"),
                                            wire::ethertype::ipv6);
    BindingUpdateSpec s;
    s.care_of_address = *wire::Ip6Addr::parse("2001:db8:b::2");
    s.home_agent = *wire::Ip6Addr::parse("2001:db8:a::1");
    s.home_address = home_address(i);
    s.sequence = 1;
    s.lifetime = std::chrono::seconds(600);
    s.timestamp = timestamp;
    auto n = write_binding_update(wire::MutableByteSpan(f).subspan(*head), s, *keys.find(1001u));
    f.resize(*head + *n);
  }
  const auto start = Clock::now();
  for (std::uint32_t i = 0; i < updates; i += burst) {
    for (std::uint32_t k = i; k < std::min(updates, i + burst); ++k)
      io.handler({Port::uplink, frames[k], sched.now()});
    sched.run_ready();  // commit the burst, then send its BAs
  }
  const double s = seconds_since(start);
  std::printf("authenticated BU->BA (new bindings, %s commit per %u-BU burst): %u in %.3f s = %.0f per second"
              " (goal >= %s); frames sent (BAs and first NAs) %llu, accepted %llu, failed batches %llu\n",
              store_name, burst, updates, s, updates / s, std::string_view(store_name) == "SQLite" ? "100000" : "50000", static_cast<unsigned long long>(io.sent),
              static_cast<unsigned long long>(agent.counters().bu_accepted),
              static_cast<unsigned long long>(agent.counters().store_failures));
}

void memory_per_binding(std::uint32_t bindings) {
  const std::size_t before = resident_bytes();
  ha::BindingCache cache;
  const TimePoint t0 = TimePoint{} + std::chrono::hours(1000);
  ha::Binding b;
  b.care_of_address = *wire::Ip6Addr::parse("2001:db8:b::2");
  for (std::uint32_t i = 0; i < bindings; ++i) {
    b.expires = t0 + std::chrono::seconds(600 + i % 3600);
    b.sequence = static_cast<std::uint16_t>(i);
    cache.put(home_address(i), b);
  }
  const std::size_t after = resident_bytes();
  std::printf("memory: %u bindings in the cache take %.1f MiB resident = %.0f bytes per binding (goal <= 256)\n",
              bindings, static_cast<double>(after - before) / (1 << 20),
              static_cast<double>(after - before) / bindings);
}

void restart(const Config& config, std::uint32_t bindings, const std::filesystem::path& dir) {
  const auto path = dir / "restart.sqlite";
  {
    std::filesystem::remove(path);
    SqliteBindingStore store(path);
    SimulatedScheduler sched;
    StoredBinding s;
    s.care_of_address = *wire::Ip6Addr::parse("2001:db8:b::2");
    s.expires = sched.wall_now() + std::chrono::hours(1);
    s.spi = 1001;
    for (std::uint32_t i = 0; i < bindings; i += 10000) {
      store.begin();
      for (std::uint32_t k = i; k < std::min(bindings, i + 10000); ++k) {
        s.home_address = home_address(k);
        s.sequence = static_cast<std::uint16_t>(k);
        store.put(s);
      }
      store.commit();
    }
  }
  const auto start = Clock::now();
  SimulatedScheduler sched;
  DiscardingIo io;
  NullForwardingTable fib;
  SqliteBindingStore store(path);
  Logger log(LogLevel::error, [](LogLevel, std::string_view) {});
  ha::HomeAgent agent(config, sched, io, fib, store, log);
  agent.start();
  const double s = seconds_since(start);
  std::printf("restart: %zu bindings back in cache and forwarding table in %.3f s (goal <= 2 s)\n",
              agent.bindings().size(), s);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint32_t bindings = 1000000, updates = 200000, burst = 64;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("roam6-ha-bench-" + std::to_string(getpid()));
  std::string etcd;  // --etcd: also measure the etcd store
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const auto v = static_cast<std::uint32_t>(std::strtoul(argv[i + 1], nullptr, 10));
    if (k == "--bindings") bindings = v;
    else if (k == "--updates") updates = v;
    else if (k == "--burst") burst = v;
    else if (k == "--dir") dir = argv[i + 1];
    else if (k == "--etcd") etcd = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: %s [--bindings N] [--updates N] [--burst N] [--dir DIR] [--etcd ADDRESS:PORT]\n",
                   argv[0]);
      return 2;
    }
  }
  std::filesystem::create_directories(dir);
  auto loaded = load_config_string(kConfig, "bench.toml");
  if (!loaded) {
    std::fprintf(stderr, "%s\n", loaded.error_report().c_str());
    return 1;
  }
  const Config config = std::move(loaded).config();
  memory_per_binding(bindings);
  {
    std::filesystem::remove(dir / "throughput.sqlite");
    SqliteBindingStore sqlite(dir / "throughput.sqlite");
    bu_throughput(config, updates, burst, sqlite, "SQLite");
  }
  if (!etcd.empty()) {
    EtcdSettings settings;
    settings.endpoints = {etcd};
    settings.prefix = "/roam6/bench-" + std::to_string(::getpid());
    settings.timeout = std::chrono::seconds(5);
    settings.txn_ops = 2 * burst;
    etcd::EtcdBindingStore store(settings);
    bu_throughput(config, updates, burst, store, "etcd");
  }
  restart(config, bindings, dir);
  std::filesystem::remove_all(dir);
  return 0;
}
