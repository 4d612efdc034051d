// TEMPORARY STAND-IN, DO NOT MERGE: the real HostAgent (host_agent.cpp) is
// being written on another branch. This keeps only the guest bookkeeping the
// header promises (attach/resume/detach/list), sends nothing and registers
// nothing, so that the daemon links and its control commands can be tried.
// It is removed before the daemon branch is merged.

#include "mip6d/host/host_agent.hpp"

namespace roam6::mip6d::host {

class HostAgent::GuestEntry {
 public:
  GuestDescription description;
  std::string port;
  std::optional<std::uint16_t> last_sequence;
  std::optional<WallTime> resumed_at;
};

HostAgent::HostAgent(const Config& config, Scheduler& scheduler, PacketIo& io, ForwardingTable& fib,
                     const Logger& log, RegistrationTiming timing)
    : config_(config),
      host_(config.host.value()),
      site_(*config.find_site(config.host.value().site)),
      scheduler_(scheduler),
      io_(io),
      fib_(fib),
      log_(log),
      timing_(timing),
      keys_(config.keys),
      sa_(keys_.find(host_.key)),
      writer_(io) {}

HostAgent::~HostAgent() = default;

void HostAgent::start() {}

void HostAgent::attach(const std::string& name, const std::optional<GuestDescription>& description,
                       std::optional<std::uint16_t> last_sequence, const std::string& port) {
  if (auto found = guests_.find(name); found != guests_.end()) {
    found->second->last_sequence = last_sequence;
    return;
  }
  GuestDescription known;
  if (const Guest* listed = config_.find_guest(name)) {
    known = {listed->name, listed->mac, listed->home_address, listed->home_site};
    if (description && (description->mac != known.mac ||
                        description->home_address != known.home_address ||
                        description->home_site != known.home_site)) {
      throw GuestCommandError("invalid_argument", "guest " + name + " differs from the configuration");
    }
  } else if (description) {
    if (config_.find_site(description->home_site) == nullptr) {
      throw GuestCommandError("invalid_argument", "no site called " + description->home_site);
    }
    known = *description;
    known.name = name;
  } else {
    throw GuestCommandError("unknown_guest", "no guest called " + name);
  }
  auto entry = std::make_unique<GuestEntry>();
  entry->description = known;
  entry->port = port;
  entry->last_sequence = last_sequence;
  guests_.emplace(name, std::move(entry));
}

void HostAgent::resume(const std::string& name, WallTime when) { require(name).resumed_at = when; }

void HostAgent::detach(const std::string& name, bool /*deregister*/) {
  require(name);
  guests_.erase(name);
}

HostAgent::GuestEntry& HostAgent::require(const std::string& name) {
  const auto found = guests_.find(name);
  if (found == guests_.end()) throw GuestCommandError("unknown_guest", "no guest called " + name);
  return *found->second;
}

std::vector<GuestStatus> HostAgent::guests() const {
  std::vector<GuestStatus> out;
  for (const auto& [name, entry] : guests_) {
    GuestStatus status;
    status.guest = entry->description;
    status.port = entry->port;
    status.away = entry->description.home_site != host_.site;
    status.resumed = entry->resumed_at.has_value();
    status.resumed_at = entry->resumed_at;
    status.last_sequence = entry->last_sequence;
    if (const Site* home = config_.find_site(entry->description.home_site); home && home->home_agent) {
      status.home_agent = *home->home_agent;
    }
    out.push_back(status);
  }
  return out;
}

std::optional<GuestStatus> HostAgent::guest(const std::string& name) const {
  for (auto& status : guests()) {
    if (status.guest.name == name) return status;
  }
  return std::nullopt;
}

std::optional<GuestStatus> HostAgent::guest_by_home_address(const wire::Ip6Addr& hoa) const {
  for (auto& status : guests()) {
    if (status.guest.home_address == hoa) return status;
  }
  return std::nullopt;
}

}  // namespace roam6::mip6d::host
