// The forwarding table's timer on a simulated clock: it reclaims every
// reclaim interval, and folds the cores' traffic logs every 2 ms while
// traffic flows, so a log does not fill between two reclaims.

#include "datapath/mip6d_bridge/dpdk_forwarding_table.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "tests/support/mip6d/simulated_scheduler.hpp"

namespace roam6::datapath {
namespace {

using namespace std::chrono_literals;

wire::Ip6Addr ip(const char* text) { return wire::Ip6Addr::parse(text).value(); }

class ForwardingTableTimer : public ::testing::Test {
 protected:
  ForwardingTableTimer() : table_(limits(), ip("2001:db8:a::1")), fib_(table_, scheduler_, log_, 100ms) {
    fib_.set_tunnel({hoa_, ip("2001:db8:b::2")});
    slot_ = table_.find_tunnel_for_writer(hoa_)->slot;
    reader_ = table_.register_reader();
  }
  ~ForwardingTableTimer() override { table_.unregister_reader(reader_); }

  static BindingTableLimits limits() {
    BindingTableLimits l;
    l.max_tunnels = 16;
    l.max_guests = 16;
    l.max_readers = 1;
    l.name = "fib_timer";
    return l;
  }
  // One published packet, as a forwarding core's burst leaves it.
  void forward_one() {
    ASSERT_TRUE(table_.log_traffic(reader_, slot_, 100, true));
    table_.quiescent(reader_);
  }

  mip6d::SimulatedScheduler scheduler_;
  mip6d::Logger log_{mip6d::LogLevel::error};
  BindingTable table_;
  DpdkForwardingTable fib_;
  const wire::Ip6Addr hoa_ = ip("2001:db8:a::100");
  std::uint32_t slot_ = 0;
  unsigned reader_ = 0;
};

TEST_F(ForwardingTableTimer, AnIdleTableIsVisitedOncePerReclaimInterval) {
  scheduler_.advance(99ms);
  forward_one();
  scheduler_.advance(1ms);  // the reclaim timer: folds the packet
  EXPECT_EQ(table_.fold_traffic(), 0u);
  forward_one();
  scheduler_.advance(1ms);  // traffic seen: the timer comes back in 2 ms
  EXPECT_EQ(table_.fold_traffic(), 1u);
  scheduler_.advance(2ms);  // nothing folded this time: back to 100 ms
  forward_one();
  scheduler_.advance(98ms);  // 1 ms before the timer
  EXPECT_EQ(table_.fold_traffic(), 1u);
  EXPECT_EQ(table_.tunnel_counters(hoa_)->encapsulated_packets, 3u);
}

TEST_F(ForwardingTableTimer, WhileTrafficFlowsTheLogsAreFoldedEveryTwoMilliseconds) {
  forward_one();
  scheduler_.advance(100ms);
  for (int tick = 0; tick < 50; ++tick) {
    forward_one();
    scheduler_.advance(DpdkForwardingTable::busy_fold_interval);
    EXPECT_EQ(table_.fold_traffic(), 0u) << "tick " << tick;
  }
  EXPECT_EQ(table_.tunnel_counters(hoa_)->encapsulated_packets, 51u);
}

}  // namespace
}  // namespace roam6::datapath
