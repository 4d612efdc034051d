#pragma once
// The DPDK Environment Abstraction Layer, once per process. rte_eal_init
// cannot be called twice (even after rte_eal_cleanup), so the first caller's
// arguments win and later callers get the same environment.

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
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

// rte_eal_cleanup(), then, in a primary process, removes the runtime
// directory (/var/run/dpdk/<file-prefix>) that DPDK 22.11 leaves behind:
// its config and fbarray files take 25 MB without hugepages, and only one
// primary can hold a prefix (a secondary's directory is its primary's and
// stays). Every port, pool
// and lcore job must be stopped first. No-op when the EAL is not initialised; throws
// EalError with rte_errno's text when rte_eal_cleanup fails. The EAL cannot
// be initialised again in this process afterwards.
void cleanup_eal();

// Where DPDK keeps the runtime files of `file_prefix`: /var/run/dpdk/<prefix>
// for root, else under $XDG_RUNTIME_DIR (or /tmp), as the EAL chooses it.
[[nodiscard]] std::filesystem::path runtime_directory_of(std::string_view file_prefix);

// A --file-prefix only this process uses, "<stem>-<pid>", for short-lived
// processes (tests, benches, replays) that run side by side. When ensure_eal
// starts on it, its runtime directory is removed at exit even without
// cleanup_eal. Those of dead processes with the same stem (a crash, a test
// killed at its timeout) are removed here, so runs never pile them up; a
// directory whose config file a running primary still locks is kept.
[[nodiscard]] std::string private_file_prefix(std::string_view stem);

// The arguments roam6's tests use: no hugepages, no PCI, quiet, a private
// file prefix (stem "roam6-test") so parallel test processes never collide.
[[nodiscard]] std::vector<std::string> test_eal_args(unsigned memory_mb = 512);

}  // namespace roam6::datapath
