#include "mip6d/store/sqlite_binding_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store_temp_dir.hpp"

namespace roam6::mip6d {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// Stored expiry has microsecond resolution; test times are whole microseconds.
const WallTime kNow = WallTime{std::chrono::microseconds{1'767'225'600'123'456}};

wire::Ip6Addr address(const char* text) {
  const auto parsed = wire::Ip6Addr::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(wire::Ip6Addr{});
}

StoredBinding binding(const char* home, const char* care_of, WallTime expires,
                      std::uint16_t sequence = 1) {
  StoredBinding b;
  b.home_address = address(home);
  b.care_of_address = address(care_of);
  b.expires = expires;
  b.spi = 0x100;
  b.last_timestamp = 42;
  b.sequence = sequence;
  b.flags = 0xA000;
  return b;
}

std::vector<StoredBinding> load_all(SqliteBindingStore& store, WallTime now) {
  std::vector<StoredBinding> loaded;
  store.load(now, [&](const StoredBinding& b) { loaded.push_back(b); });
  std::sort(loaded.begin(), loaded.end(), [](const StoredBinding& a, const StoredBinding& b) {
    return a.home_address < b.home_address;
  });
  return loaded;
}

void expect_same(const StoredBinding& actual, const StoredBinding& expected) {
  EXPECT_EQ(actual.home_address.to_string(), expected.home_address.to_string());
  EXPECT_EQ(actual.care_of_address.to_string(), expected.care_of_address.to_string());
  EXPECT_EQ(actual.expires.time_since_epoch().count(), expected.expires.time_since_epoch().count());
  EXPECT_EQ(actual.spi, expected.spi);
  EXPECT_EQ(actual.last_timestamp, expected.last_timestamp);
  EXPECT_EQ(actual.sequence, expected.sequence);
  EXPECT_EQ(actual.flags, expected.flags);
  EXPECT_EQ(actual.link_layer_identifier.to_string(), expected.link_layer_identifier.to_string());
}

// Runs `fn`, which must throw StoreError, and returns it.
template <typename Fn>
std::optional<StoreError> store_error_from(Fn&& fn) {
  try {
    fn();
  } catch (const StoreError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a StoreError";
  return std::nullopt;
}

// Direct SQLite access to prepare files the store must reject.
void run_sql(const std::filesystem::path& file, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  EXPECT_EQ(rc, SQLITE_OK) << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

std::string query_text(const std::filesystem::path& file, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  std::string result;
  if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) == SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(statement, 0);
    result = text ? reinterpret_cast<const char*>(text) : "";
  } else {
    ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return result;
}

class SqliteBindingStoreTest : public ::testing::Test {
 protected:
  testing::StoreTempDir dir_;
  std::filesystem::path file_ = dir_.file("bindings.db");
};

TEST_F(SqliteBindingStoreTest, RoundTripsEveryFieldAcrossReopen) {
  StoredBinding b;
  b.home_address = address("2001:db8:a::1234:5678:9abc:def0");
  b.care_of_address = address("2001:db8:ffff:1::fe");
  b.expires = kNow + 3600s + 7us;
  b.spi = 0xFFFFFFFFu;
  b.last_timestamp = 0xE9A1'2345'6789'ABCDull;  // NTP-era timestamps have the top bit set
  b.sequence = 0xFFFF;
  b.flags = 0xFFFF;
  b.link_layer_identifier = *wire::LinkLayerIdentifier::parse("52:54:00:12:34:56");
  StoredBinding small = binding("2001:db8:a::1", "2001:db8:b::1", kNow + 1us);
  small.spi = 0;
  small.last_timestamp = 0;
  small.sequence = 0;
  small.flags = 0;
  {
    SqliteBindingStore store(file_);
    store.begin();
    store.put(b);
    store.put(small);
    store.commit();
  }
  SqliteBindingStore reopened(file_);
  const auto loaded = load_all(reopened, kNow);
  ASSERT_EQ(loaded.size(), 2u);
  expect_same(loaded[0], small);
  expect_same(loaded[1], b);
}

TEST_F(SqliteBindingStoreTest, DurableSyncStoreRoundTrips) {
  const auto b = binding("2001:db8:a::1", "2001:db8:b::1", kNow + 10s);
  {
    SqliteBindingStore store(file_, /*durable_sync=*/true);
    store.begin();
    store.put(b);
    store.commit();
  }
  SqliteBindingStore reopened(file_, true);
  const auto loaded = load_all(reopened, kNow);
  ASSERT_EQ(loaded.size(), 1u);
  expect_same(loaded[0], b);
}

TEST_F(SqliteBindingStoreTest, UsesWalJournalMode) {
  { SqliteBindingStore store(file_); }
  // WAL mode is recorded in the file itself.
  EXPECT_EQ(query_text(file_, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_text(file_, "PRAGMA user_version"),
            std::to_string(SqliteBindingStore::kSchemaVersion));
}

TEST_F(SqliteBindingStoreTest, LoadSkipsAndDeletesExpiredBindings) {
  const auto past = binding("2001:db8:a::1", "2001:db8:b::1", kNow - 1s);
  const auto at_now = binding("2001:db8:a::2", "2001:db8:b::2", kNow);
  const auto future = binding("2001:db8:a::3", "2001:db8:b::3", kNow + 1us);
  {
    SqliteBindingStore store(file_);
    store.begin();
    store.put(past);
    store.put(at_now);
    store.put(future);
    store.commit();
    EXPECT_EQ(store.count(), 3u);

    const auto loaded = load_all(store, kNow);
    ASSERT_EQ(loaded.size(), 1u);
    expect_same(loaded[0], future);
    EXPECT_EQ(store.count(), 1u);
  }
  // Deleted, not merely skipped: an earlier clock does not bring them back.
  SqliteBindingStore reopened(file_);
  const auto loaded = load_all(reopened, kNow - 1h);
  ASSERT_EQ(loaded.size(), 1u);
  expect_same(loaded[0], future);
}

TEST_F(SqliteBindingStoreTest, LoadOfEmptyStoreCallsNothing) {
  SqliteBindingStore store(file_);
  EXPECT_TRUE(load_all(store, kNow).empty());
  EXPECT_EQ(store.count(), 0u);
}

TEST_F(SqliteBindingStoreTest, ThrowingCallbackAbortsLoadAndDeletesNothing) {
  SqliteBindingStore store(file_);
  store.begin();
  store.put(binding("2001:db8:a::1", "2001:db8:b::1", kNow - 1s));
  store.put(binding("2001:db8:a::2", "2001:db8:b::2", kNow + 1s));
  store.commit();

  EXPECT_THROW(store.load(kNow, [](const StoredBinding&) { throw std::runtime_error("full"); }),
               std::runtime_error);
  EXPECT_EQ(store.count(), 2u);
  // The store is usable again afterwards.
  EXPECT_EQ(load_all(store, kNow).size(), 1u);
  EXPECT_EQ(store.count(), 1u);
}

TEST_F(SqliteBindingStoreTest, PutReplacesTheBindingOfTheSameHomeAddress) {
  SqliteBindingStore store(file_);
  store.begin();
  store.put(binding("2001:db8:a::1", "2001:db8:b::1", kNow + 10s, 1));
  store.commit();
  const auto moved = binding("2001:db8:a::1", "2001:db8:c::9", kNow + 20s, 2);
  store.begin();
  store.put(moved);
  store.commit();

  EXPECT_EQ(store.count(), 1u);
  const auto loaded = load_all(store, kNow);
  ASSERT_EQ(loaded.size(), 1u);
  expect_same(loaded[0], moved);
}

TEST_F(SqliteBindingStoreTest, EraseRemovesOnlyThatBinding) {
  const auto kept = binding("2001:db8:a::2", "2001:db8:b::2", kNow + 10s);
  {
    SqliteBindingStore store(file_);
    store.begin();
    store.put(binding("2001:db8:a::1", "2001:db8:b::1", kNow + 10s));
    store.put(kept);
    store.commit();
    store.begin();
    store.erase(address("2001:db8:a::1"));
    store.erase(address("2001:db8:a::99"));  // unknown: not an error
    store.commit();
  }
  SqliteBindingStore reopened(file_);
  const auto loaded = load_all(reopened, kNow);
  ASSERT_EQ(loaded.size(), 1u);
  expect_same(loaded[0], kept);
}

TEST_F(SqliteBindingStoreTest, UncommittedBatchIsGoneAfterReopen) {
  const auto committed = binding("2001:db8:a::1", "2001:db8:b::1", kNow + 10s);
  {
    SqliteBindingStore store(file_);
    store.begin();
    store.put(committed);
    store.commit();
    // A batch the daemon never got to commit (it crashed): nothing of it may
    // appear, neither the new binding nor the erase nor the replacement.
    store.begin();
    store.put(binding("2001:db8:a::2", "2001:db8:b::2", kNow + 10s));
    store.put(binding("2001:db8:a::1", "2001:db8:c::1", kNow + 99s, 7));
    store.erase(address("2001:db8:a::1"));
    EXPECT_EQ(store.count(), 1u);  // this connection sees its own batch
  }
  SqliteBindingStore reopened(file_);
  EXPECT_EQ(reopened.count(), 1u);
  const auto loaded = load_all(reopened, kNow);
  ASSERT_EQ(loaded.size(), 1u);
  expect_same(loaded[0], committed);
}

TEST_F(SqliteBindingStoreTest, ManyCommittedBatchesSurviveReopen) {
  std::vector<StoredBinding> written;
  {
    SqliteBindingStore store(file_);
    for (int batch = 0; batch < 5; ++batch) {
      store.begin();
      for (int i = 0; i < 100; ++i) {
        StoredBinding b;
        b.home_address.bytes[0] = 0x20;
        b.home_address.bytes[14] = static_cast<std::uint8_t>(batch);
        b.home_address.bytes[15] = static_cast<std::uint8_t>(i);
        b.care_of_address.bytes[15] = static_cast<std::uint8_t>(i + batch);
        b.expires = kNow + std::chrono::seconds(batch * 100 + i + 1);
        b.spi = static_cast<std::uint32_t>(batch);
        b.sequence = static_cast<std::uint16_t>(i);
        store.put(b);
        written.push_back(b);
      }
      store.commit();
    }
  }
  SqliteBindingStore reopened(file_);
  EXPECT_EQ(reopened.count(), written.size());
  const auto loaded = load_all(reopened, kNow);
  ASSERT_EQ(loaded.size(), written.size());
  for (std::size_t i = 0; i < written.size(); ++i) expect_same(loaded[i], written[i]);
}

TEST_F(SqliteBindingStoreTest, SecondStoreOnTheSameFileIsRefusedWhileTheFirstIsOpen) {
  auto first = std::make_unique<SqliteBindingStore>(file_);
  const auto e = store_error_from([&] { SqliteBindingStore second(file_); });
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind(), StoreErrc::locked);
  EXPECT_THAT(e->what(), HasSubstr(file_.string()));
  EXPECT_THAT(e->what(), HasSubstr("another"));

  // The first is unaffected, and the lock goes with it.
  first->begin();
  first->put(binding("2001:db8:a::1", "2001:db8:b::1", kNow + 10s));
  first->commit();
  first.reset();
  SqliteBindingStore second(file_);
  EXPECT_EQ(second.count(), 1u);
}

TEST_F(SqliteBindingStoreTest, MissingDirectoryIsAClearError) {
  const auto e = store_error_from(
      [&] { SqliteBindingStore store(dir_.path() / "no-such-dir" / "bindings.db"); });
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind(), StoreErrc::cannot_open);
  EXPECT_THAT(e->what(), HasSubstr("no-such-dir"));
  EXPECT_THAT(e->what(), HasSubstr("does not exist"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "no-such-dir"));
}

TEST_F(SqliteBindingStoreTest, DirectoryAsDatabaseFileIsAClearError) {
  std::filesystem::create_directory(file_);
  const auto e = store_error_from([&] { SqliteBindingStore store(file_); });
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind(), StoreErrc::cannot_open);
  EXPECT_THAT(e->what(), HasSubstr(file_.string()));
  EXPECT_THAT(e->what(), HasSubstr("is a directory"));
}

TEST_F(SqliteBindingStoreTest, EmptyPathIsAClearError) {
  const auto e = store_error_from([&] { SqliteBindingStore store(""); });
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind(), StoreErrc::cannot_open);
  EXPECT_THAT(e->what(), HasSubstr("no database file"));
}

TEST_F(SqliteBindingStoreTest, FileOfAFutureSchemaVersionIsRejectedUntouched) {
  { SqliteBindingStore store(file_); }
  const int future = SqliteBindingStore::kSchemaVersion + 1;
  run_sql(file_, ("PRAGMA user_version = " + std::to_string(future)).c_str());

  const auto e = store_error_from([&] { SqliteBindingStore store(file_); });
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind(), StoreErrc::schema_too_new);
  EXPECT_THAT(e->what(), HasSubstr("schema version " + std::to_string(future)));
  EXPECT_THAT(e->what(), HasSubstr("newer"));
  EXPECT_EQ(query_text(file_, "PRAGMA user_version"), std::to_string(future));
}

TEST_F(SqliteBindingStoreTest, FileThatIsNotADatabaseIsReportedCorrupt) {
  std::ofstream(file_) << "this is not an SQLite database, it is a text file that is long "
                          "enough to have a header of the right size\n";
  const auto e = store_error_from([&] { SqliteBindingStore store(file_); });
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind(), StoreErrc::corrupt);
  EXPECT_THAT(e->what(), HasSubstr(file_.string()));
}

TEST_F(SqliteBindingStoreTest, AnotherApplicationsDatabaseIsLeftAlone) {
  run_sql(file_, "CREATE TABLE accounts (id INTEGER PRIMARY KEY)");
  const auto e = store_error_from([&] { SqliteBindingStore store(file_); });
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind(), StoreErrc::corrupt);
  EXPECT_THAT(e->what(), HasSubstr("not a mip6d binding store"));
  EXPECT_EQ(query_text(file_, "SELECT count(*) FROM sqlite_master WHERE name = 'bindings'"), "0");
  EXPECT_EQ(query_text(file_, "PRAGMA journal_mode"), "delete");
}

TEST_F(SqliteBindingStoreTest, CallsOutOfOrderAreMisuse) {
  SqliteBindingStore store(file_);
  const auto b = binding("2001:db8:a::1", "2001:db8:b::1", kNow + 10s);
  auto kind_of = [](auto&& fn) {
    const auto e = store_error_from(fn);
    return e ? e->kind() : StoreErrc::io;
  };
  EXPECT_EQ(kind_of([&] { store.put(b); }), StoreErrc::misuse);
  EXPECT_EQ(kind_of([&] { store.erase(b.home_address); }), StoreErrc::misuse);
  EXPECT_EQ(kind_of([&] { store.commit(); }), StoreErrc::misuse);

  store.begin();
  EXPECT_EQ(kind_of([&] { store.begin(); }), StoreErrc::misuse);
  EXPECT_EQ(kind_of([&] { store.load(kNow, [](const StoredBinding&) {}); }), StoreErrc::misuse);
  store.put(b);  // the batch is still open and usable
  store.commit();

  // The callback must not write through the store it is loading from.
  EXPECT_EQ(kind_of([&] { store.load(kNow, [&](const StoredBinding&) { store.begin(); }); }),
            StoreErrc::misuse);
  EXPECT_EQ(load_all(store, kNow).size(), 1u);
}

std::vector<StoredReplayRecord> load_replay_all(SqliteBindingStore& store, WallTime now) {
  std::vector<StoredReplayRecord> loaded;
  store.load_replay(now, [&](const StoredReplayRecord& r) { loaded.push_back(r); });
  std::sort(loaded.begin(), loaded.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return loaded;
}

TEST_F(SqliteBindingStoreTest, ReplayRecordsRoundTripAcrossReopenAndOutliveTheirBinding) {
  const std::string hoa_key = std::string(1, '\0') + std::string(16, '\x01');
  const std::string id_key = std::string("\x01\x01g1@site-a", 12);
  {
    SqliteBindingStore store(file_);
    store.begin();
    store.put(binding("2001:db8:a::1", "2001:db8:b::2", kNow + 600s));
    store.put_replay({hoa_key, 0xfedcba9876543210ull, 65535, kNow + 7s});
    store.put_replay({id_key, 7, 3, kNow + 2s});
    store.commit();
    store.begin();
    store.erase(address("2001:db8:a::1"));  // the binding goes, its record stays
    store.put_replay({hoa_key, 0xfedcba9876543211ull, 65534, kNow + 8s});  // replaced
    store.commit();
  }
  SqliteBindingStore store(file_);
  EXPECT_TRUE(load_all(store, kNow).empty());
  const auto loaded = load_replay_all(store, kNow);
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].key, hoa_key);
  EXPECT_EQ(loaded[0].last_timestamp, 0xfedcba9876543211ull);  // all 64 bits, unsigned
  EXPECT_EQ(loaded[0].sequence, 65534);
  EXPECT_EQ(loaded[0].forget_at, kNow + 8s);
  EXPECT_EQ(loaded[1].key, id_key);
  // Records of no use at `now` are not loaded, and a purge removes them.
  EXPECT_EQ(load_replay_all(store, kNow + 2s).size(), 1u);
  store.begin();
  store.purge_replay(kNow + 2s);
  store.commit();
  EXPECT_EQ(store.replay_count(), 1u);
  store.begin();
  store.erase_replay(hoa_key);
  store.commit();
  EXPECT_EQ(store.replay_count(), 0u);
}

TEST_F(SqliteBindingStoreTest, VersionOneFileGainsTheReplayTableAndKeepsItsBindings) {
  // A file as the first mip6d release wrote it.
  run_sql(file_,
          "CREATE TABLE bindings (home_address BLOB NOT NULL PRIMARY KEY, care_of_address BLOB NOT NULL,"
          " expires_us INTEGER NOT NULL, spi INTEGER NOT NULL, last_timestamp INTEGER NOT NULL,"
          " sequence INTEGER NOT NULL, flags INTEGER NOT NULL) WITHOUT ROWID;"
          "PRAGMA application_id = 1379287635; PRAGMA user_version = 1;");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "INSERT INTO bindings VALUES (?1, ?2, ?3, 256, 42, 9, 40960)", -1, &st, nullptr),
              SQLITE_OK);
    const auto hoa = address("2001:db8:a::5");
    const auto coa = address("2001:db8:b::2");
    sqlite3_bind_blob(st, 1, hoa.bytes.data(), 16, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, coa.bytes.data(), 16, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, std::chrono::duration_cast<std::chrono::microseconds>(
                                  (kNow + 60s).time_since_epoch()).count());
    ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  {
    SqliteBindingStore store(file_);
    const auto loaded = load_all(store, kNow);
    ASSERT_EQ(loaded.size(), 1u);
    EXPECT_EQ(loaded[0].sequence, 9);
    EXPECT_EQ(loaded[0].link_layer_identifier.size, 0);
    EXPECT_TRUE(load_replay_all(store, kNow).empty());
    store.begin();
    store.put_replay({std::string(17, '\0'), 1, 1, kNow + 7s});
    store.commit();
    EXPECT_EQ(store.replay_count(), 1u);
  }
  EXPECT_EQ(query_text(file_, "PRAGMA user_version"), std::to_string(SqliteBindingStore::kSchemaVersion));
}

TEST_F(SqliteBindingStoreTest, VersionTwoFileGainsTheLinkLayerColumnAndKeepsItsBindings) {
  const auto b = binding("2001:db8:a::1", "2001:db8:b::1", kNow + 60s, 7);
  {
    SqliteBindingStore store(file_);
    store.begin();
    store.put(b);
    store.commit();
  }
  // Back to what the release before wrote: no link-layer column, version 2.
  run_sql(file_,
          "ALTER TABLE bindings DROP COLUMN link_layer_id; PRAGMA user_version = 2;");
  {
    SqliteBindingStore store(file_);
    const auto loaded = load_all(store, kNow);
    ASSERT_EQ(loaded.size(), 1u);
    expect_same(loaded[0], b);
    StoredBinding tied = b;
    tied.link_layer_identifier = *wire::LinkLayerIdentifier::parse("02:00:00:00:00:01");
    store.begin();
    store.put(tied);
    store.commit();
    expect_same(load_all(store, kNow).at(0), tied);
  }
  EXPECT_EQ(query_text(file_, "PRAGMA user_version"), std::to_string(SqliteBindingStore::kSchemaVersion));
}

TEST_F(SqliteBindingStoreTest, LinkLayerIdentifierOfABadLengthIsReportedCorrupt) {
  {
    SqliteBindingStore store(file_);
    store.begin();
    store.put(binding("2001:db8:a::1", "2001:db8:b::1", kNow + 60s));
    store.commit();
  }
  // The column's CHECK keeps a store's own writes sound; a file edited by
  // hand without it is what load must still refuse.
  run_sql(file_, "PRAGMA ignore_check_constraints = 1; UPDATE bindings SET link_layer_id = zeroblob(9);");
  SqliteBindingStore store(file_);
  const auto error = store_error_from([&] { load_all(store, kNow); });
  ASSERT_TRUE(error);
  EXPECT_THAT(error->what(), HasSubstr("link_layer_id"));
}

}  // namespace
}  // namespace roam6::mip6d
