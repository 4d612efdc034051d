#include "migration-hooks/events/lifecycle_plan.hpp"

#include <libvirt/libvirt.h>

#include <string>

namespace roam6::hooks {
namespace {

enum class Step { none, resume, pause, detach_moved, detach_stopped };

Step step_for(const LifecycleEvent& e) {
  switch (e.event) {
    case VIR_DOMAIN_EVENT_RESUMED:
      return Step::resume;
    case VIR_DOMAIN_EVENT_STARTED:
      return e.detail == VIR_DOMAIN_EVENT_STARTED_MIGRATED ? Step::none : Step::resume;
    case VIR_DOMAIN_EVENT_SUSPENDED:
      // The stop-and-copy (or post-copy switch-over) of an outgoing
      // migration: hold its packets. Other pauses keep delivering.
      return e.detail == VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED || e.detail == VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY
                 ? Step::pause
                 : Step::none;
    case VIR_DOMAIN_EVENT_STOPPED:
      return e.detail == VIR_DOMAIN_EVENT_STOPPED_MIGRATED ? Step::detach_moved : Step::detach_stopped;
    default:
      return Step::none;
  }
}

// The STOP time guest.pause may carry: only one close before the Suspended
// event (a STOP from another, earlier pause must not date this one).
std::optional<double> pause_time(const LifecycleEvent& e) {
  if (!e.stop_seconds) return std::nullopt;
  const double age = e.wall_seconds - *e.stop_seconds;
  if (age > stop_recent_seconds || age < -stop_clock_leeway_seconds) return std::nullopt;
  return e.stop_seconds;
}

}  // namespace

std::vector<Mip6dRequest> plan_lifecycle(const LifecycleEvent& event, const vswitch::LibvirtDomain& domain) {
  std::vector<Mip6dRequest> out;
  const Step step = step_for(event);
  if (step == Step::none) return out;
  const std::optional<double> stopped_at = step == Step::pause ? pause_time(event) : std::nullopt;
  for (const auto& home : domain.homes) {
    const std::string name = vswitch::guest_name(domain, home);
    switch (step) {
      case Step::resume:
        out.push_back({"guest.resume", {{"name", name}, {"timestamp", event.wall_seconds}}});
        break;
      case Step::pause:
        out.push_back({"guest.pause", {{"name", name}}});
        if (stopped_at) out.back().args["timestamp"] = *stopped_at;
        break;
      case Step::detach_moved:
        out.push_back({"guest.detach", {{"name", name}, {"mode", "moved"}}});
        break;
      case Step::detach_stopped:
        out.push_back({"guest.detach", {{"name", name}, {"mode", "stopped"}}});
        break;
      case Step::none:
        break;
    }
  }
  return out;
}

std::vector<Mip6dRequest> plan_migration_iteration(const MigrationIteration& iteration,
                                                   const vswitch::LibvirtDomain& domain) {
  std::vector<Mip6dRequest> out;
  if (iteration.iteration != 1) return out;
  // Unknown (libvirt could not say, or VIR_DOMAIN_JOB_OPERATION_UNKNOWN):
  // a migration is by far the likeliest, and a needless guest.migrating
  // costs the datapath a little memory, not a packet.
  if (iteration.operation && *iteration.operation != VIR_DOMAIN_JOB_OPERATION_UNKNOWN &&
      *iteration.operation != VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT)
    return out;
  for (const auto& home : domain.homes)
    out.push_back({"guest.migrating", {{"name", vswitch::guest_name(domain, home)}}});
  return out;
}

std::string describe(const LifecycleEvent& event) {
  static constexpr const char* events[] = {"defined", "undefined", "started", "suspended", "resumed",
                                           "stopped", "shutdown", "pmsuspended", "crashed"};
  std::string text = event.event >= 0 && event.event < 9 ? events[event.event] : "event" + std::to_string(event.event);
  const bool migrated = (event.event == VIR_DOMAIN_EVENT_STARTED && event.detail == VIR_DOMAIN_EVENT_STARTED_MIGRATED) ||
                        (event.event == VIR_DOMAIN_EVENT_SUSPENDED && event.detail == VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED) ||
                        (event.event == VIR_DOMAIN_EVENT_RESUMED && event.detail == VIR_DOMAIN_EVENT_RESUMED_MIGRATED) ||
                        (event.event == VIR_DOMAIN_EVENT_STOPPED && event.detail == VIR_DOMAIN_EVENT_STOPPED_MIGRATED);
  return text + "/" + (migrated ? std::string("migrated") : "detail" + std::to_string(event.detail));
}

}  // namespace roam6::hooks
