#include "mip6d/host/host_agent.hpp"

#include <algorithm>

#include "mip6d/config/home_address_rules.hpp"
#include "mip6d/io/ipv6_frame.hpp"
#include "mip6d/signalling/ntp_timestamp.hpp"
#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/extension_headers.hpp"
#include "roam6/wire/icmpv6.hpp"
#include "roam6/wire/neighbour_discovery.hpp"
#include "roam6/wire/tunnel.hpp"

namespace roam6::mip6d::host {

namespace {
// Unsolicited Router Advertisements to each away guest, well inside the
// 1800 s router lifetime they carry (RFC 4861 6.2.1 defaults).
constexpr Duration router_advertisement_interval = std::chrono::seconds(300);
constexpr std::uint16_t router_lifetime_seconds = 1800;
constexpr std::uint32_t tunnel_overhead = 40;  // the outer IPv6 header (RFC 2473)
// A guest heard from within this window runs here (see guest_runs_here).
constexpr Duration liveness_window = std::chrono::seconds(3);
constexpr Duration reclaim_interval = std::chrono::seconds(10);
// How long an address the Home Agent refused (held by another guest) is not
// learned again.
constexpr Duration refused_address_quiet = std::chrono::seconds(60);

// 134: the Home Agent holds the address for another guest (another MAC).
bool refused_as_held_elsewhere(RegistrationState to, const Registration& registration) {
  return to == RegistrationState::refused &&
         registration.last_status() == wire::ba_status::duplicate_address_detection_failed;
}
}  // namespace

// One guest on this host: its registration, its emulated home link, its
// data-plane path.
class HostAgent::GuestEntry final : public RegistrationOwner {
 public:
  // A further address of the guest in its home prefix (SLAAC, a privacy
  // address), learned from its Duplicate Address Detection. RFC 6275 binds
  // one home address per Binding Update, so each has a registration of its
  // own: its own sequence numbers, lifetime and binding.
  class OtherAddress final : public RegistrationOwner {
   public:
    OtherAddress(GuestEntry& guest, const wire::Ip6Addr& address, std::optional<std::uint16_t> last_sequence)
        : guest_(guest),
          address_(address),
          registration_(guest.agent_.scheduler_, *this, guest.agent_.timing_,
                        guest.agent_.host_.requested_lifetime, last_sequence) {}
    const wire::Ip6Addr& address() const { return address_; }
    Registration& registration() { return registration_; }
    const Registration& registration() const { return registration_; }
    bool bound() const { return bound_; }
    // `guest_waits`: the guest arrived here and may be sending from this
    // address already; its packets wait for this binding too. Not so for
    // an address it is only now checking (DAD): it sends nothing from it
    // for a second, and its other traffic need not wait a round trip.
    void start(bool guest_waits) {
      guest_waits_ = guest_waits;
      registration_.start();
    }
    bool guest_waits() const {
      return guest_waits_ && !bound_ && registration_.state() == RegistrationState::registering;
    }

    // RegistrationOwner
    void send_binding_update(const BindingUpdateOrder& order) override {
      guest_.send_binding_update_for(address_, order);
    }
    void binding_active(bool active) override {
      const bool changed = bound_ != active;
      bound_ = active;
      if (active) guest_waits_ = false;
      if (changed) guest_.other_binding_changed();
    }
    void log_transition(RegistrationState from, RegistrationEvent event, RegistrationState to,
                        std::string_view detail) override {
      guest_.log_registration(address_, registration_, from, event, to, detail);
      if (refused_as_held_elsewhere(to, registration_)) guest_.give_up_held_elsewhere(address_);
    }
    bool guest_runs_here() const override { return guest_.guest_runs_here(); }

    std::optional<TimePoint> last_reclaim;  // taken back from a host it left

   private:
    GuestEntry& guest_;
    wire::Ip6Addr address_;
    Registration registration_;
    bool bound_ = false;
    bool guest_waits_ = false;
  };

  GuestEntry(HostAgent& agent, GuestDescription desc, const Site& home,
             std::optional<std::uint16_t> last_sequence, std::string port)
      : agent_(agent),
        desc_(std::move(desc)),
        home_(home),
        away_(home.name != agent.site_.name),
        port_(std::move(port)),
        link_local_(wire::link_local_from_mac(desc_.mac)),
        registration_(agent.scheduler_, *this, agent.timing_, agent.host_.requested_lifetime, last_sequence),
        ra_timer_(agent.scheduler_.make_timer([this] { send_router_advertisement(); })),
        migrating_timer_(agent.scheduler_.make_timer([this] { migration_not_paused(); })) {}

  const GuestDescription& desc() const { return desc_; }
  const Site& home() const { return home_; }
  bool away() const { return away_; }
  bool resumed() const { return resumed_; }
  bool paused() const { return paused_; }
  bool migrating() const { return migrating_; }
  TimePoint paused_at() const { return paused_at_; }
  bool leaving() const { return leaving_; }
  const std::string& port() const { return port_; }
  Registration& registration() { return registration_; }
  const Registration& registration() const { return registration_; }
  const std::vector<std::unique_ptr<OtherAddress>>& others() const { return others_; }
  // The registration of one of the guest's addresses; nullptr: not its.
  Registration* registration_for(const wire::Ip6Addr& address) {
    if (address == desc_.home_address) return &registration_;
    const auto it = find_other(address);
    return it != others_.end() ? &(*it)->registration() : nullptr;
  }
  // Whether any of its registrations still waits for its deregistration's answer.
  bool deregistering() const {
    if (registration_.state() == RegistrationState::deregistering) return true;
    return std::any_of(others_.begin(), others_.end(), [](const auto& o) {
      return o->registration().state() == RegistrationState::deregistering;
    });
  }
  void set_requested_lifetime(std::chrono::seconds lifetime) {
    registration_.set_requested_lifetime(lifetime);
    for (auto& o : others_) o->registration().set_requested_lifetime(lifetime);
  }
  // An address the guest checks for duplicates (its DAD probe): true when
  // it is the guest's now (learned, or its already), so the probe goes
  // unanswered; false when the guest may not use it here, and the probe is
  // answered as by its owner, so the guest does not use an address no
  // packet would reach.
  // `in_use`: the guest sends from it already (it formed it at a host it
  // came from, and the datapath reported a packet its ingress filter did
  // not know): its packets wait for this binding like for its home
  // address's.
  bool learn_address(const wire::Ip6Addr& address, bool in_use = false) {
    if (owns(address)) return true;
    if (!may_take(address)) return false;
    add_other(address, std::nullopt, in_use ? "traffic" : "dad");
    if (away_ && resumed_ && !paused_ && !leaving_) others_.back()->start(in_use);
    program_path();
    return true;
  }
  // The previous host's learned addresses, before the guest resumes here:
  // registered with it when it does.
  void adopt(const std::vector<KnownAddress>& known) {
    bool added = false;
    for (const auto& k : known) {
      if (const auto it = find_other(k.address); it != others_.end()) {
        if (k.last_sequence && !resumed_) (*it)->registration().continue_after(*k.last_sequence);
        continue;
      }
      if (owns(k.address) || !may_take(k.address)) continue;
      add_other(k.address, k.last_sequence, "hand_over");
      // Attached again while it runs here already: register it at once.
      if (away_ && resumed_ && !paused_ && !leaving_) others_.back()->start(true);
      added = true;
    }
    if (added) program_path();
  }
  std::optional<WallTime> resumed_at() const { return resumed_at_; }
  // Since when the Home Agent tunnels this guest's traffic to us.
  std::optional<WallTime> bound_at() const { return bound_at_; }
  void set_port(std::string port) {
    if (!port.empty()) port_ = std::move(port);
  }
  const SwitchPortState& switch_port() const { return switch_port_; }
  void set_switch_port(SwitchPortState state) { switch_port_ = std::move(state); }

  void attached() { program_path(); }

  // A frame from the guest arrived on the guest port.
  void heard(TimePoint when) {
    last_heard_ = when;
    // Superseded while it demonstrably runs here: another host took the
    // binding (a late BU of a host it left, or a duplicate). Take it back,
    // at most once per reclaim interval.
    if (resumed_ && !leaving_ && away_ && registration_.state() == RegistrationState::superseded &&
        (!last_reclaim_ || when - *last_reclaim_ >= reclaim_interval)) {
      last_reclaim_ = when;
      LogRecord(agent_.log_, LogLevel::warning, "binding_reclaimed")
          .kv("guest", desc_.name)
          .kv("hoa", desc_.home_address)
          .kv("detail", "\"guest runs here but another host registered it\"");
      registration_.start();
    }
    if (resumed_ && !leaving_ && away_) {
      for (auto& o : others_)
        if (o->registration().state() == RegistrationState::superseded &&
            (!o->last_reclaim || when - *o->last_reclaim >= reclaim_interval)) {
          o->last_reclaim = when;
          o->start(false);
        }
    }
  }

  bool guest_runs_here() const override {
    return resumed_ && !paused_ && !leaving_ && last_heard_ &&
           agent_.scheduler_.now() - *last_heard_ <= liveness_window;
  }

  void resume(WallTime when) {
    if (resumed_) {
      unpause();
      return;
    }
    last_heard_ = agent_.scheduler_.now();
    resumed_ = true;
    resumed_at_ = when;
    LogRecord(agent_.log_, LogLevel::info, "guest_resumed")
        .kv("guest", desc_.name)
        .kv("hoa", desc_.home_address)
        .kv("away", away_ ? "yes" : "no");
    if (away_) {
      // Every address at once: what it sends from any of them waits until
      // all are bound here.
      for (auto& o : others_) o->start(true);
      program_path();
      registration_.start();
      send_router_advertisement();
    } else {
      program_path();
      // Back at home: the Home Agent may still tunnel to the host it came
      // from. Remove that binding (a 133 answer just means there was none).
      registration_.came_home();
      for (auto& o : others_) o->registration().came_home();
      // The home router may still send to the Home Agent's MAC (its proxy
      // advertisements), and QEMU's own announce comes ~50 ms later, an
      // e1000 guest's never: say at once, for the guest, that its home
      // address is at its MAC (RFC 4861 7.2.6, Override set).
      const bool sent = announce_neighbour(agent_.writer_, Port::uplink, desc_.home_address, desc_.home_address,
                                           NeighbourAnswer{desc_.mac, false, true, desc_.mac, std::nullopt});
      if (sent) {
        ++agent_.counters_.home_announcements;
      } else {
        ++agent_.counters_.send_failures;
      }
    }
  }

  void leave(bool deregister) {
    leaving_ = true;
    ra_timer_->cancel();
    migrating_timer_->cancel();
    if (!deregister && resumed_ && (away_ || paused_)) {
      // Moved: the data path keeps holding its packets until the Home Agent
      // says where it went (hand-over forwarding), then forwards them. From
      // home, only a guest paused for the migration: it held since then.
      agent_.keep_for_hand_over(*this);
    } else {
      agent_.fib_.clear_guest(desc_.mac);
    }
    registration_.leave(deregister && away_);
    for (auto& o : others_) o->registration().leave(deregister && away_);
  }

  // Paused here for the last copy of a live migration (libvirt's Suspended
  // event): its packets are held from now on, not handed to a guest that
  // will never read them. False when it does not run here.
  bool pause(std::optional<WallTime> stopped_at) {
    if (!resumed_ || leaving_ || paused_) return false;
    paused_ = true;
    paused_at_ = agent_.scheduler_.now();
    if (migrating_) {
      migrating_timer_->cancel();
      replay_since_ = stopped_at ? *stopped_at - HostAgent::replay_before_stop
                                 : agent_.scheduler_.wall_now() - HostAgent::replay_before_pause;
    }
    LogRecord(agent_.log_, LogLevel::info, "guest_paused").kv("guest", desc_.name).kv("hoa", desc_.home_address);
    program_path();
    return true;
  }
  // Runs here again after a pause (the migration failed or was cancelled).
  void unpause() {
    if (!paused_) return;
    paused_ = false;
    migrating_ = false;
    replay_since_ = {};
    forward_to_.reset();
    LogRecord(agent_.log_, LogLevel::info, "guest_unpaused").kv("guest", desc_.name).kv("hoa", desc_.home_address);
    program_path();
  }
  // Its live migration away from here began: what the data path delivers
  // to it is remembered until the pause. False when it does not run here.
  bool start_migrating() {
    if (!resumed_ || leaving_ || paused_) return false;
    migrating_timer_->arm_at(agent_.scheduler_.now() + HostAgent::migrating_limit);
    if (migrating_) return true;
    migrating_ = true;
    LogRecord(agent_.log_, LogLevel::info, "guest_migrating").kv("guest", desc_.name).kv("hoa", desc_.home_address);
    program_path();
    return true;
  }
  void migration_not_paused() {
    if (!migrating_ || paused_ || leaving_) return;
    migrating_ = false;
    ++agent_.counters_.migrations_not_paused;
    LogRecord(agent_.log_, LogLevel::info, "guest_migration_not_paused")
        .kv("guest", desc_.name)
        .kv("hoa", desc_.home_address);
    program_path();
  }

  // The Home Agent moved the binding of this paused guest to `to`.
  void hand_over_to(const wire::Ip6Addr& to) {
    forward_to_ = to;
    program_path();
  }

  GuestPath path() const {
    GuestPath p;
    p.mac = desc_.mac;
    p.home_address = desc_.home_address;
    p.link_local = link_local_;
    p.away = away_;
    if (away_) {
      p.home_agent = *home_.home_agent;
      p.care_of_address = agent_.host_.care_of_address;
      p.router_mac = home_.router_mac;
      p.router_link_local = home_.router_link_local;
    }
    p.resumed = resumed_ && !paused_ && !forward_to_;
    // Until the Home Agent tunnels to us it drops what we tunnel to it. A
    // guest paused or gone from here sent its last packets before that:
    // they go as they are.
    const bool waits_for_other =
        std::any_of(others_.begin(), others_.end(), [](const auto& o) { return o->guest_waits(); });
    p.awaiting_binding = away_ && (!bound_ || waits_for_other) && !paused_ && !leaving_ && !forward_to_;
    for (const auto& o : others_) p.other_home_addresses.push_back(o->address());
    p.paused = paused_;
    p.migrating = migrating_;
    p.replay_since = replay_since_;
    if (forward_to_) p.forward_to = *forward_to_;
    if (!away_ && (paused_ || forward_to_ || migrating_) && home_.home_agent) {
      // Paused at home: what the home link sends it is held, then handed
      // over through a tunnel of this host's to its Home Agent. Migrating
      // from home: the data path looks its native frames up, to remember
      // them.
      p.holding_at_home = true;
      p.home_agent = *home_.home_agent;
      p.care_of_address = agent_.host_.care_of_address;
    }
    return p;
  }

  void learn_link_local(const wire::Ip6Addr& source) {
    if (!source.is_link_local() || source == link_local_) return;
    link_local_ = source;
    program_path();
  }

  // RFC 4285 6 for what the HA sends with its own clock (BRR): within our
  // window of our clock, and newer than any such before.
  bool accept_home_agent_time(std::uint64_t timestamp) {
    const auto skew = ntp_distance(timestamp, to_ntp_timestamp(agent_.scheduler_.wall_now()));
    if (skew > agent_.host_.replay_window || timestamp <= last_home_agent_time_) return false;
    last_home_agent_time_ = timestamp;
    return true;
  }

  // RegistrationOwner
  void send_binding_update(const BindingUpdateOrder& order) override {
    send_binding_update_for(desc_.home_address, order);
  }
  void send_binding_update_for(const wire::Ip6Addr& home_address, const BindingUpdateOrder& order) {
    BindingUpdateSpec spec;
    spec.care_of_address = agent_.host_.care_of_address;
    spec.home_agent = *home_.home_agent;
    spec.home_address = home_address;
    spec.sequence = order.sequence;
    spec.lifetime = order.lifetime;
    spec.timestamp = order.timestamp;
    // Every address of a guest is tied to its MAC at the Home Agent, so
    // another guest's claim to it is refused (134).
    spec.link_layer_identifier = wire::LinkLayerIdentifier::of(desc_.mac);
    const bool sent = agent_.writer_.send_ipv6(Port::uplink, agent_.site_.router_mac, [&](wire::MutableByteSpan buf) {
      return write_binding_update(buf, spec, *agent_.sa_);
    });
    if (sent) {
      ++agent_.counters_.bu_sent;
    } else {
      ++agent_.counters_.send_failures;
    }
  }
  void binding_active(bool active) override {
    if (active && !bound_) bound_at_ = agent_.scheduler_.wall_now();
    if (!active) bound_at_.reset();
    const bool changed = bound_ != active;
    bound_ = active;
    LogRecord(agent_.log_, LogLevel::debug, "tunnel").kv("guest", desc_.name).kv("active", active ? "yes" : "no");
    // What the guest sent since it resumed here waited for this (or waits
    // from now on, until the binding is ours again). A guest that left has
    // its hand-over path programmed instead (keep_for_hand_over); at home
    // nothing waits.
    if (changed && away_ && !leaving_) program_path();
  }
  // One of its other addresses' bindings came or went: what waited for it
  // may go now.
  void other_binding_changed() {
    if (away_ && !leaving_) program_path();
  }
  void log_transition(RegistrationState from, RegistrationEvent event, RegistrationState to,
                      std::string_view detail) override {
    log_registration(desc_.home_address, registration_, from, event, to, detail);
  }
  void log_registration(const wire::Ip6Addr& home_address, const Registration& registration,
                        RegistrationState from, RegistrationEvent event, RegistrationState to,
                        std::string_view detail) {
    LogRecord r(agent_.log_, refused_as_held_elsewhere(to, registration) ? LogLevel::warning : LogLevel::info,
                "registration");
    r.kv("guest", desc_.name)
        .kv("hoa", home_address)
        .kv("coa", agent_.host_.care_of_address)
        .kv("ha", *home_.home_agent)
        .kv("from", name(from))
        .kv("event", name(event))
        .kv("to", name(to))
        .kv("seq", registration.last_sequence() ? static_cast<int>(*registration.last_sequence()) : -1)
        .kv("status", registration.last_status());
    if (!detail.empty()) r.kv("detail", std::string("\"") + std::string(detail) + "\"");
    if (leaving_ && to != RegistrationState::deregistering) {
      // A departed guest's last message is settled: drop it from the list.
      HostAgent& agent = agent_;
      agent.scheduler_.post([&agent, name = desc_.name] { agent.forget_if_done(name); });
    }
  }

  // Home-link emulation.
  std::optional<NeighbourAnswer> answer_for(const wire::Ip6Addr& target) const {
    if (!away_) return std::nullopt;
    // The guest's own addresses are its to defend (DAD must not fail).
    if (owns(target)) return std::nullopt;
    const NeighbourAnswer router{home_.router_mac, true, true, home_.router_mac, std::nullopt, true};
    if (target == home_.router_link_local) return router;
    // Every other on-link home address is reached through the home router
    // (and the tunnel), so it answers for them too.
    if (home_.prefix.contains(target))
      return NeighbourAnswer{home_.router_mac, false, true, home_.router_mac, home_.router_link_local, true};
    return std::nullopt;
  }

  void send_router_advertisement(std::optional<wire::Ip6Addr> to = std::nullopt) {
    if (!away_ || leaving_) return;
    wire::PrefixInformation prefix;
    prefix.prefix = home_.prefix;
    wire::RouterAdvertisementFields ra;
    ra.src = home_.router_link_local;
    ra.dst = to.value_or(wire::all_nodes_multicast());
    ra.router_lifetime = router_lifetime_seconds;
    ra.source_link_layer = home_.router_mac;
    // The tunnel costs 40 bytes of the site's MTU: advertise what fits, so
    // the guest never needs a Packet Too Big.
    ra.mtu = std::min(home_.mtu, agent_.site_.mtu - tunnel_overhead);
    ra.prefixes = std::span<const wire::PrefixInformation>(&prefix, 1);
    // Unicast at the Ethernet layer: guests of other home sites share the
    // guest port and must not learn this prefix.
    const bool sent = agent_.writer_.send_ipv6_as(Port::guests, desc_.mac, home_.router_mac,
                                                  [&](wire::MutableByteSpan buf) {
                                                    return wire::write_router_advertisement(buf, ra);
                                                  });
    if (sent) {
      ++agent_.counters_.ra_sent;
    } else {
      ++agent_.counters_.send_failures;
    }
    ra_timer_->arm_at(agent_.scheduler_.now() + router_advertisement_interval);
  }

 private:
  void program_path() { agent_.fib_.set_guest(path()); }
  std::vector<std::unique_ptr<OtherAddress>>::const_iterator find_other(const wire::Ip6Addr& address) const {
    return std::find_if(others_.begin(), others_.end(), [&](const auto& o) { return o->address() == address; });
  }
  bool owns(const wire::Ip6Addr& address) const {
    return address == desc_.home_address || address == link_local_ || find_other(address) != others_.end();
  }
  // Whether `address` may become one of the guest's (not one of its own yet).
  bool may_take(const wire::Ip6Addr& address) const {
    if (agent_.host_.learned_addresses == 0 || address.is_link_local() || !home_.prefix.contains(address))
      return false;
    if (!home_address_problem(address, home_.prefix, home_.home_agent).empty()) return false;
    if (const auto r = refused_until_.find(address); r != refused_until_.end() && agent_.scheduler_.now() < r->second)
      return false;
    return agent_.by_home_address_.count(address) == 0;  // another guest's, here
  }
  void add_other(const wire::Ip6Addr& address, std::optional<std::uint16_t> last_sequence, std::string_view source) {
    while (others_.size() >= agent_.host_.learned_addresses) give_up_oldest();
    others_.push_back(std::make_unique<OtherAddress>(*this, address, last_sequence));
    agent_.by_home_address_[address] = this;
    ++agent_.counters_.addresses_learned;
    LogRecord(agent_.log_, LogLevel::info, "address_learned")
        .kv("guest", desc_.name)
        .kv("hoa", desc_.home_address)
        .kv("address", address)
        .kv("from", source)
        .kv("addresses", others_.size() + 1);
  }
  // Room for a newer address: the oldest learned is the first a SLAAC
  // guest retires (privacy addresses are replaced in the order they were
  // formed). Its binding is left to expire at the Home Agent: the guest may
  // still have it, and a deregistration would cut it at once.
  void give_up_oldest() {
    const std::shared_ptr<OtherAddress> oldest = take_other(others_.begin());
    ++agent_.counters_.addresses_given_up;
    LogRecord(agent_.log_, LogLevel::info, "address_given_up")
        .kv("guest", desc_.name)
        .kv("address", oldest->address())
        .kv("reason", "learned_addresses_limit");
    oldest->registration().leave(false);
    // Not destroyed inside a call that may have come through it.
    agent_.scheduler_.post([oldest] {});
  }
  // An address the Home Agent refused because another guest's binding
  // holds it (134, a different MAC): not this guest's. It goes, and is not
  // learned again for a while, so the guest's packets from it (reported
  // as unknown sources) and its DAD probes do not start the same refusal
  // over; its DAD is answered as by the owner.
  void give_up_held_elsewhere(const wire::Ip6Addr& address) {
    const auto it = std::find_if(others_.begin(), others_.end(), [&](const auto& o) { return o->address() == address; });
    if (it == others_.end()) return;
    const std::shared_ptr<OtherAddress> refused = take_other(it);
    const TimePoint now = agent_.scheduler_.now();
    std::erase_if(refused_until_, [now](const auto& r) { return r.second <= now; });
    refused_until_[address] = now + refused_address_quiet;
    ++agent_.counters_.addresses_refused;
    LogRecord(agent_.log_, LogLevel::warning, "address_refused")
        .kv("guest", desc_.name)
        .kv("mac", desc_.mac)
        .kv("address", address)
        .kv("detail", "\"the Home Agent holds it for another guest (another MAC)\"");
    program_path();
    // Its registration is still on the stack; nothing was bound, so there
    // is nothing to deregister.
    agent_.scheduler_.post([refused] {});
  }
  // Takes a learned address out of the guest's and the host's lists. The
  // caller keeps it alive until the event loop's next turn: it may be on
  // the stack of a call that came through it.
  std::shared_ptr<OtherAddress> take_other(std::vector<std::unique_ptr<OtherAddress>>::iterator it) {
    std::shared_ptr<OtherAddress> taken(it->release());
    others_.erase(it);
    agent_.by_home_address_.erase(taken->address());
    return taken;
  }

  HostAgent& agent_;
  GuestDescription desc_;
  const Site& home_;
  bool away_;
  std::string port_;
  SwitchPortState switch_port_;
  wire::Ip6Addr link_local_;
  bool resumed_ = false;
  bool paused_ = false;
  TimePoint paused_at_{};
  bool migrating_ = false;
  WallTime replay_since_{};
  bool leaving_ = false;
  std::optional<wire::Ip6Addr> forward_to_;
  bool bound_ = false;
  std::optional<WallTime> bound_at_;
  std::optional<WallTime> resumed_at_;
  std::optional<TimePoint> last_heard_;
  std::optional<TimePoint> last_reclaim_;
  std::uint64_t last_home_agent_time_ = 0;
  Registration registration_;
  std::vector<std::unique_ptr<OtherAddress>> others_;  // oldest first
  std::unordered_map<wire::Ip6Addr, TimePoint> refused_until_;
  std::unique_ptr<Timer> ra_timer_;
  std::unique_ptr<Timer> migrating_timer_;
};

namespace {
const Site& site_named(const Config& config, const std::string& name) {
  const Site* s = config.find_site(name);
  if (s == nullptr) throw std::invalid_argument("host site '" + name + "' is not configured");
  return *s;
}
}  // namespace

HostAgent::HostAgent(const Config& config, Scheduler& scheduler, PacketIo& io, ForwardingTable& fib,
                     const Logger& log, RegistrationTiming timing)
    : config_(config),
      host_(config.host.value()),
      site_(site_named(config, host_.site)),
      scheduler_(scheduler),
      io_(io),
      fib_(fib),
      log_(log),
      timing_(timing),
      keys_(config.keys),
      sa_(keys_.find(host_.key)),
      writer_(io),
      // A mobile node on its guests' behalf; it holds no bindings.
      receive_guard_(scheduler, writer_, {.mobile_node = true, .care_of_address_for = {}},
                     error_message_limit(config), counters_.receive_checks, log) {
  if (sa_ == nullptr) throw std::invalid_argument("host key '" + host_.key + "' is not configured");
  hand_over_timer_ = scheduler.make_timer([this] { on_hand_over_timer(); });
}

HostAgent::~HostAgent() = default;

void HostAgent::start() {
  LogRecord(log_, LogLevel::info, "host_started")
      .kv("site", site_.name)
      .kv("coa", host_.care_of_address)
      .kv("key", host_.key)
      .kv("listed_guests", config_.guests.size());
  // A guest in [[guests]] is expected everywhere: its first frame on this
  // host's guest port (QEMU's RARP, an RS, anything) is its arrival here,
  // with no guest.attach needed.
  for (const Guest& g : config_.guests) expect(g);
  io_.set_handler([this](const ReceivedFrame& f) { on_frame(f); });
}

void HostAgent::expect(const Guest& guest) {
  const Site* home = config_.find_site(guest.home_site);
  if (home == nullptr || !home->home_agent) return;  // the loader refuses such a file
  expected_by_mac_[guest.mac] = guest.name;
  // Moved away moments ago: its entry holds or forwards its packets until
  // the hand-over ends (on_hand_over_timer programs this one then).
  if (const auto h = handing_over_.find(guest.home_address); h != handing_over_.end() && h->second.path.mac == guest.mac)
    return;
  // The datapath learns the MAC now, so that the guest's first frame comes
  // to us as a resume signal; nothing is sent for it.
  GuestPath p;
  p.mac = guest.mac;
  p.home_address = guest.home_address;
  p.link_local = wire::link_local_from_mac(guest.mac);
  p.away = home->name != site_.name;
  if (p.away) {
    p.home_agent = *home->home_agent;
    p.care_of_address = host_.care_of_address;
    p.router_mac = home->router_mac;
    p.router_link_local = home->router_link_local;
    p.awaiting_binding = true;  // nothing is registered for it from here
  }
  fib_.set_guest(p);
}

bool HostAgent::recognise(const wire::MacAddr& mac, TimePoint when) {
  const auto it = expected_by_mac_.find(mac);
  if (it == expected_by_mac_.end()) return false;
  const std::string name = it->second;
  if (const auto departed = departed_.find(name);
      departed != departed_.end() && departed->second.moved_at && when - *departed->second.moved_at < departure_quiet) {
    ++counters_.frames_after_departure;
    return false;
  }
  try {
    attach(name, std::nullopt, std::nullopt);
  } catch (const GuestCommandError& e) {
    LogRecord(log_, LogLevel::error, "guest_not_recognised")
        .kv("guest", name)
        .kv("error", std::string("\"") + e.what() + "\"");
    return false;
  }
  ++counters_.guests_recognised;
  LogRecord(log_, LogLevel::info, "guest_recognised").kv("guest", name).kv("mac", mac);
  detect_resume(*guests_.at(name), when);
  return true;
}

void HostAgent::reconfigure(const Config& config) {
  // Built aside and moved in: the entries live on the heap, so `sa` stays
  // valid, and a failure leaves the agent as it was.
  KeyRing keys(config.keys);
  KeyRing::Entry* sa = keys.find(host_.key);
  if (sa == nullptr) throw std::invalid_argument("host key '" + host_.key + "' is not configured");
  keys_ = std::move(keys);
  sa_ = sa;
  for (auto& [name, g] : guests_) {
    g->set_requested_lifetime(host_.requested_lifetime);
    if (g->leaving()) continue;
    g->attached();  // reprograms the path: the home router's MAC may have changed
    if (g->resumed()) g->send_router_advertisement();
  }
  // [[guests]] may have changed: expect what is listed now, forget the rest.
  for (const auto& [mac, name] : expected_by_mac_) {
    const Guest* listed = config.find_guest(name);
    if ((listed == nullptr || listed->mac != mac) && by_mac_.count(mac) == 0) fib_.clear_guest(mac);
  }
  expected_by_mac_.clear();
  for (const Guest& g : config.guests) {
    const auto attached = guests_.find(g.name);
    if (attached == guests_.end() || attached->second->leaving()) expect(g);
  }
}

HostAgent::GuestEntry& HostAgent::require(const std::string& name) {
  const auto it = guests_.find(name);
  if (it == guests_.end() || it->second->leaving())
    throw GuestCommandError("unknown_guest", "no guest called " + name + " is attached here");
  return *it->second;
}

void HostAgent::attach(const std::string& name, const std::optional<GuestDescription>& description,
                       std::optional<std::uint16_t> last_sequence, const std::string& port,
                       const std::vector<KnownAddress>& learned) {
  // Already here: a repeated attach may only hand over the sequence number
  // (the migration step's) or name the port; what it says of the guest must
  // match, and need not be said again.
  if (const auto it = guests_.find(name); it != guests_.end() && !it->second->leaving()) {
    GuestEntry& g = *it->second;
    if (description && (description->mac != g.desc().mac || description->home_address != g.desc().home_address ||
                        description->home_site != g.desc().home_site))
      throw GuestCommandError("invalid_argument",
                              "guest " + name + " is attached here with another mac/home_address/home_site");
    g.set_port(port);
    // Attached but not running here yet: the migration step's hand-over
    // number still counts.
    if (last_sequence && !g.resumed()) g.registration().continue_after(*last_sequence);
    g.adopt(learned);
    return;
  }
  GuestDescription desc;
  if (const Guest* listed = config_.find_guest(name)) {
    desc = {listed->name, listed->mac, listed->home_address, listed->home_site};
    if (description && (description->mac != desc.mac || description->home_address != desc.home_address ||
                        description->home_site != desc.home_site))
      throw GuestCommandError("invalid_argument",
                              "guest " + name + " is in the configuration with other mac/home_address/home_site");
  } else if (description) {
    desc = *description;
    desc.name = name;
  } else {
    throw GuestCommandError("unknown_guest",
                            "guest " + name + " is not in the configuration; give mac, home_address and home_site");
  }
  const Site* home = config_.find_site(desc.home_site);
  if (home == nullptr) throw GuestCommandError("invalid_argument", "unknown site " + desc.home_site);
  if (!home->prefix.contains(desc.home_address))
    throw GuestCommandError("invalid_argument", desc.home_address.to_string() + " is not in site " +
                                                    home->name + "'s prefix " + home->prefix.to_string());
  if (!home->home_agent)
    throw GuestCommandError("invalid_argument", "site " + home->name + " has no home agent");
  if (const auto problem = home_address_problem(desc.home_address, home->prefix, home->home_agent); !problem.empty())
    throw GuestCommandError("invalid_argument", "home address " + desc.home_address.to_string() + " " +
                                                    std::string(problem) + ": it can never be bound");

  if (const auto it = guests_.find(name); it != guests_.end()) {
    // Came back while its deregistration was in flight: start afresh,
    // continuing its sequence numbers.
    if (!last_sequence) last_sequence = it->second->registration().last_sequence();
    unindex(*it->second);
    guests_.erase(it);
  }
  if (const auto clash = by_mac_.find(desc.mac); clash != by_mac_.end())
    throw GuestCommandError("invalid_argument", "MAC " + desc.mac.to_string() + " belongs to guest " +
                                                    clash->second->desc().name);
  if (const auto clash = by_home_address_.find(desc.home_address); clash != by_home_address_.end())
    throw GuestCommandError("invalid_argument", "home address " + desc.home_address.to_string() +
                                                    " belongs to guest " + clash->second->desc().name);

  expected_by_mac_.erase(desc.mac);
  // Back on a host it left: continue after the number it last used here,
  // unless the migration step handed over a newer one.
  if (const auto departed = departed_.find(name); departed != departed_.end()) {
    if (!last_sequence) last_sequence = departed->second.last_sequence;
    departed_.erase(departed);
  }
  // Back before the hand-over of its last departure ended: this entry
  // programs the data path now.
  // What that entry still holds is seconds old and was meant for another
  // host: cleared, so the data path drops it instead of delivering it late.
  std::erase_if(handing_over_, [&](const auto& h) {
    const bool same = h.first == desc.home_address || h.second.path.mac == desc.mac;
    if (same) fib_.clear_guest(h.second.path.mac);
    return same;
  });
  auto entry = std::make_unique<GuestEntry>(*this, desc, *home, last_sequence, port);
  GuestEntry& g = *entry;
  guests_.emplace(name, std::move(entry));
  by_mac_[desc.mac] = &g;
  by_home_address_[desc.home_address] = &g;
  LogRecord(log_, LogLevel::info, "guest_attached")
      .kv("guest", name)
      .kv("mac", desc.mac)
      .kv("hoa", desc.home_address)
      .kv("home_site", desc.home_site)
      .kv("away", g.away() ? "yes" : "no")
      .kv("last_seq", last_sequence ? static_cast<int>(*last_sequence) : -1);
  g.adopt(learned);
  g.attached();
}

void HostAgent::resume(const std::string& name, WallTime when) { require(name).resume(when); }

void HostAgent::pause(const std::string& name, std::optional<WallTime> stopped_at) {
  GuestEntry& g = require(name);
  if (g.paused()) return;
  if (!g.pause(stopped_at))
    throw GuestCommandError("invalid_argument", "guest " + name + " does not run here: nothing to pause");
  ++counters_.guests_paused;
}

void HostAgent::migrating(const std::string& name) {
  GuestEntry& g = require(name);
  const bool already = g.migrating();
  if (!g.start_migrating())
    throw GuestCommandError("invalid_argument", "guest " + name + " does not run here: no migration away");
  if (!already) ++counters_.guests_migrating;
}

void HostAgent::keep_for_hand_over(const GuestEntry& g) {
  HandingOver h;
  h.path = g.path();
  h.path.resumed = false;
  h.path.paused = true;  // gone: a frame still arriving from it is a leftover
  h.home_agent = *g.home().home_agent;
  h.name = g.desc().name;
  h.until = scheduler_.now() + (h.path.forward_to != wire::Ip6Addr{} ? hand_over_linger : hand_over_wait);
  fib_.set_guest(h.path);
  handing_over_[h.path.home_address] = std::move(h);
  rearm_hand_over_timer();
}

void HostAgent::on_hand_over_timer() {
  const TimePoint now = scheduler_.now();
  for (auto it = handing_over_.begin(); it != handing_over_.end();) {
    if (it->second.until > now) {
      ++it;
      continue;
    }
    const HandingOver h = std::move(it->second);
    it = handing_over_.erase(it);
    if (h.path.forward_to == wire::Ip6Addr{}) {
      ++counters_.hand_overs_expired;
      LogRecord(log_, LogLevel::info, "hand_over_expired")
          .kv("guest", h.name)
          .kv("hoa", h.path.home_address)
          .kv("detail", "\"no notice from the Home Agent; what was held is dropped\"");
    }
    if (by_mac_.count(h.path.mac) != 0) continue;  // attached again: its own entry
    // Cleared even for a listed guest expected again: what is still held is
    // dropped, not delivered seconds late if it comes back.
    fib_.clear_guest(h.path.mac);
    if (const Guest* listed = config_.find_guest(h.name); listed != nullptr && expected_by_mac_.count(listed->mac) != 0)
      expect(*listed);
  }
  rearm_hand_over_timer();
}

void HostAgent::rearm_hand_over_timer() {
  if (handing_over_.empty()) {
    hand_over_timer_->cancel();
    return;
  }
  TimePoint first = TimePoint::max();
  for (const auto& [hoa, h] : handing_over_) first = std::min(first, h.until);
  hand_over_timer_->arm_at(first);
}

std::optional<std::uint16_t> HostAgent::detach(const std::string& name, bool deregister) {
  GuestEntry& g = require(name);
  // Stopped while paused for the last copy of a live migration: it moved.
  // libvirt runs the source's `stopped` hook before it emits the Stopped
  // (migrated) event, and the hook cannot tell a migration from a shutdown;
  // a deregistration from here would race the destination's binding. A
  // migration that fails resumes the guest here first (unpause).
  const bool moved_while_paused = deregister && g.paused();
  if (moved_while_paused) deregister = false;
  g.leave(deregister);
  const auto last = g.registration().last_sequence();
  LogRecord(log_, LogLevel::info, "guest_detached")
      .kv("guest", name)
      .kv("mode", deregister ? "stopped" : "moved")
      .kv("last_seq", last ? static_cast<int>(*last) : -1)
      .kv("reason", moved_while_paused ? "stopped_while_paused_for_migration" : "as_asked");
  forget_if_done(name);
  return last;
}

void HostAgent::forget_if_done(const std::string& name) {
  const auto it = guests_.find(name);
  if (it == guests_.end() || !it->second->leaving()) return;
  // Keep the entry while its deregistration still waits for an answer.
  if (it->second->deregistering()) return;
  unindex(*it->second);
  // Destroying the entry from inside its own callbacks would be unsafe:
  // defer to the loop.
  std::shared_ptr<GuestEntry> doomed(it->second.release());
  guests_.erase(it);
  scheduler_.post([doomed] {});
  // A listed guest stays expected: if it comes back, its frames say so.
  if (const Guest* listed = config_.find_guest(name)) {
    Departed& departed = departed_[name];
    departed.last_sequence = doomed->registration().last_sequence();
    if (doomed->registration().state() == RegistrationState::superseded) departed.moved_at = scheduler_.now();
    expect(*listed);
  }
}

void HostAgent::unindex(const GuestEntry& g) {
  by_mac_.erase(g.desc().mac);
  by_home_address_.erase(g.desc().home_address);
  for (const auto& o : g.others()) by_home_address_.erase(o->address());
}

void HostAgent::on_frame(const ReceivedFrame& frame) {
  ++counters_.frames_received;
  if (frame.port == Port::uplink) {
    on_uplink_frame(frame);
  } else {
    on_guest_frame(frame);
  }
}

void HostAgent::on_uplink_frame(const ReceivedFrame& frame) {
  Ipv6Frame f;
  switch (parse_ipv6_frame(frame.frame, f)) {
    case FrameKind::not_ipv6:
      ++counters_.frames_ignored;
      return;
    case FrameKind::malformed:
      ++counters_.malformed_frames;
      receive_guard_.count_malformed(f);  // RFC 6275 6.3/6.4 reasons, by name
      return;
    case FrameKind::ipv6:
      break;
  }
  const auto& eth = f.eth;
  const auto& ip = f.ip;
  if (ip.dst() == host_.care_of_address && !f.chain.later_fragment) {
    if (f.chain.upper_protocol == wire::ipproto::mobility) {
      // RFC 8200 4.2/4.4 and RFC 6275 6.3/6.4/9.3.1 before acting (receive_guard.hpp).
      if (!receive_guard_.admit(Port::uplink, f, {host_.care_of_address, std::nullopt})) return;
      wire::MobilityPacket packet;
      if (const auto e = wire::decode_mobility_packet(ip, f.chain, packet); e != wire::Errc::ok) {
        count_undecodable(ip, f.chain, e);
        return;
      }
      on_mobility(packet, ip.src());
      return;
    }
    if (f.chain.upper_protocol == wire::ipproto::ipv6) {
      // The outer header's own options and routing headers first.
      if (!receive_guard_.admit(Port::uplink, f, {host_.care_of_address, std::nullopt})) return;
      on_tunnelled(f);
      return;
    }
  }
  if (f.chain.upper_protocol == wire::ipproto::icmpv6) {
    // The same for the solicitations of the care-of address it answers.
    if (solicitation_target(f) == host_.care_of_address &&
        !receive_guard_.admit(Port::uplink, f, {host_.care_of_address, std::nullopt}))
      return;
    const auto icmp = ip.packet().subspan(f.chain.upper_offset);
    const auto outcome = answer_neighbour_solicitation(
        writer_, Port::uplink, eth, ip, icmp, [this](const wire::Ip6Addr& t) -> std::optional<NeighbourAnswer> {
          if (t == host_.care_of_address)
            return NeighbourAnswer{io_.mac(Port::uplink), false, true, std::nullopt, std::nullopt};
          return std::nullopt;
        });
    if (outcome == NsOutcome::answered) ++counters_.ns_answered;
    if (outcome == NsOutcome::send_failed) ++counters_.send_failures;
    if (outcome == NsOutcome::not_solicitation || outcome == NsOutcome::not_ours) ++counters_.frames_ignored;
    return;
  }
  ++counters_.frames_ignored;
}

void HostAgent::on_tunnelled(const Ipv6Frame& outer) {
  // RFC 6275 6.1: the Home Agent sends a Binding Refresh Request (and any
  // other message to a home address but the BA) without a type 2 routing
  // header, so it reaches us tunnelled to the care-of address, addressed to
  // the home address. With the datapath, only those are punted here; the
  // rest of the tunnel is its business.
  const auto tunnel = wire::decapsulate(outer.ip.packet());
  if (!tunnel) {
    ++counters_.malformed_frames;
    return;
  }
  wire::ExtensionChain chain;
  if (wire::walk_extension_chain(tunnel->inner, chain) != wire::Errc::ok) {
    ++counters_.malformed_frames;
    return;
  }
  if (chain.upper_protocol != wire::ipproto::mobility || chain.later_fragment) {
    ++counters_.frames_ignored;
    return;
  }
  ++counters_.mh_tunnelled;
  // The inner packet is the one we act on: the same RFC 8200 rules.
  const Ipv6Frame inner{outer.eth, tunnel->inner, chain};
  if (!receive_guard_.admit(Port::uplink, inner, {host_.care_of_address, std::nullopt})) return;
  wire::MobilityPacket packet;
  if (const auto e = wire::decode_mobility_packet(tunnel->inner, chain, packet); e != wire::Errc::ok) {
    count_undecodable(tunnel->inner, chain, e);
    return;
  }
  on_mobility(packet, tunnel->outer_src);
}

void HostAgent::count_undecodable(const wire::Ipv6View& ip, const wire::ExtensionChain& chain, wire::Errc error) {
  // Name the message it claims to be, so that a BA with a bad checksum is
  // counted as a dropped BA and not only as a malformed frame.
  const auto mh = ip.packet().subspan(chain.upper_offset);
  const auto drop = error == wire::Errc::bad_mobility_header_checksum ? SignallingDrop::bad_checksum
                                                                       : SignallingDrop::malformed;
  const int type = mh.size() >= 3 ? mh[2] : -1;
  switch (type) {
    case wire::mh_type::binding_ack:
      ++counters_.ba_received;
      ++counters_.ba_dropped[static_cast<std::size_t>(drop)];
      return;
    case wire::mh_type::binding_refresh_request:
      ++counters_.brr_received;
      ++counters_.brr_dropped[static_cast<std::size_t>(drop)];
      return;
    case wire::mh_type::binding_error:
      ++counters_.be_received;
      ++counters_.be_dropped[static_cast<std::size_t>(drop)];
      return;
    default:
      ++counters_.malformed_frames;
      return;
  }
}

void HostAgent::log_refused(std::string_view message, const CheckResult& r, const wire::Ip6Addr& sender) {
  const bool keys_disagree = r.drop == SignallingDrop::unknown_spi || r.drop == SignallingDrop::bad_authenticator;
  LogRecord rec(log_, keys_disagree ? LogLevel::warning : LogLevel::debug, message);
  rec.kv("reason", name(r.drop)).kv("sender", sender);
  describe_authentication_failure(rec, r, "Home Agent");
}

bool HostAgent::from_home_agent(const GuestEntry& g, const wire::Ip6Addr& sender, const wire::Ip6Addr& source,
                                std::string_view message, HostCounters::Drops& drops) {
  const wire::Ip6Addr& home_agent = *g.home().home_agent;
  if (sender == home_agent && source == home_agent) return true;
  ++drops[static_cast<std::size_t>(SignallingDrop::not_from_home_agent)];
  LogRecord(log_, LogLevel::warning, message)
      .kv("reason", name(SignallingDrop::not_from_home_agent))
      .kv("guest", g.desc().name)
      .kv("sender", sender == home_agent ? source : sender)
      .kv("ha", home_agent);
  return false;
}

void HostAgent::on_mobility(const wire::MobilityPacket& packet, const wire::Ip6Addr& sender) {
  switch (packet.mh.type()) {
    case wire::mh_type::binding_ack:
      on_binding_ack(packet, sender);
      return;
    case wire::mh_type::binding_refresh_request:
      on_refresh_request(packet, sender);
      return;
    case wire::mh_type::binding_error:
      on_binding_error(packet, sender);
      return;
    case wire::mh_type::binding_revocation:
      on_binding_revocation(packet, sender);
      return;
    default:
      ++counters_.frames_ignored;
      return;
  }
}

void HostAgent::on_binding_revocation(const wire::MobilityPacket& packet, const wire::Ip6Addr& sender) {
  ++counters_.revocations_received;
  const auto drop = [this](SignallingDrop d) { ++counters_.revocations_dropped[static_cast<std::size_t>(d)]; };
  ReceivedRevocation bri;
  const CheckResult r = check_binding_revocation(packet, keys_, bri);
  if (!r.ok()) {
    drop(r.drop);
    log_refused("revocation_dropped", r, sender);
    return;
  }
  if (bri.destination != host_.care_of_address) {
    drop(SignallingDrop::misplaced_header);
    return;
  }
  if (!bri.timestamp) {
    drop(SignallingDrop::no_replay_protection);
    return;
  }
  // Who it is about: a guest paused here (the notice beat libvirt's
  // Stopped event), or one that already left (kept for the hand-over).
  GuestEntry* paused = nullptr;
  HandingOver* left = nullptr;
  wire::Ip6Addr home_agent;
  if (const auto it = by_home_address_.find(bri.home_address);
      it != by_home_address_.end() && !it->second->leaving()) {
    paused = it->second;
    home_agent = *paused->home().home_agent;
  } else if (HandingOver* h = find_handing_over(bri.home_address); h != nullptr) {
    left = h;
    home_agent = left->home_agent;
  } else {
    // Nothing of it here; answered so the Home Agent stops resending, but
    // only to the Home Agent of a site we know.
    const bool known_home_agent = std::any_of(config_.sites.begin(), config_.sites.end(), [&](const Site& s) {
      return s.home_agent && *s.home_agent == sender && sender == bri.source;
    });
    if (!known_home_agent) {
      drop(SignallingDrop::not_from_home_agent);
      return;
    }
    ++counters_.revocations_unknown_guest;
    send_revocation_ack(bri, wire::bra_status::binding_does_not_exist);
    return;
  }
  if (sender != home_agent || bri.source != home_agent) {
    drop(SignallingDrop::not_from_home_agent);
    LogRecord(log_, LogLevel::warning, "revocation_dropped")
        .kv("reason", name(SignallingDrop::not_from_home_agent))
        .kv("hoa", bri.home_address)
        .kv("sender", sender);
    return;
  }
  // RFC 4285 6 with the Home Agent's clock, as for a BRR.
  const auto skew = ntp_distance(*bri.timestamp, to_ntp_timestamp(scheduler_.wall_now()));
  const bool fresh = skew <= host_.replay_window &&
                     (paused != nullptr ? paused->accept_home_agent_time(*bri.timestamp)
                                        : *bri.timestamp > left->last_home_agent_time);
  if (!fresh) {
    drop(SignallingDrop::replayed);
    return;
  }
  if (paused != nullptr && !paused->paused()) {
    // It runs here: the binding is this host's to win back, not to hand over.
    ++counters_.revocations_guest_running;
    send_revocation_ack(bri, wire::bra_status::cannot_identify_binding);
    return;
  }
  const wire::Ip6Addr to = bri.new_care_of.value_or(wire::Ip6Addr{});
  ++counters_.revocations_forwarding;
  LogRecord(log_, LogLevel::info, "hand_over")
      .kv("guest", paused != nullptr ? paused->desc().name : left->name)
      .kv("hoa", bri.home_address)
      .kv("to", to == bri.home_address ? std::string("home") : to.to_string());
  if (paused != nullptr) {
    paused->hand_over_to(to);
  } else {
    left->last_home_agent_time = *bri.timestamp;
    left->path.forward_to = to;
    left->until = scheduler_.now() + hand_over_linger;
    fib_.set_guest(left->path);
    rearm_hand_over_timer();
  }
  send_revocation_ack(bri, wire::bra_status::success);
}

HostAgent::HandingOver* HostAgent::find_handing_over(const wire::Ip6Addr& address) {
  if (const auto it = handing_over_.find(address); it != handing_over_.end()) return &it->second;
  // One of a moved guest's other addresses (few guests hand over at once).
  for (auto& [hoa, h] : handing_over_) {
    const auto& others = h.path.other_home_addresses;
    if (std::find(others.begin(), others.end(), address) != others.end()) return &h;
  }
  return nullptr;
}

void HostAgent::send_revocation_ack(const ReceivedRevocation& indication, std::uint8_t status) {
  BindingRevocationAckSpec spec;
  spec.care_of_address = host_.care_of_address;
  spec.home_agent = indication.source;
  spec.home_address = indication.home_address;
  spec.sequence = indication.sequence;
  spec.status = status;
  spec.timestamp = to_ntp_timestamp(scheduler_.wall_now());
  const bool sent = writer_.send_ipv6(Port::uplink, site_.router_mac, [&](wire::MutableByteSpan buf) {
    return write_binding_revocation_ack(buf, spec, *sa_);
  });
  if (!sent) ++counters_.send_failures;
}

void HostAgent::on_binding_ack(const wire::MobilityPacket& packet, const wire::Ip6Addr& sender) {
  ++counters_.ba_received;
  const auto drop = [this](SignallingDrop d) { ++counters_.ba_dropped[static_cast<std::size_t>(d)]; };
  ReceivedBindingAck ba;
  const CheckResult r = check_binding_ack(packet, keys_, ba);
  if (!r.ok()) {
    drop(r.drop);
    log_refused("ba_dropped", r, sender);
    return;
  }
  const auto it = by_home_address_.find(ba.home_address);
  if (it == by_home_address_.end()) {
    ++counters_.ba_unknown_guest;
    return;
  }
  GuestEntry& g = *it->second;
  const wire::Ip6Addr& home_agent = *g.home().home_agent;
  // RFC 6275 11.7.3: a BA answers the BU we sent to that address, and only
  // that one. The authenticator does not cover the source, and a site's
  // hosts share a key: without this, any of them could bind or unbind
  // another host's guests.
  if (!from_home_agent(g, sender, ba.home_agent, "ba_dropped", counters_.ba_dropped)) return;
  const std::string guest = g.desc().name;
  const AckOutcome outcome = g.registration_for(ba.home_address)->on_binding_ack(
      {ba.status, ba.sequence, std::chrono::seconds(ba.lifetime_seconds), ba.timestamp});
  switch (outcome) {
    case AckOutcome::taken:
      if (ba.status == wire::ba_status::mipv6_id_mismatch)
        LogRecord(log_, LogLevel::warning, "clock_skew")
            .kv("guest", guest)
            .kv("ha", home_agent)
            .kv("detail", "\"the home agent refused our timestamp; resynchronised past its own. Check NTP on both\"");
      break;
    case AckOutcome::not_awaiting:
    case AckOutcome::not_ours:
      ++counters_.ba_ignored;
      break;
    case AckOutcome::no_timestamp:
      drop(SignallingDrop::no_replay_protection);
      break;
    case AckOutcome::replayed:
      drop(SignallingDrop::replayed);
      LogRecord(log_, LogLevel::warning, "ba_dropped")
          .kv("reason", name(SignallingDrop::replayed))
          .kv("guest", guest)
          .kv("seq", ba.sequence)
          .kv("detail", "\"its timestamp answers none of the Binding Updates outstanding\"");
      break;
  }
  forget_if_done(guest);
}

void HostAgent::on_refresh_request(const wire::MobilityPacket& packet, const wire::Ip6Addr& sender) {
  ++counters_.brr_received;
  const auto drop = [this](SignallingDrop d) { ++counters_.brr_dropped[static_cast<std::size_t>(d)]; };
  ReceivedRefreshRequest brr;
  const CheckResult r = check_binding_refresh_request(packet, host_.care_of_address, keys_, brr);
  if (!r.ok()) {
    drop(r.drop);
    log_refused("brr_dropped", r, sender);
    return;
  }
  const auto it = by_home_address_.find(brr.home_address);
  if (it == by_home_address_.end()) {
    ++counters_.brr_unknown_guest;
    return;
  }
  GuestEntry& g = *it->second;
  if (!from_home_agent(g, sender, brr.home_agent, "brr_dropped", counters_.brr_dropped)) return;
  if (!brr.timestamp) {
    drop(SignallingDrop::no_replay_protection);
    return;
  }
  if (!g.accept_home_agent_time(*brr.timestamp)) {
    drop(SignallingDrop::replayed);
    return;
  }
  ++counters_.brr_accepted;
  g.registration_for(brr.home_address)->on_refresh_request();
}

void HostAgent::on_binding_error(const wire::MobilityPacket& packet, const wire::Ip6Addr& sender) {
  ++counters_.be_received;
  const auto be = wire::BindingErrorView::from(packet.mh);
  if (!be) {
    ++counters_.be_dropped[static_cast<std::size_t>(SignallingDrop::malformed)];
    return;
  }
  // RFC 6275 6.1.9: the Home Address field names the home address of the
  // offending packet; a tunnelled BE is also addressed to it.
  const wire::Ip6Addr hoa = be->home_address().is_unspecified() ? packet.ip.dst() : be->home_address();
  const auto it = by_home_address_.find(hoa);
  if (it == by_home_address_.end()) {
    ++counters_.be_unknown_guest;
    return;
  }
  GuestEntry& g = *it->second;
  const wire::Ip6Addr& home_agent = *g.home().home_agent;
  if (!from_home_agent(g, sender, packet.ip.src(), "be_dropped", counters_.be_dropped)) return;
  ++counters_.be_accepted;
  LogRecord(log_, LogLevel::warning, "binding_error")
      .kv("guest", g.desc().name)
      .kv("ha", home_agent)
      .kv("status", be->status());
  // Status 1: the HA holds no binding for a packet we sent with a Home
  // Address option; register again. Status 2 (a Mobility Header type it
  // does not know) is not fixed by sending again.
  if (be->status() == wire::be_status::unknown_binding_for_home_address_option)
    g.registration_for(hoa)->on_binding_error();
}

void HostAgent::detect_resume(GuestEntry& g, TimePoint when) {
  if (g.paused() && !g.leaving()) {
    // Its frames right after the pause were in flight before it (the
    // switch's queues): only one heard well after it says it runs here
    // again (a failed migration whose Resumed event was missed).
    if (when - g.paused_at() < pause_leftovers) {
      ++counters_.frames_after_pause;
      return;
    }
    g.unpause();
    return;
  }
  if (g.resumed() || g.leaving()) return;
  ++counters_.resumes_detected;
  const auto wall = scheduler_.wall_now() - std::chrono::duration_cast<WallClock::duration>(scheduler_.now() - when);
  g.resume(wall);
}

void HostAgent::on_guest_frame(const ReceivedFrame& frame) {
  const auto eth = wire::EthernetView::parse(frame.frame);
  if (!eth) {
    ++counters_.malformed_frames;
    return;
  }
  auto it = by_mac_.find(eth->src());
  if (it == by_mac_.end()) {
    if (!recognise(eth->src(), frame.received)) {
      ++counters_.frames_ignored;
      return;
    }
    it = by_mac_.find(eth->src());
  }
  GuestEntry& g = *it->second;
  // Any frame from the guest's MAC (QEMU's RARP, an unsolicited NA) is the
  // earliest sure sign that it now runs here.
  detect_resume(g, frame.received);
  g.heard(frame.received);
  if (eth->ethertype() != wire::ethertype::ipv6) return;

  const auto ip = wire::Ipv6View::parse(eth->payload());
  if (!ip) {
    ++counters_.malformed_frames;
    return;
  }
  if (!g.away()) {
    // At home its frames go to the home link unread, and its DAD is the
    // home link's business. What the data path reports of them (a frame a
    // second) shows the addresses it uses, which go with it when it leaves
    // home (the domain's metadata).
    if (!ip->src().is_unspecified() && !ip->src().is_link_local()) g.learn_address(ip->src());
    return;
  }
  g.learn_link_local(ip->src());
  // A source of its home prefix the data path did not know as the guest's
  // (it reports such packets when learning is on): an address formed at a
  // host it came from.
  if (!ip->src().is_unspecified() && !ip->src().is_link_local()) g.learn_address(ip->src(), true);
  const auto chain = wire::walk_extension_chain(*ip);
  if (!chain || chain->upper_protocol != wire::ipproto::icmpv6 || chain->later_fragment) return;
  const auto icmp = ip->packet().subspan(chain->upper_offset);
  if (icmp.empty()) return;
  // The same rules before answering as the guest's home router (receive_guard.hpp).
  const Ipv6Frame received{*eth, *ip, *chain, wire::Errc::ok};
  const auto target = solicitation_target(received);
  if (target && icmp[0] == wire::icmpv6_type::neighbour_solicitation && ip->src().is_unspecified()) {
    // Duplicate Address Detection (RFC 4862 5.4): the guest forms an
    // address (SLAAC, a privacy address). One it may use here becomes its
    // own, bound like its home address, and the probe goes unanswered; any
    // other is answered below as taken, so the guest never uses an address
    // no packet would reach. Only a well-formed probe (RFC 4861 7.1.1) is
    // learned from.
    const auto ns = wire::parse_neighbour_solicitation(*ip, icmp);
    if (!ns) {
      ++counters_.malformed_frames;
      return;
    }
    if (ns->is_duplicate_address_detection() && ip->hop_limit() == 255 &&
        ip->dst() == wire::solicited_node_multicast(ns->target()))
      g.learn_address(ns->target());
  }
  const bool answered = icmp[0] == wire::icmpv6_type::router_solicitation || (target && g.answer_for(*target));
  if (answered && !receive_guard_.admit(Port::guests, received, {g.home().router_link_local, g.home().router_mac}))
    return;
  if (icmp[0] == wire::icmpv6_type::router_solicitation) {
    if (!wire::parse_router_solicitation(*ip, icmp)) {
      ++counters_.malformed_frames;
      return;
    }
    ++counters_.rs_answered;
    // RFC 4861 6.2.6: unicast to the soliciting host when it has an address.
    g.send_router_advertisement(ip->src().is_unspecified() ? std::nullopt : std::optional(ip->src()));
    return;
  }
  if (icmp[0] == wire::icmpv6_type::neighbour_solicitation) {
    const auto outcome = answer_neighbour_solicitation(
        writer_, Port::guests, *eth, *ip, icmp, [&g](const wire::Ip6Addr& t) { return g.answer_for(t); });
    if (outcome == NsOutcome::answered) ++counters_.ns_answered;
    if (outcome == NsOutcome::send_failed) ++counters_.send_failures;
    if (outcome == NsOutcome::invalid) ++counters_.malformed_frames;
  }
}

void HostAgent::report_switch_port(const std::string& name, const std::string& port,
                                   const SwitchPortState& state) {
  const auto it = guests_.find(name);
  if (it == guests_.end() || it->second->leaving())
    throw GuestCommandError("unknown_guest", "no guest called " + name + " is attached here");
  GuestEntry& g = *it->second;
  if (g.port() == port && g.switch_port() == state) return;
  const SwitchPortState before = g.switch_port();
  g.set_port(port);
  g.set_switch_port(state);
  if (state.spoofed_mac > before.spoofed_mac || state.spoofed_source > before.spoofed_source)
    LogRecord(log_, LogLevel::warning, "guest_spoofing")
        .kv("guest", name)
        .kv("port", port)
        .kv("spoofed_mac", state.spoofed_mac)
        .kv("spoofed_source", state.spoofed_source);
  const SwitchPortState quiet_before{before.ofport, before.flows, before.active, 0, 0};
  const SwitchPortState quiet_now{state.ofport, state.flows, state.active, 0, 0};
  if (quiet_before == quiet_now) return;
  LogRecord(log_, LogLevel::info, "guest_switch_port")
      .kv("guest", name)
      .kv("port", port)
      .kv("ofport", state.ofport ? std::to_string(*state.ofport) : std::string("-"))
      .kv("flows", state.flows.empty() ? std::string("-") : state.flows)
      .kv("status", state.active ? "active" : "inactive");
}

std::optional<GuestStatus> HostAgent::guest(const std::string& name) const {
  const auto it = guests_.find(name);
  if (it == guests_.end()) return std::nullopt;
  const GuestEntry& g = *it->second;
  GuestStatus s;
  s.guest = g.desc();
  s.port = g.port();
  s.switch_port = g.switch_port();
  s.away = g.away();
  s.resumed = g.resumed();
  s.paused = g.paused();
  s.migrating = g.migrating();
  s.resumed_at = g.resumed_at();
  s.bound_at = g.bound_at();
  const Registration& r = g.registration();
  s.state = r.state();
  s.last_sequence = r.last_sequence();
  s.granted_lifetime = r.granted_lifetime();
  if (r.binding_expires()) s.remaining_lifetime = *r.binding_expires() - scheduler_.now();
  s.transmissions = r.transmissions();
  s.last_status = r.last_status();
  s.home_agent = *g.home().home_agent;
  for (const auto& o : g.others()) {
    const Registration& other = o->registration();
    s.other_addresses.push_back({o->address(), other.state(), other.last_sequence(), o->bound()});
  }
  return s;
}

std::optional<GuestStatus> HostAgent::guest_by_home_address(const wire::Ip6Addr& hoa) const {
  const auto it = by_home_address_.find(hoa);
  if (it == by_home_address_.end()) return std::nullopt;
  return guest(it->second->desc().name);
}

std::vector<GuestStatus> HostAgent::guests() const {
  std::vector<GuestStatus> out;
  out.reserve(guests_.size());
  for (const auto& [name, g] : guests_) out.push_back(*guest(name));
  return out;
}

}  // namespace roam6::mip6d::host
