#pragma once
// One forwarding core's per-binding traffic, in the order it was counted,
// for the control plane to fold into the bindings' counters.
//
// Why: at a million bindings, adding a packet to its binding's counters
// costs the forwarding core one random DRAM line (20-25 cycles on our VMs,
// docs/benchmarks.md), as much as the lookup itself. Appending (slot, bytes)
// to a log writes lines in sequence instead, which costs a few instructions;
// the random line moves to the thread that folds the log, the control
// plane, which has the cycles to spare.
//
// A single-producer single-consumer ring. The producer (the forwarding core
// that owns the log) appends and publishes its head between bursts; the
// consumer (the table's writer) drains what was published and hands the
// space back. A full log refuses the entry (append returns false) and the
// producer counts it directly instead, so no packet goes uncounted when the
// control plane falls behind.

#if defined(__x86_64__)
#include <emmintrin.h>  // SSE2, part of x86-64: non-temporal stores, clflush
#endif

#include <atomic>
#include <cstdint>

#include "datapath/table/zeroed_array.hpp"

namespace roam6::datapath {

// What one log entry says: `bytes` more inner bytes (and one packet) into or
// out of the tunnel of binding `slot`.
struct LoggedTraffic {
  std::uint32_t slot;
  std::uint32_t bytes;
  bool encapsulated;
};

class TrafficLog {
 public:
  // Bytes above this cannot be logged (a frame is at most 64 KiB); such an
  // entry is refused and counted directly.
  static constexpr std::uint32_t max_bytes = (1u << 31) - 1;

  // `capacity`: entries, rounded up to a power of two (at least 64). Throws
  // std::bad_alloc.
  explicit TrafficLog(std::uint32_t capacity)
      : mask_(round_up(capacity) - 1), entries_(std::size_t{mask_} + 1) {
    // Backed now, not by page faults on the forwarding core's first pass.
    entries_.populate(0, entries_.size());
  }
  TrafficLog(const TrafficLog&) = delete;
  TrafficLog& operator=(const TrafficLog&) = delete;

  // ---- producer (the owning forwarding core) ----
  // False, logging nothing, when the log is full or `bytes` too large.
  bool append(std::uint32_t slot, std::uint32_t bytes, bool encapsulated) noexcept {
    if (head_ - producer_tail_ > mask_) [[unlikely]] {
      producer_tail_ = tail_.load(std::memory_order_acquire);
      if (head_ - producer_tail_ > mask_) return false;
    }
    if (bytes > max_bytes) [[unlikely]] return false;
    const std::uint64_t entry = std::uint64_t{slot} << 32 | std::uint64_t{bytes} << 1 | (encapsulated ? 1u : 0u);
#if defined(__x86_64__)
    // A non-temporal store: the line goes to memory without being read for
    // ownership first, so the core does not wait to take it back from the
    // consumer's cache. With plain stores each new line of the log cost the
    // forwarding core about 20 cycles a packet more at 1 000 bindings
    // (docs/benchmarks.md).
    _mm_stream_si64(reinterpret_cast<long long*>(&entries_[head_ & mask_]), static_cast<long long>(entry));
#else
    entries_[head_ & mask_] = entry;
#endif
    ++head_;
    return true;
  }
  // Makes everything appended so far visible to the consumer (a release
  // store). Called between bursts, before the core reports a quiescent state.
  void publish() noexcept {
    // Nothing new (an idle poll): no fence, and no store that would take the
    // line back from a consumer that read it.
    if (published_head_.load(std::memory_order_relaxed) == head_) return;
#if defined(__x86_64__)
    _mm_sfence();  // non-temporal stores are not ordered by the release store
#endif
    published_head_.store(head_, std::memory_order_release);
  }

  // ---- consumer (the table's writer) ----
  // Calls fold(LoggedTraffic) for each published entry, oldest first, and
  // frees their space; prefetch(slot) for the entry `lookahead` places
  // further on first, so the folds' random counter lines load side by side
  // instead of one at a time. Returns how many entries there were.
  template <class Prefetch, class Fold>
  std::uint64_t drain(Prefetch prefetch, Fold fold) noexcept {
    constexpr std::uint64_t lookahead = 8;
    const std::uint64_t head = published_head_.load(std::memory_order_acquire);
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    for (std::uint64_t i = tail; i != head && i != tail + lookahead; ++i) prefetch(slot_of(entries_[i & mask_]));
    for (std::uint64_t i = tail; i != head; ++i) {
      if (head - i > lookahead) prefetch(slot_of(entries_[(i + lookahead) & mask_]));
      const std::uint64_t entry = entries_[i & mask_];
      fold(LoggedTraffic{slot_of(entry), static_cast<std::uint32_t>(entry) >> 1, (entry & 1) != 0});
#if defined(__x86_64__)
      // Done with this line of eight entries: out of every cache, so the
      // producer's next pass mostly writes it without a cross-core
      // invalidation (a line a drain stops in is flushed by the next one).
      if ((i & 7) == 7) _mm_clflush(&entries_[i & mask_]);
#endif
    }
    tail_.store(head, std::memory_order_release);
    return head - tail;
  }

 private:
  static std::uint32_t slot_of(std::uint64_t entry) noexcept { return static_cast<std::uint32_t>(entry >> 32); }
  static std::uint32_t round_up(std::uint32_t capacity) noexcept {
    std::uint32_t size = 64;
    while (size < capacity && size < (1u << 31)) size <<= 1;
    return size;
  }

  // The producer's own line: where it writes next, and the last tail it saw
  // (read again only when the log looks full).
  alignas(64) std::uint64_t head_ = 0;
  std::uint64_t producer_tail_ = 0;
  std::uint32_t mask_;
  ZeroedArray<std::uint64_t> entries_;
  alignas(64) std::atomic<std::uint64_t> published_head_{0};
  alignas(64) std::atomic<std::uint64_t> tail_{0};
};

}  // namespace roam6::datapath
