// libFuzzer target over the Home Agent's Binding Update path. Each input
// starts a fresh Home Agent on a fresh store and simulated clock, and its
// first byte picks how the rest is read:
//   even: fields. The input chooses the fields of a BU (sequence, flags,
//     lifetime, home and care-of addresses, key, timestamp skew), the BU is
//     signed like a real host would, then optionally damaged byte by byte;
//     an extension header the input picks may go in front (RFC 8200).
//   odd: frames. Records of [length: 2 octets][seconds to wait: 1][frame],
//     Ethernet frames as the home link delivers them: the seeds
//     make_seed_corpus.py builds with scapy (replays, addresses no node may
//     own, headers RFC 8200 discards), which the fuzzer then mutates.
// Valid, refused and malformed BUs all go through HomeAgent::on_frame, with
// the clock moving so bindings also expire. Any crash, sanitizer report or
// broken invariant is a finding: a binding outside the home prefix or on an
// address no node may own, a tunnel for a HoA not in the cache, a BU that
// RFC 8200 says to discard changing a binding or drawing a BA, a Mobility
// Header sent toward an address that is not global unicast, or a BU accepted
// twice (RFC 4285 6: the second time is a replay).

#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <vector>

#include "memory_binding_store.hpp"
#include "mip6d/config/config_loader.hpp"
#include "mip6d/config/home_address_rules.hpp"
#include "mip6d/home_agent/home_agent.hpp"
#include "tests/support/mip6d/fake_packet_io.hpp"
#include "mip6d/io/recording_forwarding_table.hpp"
#include "tests/support/mip6d/simulated_scheduler.hpp"
#include "mip6d/signalling/ntp_timestamp.hpp"
#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/extension_headers.hpp"
#include "roam6/wire/mobility_packet.hpp"

namespace {

using namespace roam6;
using namespace roam6::mip6d;

const char* kConfig = R"(
role = "home-agent"
node_name = "fuzz-ha"
[interfaces]
uplink = "eth0"
[home_agent]
address = "2001:db8:a::1"
home_prefixes = ["2001:db8:a::/64"]
max_lifetime = 600
[[sites]]
name = "site-a"
prefix = "2001:db8:a::/64"
home_agent = "2001:db8:a::1"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0a:01"
[[keys]]
name = "hosts"
spi = 1001
secret_hex = "00112233445566778899aabbccddeeff"
[[keys]]
name = "legacy"
spi = 1002
algorithm = "hmac-sha1-96"
secret_hex = "ffeeddccbbaa99887766554433221100"
[[policy]]
key = "hosts"
care_of_prefixes = ["2001:db8:b::/48"]
home_prefixes = ["2001:db8:a::/64"]
[[policy]]
key = "legacy"
care_of_prefixes = ["2001:db8:c::/48"]
home_prefixes = ["2001:db8:a::/120"]
)";

const Config& config() {
  static const Config c = [] {
    auto r = load_config_string(kConfig, "fuzz.toml");
    if (!r) std::abort();
    return std::move(r).config();
  }();
  return c;
}

struct World {
  World() : keys(config().keys) {
    io.set_mac(Port::uplink, *wire::MacAddr::parse("02:00:00:00:0a:99"));
    ha = std::make_unique<ha::HomeAgent>(config(), sched, io, fib, store, log);
    ha->start();
  }
  KeyRing keys;
  SimulatedScheduler sched;
  FakePacketIo io;
  RecordingForwardingTable fib;
  test::MemoryBindingStore store;
  Logger log{LogLevel::error, [](LogLevel, std::string_view) {}};
  std::unique_ptr<ha::HomeAgent> ha;
  // Frames the Home Agent accepted as a BU: the same bytes again are a replay.
  std::set<std::vector<std::uint8_t>> accepted;
};

wire::Ip6Addr pick_address(FuzzedDataProvider& in) {
  static const char* bases[] = {"2001:db8:a::", "2001:db8:b::", "2001:db8:c::", "2001:db8:f::",
                                "fe80::", "ff02::", "::", "::1", "::ffff:0:0",
                                "2001:db8:a:0:fdff:ffff:ffff:ff00"};
  auto a = *wire::Ip6Addr::parse(bases[in.ConsumeIntegralInRange<int>(0, 9)]);
  a.bytes[15] = in.ConsumeIntegral<std::uint8_t>();
  a.bytes[14] = in.ConsumeIntegralInRange<std::uint8_t>(0, 1);
  return a;
}

// Puts one 8-octet extension header right after the IPv6 header of
// `frame` (Ethernet + IPv6), as the input chooses, or nothing. True when
// RFC 8200 says the packet must then be discarded whatever follows.
bool insert_header_in_front(FuzzedDataProvider& in, std::vector<std::uint8_t>& frame) {
  constexpr std::size_t ip = wire::ethernet_header_size;
  const int kind = in.ConsumeIntegralInRange<int>(0, 3);
  if (kind == 0 || frame.size() < ip + wire::ipv6_header_size) return false;
  std::array<std::uint8_t, 8> h{};
  h[0] = frame[ip + 6];
  bool must_discard = false;
  if (kind == 3) {
    // Routing header: one address would not fit 8 octets; none is needed
    // for the rules under test (Hdr Ext Len 0).
    h[2] = in.ConsumeIntegral<std::uint8_t>();  // Routing Type
    h[3] = in.ConsumeIntegral<std::uint8_t>();  // Segments Left
    must_discard = h[2] != wire::routing_type2 && h[3] != 0;
    frame[ip + 6] = wire::ipproto::routing;
  } else {
    // One option filling the header: type, length 4, four data octets.
    h[2] = in.ConsumeIntegral<std::uint8_t>();
    h[3] = 4;
    const bool known = h[2] == wire::dest_option::pad1 || h[2] == wire::dest_option::padn ||
                       h[2] == wire::dest_option::tunnel_encapsulation_limit || h[2] == wire::dest_option::home_address;
    must_discard = !known && (h[2] >> 6) != 0;
    frame[ip + 6] = kind == 1 ? wire::ipproto::hop_by_hop : wire::ipproto::destination_options;
  }
  const std::size_t payload = (std::size_t{frame[ip + 4]} << 8 | frame[ip + 5]) + h.size();
  frame[ip + 4] = static_cast<std::uint8_t>(payload >> 8);
  frame[ip + 5] = static_cast<std::uint8_t>(payload);
  frame.insert(frame.begin() + static_cast<std::ptrdiff_t>(ip + wire::ipv6_header_size), h.begin(), h.end());
  return must_discard;
}

bool sends_a_binding_ack(const std::vector<FrameBytes>& sent) {
  for (const auto& f : sent) {
    const auto eth = wire::EthernetView::parse(f);
    if (!eth) continue;
    wire::MobilityPacket p;
    if (wire::decode_mobility_packet(eth->payload(), p) == wire::Errc::ok &&
        p.mh.type() == wire::mh_type::binding_ack)
      return true;
  }
  return false;
}

// No Mobility Header may go toward a multicast or unspecified address (RFC
// 6275 9.3.3), and a Binding Acknowledgement only toward global unicast
// addresses, in its destination and its type 2 routing header (a Binding
// Error to an on-link link-local source is fine).
void check_sent(const std::vector<FrameBytes>& sent) {
  for (const auto& f : sent) {
    const auto eth = wire::EthernetView::parse(f);
    if (!eth || eth->ethertype() != wire::ethertype::ipv6) continue;
    wire::MobilityPacket p;
    if (wire::decode_mobility_packet(eth->payload(), p) != wire::Errc::ok) continue;
    if (p.ip.dst().is_multicast() || p.ip.dst().is_unspecified()) std::abort();
    if (p.mh.type() != wire::mh_type::binding_ack) continue;
    if (!p.ip.dst().is_global_unicast()) std::abort();
    if (p.chain.type2_home_address && !p.chain.type2_home_address->is_global_unicast()) std::abort();
  }
}

// Injects one frame and checks what must hold after any one frame.
void deliver(World& w, const std::vector<std::uint8_t>& frame, bool must_discard) {
  const std::size_t bindings_before = w.ha->bindings().size();
  const std::uint64_t accepted_before = w.ha->counters().bu_accepted;
  const bool replay = w.accepted.contains(frame);
  w.io.inject(Port::uplink, frame, w.sched.now());
  w.sched.run_ready();
  const bool accepted = w.ha->counters().bu_accepted != accepted_before;
  if (must_discard && (w.ha->bindings().size() != bindings_before || sends_a_binding_ack(w.io.sent(Port::uplink))))
    std::abort();
  if (replay && accepted) std::abort();
  if (accepted) w.accepted.insert(frame);
  const auto sent = w.io.take_sent(Port::uplink);
  // ROAM6_FUZZ_TRACE=1 shows what each frame of an input did (to check seeds).
  static const bool trace = std::getenv("ROAM6_FUZZ_TRACE") != nullptr;
  if (trace) {
    const auto& c = w.ha->counters();
    std::fprintf(stderr, "frame %zu octets: %s%s, bindings %zu, sent %zu, refused 144: %llu\n", frame.size(),
                 accepted ? "accepted" : "not accepted", replay ? " (replay)" : "", w.ha->bindings().size(),
                 sent.size(), static_cast<unsigned long long>(c.refused_by_status[144]));
  }
  check_sent(sent);
}

void fields(World& w, FuzzedDataProvider& in) {
  while (in.remaining_bytes() > 0) {
    std::vector<std::uint8_t> frame(512);
    const auto head = wire::write_ethernet_header(frame, w.io.mac(Port::uplink),
                                                  *wire::MacAddr::parse("02:00:00:00:0a:01"),
                                                  wire::ethertype::ipv6);
    BindingUpdateSpec s;
    s.care_of_address = pick_address(in);
    s.home_agent = in.ConsumeBool() ? *wire::Ip6Addr::parse("2001:db8:a::1") : pick_address(in);
    s.home_address = pick_address(in);
    s.sequence = in.ConsumeIntegral<std::uint16_t>();
    s.flags = in.ConsumeIntegral<std::uint16_t>();
    s.lifetime = std::chrono::seconds(4 * in.ConsumeIntegralInRange<std::uint32_t>(0, 65535));
    const auto skew = std::chrono::milliseconds(in.ConsumeIntegralInRange<std::int32_t>(-20000, 20000));
    s.timestamp = to_ntp_timestamp(w.sched.wall_now() + skew);
    KeyRing::Entry* sa = w.keys.find(in.ConsumeBool() ? 1001u : 1002u);
    auto n = write_binding_update(wire::MutableByteSpan(frame).subspan(*head), s, *sa);
    if (!n) continue;
    frame.resize(*head + *n);
    // Damage after signing: some bytes overwritten, maybe truncated.
    const auto damage = in.ConsumeIntegralInRange<int>(0, 3);
    for (int i = 0; i < damage && !frame.empty(); ++i)
      frame[in.ConsumeIntegralInRange<std::size_t>(0, frame.size() - 1)] = in.ConsumeIntegral<std::uint8_t>();
    if (in.ConsumeBool() && in.ConsumeBool()) frame.resize(in.ConsumeIntegralInRange<std::size_t>(0, frame.size()));
    // A header in front of the rest (RFC 8200 4.2/4.4): a Hop-by-Hop or
    // Destination Options header with one option of any type, or a routing
    // header of any type and Segments Left. An option whose action bits
    // demand a discard, or a routing header of an unknown type with
    // segments left, must leave the binding cache as it was and draw no
    // Binding Acknowledgement.
    const bool must_discard = insert_header_in_front(in, frame);
    deliver(w, frame, must_discard);
    // Sometimes the same frame again, later: a replay.
    if (in.ConsumeBool()) {
      w.sched.advance(std::chrono::seconds(in.ConsumeIntegralInRange<int>(0, 10)));
      deliver(w, frame, must_discard);
    }
    w.sched.advance(std::chrono::seconds(in.ConsumeIntegralInRange<int>(0, 120)));
  }
}

void frames(World& w, const std::uint8_t* data, std::size_t size) {
  while (size >= 3) {
    const std::size_t length = std::min<std::size_t>(std::size_t{data[0]} << 8 | data[1], size - 3);
    const int wait = data[2];
    data += 3;
    size -= 3;
    deliver(w, std::vector<std::uint8_t>(data, data + length), false);
    data += length;
    size -= length;
    w.sched.advance(std::chrono::seconds(wait));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  World w;
  if ((data[0] & 1) != 0) {
    frames(w, data + 1, size - 1);
  } else {
    FuzzedDataProvider in(data + 1, size - 1);
    fields(w, in);
  }
  // Invariants: every binding is in a home prefix, on an address a node may
  // own, and has its tunnel.
  const auto prefix = *wire::Ip6Prefix::parse("2001:db8:a::/64");
  const auto home_agent = *wire::Ip6Addr::parse("2001:db8:a::1");
  w.ha->bindings().for_each([&](const wire::Ip6Addr& hoa, const ha::Binding& b) {
    if (!prefix.contains(hoa) || !home_address_problem(hoa, prefix, home_agent).empty()) std::abort();
    const auto* coa = w.fib.care_of_address(hoa);
    if (coa == nullptr || *coa != b.care_of_address) std::abort();
  });
  if (w.fib.tunnels().size() != w.ha->bindings().size()) std::abort();
  return 0;
}
