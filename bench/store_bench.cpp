// SqliteBindingStore throughput: how many bindings per second the Home Agent
// can commit in BU-sized batches, and how long a restart takes to read back
// N bindings (open + load). Files live in a fresh directory under $TMPDIR.
//
//   store_bench --benchmark_filter=BatchedPut
//   store_bench --benchmark_filter=Load/1000000

#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <numeric>
#include <string>
#include <system_error>
#include <vector>

#include "mip6d/store/sqlite_binding_store.hpp"

namespace roam6::mip6d {
namespace {

using namespace std::chrono_literals;

class BenchDir {
 public:
  BenchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "roam6-store-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~BenchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  BenchDir(const BenchDir&) = delete;
  BenchDir& operator=(const BenchDir&) = delete;
  [[nodiscard]] std::filesystem::path file() const { return path_ / "bindings.db"; }

 private:
  std::filesystem::path path_;
};

// Spreads consecutive numbers over the key space like real home addresses
// from many prefixes, so inserts land all over the b-tree.
std::uint64_t scramble(std::uint64_t n) {
  n ^= n >> 33;
  n *= 0xff51afd7ed558ccdull;
  n ^= n >> 33;
  return n;
}

StoredBinding binding_number(std::uint64_t n, WallTime expires) {
  StoredBinding b;
  const std::uint64_t key = scramble(n);
  b.home_address.bytes[0] = 0x20;
  b.home_address.bytes[1] = 0x01;
  for (int i = 0; i < 8; ++i) {  // big-endian: byte order sorts like `key`
    b.home_address.bytes[static_cast<std::size_t>(15 - i)] = static_cast<std::uint8_t>(key >> (8 * i));
  }
  b.care_of_address = b.home_address;
  b.care_of_address.bytes[0] = 0xfd;
  b.expires = expires;
  b.spi = static_cast<std::uint32_t>(n);
  b.last_timestamp = n * 1000;
  b.sequence = static_cast<std::uint16_t>(n);
  b.flags = 0xA000;
  return b;
}

const WallTime kFarFuture = WallClock::now() + 24h * 365;

// Stores bindings 0..rows-1, inserted in key order so that building a
// million-row file takes seconds, not minutes; the measured operations then
// see a full table.
void fill(const std::filesystem::path& file, std::uint64_t rows) {
  std::vector<std::uint64_t> numbers(rows);
  std::iota(numbers.begin(), numbers.end(), std::uint64_t{0});
  std::sort(numbers.begin(), numbers.end(),
            [](std::uint64_t a, std::uint64_t b) { return scramble(a) < scramble(b); });
  SqliteBindingStore store(file);
  constexpr std::size_t kFillBatch = 10'000;
  for (std::size_t next = 0; next < numbers.size();) {
    store.begin();
    for (std::size_t i = 0; i < kFillBatch && next < numbers.size(); ++i, ++next) {
      store.put(binding_number(numbers[next], kFarFuture));
    }
    store.commit();
  }
}

// Args: batch size, stored bindings, durable_sync. The table starts full and
// each put replaces the binding of a pseudo-random home address, as binding
// refreshes from many guests do: every row lands on a different b-tree page.
void BM_BatchedPut(benchmark::State& state) {
  const auto batch = static_cast<std::uint64_t>(state.range(0));
  const auto population = static_cast<std::uint64_t>(state.range(1));
  const bool durable_sync = state.range(2) != 0;
  BenchDir dir;
  fill(dir.file(), population);
  SqliteBindingStore store(dir.file(), durable_sync);
  std::uint64_t n = 0;
  for (auto _ : state) {
    store.begin();
    for (std::uint64_t i = 0; i < batch; ++i, ++n) {
      store.put(binding_number(scramble(n + 1) % population, kFarFuture + 1h));
    }
    store.commit();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
  state.counters["rows"] = static_cast<double>(store.count());
}
BENCHMARK(BM_BatchedPut)
    ->ArgNames({"batch", "population", "durable"})
    ->Args({64, 1000, 0})
    ->Args({64, 100'000, 0})
    ->Args({256, 100'000, 0})
    ->Args({64, 1'000'000, 0})
    ->Args({256, 1'000'000, 0})
    ->Args({64, 100'000, 1})
    ->UseRealTime()  // I/O bound: wall time is what the event loop pays
    ->Unit(benchmark::kMicrosecond);

// Startup: open the file and stream N live bindings through the callback.
void BM_Load(benchmark::State& state) {
  const auto rows = static_cast<std::uint64_t>(state.range(0));
  BenchDir dir;
  fill(dir.file(), rows);
  const WallTime now = WallClock::now();
  std::uint64_t loaded = 0;
  for (auto _ : state) {
    SqliteBindingStore store(dir.file());
    std::uint64_t spi_sum = 0;  // touch each row so the callback cannot be elided
    store.load(now, [&](const StoredBinding& b) {
      spi_sum += b.spi;
      ++loaded;
    });
    benchmark::DoNotOptimize(spi_sum);
  }
  if (loaded != rows * static_cast<std::uint64_t>(state.iterations())) {
    state.SkipWithError("load returned the wrong number of bindings");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(loaded));
}
BENCHMARK(BM_Load)->Arg(1'000)->Arg(100'000)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Load)->Arg(1'000'000)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace roam6::mip6d

BENCHMARK_MAIN();
