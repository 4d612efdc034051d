#pragma once
// What the agent wants the integration bridge to do, and how far the bridge
// got: the interface between the agent (who is where) and the flow keeper
// (openflow/), which turns it into OpenFlow rules.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "roam6/wire/address.hpp"

namespace roam6::vswitch {

// away: the guest's home is another site, its traffic goes through the
// datapath's tunnel and it must see only the emulated home link.
// home: an identified guest at its home site. unknown: a VM port whose guest
// roam6 cannot name; switched like a home guest, its MAC still enforced.
enum class PortKind { away, home, unknown };
std::string_view to_string(PortKind kind) noexcept;

struct SteeredPort {
  std::string name;
  std::uint32_t ofport = 0;
  wire::MacAddr mac;
  PortKind kind = PortKind::unknown;
  std::optional<wire::Ip6Addr> home_address;  // away and home guests
  bool operator==(const SteeredPort&) const = default;
};

struct Steering {
  std::optional<std::uint32_t> datapath_ofport;  // none yet: nothing is forwarded
  std::vector<SteeredPort> ports;                // sorted by name
  bool operator==(const Steering&) const = default;
};

enum class FlowState { pending, installed, failed };
std::string_view to_string(FlowState state) noexcept;

// The flow keeper as the agent sees it.
class FlowProgrammer {
 public:
  virtual ~FlowProgrammer() = default;
  // The bridge should steer like this from now on (replaces any earlier wish).
  virtual void want(const Steering& steering) = 0;
  // Whether the latest wish is in the bridge.
  [[nodiscard]] virtual FlowState state() const = 0;
};

}  // namespace roam6::vswitch
