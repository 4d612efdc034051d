// LeaderElection against a real etcd member: two members, each on its own
// event loop (run or not, to make one fall silent), wired to a
// StandbyFollower as the daemon wires them.
#include "mip6d/etcd/leader_election.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>

#include "etcd_process.hpp"
#include "mip6d/etcd/etcd_codec.hpp"
#include "mip6d/etcd/standby_follower.hpp"
#include "mip6d/runtime/asio_scheduler.hpp"

namespace roam6::mip6d::etcd {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr std::chrono::seconds ttl{1};

LeaderElection::Policy policy(int priority = 100, bool preempt = true) {
  LeaderElection::Policy p;
  p.ttl = ttl;
  p.priority = priority;
  p.preempt = preempt;
  return p;
}

struct Member {
  Member(const EtcdSettings& settings, const std::string& name, LeaderElection::Policy p = policy())
      : log(LogLevel::info, [this](LogLevel, std::string_view line) { lines += std::string(line) + "\n"; }),
        follower(io, settings, scheduler, log),
        election(settings, name, name + " 2001:db8:a::1", p, scheduler, log, callbacks()) {
    follower.on_leader_key([this](std::int64_t revision) {
      boost::asio::post(io, [this, revision] { election.leader_key_changed(revision); });
    });
  }
  LeaderElection::Callbacks callbacks() {
    LeaderElection::Callbacks c;
    c.elected = [this] { ++elected; };
    // As the daemon does: stop, revoking the lease on the way out.
    c.deposed = [this](std::string_view why) {
      deposed = std::string(why);
      boost::asio::post(io, [this] { election.resign(); });
    };
    c.ready = [this] { return follower.following(); };
    return c;
  }
  void start() {
    follower.start();
    election.start();
  }

  std::string lines;
  boost::asio::io_context io;
  AsioScheduler scheduler{io};
  Logger log;
  StandbyFollower follower;
  LeaderElection election;
  int elected = 0;
  std::string deposed;
};

class LeaderElectionTest : public ::testing::Test {
 protected:
  testing::EtcdProcess etcd;
  EtcdClient client{{etcd.endpoint()}, 1s};

  EtcdSettings settings() {
    EtcdSettings s;
    s.endpoints = {etcd.endpoint()};
    s.prefix = "/roam6/elect";
    s.timeout = 500ms;
    return s;
  }
  // The leader key as etcd holds it: {value, mod_revision, lease}.
  json leader_key() {
    const json answer = client.call("/v3/kv/range", {{"key", to_base64("/roam6/elect/leader")}});
    const json kvs = answer.value("kvs", json::array());
    if (kvs.empty()) return json::object();
    return {{"value", from_base64(kvs[0].value("value", "")).value_or("")},
            {"mod_revision", gateway_int64(kvs[0].value("mod_revision", json(0)))},
            {"lease", kvs[0].value("lease", "0")}};
  }
  // Runs the members' loops that are listed, for `d` or until `done`.
  template <class Pred>
  bool run(std::initializer_list<Member*> members, std::chrono::milliseconds d, Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + d;
    while (!done() && std::chrono::steady_clock::now() < deadline)
      for (Member* m : members) m->io.run_for(10ms);
    return done();
  }
};

TEST_F(LeaderElectionTest, TheLeaderHeartbeatsTheStandbyWaits) {
  Member a(settings(), "a", policy(200));
  Member b(settings(), "b");
  a.start();
  ASSERT_EQ(a.elected, 1);
  EXPECT_TRUE(a.election.leading());
  b.start();
  EXPECT_EQ(b.election.state(), LeaderElection::State::standby);
  EXPECT_EQ(b.election.leader(), "a 2001:db8:a::1");
  const std::int64_t first = leader_key().value("mod_revision", 0);
  // Three TTLs: the leader's heartbeats keep the key moving and the
  // standby from taking it.
  run({&a, &b}, 3000ms, [] { return false; });
  EXPECT_TRUE(a.election.leading());
  EXPECT_EQ(b.elected, 0);
  EXPECT_EQ(leader_key().value("value", ""), "a 2001:db8:a::1");
  EXPECT_GT(leader_key().value("mod_revision", 0), first + 6) << "about four heartbeats a second";
}

// The leader's loop stops (a hung or dead process) while etcd still keeps
// its lease (the test sends its keep-alives): the standby takes the key a
// TTL after the last heartbeat, by then the old leader no longer counts
// itself leading, and once it runs again its heartbeat finds the key taken.
TEST_F(LeaderElectionTest, ASilentLeaderIsTakenOverWhileItsLeaseLives) {
  Member a(settings(), "a", policy(200));
  Member b(settings(), "b");
  a.start();
  b.start();
  run({&a, &b}, 500ms, [] { return false; });
  const std::string a_lease = leader_key().value("lease", "0");
  const auto silent_from = std::chrono::steady_clock::now();
  bool a_leading_when_b_won = true;
  const bool won = run({&b}, 3000ms, [&] {
    client.call("/v3/lease/keepalive", {{"ID", a_lease}});
    if (b.elected == 0) return false;
    a_leading_when_b_won = a.election.leading();
    return true;
  });
  ASSERT_TRUE(won) << b.lines;
  const auto took = std::chrono::steady_clock::now() - silent_from;
  EXPECT_GE(took, ttl - 250ms) << "not before a TTL after the last heartbeat";
  EXPECT_FALSE(a_leading_when_b_won) << "two leaders at once";
  EXPECT_NE(b.lines.find("silent_leader=\"a 2001:db8:a::1\""), std::string::npos) << b.lines;
  EXPECT_EQ(leader_key().value("value", ""), "b 2001:db8:a::1");
  const json lease = client.call("/v3/lease/timetolive", {{"ID", a_lease}});
  // (TTL is in whole seconds, left out when 0; -1 for a lease etcd no longer has.)
  EXPECT_GE(gateway_int64(lease.value("TTL", json(0))), 0) << "etcd still had the old leader's lease: " << lease.dump();
  EXPECT_EQ(gateway_int64(lease.value("grantedTTL", json(0))), ttl.count()) << lease.dump();

  // Running again, the old leader finds its time up and steps down.
  EXPECT_TRUE(run({&a, &b}, 2000ms, [&] { return !a.deposed.empty(); }));
  EXPECT_FALSE(a.election.leading());
  EXPECT_TRUE(b.election.leading());
}

// A leader whose heartbeat finds the key under another lease (taken while
// its own lease lived) is deposed at that tick.
TEST_F(LeaderElectionTest, AHeartbeatThatFindsTheKeyTakenDeposes) {
  Member a(settings(), "a");
  a.start();
  ASSERT_TRUE(a.election.leading());
  const std::string other = client.call("/v3/lease/grant", {{"TTL", 30}}).value("ID", "0");
  client.call("/v3/kv/put", {{"key", to_base64("/roam6/elect/leader")}, {"value", to_base64("c")}, {"lease", other}});
  EXPECT_TRUE(run({&a}, 1000ms, [&] { return !a.deposed.empty(); }));
  EXPECT_EQ(a.deposed, "another member holds the leader key");
  EXPECT_FALSE(a.election.leading());
  EXPECT_EQ(leader_key().value("value", ""), "c") << "and leaves it alone";
}

// A clean stop revokes the lease; the standby's watch sees the key go and
// it campaigns at once.
TEST_F(LeaderElectionTest, AResignedLeadersKeyIsTakenAtOnce) {
  Member a(settings(), "a", policy(200));
  Member b(settings(), "b");
  a.start();
  b.start();
  run({&a, &b}, 300ms, [] { return false; });
  a.election.resign();
  EXPECT_TRUE(run({&b}, 2000ms, [&] { return b.elected == 1; }));
  EXPECT_EQ(leader_key().value("value", ""), "b 2001:db8:a::1");
  EXPECT_EQ(b.lines.find("silent_leader"), std::string::npos) << b.lines;
}

// The key freed (its leader resigned): of two ready standbys, the one of
// lower rank leaves it to the other for a TTL, so leadership moves once.
TEST_F(LeaderElectionTest, AFreeKeyIsLeftToTheReadyMemberOfHigherRank) {
  Member c(settings(), "c", policy(255));
  Member low(settings(), "low", policy(100));
  Member high(settings(), "high", policy(200));
  c.start();
  low.start();
  high.start();
  // Both standbys list themselves ready once their copies are current.
  run({&c, &low, &high}, 1000ms, [] { return false; });
  c.election.resign();
  EXPECT_TRUE(run({&low, &high}, 2000ms, [&] { return high.elected == 1; })) << high.lines;
  run({&low, &high}, 500ms, [] { return false; });
  EXPECT_EQ(low.elected, 0) << low.lines;
  EXPECT_NE(low.lines.find("deferring to=high priority=200"), std::string::npos) << low.lines;
  EXPECT_EQ(leader_key().value("value", ""), "high 2001:db8:a::1");
}

// Preempt: a leader hands over to a ready member of higher rank (and the
// daemon, stopping, revokes its lease); without preempt it keeps leading.
TEST_F(LeaderElectionTest, ALeaderHandsOverToAReadyMemberOfHigherRankWhenPreempting) {
  Member a(settings(), "a", policy(100));
  a.start();
  ASSERT_TRUE(a.election.leading());
  Member b(settings(), "b", policy(200));
  b.start();
  EXPECT_TRUE(run({&a, &b}, 2000ms, [&] { return !a.deposed.empty(); })) << a.lines;
  EXPECT_EQ(a.deposed, "handing over to b, a ready member of higher rank");
  EXPECT_FALSE(a.election.leading());
  EXPECT_TRUE(run({&a, &b}, 2000ms, [&] { return b.elected == 1; })) << b.lines;
  EXPECT_EQ(leader_key().value("value", ""), "b 2001:db8:a::1");
  EXPECT_EQ(b.lines.find("silent_leader"), std::string::npos) << "taken from a revoked lease at once";

  // The view shows priorities, readiness and who should lead.
  const LeaderElection::View view = b.election.view();
  EXPECT_EQ(view.preferred, "b");
  ASSERT_EQ(view.members.size(), 1u) << "a's record went with its lease";
  EXPECT_EQ(view.members[0].record.priority, 200);
  EXPECT_TRUE(view.members[0].record.ready);
}

TEST_F(LeaderElectionTest, WithoutPreemptALeaderKeepsLeading) {
  Member a(settings(), "a", policy(100, false));
  a.start();
  Member b(settings(), "b", policy(200));
  b.start();
  run({&a, &b}, 2000ms, [] { return false; });
  EXPECT_TRUE(a.election.leading());
  EXPECT_EQ(a.deposed, "");
  EXPECT_EQ(b.elected, 0);
}

}  // namespace
}  // namespace roam6::mip6d::etcd
