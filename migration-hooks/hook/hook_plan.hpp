#pragma once
// What roam6 does for each libvirt hook call (docs/migration.md has the
// table and the reasons). A pure function of the call and the domain XML,
// so every operation is tested without libvirt, mip6d or a file system.
//
//   migrate/prepare/start/started/restore/reconnect/attach begin
//        -> keep the domain XML for roam6-vswitchd, guest.attach each
//           interface roam6's metadata names (a guest expected here; it is
//           registered when it runs here, not before)
//   stopped end
//        -> guest.detach mode=stopped: mip6d deregisters only a binding this
//           host still holds (not one a later host took over, and nothing
//           for a migration that failed before the guest ran here)
//   release end
//        -> forget the domain XML
//
// A domain without roam6's element is not ours: nothing is sent for it.

#include <optional>
#include <string>
#include <vector>

#include "migration-hooks/common/mip6d_requests.hpp"
#include "migration-hooks/hook/hook_invocation.hpp"

namespace roam6::hooks {

struct HookPlan {
  enum class DomainFile { untouched, store, remove } domain_file = DomainFile::untouched;
  std::string uuid;  // whose file, when touched
  std::vector<Mip6dRequest> requests;
  // Why the hook does nothing (or less than usual), for the log; empty when
  // it does all the operation calls for.
  std::string skipped;
  bool xml_error = false;  // the XML could not be read: an error, not a choice
};

HookPlan plan_hook(const HookInvocation& invocation, const std::string& domain_xml);

}  // namespace roam6::hooks
