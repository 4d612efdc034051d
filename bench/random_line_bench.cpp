// What a random cache line costs this machine's core, the floor under every
// datapath figure at a million bindings (docs/benchmarks.md).
//
// Each "packet" reads one byte of a random 64-byte line of a buffer, 32
// packets at a time (a pipeline's chunk), every line requested before the
// first is read, as the table's bulk lookup does. Printed, in TSC cycles
// per packet, for buffers from cache-sized to far beyond the last-level
// cache:
//   - the lines requested in the packets' own batch;
//   - the lines requested one batch ahead (a lookahead across bursts);
//   - a second random-line read-modify-write per packet (a binding's
//     counters beside its bucket);
// each with some compute per packet beside it (a dependent multiply chain
// of 0, 10 or 20 steps), and that compute alone, so the figures show
// whether the machine overlaps memory with work or adds one to the other.
//
// Usage: random_line_bench [--sizes MiB[,MiB...]] [--packets N]

#include <rte_cycles.h>
#include <rte_prefetch.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bench/positive_list.hpp"

namespace {

constexpr unsigned batch = 32;
constexpr std::size_t line = 64;

[[noreturn]] void usage(int status) {
  std::fprintf(status == 0 ? stdout : stderr,
               "usage: random_line_bench [--sizes MiB[,MiB...]] [--packets N]\n"
               "  Cycles per packet for one random line read per packet, 32 packets a\n"
               "  batch, over buffers of the given sizes (default 1,16,64,256 MiB), with\n"
               "  the lines requested in the batch or one batch ahead, with a second\n"
               "  line written per packet, and beside 0, 10 or 20 steps of compute.\n"
               "  --packets N: packets per figure, rounded down to whole batches of 32\n"
               "  (default 4194304).\n");
  std::exit(status);
}

// A dependent chain: `steps` multiplies the core cannot overlap with each other.
inline void compute(std::uint64_t& x, int steps) noexcept {
  for (int i = 0; i < steps; ++i) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
}

enum class Access { none, own_batch, batch_ahead, second_line };

const char* access_name(Access a) {
  switch (a) {
    case Access::none: return "compute alone (lines in L1)";
    case Access::own_batch: return "line requested in its own batch";
    case Access::batch_ahead: return "line requested one batch ahead";
    case Access::second_line: return "+ a second random line written";
  }
  return "?";
}

double cycles_per_packet(std::uint8_t* buffer, const std::vector<std::uint32_t>& lines,
                         const std::vector<std::uint32_t>& second, Access access, int steps,
                         std::uint64_t& sink) {
  const std::size_t n = lines.size() - batch;  // the last batch is only looked ahead to
  std::uint64_t x = sink | 1;
  std::uint64_t sum = 0;
  auto at = [buffer](std::uint32_t l) { return buffer + std::size_t{l} * line; };
  const std::uint64_t start = rte_rdtsc();
  if (access == Access::batch_ahead)
    for (unsigned i = 0; i < batch; ++i) rte_prefetch0(at(lines[i]));
  for (std::size_t b = 0; b < n; b += batch) {
    if (access == Access::batch_ahead) {
      for (unsigned i = 0; i < batch; ++i) rte_prefetch0(at(lines[b + batch + i]));
    } else if (access != Access::none) {
      for (unsigned i = 0; i < batch; ++i) rte_prefetch0(at(lines[b + i]));
    }
    if (access == Access::second_line)
      for (unsigned i = 0; i < batch; ++i) rte_prefetch0(at(second[b + i]));
    for (unsigned i = 0; i < batch; ++i) {
      // Without memory, the same loads hit one line over and over.
      sum += *at(access == Access::none ? 0 : lines[b + i]);
      compute(x, steps);
    }
    if (access == Access::second_line)
      for (unsigned i = 0; i < batch; ++i) ++*at(second[b + i]);
  }
  const std::uint64_t took = rte_rdtsc() - start;
  sink += sum + x;
  return static_cast<double>(took) / static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes_mib{1, 16, 64, 256};
  std::size_t packets = std::size_t{1} << 22;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") usage(0);
    if (a == "--sizes" && i + 1 < argc) {
      const auto sizes = roam6::bench::parse_positive_list(argv[++i]);
      if (!sizes) usage(2);
      sizes_mib.assign(sizes->begin(), sizes->end());
    } else if (a == "--packets" && i + 1 < argc) {
      const long v = std::atol(argv[++i]);
      if (v < static_cast<long>(batch) * 2) usage(2);
      // Whole batches only: the lookahead reads one batch past the last.
      packets = static_cast<std::size_t>(v) / batch * batch;
    } else {
      usage(2);
    }
  }

  std::printf("random_line_bench: one random 64-byte line per packet, %u packets a batch, TSC cycles per packet\n",
              batch);
  std::printf("%-10s %-36s %12s %12s %12s\n", "buffer", "access", "0 compute", "10 compute", "20 compute");
  std::mt19937_64 rng(7);
  std::uint64_t sink = 0;
  for (const std::size_t mib : sizes_mib) {
    const std::size_t bytes = mib << 20;
    void* mapped = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) {
      std::perror("random_line_bench: mmap");
      return 1;
    }
    auto* buffer = static_cast<std::uint8_t*>(mapped);
    std::memset(buffer, 1, bytes);  // backed before the clock starts
    const auto line_count = static_cast<std::uint32_t>(bytes / line);
    std::uniform_int_distribution<std::uint32_t> pick(0, line_count - 1);
    std::vector<std::uint32_t> lines(packets + batch);
    std::vector<std::uint32_t> second(packets + batch);
    for (auto& l : lines) l = pick(rng);
    for (auto& l : second) l = pick(rng);
    for (const Access access : {Access::none, Access::own_batch, Access::batch_ahead, Access::second_line}) {
      std::printf("%-10s %-36s", (std::to_string(mib) + " MiB").c_str(), access_name(access));
      for (const int steps : {0, 10, 20})
        std::printf(" %12.1f", cycles_per_packet(buffer, lines, second, access, steps, sink));
      std::printf("\n");
    }
    ::munmap(mapped, bytes);
  }
  // Printed so the compiler keeps every load.
  std::printf("(checksum %llu)\n", static_cast<unsigned long long>(sink));
  return 0;
}
