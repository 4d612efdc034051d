#include "roam6/wire/checksum.hpp"

#include <cstring>

namespace roam6::wire {

std::uint64_t checksum_accumulate(ByteSpan data, std::uint64_t sum) noexcept {
  // Sum 32-bit big-endian words into a 64-bit accumulator: ones'-complement
  // addition is associative, so wider words fold to the same 16-bit result.
  const std::uint8_t* p = data.data();
  std::size_t n = data.size();
  while (n >= 4) {
    sum += load_be32(p);
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    sum += load_be16(p);
    p += 2;
    n -= 2;
  }
  if (n == 1) sum += static_cast<std::uint64_t>(p[0]) << 8;
  return sum;
}

std::uint16_t checksum_fold(std::uint64_t sum) noexcept {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

std::uint64_t pseudo_header_sum(const Ip6Addr& src, const Ip6Addr& dst,
                                std::uint32_t upper_layer_length,
                                std::uint8_t next_header) noexcept {
  std::uint64_t sum = checksum_accumulate(src.bytes);
  sum = checksum_accumulate(dst.bytes, sum);
  sum += upper_layer_length;
  sum += next_header;
  return sum;
}

std::uint16_t upper_layer_checksum(const Ip6Addr& src, const Ip6Addr& dst,
                                   std::uint8_t next_header, ByteSpan upper) noexcept {
  const auto sum = checksum_accumulate(
      upper, pseudo_header_sum(src, dst, static_cast<std::uint32_t>(upper.size()), next_header));
  return static_cast<std::uint16_t>(~checksum_fold(sum));
}

bool upper_layer_checksum_valid(const Ip6Addr& src, const Ip6Addr& dst,
                                std::uint8_t next_header, ByteSpan upper) noexcept {
  const auto sum = checksum_accumulate(
      upper, pseudo_header_sum(src, dst, static_cast<std::uint32_t>(upper.size()), next_header));
  return checksum_fold(sum) == 0xffff;
}

}  // namespace roam6::wire
