#pragma once
// The commands of the control protocol: their names and their arguments as
// typed values, parsed in one place so the daemon's handlers and the
// protocol document (docs/control-protocol.md) cannot drift apart.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mip6d/runtime/scheduler.hpp"
#include "roam6/wire/address.hpp"

namespace roam6::mip6d::control {

namespace command {
inline constexpr std::string_view guest_attach = "guest.attach";
inline constexpr std::string_view guest_detach = "guest.detach";
inline constexpr std::string_view guest_resume = "guest.resume";
inline constexpr std::string_view guest_pause = "guest.pause";
inline constexpr std::string_view guest_migrating = "guest.migrating";
inline constexpr std::string_view guest_list = "guest.list";
inline constexpr std::string_view guest_port = "guest.port";
inline constexpr std::string_view binding_list = "binding.list";
inline constexpr std::string_view binding_show = "binding.show";
inline constexpr std::string_view stats = "stats";
inline constexpr std::string_view cluster = "cluster";
inline constexpr std::string_view config_show = "config.show";
inline constexpr std::string_view config_reload = "config.reload";
inline constexpr std::string_view version = "version";
}  // namespace command

// How to reach a guest that the configuration file does not list.
struct GuestDescription {
  wire::MacAddr mac;
  wire::Ip6Addr home_address;
  std::string home_site;
};

// Most entries guest.attach takes in learned_addresses (host.learned_addresses' limit).
inline constexpr std::size_t max_learned_addresses = 64;

struct GuestAttachArgs {
  std::string name;
  std::optional<GuestDescription> description;  // all three fields, or none
  // The binding's last BU sequence number on the previous host, so that this
  // host's first BU is newer than anything the HA has accepted.
  std::optional<std::uint16_t> last_sequence;
  std::optional<std::string> port;  // the guest's port on the guest-facing switch
  // Further addresses the previous host learned the guest uses
  // (host.learned_addresses), each with its own last sequence number there.
  struct LearnedAddress {
    wire::Ip6Addr address;
    std::optional<std::uint16_t> last_sequence;
  };
  std::vector<LearnedAddress> learned_addresses;
};

enum class DetachMode : std::uint8_t {
  moved,    // the guest now runs on another host: leave its binding alone
  stopped,  // the guest is gone: deregister its binding
};

struct GuestDetachArgs {
  std::string name;
  DetachMode mode = DetachMode::moved;
};

struct GuestResumeArgs {
  std::string name;
  std::optional<WallTime> timestamp;  // when it resumed; default: on receipt
};

struct GuestPauseArgs {
  std::string name;
  std::optional<WallTime> timestamp;  // when QEMU stopped it, if known
};

// The Open vSwitch plugin's report of a guest's switch port.
struct GuestPortArgs {
  std::string name;
  std::string port;
  std::optional<std::uint32_t> ofport;  // 1..65279 (OpenFlow's physical port range)
  std::string flows;                    // installed | pending | failed
  bool active = true;                   // status: active | inactive
  std::uint64_t spoofed_mac = 0;        // drop counters of the port's flows
  std::uint64_t spoofed_source = 0;
};

struct BindingShowArgs {
  wire::Ip6Addr home_address;
};

// Each throws ControlError (see command_args.hpp for which code when).
GuestAttachArgs parse_guest_attach_args(const nlohmann::json& args);
GuestDetachArgs parse_guest_detach_args(const nlohmann::json& args);
GuestResumeArgs parse_guest_resume_args(const nlohmann::json& args);
GuestPauseArgs parse_guest_pause_args(const nlohmann::json& args);
// {"name": ...}: the guest's name.
std::string parse_guest_migrating_args(const nlohmann::json& args);
GuestPortArgs parse_guest_port_args(const nlohmann::json& args);
BindingShowArgs parse_binding_show_args(const nlohmann::json& args);
// For the commands that take none (guest.list, binding.list, stats, ...).
void parse_no_args(const nlohmann::json& args);

std::string_view to_string(DetachMode mode) noexcept;

}  // namespace roam6::mip6d::control
