// Per-packet cost of the Mobility Header paths the proxy runs for every
// binding: decode + checksum of a BU, and building a BA. Target: well under
// 50 ns each on one core.

#include <benchmark/benchmark.h>

#include <array>

#include "roam6/wire/mobility_options.hpp"
#include "roam6/wire/mobility_packet.hpp"

namespace roam6::wire {
namespace {

const Ip6Addr kCoa = *Ip6Addr::parse("2001:db8:b::2");
const Ip6Addr kHa = *Ip6Addr::parse("2001:db8:a::1");
const Ip6Addr kHoa = *Ip6Addr::parse("2001:db8:a::100");

// CoA -> HA Binding Update with a Home Address option (104 octets).
std::array<std::uint8_t, 256> binding_update_packet(std::size_t& size) {
  std::array<std::uint8_t, 256> buf{};
  MobilityPacketWriter pw(buf, {.src = kCoa, .dst = kHa, .home_address_option = kHoa});
  pw.mh()
      .begin_binding_update({42, bu_flag::acknowledge | bu_flag::home_registration, 150})
      .add_home_network_prefix(64, kHoa);
  size = *pw.finish();
  return buf;
}

void BM_DecodeBindingUpdatePacket(benchmark::State& state) {
  std::size_t size = 0;
  const auto buf = binding_update_packet(size);
  const ByteSpan packet(buf.data(), size);
  MobilityPacket d;
  for (auto _ : state) {
    if (decode_mobility_packet(packet, d) != Errc::ok) {
      state.SkipWithError("decode failed");
      break;
    }
    auto bu = BindingUpdateView::from(d.mh);
    if (!bu) {
      state.SkipWithError("not a BU");
      break;
    }
    benchmark::DoNotOptimize(bu->sequence());
    benchmark::DoNotOptimize(bu->lifetime_seconds());
    benchmark::DoNotOptimize(d.home_address_option());
  }
}
BENCHMARK(BM_DecodeBindingUpdatePacket);

void BM_DecodeBindingUpdateOptions(benchmark::State& state) {
  std::size_t size = 0;
  const auto buf = binding_update_packet(size);
  const auto d = decode_mobility_packet(ByteSpan(buf.data(), size));
  if (!d) {
    state.SkipWithError("decode failed");
    return;
  }
  MobilityOptionSet set;
  for (auto _ : state) {
    benchmark::DoNotOptimize(decode_mobility_options(d->mh, set));
    benchmark::DoNotOptimize(set.home_network_prefix);
  }
}
BENCHMARK(BM_DecodeBindingUpdateOptions);

void BM_BuildBindingAckPacket(benchmark::State& state) {
  std::array<std::uint8_t, 256> buf{};
  for (auto _ : state) {
    MobilityPacketWriter pw(buf, {.src = kHa, .dst = kCoa, .type2_home_address = kHoa});
    pw.mh().begin_binding_ack({ba_status::accepted, 0, 42, 150});
    auto n = pw.finish();
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_BuildBindingAckPacket);

void BM_BuildBindingUpdatePacket(benchmark::State& state) {
  std::array<std::uint8_t, 256> buf{};
  for (auto _ : state) {
    MobilityPacketWriter pw(buf, {.src = kCoa, .dst = kHa, .home_address_option = kHoa});
    pw.mh()
        .begin_binding_update({42, bu_flag::acknowledge | bu_flag::home_registration, 150})
        .add_home_network_prefix(64, kHoa);
    auto n = pw.finish();
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_BuildBindingUpdatePacket);

}  // namespace
}  // namespace roam6::wire
