#include "datapath/table/lock_free_hash.hpp"

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_memory.h>

#include <cerrno>
#include <cstring>

#include "datapath/table/binding_table.hpp"

namespace roam6::datapath {
namespace {

// CRC32-C like rte_hash_crc, but loading through memcpy: keys point into
// packets at any alignment, and rte_hash_crc dereferences them as uint64_t*,
// which is undefined behaviour (UBSan stops the sanitizer build on it). The
// compiler turns each memcpy into one unaligned load, so the cost is the same.
std::uint32_t key_hash(const void* key, std::uint32_t length, std::uint32_t seed) {
  const auto* p = static_cast<const std::uint8_t*>(key);
  std::uint32_t crc = seed;
  for (; length >= 8; length -= 8, p += 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    crc = rte_hash_crc_8byte(word, crc);
  }
  if (length >= 4) {
    std::uint32_t word;
    std::memcpy(&word, p, 4);
    crc = rte_hash_crc_4byte(word, crc);
    p += 4;
    length -= 4;
  }
  if (length >= 2) {
    std::uint16_t half;
    std::memcpy(&half, p, 2);
    crc = rte_hash_crc_2byte(half, crc);
    p += 2;
    length -= 2;
  }
  if (length == 1) crc = rte_hash_crc_1byte(*p, crc);
  return crc;
}

}  // namespace

LockFreeHash::LockFreeHash(const std::string& name, std::uint32_t entries,
                           std::uint32_t key_length) {
  rte_hash_parameters parameters{};
  parameters.name = name.c_str();
  parameters.entries = entries;
  parameters.key_len = key_length;
  parameters.hash_func = key_hash;
  parameters.hash_func_init_val = 0;
  parameters.socket_id = SOCKET_ID_ANY;
  parameters.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
  hash_ = rte_hash_create(&parameters);
  if (!hash_)
    throw BindingTableError("rte_hash_create(" + name + ", " + std::to_string(entries) +
                            " entries): " + rte_strerror(rte_errno));
}

LockFreeHash::~LockFreeHash() { rte_hash_free(hash_); }

LockFreeHash::Insert LockFreeHash::insert(const void* key, const void* record) noexcept {
  // rte_hash stores a non-const pointer; readers only ever get it back as const.
  const int result = rte_hash_add_key_data(hash_, key, const_cast<void*>(record));
  if (result == 0) return Insert::done;
  return result == -ENOSPC ? Insert::no_room : Insert::refused;
}

std::optional<std::uint32_t> LockFreeHash::erase(const void* key) noexcept {
  const std::int32_t position = rte_hash_del_key(hash_, key);
  if (position < 0) return std::nullopt;
  return static_cast<std::uint32_t>(position);
}

void LockFreeHash::free_position(std::uint32_t position) noexcept {
  (void)rte_hash_free_key_with_position(hash_, static_cast<std::int32_t>(position));
}

const void* LockFreeHash::find(const void* key) const noexcept {
  void* record = nullptr;
  if (rte_hash_lookup_data(hash_, key, &record) < 0) return nullptr;
  return record;
}

static_assert(RTE_HASH_LOOKUP_BULK_MAX == 64, "find_bulk's chunk matches rte_hash's limit");

std::uint64_t LockFreeHash::find_chunk(const std::uint8_t* const* keys, unsigned n,
                                       void** found) const noexcept {
  // rte_hash wants `const void**`; copying the pointers costs less than the
  // lookup of one key and keeps the types honest.
  const void* chunk_keys[RTE_HASH_LOOKUP_BULK_MAX];
  for (unsigned i = 0; i < n; ++i) chunk_keys[i] = keys[i];
  std::uint64_t hits = 0;
  if (rte_hash_lookup_bulk_data(hash_, chunk_keys, n, &hits, found) < 0) return 0;
  return hits;
}

}  // namespace roam6::datapath
