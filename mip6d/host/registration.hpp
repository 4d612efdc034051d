#pragma once
// The host-side binding update list entry for one away guest (RFC 6275
// section 11.7 as it applies when the host acts as the guest's mobile node):
// an explicit state machine with named states and events, in the style of
// SHISA. It decides *when* to send which Binding Update; the owner builds and
// sends the packet and programs the data plane.
//
//   idle --start--> registering --accepted--> bound --refresh due / BRR-->
//   refreshing --accepted--> bound
//   registering/refreshing --timeout--> same state, timeout doubled (max 32 s)
//   registering --135--> registering (sequence resynchronised, resent at once)
//                        if the guest runs here, else superseded
//   refreshing --135--> superseded (another host holds the binding)
//   registering/refreshing/deregistering --144--> same state (timestamp
//                        resynchronised past the HA's, resent at once)
//   any but idle --leave(deregister)--> deregistering --accepted/given up--> idle
//   idle --leave(deregister)--> idle (nothing was registered from here)
//   any --came home--> deregistering (removes the binding of the host it came from;
//                      a 135 resynchronises and resends, as the guest runs here)
//   any --leave(moved)--> superseded
//   refreshing --lifetime over--> registering (the HA has dropped the binding)
//   any --128+ refusal--> refused --32 s--> registering; after 130 (the HA's
//                      store is down) the wait is 1 s, doubling to 32 s

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mip6d/runtime/scheduler.hpp"

namespace roam6::mip6d::host {

enum class RegistrationState : std::uint8_t {
  idle,           // nothing registered from this host
  registering,    // first BU for this arrival sent, waiting for the BA
  bound,          // the HA accepted; refresh timer running
  refreshing,     // refresh BU sent, binding still valid
  deregistering,  // lifetime-0 BU sent, waiting for the BA
  superseded,     // another host registered the guest after us; silent
  refused,        // the HA refused; retry after the maximum back-off (130: sooner)
};

enum class RegistrationEvent : std::uint8_t {
  start,                 // the guest runs here (or arrived here): register
  ack_accepted,          // BA status < 128 for our outstanding sequence
  ack_out_of_window,     // BA status 135
  ack_timestamp_refused, // BA status 144: our timestamp was stale or skewed
  ack_refused,           // any other BA status >= 128
  retransmit_timeout,    // no BA in time
  refresh_due,           // granted lifetime nearly used up
  refresh_requested,     // Binding Refresh Request from the HA
  binding_error,         // Binding Error from the HA
  leave_deregister,      // guest stopped here or came home: remove the binding
  leave_moved,           // guest moved to another host: say nothing
};

std::string_view name(RegistrationState s) noexcept;
std::string_view name(RegistrationEvent e) noexcept;

// RFC 6275 section 13 constants and the refresh policy.
struct RegistrationTiming {
  Duration first_registration_timeout = std::chrono::milliseconds(1500);  // InitialBindackTimeoutFirstReg
  Duration initial_timeout = std::chrono::seconds(1);                     // INITIAL_BINDACK_TIMEOUT
  Duration max_timeout = std::chrono::seconds(32);                        // MAX_BINDACK_TIMEOUT
  // Refresh when this fraction of the granted lifetime has passed, but at
  // least refresh_margin before expiry.
  double refresh_fraction = 0.75;
  Duration refresh_margin = std::chrono::seconds(4);
  // Deregistration is retried this many times, then given up (the binding
  // expires at the HA anyway).
  unsigned max_deregistration_attempts = 5;
};

// What a Binding Update must say; the owner turns it into a packet.
struct BindingUpdateOrder {
  std::uint16_t sequence = 0;
  std::chrono::seconds lifetime{0};  // 0: deregistration
  bool deregistration = false;
  // RFC 4285 6 replay protection, NTP format: our clock, but always newer
  // than any we sent before and than what the HA told us to beat.
  std::uint64_t timestamp = 0;
};

// What the state machine asks of its owner.
class RegistrationOwner {
 public:
  virtual ~RegistrationOwner() = default;
  virtual void send_binding_update(const BindingUpdateOrder& order) = 0;
  // The HA now tunnels to us (true) or no longer does (false).
  virtual void binding_active(bool active) = 0;
  virtual void log_transition(RegistrationState from, RegistrationEvent event,
                              RegistrationState to, std::string_view detail) = 0;
  // Whether the guest is running here right now (heard from on the guest
  // port moments ago). Decides who may take a binding over when the HA says
  // another host registered it later (status 135): only the host where the
  // guest actually runs, never one it has left.
  [[nodiscard]] virtual bool guest_runs_here() const = 0;
};

struct AckInfo {
  std::uint8_t status = 0;
  std::uint16_t sequence = 0;
  std::chrono::seconds lifetime{0};
  std::optional<std::uint64_t> timestamp;  // its Replay Protection option
};

// What became of a BA (authenticated, from the HA) handed to the machine.
enum class AckOutcome : std::uint8_t {
  taken,            // it answered an outstanding BU and moved the machine
  not_awaiting,     // no BU outstanding: a late or repeated answer
  not_ours,         // sequence number of no outstanding BU
  no_timestamp,     // RFC 4285: a BA must carry the Replay Protection option
  replayed,         // echoes no timestamp we sent for what is outstanding
};

class Registration {
 public:
  // `last_sequence`: the last sequence number used for this guest by the host
  // it came from, when the migration step handed it over.
  Registration(Scheduler& scheduler, RegistrationOwner& owner, RegistrationTiming timing,
               std::chrono::seconds requested_lifetime, std::optional<std::uint16_t> last_sequence);

  void start();
  // The migration step handed over the last sequence number the previous
  // host used: continue after it. Only before this host has sent anything.
  void continue_after(std::uint16_t last_sequence);
  // A BA arrived for this guest. BAs for another sequence than the
  // outstanding one are ignored (late answers to earlier BUs), except 135
  // which carries the HA's last accepted number. Any status but 144 must
  // echo the timestamp of a BU outstanding now (RFC 4285 6): a BA recorded
  // earlier and replayed can never complete a newer registration. 144
  // carries the HA's clock instead; it only ever makes our next timestamp
  // larger, so a replayed one does no harm.
  AckOutcome on_binding_ack(const AckInfo& ack);
  void on_refresh_request();
  void on_binding_error();
  // The guest left this host: moved to another (say nothing) or stopped
  // (deregister what this host registered; nothing when it never did).
  void leave(bool deregister);
  // The guest runs at its home site, on this host: whoever registered it
  // last (the host it came from), its binding goes.
  void came_home();
  // A reloaded configuration's host.requested_lifetime: asked for from the
  // next Binding Update on (refresh or new registration); the binding held
  // now keeps the lifetime it was granted.
  void set_requested_lifetime(std::chrono::seconds lifetime) noexcept {
    requested_lifetime_ = lifetime;
  }

  [[nodiscard]] RegistrationState state() const noexcept { return state_; }
  // The last sequence number this host sent (for hand-over to the next host).
  [[nodiscard]] std::optional<std::uint16_t> last_sequence() const noexcept { return last_sent_; }
  [[nodiscard]] std::chrono::seconds granted_lifetime() const noexcept { return granted_; }
  [[nodiscard]] std::optional<TimePoint> binding_expires() const noexcept { return expires_; }
  [[nodiscard]] std::optional<TimePoint> next_timer() const;
  [[nodiscard]] unsigned transmissions() const noexcept { return transmissions_; }
  [[nodiscard]] std::uint8_t last_status() const noexcept { return last_status_; }
  [[nodiscard]] std::uint64_t last_sent_timestamp() const noexcept { return last_sent_timestamp_; }

 private:
  void send_deregistration();
  void on_timer();
  void send_new(BindingUpdateOrder order, Duration first_timeout);
  std::uint64_t take_timestamp();
  void retransmit();
  void arm_retransmit();
  void enter(RegistrationState next, RegistrationEvent event, std::string_view detail);
  void arm_refresh();
  std::uint16_t take_sequence();

  Scheduler& scheduler_;
  RegistrationOwner& owner_;
  RegistrationTiming timing_;
  std::chrono::seconds requested_lifetime_;
  std::unique_ptr<Timer> timer_;

  RegistrationState state_ = RegistrationState::idle;
  std::uint16_t next_sequence_;
  std::uint16_t first_outstanding_ = 0;  // oldest sequence still awaiting a BA
  TimePoint sent_at_{};                  // of the newest transmission
  unsigned resyncs_ = 0;                 // 135 recoveries in this registration
  Duration busy_backoff_{};              // wait after the last 130 refusal (doubles, reset on accept)
  bool returning_home_ = false;          // the deregistration is came_home()'s
  std::optional<std::uint16_t> last_sent_;
  std::uint64_t first_outstanding_timestamp_ = 0;  // of the BU first_outstanding_ names
  std::uint64_t last_sent_timestamp_ = 0;
  std::uint64_t timestamp_floor_ = 0;              // from the HA's 144: ours must be newer
  BindingUpdateOrder outstanding_{};
  Duration current_timeout_{};
  unsigned attempts_ = 0;          // of the outstanding BU
  unsigned transmissions_ = 0;     // total BUs sent
  std::chrono::seconds granted_{0};
  std::optional<TimePoint> expires_;
  std::uint8_t last_status_ = 0;
};

}  // namespace roam6::mip6d::host
