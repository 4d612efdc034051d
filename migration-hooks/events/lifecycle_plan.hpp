#pragma once
// What a libvirt domain lifecycle event means for mip6d. The events are
// the precise signals of a migration's cut-over (libvirt's
// VIR_DOMAIN_EVENT_ID_LIFECYCLE; docs/migration.md):
//
//   RESUMED (any detail)        the guest runs here now: guest.resume, with
//                               the event's time (registration starts; on
//                               a migration destination this is the moment
//                               the source's stop-and-copy ends)
//   STARTED booted/restored/... it runs here: guest.resume
//   STARTED migrated            an incoming migration's paused domain: the
//                               hook has attached it; nothing yet
//   SUSPENDED migrated/postcopy an outgoing migration's last copy: guest.pause
//                               (its packets are held here; the binding
//                               stays until the destination takes it over,
//                               then they are forwarded: docs/signalling.md),
//                               with the time QEMU stopped the vCPUs when a
//                               recent QEMU STOP event gave it (below)
//   SUSPENDED anything else     paused by an operator or an I/O error: nothing
//   STOPPED migrated            it now runs on another host: guest.detach
//                               mode=moved (say nothing to the Home Agent)
//   STOPPED anything else       shut down, destroyed, crashed, saved:
//                               guest.detach mode=stopped
//
// and, from VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION (source host only):
//
//   iteration 1 of an outgoing  the migration away from here has begun:
//   migration                   guest.migrating (the datapath starts keeping
//                               what it delivers to the guest, to resend
//                               what reached its tap after QEMU stopped it)
//
// Pure functions: tested without libvirt.

#include <optional>
#include <vector>

#include "migration-hooks/common/mip6d_requests.hpp"
#include "vswitch-plugin/identity/libvirt_domain.hpp"

namespace roam6::hooks {

struct LifecycleEvent {
  int event = 0;   // virDomainEventType
  int detail = 0;  // its virDomainEvent*DetailType
  double wall_seconds = 0;  // when it was received, seconds since 1970 (guest.resume's timestamp)
  // When QEMU last reported stopping this domain's vCPUs (its STOP monitor
  // event's own time, seconds since 1970), if that came since the domain's
  // previous lifecycle event. libvirt's Suspended event carries no time and
  // arrives 1-20 ms after the stop; this is the precise moment.
  std::optional<double> stop_seconds;
};

// A STOP is the one a Suspended event reports only if it is at most this
// much older than the event's receipt (and not after it, beyond
// stop_clock_leeway_seconds for clock adjustments); otherwise guest.pause goes
// without a timestamp (mip6d then takes its own receipt time).
inline constexpr double stop_recent_seconds = 2.0;
inline constexpr double stop_clock_leeway_seconds = 0.05;

std::vector<Mip6dRequest> plan_lifecycle(const LifecycleEvent& event, const vswitch::LibvirtDomain& domain);

// libvirt's VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION on the source host.
struct MigrationIteration {
  int iteration = 0;  // 1: the first pass over the guest's memory
  // The domain's current job (virDomainJobOperation), when it was asked:
  // libvirt reports the passes of a save, a dump or a live snapshot too (they
  // are migrations to a file); only MIGRATION_OUT is a guest leaving.
  std::optional<int> operation;
};

// guest.migrating for each of the domain's homes on iteration 1 only: QEMU
// reports a pass at every sync of its dirty bitmap, the last one after it
// stopped the guest (after guest.pause), so a later pass says nothing new
// and could come after the pause.
std::vector<Mip6dRequest> plan_migration_iteration(const MigrationIteration& iteration,
                                                   const vswitch::LibvirtDomain& domain);

// "resumed/migrated", for the log.
std::string describe(const LifecycleEvent& event);

}  // namespace roam6::hooks
