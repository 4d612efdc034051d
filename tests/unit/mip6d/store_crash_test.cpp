// Kills a process that is committing batches to a SqliteBindingStore with
// SIGKILL at a random moment, then checks that every batch whose commit()
// returned is in the file, complete and exact, and that nothing else is: the
// guarantee a Binding Acknowledgement relies on.

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "mip6d/store/sqlite_binding_store.hpp"
#include "store_temp_dir.hpp"

namespace roam6::mip6d {
namespace {

using namespace std::chrono_literals;

// Batch k puts bindings (k, 0..3) and erases (k-1, 3), so both puts and
// erases must survive, and a half-applied batch is visible.
constexpr int kBindingsPerBatch = 4;
constexpr int kErasedSlot = kBindingsPerBatch - 1;
constexpr std::uint64_t kRunawayBatchLimit = 500'000;  // the child stops itself here
const WallTime kExpiry = WallTime{std::chrono::microseconds{1'900'000'000'000'000}};

wire::Ip6Addr home_address(std::uint64_t batch, int slot) {
  wire::Ip6Addr a;
  a.bytes[0] = 0x20;
  a.bytes[1] = 0x01;
  a.bytes[7] = static_cast<std::uint8_t>(slot);
  for (int i = 0; i < 8; ++i) {
    a.bytes[static_cast<std::size_t>(15 - i)] = static_cast<std::uint8_t>(batch >> (8 * i));
  }
  return a;
}

// Every field depends on (batch, slot), so a row from the wrong batch or a
// torn row does not match.
StoredBinding binding_for(std::uint64_t batch, int slot) {
  StoredBinding b;
  b.home_address = home_address(batch, slot);
  b.care_of_address = home_address(batch * 7 + 1, slot);
  b.care_of_address.bytes[0] = 0xfd;
  b.expires = kExpiry + std::chrono::microseconds(batch * 10 + static_cast<std::uint64_t>(slot));
  b.spi = static_cast<std::uint32_t>(batch * 3 + static_cast<std::uint64_t>(slot));
  b.last_timestamp = (batch + 1) * 0x9E3779B97F4A7C15ull;
  b.sequence = static_cast<std::uint16_t>(batch + static_cast<std::uint64_t>(slot));
  b.flags = static_cast<std::uint16_t>(0x8000 | slot);
  return b;
}

bool write_all(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// The child: commit batches from `first_batch` on, reporting each one on
// `report_fd` only after commit() returned. Runs until killed.
[[noreturn]] void commit_until_killed(const std::filesystem::path& file, std::uint64_t first_batch,
                                      int report_fd) {
  int status = 0;
  try {
    SqliteBindingStore store(file);
    for (std::uint64_t batch = first_batch; batch < first_batch + kRunawayBatchLimit; ++batch) {
      store.begin();
      for (int slot = 0; slot < kBindingsPerBatch; ++slot) store.put(binding_for(batch, slot));
      if (batch > 1) store.erase(home_address(batch - 1, kErasedSlot));
      store.commit();
      if (!write_all(report_fd, &batch, sizeof batch)) {
        status = 3;
        break;
      }
    }
    if (status == 0) status = 4;  // never killed
  } catch (...) {
    status = 2;
  }
  ::_exit(status);  // no gtest or static destructors in the child
}

// Reads 8-byte batch numbers from a pipe, checking they arrive in order.
class BatchReports {
 public:
  explicit BatchReports(int fd, std::uint64_t last_before) : fd_(fd), last_(last_before) {}

  enum class Outcome { data, timeout, closed };

  // Reads what is available, waiting at most `timeout`.
  Outcome read_some(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready == 0 || (ready < 0 && errno == EINTR)) return Outcome::timeout;
    if (ready < 0) return Outcome::closed;
    char buffer[4096];
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n <= 0) return Outcome::closed;
    pending_.insert(pending_.end(), buffer, buffer + n);
    std::size_t used = 0;
    for (; pending_.size() - used >= sizeof(std::uint64_t); used += sizeof(std::uint64_t)) {
      std::uint64_t batch = 0;
      std::memcpy(&batch, pending_.data() + used, sizeof batch);
      EXPECT_EQ(batch, last_ + 1) << "batches reported out of order";
      last_ = batch;
      ++received_;
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(used));
    return Outcome::data;
  }
  // After the writer died: everything it wrote is in the pipe, then EOF.
  void drain() {
    while (read_some(1s) == Outcome::data) {
    }
  }
  [[nodiscard]] std::uint64_t last() const { return last_; }
  [[nodiscard]] std::uint64_t received() const { return received_; }

 private:
  int fd_;
  std::uint64_t last_;
  std::uint64_t received_ = 0;
  std::vector<char> pending_;
};

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "status " + std::to_string(status);
}

// Checks the file holds exactly batches 1..reported, or 1..reported+1 (the
// child may have been killed after commit() returned but before it reported).
// Returns the last batch that is in the file.
std::uint64_t verify_store(const std::filesystem::path& file, std::uint64_t reported) {
  SqliteBindingStore store(file);
  std::unordered_map<wire::Ip6Addr, StoredBinding> rows;
  store.load(kExpiry - 1s, [&](const StoredBinding& b) { rows.emplace(b.home_address, b); });

  auto expect_row = [&](std::uint64_t batch, int slot) {
    const auto it = rows.find(home_address(batch, slot));
    if (it == rows.end()) {
      ADD_FAILURE() << "batch " << batch << " slot " << slot << " reported committed but missing";
      return;
    }
    const StoredBinding want = binding_for(batch, slot);
    const StoredBinding& got = it->second;
    EXPECT_EQ(got.care_of_address, want.care_of_address) << "batch " << batch;
    EXPECT_EQ(got.expires, want.expires) << "batch " << batch;
    EXPECT_EQ(got.spi, want.spi) << "batch " << batch;
    EXPECT_EQ(got.last_timestamp, want.last_timestamp) << "batch " << batch;
    EXPECT_EQ(got.sequence, want.sequence) << "batch " << batch;
    EXPECT_EQ(got.flags, want.flags) << "batch " << batch;
  };

  const bool unreported_committed = rows.contains(home_address(reported + 1, 0));
  const std::uint64_t last = unreported_committed ? reported + 1 : reported;
  for (std::uint64_t batch = 1; batch <= last; ++batch) {
    for (int slot = 0; slot < kErasedSlot; ++slot) expect_row(batch, slot);
    // Erased by the next batch, except in the last one.
    if (batch == last) {
      expect_row(batch, kErasedSlot);
    } else {
      EXPECT_FALSE(rows.contains(home_address(batch, kErasedSlot)))
          << "erase from batch " << batch + 1 << " lost";
    }
  }
  // Nothing beyond: no torn or phantom batch.
  EXPECT_EQ(rows.size(), last * (kBindingsPerBatch - 1) + 1) << "last batch " << last;
  EXPECT_EQ(store.count(), rows.size());
  return last;
}

TEST(SqliteBindingStoreCrash, CommittedBatchesSurviveSigkillAtRandomPoints) {
  testing::StoreTempDir dir;
  const auto file = dir.file("bindings.db");
  const auto seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  std::uniform_int_distribution<std::uint64_t> batches_before_kill(1, 500);
  std::uniform_int_distribution<int> extra_delay_us(0, 2000);

  std::uint64_t last_committed = 0;
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0) << std::strerror(errno);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0) << std::strerror(errno);
    if (child == 0) {
      ::close(fds[0]);
      commit_until_killed(file, last_committed + 1, fds[1]);
    }
    ::close(fds[1]);

    BatchReports reports(fds[0], last_committed);
    const std::uint64_t target = batches_before_kill(random);
    // Generous: a WAL checkpoint or a busy machine can pause the child.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (reports.received() < target && std::chrono::steady_clock::now() < deadline) {
      if (reports.read_some(100ms) == BatchReports::Outcome::closed) break;  // died on its own
    }
    std::this_thread::sleep_for(std::chrono::microseconds(extra_delay_us(random)));
    ::kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    reports.drain();
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "child " << describe_exit(status) << " before it was killed";
    ASSERT_GE(reports.received(), target) << "child stalled";

    last_committed = verify_store(file, reports.last());
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace roam6::mip6d
