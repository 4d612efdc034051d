#pragma once
// A throw-away network namespace for tests that need real interfaces.
//
// How the tests get into it: a socket belongs to the network namespace it was
// created in, for its whole life. So a helper thread enters the namespace
// (setns(CLONE_NEWNET) affects only the calling thread), opens the sockets
// there and exits; the test thread then uses them from the root namespace,
// on its own io_context. No fork, and the test process never changes
// namespace itself.
//
// Cleanup: the namespace (and every veth in it, both ends live inside) goes
// away in the destructor, even when an assertion fails. A crashed run can
// still leave one behind, so remove_leftovers() deletes namespaces with our
// prefix whose creating process is gone; it leaves those of runs still alive
// (other engineers share this machine).

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>

namespace roam6::mip6d::test {

// Runs a shell command, returns its exit status and (merged) output.
inline std::pair<int, std::string> run_command(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) throw std::system_error(errno, std::system_category(), "popen " + command);
  std::string output;
  char chunk[512];
  while (const std::size_t n = std::fread(chunk, 1, sizeof chunk, pipe)) output.append(chunk, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

inline std::string must_run(const std::string& command) {
  auto [status, output] = run_command(command);
  if (status != 0) {
    throw std::runtime_error("'" + command + "' failed (" + std::to_string(status) +
                             "): " + output);
  }
  return output;
}

class TestNamespace {
 public:
  static constexpr const char* prefix = "roam6test-";

  TestNamespace() {
    static int counter = 0;
    name_ = std::string(prefix) + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    must_run("ip netns add " + name_);
    try {
      // No kernel IPv6 on the test links: no DAD, router or multicast
      // listener chatter for the filter to pass, as on a real mip6d interface.
      must_run("ip netns exec " + name_ +
               " sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1");
    } catch (...) {
      (void)run_command("ip netns del " + name_);  // no destructor for a half-built object
      throw;
    }
  }
  ~TestNamespace() { (void)run_command("ip netns del " + name_); }
  TestNamespace(const TestNamespace&) = delete;
  TestNamespace& operator=(const TestNamespace&) = delete;

  [[nodiscard]] const std::string& name() const { return name_; }

  // Both ends inside the namespace, up.
  void add_veth_pair(const std::string& a, const std::string& b, unsigned mtu = 1500) {
    must_run("ip -n " + name_ + " link add " + a + " mtu " + std::to_string(mtu) +
             " type veth peer name " + b + " mtu " + std::to_string(mtu));
    must_run("ip -n " + name_ + " link set dev " + a + " up");
    must_run("ip -n " + name_ + " link set dev " + b + " up");
  }
  [[nodiscard]] std::string link_details(const std::string& device) const {
    return must_run("ip -n " + name_ + " -d link show dev " + device);
  }

  // Runs `fn` on a thread that has entered the namespace; returns its result
  // or rethrows what it threw.
  template <class F>
  auto run_inside(F&& fn) const {
    using Result = std::invoke_result_t<F&>;
    std::optional<Result> result;
    std::exception_ptr error;
    std::thread worker([&] {
      try {
        const std::string path = "/run/netns/" + name_;
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw std::system_error(errno, std::system_category(), "open " + path);
        const int entered = ::setns(fd, CLONE_NEWNET);
        const int setns_error = errno;
        ::close(fd);
        if (entered != 0) throw std::system_error(setns_error, std::system_category(), "setns");
        result.emplace(fn());
      } catch (...) {
        error = std::current_exception();
      }
    });
    worker.join();
    if (error) std::rethrow_exception(error);
    return std::move(*result);
  }

  static void remove_leftovers() {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/run/netns", ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind(prefix, 0) != 0) continue;
      const std::string rest = name.substr(std::char_traits<char>::length(prefix));
      const auto dash = rest.find('-');
      if (dash == std::string::npos) continue;
      pid_t pid = 0;
      try {
        pid = static_cast<pid_t>(std::stol(rest.substr(0, dash)));
      } catch (const std::exception&) {
        continue;
      }
      if (pid > 0 && (::kill(pid, 0) == 0 || errno != ESRCH)) continue;  // still running
      (void)run_command("ip netns del " + name);
    }
  }

 private:
  std::string name_;
};

}  // namespace roam6::mip6d::test
