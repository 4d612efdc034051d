#pragma once
// roam6-libvirt-events' core: a libvirt connection that reports every
// domain lifecycle event (virConnectDomainEventRegisterAny) and turns it
// into mip6d requests (lifecycle_plan.hpp). The domain is looked up first in
// the copies the hook keeps (no libvirt round trip at the moment a guest
// resumes), then asked of libvirt.
//
// Two more subscriptions serve an outgoing migration:
//  - VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION: its first pass tells mip6d
//    the guest is leaving (guest.migrating, plan_migration_iteration);
//  - QEMU's own STOP event (libvirt-qemu's virConnectDomainQemuMonitorEvent-
//    Register): its time, QEMU's clock at the moment the vCPUs stopped, goes
//    with the Suspended event's guest.pause. A connection that cannot give
//    it (not the QEMU driver, e.g. test:///default; an old or locked-down
//    libvirtd) is logged once and the pauses go without it.
//
// libvirt's own event loop (virEventRunDefaultImpl) runs in the thread that
// calls run(); everything here happens in that thread, no locks. A lost
// connection (libvirtd restarted) is reopened with back-off. The same loop
// keeps the guests' sequence numbers in their domains' metadata.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "migration-hooks/common/mip6d_requests.hpp"
#include "migration-hooks/events/lifecycle_plan.hpp"
#include "mip6d/runtime/log.hpp"

namespace roam6::hooks {

struct WatchSettings {
  std::string uri = "qemu:///system";
  std::string domains = "/run/roam6/domains";
  std::string mip6d_socket = "/run/roam6/mip6d.sock";
  std::chrono::milliseconds budget{200};  // per event, for all its requests
  // How often each running roam6 guest's last sequence number is written
  // into its domain's live metadata (sequence_publisher.hpp); 0: never.
  std::chrono::milliseconds publish_interval{1000};
};

class LifecycleWatch {
 public:
  // Receives each event's requests; run() passes send_to_mip6d's result on.
  using Deliver = std::function<void(const std::vector<Mip6dRequest>&, const std::string& context)>;
  // mip6d's guest.list result, or nullopt when it cannot be had now.
  using GuestList = std::function<std::optional<nlohmann::json>()>;

  LifecycleWatch(WatchSettings settings, const mip6d::Logger& log, Deliver deliver, GuestList guest_list = {});
  ~LifecycleWatch();
  LifecycleWatch(const LifecycleWatch&) = delete;
  LifecycleWatch& operator=(const LifecycleWatch&) = delete;

  // The production delivery: send_to_mip6d within the settings' budget.
  static Deliver to_mip6d(const WatchSettings& settings, const mip6d::Logger& log);
  static GuestList from_mip6d(const WatchSettings& settings, const mip6d::Logger& log);

  // Until stop(). Returns false when the first connection fails and
  // `give_up_if_unreachable` (a person's typo in --connect); afterwards a
  // lost connection is retried for ever.
  bool run(bool give_up_if_unreachable = false);
  // From any thread or a signal handler.
  void stop() noexcept { stopping_.store(true); }
  // The connection is open and the callback registered (for tests).
  [[nodiscard]] bool watching() const noexcept { return watching_.load(); }

 private:
  struct Connection;
  static int on_lifecycle(void* conn, void* domain, int event, int detail, void* opaque);
  bool connect();
  void disconnect();
  void handle(void* domain, int event, int detail);
  void handle_iteration(void* domain, int iteration);
  void handle_stop(void* domain, long long seconds, unsigned micros);
  // The domain as the hook's copy, libvirt or an earlier event knows it.
  std::optional<vswitch::LibvirtDomain> find_domain(void* domain, const std::string& uuid, const std::string& name);
  void publish_sequences();

  WatchSettings settings_;
  const mip6d::Logger& log_;
  Deliver deliver_;
  GuestList guest_list_;
  Connection* connection_ = nullptr;
  // roam6 domains seen running here, by UUID: a transient domain's Stopped
  // event comes after libvirt forgot it and after the hook's `release`
  // removed its copy (a migration's source, a destroyed guest). Only the
  // event loop's thread touches it; an entry goes with its domain's stop.
  std::map<std::string, vswitch::LibvirtDomain> seen_;
  // The time (seconds since 1970) of each domain's last QEMU STOP event, by
  // UUID, until the domain's next lifecycle event takes it (only a
  // Suspended event uses it) or it is older than stop_recent_seconds.
  std::map<std::string, double> stops_;
  bool stop_times_unavailable_logged_ = false;
  int publish_timer_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> watching_{false};
};

}  // namespace roam6::hooks
