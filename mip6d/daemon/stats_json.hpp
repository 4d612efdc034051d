#pragma once
// Counters as the `stats` control command reports them: nested by area
// ({"bu": {"received": 12, ...}, "nd": {...}}) so that mip6ctl shows them as
// "bu.received" and scripts can pick one with jq. docs/operations.md says
// what each counter means.

#include <array>
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "datapath/engine/datapath.hpp"
#include "datapath/mip6d_bridge/dpdk_forwarding_table.hpp"
#include "datapath/mip6d_bridge/dpdk_packet_io.hpp"
#include "mip6d/home_agent/home_agent.hpp"
#include "mip6d/host/host_agent.hpp"
#include "mip6d/io/packet_socket_io.hpp"
#include "mip6d/signalling/binding_messages.hpp"
#include "mip6d/signalling/receive_guard.hpp"

namespace roam6::mip6d::daemon {

// `bindings` is the binding cache's current size (bindings.current).
nlohmann::json home_agent_stats_json(const ha::HomeAgentCounters& counters, std::size_t bindings,
                                     const ha::ReplayMemory& replay);

// `guests` is the number of guests the host agent knows (guests.current).
nlohmann::json host_stats_json(const host::HostCounters& counters, std::size_t guests);

// One packet-socket port: {"rx": {...}, "tx": {...}}.
nlohmann::json port_stats_json(const PacketSocketCounters& counters);

// One datapath port as mip6d sees it (punted frames in, injected frames out):
// {"rx": {"frames", "bytes"}, "tx": {"frames", "bytes", "dropped"}}.
nlohmann::json port_stats_json(const datapath::DpdkPacketIoCounters& counters);

// The DPDK datapath: {"workers", "injected", "inject_dropped", ...,
// "table": {...}, "ports": {"uplink": {"device", "rx", "tx", "imissed", ...,
// "<reason>": count for every reason}}}.
nlohmann::json datapath_stats_json(const datapath::DatapathStats& stats,
                                   const datapath::ForwardingTableCounters& table,
                                   std::size_t tunnels, std::size_t guests);

// {"<drop reason>": count, ...} for every reason but "none" (which is not a
// drop), zeros included so that the set of keys never changes.
using SignallingDropCounters =
    std::array<std::uint64_t, static_cast<std::size_t>(SignallingDrop::count_)>;
nlohmann::json signalling_drops_json(const SignallingDropCounters& drops);

// The receive checks of both roles (mip6d/signalling/receive_guard.hpp):
// {"discard": {"unknown_option": {"action_01": n, ...}, "unknown_routing_type": n,
// ...}, "error_messages": {"parameter_problem_sent": n, ...}}, every reason
// present, zeros included.
nlohmann::json receive_checks_json(const ReceiveCheckCounters& counters);

// {"<status>": count} for the statuses that occurred, keyed by their number:
// 256 mostly-zero entries would drown the ones that matter.
nlohmann::json refused_by_status_json(const std::array<std::uint64_t, 256>& refused);

}  // namespace roam6::mip6d::daemon
