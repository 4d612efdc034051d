#include "mip6d/home_agent/hand_over_notices.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "tests/support/mip6d/simulated_scheduler.hpp"

namespace roam6::mip6d::ha {
namespace {

using namespace std::chrono_literals;

wire::Ip6Addr ip(const char* text) { return *wire::Ip6Addr::parse(text); }

struct Sent {
  BindingRevocationSpec spec;
  std::uint32_t spi;
  TimePoint at;
};

class HandOverNoticesTest : public ::testing::Test {
 protected:
  SimulatedScheduler sched;
  Logger log{LogLevel::error};
  HandOverNoticeCounters counters;
  std::vector<Sent> sent;
  HandOverNotices notices{sched, ip("2001:db8:a::1"), log,
                          [this](const BindingRevocationSpec& spec, std::uint32_t spi, const wire::MacAddr&) {
                            sent.push_back({spec, spi, sched.now()});
                            return true;
                          },
                          counters};
  const HandOverNotices::Notice paris_to_rome{ip("2001:db8:a::100"), ip("2001:db8:b::11"), ip("2001:db8:c::11"),
                                              1001, {}};

  ReceivedRevocation ack_for(const Sent& s, const wire::Ip6Addr& from) {
    ReceivedRevocation ack;
    ack.source = from;
    ack.home_address = s.spec.home_address;
    ack.sequence = s.spec.sequence;
    ack.trigger_or_status = wire::bra_status::success;
    return ack;
  }
};

TEST_F(HandOverNoticesTest, TellsThePreviousCareOfAddressWhereTheBindingWent) {
  notices.notify(paris_to_rome);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].spec.home_agent, ip("2001:db8:a::1"));
  EXPECT_EQ(sent[0].spec.care_of_address, ip("2001:db8:b::11"));
  EXPECT_EQ(sent[0].spec.home_address, ip("2001:db8:a::100"));
  EXPECT_EQ(sent[0].spec.new_care_of, ip("2001:db8:c::11"));
  EXPECT_EQ(sent[0].spec.trigger, wire::br_trigger::inter_mag_handover_same_access_type);
  EXPECT_NE(sent[0].spec.timestamp, 0u);
  EXPECT_EQ(sent[0].spi, 1001u);
  EXPECT_EQ(counters.sent, 1u);
}

TEST_F(HandOverNoticesTest, ResendsAfter200_400_800msThenGivesUp) {
  notices.notify(paris_to_rome);
  sched.advance(3s);
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[1].at - sent[0].at, 200ms);
  EXPECT_EQ(sent[2].at - sent[1].at, 400ms);
  EXPECT_EQ(sent[3].at - sent[2].at, 800ms);
  EXPECT_EQ(sent[3].spec.sequence, sent[0].spec.sequence);
  EXPECT_EQ(counters.retransmitted, 3u);
  EXPECT_EQ(counters.unanswered, 1u);
  EXPECT_EQ(notices.outstanding(), 0u);
}

TEST_F(HandOverNoticesTest, AnAcknowledgementFromThatAddressEndsIt) {
  notices.notify(paris_to_rome);
  ASSERT_EQ(notices.home_address_of(sent[0].spec.sequence, ip("2001:db8:b::11")), ip("2001:db8:a::100"));
  EXPECT_FALSE(notices.home_address_of(sent[0].spec.sequence, ip("2001:db8:c::11")));
  // From another address, or for another sequence number: not an answer.
  EXPECT_FALSE(notices.acknowledged(ack_for(sent[0], ip("2001:db8:c::11"))));
  auto wrong = ack_for(sent[0], ip("2001:db8:b::11"));
  wrong.sequence = static_cast<std::uint16_t>(wrong.sequence + 1);
  EXPECT_FALSE(notices.acknowledged(wrong));
  EXPECT_EQ(counters.ack_unmatched, 2u);
  EXPECT_TRUE(notices.acknowledged(ack_for(sent[0], ip("2001:db8:b::11"))));
  EXPECT_EQ(counters.acknowledged, 1u);
  sched.advance(3s);
  EXPECT_EQ(sent.size(), 1u);  // nothing resent
  EXPECT_EQ(counters.unanswered, 0u);
}

TEST_F(HandOverNoticesTest, AnotherMoveFromTheSameAddressSupersedesTheNotice) {
  notices.notify(paris_to_rome);
  auto again = paris_to_rome;
  again.new_care_of = ip("2001:db8:d::11");
  notices.notify(again);
  EXPECT_EQ(notices.outstanding(), 1u);
  EXPECT_NE(sent[1].spec.sequence, sent[0].spec.sequence);
  EXPECT_FALSE(notices.acknowledged(ack_for(sent[0], ip("2001:db8:b::11"))));
  EXPECT_TRUE(notices.acknowledged(ack_for(sent[1], ip("2001:db8:b::11"))));
}

}  // namespace
}  // namespace roam6::mip6d::ha
