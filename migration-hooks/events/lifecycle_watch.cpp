#include "migration-hooks/events/lifecycle_watch.hpp"

#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>

#include <nlohmann/json.hpp>

#include "migration-hooks/events/sequence_publisher.hpp"
#include "vswitch-plugin/identity/domain_directory.hpp"

namespace roam6::hooks {
namespace {

using mip6d::LogLevel;
using mip6d::LogRecord;

std::string quoted(const std::string& text) { return nlohmann::json(text).dump(); }

std::string last_libvirt_error() {
  const virErrorPtr error = virGetLastError();
  return error != nullptr && error->message != nullptr ? error->message : "unknown libvirt error";
}

// libvirt's event loop wakes at least this often, so stop() is noticed.
constexpr int wake_ms = 200;

void ignore_timeout(int, void*) {}

// libvirt prints every error to stderr by default; ours are logged.
void quiet_errors(void*, virErrorPtr) {}

double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// libvirt's generic callback type stands for every event's own signature
// (VIR_DOMAIN_EVENT_CALLBACK); through void(*)() the cast says so without a
// warning.
template <typename Callback>
virConnectDomainEventGenericCallback generic(Callback callback) {
  return reinterpret_cast<virConnectDomainEventGenericCallback>(reinterpret_cast<void (*)()>(callback));
}

// The domain's current job (virDomainJobOperation), or nullopt when libvirt
// cannot say. For a running job the QEMU driver asks QEMU (query-migrate)
// under a query job, which a migration's job allows: about a millisecond,
// once per migration.
std::optional<int> job_operation(virDomainPtr domain) {
  int type = VIR_DOMAIN_JOB_NONE;
  virTypedParameterPtr params = nullptr;
  int count = 0;
  virResetLastError();  // so that the log's reason is this call's, if any
  if (virDomainGetJobStats(domain, &type, &params, &count, 0) < 0) return std::nullopt;
  std::optional<int> out;
  int operation = 0;
  if (virTypedParamsGetInt(params, count, VIR_DOMAIN_JOB_OPERATION, &operation) == 1) out = operation;
  virTypedParamsFree(params, count);
  return out;
}

}  // namespace

struct LifecycleWatch::Connection {
  virConnectPtr conn = nullptr;
  int callback = -1;
  int iteration_callback = -1;  // VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION
  int stop_callback = -1;       // QEMU's STOP (libvirt-qemu), when available
  bool closed = false;  // libvirt told us the connection went away
};

LifecycleWatch::LifecycleWatch(WatchSettings settings, const mip6d::Logger& log, Deliver deliver, GuestList guest_list)
    : settings_(std::move(settings)), log_(log), deliver_(std::move(deliver)), guest_list_(std::move(guest_list)) {
  static std::once_flag once;
  std::call_once(once, [] {
    virSetErrorFunc(nullptr, quiet_errors);
    virEventRegisterDefaultImpl();
    virEventAddTimeout(wake_ms, ignore_timeout, nullptr, nullptr);
  });
  if (guest_list_ && settings_.publish_interval.count() > 0) {
    publish_timer_ = virEventAddTimeout(
        static_cast<int>(settings_.publish_interval.count()),
        [](int, void* opaque) { static_cast<LifecycleWatch*>(opaque)->publish_sequences(); }, this, nullptr);
  }
}

LifecycleWatch::~LifecycleWatch() {
  if (publish_timer_ >= 0) virEventRemoveTimeout(publish_timer_);
  disconnect();
}

LifecycleWatch::GuestList LifecycleWatch::from_mip6d(const WatchSettings& settings, const mip6d::Logger& log) {
  return [socket = settings.mip6d_socket, budget = settings.budget, &log]() {
    return ask_mip6d({"guest.list", nlohmann::json::object()}, socket, budget, log);
  };
}

void LifecycleWatch::publish_sequences() {
  if (connection_ == nullptr || connection_->closed) return;
  const auto list = guest_list_();
  if (!list) return;
  const std::string ns(vswitch::roam6_libvirt_namespace);
  for (const auto& [name, registrations] : registrations_by_domain(*list)) {
    virDomainPtr domain = virDomainLookupByName(connection_->conn, name.c_str());
    if (domain == nullptr) continue;  // not a libvirt domain of this host
    char* current = virDomainGetMetadata(domain, VIR_DOMAIN_METADATA_ELEMENT, ns.c_str(), VIR_DOMAIN_AFFECT_LIVE);
    if (current != nullptr) {
      try {
        const auto homes = homes_in_element(current);
        const bool changed = std::any_of(homes.begin(), homes.end(), [&](const vswitch::HomeOfInterface& h) {
          const auto it = registrations.find(h.mac);
          return it != registrations.end() && stale(h, it->second);
        });
        if (changed) {
          const std::string element = metadata_element(homes, registrations);
          if (virDomainSetMetadata(domain, VIR_DOMAIN_METADATA_ELEMENT, element.c_str(), "roam6", ns.c_str(),
                                   VIR_DOMAIN_AFFECT_LIVE) < 0)
            LogRecord(log_, LogLevel::warning, "sequence_not_published").kv("domain", quoted(name))
                .kv("reason", quoted(last_libvirt_error()));
          else
            LogRecord(log_, LogLevel::debug, "sequence_published").kv("domain", quoted(name));
        }
      } catch (const vswitch::DomainXmlError& e) {
        LogRecord(log_, LogLevel::warning, "domain_unreadable").kv("domain", quoted(name)).kv("reason", quoted(e.what()));
      }
      std::free(current);
    }
    virDomainFree(domain);
  }
}

LifecycleWatch::Deliver LifecycleWatch::to_mip6d(const WatchSettings& settings, const mip6d::Logger& log) {
  return [socket = settings.mip6d_socket, budget = settings.budget, &log](const std::vector<Mip6dRequest>& requests,
                                                                            const std::string& context) {
    send_to_mip6d(requests, socket, std::chrono::steady_clock::now() + budget, context, log);
  };
}

int LifecycleWatch::on_lifecycle(void*, void* domain, int event, int detail, void* opaque) {
  static_cast<LifecycleWatch*>(opaque)->handle(domain, event, detail);
  return 0;
}

bool LifecycleWatch::connect() {
  auto connection = std::make_unique<Connection>();
  // Read-write: the sequence numbers go into the domains' metadata.
  connection->conn = virConnectOpen(settings_.uri.c_str());
  if (connection->conn == nullptr) return false;
  connection->callback = virConnectDomainEventRegisterAny(
      connection->conn, nullptr, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
      generic(+[](virConnectPtr c, virDomainPtr d, int e, int dt, void* opaque) { return on_lifecycle(c, d, e, dt, opaque); }),
      this, nullptr);
  if (connection->callback < 0) {
    virConnectClose(connection->conn);
    return false;
  }
  // The passes of an outgoing migration (QEMU's MIGRATION_PASS, which libvirt
  // turns into this event; the QEMU driver only). Without it a move works
  // as before, without guest.migrating.
  connection->iteration_callback = virConnectDomainEventRegisterAny(
      connection->conn, nullptr, VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION,
      generic(+[](virConnectPtr, virDomainPtr d, int iteration, void* opaque) {
        static_cast<LifecycleWatch*>(opaque)->handle_iteration(d, iteration);
      }),
      this, nullptr);
  if (connection->iteration_callback < 0)
    LogRecord(log_, LogLevel::warning, "migration_iterations_unavailable").kv("uri", settings_.uri)
        .kv("reason", quoted(last_libvirt_error()));
  // QEMU's STOP event, for the moment the vCPUs stopped. libvirt-qemu's API
  // is outside libvirt's supported set, but only sending commands to the
  // monitor (virDomainQemuMonitorCommand) taints a domain ("custom-monitor"):
  // registering for events adds a callback to the connection's event state
  // (virDomainQemuMonitorEventStateRegisterID) and touches no domain, and
  // libvirt relays every QMP event to such callbacks (qemuProcessHandleEvent)
  // whether anyone listens or not. libvirt relays the STOP before it handles
  // it, so it arrives here before the Suspended lifecycle event.
  connection->stop_callback = virConnectDomainQemuMonitorEventRegister(
      connection->conn, nullptr, "STOP",
      [](virConnectPtr, virDomainPtr d, const char*, long long seconds, unsigned int micros, const char*,
         void* opaque) { static_cast<LifecycleWatch*>(opaque)->handle_stop(d, seconds, micros); },
      this, nullptr, 0);
  if (connection->stop_callback < 0 && !stop_times_unavailable_logged_) {
    stop_times_unavailable_logged_ = true;
    LogRecord(log_, LogLevel::info, "qemu_stop_times_unavailable").kv("uri", settings_.uri)
        .kv("reason", quoted(last_libvirt_error()));
  }
  virConnectRegisterCloseCallback(
      connection->conn,
      [](virConnectPtr, int reason, void* opaque) {
        auto* watch = static_cast<LifecycleWatch*>(opaque);
        if (watch->connection_ != nullptr) watch->connection_->closed = true;
        LogRecord(watch->log_, LogLevel::warning, "libvirt_connection_lost").kv("reason", reason);
      },
      this, nullptr);
  // A libvirtd that stops answering is noticed within ~15 s.
  virConnectSetKeepAlive(connection->conn, 5, 3);
  connection_ = connection.release();
  watching_.store(true);
  return true;
}

void LifecycleWatch::disconnect() {
  watching_.store(false);
  if (connection_ == nullptr) return;
  if (!connection_->closed) {
    if (connection_->stop_callback >= 0)
      virConnectDomainQemuMonitorEventDeregister(connection_->conn, connection_->stop_callback);
    if (connection_->iteration_callback >= 0)
      virConnectDomainEventDeregisterAny(connection_->conn, connection_->iteration_callback);
    virConnectDomainEventDeregisterAny(connection_->conn, connection_->callback);
    virConnectUnregisterCloseCallback(connection_->conn, nullptr);
  }
  virConnectClose(connection_->conn);
  delete connection_;
  connection_ = nullptr;
  stops_.clear();
}

bool LifecycleWatch::run(bool give_up_if_unreachable) {
  auto backoff = std::chrono::milliseconds(250);
  auto next_attempt = std::chrono::steady_clock::now();
  bool ever_connected = false;
  while (!stopping_.load()) {
    if (connection_ != nullptr && connection_->closed) disconnect();
    if (connection_ == nullptr && std::chrono::steady_clock::now() >= next_attempt) {
      if (connect()) {
        LogRecord(log_, LogLevel::info, "libvirt_connected").kv("uri", settings_.uri);
        ever_connected = true;
        backoff = std::chrono::milliseconds(250);
      } else {
        LogRecord(log_, ever_connected ? LogLevel::warning : LogLevel::error, "libvirt_unreachable")
            .kv("uri", settings_.uri)
            .kv("reason", quoted(last_libvirt_error()))
            .kv("retry_ms", backoff.count());
        if (!ever_connected && give_up_if_unreachable) return false;
        next_attempt = std::chrono::steady_clock::now() + backoff;
        backoff = std::min(backoff * 2, std::chrono::milliseconds(8000));
      }
    }
    if (connection_ == nullptr) {
      std::this_thread::sleep_for(std::chrono::milliseconds(wake_ms));
      continue;
    }
    if (virEventRunDefaultImpl() < 0) {
      LogRecord(log_, LogLevel::error, "libvirt_event_loop_failed").kv("reason", quoted(last_libvirt_error()));
      std::this_thread::sleep_for(std::chrono::milliseconds(wake_ms));
    }
  }
  disconnect();
  return true;
}

std::optional<vswitch::LibvirtDomain> LifecycleWatch::find_domain(void* opaque_domain, const std::string& uuid,
                                                                  const std::string& domain_name) {
  auto* domain = static_cast<virDomainPtr>(opaque_domain);
  // The hook's copy first: reading a local file costs microseconds, asking
  // libvirtd a round trip, at the very moment a guest resumes.
  std::optional<vswitch::LibvirtDomain> found;
  auto lookup = vswitch::DomainDirectory(settings_.domains).find(uuid);
  if (auto* d = std::get_if<vswitch::LibvirtDomain>(&lookup)) {
    found = std::move(*d);
  } else if (char* xml = virDomainGetXMLDesc(domain, 0)) {
    try {
      found = vswitch::parse_libvirt_domain(xml);
    } catch (const vswitch::DomainXmlError& error) {
      LogRecord(log_, LogLevel::error, "domain_unreadable").kv("domain", quoted(domain_name)).kv("reason", quoted(error.what()));
    }
    std::free(xml);
  } else if (auto known = seen_.find(uuid); known != seen_.end()) {
    found = known->second;
  } else {
    LogRecord(log_, LogLevel::warning, "domain_unreadable").kv("domain", quoted(domain_name))
        .kv("reason", quoted(last_libvirt_error()));
  }
  return found;
}

void LifecycleWatch::handle(void* opaque_domain, int event, int detail) {
  auto* domain = static_cast<virDomainPtr>(opaque_domain);
  LifecycleEvent e{event, detail, wall_now(), std::nullopt};
  char uuid[VIR_UUID_STRING_BUFLEN] = {};
  const char* name = virDomainGetName(domain);
  const std::string domain_name = name != nullptr ? name : "?";
  if (virDomainGetUUIDString(domain, uuid) < 0) return;
  // A STOP belongs to the lifecycle event that follows it (Suspended), and
  // to no later one: any event takes it.
  if (auto stop = stops_.find(uuid); stop != stops_.end()) {
    e.stop_seconds = stop->second;
    stops_.erase(stop);
  }

  auto found = find_domain(domain, uuid, domain_name);
  if (found && !found->homes.empty()) seen_.insert_or_assign(uuid, *found);
  if (event == VIR_DOMAIN_EVENT_STOPPED || event == VIR_DOMAIN_EVENT_UNDEFINED) seen_.erase(uuid);
  const std::string what = describe(e);
  if (!found || found->homes.empty()) {
    LogRecord(log_, LogLevel::debug, "lifecycle_event").kv("domain", quoted(domain_name)).kv("event", what)
        .kv("roam6", "no");
    return;
  }
  const auto requests = plan_lifecycle(e, *found);
  {
    LogRecord record(log_, LogLevel::info, "lifecycle_event");  // written when it goes: before the requests
    record.kv("domain", quoted(domain_name)).kv("event", what).kv("requests", requests.size());
    if (event == VIR_DOMAIN_EVENT_SUSPENDED && e.stop_seconds)
      record.kv("stopped_ms_before", static_cast<long long>((e.wall_seconds - *e.stop_seconds) * 1000.0));
  }
  if (!requests.empty()) deliver_(requests, "event:" + what);
}

void LifecycleWatch::handle_iteration(void* opaque_domain, int iteration) {
  auto* domain = static_cast<virDomainPtr>(opaque_domain);
  const char* name = virDomainGetName(domain);
  const std::string domain_name = name != nullptr ? name : "?";
  // Only the first pass asks anything (plan_migration_iteration); the later
  // ones cost no lookup.
  if (iteration != 1) {
    LogRecord(log_, LogLevel::debug, "migration_iteration").kv("domain", quoted(domain_name)).kv("iteration", iteration);
    return;
  }
  char uuid[VIR_UUID_STRING_BUFLEN] = {};
  if (virDomainGetUUIDString(domain, uuid) < 0) return;
  const auto found = find_domain(domain, uuid, domain_name);
  if (!found || found->homes.empty()) {
    LogRecord(log_, LogLevel::debug, "migration_iteration").kv("domain", quoted(domain_name)).kv("iteration", iteration)
        .kv("roam6", "no");
    return;
  }
  // Is it a migration (not a save, dump or live snapshot, which libvirt
  // reports the same way)? Asked only of a roam6 guest's first pass.
  MigrationIteration it{iteration, job_operation(domain)};
  if (!it.operation)
    LogRecord(log_, LogLevel::debug, "job_unknown").kv("domain", quoted(domain_name))
        .kv("reason", quoted(last_libvirt_error()));
  const auto requests = plan_migration_iteration(it, *found);
  LogRecord(log_, LogLevel::info, "migration_iteration").kv("domain", quoted(domain_name)).kv("iteration", iteration)
      .kv("job", it.operation ? std::to_string(*it.operation) : std::string("unknown")).kv("requests", requests.size());
  if (!requests.empty()) deliver_(requests, "event:migration-iteration/1");
}

void LifecycleWatch::handle_stop(void* opaque_domain, long long seconds, unsigned micros) {
  auto* domain = static_cast<virDomainPtr>(opaque_domain);
  char uuid[VIR_UUID_STRING_BUFLEN] = {};
  if (seconds < 0 || virDomainGetUUIDString(domain, uuid) < 0) return;  // -1: QEMU gave no time
  const double now = wall_now();
  // Forget those no Suspended event will use (a domain whose STOP was not
  // followed by a lifecycle event): the map stays as small as the pauses in
  // progress.
  std::erase_if(stops_, [now](const auto& entry) { return now - entry.second > stop_recent_seconds; });
  const double at = static_cast<double>(seconds) + static_cast<double>(micros) / 1e6;
  stops_.insert_or_assign(uuid, at);
  const char* name = virDomainGetName(domain);
  LogRecord(log_, LogLevel::debug, "qemu_stop").kv("domain", quoted(name != nullptr ? name : "?"))
      .kv("ms_ago", static_cast<long long>((now - at) * 1000.0));
}

}  // namespace roam6::hooks
