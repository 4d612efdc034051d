#pragma once
// The DPDK Environment Abstraction Layer, once per process. rte_eal_init
// cannot be called twice (even after rte_eal_cleanup), so the first caller's
// arguments win and later callers get the same environment.

#include <stdexcept>
#include <string>
#include <vector>

namespace roam6::datapath {

class EalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Initialises the EAL with `args` (without argv[0]) unless already done.
// Returns true when this call initialised it (its caller then owns the
// cleanup). Throws EalError naming rte_errno's text when rte_eal_init
// fails, and when the EAL was already cleaned up in this process.
bool ensure_eal(const std::vector<std::string>& args);
[[nodiscard]] bool eal_ready() noexcept;

// rte_eal_cleanup(): releases the EAL's memory, hugepage files and runtime
// directory (/var/run/dpdk/<file-prefix>). Every port, pool and lcore job
// must be stopped first. No-op when the EAL is not initialised; throws
// EalError with rte_errno's text when rte_eal_cleanup fails. The EAL cannot
// be initialised again in this process afterwards.
void cleanup_eal();

// The arguments roam6's tests use: no hugepages, no PCI, quiet, a file
// prefix unique to this process so parallel test processes never collide.
[[nodiscard]] std::vector<std::string> test_eal_args(unsigned memory_mb = 512);

}  // namespace roam6::datapath
