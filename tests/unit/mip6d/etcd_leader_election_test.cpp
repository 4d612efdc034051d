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

struct Member {
  Member(const EtcdSettings& settings, const std::string& name)
      : log(LogLevel::info, [this](LogLevel, std::string_view line) { lines += std::string(line) + "\n"; }),
        follower(io, settings, scheduler, log),
        election(settings, name, name + " 2001:db8:a::1", ttl, scheduler, log, callbacks()) {
    follower.on_leader_key([this](std::int64_t revision) {
      boost::asio::post(io, [this, revision] { election.leader_key_changed(revision); });
    });
  }
  LeaderElection::Callbacks callbacks() {
    LeaderElection::Callbacks c;
    c.elected = [this] { ++elected; };
    c.deposed = [this](std::string_view why) { deposed = std::string(why); };
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
  Member a(settings(), "a");
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
  Member a(settings(), "a");
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
  Member a(settings(), "a");
  Member b(settings(), "b");
  a.start();
  b.start();
  run({&a, &b}, 300ms, [] { return false; });
  a.election.resign();
  EXPECT_TRUE(run({&b}, 2000ms, [&] { return b.elected == 1; }));
  EXPECT_EQ(leader_key().value("value", ""), "b 2001:db8:a::1");
  EXPECT_EQ(b.lines.find("silent_leader"), std::string::npos) << b.lines;
}

}  // namespace
}  // namespace roam6::mip6d::etcd
