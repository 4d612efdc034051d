#pragma once
// The host role: acts as the mobile node for every guest running here whose
// home is another site (RFC 6275 section 11, proxied). Per guest:
//   - a Registration state machine (registration.hpp) that sends the BUs,
//   - home-link emulation on the guest port: Router Advertisements with the
//     home prefix from the home router's link-local address and MAC, and
//     Neighbour Advertisements for the home router and every other on-link
//     home address, so the guest's neighbour cache and default route stay
//     valid after a move,
//   - resume detection: the first frame from the guest's MAC on the guest
//     port (QEMU's RARP, an unsolicited NA, anything) is the earliest sure
//     sign it runs here,
//   - the data-plane path (ForwardingTable::set_guest).
// A guest at its home site is passed through; if the Home Agent may still
// hold a binding for it (it came from elsewhere), the binding is removed.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "mip6d/config/config.hpp"
#include "mip6d/host/registration.hpp"
#include "mip6d/io/forwarding_table.hpp"
#include "mip6d/io/frame_writer.hpp"
#include "mip6d/io/ipv6_frame.hpp"
#include "mip6d/io/packet_io.hpp"
#include "mip6d/runtime/log.hpp"
#include "mip6d/runtime/scheduler.hpp"
#include "mip6d/signalling/binding_messages.hpp"
#include "mip6d/signalling/key_ring.hpp"
#include "mip6d/signalling/neighbour_responder.hpp"
#include "mip6d/signalling/receive_guard.hpp"

namespace roam6::mip6d::host {

// A refused guest command; `code` is a control-protocol error code
// (unknown_guest, invalid_argument).
class GuestCommandError : public std::runtime_error {
 public:
  GuestCommandError(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  [[nodiscard]] const std::string& code() const noexcept { return code_; }

 private:
  std::string code_;
};

struct GuestDescription {
  std::string name;
  wire::MacAddr mac;
  wire::Ip6Addr home_address;
  std::string home_site;
};

// What the Open vSwitch plugin (roam6-vswitchd) reports about a guest's
// switch port; mip6d only shows it (guest.list) and logs its changes.
struct SwitchPortState {
  std::optional<std::uint32_t> ofport;  // OpenFlow port number, once OVS assigned one
  std::string flows;                    // "installed", "pending", "failed"; empty: never reported
  bool active = true;                   // external_ids:iface-status is not "inactive"
  // Frames the bridge dropped from this port: another source MAC, or IPv6
  // from a source address not the guest's.
  std::uint64_t spoofed_mac = 0;
  std::uint64_t spoofed_source = 0;
  bool operator==(const SwitchPortState&) const = default;
};

// A further address a guest uses that the host it comes from learned
// (host.learned_addresses), handed over with the migration like the home
// address's sequence number.
struct KnownAddress {
  wire::Ip6Addr address;
  std::optional<std::uint16_t> last_sequence;  // of its registration there
};

// One of a guest's addresses besides its home address (host.learned_addresses).
struct OtherAddressStatus {
  wire::Ip6Addr address;
  RegistrationState state = RegistrationState::idle;
  std::optional<std::uint16_t> last_sequence;
  bool bound = false;  // the Home Agent tunnels it to this host
};

struct GuestStatus {
  GuestDescription guest;
  std::string port;                 // guest-facing switch port, when known
  SwitchPortState switch_port;
  bool away = false;                // home site differs from this host's site
  bool resumed = false;             // runs here (resume seen)
  bool paused = false;              // paused here for a migration's last copy
  bool migrating = false;           // its migration away from here has begun
  std::optional<WallTime> resumed_at;
  std::optional<WallTime> bound_at;  // since when the HA tunnels to this host
  RegistrationState state = RegistrationState::idle;
  std::optional<std::uint16_t> last_sequence;
  std::chrono::seconds granted_lifetime{0};
  std::optional<Duration> remaining_lifetime;
  unsigned transmissions = 0;
  std::uint8_t last_status = 0;
  wire::Ip6Addr home_agent;
  std::vector<OtherAddressStatus> other_addresses;  // oldest first
};

struct HostCounters {
  using Drops = std::array<std::uint64_t, static_cast<std::size_t>(SignallingDrop::count_)>;
  std::uint64_t frames_received = 0;
  std::uint64_t frames_ignored = 0;
  std::uint64_t malformed_frames = 0;
  std::uint64_t mh_tunnelled = 0;  // MH from the HA to a home address, through the tunnel
  std::uint64_t bu_sent = 0;
  std::uint64_t ba_received = 0;
  Drops ba_dropped{};
  std::uint64_t ba_unknown_guest = 0;
  std::uint64_t ba_ignored = 0;  // late or repeated answers: nothing outstanding they answer
  std::uint64_t brr_received = 0;
  std::uint64_t brr_accepted = 0;
  Drops brr_dropped{};
  std::uint64_t brr_unknown_guest = 0;
  std::uint64_t be_received = 0;
  std::uint64_t be_accepted = 0;
  Drops be_dropped{};
  std::uint64_t be_unknown_guest = 0;
  std::uint64_t rs_answered = 0;
  std::uint64_t ra_sent = 0;
  std::uint64_t ns_answered = 0;
  std::uint64_t resumes_detected = 0;
  std::uint64_t guests_recognised = 0;  // listed guests attached by their first frame
  // Frames from a listed guest moments after it moved away, not taken as
  // its return (HostAgent::departure_quiet).
  std::uint64_t frames_after_departure = 0;
  // Frames from a guest moments after its pause, in flight before it: not
  // taken as its running here again (HostAgent::pause_leftovers).
  std::uint64_t frames_after_pause = 0;
  // Unsolicited NAs sent for a guest resumed at its home site, on its behalf.
  std::uint64_t home_announcements = 0;
  // Addresses learned from guests' Duplicate Address Detection
  // (host.learned_addresses), and given up for newer ones at the limit.
  std::uint64_t addresses_learned = 0;
  std::uint64_t addresses_given_up = 0;
  // ... and refused by the Home Agent because another guest (another MAC)
  // holds a binding for them (134).
  std::uint64_t addresses_refused = 0;
  // Hand-over forwarding (zero-loss moves).
  std::uint64_t guests_paused = 0;
  std::uint64_t guests_migrating = 0;  // migrations away that began (guest.migrating)
  std::uint64_t migrations_not_paused = 0;  // ... and were not paused within migrating_limit
  std::uint64_t revocations_received = 0;     // Binding Revocation Indications
  Drops revocations_dropped{};
  std::uint64_t revocations_forwarding = 0;   // accepted: forwarding to the new host
  std::uint64_t revocations_unknown_guest = 0;  // answered 128: nothing held here for it
  std::uint64_t revocations_guest_running = 0;  // answered 131: the guest runs here
  std::uint64_t hand_overs_expired = 0;       // held for a moved guest, no notice came
  std::uint64_t send_failures = 0;
  ReceiveCheckCounters receive_checks;  // RFC 8200 / RFC 6275 discards (receive_guard.hpp)
};

class HostAgent {
 public:
  // How long after a guest moved away its own frames are not taken as its
  // return (a listed guest is recognised by them otherwise). A migration
  // back takes seconds; late frames arrive within milliseconds. An explicit
  // guest.attach always counts at once.
  static constexpr Duration departure_quiet = std::chrono::seconds(2);
  // Hand-over forwarding: a guest that moved away stays in the data path,
  // its packets held, this long for the Home Agent's notice of where it
  // went; after the notice, its packets are forwarded there this long.
  static constexpr Duration hand_over_wait = std::chrono::seconds(3);
  static constexpr Duration hand_over_linger = std::chrono::seconds(3);
  // How long after a guest's pause its frames are taken as leftovers still
  // in flight through the switch, not as its running here again (which
  // libvirt's Resumed event says at once; frames only when that was missed).
  static constexpr Duration pause_leftovers = std::chrono::milliseconds(500);
  // What the data path delivered to a migrating guest since this long
  // before QEMU stopped it is held again at its pause: what sat unread in
  // its tap dies with the source QEMU. The guest may have read some, which
  // then reach it twice (counted by whoever receives them, allowed):
  // a loaded QEMU was seen 7.5 ms behind its tap under TCG, and this
  // costs 20 duplicates at 1 kHz, at most the ring (512) at any rate.
  static constexpr Duration replay_before_stop = std::chrono::milliseconds(20);
  // Without QEMU's stop time, the pause request's arrival stands for it:
  // libvirt's Suspended event comes 1-20 ms after the stop.
  static constexpr Duration replay_before_pause = std::chrono::milliseconds(50);
  // A guest said to be migrating away that is not paused within this long
  // stops being remembered for (the migration failed before its last copy).
  static constexpr Duration migrating_limit = std::chrono::minutes(10);

  HostAgent(const Config& config, Scheduler& scheduler, PacketIo& io, ForwardingTable& fib,
            const Logger& log, RegistrationTiming timing = {});
  ~HostAgent();

  void start();

  // Takes a reloaded configuration. `config` is the object the agent was
  // built with, its run-time keys updated in place by the daemon
  // (daemon/config_reload.hpp). Rebuilds the key ring (host.key may name
  // another key now), asks for host.requested_lifetime from each guest's
  // next BU on, and re-announces the home link (router address, MAC, MTU)
  // to the guests and the data plane.
  void reconfigure(const Config& config);

  // A guest arrives (is expected) here. `description` for a guest not in
  // the configuration; for a listed one it must match. Attaching a guest
  // already attached updates its hand-over sequence only. `learned`: its
  // further addresses the previous host knew, registered with it as it
  // resumes here (only as many as host.learned_addresses allows).
  // Throws GuestCommandError.
  void attach(const std::string& name, const std::optional<GuestDescription>& description,
              std::optional<std::uint16_t> last_sequence, const std::string& port = {},
              const std::vector<KnownAddress>& learned = {});
  // The switch plugin's view of the guest's port changed. Throws
  // GuestCommandError (unknown_guest) for a guest not attached here.
  void report_switch_port(const std::string& name, const std::string& port, const SwitchPortState& state);
  // The guest runs here now (migration hook, QMP RESUME, or our own detection).
  void resume(const std::string& name, WallTime when);
  // The guest is paused here for the last step of a live migration
  // (libvirt's Suspended event): the data path holds its packets until it
  // resumes here or the Home Agent says where it went. Throws
  // GuestCommandError (unknown_guest; invalid_argument when it does not run
  // here).
  // `stopped_at`: when QEMU stopped it (its STOP event), if known.
  void pause(const std::string& name, std::optional<WallTime> stopped_at = std::nullopt);
  // The guest's live migration away from here began (libvirt's migration
  // iteration event): the data path remembers what it delivers to it until
  // its pause, when what QEMU may have left unread is held again. Throws
  // GuestCommandError (unknown_guest; invalid_argument when it does not run
  // here).
  void migrating(const std::string& name);
  // The guest left: moved to another host (say nothing) or stopped
  // (deregister its binding). The guest is forgotten afterwards, except
  // while a deregistration is still in flight. Returns the last sequence
  // number used for it: the migration step hands it to the next host.
  std::optional<std::uint16_t> detach(const std::string& name, bool deregister);

  [[nodiscard]] std::vector<GuestStatus> guests() const;
  [[nodiscard]] std::optional<GuestStatus> guest(const std::string& name) const;
  [[nodiscard]] std::optional<GuestStatus> guest_by_home_address(const wire::Ip6Addr& hoa) const;
  [[nodiscard]] const HostCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const HostConfig& settings() const noexcept { return host_; }

 private:
  class GuestEntry;
  friend class GuestEntry;

  void on_frame(const ReceivedFrame& frame);
  void on_uplink_frame(const ReceivedFrame& frame);
  void on_guest_frame(const ReceivedFrame& frame);
  void on_tunnelled(const Ipv6Frame& outer);
  // `sender`: the IPv6 source that delivered it to us (the outer source of
  // a tunnelled message); both it and the message's own source must be the
  // guest's Home Agent.
  void on_mobility(const wire::MobilityPacket& packet, const wire::Ip6Addr& sender);
  void on_binding_ack(const wire::MobilityPacket& packet, const wire::Ip6Addr& sender);
  void on_refresh_request(const wire::MobilityPacket& packet, const wire::Ip6Addr& sender);
  void on_binding_error(const wire::MobilityPacket& packet, const wire::Ip6Addr& sender);
  void on_binding_revocation(const wire::MobilityPacket& packet, const wire::Ip6Addr& sender);
  void send_revocation_ack(const ReceivedRevocation& indication, std::uint8_t status);
  // A guest that moved away: keep its data path holding (hand-over forwarding).
  void keep_for_hand_over(const GuestEntry& g);
  void on_hand_over_timer();
  void rearm_hand_over_timer();
  void count_undecodable(const wire::Ipv6View& ip, const wire::ExtensionChain& chain, wire::Errc error);
  void log_refused(std::string_view message, const CheckResult& r, const wire::Ip6Addr& sender);
  // Whether both the address that delivered a message and its own source
  // are the guest's Home Agent; counts and logs the real sender when not.
  bool from_home_agent(const GuestEntry& g, const wire::Ip6Addr& sender, const wire::Ip6Addr& source,
                       std::string_view message, HostCounters::Drops& drops);
  // Listed guests ([[guests]]) not attached here: their first frame on the
  // guest port attaches them.
  void expect(const Guest& guest);
  bool recognise(const wire::MacAddr& mac, TimePoint when);
  void detect_resume(GuestEntry& g, TimePoint when);
  GuestEntry& require(const std::string& name);
  // Drops the guest's MAC and every address of it from the indexes.
  void unindex(const GuestEntry& g);
  void forget_if_done(const std::string& name);

  const Config& config_;
  const HostConfig& host_;
  const Site& site_;  // where this host stands
  Scheduler& scheduler_;
  PacketIo& io_;
  ForwardingTable& fib_;
  const Logger& log_;
  RegistrationTiming timing_;
  KeyRing keys_;
  KeyRing::Entry* sa_;
  FrameWriter writer_;
  HostCounters counters_;
  ReceiveGuard receive_guard_;  // after counters_ and writer_, which it uses

  std::map<std::string, std::unique_ptr<GuestEntry>> guests_;
  std::unordered_map<wire::MacAddr, GuestEntry*> by_mac_;
  std::unordered_map<wire::Ip6Addr, GuestEntry*> by_home_address_;  // every address of each guest
  // By name, never by pointer: a reload replaces the [[guests]] list.
  std::unordered_map<wire::MacAddr, std::string> expected_by_mac_;
  // A listed guest that left: the sequence number it last used here, for
  // when it returns, and when it left for another host. Frames from its MAC
  // shortly after that are late ones (queued in the switch while it moved):
  // recognising it by them would register it back here and take the binding
  // from the host it now runs on.
  struct Departed {
    std::optional<std::uint16_t> last_sequence;
    std::optional<TimePoint> moved_at;
  };
  std::unordered_map<std::string, Departed> departed_;
  // Guests that moved away whose packets are held or forwarded, by home
  // address: the data path entry, kept after the guest entry is gone.
  struct HandingOver {
    GuestPath path;
    wire::Ip6Addr home_agent;
    std::string name;
    TimePoint until;
    std::uint64_t last_home_agent_time = 0;
  };
  std::unordered_map<wire::Ip6Addr, HandingOver> handing_over_;
  // By any of the moved guest's addresses; nullptr: none.
  HandingOver* find_handing_over(const wire::Ip6Addr& address);
  std::unique_ptr<Timer> hand_over_timer_;
};

}  // namespace roam6::mip6d::host
