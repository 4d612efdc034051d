// Per-packet cost of the wire paths the Home Agent and the proxy run for every
// binding, on the packets roam6 actually sends (docs/benchmarks.md has the
// figures and the command). Goal: at most 50 ns per parse or build.
//
//   ParseBindingUpdate   IPv6 | DestOpts(HAO) | MH BU + Replay Protection +
//                        MN-HA authentication (32-octet HMAC-SHA256, the
//                        default algorithm): IPv6 parse, chain walk, MH parse,
//                        checksum over the pseudo-header, every option decoded.
//   BuildBindingUpdate   the same packet, authenticator bytes given (the HMAC
//                        itself is the daemon's), checksum last.
//   ParseBindingAck      IPv6 | RH2 | MH BA + Replay Protection + MN-HA.
//   BuildBindingAck      the same packet.
//   WalkExtensionChain4  walk_extension_chain (in-place form) over HbH, RH2,
//                        Fragment and DestOpts(HAO) in front of an MH.
//   DecodeOptions        decode_mobility_options alone, for the BU above.

#include <benchmark/benchmark.h>

#include <array>
#include <cstring>

#include "roam6/wire/extension_headers.hpp"
#include "roam6/wire/mobility_options.hpp"
#include "roam6/wire/mobility_packet.hpp"

namespace roam6::wire {
namespace {

const Ip6Addr kCoa = *Ip6Addr::parse("2001:db8:b::2");
const Ip6Addr kHa = *Ip6Addr::parse("2001:db8:a::1");
const Ip6Addr kHoa = *Ip6Addr::parse("2001:db8:a::100");

constexpr std::uint32_t kSpi = 0x1000;
constexpr std::uint64_t kTimestamp = 0xe8a1b2c3'd4e5f607ull;  // NTP format
constexpr std::size_t kAuthenticatorSize = 32;                 // HMAC-SHA256
constexpr std::array<std::uint8_t, kAuthenticatorSize> kAuthenticator = {
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa,
    0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5,
    0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf};
constexpr BindingUpdateFields kBu{42, bu_flag::acknowledge | bu_flag::home_registration, 150};
constexpr BindingAckFields kBa{ba_status::accepted, 0, 42, 150};

using Buffer = std::array<std::uint8_t, 256>;

// CoA -> HA: IPv6 (40) + DestOpts with HAO (24) + MH (72) = 136 octets.
std::size_t build_binding_update(Buffer& buf) noexcept {
  MobilityPacketWriter pw(buf, {.src = kCoa, .dst = kHa, .home_address_option = kHoa});
  const MutableByteSpan authenticator = pw.mh()
                                            .begin_binding_update(kBu)
                                            .add_replay_protection(kTimestamp)
                                            .add_message_authentication(
                                                mobility_auth_subtype::mn_ha, kSpi,
                                                kAuthenticatorSize);
  if (authenticator.size() != kAuthenticatorSize) return 0;
  // Header Len is final once the MH is finished; the authenticator covers it.
  if (!pw.mh().finish()) return 0;
  std::memcpy(authenticator.data(), kAuthenticator.data(), kAuthenticatorSize);
  const auto size = pw.finish();
  return size ? *size : 0;
}

// HA -> CoA: IPv6 (40) + type 2 routing header (24) + MH (72) = 136 octets.
std::size_t build_binding_ack(Buffer& buf) noexcept {
  MobilityPacketWriter pw(buf, {.src = kHa, .dst = kCoa, .type2_home_address = kHoa});
  const MutableByteSpan authenticator = pw.mh()
                                            .begin_binding_ack(kBa)
                                            .add_replay_protection(kTimestamp)
                                            .add_message_authentication(
                                                mobility_auth_subtype::mn_ha, kSpi,
                                                kAuthenticatorSize);
  if (authenticator.size() != kAuthenticatorSize) return 0;
  if (!pw.mh().finish()) return 0;
  std::memcpy(authenticator.data(), kAuthenticator.data(), kAuthenticatorSize);
  const auto size = pw.finish();
  return size ? *size : 0;
}

// IPv6 | HbH (PadN) | RH2 | Fragment (atomic) | DestOpts (HAO) | MH BU.
std::size_t build_four_header_chain(Buffer& buf) noexcept {
  Buffer bu{};
  const std::size_t bu_size = build_binding_update(bu);
  if (bu_size == 0) return 0;
  const ByteSpan mh(bu.data() + 64, bu_size - 64);
  std::size_t at = ipv6_header_size;
  std::uint8_t* p = buf.data();
  // Hop-by-Hop: 8 octets, PadN(4).
  const std::uint8_t hbh[8] = {ipproto::routing, 0, dest_option::padn, 4, 0, 0, 0, 0};
  std::memcpy(p + at, hbh, sizeof hbh);
  at += sizeof hbh;
  if (!write_type2_routing_header(MutableByteSpan(buf).subspan(at), ipproto::fragment, kHoa)) return 0;
  at += type2_routing_header_size;
  const std::uint8_t frag[8] = {ipproto::destination_options, 0, 0, 0, 0x12, 0x34, 0x56, 0x78};
  std::memcpy(p + at, frag, sizeof frag);
  at += sizeof frag;
  if (!write_home_address_option_header(MutableByteSpan(buf).subspan(at), ipproto::mobility, kHoa))
    return 0;
  at += home_address_option_header_size;
  if (at + mh.size() > buf.size()) return 0;
  std::memcpy(p + at, mh.data(), mh.size());
  at += mh.size();
  Ipv6Fields ip;
  ip.payload_length = static_cast<std::uint16_t>(at - ipv6_header_size);
  ip.next_header = ipproto::hop_by_hop;
  ip.src = kCoa;
  ip.dst = kHa;
  if (!write_ipv6_header(buf, ip)) return 0;
  return at;
}

// What a receiver does with a BU or BA before checking the authenticator:
// the packet (IPv6, chain, MH, checksum), the message's fields and every
// option. Returns false if anything is refused.
template <class View>
bool parse_message(ByteSpan packet, MobilityPacket& d, MobilityOptionSet& options) noexcept {
  if (decode_mobility_packet(packet, d) != Errc::ok) return false;
  const auto view = View::from(d.mh);
  if (!view) return false;
  if (decode_mobility_options(d.mh, options) != Errc::ok) return false;
  if (!options.replay_protection || !options.mn_ha_authentication) return false;
  benchmark::DoNotOptimize(view->sequence());
  benchmark::DoNotOptimize(view->lifetime_units());
  return true;
}

void BM_ParseBindingUpdate(benchmark::State& state) {
  Buffer buf{};
  const std::size_t size = build_binding_update(buf);
  const ByteSpan packet(buf.data(), size);
  MobilityPacket d;
  MobilityOptionSet options;
  for (auto _ : state) {
    if (!parse_message<BindingUpdateView>(packet, d, options)) {
      state.SkipWithError("BU refused");
      break;
    }
    benchmark::DoNotOptimize(d.home_address_option());
    benchmark::DoNotOptimize(options.mn_ha_authentication->spi);
  }
}
BENCHMARK(BM_ParseBindingUpdate);

void BM_BuildBindingUpdate(benchmark::State& state) {
  Buffer buf{};
  for (auto _ : state) {
    const std::size_t n = build_binding_update(buf);
    if (n == 0) {
      state.SkipWithError("BU build failed");
      break;
    }
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_BuildBindingUpdate);

void BM_ParseBindingAck(benchmark::State& state) {
  Buffer buf{};
  const std::size_t size = build_binding_ack(buf);
  const ByteSpan packet(buf.data(), size);
  MobilityPacket d;
  MobilityOptionSet options;
  for (auto _ : state) {
    if (!parse_message<BindingAckView>(packet, d, options)) {
      state.SkipWithError("BA refused");
      break;
    }
    benchmark::DoNotOptimize(d.type2_home_address());
    benchmark::DoNotOptimize(options.mn_ha_authentication->spi);
  }
}
BENCHMARK(BM_ParseBindingAck);

void BM_BuildBindingAck(benchmark::State& state) {
  Buffer buf{};
  for (auto _ : state) {
    const std::size_t n = build_binding_ack(buf);
    if (n == 0) {
      state.SkipWithError("BA build failed");
      break;
    }
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_BuildBindingAck);

void BM_WalkExtensionChain4(benchmark::State& state) {
  Buffer buf{};
  const std::size_t size = build_four_header_chain(buf);
  const auto ip = Ipv6View::parse(ByteSpan(buf.data(), size));
  if (!ip) {
    state.SkipWithError("chain packet refused");
    return;
  }
  ExtensionChain chain;
  for (auto _ : state) {
    // The per-packet (in-place) form, as decode_mobility_packet uses it.
    if (walk_extension_chain(*ip, chain) != Errc::ok || chain.header_count != 4 ||
        chain.upper_protocol != ipproto::mobility) {
      state.SkipWithError("walk failed");
      break;
    }
    benchmark::DoNotOptimize(chain.upper_offset);
    benchmark::DoNotOptimize(chain.home_address);
  }
}
BENCHMARK(BM_WalkExtensionChain4);

void BM_DecodeOptions(benchmark::State& state) {
  Buffer buf{};
  const std::size_t size = build_binding_update(buf);
  MobilityPacket d;
  if (decode_mobility_packet(ByteSpan(buf.data(), size), d) != Errc::ok) {
    state.SkipWithError("BU refused");
    return;
  }
  MobilityOptionSet set;
  for (auto _ : state) {
    benchmark::DoNotOptimize(decode_mobility_options(d.mh, set));
    benchmark::DoNotOptimize(set.mn_ha_authentication);
  }
}
BENCHMARK(BM_DecodeOptions);

}  // namespace
}  // namespace roam6::wire
