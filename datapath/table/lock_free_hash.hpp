#pragma once
// One rte_hash from a fixed-length key to a record pointer, created for a
// single writer and lock-free readers (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF)
// with an extendable bucket table (RTE_HASH_EXTRA_FLAGS_EXT_TABLE), so an
// insert fails only when all `entries` key slots are in use, never early
// because a bucket pair happened to be full.
//
// In lock-free mode, deleting a key does not free its key slot (a reader may
// be comparing against it right now): erase() returns the slot's position
// and the owner calls free_position() after a grace period.

#include <cstdint>
#include <optional>
#include <string>

struct rte_hash;

namespace roam6::datapath {

class LockFreeHash {
 public:
  // Throws BindingTableError when rte_hash_create fails.
  LockFreeHash(const std::string& name, std::uint32_t entries, std::uint32_t key_length);
  ~LockFreeHash();
  LockFreeHash(const LockFreeHash&) = delete;
  LockFreeHash& operator=(const LockFreeHash&) = delete;

  enum class Insert { done, no_room, refused };
  // Adds or atomically replaces the pointer stored for `key` (one release
  // store, so a reader sees the old record or the new one, whole). Replacing
  // an existing key never needs room; no_room means every key slot is live
  // or waiting for free_position().
  [[nodiscard]] Insert insert(const void* key, const void* record) noexcept;
  // The position to free after a grace period; nullopt when absent.
  [[nodiscard]] std::optional<std::uint32_t> erase(const void* key) noexcept;
  void free_position(std::uint32_t position) noexcept;

  [[nodiscard]] const void* find(const void* key) const noexcept;

  // Any n; out[i] = the record stored for keys[i], or nullptr.
  template <class Record>
  void find_bulk(const std::uint8_t* const* keys, unsigned n, const Record** out) const noexcept {
    void* found[max_chunk];
    while (n > 0) {
      const unsigned chunk = n < max_chunk ? n : max_chunk;
      const std::uint64_t hits = find_chunk(keys, chunk, found);
      for (unsigned i = 0; i < chunk; ++i)
        out[i] = ((hits >> i) & 1u) != 0 ? static_cast<const Record*>(found[i]) : nullptr;
      keys += chunk;
      out += chunk;
      n -= chunk;
    }
  }

 private:
  static constexpr unsigned max_chunk = 64;  // RTE_HASH_LOOKUP_BULK_MAX
  // One rte_hash_lookup_bulk_data of n <= max_chunk keys; the hit mask.
  std::uint64_t find_chunk(const std::uint8_t* const* keys, unsigned n,
                           void** found) const noexcept;

  rte_hash* hash_ = nullptr;
};

}  // namespace roam6::datapath
