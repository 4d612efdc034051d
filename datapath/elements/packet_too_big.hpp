#pragma once
// ICMPv6 Packet Too Big (RFC 4443 3.2) for a packet that does not fit the
// tunnel: a new mbuf holding Ethernet + IPv6 + ICMPv6 type 2 code 0 with as
// much of the offending packet as keeps it within 1280 bytes, checksummed by
// the wire library. Rate-limited per core by a token bucket (RFC 4443 2.4 (f)).

#include <cstdint>

#include "datapath/pipeline/pipeline_settings.hpp"
#include "roam6/wire/address.hpp"
#include "roam6/wire/bytes.hpp"

struct rte_mbuf;
struct rte_mempool;

namespace roam6::datapath {

// Tokens are kept in TSC cycles: each message costs tsc_hz / per_second
// cycles of credit and the bucket holds `burst` messages; it starts full.
class TokenBucket {
 public:
  explicit TokenBucket(const PacketTooBigSettings& settings) noexcept : settings_(settings) {}
  [[nodiscard]] bool take(std::uint64_t now_tsc, std::uint64_t tsc_hz) noexcept;

 private:
  PacketTooBigSettings settings_;
  bool started_ = false;
  std::uint64_t credit_ = 0;
  std::uint64_t last_tsc_ = 0;
};

struct PacketTooBigAddressing {
  wire::MacAddr ethernet_dst;
  wire::MacAddr ethernet_src;
  wire::Ip6Addr src;
  wire::Ip6Addr dst;
};

// nullptr when the pool is empty or the message cannot be built.
// `mtu` is the value to report (wire::needs_packet_too_big's answer).
[[nodiscard]] rte_mbuf* build_packet_too_big(rte_mempool* pool, const PacketTooBigAddressing& to,
                                             std::uint32_t mtu, wire::ByteSpan invoking) noexcept;

}  // namespace roam6::datapath
