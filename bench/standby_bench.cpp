// A standby Home Agent at scale (figures printed, not pass/fail; see
// docs/benchmarks.md), against a running etcd:
//   1. fill: N bindings written through the etcd store, as a leader does;
//   2. catch-up: a new standby's full read of the prefix until its copy
//      holds all N and its watch runs, and the memory that copy takes per
//      binding;
//   3. takeover: the store's load() of all N from that copy (what a new
//      leader decodes before it serves, with no read from etcd).
// The records are deleted at the end.
// Usage: standby_bench --etcd ADDRESS:PORT [--bindings N] [--txn-ops N]
//   (etcd started with --max-txn-ops at least --txn-ops, default 8192)

#include <malloc.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "mip6d/etcd/etcd_binding_store.hpp"
#include "mip6d/etcd/etcd_codec.hpp"
#include "mip6d/etcd/standby_follower.hpp"
#include "mip6d/runtime/asio_scheduler.hpp"

namespace {

using namespace roam6;
using namespace roam6::mip6d;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::size_t resident_bytes() {
  ::malloc_trim(0);  // what the full read's transient JSON left free goes back first
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

wire::Ip6Addr home_address(std::uint32_t i) {
  std::array<std::uint8_t, 16> b{0x20, 0x01, 0x0d, 0xb8, 0x00, 0x0a};
  b[12] = static_cast<std::uint8_t>(i >> 24);
  b[13] = static_cast<std::uint8_t>(i >> 16);
  b[14] = static_cast<std::uint8_t>(i >> 8);
  b[15] = static_cast<std::uint8_t>(i);
  return wire::Ip6Addr::from_bytes(b.data());
}

}  // namespace

int main(int argc, char** argv) {
  std::uint32_t bindings = 1000000;
  std::size_t txn_ops = 8192;
  std::string endpoint;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--bindings") bindings = static_cast<std::uint32_t>(std::strtoul(argv[i + 1], nullptr, 10));
    else if (k == "--txn-ops") txn_ops = std::strtoul(argv[i + 1], nullptr, 10);
    else if (k == "--etcd") endpoint = argv[i + 1];
    else {
      endpoint.clear();
      break;
    }
  }
  if (endpoint.empty() || txn_ops == 0) {
    std::fprintf(stderr, "usage: %s --etcd ADDRESS:PORT [--bindings N] [--txn-ops N]\n", argv[0]);
    return 2;
  }
  EtcdSettings settings;
  settings.endpoints = {endpoint};
  settings.prefix = "/roam6/standby-bench-" + std::to_string(::getpid());
  settings.timeout = std::chrono::seconds(30);
  settings.txn_ops = txn_ops;

  try {
    // 1. Fill, in batches of txn_ops bindings.
    {
      etcd::EtcdBindingStore store(settings);
      const auto start = Clock::now();
      const WallTime expires = WallClock::now() + std::chrono::hours(1);
      for (std::uint32_t i = 0; i < bindings;) {
        store.begin();
        for (std::size_t n = 0; n < txn_ops && i < bindings; ++n, ++i) {
          StoredBinding b;
          b.home_address = home_address(i);
          b.care_of_address = *wire::Ip6Addr::parse("2001:db8:b::10");
          b.expires = std::chrono::time_point_cast<std::chrono::milliseconds>(expires);
          b.spi = 1001;
          b.last_timestamp = 0xE1234567'89ABCDEFull + i;
          b.sequence = static_cast<std::uint16_t>(i);
          b.flags = 0xA400;
          store.put(b);
        }
        store.commit();
      }
      const double s = seconds_since(start);
      std::printf("fill: %u bindings written in %.1f s (%.0f/s, %zu a transaction)\n", bindings, s, bindings / s,
                  txn_ops);
    }

    // 2. A new standby catches up.
    boost::asio::io_context io;
    AsioScheduler scheduler(io);
    Logger log(LogLevel::error, [](LogLevel, std::string_view line) {
      std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
    });
    const std::size_t before = resident_bytes();
    etcd::StandbyFollower follower(io, settings, scheduler, log);
    const auto start = Clock::now();
    follower.start();
    while (!(follower.following() && follower.mirror().size() >= bindings) && seconds_since(start) < 600)
      io.run_for(std::chrono::milliseconds(10));
    const double catch_up = seconds_since(start);
    const std::size_t after = resident_bytes();
    std::printf("catch-up: a new standby holds %zu records and follows in %.2f s (%.0f records/s)\n",
                follower.mirror().size(), catch_up, static_cast<double>(follower.mirror().size()) / catch_up);
    std::printf("standby memory: %.0f bytes per binding (%.1f MiB for %u)\n",
                static_cast<double>(after - before) / bindings, static_cast<double>(after - before) / (1 << 20),
                bindings);

    // 3. Takeover: the bindings decoded from the copy.
    etcd::EtcdBindingStore store(settings);
    store.use_mirror(&follower.mirror());
    std::size_t loaded = 0;
    const auto load_start = Clock::now();
    store.load(WallClock::now(), [&](const StoredBinding&) { ++loaded; });
    std::printf("takeover read: %zu bindings decoded from the standby's copy in %.2f s\n", loaded,
                seconds_since(load_start));
    follower.stop();

    etcd::EtcdClient client({endpoint}, std::chrono::seconds(60));
    const std::string under = settings.prefix + "/";
    client.call("/v3/kv/deleterange",
                {{"key", etcd::to_base64(under)}, {"range_end", etcd::to_base64(etcd::prefix_range_end(under))}});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "standby_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
