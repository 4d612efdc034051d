// The datapath's per-packet paths on arbitrary frames: the host pipeline from
// the guests port and from the uplink, and the Home Agent pipeline, with a
// table holding an away guest (resumed and not), a guest at home, a tunnel, and
// an away guest whose binding comes and goes (awaiting_binding flips every
// fourth input, so what it sent is held, then sent or expired). The resumed
// away guest has further addresses of its home prefix (SLAAC), and packets
// from other sources of its /64 are reported to mip6d.
// The first input byte picks the path (0 host from guests, 1 host from the
// uplink, 2 Home Agent, 3 and 4 the same host and Home Agent paths on a
// 1280-octet link, where small tunnel packets are fragmented); the rest is
// the frame.
//
// Beyond "no crash, no sanitizer report" it checks that no buffer is lost or
// freed twice: after each input, the pool's buffers in use are exactly those
// still held (for a guest that has not resumed, or from one awaiting its
// binding: the `held` gauge) and the
// fragments waiting for the rest of their packet (the `reassembling` gauge).

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>

#include "datapath/dpdk/eal.hpp"
#include "datapath/elements/punt_queue.hpp"
#include "datapath/elements/tx_batch.hpp"
#include "datapath/pipeline/home_agent_pipeline.hpp"
#include "datapath/pipeline/host_pipeline.hpp"
#include "datapath/table/binding_table.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace roam6;
using namespace roam6::datapath;

Ip6Addr ip(const char* text) { return *Ip6Addr::parse(text); }
MacAddr mac(const char* text) { return *MacAddr::parse(text); }

class FreeingSink final : public TxSink {
 public:
  std::uint16_t transmit(rte_mbuf** pkts, std::uint16_t n) noexcept override {
    rte_pktmbuf_free_bulk(pkts, n);
    return n;
  }
};

struct World {
  rte_mempool* pool = nullptr;
  std::unique_ptr<BindingTable> table;
  std::unique_ptr<PuntQueue> punt;
  FreeingSink sink;
  DatapathCounters counters{};
  std::unique_ptr<TxBatch> uplink;
  std::unique_ptr<TxBatch> guests;
  std::unique_ptr<HostPipeline> host;
  std::unique_ptr<HomeAgentPipeline> home_agent;
  std::unique_ptr<HostPipeline> host_small_mtu;
  std::unique_ptr<HomeAgentPipeline> home_agent_small_mtu;
  WorkerContext ctx;
  GuestSpec registering;
  unsigned inputs = 0;

  World() {
    ensure_eal(test_eal_args(256));
    pool = rte_pktmbuf_pool_create("fuzz_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    FUZZ_CHECK(pool != nullptr);
    BindingTableLimits limits;
    limits.max_tunnels = 64;
    limits.max_guests = 64;
    limits.max_other_home_addresses = 64;
    limits.name = "fuzz";
    // The host's per-guest state in the table, as mip6d's hosts keep it
    // (the Home Agent pipelines ignore it).
    limits.reader_state = true;
    table = std::make_unique<BindingTable>(limits, ip("2001:db8:a::1"));
    punt = std::make_unique<PuntQueue>("fuzz_punt", 64);
    uplink = std::make_unique<TxBatch>(sink, DatapathPort::uplink, counters);
    guests = std::make_unique<TxBatch>(sink, DatapathPort::guests, counters);

    GuestSpec away;
    away.mac = mac("52:54:00:00:00:01");
    away.home_address = ip("2001:db8:a::100");
    away.link_local = ip("fe80::5054:ff:fe00:1");
    away.away = true;
    away.home_agent = ip("2001:db8:a::1");
    away.care_of_address = ip("2001:db8:b::2");
    away.router_mac = mac("02:00:00:00:0a:01");
    away.router_link_local = ip("fe80::1");
    away.resumed = true;
    away.other_home_addresses = {ip("2001:db8:a::1:100"), ip("2001:db8:a:0:5054:ff:fe00:1")};
    FUZZ_CHECK(table->set_guest(away));
    GuestSpec arriving = away;
    arriving.other_home_addresses.clear();  // one address, one guest
    arriving.mac = mac("52:54:00:00:00:02");
    arriving.home_address = ip("2001:db8:a::200");
    arriving.link_local = ip("fe80::5054:ff:fe00:2");
    arriving.resumed = false;
    FUZZ_CHECK(table->set_guest(arriving));
    GuestSpec at_home;
    at_home.mac = mac("52:54:00:00:00:03");
    at_home.home_address = ip("2001:db8:b::300");
    at_home.resumed = true;
    FUZZ_CHECK(table->set_guest(at_home));
    registering = away;
    registering.other_home_addresses.clear();
    registering.mac = mac("52:54:00:00:00:04");
    registering.home_address = ip("2001:db8:a::400");
    registering.link_local = ip("fe80::5054:ff:fe00:4");
    registering.awaiting_binding = true;
    FUZZ_CHECK(table->set_guest(registering));
    FUZZ_CHECK(table->set_tunnel({ip("2001:db8:a::100"), ip("2001:db8:b::2")}));
    FUZZ_CHECK(table->set_tunnel({ip("2001:db8:a::101"), ip("2001:db8:c::2")}));
    table->reclaim();

    HostSettings host_settings;
    host_settings.care_of_address = ip("2001:db8:b::2");
    host_settings.uplink_mac = mac("02:00:00:00:0b:02");
    host_settings.next_hop_mac = mac("02:00:00:00:0b:01");
    host_settings.uplink_mtu = 1400;
    host_settings.report_unknown_sources = true;
    // Few enough that waiting fragments can never empty the pool.
    host_settings.reassembly.packets = 16;
    host = std::make_unique<HostPipeline>(host_settings, table->slot_capacity());
    host_settings.uplink_mtu = 1280;
    host_small_mtu = std::make_unique<HostPipeline>(host_settings, table->slot_capacity());
    HomeAgentSettings ha_settings;
    ha_settings.address = ip("2001:db8:a::1");
    ha_settings.port_mac = mac("02:00:00:00:0a:99");
    ha_settings.router_mac = mac("02:00:00:00:0a:01");
    ha_settings.mtu = 1400;
    ha_settings.reassembly.packets = 16;
    home_agent = std::make_unique<HomeAgentPipeline>(ha_settings);
    ha_settings.mtu = 1280;
    // This one filters inner destinations by home prefix (mip6d's setup).
    ha_settings.home_prefixes = {*wire::Ip6Prefix::parse("2001:db8:a::/64")};
    home_agent_small_mtu = std::make_unique<HomeAgentPipeline>(ha_settings);

    ctx.reader = table->register_reader();
    ctx.table = table.get();
    ctx.counters = &counters;
    ctx.punt = punt.get();
    ctx.pool = pool;
    ctx.tsc_hz = 1'000'000;
    ctx.now_tsc = 1'000'000'000;
    ctx.out[0] = uplink.get();
    ctx.out[1] = guests.get();
  }

  std::uint64_t reassembled() const {
    return counters.port[0].disposition[static_cast<std::size_t>(Disposition::reassembled)];
  }

  // Buffers the pipelines keep between inputs.
  std::uint64_t waiting() const {
    std::uint64_t n = 0;
    for (const auto& port : counters.port) {
      n += port.disposition[static_cast<std::size_t>(Disposition::held)];
      n += port.disposition[static_cast<std::size_t>(Disposition::reassembling)];
    }
    return n;
  }
};

World& world() {
  static World w;
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World& w = world();
  if (size < 1) return 0;
  const std::uint8_t path = data[0] % 5;
  const std::uint8_t* frame = data + 1;
  const std::size_t length = size - 1;

  rte_mbuf* m = rte_pktmbuf_alloc(w.pool);
  FUZZ_CHECK(m != nullptr);
  if (length > rte_pktmbuf_tailroom(m)) {
    rte_pktmbuf_free(m);
    return 0;
  }
  std::memcpy(rte_pktmbuf_append(m, static_cast<std::uint16_t>(length)), frame, length);
  // Time moves so liveness copies, rate limits and hold expiry all happen.
  w.ctx.now_tsc += 250'000;
  if (++w.inputs % 4 == 0) {
    w.registering.awaiting_binding = !w.registering.awaiting_binding;
    FUZZ_CHECK(w.table->set_guest(w.registering));
  }

  const std::uint64_t reassembled_before = w.reassembled();
  switch (path) {
    case 0: w.host->from_guests(w.ctx, &m, 1); break;
    case 1: w.host->from_uplink(w.ctx, &m, 1); break;
    case 2: w.home_agent->from_uplink(w.ctx, &m, 1); break;
    case 3: w.host_small_mtu->from_guests(w.ctx, &m, 1); break;
    default: w.home_agent_small_mtu->from_uplink(w.ctx, &m, 1); break;
  }
  w.host->housekeeping(w.ctx);
  w.home_agent->housekeeping(w.ctx);
  w.host_small_mtu->housekeeping(w.ctx);
  w.home_agent_small_mtu->housekeeping(w.ctx);
  w.uplink->flush();
  w.guests->flush();
  rte_mbuf* punted[64];
  unsigned n = 0;
  while ((n = w.punt->pop(punted, 64)) != 0) {
    // A punted frame is the input or a copy of it, unless this input
    // completed a packet from fragments (then that whole packet).
    for (unsigned i = 0; i < n; ++i)
      FUZZ_CHECK(rte_pktmbuf_pkt_len(punted[i]) <= length ||
                 w.reassembled() != reassembled_before);
    rte_pktmbuf_free_bulk(punted, n);
  }
  w.table->quiescent(w.ctx.reader);
  FUZZ_CHECK(rte_mempool_in_use_count(w.pool) == w.waiting());
  return 0;
}
