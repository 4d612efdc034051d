#include "datapath/table/cache_line_hash.hpp"

#include <bit>
#include <random>

#include "datapath/table/binding_table.hpp"

namespace roam6::datapath {
namespace {

// Buckets for `entries` keys at most 60 % full (two entries a bucket), a
// power of two, at least 64.
std::uint32_t buckets_for(std::uint32_t entries) {
  const std::uint64_t wanted = (std::uint64_t{entries} * 5 + 5) / 6;  // entries / (2 * 0.6)
  return static_cast<std::uint32_t>(std::bit_ceil(std::max<std::uint64_t>(wanted, 64)));
}

}  // namespace

template <std::size_t KeyLength>
CacheLineHash<KeyLength>::CacheLineHash(const std::string& name, std::uint32_t entries,
                                        std::optional<std::uint64_t> seed)
    : capacity_(entries) {
  if (entries > (1u << 30)) throw BindingTableError(name + ": at most 2^30 entries");
  const std::uint32_t count = buckets_for(entries);
  mask_ = count - 1;
  // Keys come from packets: a seed of its own keeps anyone from choosing
  // keys that share a bucket in every table.
  if (seed) {
    seed_ = *seed;
  } else {
    std::random_device entropy;
    seed_ = (std::uint64_t{entropy()} << 32) | entropy();
  }
  try {
    buckets_ = ZeroedArray<Bucket>(count);
    reserved_.assign(std::size_t{count} * 2, false);
    // Keys land anywhere in the array: backed now, so no insert takes a
    // page fault (on transparent hugepages, 2 MiB zeroed in the control
    // thread while Binding Acknowledgements wait). rte_hash, which this
    // replaces, zeroed its tables at creation too.
    buckets_.populate(0, count);
  } catch (const std::bad_alloc&) {
    throw BindingTableError(name + ": no memory for " + std::to_string(count) + " buckets");
  }
}

template <std::size_t KeyLength>
std::uint64_t CacheLineHash<KeyLength>::probe_further(const Key& k, std::uint32_t home) const noexcept {
  const std::uint32_t farthest = max_distance();
  for (std::uint32_t d = 1; d <= farthest; ++d) {
    const Bucket& b = buckets_[(home + d) & mask_];
    if (const std::uint64_t v = match(b, 0, k)) return v;
    if (const std::uint64_t v = match(b, 1, k)) return v;
  }
  return 0;
}

template <std::size_t KeyLength>
auto CacheLineHash<KeyLength>::locate(const Key& k, std::uint32_t home) const noexcept -> std::optional<Place> {
  // Read as the readers read them (std::atomic_ref), though only this
  // thread writes them.
  const std::uint32_t farthest = load(buckets_[home].spilled) == 0 ? 0 : max_distance();
  for (std::uint32_t d = 0; d <= farthest; ++d) {
    const std::uint32_t at = (home + d) & mask_;
    for (unsigned w = 0; w < 2; ++w)
      if (match(buckets_[at], w, k) != 0) return Place{at, w, d};
  }
  return std::nullopt;
}

template <std::size_t KeyLength>
auto CacheLineHash<KeyLength>::insert(const void* key, std::uint64_t value) noexcept -> Insert {
  if (value == 0) return Insert::refused;
  const Key k = load_key(static_cast<const std::uint8_t*>(key));
  const std::uint32_t home = home_of(k);
  if (const auto place = locate(k, home)) {
    std::atomic_ref<std::uint64_t>(buckets_[place->bucket].value[place->entry])
        .store(value, std::memory_order_release);
    return Insert::done;
  }
  if (live_ + reserved_count_ >= capacity_) return Insert::no_room;
  // The first entry that is empty and not waiting out a grace period. At
  // most 60 % of the entries are ever taken, so one is always near.
  for (std::uint32_t d = 0; d <= mask_; ++d) {
    const std::uint32_t at = (home + d) & mask_;
    Bucket& b = buckets_[at];
    for (unsigned w = 0; w < 2; ++w) {
      if (load(b.value[w], std::memory_order_relaxed) != 0 || reserved_[std::size_t{at} * 2 + w]) continue;
      // Readers that find the value must find the key, and a reader
      // looking from the home bucket must know to look this far.
      if (d > max_distance()) std::atomic_ref<std::uint32_t>(max_distance_).store(d, std::memory_order_relaxed);
      if (d > 0) {
        std::atomic_ref<std::uint32_t> spilled(buckets_[home].spilled);
        spilled.store(spilled.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      }
      std::atomic_ref<std::uint64_t>(b.key[w][0]).store(k.low, std::memory_order_relaxed);
      std::atomic_ref<std::uint64_t>(b.key[w][1]).store(k.high, std::memory_order_relaxed);
      std::atomic_ref<std::uint64_t>(b.value[w]).store(value, std::memory_order_release);
      ++live_;
      return Insert::done;
    }
  }
  return Insert::no_room;
}

template <std::size_t KeyLength>
std::optional<std::uint32_t> CacheLineHash<KeyLength>::erase(const void* key) noexcept {
  const Key k = load_key(static_cast<const std::uint8_t*>(key));
  const std::uint32_t home = home_of(k);
  const auto place = locate(k, home);
  if (!place) return std::nullopt;
  std::atomic_ref<std::uint64_t>(buckets_[place->bucket].value[place->entry]).store(0, std::memory_order_release);
  if (place->distance > 0) {
    std::atomic_ref<std::uint32_t> spilled(buckets_[home].spilled);
    spilled.store(spilled.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  }
  const std::uint32_t position = place->bucket * 2 + place->entry;
  reserved_[position] = true;
  ++reserved_count_;
  --live_;
  return position;
}

template <std::size_t KeyLength>
void CacheLineHash<KeyLength>::free_position(std::uint32_t position) noexcept {
  if (position >= reserved_.size() || !reserved_[position]) return;
  reserved_[position] = false;
  --reserved_count_;
}

template class CacheLineHash<16>;
template class CacheLineHash<6>;

}  // namespace roam6::datapath
