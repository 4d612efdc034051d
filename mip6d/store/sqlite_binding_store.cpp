#include "mip6d/store/sqlite_binding_store.hpp"

#include <sqlite3.h>

#include <array>
#include <bit>
#include <chrono>
#include <cstdint>
#include <limits>
#include <system_error>
#include <utility>

namespace roam6::mip6d {

namespace {

// Marks the file as a roam6 binding store ("R6BS"), so the daemon refuses to
// take over some other application's database by a typo in its config.
constexpr std::int64_t kApplicationId = 0x52364253;

// kMigrations[v] turns a version-v file into version v+1. Only ever append:
// files in the field are at any earlier version.
constexpr std::array<const char*, SqliteBindingStore::kSchemaVersion> kMigrations = {
    // 0 -> 1. Addresses are raw 16-byte network-order BLOBs; expiry is absolute
    // wall-clock microseconds since the Unix epoch so the remaining lifetime
    // survives a restart. WITHOUT ROWID: the home address is the only key, so
    // the rows live in the primary-key b-tree itself (no second index to keep).
    "CREATE TABLE bindings ("
    "  home_address    BLOB    NOT NULL PRIMARY KEY CHECK (length(home_address) = 16),"
    "  care_of_address BLOB    NOT NULL CHECK (length(care_of_address) = 16),"
    "  expires_us      INTEGER NOT NULL,"
    "  spi             INTEGER NOT NULL,"
    "  last_timestamp  INTEGER NOT NULL,"  // uint64 stored bit-for-bit as int64
    "  sequence        INTEGER NOT NULL,"
    "  flags           INTEGER NOT NULL"
    ") WITHOUT ROWID",
    // 1 -> 2. The Home Agent's replay memory (RFC 4285 6), which outlives the
    // bindings: the key is a kind byte plus a home address or an RFC 4283
    // identity; forget_at_us is when the record stops mattering. No index on
    // it: purges are rare full scans, and an index would cost every write.
    "CREATE TABLE replay_memory ("
    "  key            BLOB    NOT NULL PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 257),"
    "  last_timestamp INTEGER NOT NULL,"  // uint64 stored bit-for-bit as int64
    "  sequence       INTEGER NOT NULL,"
    "  forget_at_us   INTEGER NOT NULL"
    ") WITHOUT ROWID",
    // 2 -> 3. The link-layer identifier (the guest's MAC) a binding is tied
    // to; NULL for bindings made before, or by a BU without one.
    "ALTER TABLE bindings ADD COLUMN link_layer_id BLOB "
    "  CHECK (link_layer_id IS NULL OR length(link_layer_id) BETWEEN 1 AND 8)",
};

// Page cache for the connection (negative: KiB). Big enough that batched
// puts into a million-row table rarely miss; reads of the main file go
// through mmap instead.
constexpr const char* kCacheSizePragma = "PRAGMA cache_size = -16384";
constexpr const char* kMmapSizePragma = "PRAGMA mmap_size = 1073741824";
// Checkpoint (copy the WAL into the main file, then fsync) every 16384 pages
// (64 MiB) instead of SQLite's 1000: puts of scattered home addresses dirty
// about one page per row, and pages rewritten between checkpoints are copied
// once. Measured: ~1.5x the put throughput of the default with a 100k-row
// table, and far fewer fsync stalls. The price is a WAL of up to 64 MiB,
// read back once at startup after a crash.
constexpr const char* kAutoCheckpointPragma = "PRAGMA wal_autocheckpoint = 16384";
// Truncate the WAL back to that size after a checkpoint if a burst grew it.
constexpr const char* kJournalSizeLimitPragma = "PRAGMA journal_size_limit = 67108864";

// Columns of the bindings table, in the order select/upsert use them.
enum Column : int {
  kHomeAddress = 0,
  kCareOfAddress,
  kExpiresUs,
  kSpi,
  kLastTimestamp,
  kSequence,
  kFlags,
  kLinkLayerId,
};

std::int64_t to_epoch_microseconds(WallTime t) noexcept {
  return std::chrono::floor<std::chrono::microseconds>(t.time_since_epoch()).count();
}

// Largest microsecond count WallTime can hold without overflowing.
constexpr std::int64_t kMaxEpochMicroseconds =
    std::chrono::duration_cast<std::chrono::microseconds>(WallTime::duration::max()).count();
constexpr std::int64_t kMinEpochMicroseconds =
    std::chrono::duration_cast<std::chrono::microseconds>(WallTime::duration::min()).count();

bool read_address(sqlite3_stmt* row, int column, wire::Ip6Addr& out) noexcept {
  const void* blob = sqlite3_column_blob(row, column);
  if (blob == nullptr || sqlite3_column_bytes(row, column) != 16) return false;
  out = wire::Ip6Addr::from_bytes(static_cast<const std::uint8_t*>(blob));
  return true;
}

template <typename Unsigned>
bool read_unsigned(sqlite3_stmt* row, int column, Unsigned& out) noexcept {
  const std::int64_t value = sqlite3_column_int64(row, column);
  if (value < 0 || static_cast<std::uint64_t>(value) > std::numeric_limits<Unsigned>::max()) {
    return false;
  }
  out = static_cast<Unsigned>(value);
  return true;
}

// Fills `out` from the current row of the select statement. Returns the name
// of the first malformed column, or nullptr when the row is sound. Rows are
// only ever written by put(), so a bad one means the file was damaged.
const char* decode_binding(sqlite3_stmt* row, std::int64_t expires_us, StoredBinding& out) noexcept {
  if (!read_address(row, kHomeAddress, out.home_address)) return "home_address";
  if (!read_address(row, kCareOfAddress, out.care_of_address)) return "care_of_address";
  if (expires_us > kMaxEpochMicroseconds || expires_us < kMinEpochMicroseconds) return "expires_us";
  out.expires = WallTime{std::chrono::microseconds{expires_us}};
  if (!read_unsigned(row, kSpi, out.spi)) return "spi";
  out.last_timestamp = std::bit_cast<std::uint64_t>(sqlite3_column_int64(row, kLastTimestamp));
  if (!read_unsigned(row, kSequence, out.sequence)) return "sequence";
  if (!read_unsigned(row, kFlags, out.flags)) return "flags";
  out.link_layer_identifier = {};
  if (sqlite3_column_type(row, kLinkLayerId) != SQLITE_NULL) {
    const auto* blob = static_cast<const std::uint8_t*>(sqlite3_column_blob(row, kLinkLayerId));
    const auto id = wire::LinkLayerIdentifier::from(
        wire::ByteSpan(blob, blob == nullptr ? 0 : static_cast<std::size_t>(sqlite3_column_bytes(row, kLinkLayerId))));
    if (!id) return "link_layer_id";
    out.link_layer_identifier = *id;
  }
  return nullptr;
}

StoreErrc kind_of(int rc) noexcept {
  switch (rc & 0xff) {  // primary code of an extended result code
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return StoreErrc::locked;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return StoreErrc::corrupt;
    case SQLITE_FULL: return StoreErrc::full;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH: return StoreErrc::cannot_open;
    case SQLITE_MISUSE: return StoreErrc::misuse;
    default: return StoreErrc::io;
  }
}

const char* hint_for(StoreErrc kind) noexcept {
  switch (kind) {
    case StoreErrc::locked:
      return " (another process, probably another mip6d, has this store open; "
             "a store belongs to one daemon)";
    case StoreErrc::corrupt: return " (the file is damaged or is not a mip6d binding store)";
    case StoreErrc::full: return " (free some disk space)";
    default: return "";
  }
}

std::string describe(const std::filesystem::path& path) {
  return "binding store \"" + path.string() + "\"";
}

}  // namespace

void SqliteBindingStore::StatementFinalizer::operator()(sqlite3_stmt* statement) const noexcept {
  sqlite3_finalize(statement);
}

SqliteBindingStore::SqliteBindingStore(const std::filesystem::path& database, bool durable_sync)
    : path_(database) {
  if (database.empty()) {
    throw StoreError(StoreErrc::cannot_open, "binding store: no database file configured");
  }
  // SQLite would only say "unable to open database file"; name the real cause.
  const std::filesystem::path parent = database.parent_path();
  std::error_code ec;
  if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
    throw StoreError(StoreErrc::cannot_open, describe(path_) + ": directory \"" +
                                                 parent.string() + "\" does not exist");
  }
  if (std::filesystem::is_directory(database, ec)) {
    throw StoreError(StoreErrc::cannot_open,
                     describe(path_) + ": is a directory, not a database file");
  }

  // Multi-thread mode (NOMUTEX): the connection is used from one thread only.
  const int rc = sqlite3_open_v2(database.c_str(), &db_,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  try {
    if (rc != SQLITE_OK) throw error(rc, "opening");
    sqlite3_extended_result_codes(db_, 1);
    lock_exclusively();
    const std::int64_t version = check_file_identity();
    configure_journal(durable_sync);
    migrate_schema(version);
    prepare_statements();
  } catch (...) {
    close();
    throw;
  }
}

SqliteBindingStore::~SqliteBindingStore() { close(); }

void SqliteBindingStore::close() noexcept {
  // An open batch was never acknowledged: drop it rather than let SQLite
  // decide. (Closing would roll it back too, but say so explicitly.)
  if (state_ != State::idle) rollback_quietly();
  state_ = State::idle;
  for (Statement* statement : {&begin_, &commit_, &rollback_, &upsert_, &erase_, &select_all_,
                               &delete_expired_, &count_, &replay_upsert_, &replay_erase_,
                               &replay_select_, &replay_purge_, &replay_count_}) {
    statement->reset();
  }
  if (db_ != nullptr) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
  }
}

void SqliteBindingStore::lock_exclusively() {
  // Never wait for a lock: the only other holder can be another daemon, and
  // waiting for it would just delay the refusal to start.
  sqlite3_busy_timeout(db_, 0);
  // Exclusive locking mode: the first access takes a lock that is held until
  // the connection closes (the kernel drops it if the process dies). In WAL
  // mode it also keeps the WAL index in heap memory: no -shm file.
  exec("PRAGMA locking_mode = EXCLUSIVE", "setting exclusive locking");
}

std::int64_t SqliteBindingStore::check_file_identity() {
  const auto query_int = [this](const char* sql, const char* what) -> std::int64_t {
    Statement statement = prepare(sql, what);
    const int rc = sqlite3_step(statement.get());
    if (rc != SQLITE_ROW) throw error(rc, what);
    return sqlite3_column_int64(statement.get(), 0);
  };
  // The first read of the file: a lock held by another daemon, or a file
  // that is not a database at all, shows up here.
  const std::int64_t application_id = query_int("PRAGMA application_id", "opening");
  const std::int64_t version = query_int("PRAGMA user_version", "reading schema version");
  const std::int64_t objects = query_int("SELECT count(*) FROM sqlite_master", "reading schema");

  // Checked before anything is written, so a wrong path in the config
  // cannot convert someone else's database to WAL or add tables to it.
  const bool fresh = application_id == 0 && version == 0 && objects == 0;
  if (!fresh && application_id != kApplicationId) {
    throw StoreError(StoreErrc::corrupt,
                     describe(path_) + ": is an SQLite database of another application, not a "
                                       "mip6d binding store; refusing to modify it");
  }
  if (version > kSchemaVersion) {
    throw StoreError(StoreErrc::schema_too_new,
                     describe(path_) + ": schema version " + std::to_string(version) +
                         " is newer than this mip6d supports (" + std::to_string(kSchemaVersion) +
                         "); it was written by a newer mip6d");
  }
  return version;
}

void SqliteBindingStore::configure_journal(bool durable_sync) {
  Statement journal = prepare("PRAGMA journal_mode = WAL", "switching to WAL journal mode");
  const int rc = sqlite3_step(journal.get());
  if (rc != SQLITE_ROW) throw error(rc, "switching to WAL journal mode");
  const auto* mode = reinterpret_cast<const char*>(sqlite3_column_text(journal.get(), 0));
  if (mode == nullptr || std::string_view(mode) != "wal") {
    throw StoreError(StoreErrc::io, describe(path_) + ": cannot use WAL journal mode (got \"" +
                                        (mode ? std::string(mode) : std::string("?")) + "\")");
  }
  journal.reset();

  // Taking the write lock now, not at the first batch, makes a second daemon
  // fail at startup even if this one has not written anything yet.
  exec("BEGIN EXCLUSIVE", "locking");
  exec("COMMIT", "locking");

  // NORMAL in WAL mode: commits are not fsynced, but they are in the page
  // cache, which outlives the process. FULL fsyncs the WAL on every commit.
  exec(durable_sync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
       "setting synchronous mode");
  exec(kCacheSizePragma, "setting cache size");
  exec(kMmapSizePragma, "setting mmap size");
  exec(kAutoCheckpointPragma, "setting checkpoint interval");
  exec(kJournalSizeLimitPragma, "setting journal size limit");
}

void SqliteBindingStore::migrate_schema(std::int64_t from_version) {
  if (from_version == kSchemaVersion) return;

  // All steps and the new version number commit together: a crash mid-way
  // leaves the file at its old version, to be migrated again.
  exec("BEGIN IMMEDIATE", "starting schema migration");
  try {
    for (auto v = static_cast<std::size_t>(from_version); v < kMigrations.size(); ++v) {
      exec(kMigrations[v], "migrating schema");
    }
    // PRAGMA values cannot be bound; these are our own constants.
    exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str(),
         "setting application id");
    exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str(),
         "setting schema version");
    exec("COMMIT", "committing schema migration");
  } catch (...) {
    rollback_quietly();
    throw;
  }
}

void SqliteBindingStore::prepare_statements() {
  begin_ = prepare("BEGIN IMMEDIATE");
  commit_ = prepare("COMMIT");
  rollback_ = prepare("ROLLBACK");
  upsert_ = prepare(
      "INSERT OR REPLACE INTO bindings (home_address, care_of_address, expires_us, spi, "
      "last_timestamp, sequence, flags, link_layer_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  erase_ = prepare("DELETE FROM bindings WHERE home_address = ?1");
  select_all_ = prepare(
      "SELECT home_address, care_of_address, expires_us, spi, last_timestamp, sequence, flags, "
      "link_layer_id FROM bindings");
  delete_expired_ = prepare("DELETE FROM bindings WHERE expires_us <= ?1");
  count_ = prepare("SELECT count(*) FROM bindings");
  replay_upsert_ = prepare(
      "INSERT OR REPLACE INTO replay_memory (key, last_timestamp, sequence, forget_at_us) "
      "VALUES (?1, ?2, ?3, ?4)");
  replay_erase_ = prepare("DELETE FROM replay_memory WHERE key = ?1");
  replay_select_ = prepare(
      "SELECT key, last_timestamp, sequence, forget_at_us FROM replay_memory WHERE forget_at_us > ?1");
  replay_purge_ = prepare("DELETE FROM replay_memory WHERE forget_at_us <= ?1");
  replay_count_ = prepare("SELECT count(*) FROM replay_memory");
}

void SqliteBindingStore::load(WallTime now,
                              const std::function<void(const StoredBinding&)>& each) {
  require_state(State::idle, "load()");
  step_to_done(begin_.get(), "starting to load");
  state_ = State::loading;
  sqlite3_stmt* const select = select_all_.get();
  try {
    const std::int64_t now_us = to_epoch_microseconds(now);
    std::uint64_t expired = 0;
    StoredBinding binding;
    for (;;) {
      const int rc = sqlite3_step(select);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) throw error(rc, "loading bindings");
      const std::int64_t expires_us = sqlite3_column_int64(select, kExpiresUs);
      if (expires_us <= now_us) {
        ++expired;
        continue;
      }
      if (const char* bad_column = decode_binding(select, expires_us, binding)) {
        throw StoreError(StoreErrc::corrupt, describe(path_) + ": a stored binding has a malformed " +
                                                 bad_column + hint_for(StoreErrc::corrupt));
      }
      each(binding);
    }
    sqlite3_reset(select);
    // Scanning once and deleting only when something expired keeps the usual
    // restart (nothing or little expired) to a single pass over the table.
    if (expired != 0) {
      sqlite3_bind_int64(delete_expired_.get(), 1, now_us);
      step_to_done(delete_expired_.get(), "deleting expired bindings");
    }
    step_to_done(commit_.get(), "committing the load");
    state_ = State::idle;
  } catch (...) {
    sqlite3_reset(select);
    rollback_quietly();
    state_ = State::idle;
    throw;
  }
}

void SqliteBindingStore::begin() {
  require_state(State::idle, "begin()");
  step_to_done(begin_.get(), "starting a batch");
  state_ = State::in_batch;
}

void SqliteBindingStore::put(const StoredBinding& binding) {
  require_state(State::in_batch, "put()");
  sqlite3_stmt* const upsert = upsert_.get();
  // SQLITE_STATIC: SQLite reads the bytes during step(), before put() returns.
  int rc = sqlite3_bind_blob(upsert, kHomeAddress + 1, binding.home_address.bytes.data(), 16,
                             SQLITE_STATIC);
  if (rc == SQLITE_OK) {
    rc = sqlite3_bind_blob(upsert, kCareOfAddress + 1, binding.care_of_address.bytes.data(), 16,
                           SQLITE_STATIC);
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_bind_int64(upsert, kExpiresUs + 1, to_epoch_microseconds(binding.expires));
  }
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(upsert, kSpi + 1, binding.spi);
  if (rc == SQLITE_OK) {
    rc = sqlite3_bind_int64(upsert, kLastTimestamp + 1,
                            std::bit_cast<std::int64_t>(binding.last_timestamp));
  }
  if (rc == SQLITE_OK) rc = sqlite3_bind_int(upsert, kSequence + 1, binding.sequence);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int(upsert, kFlags + 1, binding.flags);
  if (rc == SQLITE_OK) {
    const wire::LinkLayerIdentifier& id = binding.link_layer_identifier;
    rc = id.size == 0 ? sqlite3_bind_null(upsert, kLinkLayerId + 1)
                      : sqlite3_bind_blob(upsert, kLinkLayerId + 1, id.bytes.data(), id.size, SQLITE_STATIC);
  }
  write_in_batch(upsert, rc, "storing a binding");
}

void SqliteBindingStore::erase(const wire::Ip6Addr& home_address) {
  require_state(State::in_batch, "erase()");
  sqlite3_stmt* const erase = erase_.get();
  write_in_batch(erase, sqlite3_bind_blob(erase, 1, home_address.bytes.data(), 16, SQLITE_STATIC),
                 "erasing a binding");
}

void SqliteBindingStore::commit() {
  require_state(State::in_batch, "commit()");
  try {
    step_to_done(commit_.get(), "committing a batch");
  } catch (const StoreError& e) {
    abandon_batch(e);
  }
  state_ = State::idle;
}

void SqliteBindingStore::load_replay(WallTime now,
                                     const std::function<void(const StoredReplayRecord&)>& each) {
  require_state(State::idle, "load_replay()");
  state_ = State::loading;
  sqlite3_stmt* const select = replay_select_.get();
  try {
    sqlite3_bind_int64(select, 1, to_epoch_microseconds(now));
    StoredReplayRecord record;
    for (;;) {
      const int rc = sqlite3_step(select);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) throw error(rc, "loading the replay memory");
      const void* key = sqlite3_column_blob(select, 0);
      const int key_size = sqlite3_column_bytes(select, 0);
      const std::int64_t forget_at_us = sqlite3_column_int64(select, 3);
      if (key == nullptr || key_size < 1 || forget_at_us > kMaxEpochMicroseconds ||
          !read_unsigned(select, 2, record.sequence)) {
        throw StoreError(StoreErrc::corrupt, describe(path_) + ": a stored replay record is malformed" +
                                                 hint_for(StoreErrc::corrupt));
      }
      record.key.assign(static_cast<const char*>(key), static_cast<std::size_t>(key_size));
      record.last_timestamp = std::bit_cast<std::uint64_t>(sqlite3_column_int64(select, 1));
      record.forget_at = WallTime{std::chrono::microseconds{forget_at_us}};
      each(record);
    }
    sqlite3_reset(select);
    state_ = State::idle;
  } catch (...) {
    sqlite3_reset(select);
    state_ = State::idle;
    throw;
  }
}

void SqliteBindingStore::put_replay(const StoredReplayRecord& record) {
  require_state(State::in_batch, "put_replay()");
  sqlite3_stmt* const upsert = replay_upsert_.get();
  int rc = sqlite3_bind_blob(upsert, 1, record.key.data(), static_cast<int>(record.key.size()),
                             SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(upsert, 2, std::bit_cast<std::int64_t>(record.last_timestamp));
  if (rc == SQLITE_OK) rc = sqlite3_bind_int(upsert, 3, record.sequence);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(upsert, 4, to_epoch_microseconds(record.forget_at));
  write_in_batch(upsert, rc, "storing a replay record");
}

void SqliteBindingStore::erase_replay(const std::string& key) {
  require_state(State::in_batch, "erase_replay()");
  sqlite3_stmt* const erase = replay_erase_.get();
  write_in_batch(erase, sqlite3_bind_blob(erase, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC),
                 "erasing a replay record");
}

void SqliteBindingStore::purge_replay(WallTime now) {
  require_state(State::in_batch, "purge_replay()");
  sqlite3_stmt* const purge = replay_purge_.get();
  write_in_batch(purge, sqlite3_bind_int64(purge, 1, to_epoch_microseconds(now)),
                 "purging the replay memory");
}

std::size_t SqliteBindingStore::replay_count() {
  if (state_ == State::loading) require_state(State::idle, "replay_count()");
  return count_rows(replay_count_.get(), "counting replay records");
}

std::size_t SqliteBindingStore::count() {
  if (state_ == State::loading) require_state(State::idle, "count()");
  return count_rows(count_.get(), "counting bindings");
}

std::size_t SqliteBindingStore::count_rows(sqlite3_stmt* count, const char* what) {
  const int rc = sqlite3_step(count);
  if (rc != SQLITE_ROW) {
    StoreError failure = error(rc, what);
    sqlite3_reset(count);
    throw failure;
  }
  const std::int64_t rows = sqlite3_column_int64(count, 0);
  sqlite3_reset(count);
  return static_cast<std::size_t>(rows);
}

void SqliteBindingStore::write_in_batch(sqlite3_stmt* statement, int bind_result, const char* what) {
  try {
    if (bind_result != SQLITE_OK) throw error(bind_result, what);
    step_to_done(statement, what);
  } catch (const StoreError& e) {
    abandon_batch(e);
  }
}

SqliteBindingStore::Statement SqliteBindingStore::prepare(const char* sql, const char* what) {
  sqlite3_stmt* statement = nullptr;
  // PERSISTENT: these statements live as long as the connection.
  const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(statement);
    throw error(rc, what != nullptr ? std::string(what) : std::string("preparing \"") + sql + "\"");
  }
  return Statement(statement);
}

void SqliteBindingStore::exec(const char* sql, const char* what) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throw error(rc, what);
}

void SqliteBindingStore::step_to_done(sqlite3_stmt* statement, const char* what) {
  const int rc = sqlite3_step(statement);
  if (rc != SQLITE_DONE) {
    // Build the message before reset(), which may replace the connection's.
    StoreError failure = error(rc == SQLITE_ROW ? SQLITE_MISUSE : rc, what);
    sqlite3_reset(statement);
    throw failure;
  }
  sqlite3_reset(statement);
}

void SqliteBindingStore::rollback_quietly() noexcept {
  if (db_ == nullptr || sqlite3_get_autocommit(db_) != 0) return;  // nothing open
  if (rollback_) {
    sqlite3_step(rollback_.get());
    sqlite3_reset(rollback_.get());
  } else {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

[[noreturn]] void SqliteBindingStore::abandon_batch(const StoreError& cause) {
  rollback_quietly();
  state_ = State::idle;
  throw cause;
}

StoreError SqliteBindingStore::error(int rc, std::string_view what) const {
  const StoreErrc kind = kind_of(rc);
  const char* reason = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  std::string message = describe(path_);
  message += ": ";
  message += what;
  message += ": ";
  message += reason;
  message += hint_for(kind);
  return StoreError(kind, message);
}

void SqliteBindingStore::require_state(State expected, const char* operation) const {
  if (state_ == expected) return;
  const char* why = "";
  switch (state_) {
    case State::idle: why = " without an open batch (call begin() first)"; break;
    case State::in_batch: why = " while a batch is open (commit() it first)"; break;
    case State::loading: why = " from inside load()'s callback"; break;
  }
  throw StoreError(StoreErrc::misuse,
                   describe(path_) + ": " + operation + " is not allowed" + why);
}

}  // namespace roam6::mip6d
