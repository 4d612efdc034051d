#pragma once
// ICMPv6 errors the datapath originates (RFC 4443): Packet Too Big (3.2),
// Time Exceeded (3.3) and Parameter Problem (3.4). Each is a new mbuf holding
// Ethernet + IPv6 + ICMPv6 with as much of the offending packet as keeps the
// IPv6 packet within 1280 bytes (2.4 (c)), checksummed by the wire library.
// Whether one may be sent at all is wire::icmpv6_error_allowed's (2.4 (e));
// how often is an IcmpErrorLimiter's: per core, one token bucket per type
// (2.4 (f)), so a burst of one kind (a traceroute's Time Exceeded) cannot
// starve another (the Packet Too Big that path MTU discovery needs).

#include <array>
#include <cstddef>
#include <cstdint>

#include "datapath/pipeline/pipeline_settings.hpp"
#include "roam6/wire/address.hpp"
#include "roam6/wire/bytes.hpp"
#include "roam6/wire/ipv6.hpp"

struct rte_mbuf;
struct rte_mempool;

namespace roam6::datapath {

enum class IcmpErrorKind : std::uint8_t { packet_too_big, time_exceeded, parameter_problem };
inline constexpr std::size_t icmp_error_kind_count = 3;

// One message: its kind, code and 32-bit word (the MTU of a Packet Too Big,
// the pointer of a Parameter Problem, 0 for Time Exceeded).
struct IcmpError {
  IcmpErrorKind kind = IcmpErrorKind::time_exceeded;
  std::uint8_t code = 0;
  std::uint32_t word = 0;

  // RFC 4443 3.2; `mtu` as wire::needs_packet_too_big reports it.
  static IcmpError packet_too_big(std::uint32_t mtu) noexcept {
    return {IcmpErrorKind::packet_too_big, 0, mtu};
  }
  // RFC 4443 3.3 code 0: the hop limit ran out in transit.
  static IcmpError hop_limit_exceeded() noexcept { return {IcmpErrorKind::time_exceeded, 0, 0}; }
  // RFC 4443 3.3 code 1 (RFC 8200 4.5): a packet's fragments did not all come.
  static IcmpError reassembly_time_exceeded() noexcept {
    return {IcmpErrorKind::time_exceeded, 1, 0};
  }
  // RFC 4443 3.4 code 0, `pointer` from the start of the offending packet.
  static IcmpError erroneous_header_field(std::uint32_t pointer) noexcept {
    return {IcmpErrorKind::parameter_problem, 0, pointer};
  }
  [[nodiscard]] std::uint8_t type() const noexcept;
};

// Tokens are kept in TSC cycles: each message costs tsc_hz / per_second
// cycles of credit and the bucket holds `burst` messages; it starts full.
class TokenBucket {
 public:
  explicit TokenBucket(const IcmpErrorSettings& settings) noexcept : settings_(settings) {}
  [[nodiscard]] bool take(std::uint64_t now_tsc, std::uint64_t tsc_hz) noexcept;

 private:
  IcmpErrorSettings settings_;
  bool started_ = false;
  std::uint64_t credit_ = 0;
  std::uint64_t last_tsc_ = 0;
};

// One core's rate limit: a bucket per kind, each with the same settings.
class IcmpErrorLimiter {
 public:
  explicit IcmpErrorLimiter(const IcmpErrorSettings& settings) noexcept
      : buckets_{TokenBucket(settings), TokenBucket(settings), TokenBucket(settings)} {}
  [[nodiscard]] bool take(IcmpErrorKind kind, std::uint64_t now_tsc, std::uint64_t tsc_hz) noexcept {
    return buckets_[static_cast<std::size_t>(kind)].take(now_tsc, tsc_hz);
  }

 private:
  std::array<TokenBucket, icmp_error_kind_count> buckets_;
};

struct IcmpErrorAddressing {
  wire::MacAddr ethernet_dst;
  wire::MacAddr ethernet_src;
  wire::Ip6Addr src;
  wire::Ip6Addr dst;
};

// The frame, or nullptr when the pool is empty or the message cannot be
// built (a Packet Too Big MTU under 1280). The IPv6 packet is at most
// `max_ipv6_length` bytes (1280; less for an error that will be tunnelled and
// must still fit the path), quoting the start of `invoking`. The mbuf keeps
// its full headroom, so an outer header can be put in front.
[[nodiscard]] rte_mbuf* build_icmpv6_error(rte_mempool* pool, const IcmpErrorAddressing& to,
                                           const IcmpError& error, wire::ByteSpan invoking,
                                           std::size_t max_ipv6_length = wire::ipv6_minimum_mtu) noexcept;

}  // namespace roam6::datapath
