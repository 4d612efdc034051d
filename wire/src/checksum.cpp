#include "roam6/wire/checksum.hpp"

#include <bit>
#include <cstring>

namespace roam6::wire {

// Every MH and ICMPv6 message goes through here, so the sums run eight octets
// per step in native byte order and fix the order once at the end. That is
// valid because the ones'-complement sum does not depend on byte order up to
// a final swap (RFC 1071 section 2(B)).

namespace {

// Ones'-complement addition on 64 bits: the carry out wraps around.
inline std::uint64_t add_wrapping(std::uint64_t a, std::uint64_t b) noexcept {
  a += b;
  return a + (a < b ? 1 : 0);
}

// Native-order sum of `n` octets that start at an even position of the
// checksummed data. Sixteen octets per step into two independent sums, so
// the carry chains of the two run in parallel.
inline std::uint64_t native_sum(const std::uint8_t* p, std::size_t n,
                                std::uint64_t acc) noexcept {
  std::uint64_t acc2 = 0;
  while (n >= 16) {
    std::uint64_t v;
    std::uint64_t w;
    std::memcpy(&v, p, 8);
    std::memcpy(&w, p + 8, 8);
    acc = add_wrapping(acc, v);
    acc2 = add_wrapping(acc2, w);
    p += 16;
    n -= 16;
  }
  acc = add_wrapping(acc, acc2);
  if (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    acc = add_wrapping(acc, v);
    p += 8;
    n -= 8;
  }
  std::uint64_t tail = 0;  // at most 7 octets: cannot overflow
  if (n >= 4) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    tail += v;
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    tail += v;
    p += 2;
    n -= 2;
  }
  if (n == 1) {
    // The odd octet is the high-order half of a zero-padded 16-bit word.
    if constexpr (std::endian::native == std::endian::little) {
      tail += p[0];
    } else {
      tail += std::uint64_t{p[0]} << 8;
    }
  }
  return add_wrapping(acc, tail);
}

inline std::uint64_t native_sum(ByteSpan data, std::uint64_t acc) noexcept {
  return native_sum(data.data(), data.size(), acc);
}

// Folds a native-order sum to 32 bits (two steps always suffice) and puts it
// in network order, ready to be added to big-endian quantities: a byte swap
// multiplies by 256 modulo 0xffff, which is the 16-bit swap of every word
// whatever its place in the wider value.
inline std::uint32_t network_order(std::uint64_t native) noexcept {
  native = (native & 0xffffffff) + (native >> 32);
  native = (native & 0xffffffff) + (native >> 32);
  auto folded = static_cast<std::uint32_t>(native);
  if constexpr (std::endian::native == std::endian::little) folded = __builtin_bswap32(folded);
  return folded;
}

// Pseudo-header (addresses, length, next header) plus the upper layer.
inline std::uint64_t upper_layer_sum(const std::uint8_t* src, const std::uint8_t* dst,
                                     std::uint8_t next_header, ByteSpan upper) noexcept {
  // The two addresses: four words, no loop.
  std::uint64_t s0, s1, d0, d1;
  std::memcpy(&s0, src, 8);
  std::memcpy(&s1, src + 8, 8);
  std::memcpy(&d0, dst, 8);
  std::memcpy(&d1, dst + 8, 8);
  std::uint64_t native = add_wrapping(add_wrapping(s0, s1), add_wrapping(d0, d1));
  native = native_sum(upper, native);
  return std::uint64_t{network_order(native)} + static_cast<std::uint32_t>(upper.size()) +
         next_header;
}
inline std::uint64_t upper_layer_sum(const Ip6Addr& src, const Ip6Addr& dst,
                                     std::uint8_t next_header, ByteSpan upper) noexcept {
  return upper_layer_sum(src.bytes.data(), dst.bytes.data(), next_header, upper);
}

}  // namespace

std::uint64_t checksum_accumulate(ByteSpan data, std::uint64_t sum) noexcept {
  return sum + network_order(native_sum(data, 0));
}

std::uint16_t checksum_fold(std::uint64_t sum) noexcept {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

std::uint64_t pseudo_header_sum(const Ip6Addr& src, const Ip6Addr& dst,
                                std::uint32_t upper_layer_length,
                                std::uint8_t next_header) noexcept {
  const std::uint64_t native = native_sum(dst.bytes.data(), 16, native_sum(src.bytes.data(), 16, 0));
  return std::uint64_t{network_order(native)} + upper_layer_length + next_header;
}

std::uint16_t upper_layer_checksum(const Ip6Addr& src, const Ip6Addr& dst,
                                   std::uint8_t next_header, ByteSpan upper) noexcept {
  return static_cast<std::uint16_t>(~checksum_fold(upper_layer_sum(src, dst, next_header, upper)));
}

std::uint16_t upper_layer_checksum(const std::uint8_t* src, const std::uint8_t* dst,
                                   std::uint8_t next_header, ByteSpan upper) noexcept {
  return static_cast<std::uint16_t>(~checksum_fold(upper_layer_sum(src, dst, next_header, upper)));
}

bool upper_layer_checksum_valid(const Ip6Addr& src, const Ip6Addr& dst,
                                std::uint8_t next_header, ByteSpan upper) noexcept {
  return checksum_fold(upper_layer_sum(src, dst, next_header, upper)) == 0xffff;
}

bool upper_layer_checksum_valid(const std::uint8_t* src, const std::uint8_t* dst,
                                std::uint8_t next_header, ByteSpan upper) noexcept {
  return checksum_fold(upper_layer_sum(src, dst, next_header, upper)) == 0xffff;
}

}  // namespace roam6::wire
