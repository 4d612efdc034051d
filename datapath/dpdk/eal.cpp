#include "datapath/dpdk/eal.hpp"

#include <rte_eal.h>
#include <rte_errno.h>
#include <unistd.h>

#include <mutex>

namespace roam6::datapath {
namespace {

std::mutex eal_mutex;
bool eal_initialised = false;
bool eal_cleaned_up = false;

}  // namespace

bool ensure_eal(const std::vector<std::string>& args) {
  const std::lock_guard lock(eal_mutex);
  if (eal_initialised) return false;
  if (eal_cleaned_up) {
    throw EalError("DPDK EAL initialisation failed: the EAL was cleaned up in this process and "
                   "cannot be initialised twice");
  }
  std::vector<std::string> storage;
  storage.reserve(args.size() + 1);
  storage.emplace_back("roam6");
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(storage.size() + 1);
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(storage.size()), argv.data()) < 0) {
    throw EalError(std::string("DPDK EAL initialisation failed: ") + rte_strerror(rte_errno));
  }
  eal_initialised = true;
  return true;
}

void cleanup_eal() {
  const std::lock_guard lock(eal_mutex);
  if (!eal_initialised) return;
  eal_initialised = false;
  eal_cleaned_up = true;
  if (rte_eal_cleanup() != 0) {
    throw EalError(std::string("DPDK EAL cleanup failed: ") + rte_strerror(rte_errno));
  }
}

bool eal_ready() noexcept {
  const std::lock_guard lock(eal_mutex);
  return eal_initialised;
}

std::vector<std::string> test_eal_args(unsigned memory_mb) {
  return {"--no-huge",
          "-m",
          std::to_string(memory_mb),
          "--no-pci",
          "--no-telemetry",
          "--file-prefix=roam6-test-" + std::to_string(::getpid()),
          "--log-level=*:warning"};
}

}  // namespace roam6::datapath
