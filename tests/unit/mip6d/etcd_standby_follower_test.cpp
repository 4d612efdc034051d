// StandbyFollower and EtcdWatch against a real etcd member, on a real
// io_context: the mirror follows what a Home Agent's store writes.
#include "mip6d/etcd/standby_follower.hpp"

#include <gtest/gtest.h>

#include "etcd_process.hpp"
#include "mip6d/etcd/etcd_binding_store.hpp"
#include "mip6d/etcd/etcd_codec.hpp"
#include "mip6d/etcd/etcd_records.hpp"
#include "mip6d/runtime/asio_scheduler.hpp"

namespace roam6::mip6d::etcd {
namespace {

using namespace std::chrono_literals;

class StandbyFollowerTest : public ::testing::Test {
 protected:
  testing::EtcdProcess etcd;
  boost::asio::io_context io;
  AsioScheduler scheduler{io};
  Logger log{LogLevel::error, [](LogLevel, std::string_view) {}};

  EtcdSettings settings() {
    EtcdSettings s;
    s.endpoints = {etcd.endpoint()};
    s.prefix = "/roam6/follow";
    s.timeout = 500ms;
    return s;
  }
  StoredBinding binding(const char* hoa, std::uint16_t seq) {
    StoredBinding b;
    b.home_address = *wire::Ip6Addr::parse(hoa);
    b.care_of_address = *wire::Ip6Addr::parse("2001:db8:b::10");
    b.expires = WallClock::now() + 600s;
    b.sequence = seq;
    return b;
  }
  std::map<wire::Ip6Addr, std::uint16_t> mirrored(const StandbyFollower& f) {
    std::map<wire::Ip6Addr, std::uint16_t> out;
    f.mirror().for_each_binding([&](const StoredBinding& b) { out[b.home_address] = b.sequence; });
    return out;
  }
  // Runs the loop until `done` or 5 s.
  template <class Pred>
  bool run_until(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_for(20ms);
    return done();
  }
};

TEST_F(StandbyFollowerTest, TheMirrorHoldsWhatWasThereAndFollowsEveryChange) {
  EtcdBindingStore store(settings());
  store.begin();
  store.put(binding("2001:db8:a::1", 1));
  store.put(binding("2001:db8:a::2", 1));
  store.commit();

  StandbyFollower follower(io, settings(), scheduler, log);
  follower.start();
  EXPECT_TRUE(follower.following());
  EXPECT_EQ(mirrored(follower).size(), 2u);

  store.begin();
  store.put(binding("2001:db8:a::1", 2));
  store.erase(*wire::Ip6Addr::parse("2001:db8:a::2"));
  store.put(binding("2001:db8:a::3", 1));
  store.commit();
  const std::map<wire::Ip6Addr, std::uint16_t> want{{*wire::Ip6Addr::parse("2001:db8:a::1"), 2},
                                                    {*wire::Ip6Addr::parse("2001:db8:a::3"), 1}};
  EXPECT_TRUE(run_until([&] { return mirrored(follower) == want; }));

  // The store reads the mirror when told to: what a takeover does.
  store.use_mirror(&follower.mirror());
  etcd.pause();  // not from etcd: it does not answer now
  std::size_t loaded = 0;
  store.load(WallClock::now(), [&](const StoredBinding&) { ++loaded; });
  EXPECT_EQ(loaded, 2u);
  etcd.resume();
}

TEST_F(StandbyFollowerTest, CaughtUpAtARevisionOnlyOnceItsChangeArrived) {
  StandbyFollower follower(io, settings(), scheduler, log);
  follower.start();
  EtcdBindingStore store(settings());
  // A revision not yet written: not caught up within the patience.
  std::optional<bool> early;
  follower.when_caught_up(follower.mirror().revision() + 1000, 200ms, [&](bool ok) { early = ok; });
  EXPECT_TRUE(run_until([&] { return early.has_value(); }));
  EXPECT_EQ(early, false);

  // A change written now: caught up once the watch brought it.
  EtcdClient client({etcd.endpoint()}, 1s);
  store.begin();
  store.put(binding("2001:db8:a::7", 1));
  store.commit();
  const auto now = client.call("/v3/kv/range", {{"key", "AA=="}});
  const std::int64_t written = std::stoll(now["header"]["revision"].get<std::string>());
  std::optional<bool> caught;
  follower.when_caught_up(written, 5s, [&](bool ok) { caught = ok; });
  EXPECT_TRUE(run_until([&] { return caught.has_value(); }));
  EXPECT_EQ(caught, true);
  EXPECT_GE(follower.mirror().revision(), written);
  EXPECT_EQ(mirrored(follower).size(), 1u);
}

// Every write of the leader key (the leader's heartbeats) is reported with
// its revision, and its deletion (the lease revoked or run out) with 0;
// nothing else is.
TEST_F(StandbyFollowerTest, ReportsTheLeaderKeysHeartbeatsAndItsDeletion) {
  EtcdClient client({etcd.endpoint()}, 1s);
  const auto lease = client.call("/v3/lease/grant", {{"TTL", 30}});
  const std::string id = lease["ID"].get<std::string>();
  client.call("/v3/kv/put", {{"key", to_base64("/roam6/follow/leader")}, {"value", to_base64("ha1")}, {"lease", id}});
  StandbyFollower follower(io, settings(), scheduler, log);
  std::vector<std::int64_t> seen;
  follower.on_leader_key([&](std::int64_t revision) { seen.push_back(revision); });
  follower.start();
  EtcdBindingStore store(settings());
  store.begin();
  store.put(binding("2001:db8:a::9", 1));
  store.erase(*wire::Ip6Addr::parse("2001:db8:a::9"));
  store.commit();
  EXPECT_TRUE(run_until([&] { return follower.mirror().revision() > 0 && mirrored(follower).empty(); }));
  io.run_for(100ms);
  EXPECT_EQ(seen, std::vector<std::int64_t>{}) << "a binding's changes are not the leader's";
  const auto put = client.call("/v3/kv/put", {{"key", to_base64("/roam6/follow/leader")}, {"value", to_base64("ha1")}, {"lease", id}});
  const std::int64_t heartbeat = std::stoll(put["header"]["revision"].get<std::string>());
  EXPECT_TRUE(run_until([&] { return seen.size() == 1; }));
  client.call("/v3/lease/revoke", {{"ID", id}});
  EXPECT_TRUE(run_until([&] { return seen.size() == 2; }));
  EXPECT_EQ(seen, (std::vector<std::int64_t>{heartbeat, 0}));
  EXPECT_FALSE(follower.mirror().contains("/roam6/follow/leader"));
}

// etcd gone and back: the follower reads everything again, so what changed
// while it was away is not lost.
TEST_F(StandbyFollowerTest, AWatchThatEndsIsStartedOverWithAFullRead) {
  StandbyFollower follower(io, settings(), scheduler, log);
  follower.start();
  EtcdBindingStore store(settings());
  etcd.restart();
  EXPECT_TRUE(run_until([&] { return !follower.following(); }));
  store.begin();
  store.put(binding("2001:db8:a::8", 1));
  store.commit();
  EXPECT_TRUE(run_until([&] { return follower.following() && mirrored(follower).size() == 1u; }));
}

}  // namespace
}  // namespace roam6::mip6d::etcd
