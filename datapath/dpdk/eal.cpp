#include "datapath/dpdk/eal.hpp"

#include <fcntl.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <mutex>
#include <set>
#include <system_error>

namespace roam6::datapath {
namespace {

std::mutex eal_mutex;
bool eal_initialised = false;
bool eal_cleaned_up = false;
// Prefixes private_file_prefix handed out, and the runtime directory to
// remove at exit once the EAL runs on one of them.
std::set<std::string, std::less<>> private_prefixes;
std::filesystem::path runtime_directory_to_remove_at_exit;
pid_t process_that_registered_the_removal = 0;

void remove_quietly(const std::filesystem::path& directory) noexcept {
  std::error_code ignored;
  std::filesystem::remove_all(directory, ignored);
}

// Not in a forked child that calls exit(): the directory is its parent's.
void remove_private_runtime_directory_at_exit() noexcept {
  if (!runtime_directory_to_remove_at_exit.empty() && ::getpid() == process_that_registered_the_removal)
    remove_quietly(runtime_directory_to_remove_at_exit);
}

// A DPDK primary keeps a write lock on its runtime directory's config file
// for as long as it runs (rte_eal_config_create), whatever pid namespace it
// lives in.
bool locked_by_a_running_primary(const std::filesystem::path& directory) {
  const int fd = ::open((directory / "config").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock probe {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  probe.l_start = 0;
  probe.l_len = 1;
  const bool locked = ::fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type != F_UNLCK;
  ::close(fd);
  return locked;
}

// True when `name` is "<stem>-<pid>" of a process that no longer exists and
// no primary holds the directory. A live process, a pid reused since, or a
// name of another shape is kept.
bool left_by_a_dead_process(const std::filesystem::path& directory, std::string_view stem) {
  const std::string name = directory.filename().native();
  if (name.size() <= stem.size() + 1 || name.compare(0, stem.size(), stem) != 0 || name[stem.size()] != '-')
    return false;
  const std::string_view digits = std::string_view(name).substr(stem.size() + 1);
  pid_t pid = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
  if (error != std::errc{} || end != digits.data() + digits.size() || pid <= 0) return false;
  return ::kill(pid, 0) != 0 && errno == ESRCH && !locked_by_a_running_primary(directory);
}

// Only a primary's directory is ours to remove: a secondary process runs on
// the directory of a primary that goes on without it.
bool primary_process() noexcept { return rte_eal_process_type() == RTE_PROC_PRIMARY; }

}  // namespace

std::filesystem::path runtime_directory_of(std::string_view file_prefix) {
  // The EAL's own rule (eal_create_runtime_dir).
  std::filesystem::path base = "/var/run";
  if (::getuid() != 0) {
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    base = xdg != nullptr ? xdg : "/tmp";
  }
  return base / "dpdk" / std::string(file_prefix);
}

std::string private_file_prefix(std::string_view stem) {
  const std::filesystem::path base = runtime_directory_of("").parent_path();
  std::error_code error;
  for (std::filesystem::directory_iterator it(base, error), end; !error && it != end; it.increment(error)) {
    if (left_by_a_dead_process(it->path(), stem)) remove_quietly(it->path());
  }
  std::string prefix = std::string(stem) + "-" + std::to_string(::getpid());
  const std::lock_guard lock(eal_mutex);
  private_prefixes.insert(prefix);
  return prefix;
}

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
  const std::filesystem::path runtime_dir = rte_eal_get_runtime_dir();
  if (primary_process() && private_prefixes.contains(runtime_dir.filename().native())) {
    runtime_directory_to_remove_at_exit = runtime_dir;
    process_that_registered_the_removal = ::getpid();
    std::atexit(remove_private_runtime_directory_at_exit);
  }
  return true;
}

void cleanup_eal() {
  const std::lock_guard lock(eal_mutex);
  if (!eal_initialised) return;
  eal_initialised = false;
  eal_cleaned_up = true;
  const std::filesystem::path runtime_dir = rte_eal_get_runtime_dir();
  const bool primary = primary_process();
  if (rte_eal_cleanup() != 0) {
    throw EalError(std::string("DPDK EAL cleanup failed: ") + rte_strerror(rte_errno));
  }
  if (primary) remove_quietly(runtime_dir);
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
          "--file-prefix=" + private_file_prefix("roam6-test"),
          "--log-level=*:warning"};
}

}  // namespace roam6::datapath
