// Outer fragmentation (RFC 2473 7.1 (b)) and reassembly (RFC 8200 4.5) on
// their own, and the encapsulator results that lead to them and to the
// tunnel's ICMPv6 errors. Fragments are cut here by hand, independently of
// DPDK's ip_frag library that the elements use.

#include <gtest/gtest.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <vector>

#include "datapath/elements/encapsulator.hpp"
#include "datapath/elements/frame_classifier.hpp"
#include "datapath/elements/outer_fragmenter.hpp"
#include "datapath/elements/reassembler.hpp"
#include "datapath/table/outer_header_template.hpp"
#include "frame_builder.hpp"

namespace roam6::datapath {
namespace {

using namespace test;
using wire::load_be16;
using wire::load_be32;

const auto mac_a = mac("02:00:00:00:00:0a");
const auto mac_b = mac("02:00:00:00:00:0b");
const auto home_agent = ip("2001:db8:a::1");
const auto care_of = ip("2001:db8:b::2");
const auto hoa = ip("2001:db8:a::10");
const auto correspondent = ip("2001:db8:c::1");

// The ip6ip6 packet of an inner UDP packet of `inner_size` octets.
Bytes tunnel_packet(std::size_t inner_size, std::uint8_t tag = 0) {
  Bytes inner = udp_packet({correspondent, hoa, 40}, inner_size - 48);
  inner.back() = tag;
  return ip6ip6_packet({home_agent, care_of, 50}, inner);
}

// RFC 8200 4.5 by hand: the IPv6 header with next header 44, then a Fragment
// header (next header = the packet's, offset, M, identification), then
// `length` octets of the fragmentable part from `offset`.
Bytes cut(const Bytes& packet, std::size_t offset, std::size_t length, bool more,
          std::uint32_t identification) {
  Bytes f(48 + length);
  std::memcpy(f.data(), packet.data(), 40);
  f[6] = wire::ipproto::fragment;
  wire::store_be16(f.data() + 4, static_cast<std::uint16_t>(8 + length));
  f[40] = packet[6];
  wire::store_be16(f.data() + 42, static_cast<std::uint16_t>(offset | (more ? 1 : 0)));
  wire::store_be32(f.data() + 44, identification);
  std::memcpy(f.data() + 48, packet.data() + 40 + offset, length);
  return f;
}

class Fragmentation : public ::testing::Test {
 protected:
  void SetUp() override { pool = test_pool(); }
  void TearDown() override {
    EXPECT_EQ(rte_mempool_in_use_count(pool), 0u) << "every mbuf freed";
    rte_mempool_free(pool);
  }
  rte_mbuf* frame(const Bytes& ip) { return to_mbuf(pool, ethernet_frame(mac_a, mac_b, ip)); }
  static ClassifiedFrame classify(rte_mbuf* m) {
    return classify_frame(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m));
  }
  rte_mempool* pool = nullptr;
};

TEST_F(Fragmentation, OuterPacketCutToThePathMtu) {
  const Bytes packet = tunnel_packet(1280);  // 1320 octets
  rte_mbuf* m = frame(packet);
  rte_mbuf* out[max_outer_fragments];
  const unsigned n = fragment_outer_packet(m, 1280, pool, out);
  ASSERT_EQ(n, 2u);
  Bytes fragmentable;
  std::uint32_t identification = 0;
  for (unsigned i = 0; i < n; ++i) {
    ASSERT_EQ(out[i]->nb_segs, 1) << "one contiguous segment";
    const Bytes f = bytes_of(out[i]);
    EXPECT_EQ(wire::MacAddr::from_bytes(f.data()), mac_a);
    EXPECT_EQ(wire::MacAddr::from_bytes(f.data() + 6), mac_b);
    EXPECT_LE(f.size() - 14, 1280u);
    EXPECT_EQ(Bytes(f.begin() + 14 + 8, f.begin() + 14 + 40), Bytes(packet.begin() + 8, packet.begin() + 40));
    EXPECT_EQ(f[14 + 6], 44);
    EXPECT_EQ(load_be16(f.data() + 14 + 4), f.size() - 14 - 40);
    EXPECT_EQ(f[14 + 40], 41);
    const std::uint16_t offset_flags = load_be16(f.data() + 14 + 42);
    EXPECT_EQ(offset_flags & 0xfff8u, i == 0 ? 0u : 1232u);
    EXPECT_EQ(offset_flags & 1u, i == 0 ? 1u : 0u);
    if (i == 0) identification = load_be32(f.data() + 14 + 44);
    EXPECT_EQ(load_be32(f.data() + 14 + 44), identification);
    fragmentable.insert(fragmentable.end(), f.begin() + 14 + 48, f.end());
    rte_pktmbuf_free(out[i]);
  }
  EXPECT_EQ(fragmentable, Bytes(packet.begin() + 40, packet.end()));
}

TEST_F(Fragmentation, RefusedLeavesThePacketToTheCaller) {
  const Bytes packet = tunnel_packet(1280);
  rte_mbuf* m = frame(packet);
  rte_mbuf* out[max_outer_fragments];
  EXPECT_EQ(fragment_outer_packet(m, 1279, pool, out), 0u);  // no IPv6 link is that small
  rte_mempool* empty = rte_pktmbuf_pool_create(unique_name("empty").c_str(), 1, 0, 0,
                                               RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  ASSERT_NE(empty, nullptr);
  rte_mbuf* hog = rte_pktmbuf_alloc(empty);
  EXPECT_EQ(fragment_outer_packet(m, 1280, empty, out), 0u) << "no mbuf for a fragment";
  rte_pktmbuf_free(hog);
  rte_mempool_free(empty);
  EXPECT_EQ(bytes_of(m), ethernet_frame(mac_a, mac_b, packet)) << "unchanged";
  rte_pktmbuf_free(m);
}

TEST(FragmentIdentification, NeverTheSameTwiceInARow) {
  const std::uint32_t a = next_fragment_identification();
  const std::uint32_t b = next_fragment_identification();
  EXPECT_EQ(b, a + 1);
}

TEST_F(Fragmentation, ReassemblesInAnyOrder) {
  Reassembler reassembler(ReassemblySettings{16, 1000}, rte_get_tsc_hz());
  const Bytes packet = tunnel_packet(1280, 7);
  const std::vector<Bytes> pieces = {cut(packet, 0, 512, true, 9), cut(packet, 512, 512, true, 9),
                                     cut(packet, 1024, 1280 + 40 - 40 - 1024, false, 9)};
  for (const auto& order : {std::vector<int>{0, 1, 2}, std::vector<int>{2, 0, 1}}) {
    for (std::size_t k = 0; k < order.size(); ++k) {
      rte_mbuf* m = frame(pieces[static_cast<std::size_t>(order[k])]);
      const auto outcome = reassembler.add(m, classify(m), 1000);
      EXPECT_EQ(outcome.dropped, 0u);
      if (k + 1 < order.size()) {
        EXPECT_EQ(outcome.packet, nullptr);
        continue;
      }
      ASSERT_NE(outcome.packet, nullptr);
      EXPECT_EQ(outcome.fragments, 3u);
      EXPECT_EQ(outcome.packet->nb_segs, 1);
      EXPECT_EQ(bytes_of(outcome.packet), ethernet_frame(mac_a, mac_b, packet));
      rte_pktmbuf_free(outcome.packet);
    }
  }
}

TEST_F(Fragmentation, AtomicFragmentIsAWholePacket) {
  // RFC 6946: offset 0 and M clear: processed on its own.
  Reassembler reassembler(ReassemblySettings{16, 1000}, rte_get_tsc_hz());
  const Bytes packet = tunnel_packet(100);
  rte_mbuf* m = frame(cut(packet, 0, packet.size() - 40, false, 3));
  const auto outcome = reassembler.add(m, classify(m), 1);
  ASSERT_NE(outcome.packet, nullptr);
  EXPECT_EQ(outcome.fragments, 1u);
  EXPECT_EQ(bytes_of(outcome.packet), ethernet_frame(mac_a, mac_b, packet));
  rte_pktmbuf_free(outcome.packet);
}

TEST_F(Fragmentation, WhatReassemblyRefuses) {
  Reassembler reassembler(ReassemblySettings{16, 1000}, rte_get_tsc_hz());
  const Bytes packet = tunnel_packet(1280);
  // A Hop-by-Hop header in front of the Fragment header.
  Bytes with_hbh = cut(packet, 0, 512, true, 1);
  with_hbh.insert(with_hbh.begin() + 40, {wire::ipproto::fragment, 0, 1, 4, 0, 0, 0, 0});
  with_hbh[6] = wire::ipproto::hop_by_hop;
  wire::store_be16(with_hbh.data() + 4, static_cast<std::uint16_t>(with_hbh.size() - 40));
  // No data after the Fragment header; past 65535 octets.
  Bytes empty = cut(packet, 0, 0, true, 2);
  Bytes past_end = cut(packet, 0, 16, true, 3);
  wire::store_be16(past_end.data() + 42, 0xfff8 | 1);
  for (const Bytes& f : {with_hbh, empty, past_end}) {
    rte_mbuf* m = frame(f);
    const auto c = classify(m);
    ASSERT_TRUE(c.fragment);
    const auto outcome = reassembler.add(m, c, 1);
    EXPECT_EQ(outcome.packet, nullptr);
    EXPECT_EQ(outcome.dropped, 1u);
  }
  // No table at all: every fragment dropped.
  Reassembler none(ReassemblySettings{0, 1000}, rte_get_tsc_hz());
  rte_mbuf* m = frame(cut(packet, 0, 512, true, 4));
  EXPECT_EQ(none.add(m, classify(m), 1).dropped, 1u);
}

TEST_F(Fragmentation, IncompletePacketsExpire) {
  const std::uint64_t hz = rte_get_tsc_hz();
  Reassembler reassembler(ReassemblySettings{16, 100}, hz);
  const Bytes packet = tunnel_packet(1280);
  for (const Bytes& f : {cut(packet, 0, 512, true, 5), cut(packet, 512, 512, true, 5),
                         cut(packet, 1024, 256, false, 6)}) {
    rte_mbuf* m = frame(f);
    EXPECT_EQ(reassembler.add(m, classify(m), 1000).packet, nullptr);
  }
  std::vector<Bytes> seen;
  auto note = [&](const rte_mbuf* m) { seen.push_back(bytes_of(m)); };
  EXPECT_EQ(reassembler.expire(1000 + hz / 10, note), 0u) << "exactly the timeout: not yet";
  EXPECT_EQ(reassembler.expire(1000 + hz / 10 + 1, note), 3u);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(reassembler.expire(1000 + hz, note), 0u);
}

TEST_F(Fragmentation, EncapsulatorSaysOversizeAndStillEncapsulates) {
  TunnelSettings tunnel;
  const auto outer = make_outer_header_template(care_of, home_agent);
  const Bytes inner = udp_packet({hoa, correspondent, 64}, 1280 - 48);
  const Bytes padded = with_destination_options(inner, std::nullopt);
  for (bool with_options : {false, true}) {
    const Bytes& packet = with_options ? padded : inner;
    rte_mbuf* m = frame(packet);
    const auto c = classify(m);
    const auto outcome = encapsulate_frame(m, c, outer, tunnel, 1280, {&mac_a, &mac_b});
    EXPECT_EQ(outcome.result, with_options ? EncapsulationResult::too_big  // 1288 > 1280
                                           : EncapsulationResult::encapsulated_oversize);
    if (!with_options) {
      EXPECT_EQ(rte_pktmbuf_pkt_len(m), 14u + 40u + 1280u);
    }
    rte_pktmbuf_free(m);
  }
}

TEST_F(Fragmentation, EncapsulatorNamesTheRefusals) {
  TunnelSettings tunnel;
  const auto outer = make_outer_header_template(care_of, home_agent);
  rte_mbuf* hop = frame(udp_packet({hoa, correspondent, 1}, 8));
  EXPECT_EQ(encapsulate_frame(hop, classify(hop), outer, tunnel, 1500, {&mac_a, &mac_b}).result,
            EncapsulationResult::hop_limit_exhausted);
  rte_pktmbuf_free(hop);
  // RFC 2473 4.1.1 (b): the pointer is the limit octet, the third of the
  // option: header at 40, option at 42, limit at 44.
  rte_mbuf* limit = frame(with_destination_options(udp_packet({hoa, correspondent, 64}, 8), 0));
  const auto outcome = encapsulate_frame(limit, classify(limit), outer, tunnel, 1500, {&mac_a, &mac_b});
  EXPECT_EQ(outcome.result, EncapsulationResult::encapsulation_limit_reached);
  EXPECT_EQ(outcome.parameter_problem_pointer, 44);
  rte_pktmbuf_free(limit);
}

TEST_F(Fragmentation, OriginatedPacketKeepsItsHopLimit) {
  TunnelSettings tunnel;
  tunnel.hop_limit = 33;
  const auto outer = make_outer_header_template(home_agent, care_of);
  const Bytes error = udp_packet({home_agent, hoa, 64}, 20);
  rte_mbuf* m = frame(error);
  ASSERT_TRUE(encapsulate_originated(m, outer, tunnel, {&mac_b, &mac_a}));
  const Bytes f = bytes_of(m);
  ASSERT_EQ(f.size(), 14 + 40 + error.size());
  EXPECT_EQ(wire::MacAddr::from_bytes(f.data()), mac_b);
  const auto o = *wire::Ipv6View::parse({f.data() + 14, f.size() - 14});
  EXPECT_EQ(o.src(), home_agent);
  EXPECT_EQ(o.dst(), care_of);
  EXPECT_EQ(o.next_header(), 41);
  EXPECT_EQ(o.hop_limit(), 33);
  EXPECT_EQ(o.payload_length(), error.size());
  EXPECT_EQ(Bytes(f.begin() + 54, f.end()), error) << "inner hop limit 64 kept";
  rte_pktmbuf_free(m);
}

}  // namespace
}  // namespace roam6::datapath
