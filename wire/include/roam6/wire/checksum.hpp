#pragma once
// Internet checksum (RFC 1071) and the IPv6 upper-layer pseudo-header
// (RFC 8200 section 8.1), shared by ICMPv6 and the Mobility Header.

#include <cstdint>

#include "roam6/wire/address.hpp"
#include "roam6/wire/bytes.hpp"

namespace roam6::wire {

// Ones'-complement sum of data, added to an unfolded 32-bit accumulator.
// Spans may have odd length (the last byte is padded with zero).
std::uint64_t checksum_accumulate(ByteSpan data, std::uint64_t sum = 0) noexcept;
// Fold to 16 bits (not complemented).
std::uint16_t checksum_fold(std::uint64_t sum) noexcept;

std::uint64_t pseudo_header_sum(const Ip6Addr& src, const Ip6Addr& dst,
                                std::uint32_t upper_layer_length,
                                std::uint8_t next_header) noexcept;

// The value to write into an upper-layer checksum field, computed over
// `upper` with its checksum field already zeroed.
std::uint16_t upper_layer_checksum(const Ip6Addr& src, const Ip6Addr& dst,
                                   std::uint8_t next_header, ByteSpan upper) noexcept;
// The same with each address given as its 16 octets in place.
std::uint16_t upper_layer_checksum(const std::uint8_t* src, const std::uint8_t* dst,
                                   std::uint8_t next_header, ByteSpan upper) noexcept;
// True when `upper` (checksum field included) sums to 0xffff.
bool upper_layer_checksum_valid(const Ip6Addr& src, const Ip6Addr& dst,
                                std::uint8_t next_header, ByteSpan upper) noexcept;
// The same with each address given as its 16 octets in place (in the packet,
// say), so a per-packet caller copies nothing.
bool upper_layer_checksum_valid(const std::uint8_t* src, const std::uint8_t* dst,
                                std::uint8_t next_header, ByteSpan upper) noexcept;

}  // namespace roam6::wire
