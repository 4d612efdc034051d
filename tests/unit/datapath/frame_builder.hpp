#pragma once
// Test frames for the datapath: Ethernet / IPv6 / UDP / ICMPv6 / Mobility
// Header / ip6ip6 built as byte vectors with the wire library, put into mbufs
// from a test mempool, plus a TxSink that keeps what a port sent.

#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "datapath/elements/tx_batch.hpp"
#include "roam6/wire/checksum.hpp"
#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/extension_headers.hpp"
#include "roam6/wire/icmpv6.hpp"
#include "roam6/wire/ipv6.hpp"

namespace roam6::datapath::test {

using Bytes = std::vector<std::uint8_t>;

inline wire::Ip6Addr ip(const char* text) { return *wire::Ip6Addr::parse(text); }
inline wire::MacAddr mac(const char* text) { return *wire::MacAddr::parse(text); }

inline std::string unique_name(const char* stem) {
  static std::atomic<unsigned> next{0};
  return std::string(stem) + std::to_string(next++);
}

struct Ipv6Header {
  wire::Ip6Addr src;
  wire::Ip6Addr dst;
  std::uint8_t hop_limit = 64;
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;
};

// IPv6 header + payload (next header as given).
inline Bytes ipv6_packet(const Ipv6Header& h, std::uint8_t next_header, const Bytes& payload) {
  Bytes out(wire::ipv6_header_size + payload.size());
  wire::Ipv6Fields f;
  f.src = h.src;
  f.dst = h.dst;
  f.hop_limit = h.hop_limit;
  f.traffic_class = h.traffic_class;
  f.flow_label = h.flow_label;
  f.next_header = next_header;
  f.payload_length = static_cast<std::uint16_t>(payload.size());
  EXPECT_TRUE(wire::write_ipv6_header(out, f).ok());
  std::memcpy(out.data() + wire::ipv6_header_size, payload.data(), payload.size());
  return out;
}

// UDP datagram with `data_size` bytes of a counting pattern and a checksum.
inline Bytes udp_packet(const Ipv6Header& h, std::size_t data_size, std::uint16_t port = 9) {
  Bytes udp(8 + data_size);
  wire::store_be16(udp.data(), 1024);
  wire::store_be16(udp.data() + 2, port);
  wire::store_be16(udp.data() + 4, static_cast<std::uint16_t>(udp.size()));
  for (std::size_t i = 0; i < data_size; ++i) udp[8 + i] = static_cast<std::uint8_t>(i);
  wire::store_be16(udp.data() + 6, wire::upper_layer_checksum(h.src, h.dst, wire::ipproto::udp, udp));
  return ipv6_packet(h, wire::ipproto::udp, udp);
}

inline Bytes icmpv6_packet(const Ipv6Header& h, std::uint8_t type, const Bytes& body = Bytes(20)) {
  Bytes icmp(4 + body.size());
  icmp[0] = type;
  std::memcpy(icmp.data() + 4, body.data(), body.size());
  wire::store_be16(icmp.data() + 2,
                   wire::upper_layer_checksum(h.src, h.dst, wire::ipproto::icmpv6, icmp));
  return ipv6_packet(h, wire::ipproto::icmpv6, icmp);
}

// A Binding Refresh Request-sized Mobility Header (contents are mip6d's).
inline Bytes mobility_packet(const Ipv6Header& h) {
  Bytes mh(8);
  mh[0] = wire::ipproto::no_next_header;
  mh[2] = 0;
  return ipv6_packet(h, wire::ipproto::mobility, mh);
}

// Prepends a Destination Options header; with `limit` it carries a Tunnel
// Encapsulation Limit option, else only padding.
inline Bytes with_destination_options(const Bytes& packet, std::optional<std::uint8_t> limit) {
  Bytes opts(8);
  opts[0] = packet[6];
  opts[1] = 0;
  if (limit) {
    opts[2] = wire::dest_option::tunnel_encapsulation_limit;
    opts[3] = 1;
    opts[4] = *limit;
    opts[5] = wire::dest_option::padn;
    opts[6] = 0;
  } else {
    opts[2] = wire::dest_option::padn;
    opts[3] = 4;
  }
  // Sized once and filled with memcpy (GCC 12 -O3 misreads insert() here).
  Bytes out(packet.size() + opts.size());
  std::memcpy(out.data(), packet.data(), 40);
  std::memcpy(out.data() + 40, opts.data(), opts.size());
  std::copy(packet.begin() + 40, packet.end(), out.begin() + 48);
  out[6] = wire::ipproto::destination_options;
  wire::store_be16(out.data() + 4, static_cast<std::uint16_t>(out.size() - 40));
  return out;
}

inline Bytes ip6ip6_packet(const Ipv6Header& outer, const Bytes& inner) {
  return ipv6_packet(outer, wire::ipproto::ipv6, inner);
}

inline Bytes ethernet_frame(const wire::MacAddr& dst, const wire::MacAddr& src, const Bytes& payload,
                            std::uint16_t ethertype = wire::ethertype::ipv6) {
  Bytes out(wire::ethernet_header_size);
  EXPECT_TRUE(wire::write_ethernet_header(out, dst, src, ethertype).ok());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

inline rte_mempool* test_pool(unsigned size = 1023) {
  rte_mempool* pool = rte_pktmbuf_pool_create(unique_name("tpool").c_str(), size, 0, 0,
                                              RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  EXPECT_NE(pool, nullptr);
  return pool;
}

inline rte_mbuf* to_mbuf(rte_mempool* pool, const Bytes& frame) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  EXPECT_NE(m, nullptr);
  char* p = rte_pktmbuf_append(m, static_cast<std::uint16_t>(frame.size()));
  EXPECT_NE(p, nullptr);
  if (!frame.empty()) std::memcpy(p, frame.data(), frame.size());
  return m;
}

inline Bytes bytes_of(const rte_mbuf* m) {
  const auto* p = rte_pktmbuf_mtod(m, const std::uint8_t*);
  return Bytes(p, p + rte_pktmbuf_data_len(m));
}

// Keeps what a port sent; takes at most `accept` packets per call.
class CollectingSink : public TxSink {
 public:
  ~CollectingSink() override { clear(); }
  std::uint16_t transmit(rte_mbuf** pkts, std::uint16_t n) noexcept override {
    const std::uint16_t taken = n < accept ? n : accept;
    for (std::uint16_t i = 0; i < taken; ++i) packets.push_back(pkts[i]);
    return taken;
  }
  void clear() {
    for (rte_mbuf* m : packets) rte_pktmbuf_free(m);
    packets.clear();
  }
  std::vector<Bytes> frames() const {
    std::vector<Bytes> out;
    for (const rte_mbuf* m : packets) out.push_back(bytes_of(m));
    return out;
  }
  std::vector<rte_mbuf*> packets;
  std::uint16_t accept = 0xffff;
};

}  // namespace roam6::datapath::test
