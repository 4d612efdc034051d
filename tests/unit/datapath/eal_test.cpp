#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
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
  pid_t child = 0;
  ASSERT_EQ(::posix_spawn(&child, self.c_str(), nullptr, nullptr, argv.data(), environ), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(std::filesystem::exists(runtime_directory_of("roam6-test-" + std::to_string(child))));
}

}  // namespace
}  // namespace roam6::datapath
