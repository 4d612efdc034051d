#include "mip6d/control/commands.hpp"

#include <chrono>

#include "mip6d/control/command_args.hpp"
#include "mip6d/control/control_error.hpp"

namespace roam6::mip6d::control {

using nlohmann::json;

GuestAttachArgs parse_guest_attach_args(const json& args) {
  reject_unknown_args(args, {"name", "mac", "home_address", "home_site", "last_sequence", "port", "learned_addresses"});
  GuestAttachArgs out;
  out.name = require_string(args, "name");
  auto mac = optional_mac(args, "mac");
  auto home_address = optional_ip6_address(args, "home_address");
  auto home_site = optional_string(args, "home_site");
  const bool any = mac || home_address || home_site;
  const bool all = mac && home_address && home_site;
  if (any && !all) {
    throw ControlError(error_code::bad_request,
                       "arguments \"mac\", \"home_address\" and \"home_site\" go together: "
                       "give all three for a guest the configuration does not list, or none");
  }
  if (all) out.description = GuestDescription{*mac, *home_address, std::move(*home_site)};
  out.last_sequence = optional_u16(args, "last_sequence");
  out.port = optional_string(args, "port");
  if (args.contains("learned_addresses") && !args["learned_addresses"].is_null()) {
    const json& learned = args["learned_addresses"];
    if (!learned.is_array() || learned.size() > max_learned_addresses)
      throw ControlError(error_code::invalid_argument, "argument \"learned_addresses\" must be an array of at most " +
                                                           std::to_string(max_learned_addresses) + " objects");
    for (const json& entry : learned) {
      if (!entry.is_object())
        throw ControlError(error_code::invalid_argument,
                           "each of \"learned_addresses\" must be {\"address\": ..., \"last_sequence\": ...}");
      reject_unknown_args(entry, {"address", "last_sequence"});
      out.learned_addresses.push_back({require_ip6_address(entry, "address"), optional_u16(entry, "last_sequence")});
    }
  }
  return out;
}

GuestPortArgs parse_guest_port_args(const json& args) {
  reject_unknown_args(args, {"name", "port", "ofport", "flows", "status", "spoofed_mac", "spoofed_source"});
  GuestPortArgs out;
  out.name = require_string(args, "name");
  out.port = require_string(args, "port");
  if (const auto ofport = optional_u64(args, "ofport")) {
    // OFPP_MAX (0xff00) and above are reserved port numbers, 0 is none.
    if (*ofport == 0 || *ofport >= 0xff00)
      throw ControlError(error_code::invalid_argument,
                         "argument \"ofport\" must be an OpenFlow port number, 1 to 65279");
    out.ofport = static_cast<std::uint32_t>(*ofport);
  }
  out.flows = require_choice(args, "flows", {"installed", "pending", "failed"});
  if (args.contains("status") && !args["status"].is_null())
    out.active = require_choice(args, "status", {"active", "inactive"}) == "active";
  out.spoofed_mac = optional_u64(args, "spoofed_mac").value_or(0);
  out.spoofed_source = optional_u64(args, "spoofed_source").value_or(0);
  return out;
}

GuestDetachArgs parse_guest_detach_args(const json& args) {
  reject_unknown_args(args, {"name", "mode"});
  GuestDetachArgs out;
  out.name = require_string(args, "name");
  const auto mode = require_choice(args, "mode", {"moved", "stopped"});
  out.mode = mode == "stopped" ? DetachMode::stopped : DetachMode::moved;
  return out;
}

namespace {

// "timestamp": seconds since 1970 (fractions allowed).
std::optional<WallTime> optional_timestamp(const json& args) {
  const auto seconds = optional_number(args, "timestamp");
  if (!seconds) return std::nullopt;
  // Up to year 5138: far enough, and well inside system_clock's range.
  constexpr double latest = 1e11;
  if (*seconds < 0 || *seconds >= latest) {
    throw ControlError(error_code::invalid_argument,
                       "argument \"timestamp\" must be seconds since 1970-01-01 UTC");
  }
  // Rounded: a double holds today's time to ~0.2 us, and truncation would
  // turn .25 into .249999.
  return WallTime(std::chrono::round<WallClock::duration>(std::chrono::duration<double>(*seconds)));
}

}  // namespace

GuestPauseArgs parse_guest_pause_args(const json& args) {
  reject_unknown_args(args, {"name", "timestamp"});
  GuestPauseArgs out;
  out.name = require_string(args, "name");
  out.timestamp = optional_timestamp(args);
  return out;
}

std::string parse_guest_migrating_args(const json& args) {
  reject_unknown_args(args, {"name"});
  return require_string(args, "name");
}

GuestResumeArgs parse_guest_resume_args(const json& args) {
  reject_unknown_args(args, {"name", "timestamp"});
  GuestResumeArgs out;
  out.name = require_string(args, "name");
  out.timestamp = optional_timestamp(args);
  return out;
}

BindingShowArgs parse_binding_show_args(const json& args) {
  reject_unknown_args(args, {"home_address"});
  return BindingShowArgs{require_ip6_address(args, "home_address")};
}

void parse_no_args(const json& args) { reject_unknown_args(args, {}); }

std::string_view to_string(DetachMode mode) noexcept {
  switch (mode) {
    case DetachMode::moved: return "moved";
    case DetachMode::stopped: return "stopped";
  }
  return "moved";
}

}  // namespace roam6::mip6d::control
