#pragma once
// Everything the Datapath owner needs to open a node's packet path, fixed at
// start (mip6d fills it from the [datapath] section of its configuration).

#include <cstdint>
#include <string>

#include "datapath/pipeline/pipeline_settings.hpp"
#include "datapath/table/binding_table.hpp"

namespace roam6::datapath {

enum class DatapathRole : std::uint8_t { host, home_agent };

// How a forwarding core waits for packets.
//   busy:     poll without pause. Lowest latency, one core at 100 % per
//             worker whatever the load: the production setting.
//   adaptive: after `idle_polls` polls in a row that found nothing, sleep
//             `sleep_us` microseconds before the next one. Costs up to
//             sleep_us of latency on the first packet after a quiet spell;
//             lets test machines run several datapaths on a few cores.
enum class PollMode : std::uint8_t { busy, adaptive };

struct PollSettings {
  PollMode mode = PollMode::busy;
  std::uint32_t idle_polls = 100;
  std::uint32_t sleep_us = 100;
};

struct DatapathSettings {
  DatapathRole role = DatapathRole::host;
  std::string uplink_device;   // see datapath/dpdk/port.hpp
  std::string guests_device;   // host role only
  // Forwarding cores wanted; the Datapath runs min(this, the EAL's worker
  // lcores, the queue pairs of the port with the fewest).
  unsigned workers = 1;
  std::uint32_t mtu = 1500;            // IPv6 MTU of both links
  unsigned mbufs = 16383;              // packet buffers in the pool
  unsigned punt_ring = 1024;           // frames waiting for mip6d
  unsigned inject_ring = 1024;         // frames from mip6d waiting for a core, per port
  PollSettings poll;
  BindingTableLimits table;
  // Their MAC fields (HostSettings::uplink_mac, HomeAgentSettings::port_mac)
  // are filled from the port when it opens.
  HostSettings host;
  HomeAgentSettings home_agent;
  // Prefix of every DPDK object name (pool, rings, hash tables): unique per
  // Datapath in a process, at most 12 characters.
  std::string name = "roam6";
};

}  // namespace roam6::datapath
