#pragma once
// A hash from a key of up to 16 bytes (a home address, a MAC) to a 64-bit
// value, built for the binding table's one lookup: a hit reads one cache
// line. Each 64-byte bucket holds two entries, key and value side by side,
// so finding the key and learning its value are the same load. The value
// is any non-zero word: a record pointer (guests), or a binding's slot and
// peer index packed together (tunnels), which needs no record at all.
// rte_hash (which the table used before) needs three dependent lines: the
// signature bucket, the key store, then the record pointer; at a million
// bindings each is a DRAM access the next one waits for.
//
// Open addressing: a key lives in its home bucket (a seeded hash) or,
// when that is full, in the next bucket with a free entry. `spilled` counts
// the keys of a bucket that live further on, so a lookup whose key is not
// there stops at the home bucket unless it has spilled keys; then it looks
// at most `max_distance` buckets further, adjacent lines the hardware
// prefetches with the first. Buckets are sized for at most 60 % of the
// entries in use, where a spill is rare (and so is the second line).
//
// One writer, lock-free readers:
//  - publish: the writer stores the key, then the value with a release
//    store; a reader loads the value with acquire, then compares the key.
//    Replacing a key's value is that one release store, so a reader sees
//    the old value or the new one, whole, and whatever the writer wrote
//    before it (the record or peer the value names).
//  - erase: the value goes to 0 (release); the entry keeps its key
//    bytes and stays out of use until the owner calls free_position() after
//    a grace period, so a reader comparing against the old key never sees
//    it change under it.
// Keys and values are read and written through std::atomic_ref, so the
// table is free of data races in the C++ sense, not only on x86.

#include <atomic>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "datapath/table/zeroed_array.hpp"

namespace roam6::datapath {

// KeyLength: 1..16 bytes (16 for addresses, 6 for MACs). Instantiated in
// cache_line_hash.cpp for those two.
template <std::size_t KeyLength>
class CacheLineHash {
  static_assert(KeyLength >= 1 && KeyLength <= 16);

 public:
  // `entries`: keys live or waiting for free_position() at most (the
  // insert that would exceed it gets no_room). `name` is only for
  // messages. `seed`: the hash's; drawn at random when absent (a fixed one
  // only for reproducible measurements). Throws BindingTableError.
  CacheLineHash(const std::string& name, std::uint32_t entries,
                std::optional<std::uint64_t> seed = std::nullopt);
  CacheLineHash(const CacheLineHash&) = delete;
  CacheLineHash& operator=(const CacheLineHash&) = delete;

  enum class Insert { done, no_room, refused };
  // `value` 0 is refused (it marks an empty entry).
  [[nodiscard]] Insert insert(const void* key, std::uint64_t value) noexcept;
  // The position to free after a grace period; nullopt when absent.
  [[nodiscard]] std::optional<std::uint32_t> erase(const void* key) noexcept;
  void free_position(std::uint32_t position) noexcept;

  // The value stored for `key`, or 0.
  [[nodiscard]] std::uint64_t find(const void* key) const noexcept {
    const Key k = load_key(static_cast<const std::uint8_t*>(key));
    return probe(k, home_of(k));
  }

  // Any n; out[i] = convert(the value stored for keys[i], or 0). Every home
  // bucket is requested before the first is compared, so the DRAM accesses
  // of a burst overlap. `convert` (inlined) turns a value into what the
  // caller keeps: a record pointer, a slot and peer.
  template <class Out, class Convert>
  void find_bulk(const std::uint8_t* const* keys, unsigned n, Out* out, Convert convert) const noexcept {
    constexpr unsigned batch = 64;
    Key k[batch];
    std::uint32_t home[batch];
    while (n > 0) {
      const unsigned count = n < batch ? n : batch;
      for (unsigned i = 0; i < count; ++i) {
        k[i] = load_key(keys[i]);
        home[i] = home_of(k[i]);
        __builtin_prefetch(&buckets_[home[i]], 0, 3);
      }
      for (unsigned i = 0; i < count; ++i) out[i] = convert(probe(k[i], home[i]));
      keys += count;
      out += count;
      n -= count;
    }
  }

  // The bucket `key` belongs in (for tests and diagnostics).
  [[nodiscard]] std::uint32_t home_bucket(const void* key) const noexcept {
    return home_of(load_key(static_cast<const std::uint8_t*>(key)));
  }
  [[nodiscard]] std::uint32_t size() const noexcept { return live_; }
  [[nodiscard]] std::uint32_t bucket_count() const noexcept { return mask_ + 1; }
  // The farthest any key has lived from its home bucket.
  [[nodiscard]] std::uint32_t max_distance() const noexcept {
    return std::atomic_ref<const std::uint32_t>(max_distance_).load(std::memory_order_relaxed);
  }

 private:
  // No default member initialisers: find_bulk's array of 64 would be
  // zeroed on every call only to be overwritten; load_key writes both words.
  struct Key {
    std::uint64_t low;
    std::uint64_t high;
  };
  struct alignas(64) Bucket {
    std::uint64_t key[2][2];  // entry w's key: key[w][0], key[w][1]
    std::uint64_t value[2];   // entry w's value; 0 = empty
    std::uint32_t spilled;    // keys whose home this is, living in a later bucket
    std::uint32_t unused[3];
  };
  static_assert(sizeof(Bucket) == 64);

  [[nodiscard]] Key load_key(const std::uint8_t* bytes) const noexcept {
    // Keys point into packets at any alignment: memcpy is one unaligned load.
    // Into registers, not through a zeroed buffer: a 6-byte copy into a
    // buffer read back as a word stalls store-to-load forwarding (about a
    // dozen cycles a MAC).
    Key k{};
    if constexpr (KeyLength == 16) {
      std::memcpy(&k.low, bytes, 8);
      std::memcpy(&k.high, bytes + 8, 8);
    } else if constexpr (KeyLength == 6) {
      std::uint32_t first;
      std::uint16_t last;
      std::memcpy(&first, bytes, 4);
      std::memcpy(&last, bytes + 4, 2);
      k.low = first | (std::uint64_t{last} << 32);
    } else {
      for (std::size_t i = 0; i < KeyLength; ++i)
        (i < 8 ? k.low : k.high) |= std::uint64_t{bytes[i]} << (8 * (i % 8));
    }
    return k;
  }
  // Multiply-xorshift over both words, seeded per table. (CRC32-C, as
  // rte_hash uses, is linear: a million numbered MACs landed in a quarter
  // of the buckets, four or more to a bucket.)
  [[nodiscard]] std::uint32_t home_of(const Key& k) const noexcept {
    std::uint64_t x = ((k.low ^ seed_) * 0x9e3779b97f4a7c15ull) ^ (k.high * 0xc2b2ae3d27d4eb4full);
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    return static_cast<std::uint32_t>(x) & mask_;
  }

  static std::uint64_t load(const std::uint64_t& word, std::memory_order order) noexcept {
    return std::atomic_ref<const std::uint64_t>(word).load(order);
  }
  static std::uint32_t load(const std::uint32_t& word) noexcept {
    return std::atomic_ref<const std::uint32_t>(word).load(std::memory_order_relaxed);
  }

  // The entry's value when it holds `k`, else 0.
  static std::uint64_t match(const Bucket& b, unsigned w, const Key& k) noexcept {
    const std::uint64_t value = load(b.value[w], std::memory_order_acquire);
    if (value == 0) return 0;
    if (load(b.key[w][0], std::memory_order_relaxed) != k.low ||
        load(b.key[w][1], std::memory_order_relaxed) != k.high)
      return 0;
    return value;
  }

  // The home bucket without a branch on which entry holds the key: with
  // random keys that branch is a coin toss, and a mispredicted one costs
  // more than the comparisons of both entries. Each value is loaded
  // (acquire) before its key; an empty entry's key is compared too and
  // masked out.
  [[nodiscard]] std::uint64_t probe(const Key& k, std::uint32_t home) const noexcept {
    const Bucket& b = buckets_[home];
    const std::uint64_t r0 = load(b.value[0], std::memory_order_acquire);
    const std::uint64_t r1 = load(b.value[1], std::memory_order_acquire);
    const std::uint64_t hit0 =
        (load(b.key[0][0], std::memory_order_relaxed) ^ k.low) | (load(b.key[0][1], std::memory_order_relaxed) ^ k.high);
    const std::uint64_t hit1 =
        (load(b.key[1][0], std::memory_order_relaxed) ^ k.low) | (load(b.key[1][1], std::memory_order_relaxed) ^ k.high);
    const std::uint64_t found = (r0 & (std::uint64_t{0} - std::uint64_t{hit0 == 0})) |
                                (r1 & (std::uint64_t{0} - std::uint64_t{hit1 == 0}));
    if (found != 0 || load(b.spilled) == 0) [[likely]]
      return found;
    return probe_further(k, home);
  }
  [[nodiscard]] std::uint64_t probe_further(const Key& k, std::uint32_t home) const noexcept;

  // Writer side: where `k` lives (bucket distance and entry), if it does.
  struct Place {
    std::uint32_t bucket;
    unsigned entry;
    std::uint32_t distance;
  };
  [[nodiscard]] std::optional<Place> locate(const Key& k, std::uint32_t home) const noexcept;

  std::uint32_t capacity_;
  std::uint32_t mask_;
  std::uint64_t seed_;
  ZeroedArray<Bucket> buckets_;
  std::vector<bool> reserved_;  // writer only: erased, waiting for free_position
  std::uint32_t live_ = 0;
  std::uint32_t reserved_count_ = 0;
  std::uint32_t max_distance_ = 0;  // written by the writer, read by readers
};

}  // namespace roam6::datapath
