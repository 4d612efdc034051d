#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "datapath/dpdk/eal.hpp"

extern char** environ;

namespace roam6::datapath {
namespace {

TEST(Eal, StartsOncePerProcessWithoutHugepages) {
  ASSERT_TRUE(eal_ready());
  EXPECT_GE(rte_lcore_count(), 1u);
  // A second call with other arguments is a no-op, not a failure.
  EXPECT_NO_THROW(ensure_eal({"--bogus-flag"}));
  rte_mempool* pool = rte_pktmbuf_pool_create("eal_test", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                              SOCKET_ID_ANY);
  ASSERT_NE(pool, nullptr);
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  ASSERT_NE(m, nullptr);
  rte_pktmbuf_free(m);
  rte_mempool_free(pool);
}

TEST(Eal, TestsRunOnAPrivatePrefixWhereTheEalPutsItsFiles) {
  const std::string prefix = "roam6-test-" + std::to_string(::getpid());
  EXPECT_EQ(runtime_directory_of(prefix), std::filesystem::path(rte_eal_get_runtime_dir()));
  EXPECT_TRUE(std::filesystem::exists(runtime_directory_of(prefix)));
}

// A pid that belonged to a process which has exited and been reaped.
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

TEST(Eal, APrivatePrefixRemovesOnlyTheDirectoriesOfDeadProcessesOfItsStem) {
  const std::string dead = std::to_string(dead_pid());
  const std::string alive = std::to_string(::getpid());
  const std::vector<std::string> swept = {"roam6-sweep-" + dead};
  const std::vector<std::string> kept = {"roam6-sweep-" + alive, "roam6-sweep-x" + dead,
                                         "roam6-sweep-other-" + dead, "roam6-sweeping-" + dead,
                                         "roam6-sweep-"};
  for (const auto& name : swept) std::filesystem::create_directories(runtime_directory_of(name) / "inner");
  for (const auto& name : kept) std::filesystem::create_directories(runtime_directory_of(name));

  EXPECT_EQ(private_file_prefix("roam6-sweep"), "roam6-sweep-" + alive);

  for (const auto& name : swept) EXPECT_FALSE(std::filesystem::exists(runtime_directory_of(name))) << name;
  for (const auto& name : kept) {
    EXPECT_TRUE(std::filesystem::exists(runtime_directory_of(name))) << name;
    std::filesystem::remove_all(runtime_directory_of(name));
  }
}

// DPDK leaves a 25 MB runtime directory per process without hugepages; a
// test run starts thousands of processes.
TEST(Eal, AProcessOnAPrivatePrefixLeavesNoRuntimeDirectory) {
  std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::string filter = "--gtest_filter=Eal.StartsOncePerProcessWithoutHugepages";
  std::vector<char*> argv = {self.data(), filter.data(), nullptr};
  // The child's report goes to a file of its own, not over ours.
  std::vector<std::string> environment;
  for (char** e = environ; *e != nullptr; ++e)
    if (std::string_view(*e).rfind("GTEST_OUTPUT=", 0) != 0) environment.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& e : environment) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string output = std::filesystem::temp_directory_path() / ("roam6-eal-child-" + std::to_string(::getpid()));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t child = 0;
  const int spawned = ::posix_spawn(&child, self.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ASSERT_EQ(spawned, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  std::ifstream report(output);
  const std::string printed((std::istreambuf_iterator<char>(report)), std::istreambuf_iterator<char>());
  std::filesystem::remove(output);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // It ran the test, so it started the EAL on its own prefix.
  EXPECT_NE(printed.find("[  PASSED  ] 1 test."), std::string::npos) << printed;
  EXPECT_FALSE(std::filesystem::exists(runtime_directory_of("roam6-test-" + std::to_string(child))));
}

// A primary in another pid namespace may run on a directory whose pid is
// dead here; its lock on the config file keeps the directory.
TEST(Eal, APrivatePrefixKeepsADirectoryARunningPrimaryLocks) {
  const std::filesystem::path directory = runtime_directory_of("roam6-locked-" + std::to_string(dead_pid()));
  std::filesystem::create_directories(directory);
  std::ofstream(directory / "config") << "x";
  const std::string config = (directory / "config").string();  // no allocation in the child
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t holder = ::fork();
  if (holder == 0) {
    const int fd = ::open(config.c_str(), O_RDWR);
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    lock.l_len = 64;
    const char locked = fd >= 0 && ::fcntl(fd, F_SETLK, &lock) == 0 ? 'y' : 'n';
    (void)!::write(ready[1], &locked, 1);
    ::pause();
    ::_exit(0);
  }
  char locked = 0;
  ASSERT_EQ(::read(ready[0], &locked, 1), 1);
  EXPECT_EQ(locked, 'y');
  (void)private_file_prefix("roam6-locked");
  EXPECT_TRUE(std::filesystem::exists(directory));
  ::kill(holder, SIGKILL);
  ::waitpid(holder, nullptr, 0);
  (void)private_file_prefix("roam6-locked");  // the lock is gone with its holder
  EXPECT_FALSE(std::filesystem::exists(directory));
  ::close(ready[0]);
  ::close(ready[1]);
}

}  // namespace
}  // namespace roam6::datapath
