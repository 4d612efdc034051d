#pragma once
// Shared by the daemon tests: a signed Binding Update frame as a host would
// put it on the Home Agent's link, and a control-command call that reports a
// refusal as its error code, so tests can compare codes directly.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mip6d/control/command_registry.hpp"
#include "mip6d/control/control_error.hpp"
#include "mip6d/signalling/binding_messages.hpp"
#include "mip6d/signalling/key_ring.hpp"
#include "roam6/wire/ethernet.hpp"

namespace roam6::mip6d::test {

struct BindingUpdateFrame {
  wire::MacAddr to;    // the Home Agent's MAC
  wire::MacAddr from;  // the router (or the test's port)
  BindingUpdateSpec spec;
};

inline std::vector<std::uint8_t> binding_update_frame(const BindingUpdateFrame& bu,
                                                      KeyRing::Entry& sa) {
  std::vector<std::uint8_t> frame(1024);
  const auto head = wire::write_ethernet_header(frame, bu.to, bu.from, wire::ethertype::ipv6);
  if (!head) throw std::runtime_error("cannot write the Ethernet header");
  const auto size = write_binding_update(wire::MutableByteSpan(frame).subspan(*head), bu.spec, sa);
  if (!size) throw std::runtime_error("cannot write the Binding Update");
  frame.resize(*head + *size);
  return frame;
}

// The result, or {"error": code} when the command was refused.
inline nlohmann::json call(control::CommandRegistry& registry, std::string_view command,
                           const nlohmann::json& args = nlohmann::json::object()) {
  try {
    return registry.handle(command, args);
  } catch (const control::ControlError& e) {
    return {{"error", e.code()}, {"message", e.what()}};
  }
}

inline std::string refusal(const nlohmann::json& reply) {
  return reply.is_object() && reply.contains("error") ? reply["error"].get<std::string>() : "none";
}

}  // namespace roam6::mip6d::test
