#include "migration-hooks/events/lifecycle_watch.hpp"

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

}  // namespace

struct LifecycleWatch::Connection {
  virConnectPtr conn = nullptr;
  int callback = -1;
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
  for (const auto& [name, sequences] : sequences_by_domain(*list)) {
    virDomainPtr domain = virDomainLookupByName(connection_->conn, name.c_str());
    if (domain == nullptr) continue;  // not a libvirt domain of this host
    char* current = virDomainGetMetadata(domain, VIR_DOMAIN_METADATA_ELEMENT, ns.c_str(), VIR_DOMAIN_AFFECT_LIVE);
    if (current != nullptr) {
      try {
        const auto homes = homes_in_element(current);
        const bool stale = std::any_of(homes.begin(), homes.end(), [&](const vswitch::HomeOfInterface& h) {
          const auto it = sequences.find(h.mac);
          return it != sequences.end() && h.sequence != it->second;
        });
        if (stale) {
          const std::string element = metadata_element(homes, sequences);
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
      // libvirt's generic callback type stands for every event's own
      // signature (VIR_DOMAIN_EVENT_CALLBACK); through void(*)() the cast
      // says so without a warning.
      reinterpret_cast<virConnectDomainEventGenericCallback>(reinterpret_cast<void (*)()>(
          +[](virConnectPtr c, virDomainPtr d, int e, int dt, void* opaque) { return on_lifecycle(c, d, e, dt, opaque); })),
      this, nullptr);
  if (connection->callback < 0) {
    virConnectClose(connection->conn);
    return false;
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
    virConnectDomainEventDeregisterAny(connection_->conn, connection_->callback);
    virConnectUnregisterCloseCallback(connection_->conn, nullptr);
  }
  virConnectClose(connection_->conn);
  delete connection_;
  connection_ = nullptr;
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

void LifecycleWatch::handle(void* opaque_domain, int event, int detail) {
  auto* domain = static_cast<virDomainPtr>(opaque_domain);
  const LifecycleEvent e{event, detail,
                         std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count()};
  char uuid[VIR_UUID_STRING_BUFLEN] = {};
  const char* name = virDomainGetName(domain);
  const std::string domain_name = name != nullptr ? name : "?";
  if (virDomainGetUUIDString(domain, uuid) < 0) return;

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
  if (found && !found->homes.empty()) seen_.insert_or_assign(uuid, *found);
  if (event == VIR_DOMAIN_EVENT_STOPPED || event == VIR_DOMAIN_EVENT_UNDEFINED) seen_.erase(uuid);
  const std::string what = describe(e);
  if (!found || found->homes.empty()) {
    LogRecord(log_, LogLevel::debug, "lifecycle_event").kv("domain", quoted(domain_name)).kv("event", what)
        .kv("roam6", "no");
    return;
  }
  const auto requests = plan_lifecycle(e, *found);
  LogRecord(log_, LogLevel::info, "lifecycle_event").kv("domain", quoted(domain_name)).kv("event", what)
      .kv("requests", requests.size());
  if (!requests.empty()) deliver_(requests, "event:" + what);
}

}  // namespace roam6::hooks
