// The datapath tests' main: one DPDK EAL per test process (rte_eal_init runs
// once per process), started before the first test and shared by all. It has
// two lcores: the main one (the tests, as mip6d's control plane) and one
// worker, on which the engine tests run a forwarding core.

#include <gtest/gtest.h>

#include "datapath/dpdk/eal.hpp"

namespace {

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto args = roam6::datapath::test_eal_args(1024);
    args.insert(args.end(), {"-l", "0-1"});
    roam6::datapath::ensure_eal(args);
  }
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new EalEnvironment);
  return RUN_ALL_TESTS();
}
