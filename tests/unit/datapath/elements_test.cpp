// The small datapath elements on their own: TX batch, punt queue, frame
// classifier, token bucket, hold queues, encapsulation and decapsulation.

#include <gtest/gtest.h>
#include <poll.h>
#include <rte_mbuf.h>

#include <atomic>
#include <optional>
#include <thread>

#include "datapath/elements/decapsulator.hpp"
#include "datapath/elements/encapsulator.hpp"
#include "datapath/elements/frame_classifier.hpp"
#include "datapath/elements/hold_queues.hpp"
#include "datapath/elements/icmp_errors.hpp"
#include "datapath/elements/liveness_reports.hpp"
#include "datapath/elements/punt_queue.hpp"
#include "datapath/elements/recent_deliveries.hpp"
#include "datapath/elements/tx_batch.hpp"
#include "datapath/table/binding_table.hpp"
#include "frame_builder.hpp"

namespace roam6::datapath {
namespace {

using namespace test;

const auto mac_a = mac("02:00:00:00:00:0a");
const auto mac_b = mac("02:00:00:00:00:0b");

class Elements : public ::testing::Test {
 protected:
  void SetUp() override { pool = test_pool(); }
  void TearDown() override { rte_mempool_free(pool); }
  rte_mbuf* udp_frame(std::size_t data = 10) {
    return to_mbuf(pool, ethernet_frame(mac_a, mac_b,
                                        udp_packet({ip("2001:db8:a::10"), ip("2001:db8:c::1")}, data)));
  }
  rte_mempool* pool = nullptr;
};

TEST_F(Elements, TxBatchCountsSentBytesAndFreesWhatThePortRefused) {
  CollectingSink sink;
  DatapathCounters counters;
  TxBatch batch(sink, DatapathPort::uplink, counters);
  rte_mbuf* a = udp_frame(10);
  rte_mbuf* b = udp_frame(20);
  rte_mbuf* c = udp_frame(30);
  const auto len_a = rte_pktmbuf_pkt_len(a);
  const auto len_b = rte_pktmbuf_pkt_len(b);
  sink.accept = 2;
  batch.push(a);
  batch.push(b);
  batch.push(c);
  EXPECT_EQ(batch.pending(), 3);
  batch.flush();
  EXPECT_EQ(batch.pending(), 0);
  ASSERT_EQ(sink.packets.size(), 2u);
  const auto& up = counters.port[0];
  EXPECT_EQ(up.tx_packets, 2u);
  EXPECT_EQ(up.tx_bytes, len_a + len_b);
  EXPECT_EQ(up.disposition[static_cast<std::size_t>(Disposition::drop_tx_full)], 1u);
  EXPECT_EQ(rte_mempool_in_use_count(pool), 2u);  // c went back to the pool
  batch.flush();                                  // nothing pending: no-op
  EXPECT_EQ(up.tx_packets, 2u);
}

TEST_F(Elements, TxBatchFlushesByItselfWhenFull) {
  CollectingSink sink;
  DatapathCounters counters;
  TxBatch batch(sink, DatapathPort::guests, counters);
  for (unsigned i = 0; i < TxBatch::capacity; ++i) batch.push(udp_frame());
  EXPECT_EQ(sink.packets.size(), TxBatch::capacity);
  EXPECT_EQ(batch.pending(), 0);
  EXPECT_EQ(counters.port[1].tx_packets, TxBatch::capacity);
}

TEST_F(Elements, PuntQueueKeepsPortAndTimestampAndWakesOnce) {
  PuntQueue queue(unique_name("punt"), 4);
  pollfd pfd{queue.event_fd(), POLLIN, 0};
  EXPECT_EQ(poll(&pfd, 1, 0), 0);
  ASSERT_TRUE(queue.push(udp_frame(), DatapathPort::guests, 123456789));
  ASSERT_TRUE(queue.push(udp_frame(), DatapathPort::uplink, 42));
  EXPECT_EQ(poll(&pfd, 1, 0), 1);
  queue.drain_event();
  EXPECT_EQ(poll(&pfd, 1, 0), 0);  // the second push did not write again
  rte_mbuf* out[8];
  ASSERT_EQ(queue.pop(out, 8), 2u);
  EXPECT_EQ(PuntQueue::port_of(out[0]), DatapathPort::guests);
  EXPECT_EQ(PuntQueue::tsc_of(out[0]), 123456789u);
  EXPECT_EQ(PuntQueue::port_of(out[1]), DatapathPort::uplink);
  EXPECT_EQ(PuntQueue::tsc_of(out[1]), 42u);
  rte_pktmbuf_free_bulk(out, 2);
  // Not armed again yet: a push while the reader is still draining stays
  // silent, and arming then says frames are waiting.
  ASSERT_TRUE(queue.push(udp_frame(), DatapathPort::guests, 7));
  EXPECT_EQ(poll(&pfd, 1, 0), 0);
  EXPECT_FALSE(queue.arm_wakeup());
  ASSERT_EQ(queue.pop(out, 8), 1u);
  rte_pktmbuf_free_bulk(out, 1);
  queue.drain_event();
  // Empty and armed: the next push wakes the control plane again.
  EXPECT_TRUE(queue.arm_wakeup());
  ASSERT_TRUE(queue.push(udp_frame(), DatapathPort::guests, 1));
  EXPECT_EQ(poll(&pfd, 1, 0), 1);
}

TEST_F(Elements, PuntQueueNeverLeavesFramesWithoutAWakeUp) {
  // A producer on another thread against a reader that sleeps on the
  // eventfd whenever arm_wakeup() says the ring is empty: every frame must
  // arrive, and the reader must never sleep a whole second with frames
  // waiting (the old empty -> non-empty rule lost wake-ups in this race).
  PuntQueue queue(unique_name("punt"), 64);
  constexpr unsigned total = 20000;
  std::atomic<unsigned> pushed{0};
  std::thread producer([&] {
    unsigned burst = 0;
    while (pushed.load() < total) {
      rte_mbuf* m = rte_pktmbuf_alloc(pool);
      if (m == nullptr) continue;  // the reader frees them
      if (queue.push(m, DatapathPort::uplink, pushed.load())) pushed.fetch_add(1);
      if (++burst % 37 == 0) std::this_thread::yield();
    }
  });
  unsigned received = 0;
  unsigned stuck = 0;
  pollfd pfd{queue.event_fd(), POLLIN, 0};
  rte_mbuf* out[16];
  while (received < total && stuck == 0) {
    queue.drain_event();
    unsigned n;
    while ((n = queue.pop(out, 16)) != 0) {
      for (unsigned i = 0; i < n; ++i) EXPECT_EQ(PuntQueue::tsc_of(out[i]), received + i);
      received += n;
      rte_pktmbuf_free_bulk(out, n);
    }
    if (!queue.arm_wakeup()) continue;
    if (received < total && poll(&pfd, 1, 1000) == 0) ++stuck;
  }
  producer.join();
  EXPECT_EQ(stuck, 0u) << "slept with " << (pushed.load() - received) << " frames waiting";
  EXPECT_EQ(received, total);
}

TEST_F(Elements, PuntQueueRefusesWhenFullAndFreesTheFrame) {
  PuntQueue queue(unique_name("punt"), 3);  // rounded up to 4
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(queue.push(udp_frame(), DatapathPort::guests, 1));
  EXPECT_FALSE(queue.push(udp_frame(), DatapathPort::guests, 1));
  EXPECT_EQ(rte_mempool_in_use_count(pool), 4u);
}

TEST(FrameClassifier, SortsFramesByWhatThePipelinesDoWithThem) {
  const Ipv6Header h{ip("2001:db8:a::10"), ip("2001:db8:c::1")};
  auto kind = [](const Bytes& f) { return classify_frame(f.data(), static_cast<std::uint32_t>(f.size())).kind; };
  EXPECT_EQ(kind(Bytes(13)), FrameKind::truncated_ethernet);
  EXPECT_EQ(kind(ethernet_frame(mac_a, mac_b, Bytes(28), wire::ethertype::arp)), FrameKind::not_ipv6);
  EXPECT_EQ(kind(ethernet_frame(mac_a, mac_b, udp_packet(h, 10))), FrameKind::other_ipv6);
  EXPECT_EQ(kind(ethernet_frame(mac_a, mac_b, mobility_packet(h))), FrameKind::mobility);
  EXPECT_EQ(kind(ethernet_frame(mac_a, mac_b, with_destination_options(mobility_packet(h), std::nullopt))),
            FrameKind::mobility);
  for (std::uint8_t type = 133; type <= 137; ++type)
    EXPECT_EQ(kind(ethernet_frame(mac_a, mac_b, icmpv6_packet(h, type))), FrameKind::neighbour_discovery);
  EXPECT_EQ(kind(ethernet_frame(mac_a, mac_b, icmpv6_packet(h, 128))), FrameKind::other_ipv6);
  EXPECT_EQ(kind(ethernet_frame(mac_a, mac_b, icmpv6_packet(h, 138))), FrameKind::other_ipv6);
  EXPECT_EQ(kind(ethernet_frame(mac_a, mac_b, ip6ip6_packet(h, udp_packet(h, 4)))), FrameKind::ip6ip6);
  // IPv6 shorter than its payload length.
  auto short_frame = ethernet_frame(mac_a, mac_b, udp_packet(h, 10));
  short_frame.resize(short_frame.size() - 1);
  EXPECT_EQ(kind(short_frame), FrameKind::malformed_ipv6);
  // Truncated IPv6 header, wrong version, ICMPv6 without its 4-byte header.
  EXPECT_EQ(kind(ethernet_frame(mac_a, mac_b, Bytes(39))), FrameKind::malformed_ipv6);
  auto v4 = ethernet_frame(mac_a, mac_b, udp_packet(h, 10));
  v4[14] = 0x45;
  EXPECT_EQ(kind(v4), FrameKind::malformed_ipv6);
  EXPECT_EQ(kind(ethernet_frame(mac_a, mac_b, ipv6_packet(h, wire::ipproto::icmpv6, Bytes(3)))),
            FrameKind::malformed_ipv6);
  // An extension header that runs past the payload.
  auto bad_chain = ethernet_frame(mac_a, mac_b, with_destination_options(udp_packet(h, 0), std::nullopt));
  bad_chain[14 + 41] = 20;
  EXPECT_EQ(kind(bad_chain), FrameKind::malformed_ipv6);
  // Link-layer padding after the packet is fine.
  auto padded = ethernet_frame(mac_a, mac_b, udp_packet(h, 2));
  padded.resize(padded.size() + 6);
  EXPECT_EQ(kind(padded), FrameKind::other_ipv6);
}

TEST(FrameClassifier, LinkScope) {
  EXPECT_TRUE(is_link_scope(ip("fe80::1").bytes.data()));
  EXPECT_TRUE(is_link_scope(ip("ff02::1").bytes.data()));
  EXPECT_TRUE(is_link_scope(ip("ff01::1").bytes.data()));
  EXPECT_TRUE(is_link_scope(ip("::1").bytes.data()));
  EXPECT_FALSE(is_link_scope(ip("ff05::2").bytes.data()));
  EXPECT_FALSE(is_link_scope(ip("ff0e::2").bytes.data()));
  EXPECT_FALSE(is_link_scope(ip("2001:db8::1").bytes.data()));
  EXPECT_FALSE(is_link_scope(ip("::").bytes.data()));
}

TEST(TokenBucket, AllowsABurstThenRefillsAtTheRate) {
  const std::uint64_t hz = 1'000'000;
  TokenBucket bucket(IcmpErrorSettings{10, 3});  // 10/s: one token per 100000 cycles
  EXPECT_TRUE(bucket.take(5, hz));
  EXPECT_TRUE(bucket.take(5, hz));
  EXPECT_TRUE(bucket.take(5, hz));
  EXPECT_FALSE(bucket.take(5, hz));
  EXPECT_FALSE(bucket.take(5 + 99'999, hz));
  EXPECT_TRUE(bucket.take(5 + 100'000, hz));
  EXPECT_FALSE(bucket.take(5 + 100'000, hz));
  // A long pause refills only up to the burst.
  const std::uint64_t later = 10 * hz;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.take(later, hz));
  EXPECT_FALSE(bucket.take(later, hz));
  TokenBucket off(IcmpErrorSettings{0, 10});
  EXPECT_FALSE(off.take(1, hz));
}

TEST(LivenessReports, EachSlotIsDueOncePerIntervalAndAgainInTheNext) {
  LivenessReports reports;
  EXPECT_FALSE(reports.due(0));  // nothing allocated: never due
  reports.allocate(130);         // three words, the last one partly used
  reports.advance(1'000, 500);   // the first interval begins at 1000
  EXPECT_TRUE(reports.due(0));
  EXPECT_FALSE(reports.due(0));
  EXPECT_TRUE(reports.due(64));
  EXPECT_TRUE(reports.due(129));
  EXPECT_FALSE(reports.due(129));
  EXPECT_FALSE(reports.due(130));  // beyond the capacity: never due
  EXPECT_TRUE(reports.due(1));     // its own bit, beside slot 0's
  reports.advance(1'499, 500);     // still the same interval
  EXPECT_FALSE(reports.due(0));
  EXPECT_FALSE(reports.due(64));
  reports.advance(1'500, 500);  // a new one: every slot is due again
  EXPECT_TRUE(reports.due(0));
  EXPECT_TRUE(reports.due(64));
  EXPECT_TRUE(reports.due(129));
  EXPECT_FALSE(reports.due(0));
  // The next interval counts from when this one began, however late the
  // call that starts it comes.
  reports.advance(9'000, 500);
  EXPECT_TRUE(reports.due(0));
  reports.advance(9'499, 500);
  EXPECT_FALSE(reports.due(0));
  // Up to 16 KiB it stays in L1 and is not worth prefetching.
  EXPECT_FALSE(reports.outgrows_l1());
  LivenessReports at_l1;
  at_l1.allocate(131'072);
  EXPECT_FALSE(at_l1.outgrows_l1());
  LivenessReports beyond;
  beyond.allocate(131'073);
  EXPECT_TRUE(beyond.outgrows_l1());
  beyond.advance(0, 1);
  EXPECT_TRUE(beyond.due(131'072));
  EXPECT_FALSE(beyond.due(131'073));
}

TEST_F(Elements, HoldQueuesKeepOrderPerGuestAndGeneration) {
  HoldQueues holds(HoldSettings{3, 2, 100});
  std::vector<rte_mbuf*> frames;
  for (int i = 0; i < 5; ++i) frames.push_back(udp_frame(static_cast<std::size_t>(i)));
  EXPECT_TRUE(holds.hold(7, 1, mac_a, frames[0], 10));
  EXPECT_TRUE(holds.hold(7, 1, mac_a, frames[1], 11));
  EXPECT_TRUE(holds.hold(9, 4, mac_b, frames[2], 12));
  EXPECT_FALSE(holds.hold(8, 1, mac_b, frames[3], 12));  // a third guest: no queue free
  EXPECT_TRUE(holds.hold(7, 1, mac_a, frames[3], 13));
  EXPECT_FALSE(holds.hold(7, 1, mac_a, frames[4], 14));  // 3 per guest
  EXPECT_EQ(holds.queued(7, 1), 3u);
  EXPECT_EQ(holds.queued(7, 2), 0u);  // other generation of the slot: nothing
  EXPECT_EQ(holds.guests_holding(), 2u);
  EXPECT_EQ(holds.total(), 4u);
  EXPECT_EQ(holds.release(7, 2, [](rte_mbuf*) { FAIL(); }), 0u);
  std::vector<rte_mbuf*> out;
  EXPECT_EQ(holds.release(7, 1, [&](rte_mbuf* m) { out.push_back(m); }), 3u);
  EXPECT_EQ(out, (std::vector<rte_mbuf*>{frames[0], frames[1], frames[3]}));
  EXPECT_EQ(holds.total(), 1u);
  for (rte_mbuf* m : out) rte_pktmbuf_free(m);
  rte_pktmbuf_free(frames[4]);
  // Queue freed: a new guest fits now, and the remaining one expires by time.
  EXPECT_TRUE(holds.hold(8, 1, mac_b, udp_frame(), 50));
  std::vector<rte_mbuf*> expired;
  auto keep = [](std::uint32_t, std::uint32_t, const wire::MacAddr&) { return HoldQueues::Verdict::keep; };
  holds.visit(112, 100, keep, [](rte_mbuf*) { FAIL(); }, [&](rte_mbuf* m) { expired.push_back(m); });
  EXPECT_EQ(expired, std::vector<rte_mbuf*>{frames[2]});  // held at 12: 100 cycles old
  for (rte_mbuf* m : expired) rte_pktmbuf_free(m);
  EXPECT_EQ(holds.queued(8, 1), 1u);
}

// A remembered packet is shared with the port that sends it: the port's
// free leaves it to the ring, and the ring's own free gives it back.
TEST_F(Elements, RecentDeliveriesShareWhatWasSentAndReplayFromATime) {
  const unsigned before = rte_mempool_avail_count(pool);
  RecentDeliveries recent(RecentDeliverySettings{3, 2});
  std::vector<rte_mbuf*> frames;
  for (int i = 0; i < 5; ++i) frames.push_back(udp_frame(static_cast<std::size_t>(i)));
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(recent.remember(7, 1, mac_a, frames[static_cast<std::size_t>(i)], 10 + static_cast<std::uint64_t>(i)));
  EXPECT_EQ(recent.remembered(7, 1), 3u);  // 3 per guest: the oldest went
  EXPECT_TRUE(recent.remember(9, 2, mac_b, frames[4], 20));
  rte_mbuf* third = udp_frame();
  EXPECT_FALSE(recent.remember(8, 1, mac_b, third, 20));  // no ring free
  EXPECT_EQ(rte_mbuf_refcnt_read(third), 1u);            // and not kept
  rte_pktmbuf_free(third);
  EXPECT_EQ(recent.total(), 4u);
  // The port sends (and frees) every one: the ring's references remain.
  for (rte_mbuf* m : frames) rte_pktmbuf_free(m);
  EXPECT_EQ(rte_mbuf_refcnt_read(frames[3]), 1u);
  std::vector<rte_mbuf*> replayed;
  EXPECT_EQ(recent.take(7, 2, 0, [](rte_mbuf*) { FAIL(); }), 0u);  // another generation
  EXPECT_EQ(recent.take(7, 1, 12, [&](rte_mbuf* m) { replayed.push_back(m); }), 2u);
  EXPECT_EQ(replayed, (std::vector<rte_mbuf*>{frames[2], frames[3]}));  // from 12 on, oldest first
  EXPECT_EQ(recent.remembered(7, 1), 0u);
  for (rte_mbuf* m : replayed) rte_pktmbuf_free(m);
  // visit: the other guest's ring is forgotten; every buffer is back.
  auto forget = [](std::uint32_t, std::uint32_t, const wire::MacAddr&, std::uint64_t&) {
    return RecentDeliveries::Verdict::forget;
  };
  recent.visit(forget, [](rte_mbuf*) { FAIL(); });
  EXPECT_EQ(recent.total(), 0u);
  EXPECT_EQ(rte_mempool_avail_count(pool), before);
}

TEST_F(Elements, RecentDeliveriesLetGoOfEverySegmentOfAChain) {
  const unsigned before = rte_mempool_avail_count(pool);
  {
    RecentDeliveries recent(RecentDeliverySettings{4, 1});
    rte_mbuf* head = udp_frame(10);
    rte_mbuf* tail = udp_frame(10);
    ASSERT_EQ(rte_pktmbuf_chain(head, tail), 0);
    EXPECT_TRUE(recent.remember(1, 1, mac_a, head, 5));
    EXPECT_EQ(rte_mbuf_refcnt_read(tail), 2u);
    rte_pktmbuf_free(head);  // the port
    EXPECT_EQ(rte_mbuf_refcnt_read(tail), 1u);
  }  // the ring's destructor lets go
  EXPECT_EQ(rte_mempool_avail_count(pool), before);
}

}  // namespace
}  // namespace roam6::datapath
