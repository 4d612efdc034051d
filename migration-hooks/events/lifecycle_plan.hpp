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
//                               then they are forwarded: docs/signalling.md)
//   SUSPENDED anything else     paused by an operator or an I/O error: nothing
//   STOPPED migrated            it now runs on another host: guest.detach
//                               mode=moved (say nothing to the Home Agent)
//   STOPPED anything else       shut down, destroyed, crashed, saved:
//                               guest.detach mode=stopped
//
// A pure function: tested without libvirt.

#include <vector>

#include "migration-hooks/common/mip6d_requests.hpp"
#include "vswitch-plugin/identity/libvirt_domain.hpp"

namespace roam6::hooks {

struct LifecycleEvent {
  int event = 0;   // virDomainEventType
  int detail = 0;  // its virDomainEvent*DetailType
  double wall_seconds = 0;  // when it was received, seconds since 1970 (guest.resume's timestamp)
};

std::vector<Mip6dRequest> plan_lifecycle(const LifecycleEvent& event, const vswitch::LibvirtDomain& domain);

// "resumed/migrated", for the log.
std::string describe(const LifecycleEvent& event);

}  // namespace roam6::hooks
