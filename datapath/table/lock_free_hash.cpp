#include "datapath/table/lock_free_hash.hpp"

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_memory.h>

#include <cerrno>

#include "datapath/table/binding_table.hpp"

namespace roam6::datapath {

LockFreeHash::LockFreeHash(const std::string& name, std::uint32_t entries,
                           std::uint32_t key_length) {
  rte_hash_parameters parameters{};
  parameters.name = name.c_str();
  parameters.entries = entries;
  parameters.key_len = key_length;
  parameters.hash_func = rte_hash_crc;
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
