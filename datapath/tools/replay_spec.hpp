#pragma once
// The JSON description roam6-datapath-replay runs: a role, its pipeline
// settings, the bindings to program first, and an ordered list of steps
// (pcap inputs and binding changes). Parsing is strict: an unknown field or a
// value of the wrong type is an error naming its JSON path, so a typo in a
// test never silently falls back to a default.

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "datapath/elements/datapath_counters.hpp"
#include "datapath/pipeline/pipeline_settings.hpp"
#include "datapath/table/binding_table.hpp"

namespace roam6::datapath::replay {

class SpecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Role : std::uint8_t { host, home_agent };

struct InputStep {
  DatapathPort port = DatapathPort::uplink;
  std::filesystem::path pcap;  // absolute (resolved against the spec's folder)
};
struct SetGuestStep {
  GuestSpec guest;
};
struct ClearGuestStep {
  MacAddr mac;
};
struct SetTunnelStep {
  TunnelSpec tunnel;
};
struct ClearTunnelStep {
  Ip6Addr home_address;
};
// Lets time pass (hold timeouts, rate limits) while housekeeping keeps running.
struct WaitStep {
  std::uint32_t milliseconds = 0;
};

using Step =
    std::variant<InputStep, SetGuestStep, ClearGuestStep, SetTunnelStep, ClearTunnelStep, WaitStep>;

struct ReplaySpec {
  Role role = Role::host;
  HostSettings host;
  HomeAgentSettings home_agent;
  std::vector<GuestSpec> guests;
  std::vector<TunnelSpec> tunnels;
  std::vector<Step> steps;
  // The punt ring towards mip6d (frames); small values let tests fill it.
  std::uint32_t punt_ring_size = 4096;
};

// Reads and checks the spec; relative pcap paths are taken from the spec
// file's folder. Throws SpecError.
ReplaySpec load_replay_spec(const std::filesystem::path& spec_file);
ReplaySpec parse_replay_spec(const std::string& json_text, const std::filesystem::path& base_dir);

[[nodiscard]] std::string_view port_name(DatapathPort port) noexcept;

}  // namespace roam6::datapath::replay
