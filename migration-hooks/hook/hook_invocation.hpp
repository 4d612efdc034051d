#pragma once
// How libvirt calls a qemu hook: `qemu <domain> <operation> <sub-operation>
// <extra>`, the domain XML on stdin (libvirt's hooks.html). What each call
// means for roam6 is in hook_plan.hpp.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roam6::hooks {

// The qemu driver's operations, in the order a guest meets them. An
// operation this list does not know (a newer libvirt) is `other`: the hook
// does nothing for it and says so.
enum class HookOperation {
  migrate,    // destination, first: "migrate begin"; a filter (stdout replaces the XML)
  prepare,    // "prepare begin": before resources (ports) are set up
  start,      // "start begin": before QEMU starts
  started,    // "started begin": QEMU runs (CPUs may still be paused on a migration destination)
  stopped,    // "stopped end": QEMU has exited (shut down, destroyed, or migrated away)
  release,    // "release end": every resource released
  restore,    // "restore begin": a saved domain comes back
  reconnect,  // "reconnect begin": libvirtd restarted and found the domain running
  attach,     // "attach begin": libvirtd took over a QEMU it did not start
  other,
};

struct HookInvocation {
  std::string domain;
  HookOperation operation = HookOperation::other;
  std::string operation_text;  // as libvirt gave it, for the log
  std::string sub_operation;   // "begin", "end", "-"
  std::string extra;
};

std::string_view to_string(HookOperation operation) noexcept;

// `arguments`: the four positional arguments. nullopt when there are not
// four (libvirt always gives four; anything else is a person's mistake).
std::optional<HookInvocation> parse_hook_invocation(const std::vector<std::string>& arguments);

}  // namespace roam6::hooks
