// The datapath tests' main: one DPDK EAL per test process (rte_eal_init runs
// once per process), started before the first test and shared by all.

#include <gtest/gtest.h>

#include "datapath/dpdk/eal.hpp"

namespace {

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { roam6::datapath::ensure_eal(roam6::datapath::test_eal_args(1024)); }
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new EalEnvironment);
  return RUN_ALL_TESTS();
}
