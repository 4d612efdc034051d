#include "mip6d/host/registration.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/mip6d/simulated_scheduler.hpp"

namespace roam6::mip6d::host {
namespace {

using namespace std::chrono_literals;

struct SentBu {
  Duration at;
  BindingUpdateOrder order;
};

class RecordingOwner : public RegistrationOwner {
 public:
  explicit RecordingOwner(SimulatedScheduler& s) : s_(s), t0_(s.now()) {}
  void send_binding_update(const BindingUpdateOrder& order) override {
    sent.push_back({s_.now() - t0_, order});
  }
  void binding_active(bool active) override { activity.push_back(active); }
  void log_transition(RegistrationState from, RegistrationEvent event, RegistrationState to,
                      std::string_view detail) override {
    log.push_back(std::string(name(from)) + " -" + std::string(name(event)) + "-> " +
                  std::string(name(to)) + (detail.empty() ? "" : " (" + std::string(detail) + ")"));
  }
  bool guest_runs_here() const override { return runs_here; }
  std::vector<SentBu> sent;
  std::vector<bool> activity;
  bool runs_here = true;
  std::vector<std::string> log;

 private:
  SimulatedScheduler& s_;
  TimePoint t0_;
};

class RegistrationTest : public ::testing::Test {
 protected:
  SimulatedScheduler sched;
  RecordingOwner owner{sched};
  Registration reg{sched, owner, RegistrationTiming{}, 600s, std::uint16_t{41}};

  void accept_last(std::chrono::seconds lifetime = 600s) {
    reg.on_binding_ack({0, owner.sent.back().order.sequence, lifetime, owner.sent.back().order.timestamp});
  }
};

TEST_F(RegistrationTest, StartSendsFirstRegistrationContinuingHandedOverSequence) {
  EXPECT_EQ(reg.state(), RegistrationState::idle);
  reg.start();
  EXPECT_EQ(reg.state(), RegistrationState::registering);
  ASSERT_EQ(owner.sent.size(), 1u);
  EXPECT_EQ(owner.sent[0].order.sequence, 42);
  EXPECT_EQ(owner.sent[0].order.lifetime, 600s);
  EXPECT_FALSE(owner.sent[0].order.deregistration);
  EXPECT_EQ(reg.last_sequence(), 42);
  reg.start();  // a second resume signal changes nothing
  EXPECT_EQ(owner.sent.size(), 1u);
}

TEST_F(RegistrationTest, RetransmitsFrom1500msDoublingTo32sWithNewSequenceEachTime) {
  reg.start();
  sched.advance(200s);
  std::vector<Duration> times;
  std::vector<std::uint16_t> seqs;
  for (const auto& s : owner.sent) {
    times.push_back(s.at);
    seqs.push_back(s.order.sequence);
  }
  // 0, +1.5, +3, +6, +12, +24, +32, +32, +32 ...
  const std::vector<Duration> expected{0ms, 1500ms, 4500ms, 10500ms, 22500ms, 46500ms,
                                       78500ms, 110500ms, 142500ms, 174500ms};
  EXPECT_EQ(times, expected);
  for (std::size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], 42 + i);
  EXPECT_EQ(reg.state(), RegistrationState::registering);
}

TEST_F(RegistrationTest, AcceptedBindsAndRefreshesBeforeExpiry) {
  reg.start();
  sched.advance(100ms);
  accept_last(400s);  // HA grants less than asked
  EXPECT_EQ(reg.state(), RegistrationState::bound);
  EXPECT_EQ(owner.activity, std::vector<bool>{true});
  EXPECT_EQ(reg.granted_lifetime(), 400s);
  // 75 % of 400 s after the BU was sent (t=0): refresh at 300 s.
  ASSERT_TRUE(reg.next_timer());
  sched.advance(299s);
  EXPECT_EQ(owner.sent.size(), 1u);
  sched.advance(1s);
  ASSERT_EQ(owner.sent.size(), 2u);
  EXPECT_EQ(owner.sent[1].at, 300s);
  EXPECT_EQ(owner.sent[1].order.sequence, 43);
  EXPECT_EQ(reg.state(), RegistrationState::refreshing);
  // Refresh retransmission starts at 1 s.
  sched.advance(1s);
  ASSERT_EQ(owner.sent.size(), 3u);
  EXPECT_EQ(owner.sent[2].at, 301s);
  accept_last(400s);
  EXPECT_EQ(reg.state(), RegistrationState::bound);
  EXPECT_EQ(owner.activity, std::vector<bool>{true});  // still active, no flap
}

TEST_F(RegistrationTest, ShortLifetimeRefreshesAtLeastMarginBeforeExpiry) {
  reg.start();
  accept_last(8s);
  // 75 % would be 6 s, but 4 s before expiry is 4 s: the earlier wins.
  sched.advance(3999ms);
  EXPECT_EQ(owner.sent.size(), 1u);
  sched.advance(1ms);
  EXPECT_EQ(owner.sent.size(), 2u);
}

TEST_F(RegistrationTest, GrantedLifetimeIsCappedByRequest) {
  reg.start();
  accept_last(9000s);
  EXPECT_EQ(reg.granted_lifetime(), 600s);
}

TEST_F(RegistrationTest, LifetimeRunningOutWhileRefreshingFallsBackToRegistration) {
  reg.start();
  accept_last(40s);  // refresh at 30 s, expiry at 40 s
  sched.advance(30s);
  EXPECT_EQ(reg.state(), RegistrationState::refreshing);
  sched.advance(9999ms);  // retransmits at 31, 33 and 37 s
  EXPECT_EQ(reg.state(), RegistrationState::refreshing);
  EXPECT_EQ(owner.sent.size(), 5u);  // first registration, refresh at 30 s, 3 retransmissions
  sched.advance(1ms);  // expiry at 40 s, before the 45 s retransmission
  EXPECT_EQ(reg.state(), RegistrationState::registering);
  EXPECT_EQ(owner.sent.size(), 6u);
  EXPECT_EQ(owner.sent.back().at, 40s);
  EXPECT_EQ(owner.activity, (std::vector<bool>{true, false}));
}

TEST_F(RegistrationTest, OutOfWindowOnNewArrivalResynchronisesAtOnce) {
  Registration fresh{sched, owner, RegistrationTiming{}, 600s, std::nullopt};
  fresh.start();
  ASSERT_EQ(owner.sent.size(), 1u);
  sched.advance(50ms);
  fresh.on_binding_ack({135, 7000, 0s, owner.sent.back().order.timestamp});
  ASSERT_EQ(owner.sent.size(), 2u);
  EXPECT_EQ(owner.sent[1].order.sequence, 7001);
  EXPECT_EQ(owner.sent[1].at, 50ms);  // no waiting for a timer
  EXPECT_EQ(fresh.state(), RegistrationState::registering);
  fresh.on_binding_ack({0, 7001, 600s, owner.sent.back().order.timestamp});
  EXPECT_EQ(fresh.state(), RegistrationState::bound);
}

TEST_F(RegistrationTest, OutOfWindowWhenTheGuestNoLongerRunsHereYields) {
  // The guest left this host (it is silent here) before our registration
  // completed, and another host registered it: never take it back.
  Registration fresh{sched, owner, RegistrationTiming{}, 600s, std::nullopt};
  fresh.start();
  owner.runs_here = false;
  fresh.on_binding_ack({135, 7000, 0s, owner.sent.back().order.timestamp});
  EXPECT_EQ(fresh.state(), RegistrationState::superseded);
  EXPECT_EQ(owner.sent.size(), 1u);
  sched.advance(600s);
  EXPECT_EQ(owner.sent.size(), 1u);
}

TEST_F(RegistrationTest, OutOfWindowResyncIsBounded) {
  Registration fresh{sched, owner, RegistrationTiming{}, 600s, std::nullopt};
  fresh.start();
  for (std::uint16_t i = 0; i < 10; ++i) fresh.on_binding_ack({135, static_cast<std::uint16_t>(30000 + i * 100), 0s, owner.sent.back().order.timestamp});
  // Three resyncs, then it stops fighting.
  EXPECT_EQ(owner.sent.size(), 4u);
  EXPECT_EQ(fresh.state(), RegistrationState::superseded);
}

TEST_F(RegistrationTest, OutOfWindowWhileRefreshingMeansSupersededAndSilent) {
  reg.start();
  accept_last();
  sched.advance(450s);
  ASSERT_EQ(reg.state(), RegistrationState::refreshing);
  const auto sent_before = owner.sent.size();
  reg.on_binding_ack({135, 500, 0s, owner.sent.back().order.timestamp});  // another host registered 500
  EXPECT_EQ(reg.state(), RegistrationState::superseded);
  EXPECT_EQ(owner.activity, (std::vector<bool>{true, false}));
  sched.advance(3600s);
  EXPECT_EQ(owner.sent.size(), sent_before);
}

TEST_F(RegistrationTest, OutOfWindowNamingOurOwnSequenceResendsPastIt) {
  reg.start();
  sched.advance(1500ms);  // retransmission: 42, 43 outstanding
  ASSERT_EQ(owner.sent.size(), 2u);
  reg.on_binding_ack({135, 43, 0s, owner.sent.back().order.timestamp});
  ASSERT_EQ(owner.sent.size(), 3u);
  EXPECT_EQ(owner.sent[2].order.sequence, 44);
  EXPECT_EQ(reg.state(), RegistrationState::registering);
}

TEST_F(RegistrationTest, AckForEarlierRetransmissionCounts) {
  reg.start();
  sched.advance(1500ms);
  sched.advance(3s);
  ASSERT_EQ(owner.sent.size(), 3u);  // 42, 43, 44
  reg.on_binding_ack({0, 43, 600s, owner.sent.back().order.timestamp});
  EXPECT_EQ(reg.state(), RegistrationState::bound);
}

TEST_F(RegistrationTest, LateAckForOlderSequenceIsIgnored) {
  reg.start();
  accept_last();
  sched.advance(450s);  // refreshing with 43
  reg.on_binding_ack({0, 42, 600s, owner.sent.back().order.timestamp});
  EXPECT_EQ(reg.state(), RegistrationState::refreshing);
  reg.on_binding_ack({129, 40, 0s, owner.sent.back().order.timestamp});
  EXPECT_EQ(reg.state(), RegistrationState::refreshing);
}

TEST_F(RegistrationTest, RefusalWaitsMaximumBackoffThenRetries) {
  reg.start();
  reg.on_binding_ack({129, 42, 0s, owner.sent.back().order.timestamp});
  EXPECT_EQ(reg.state(), RegistrationState::refused);
  EXPECT_EQ(reg.last_status(), 129);
  sched.advance(31s);
  EXPECT_EQ(owner.sent.size(), 1u);
  sched.advance(1s);
  EXPECT_EQ(owner.sent.size(), 2u);
  EXPECT_EQ(reg.state(), RegistrationState::registering);
}

// 130: the Home Agent's store (etcd) cannot take the change just now. The
// host retries after 1 s, 2 s, 4 s ... (not 32 s), and an acceptance
// resets that back-off.
TEST_F(RegistrationTest, InsufficientResourcesRetriesSoonBackingOff) {
  reg.start();
  std::vector<Duration> retries;
  for (int i = 0; i < 7; ++i) {
    const Duration refused_at = owner.sent.back().at;
    reg.on_binding_ack({130, owner.sent.back().order.sequence, 0s, owner.sent.back().order.timestamp});
    EXPECT_EQ(reg.state(), RegistrationState::refused);
    const std::size_t before = owner.sent.size();
    while (owner.sent.size() == before) sched.advance(100ms);
    retries.push_back(owner.sent.back().at - refused_at);
    EXPECT_EQ(reg.state(), RegistrationState::registering);
  }
  EXPECT_EQ(retries, (std::vector<Duration>{1s, 2s, 4s, 8s, 16s, 32s, 32s}));
  accept_last();
  EXPECT_EQ(reg.state(), RegistrationState::bound);
  sched.advance(450s);  // refreshing
  const Duration refused_at = owner.sent.back().at;
  reg.on_binding_ack({130, owner.sent.back().order.sequence, 0s, owner.sent.back().order.timestamp});
  const std::size_t before = owner.sent.size();
  while (owner.sent.size() == before) sched.advance(100ms);
  EXPECT_EQ(owner.sent.back().at - refused_at, 1s);
}

TEST_F(RegistrationTest, DeregistrationOnLeave) {
  reg.start();
  accept_last();
  reg.leave(true);
  EXPECT_EQ(reg.state(), RegistrationState::deregistering);
  EXPECT_EQ(owner.activity, (std::vector<bool>{true, false}));
  ASSERT_EQ(owner.sent.size(), 2u);
  EXPECT_TRUE(owner.sent[1].order.deregistration);
  EXPECT_EQ(owner.sent[1].order.lifetime, 0s);
  EXPECT_EQ(owner.sent[1].order.sequence, 43);
  reg.on_binding_ack({0, 43, 0s, owner.sent.back().order.timestamp});
  EXPECT_EQ(reg.state(), RegistrationState::idle);
  sched.advance(3600s);
  EXPECT_EQ(owner.sent.size(), 2u);
}

// libvirt's `stopped end` on the destination of a migration that failed
// before the guest ran there: nothing was registered from this host, and a
// deregistration would remove the binding of the host the guest still runs on.
TEST_F(RegistrationTest, LeavingBeforeEverRegisteringSendsNothing) {
  reg.leave(true);
  EXPECT_EQ(reg.state(), RegistrationState::idle);
  sched.advance(60s);
  EXPECT_TRUE(owner.sent.empty());
  EXPECT_TRUE(owner.activity.empty());
}

// A guest back home deregisters whatever binding the host it came from
// made; that host's numbers are unknown here, so the first try may be
// behind (135): continue after the HA's number and try again.
TEST_F(RegistrationTest, CameHomeResynchronisesOn135) {
  owner.runs_here = true;
  reg.came_home();
  ASSERT_EQ(owner.sent.size(), 1u);
  EXPECT_TRUE(owner.sent[0].order.deregistration);
  reg.on_binding_ack({135, 900, 0s, owner.sent.back().order.timestamp});
  EXPECT_EQ(reg.state(), RegistrationState::deregistering);
  ASSERT_EQ(owner.sent.size(), 2u);
  EXPECT_TRUE(owner.sent[1].order.deregistration);
  EXPECT_EQ(owner.sent[1].order.sequence, 901);
  reg.on_binding_ack({0, 901, 0s, owner.sent.back().order.timestamp});
  EXPECT_EQ(reg.state(), RegistrationState::idle);
}

TEST_F(RegistrationTest, UnansweredDeregistrationGivesUp) {
  reg.start();
  accept_last();
  reg.leave(true);
  sched.advance(600s);
  // 5 attempts: at 0, 1, 3, 7, 15 s; then idle.
  EXPECT_EQ(owner.sent.size(), 6u);
  EXPECT_EQ(reg.state(), RegistrationState::idle);
}

TEST_F(RegistrationTest, DeregistrationMeetingANewerBindingStops) {
  reg.start();
  accept_last();
  reg.leave(true);
  reg.on_binding_ack({135, 900, 0s, owner.sent.back().order.timestamp});
  EXPECT_EQ(reg.state(), RegistrationState::idle);
  sched.advance(60s);
  EXPECT_EQ(owner.sent.size(), 2u);
}

TEST_F(RegistrationTest, MovedAwayIsSilent) {
  reg.start();
  accept_last();
  reg.leave(false);
  EXPECT_EQ(reg.state(), RegistrationState::superseded);
  EXPECT_EQ(owner.activity, (std::vector<bool>{true, false}));
  sched.advance(7200s);
  EXPECT_EQ(owner.sent.size(), 1u);
  reg.start();  // the guest comes back to this host later
  EXPECT_EQ(reg.state(), RegistrationState::registering);
  EXPECT_EQ(owner.sent.back().order.sequence, 43);
}

TEST_F(RegistrationTest, RefreshRequestRefreshesAtOnce) {
  reg.start();
  accept_last();
  sched.advance(10s);
  reg.on_refresh_request();
  EXPECT_EQ(reg.state(), RegistrationState::refreshing);
  EXPECT_EQ(owner.sent.size(), 2u);
  EXPECT_EQ(owner.sent[1].at, 10s);
}

TEST_F(RegistrationTest, BindingErrorRegistersAgain) {
  reg.start();
  accept_last();
  reg.on_binding_error();
  EXPECT_EQ(reg.state(), RegistrationState::registering);
  EXPECT_EQ(owner.activity, (std::vector<bool>{true, false}));
  EXPECT_EQ(owner.sent.size(), 2u);
}

TEST_F(RegistrationTest, EveryTransitionIsLogged) {
  reg.start();
  accept_last();
  reg.leave(true);
  const std::vector<std::string> expected{
      "idle -start-> registering",
      "registering -ack_accepted-> bound (lifetime 600s)",
      "bound -leave_deregister-> deregistering",
  };
  EXPECT_EQ(owner.log, expected);
}

// RFC 4285 6: a BA echoes the timestamp of the BU it answers. One recorded
// earlier (another registration of this guest, the same sequence number by
// chance or by wrap) must never complete a newer registration.
TEST_F(RegistrationTest, ReplayedAckOfAnEarlierRegistrationIsIgnored) {
  reg.start();
  const auto first = owner.sent.back().order;
  accept_last();
  reg.leave(true);
  reg.on_binding_ack({0, owner.sent.back().order.sequence, 0s, owner.sent.back().order.timestamp});
  ASSERT_EQ(reg.state(), RegistrationState::idle);
  sched.advance(5s);
  reg.start();  // registering again with sequence 44
  const auto now = owner.sent.back().order;
  EXPECT_GT(now.timestamp, first.timestamp);
  // The first registration's BA, replayed with the current sequence number.
  EXPECT_EQ(reg.on_binding_ack({0, now.sequence, 600s, first.timestamp}), AckOutcome::replayed);
  EXPECT_EQ(reg.state(), RegistrationState::registering);
  // A BA without the Replay Protection option proves nothing either.
  EXPECT_EQ(reg.on_binding_ack({0, now.sequence, 600s, std::nullopt}), AckOutcome::no_timestamp);
  EXPECT_EQ(reg.state(), RegistrationState::registering);
  EXPECT_EQ(reg.on_binding_ack({0, now.sequence, 600s, now.timestamp}), AckOutcome::taken);
  EXPECT_EQ(reg.state(), RegistrationState::bound);
}

TEST_F(RegistrationTest, TimestampsOnlyGrow) {
  reg.start();
  sched.advance(1500ms);
  sched.advance(3s);
  ASSERT_EQ(owner.sent.size(), 3u);
  EXPECT_LT(owner.sent[0].order.timestamp, owner.sent[1].order.timestamp);
  EXPECT_LT(owner.sent[1].order.timestamp, owner.sent[2].order.timestamp);
  // An answer to any outstanding transmission echoes one of them.
  EXPECT_EQ(reg.on_binding_ack({0, owner.sent[1].order.sequence, 600s, owner.sent[1].order.timestamp}),
            AckOutcome::taken);
}

TEST_F(RegistrationTest, TimestampRefusalResendsPastTheHomeAgentsNumberAtOnce) {
  // RFC 4285 6: 144 carries the HA's clock (or the last timestamp it
  // accepted, from another host whose clock leads ours). Go past it now,
  // without waiting for a retransmission timer or the 32 s refusal back-off.
  reg.start();
  sched.advance(20ms);
  const auto refused = owner.sent.back().order;
  const std::uint64_t to_beat = refused.timestamp + (std::uint64_t{3} << 32);  // 3 s ahead
  EXPECT_EQ(reg.on_binding_ack({144, refused.sequence, 0s, to_beat}), AckOutcome::taken);
  ASSERT_EQ(owner.sent.size(), 2u);
  EXPECT_EQ(owner.sent[1].at, 20ms);
  EXPECT_GT(owner.sent[1].order.timestamp, to_beat);
  EXPECT_EQ(owner.sent[1].order.sequence, refused.sequence + 1);
  EXPECT_EQ(reg.state(), RegistrationState::registering);
  accept_last();
  EXPECT_EQ(reg.state(), RegistrationState::bound);
  EXPECT_EQ(owner.log[1], "registering -ack_timestamp_refused-> registering (timestamp resynchronised past the HA's)");
}

TEST_F(RegistrationTest, TimestampRefusalResyncIsBounded) {
  reg.start();
  for (int i = 0; i < 6; ++i) {
    const auto last = owner.sent.back().order;
    reg.on_binding_ack({144, last.sequence, 0s, last.timestamp + 1});
  }
  EXPECT_EQ(owner.sent.size(), 4u);  // three resyncs, then the ordinary refusal
  EXPECT_EQ(reg.state(), RegistrationState::refused);
  EXPECT_EQ(reg.last_status(), 144);
}

TEST_F(RegistrationTest, TimestampRefusalForAnotherSequenceIsIgnored) {
  reg.start();
  const auto sent = owner.sent.back().order;
  EXPECT_EQ(reg.on_binding_ack({144, static_cast<std::uint16_t>(sent.sequence + 100), 0s, sent.timestamp}),
            AckOutcome::not_ours);
  EXPECT_EQ(owner.sent.size(), 1u);
}

TEST(RegistrationNames, AllNamed) {
  for (int s = 0; s <= static_cast<int>(RegistrationState::refused); ++s)
    EXPECT_NE(name(static_cast<RegistrationState>(s)), "?");
  for (int e = 0; e <= static_cast<int>(RegistrationEvent::leave_moved); ++e)
    EXPECT_NE(name(static_cast<RegistrationEvent>(e)), "?");
}

}  // namespace
}  // namespace roam6::mip6d::host
