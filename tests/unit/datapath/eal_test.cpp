#include <gtest/gtest.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "datapath/dpdk/eal.hpp"

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

}  // namespace
}  // namespace roam6::datapath
