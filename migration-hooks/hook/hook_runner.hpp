#pragma once
// Carries out a hook plan: the domain file, then mip6d's requests, all
// within a time budget (libvirt waits for its hooks, and a migration must
// not). Nothing here fails the hook: every problem is logged and counted,
// and libvirt carries on.

#include <chrono>
#include <string>

#include "migration-hooks/hook/hook_invocation.hpp"
#include "migration-hooks/hook/hook_plan.hpp"
#include "mip6d/runtime/log.hpp"

namespace roam6::hooks {

struct HookSettings {
  std::string mip6d_socket = "/run/roam6/mip6d.sock";
  std::string domains = "/run/roam6/domains";
  // Everything the hook does must fit in this; libvirt's budget for a hook
  // is ours to keep small (the issue: 100 ms).
  std::chrono::milliseconds budget{80};
};

struct HookOutcome {
  unsigned requests_sent = 0;
  unsigned failures = 0;  // a file not written, mip6d unreachable, a request refused
};

HookOutcome run_hook(const HookInvocation& invocation, const std::string& domain_xml, const HookSettings& settings,
                     const mip6d::Logger& log);

}  // namespace roam6::hooks
