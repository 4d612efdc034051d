#pragma once
// BindingStore on one SQLite file in WAL mode, owned by exactly one mip6d.
//
//   SqliteBindingStore store(config.database, config.durable_sync);
//   store.load(scheduler.wall_now(), [&](const StoredBinding& b) { cache.restore(b); });
//   store.begin();  store.put(b1);  store.erase(hoa2);  store.commit();  // then send BAs
//
// Durability: every commit() is a WAL append. With durable_sync=false
// (synchronous=NORMAL) a committed batch survives the process dying at any
// point (SIGKILL, crash), because the WAL is already in the OS page cache; with
// durable_sync=true (synchronous=FULL) commit() also fsyncs the WAL, so it
// survives power loss at the price of one fsync per batch.
//
// Exclusivity: the file stays exclusively locked while the object lives, so a
// second daemon pointed at the same file fails to open it (StoreErrc::locked)
// instead of both silently overwriting each other's bindings.
//
// Errors: every failure throws StoreError with the file name and SQLite's
// reason. A failed put/erase/commit abandons the whole batch (it is rolled
// back, nothing of it is durable); the next batch starts with begin() again.
// Destroying the object with a batch still open rolls that batch back.
//
// Single-threaded like the rest of the control plane; not copyable or movable.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "mip6d/store/binding_store.hpp"
#include "mip6d/store/store_error.hpp"

// SQLite's opaque handle types (sqlite3.h declares them the same way), so
// users of this header do not pull in sqlite3.h.
struct sqlite3;
struct sqlite3_stmt;

namespace roam6::mip6d {

class SqliteBindingStore final : public BindingStore {
 public:
  // Version written to PRAGMA user_version. Files with a lower version are
  // migrated on open; a higher one means a newer mip6d wrote it: StoreError.
  static constexpr int kSchemaVersion = 3;

  // Opens `database`, creating it (and the schema) when missing. The parent
  // directory must exist. Throws StoreError.
  explicit SqliteBindingStore(const std::filesystem::path& database, bool durable_sync = false);
  ~SqliteBindingStore() override;

  SqliteBindingStore(const SqliteBindingStore&) = delete;
  SqliteBindingStore& operator=(const SqliteBindingStore&) = delete;
  SqliteBindingStore(SqliteBindingStore&&) = delete;
  SqliteBindingStore& operator=(SqliteBindingStore&&) = delete;

  // Streams the bindings expiring after `now` (in no particular order), then
  // deletes the expired ones, in one transaction. If `each` throws, nothing is
  // deleted and the exception propagates. `each` must not call back into the
  // store. Not allowed while a batch is open.
  void load(WallTime now, const std::function<void(const StoredBinding&)>& each) override;

  void begin() override;
  // Inserts, or replaces the binding with the same home address.
  void put(const StoredBinding& binding) override;
  // Erasing a home address that has no binding is not an error.
  void erase(const wire::Ip6Addr& home_address) override;
  void commit() override;

  // Replay memory: one row per key, replaced by put_replay.
  void load_replay(WallTime now, const std::function<void(const StoredReplayRecord&)>& each) override;
  void put_replay(const StoredReplayRecord& record) override;
  void erase_replay(const std::string& key) override;
  void purge_replay(WallTime now) override;
  [[nodiscard]] std::size_t replay_count();

  // Number of stored bindings (expired ones included until the next load()),
  // as seen by this connection: an open batch's changes count.
  [[nodiscard]] std::size_t count();

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  struct StatementFinalizer {
    void operator()(sqlite3_stmt* statement) const noexcept;
  };
  using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

  enum class State { idle, in_batch, loading };

  void lock_exclusively();
  // Refuses files of other applications and of newer schemas; returns the
  // file's schema version (0 for a new file).
  std::int64_t check_file_identity();
  void configure_journal(bool durable_sync);
  void migrate_schema(std::int64_t from_version);
  void prepare_statements();
  void close() noexcept;

  // `what` names the step in error messages; by default the SQL itself.
  Statement prepare(const char* sql, const char* what = nullptr);
  void exec(const char* sql, const char* what);
  void step_to_done(sqlite3_stmt* statement, const char* what);
  // Steps a write whose parameters were bound with `bind_result`; on any
  // failure abandons the batch and throws.
  void write_in_batch(sqlite3_stmt* statement, int bind_result, const char* what);
  [[nodiscard]] std::size_t count_rows(sqlite3_stmt* count, const char* what);
  // Rolls back whatever transaction SQLite still has open; never throws.
  void rollback_quietly() noexcept;
  // Error for SQLite result `rc` during `what`, with the connection's message.
  [[nodiscard]] StoreError error(int rc, std::string_view what) const;
  // Throws StoreErrc::misuse unless the store is in `expected`.
  void require_state(State expected, const char* operation) const;
  // Called after a failed write inside a batch: undo it all, then throw.
  [[noreturn]] void abandon_batch(const StoreError& cause);

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  State state_ = State::idle;

  // Prepared once, reset after each use: no SQL text is compiled per row.
  Statement begin_;
  Statement commit_;
  Statement rollback_;
  Statement upsert_;
  Statement erase_;
  Statement select_all_;
  Statement delete_expired_;
  Statement count_;
  Statement replay_upsert_;
  Statement replay_erase_;
  Statement replay_select_;
  Statement replay_purge_;
  Statement replay_count_;
};

}  // namespace roam6::mip6d
