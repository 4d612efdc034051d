// EtcdBindingStore against a real etcd member.
#include "mip6d/etcd/etcd_binding_store.hpp"

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "etcd_process.hpp"
#include "mip6d/etcd/etcd_codec.hpp"
#include "mip6d/store/store_error.hpp"

namespace roam6::mip6d::etcd {
namespace {

using namespace std::chrono_literals;
using testing::EtcdProcess;

wire::Ip6Addr addr(const char* text) { return *wire::Ip6Addr::parse(text); }

class EtcdBindingStoreTest : public ::testing::Test {
 protected:
  EtcdProcess etcd;
  WallTime now = WallClock::now();

  EtcdSettings settings(std::size_t txn_ops = 128) {
    EtcdSettings s;
    s.endpoints = {etcd.endpoint()};
    s.prefix = "/roam6/unit";
    s.timeout = 300ms;
    s.txn_ops = txn_ops;
    return s;
  }
  std::unique_ptr<EtcdBindingStore> store(std::size_t txn_ops = 128) {
    return std::make_unique<EtcdBindingStore>(settings(txn_ops), [this] { return now; });
  }
  StoredBinding binding(const char* hoa, std::uint16_t seq, std::chrono::seconds left = 600s) {
    StoredBinding b;
    b.home_address = addr(hoa);
    b.care_of_address = addr("2001:db8:b::10");
    b.expires = std::chrono::time_point_cast<std::chrono::milliseconds>(now + left);
    b.spi = 1001;
    b.last_timestamp = 0xE1234567'89ABCDEFull;  // above 2^63: JSON must keep every bit
    b.sequence = seq;
    b.flags = 0xA400;
    return b;
  }
  static std::map<wire::Ip6Addr, StoredBinding> loaded(BindingStore& s, WallTime at) {
    std::map<wire::Ip6Addr, StoredBinding> out;
    s.load(at, [&](const StoredBinding& b) { out[b.home_address] = b; });
    return out;
  }
  nlohmann::json raw(const std::string& path, const nlohmann::json& body) {
    EtcdClient client({etcd.endpoint()}, 1s);
    return client.call(path, body);
  }
};

TEST_F(EtcdBindingStoreTest, RoundTripsEveryFieldThroughAnotherInstance) {
  auto writer = store();
  writer->begin();
  writer->put(binding("2001:db8:a::1", 7));
  writer->put(binding("2001:db8:a::2", 65535));
  writer->put_replay({std::string("\x02\x00\xff", 3), 0xF000000000000001ull, 9, now + 3600s});
  writer->commit();

  auto reader = store();  // as a restarted or standby Home Agent
  const auto got = loaded(*reader, now);
  ASSERT_EQ(got.size(), 2u);
  const StoredBinding& b = got.at(addr("2001:db8:a::1"));
  const StoredBinding want = binding("2001:db8:a::1", 7);
  EXPECT_EQ(b.care_of_address, want.care_of_address);
  EXPECT_EQ(b.expires, want.expires);
  EXPECT_EQ(b.spi, want.spi);
  EXPECT_EQ(b.last_timestamp, want.last_timestamp);
  EXPECT_EQ(b.sequence, 7);
  EXPECT_EQ(b.flags, want.flags);
  EXPECT_EQ(got.at(addr("2001:db8:a::2")).sequence, 65535);

  std::vector<StoredReplayRecord> replay;
  reader->load_replay(now, [&](const StoredReplayRecord& r) { replay.push_back(r); });
  ASSERT_EQ(replay.size(), 1u);
  EXPECT_EQ(replay[0].key, std::string("\x02\x00\xff", 3));
  EXPECT_EQ(replay[0].last_timestamp, 0xF000000000000001ull);
  EXPECT_EQ(replay[0].sequence, 9);
  EXPECT_EQ(reader->skipped_records(), 0u);
}

TEST_F(EtcdBindingStoreTest, ErasesAndTheLastOperationOnAKeyInABatchWins) {
  auto s = store();
  s->begin();
  s->put(binding("2001:db8:a::1", 1));
  s->put(binding("2001:db8:a::2", 1));
  s->commit();
  // etcd refuses two operations on one key in a transaction: the store
  // must send only the last.
  s->begin();
  s->erase(addr("2001:db8:a::1"));
  s->put(binding("2001:db8:a::1", 2));
  s->put(binding("2001:db8:a::2", 2));
  s->erase(addr("2001:db8:a::2"));
  s->put(binding("2001:db8:a::3", 1));
  s->erase(addr("2001:db8:a::3"));
  s->commit();
  const auto got = loaded(*s, now);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got.at(addr("2001:db8:a::1")).sequence, 2);
}

TEST_F(EtcdBindingStoreTest, ABatchLargerThanOneTransactionIsWrittenWhole) {
  auto s = store(4);
  s->begin();
  for (int i = 1; i <= 25; ++i) s->put(binding(("2001:db8:a::" + std::to_string(i)).c_str(), 1));
  s->commit();
  EXPECT_EQ(loaded(*s, now).size(), 25u);
}

TEST_F(EtcdBindingStoreTest, ExpiredRecordsAreNotLoaded) {
  auto s = store();
  s->begin();
  s->put(binding("2001:db8:a::1", 1, 30s));
  s->put(binding("2001:db8:a::2", 1, 90s));
  s->commit();
  const auto got = loaded(*s, now + 60s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got.contains(addr("2001:db8:a::2")));
}

// etcd removes a record nobody deletes: its lease ends after its expiry,
// by less than two lease widths.
TEST_F(EtcdBindingStoreTest, EveryRecordHasALeaseThatOutlivesItsExpiry) {
  now = WallClock::now();
  auto s = store();
  s->begin();
  s->put(binding("2001:db8:a::1", 1, 600s));
  s->put(binding("2001:db8:a::2", 1, 3600s));
  s->commit();
  for (const auto& [hoa, left] : {std::pair{"2001:db8:a::1", 600}, std::pair{"2001:db8:a::2", 3600}}) {
    const auto answer = raw("/v3/kv/range", {{"key", to_base64(std::string("/roam6/unit/binding/") + hoa)}});
    ASSERT_EQ(answer["kvs"].size(), 1u);
    const std::string lease = answer["kvs"][0].value("lease", "0");
    ASSERT_NE(lease, "0") << hoa;
    const auto ttl = raw("/v3/lease/timetolive", {{"ID", lease}});
    const long remaining = std::stol(ttl["TTL"].get<std::string>());
    EXPECT_GE(remaining, left - 2) << hoa;
    EXPECT_LE(remaining, left + 2 * EtcdBindingStore::lease_width.count()) << hoa;
  }
}

// Breaking the lease (put without one) fails the previous test; breaking
// the retry interval (always asking etcd) fails this one: the second
// commit would succeed at once.
TEST_F(EtcdBindingStoreTest, AHungEtcdFailsTheCommitThenTheStoreWaitsBeforeAskingAgain) {
  auto s = store();
  s->begin();
  s->put(binding("2001:db8:a::1", 1));
  s->commit();

  etcd.pause();
  s->begin();
  s->put(binding("2001:db8:a::1", 2));
  try {
    s->commit();
    ADD_FAILURE() << "commit to a hung etcd succeeded";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreErrc::unavailable);
    EXPECT_NE(std::string(e.what()).find("no answer within 300 ms"), std::string::npos) << e.what();
  }
  etcd.resume();
  s->begin();
  s->put(binding("2001:db8:a::1", 3));
  try {
    s->commit();
    ADD_FAILURE() << "the store asked etcd again within its retry interval";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("next try in"), std::string::npos) << e.what();
  }
  now += EtcdBindingStore::retry_interval;
  s->begin();
  s->put(binding("2001:db8:a::1", 4));
  s->commit();
  EXPECT_EQ(loaded(*s, now).at(addr("2001:db8:a::1")).sequence, 4);
}

// etcd down for several seconds (the client's reconnection back-off would
// have grown meanwhile), then back: the store's next try after its retry
// interval commits.
TEST_F(EtcdBindingStoreTest, AStoreCommitsAgainSoonAfterALongOutage) {
  auto s = store();
  s->begin();
  s->put(binding("2001:db8:a::1", 1));
  s->commit();
  etcd.kill();
  const auto until = std::chrono::steady_clock::now() + 6s;
  int failed = 0;
  while (std::chrono::steady_clock::now() < until) {
    now += EtcdBindingStore::retry_interval;  // every try reaches the client
    s->begin();
    s->put(binding("2001:db8:a::1", 2));
    EXPECT_THROW(s->commit(), StoreError);
    ++failed;
    std::this_thread::sleep_for(300ms);
  }
  etcd.start_again();
  const auto back = std::chrono::steady_clock::now();
  bool committed = false;
  std::string last_error;
  while (!committed && std::chrono::steady_clock::now() - back < 5s) {
    now += EtcdBindingStore::retry_interval;
    s->begin();
    s->put(binding("2001:db8:a::1", 3));
    try {
      s->commit();
      committed = true;
    } catch (const StoreError& e) {
      last_error = e.what();
      std::this_thread::sleep_for(100ms);
    }
  }
  ASSERT_TRUE(committed) << "after " << failed << " failed commits: " << last_error;
  EXPECT_LT(std::chrono::steady_clock::now() - back, 2500ms) << "etcd answered again, the store did not ask";
  EXPECT_EQ(loaded(*store(), now).at(addr("2001:db8:a::1")).sequence, 3);
}

// A leader's store writes only while the leader key is under its lease:
// once another member holds the key, its commits fail and write nothing.
TEST_F(EtcdBindingStoreTest, AGuardedStoreWritesOnlyWhileTheLeaderKeyIsUnderItsLease) {
  const auto grant = [&] { return gateway_int64(raw("/v3/lease/grant", {{"TTL", 30}}).value("ID", nlohmann::json(0))); };
  const auto hold = [&](std::int64_t lease) {
    raw("/v3/kv/put", {{"key", to_base64("/roam6/unit/leader")}, {"value", to_base64("x")}, {"lease", std::to_string(lease)}});
  };
  const std::int64_t ours = grant();
  hold(ours);
  auto leader = store(2);  // and a batch of several transactions, each guarded
  leader->guard_with("/roam6/unit/leader", ours);
  leader->begin();
  leader->put(binding("2001:db8:a::1", 1));
  leader->put(binding("2001:db8:a::2", 1));
  leader->put(binding("2001:db8:a::3", 1));
  leader->commit();
  EXPECT_EQ(loaded(*store(), now).size(), 3u);

  hold(grant());  // a standby took over
  leader->begin();
  leader->put(binding("2001:db8:a::1", 9));
  try {
    leader->commit();
    ADD_FAILURE() << "a deposed leader's commit went through";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreErrc::unavailable);
    EXPECT_NE(std::string(e.what()).find("no longer under this leader's lease"), std::string::npos) << e.what();
  }
  EXPECT_EQ(loaded(*store(), now).at(addr("2001:db8:a::1")).sequence, 1);
}

TEST_F(EtcdBindingStoreTest, UnreadableRecordsUnderThePrefixAreSkippedAndCounted) {
  auto s = store();
  s->begin();
  s->put(binding("2001:db8:a::1", 1));
  s->commit();
  raw("/v3/kv/put", {{"key", to_base64("/roam6/unit/binding/not-an-address")}, {"value", to_base64("{}")}});
  raw("/v3/kv/put", {{"key", to_base64("/roam6/unit/binding/2001:db8:a::9")}, {"value", to_base64("garbage")}});
  EXPECT_EQ(loaded(*s, now).size(), 1u);
  EXPECT_EQ(s->skipped_records(), 2u);
}

TEST_F(EtcdBindingStoreTest, CallsOutOfOrderAreMisuse) {
  auto s = store();
  EXPECT_THROW(s->put(binding("2001:db8:a::1", 1)), StoreError);
  EXPECT_THROW(s->commit(), StoreError);
  s->begin();
  EXPECT_THROW(s->begin(), StoreError);
}

}  // namespace
}  // namespace roam6::mip6d::etcd
