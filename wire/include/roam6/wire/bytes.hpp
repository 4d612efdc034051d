#pragma once
// Network-byte-order loads and stores on raw byte pointers. Callers check
// lengths first; these never bounds-check (they run per packet).

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

namespace roam6::wire {

using ByteSpan = std::span<const std::uint8_t>;
using MutableByteSpan = std::span<std::uint8_t>;

// One unaligned load or store and a byte swap each: GCC does not always
// see that in a shift-or of single octets (in a loop it emitted eight loads
// per 64-bit word).
namespace bytes_detail {
// Network order to host order and back: the same swap both ways.
template <class T>
inline T swap_if_little_endian(T v) noexcept {
  static_assert(std::is_unsigned_v<T> && (sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8));
  if constexpr (std::endian::native == std::endian::big) {
    return v;
  } else if constexpr (sizeof(T) == 2) {
    return __builtin_bswap16(v);
  } else if constexpr (sizeof(T) == 4) {
    return __builtin_bswap32(v);
  } else {
    return __builtin_bswap64(v);
  }
}
template <class T>
inline T load(const std::uint8_t* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);
  return swap_if_little_endian(v);
}
template <class T>
inline void store(std::uint8_t* p, T v) noexcept {
  v = swap_if_little_endian(v);
  std::memcpy(p, &v, sizeof v);
}
}  // namespace bytes_detail

inline std::uint16_t load_be16(const std::uint8_t* p) noexcept { return bytes_detail::load<std::uint16_t>(p); }
inline std::uint32_t load_be32(const std::uint8_t* p) noexcept { return bytes_detail::load<std::uint32_t>(p); }
inline std::uint64_t load_be64(const std::uint8_t* p) noexcept { return bytes_detail::load<std::uint64_t>(p); }
inline void store_be16(std::uint8_t* p, std::uint16_t v) noexcept { bytes_detail::store(p, v); }
inline void store_be32(std::uint8_t* p, std::uint32_t v) noexcept { bytes_detail::store(p, v); }
inline void store_be64(std::uint8_t* p, std::uint64_t v) noexcept { bytes_detail::store(p, v); }

}  // namespace roam6::wire
