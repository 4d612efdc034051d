#pragma once
// Fragmentation of a tunnel packet that does not fit the path MTU (RFC 2473
// 7.1 (b)): an inner packet of at most 1280 bytes may not be refused with a
// Packet Too Big (its source cannot send anything smaller), so the
// encapsulator fragments the OUTER packet and the exit point reassembles it
// (reassembler.hpp).
//
// DPDK's rte_ipv6_fragment_packet cuts the packet (Fragment header right
// after the outer IPv6 header; the fragmentable part is everything after it,
// including an outer Destination Options header, RFC 8200 4.5; every
// fragment but the last a multiple of 8 octets; none over the MTU). Its
// fragments are chains (a header mbuf plus indirect mbufs into the original)
// and carry Identification 0, so each is then given this node's next
// Identification and copied into one contiguous mbuf: every port and driver
// can send a single segment, whatever its offloads, and the path is rare
// (only inner packets of 1241-1280 bytes on a 1280-byte path). Identification
// is one process-wide counter, so no two fragmented packets that any core
// sends within 2^32 of each other share one (RFC 8200 4.5: unique per source
// and destination among recent packets); it starts at a random value (RFC
// 7739).

#include <cstdint>

struct rte_mbuf;
struct rte_mempool;

namespace roam6::datapath {

// Enough for a 1280-byte inner packet behind a 48-byte tunnel header on any
// path MTU of at least 1280 (two fragments), with room to spare.
inline constexpr unsigned max_outer_fragments = 4;

// `m` holds Ethernet + an IPv6 packet over `path_mtu` (bytes of IPv6). On
// success writes the fragments (each Ethernet + IPv6 + Fragment header +
// data, the Ethernet header copied from m) to `out` in order, frees m and
// returns how many; on failure (no mbuf, path_mtu under 1280, more than
// max_outer_fragments needed) returns 0 and leaves m to the caller.
[[nodiscard]] unsigned fragment_outer_packet(rte_mbuf* m, std::uint32_t path_mtu, rte_mempool* pool,
                                             rte_mbuf* (&out)[max_outer_fragments]) noexcept;

// The next Identification (process-wide, see above).
[[nodiscard]] std::uint32_t next_fragment_identification() noexcept;

}  // namespace roam6::datapath
