#include "mip6d/host/registration.hpp"

#include <algorithm>
#include <random>

#include "mip6d/signalling/ntp_timestamp.hpp"
#include "mip6d/signalling/sequence.hpp"

namespace roam6::mip6d::host {

namespace {
constexpr std::uint8_t status_sequence_out_of_window = 135;
constexpr std::uint8_t status_id_mismatch = 144;  // RFC 4285 MIPV6-ID-MISMATCH
constexpr std::uint8_t first_refusal_status = 128;
constexpr std::uint8_t status_insufficient_resources = 130;
// A 135 answer is followed at once by a resynchronised BU; bound how often
// per registration so two misbehaving peers cannot ping-pong forever.
constexpr unsigned max_resyncs = 3;
}  // namespace

std::string_view name(RegistrationState s) noexcept {
  switch (s) {
    case RegistrationState::idle: return "idle";
    case RegistrationState::registering: return "registering";
    case RegistrationState::bound: return "bound";
    case RegistrationState::refreshing: return "refreshing";
    case RegistrationState::deregistering: return "deregistering";
    case RegistrationState::superseded: return "superseded";
    case RegistrationState::refused: return "refused";
  }
  return "?";
}

std::string_view name(RegistrationEvent e) noexcept {
  switch (e) {
    case RegistrationEvent::start: return "start";
    case RegistrationEvent::ack_accepted: return "ack_accepted";
    case RegistrationEvent::ack_out_of_window: return "ack_out_of_window";
    case RegistrationEvent::ack_timestamp_refused: return "ack_timestamp_refused";
    case RegistrationEvent::ack_refused: return "ack_refused";
    case RegistrationEvent::retransmit_timeout: return "retransmit_timeout";
    case RegistrationEvent::refresh_due: return "refresh_due";
    case RegistrationEvent::refresh_requested: return "refresh_requested";
    case RegistrationEvent::binding_error: return "binding_error";
    case RegistrationEvent::leave_deregister: return "leave_deregister";
    case RegistrationEvent::leave_moved: return "leave_moved";
  }
  return "?";
}

Registration::Registration(Scheduler& scheduler, RegistrationOwner& owner,
                           RegistrationTiming timing, std::chrono::seconds requested_lifetime,
                           std::optional<std::uint16_t> last_sequence)
    : scheduler_(scheduler),
      owner_(owner),
      timing_(timing),
      requested_lifetime_(requested_lifetime),
      timer_(scheduler.make_timer([this] { on_timer(); })) {
  if (last_sequence) {
    next_sequence_ = static_cast<std::uint16_t>(*last_sequence + 1);
  } else {
    // Unknown history: any start works, the HA answers 135 with its number
    // when ours is behind (one extra round trip).
    std::random_device rd;
    next_sequence_ = static_cast<std::uint16_t>(rd());
  }
}

std::optional<TimePoint> Registration::next_timer() const {
  if (!timer_->armed()) return std::nullopt;
  return timer_->deadline();
}

std::uint16_t Registration::take_sequence() {
  // Every transmission, retransmissions included, carries a new number
  // (RFC 6275 section 11.8), so a BA lost after acceptance cannot make the
  // retransmission look stale.
  const std::uint16_t s = next_sequence_++;
  last_sent_ = s;
  return s;
}

std::uint64_t Registration::take_timestamp() {
  const std::uint64_t t =
      std::max({to_ntp_timestamp(scheduler_.wall_now()), timestamp_floor_ + 1, last_sent_timestamp_ + 1});
  last_sent_timestamp_ = t;
  return t;
}

void Registration::enter(RegistrationState next, RegistrationEvent event, std::string_view detail) {
  const RegistrationState from = state_;
  state_ = next;
  owner_.log_transition(from, event, next, detail);
}

void Registration::send_new(BindingUpdateOrder order, Duration first_timeout) {
  order.sequence = take_sequence();
  order.timestamp = take_timestamp();
  first_outstanding_ = order.sequence;
  first_outstanding_timestamp_ = order.timestamp;
  outstanding_ = order;
  attempts_ = 1;
  ++transmissions_;
  current_timeout_ = first_timeout;
  sent_at_ = scheduler_.now();
  owner_.send_binding_update(order);
  arm_retransmit();
}

void Registration::retransmit() {
  outstanding_.sequence = take_sequence();
  outstanding_.timestamp = take_timestamp();
  ++attempts_;
  ++transmissions_;
  current_timeout_ = std::min(current_timeout_ * 2, timing_.max_timeout);
  sent_at_ = scheduler_.now();
  owner_.send_binding_update(outstanding_);
  arm_retransmit();
}

void Registration::arm_retransmit() {
  TimePoint at = sent_at_ + current_timeout_;
  // While refreshing, the binding's own expiry may come first: notice it then.
  if (state_ == RegistrationState::refreshing && expires_) at = std::min(at, *expires_);
  timer_->arm_at(at);
}

void Registration::arm_refresh() {
  const auto lifetime = std::chrono::duration_cast<Duration>(granted_);
  const auto by_fraction = std::chrono::duration_cast<Duration>(lifetime * timing_.refresh_fraction);
  TimePoint at = std::min(sent_at_ + by_fraction, *expires_ - timing_.refresh_margin);
  at = std::max(at, scheduler_.now());
  timer_->arm_at(at);
}

void Registration::continue_after(std::uint16_t last_sequence) {
  if (state_ != RegistrationState::idle || last_sent_) return;
  next_sequence_ = static_cast<std::uint16_t>(last_sequence + 1);
}

void Registration::start() {
  switch (state_) {
    case RegistrationState::idle:
    case RegistrationState::superseded:
    case RegistrationState::refused:
    case RegistrationState::deregistering:
      resyncs_ = 0;
      enter(RegistrationState::registering, RegistrationEvent::start, "");
      send_new({0, requested_lifetime_, false, 0}, timing_.first_registration_timeout);
      return;
    case RegistrationState::registering:
    case RegistrationState::bound:
    case RegistrationState::refreshing:
      return;  // already on it
  }
}

AckOutcome Registration::on_binding_ack(const AckInfo& ack) {
  const bool awaiting = state_ == RegistrationState::registering ||
                        state_ == RegistrationState::refreshing ||
                        state_ == RegistrationState::deregistering;
  if (!awaiting || !last_sent_) return AckOutcome::not_awaiting;
  if (!ack.timestamp) return AckOutcome::no_timestamp;
  const bool ours = sequence_in_window(ack.sequence, first_outstanding_, *last_sent_);

  if (ack.status == status_id_mismatch) {
    // The HA refused our timestamp: its clock and ours disagree by more
    // than its window, or another host's last accepted BU is newer. It sent
    // the number to beat; go past it at once, a bounded number of times.
    if (!ours) return AckOutcome::not_ours;
    last_status_ = ack.status;
    timestamp_floor_ = std::max(timestamp_floor_, *ack.timestamp);
    if (resyncs_ < max_resyncs) {
      ++resyncs_;
      const Duration timeout = state_ == RegistrationState::registering ? timing_.first_registration_timeout
                                                                        : timing_.initial_timeout;
      enter(state_, RegistrationEvent::ack_timestamp_refused, "timestamp resynchronised past the HA's");
      send_new({0, outstanding_.lifetime, outstanding_.deregistration, 0}, timeout);
      return AckOutcome::taken;
    }
    // Still refused: fall through to the general refusal below.
  } else {
    // Every other answer echoes the timestamp of the BU it answers, one of
    // those outstanding now (their timestamps only grow).
    const bool echoed = *ack.timestamp >= first_outstanding_timestamp_ && *ack.timestamp <= last_sent_timestamp_;
    if (ack.status != status_sequence_out_of_window && !ours) return AckOutcome::not_ours;
    if (!echoed) return AckOutcome::replayed;
  }
  last_status_ = ack.status;

  if (ack.status == status_sequence_out_of_window) {
    // The HA holds a binding at least as new as our BU. Only a host where
    // the guest runs right now continues from the HA's number and takes the
    // binding (a new arrival that was not handed the sequence). Anyone else
    // falls silent: the guest has moved on, and fighting would steal it back.
    // (Matching our own window is no proof the binding is ours: two hosts
    // can send the same number.)
    if (state_ == RegistrationState::registering && resyncs_ < max_resyncs && owner_.guest_runs_here()) {
      ++resyncs_;
      next_sequence_ = static_cast<std::uint16_t>(ack.sequence + 1);
      enter(state_, RegistrationEvent::ack_out_of_window,
            "resynchronised after HA's last accepted " + std::to_string(ack.sequence));
      send_new({0, requested_lifetime_, false, 0}, timing_.first_registration_timeout);
      return AckOutcome::taken;
    }
    // Back at home, where it runs now, the guest's old binding must go
    // whoever made it: a 135 only says our number was behind.
    if (state_ == RegistrationState::deregistering && returning_home_ && resyncs_ < max_resyncs &&
        owner_.guest_runs_here()) {
      ++resyncs_;
      next_sequence_ = static_cast<std::uint16_t>(ack.sequence + 1);
      enter(state_, RegistrationEvent::ack_out_of_window,
            "home: resynchronised after HA's last accepted " + std::to_string(ack.sequence));
      send_new({0, std::chrono::seconds(0), true, 0}, timing_.initial_timeout);
      return AckOutcome::taken;
    }
    next_sequence_ = static_cast<std::uint16_t>(ack.sequence + 1);
    timer_->cancel();
    const bool was_active = expires_.has_value();
    expires_.reset();
    if (was_active) owner_.binding_active(false);
    enter(state_ == RegistrationState::deregistering ? RegistrationState::idle : RegistrationState::superseded,
          RegistrationEvent::ack_out_of_window,
          "HA holds a newer binding (last accepted " + std::to_string(ack.sequence) + ")");
    return AckOutcome::taken;
  }

  if (ack.status >= first_refusal_status) {
    timer_->cancel();
    expires_.reset();
    owner_.binding_active(false);
    if (state_ == RegistrationState::deregistering) {
      enter(RegistrationState::idle, RegistrationEvent::ack_refused,
            "status " + std::to_string(ack.status));
      return AckOutcome::taken;
    }
    // 130 is the Home Agent's "not now": its store could not take the
    // change (etcd unreachable, docs/cluster.md). Retry soon, backing off
    // as for a lost BA, rather than wait out MAX_BINDACK_TIMEOUT.
    Duration wait = timing_.max_timeout;
    if (ack.status == status_insufficient_resources) {
      busy_backoff_ = busy_backoff_ == Duration::zero() ? timing_.initial_timeout
                                                        : std::min(busy_backoff_ * 2, timing_.max_timeout);
      wait = busy_backoff_;
    }
    enter(RegistrationState::refused, RegistrationEvent::ack_refused,
          "status " + std::to_string(ack.status));
    timer_->arm_at(scheduler_.now() + wait);
    return AckOutcome::taken;
  }

  // Accepted.
  if (state_ == RegistrationState::deregistering || ack.lifetime.count() == 0) {
    timer_->cancel();
    expires_.reset();
    granted_ = std::chrono::seconds(0);
    owner_.binding_active(false);
    enter(RegistrationState::idle, RegistrationEvent::ack_accepted, "deregistered");
    return AckOutcome::taken;
  }
  const bool was_active = expires_.has_value();
  resyncs_ = 0;
  busy_backoff_ = Duration::zero();
  granted_ = std::min(ack.lifetime, requested_lifetime_);
  // The lifetime runs from when the BU was sent (RFC 6275 section 11.7.3).
  expires_ = sent_at_ + granted_;
  if (!was_active) owner_.binding_active(true);
  enter(RegistrationState::bound, RegistrationEvent::ack_accepted,
        "lifetime " + std::to_string(granted_.count()) + "s");
  arm_refresh();
  return AckOutcome::taken;
}

void Registration::on_refresh_request() {
  if (state_ != RegistrationState::bound) return;
  enter(RegistrationState::refreshing, RegistrationEvent::refresh_requested, "");
  send_new({0, requested_lifetime_, false, 0}, timing_.initial_timeout);
}

void Registration::on_binding_error() {
  if (state_ != RegistrationState::bound && state_ != RegistrationState::refreshing) return;
  // The HA has no binding for us: register again from scratch.
  expires_.reset();
  owner_.binding_active(false);
  resyncs_ = 0;
  enter(RegistrationState::registering, RegistrationEvent::binding_error, "");
  send_new({0, requested_lifetime_, false, 0}, timing_.first_registration_timeout);
}

void Registration::leave(bool deregister_binding) {
  if (!deregister_binding) {
    timer_->cancel();
    const bool was_active = expires_.has_value();
    expires_.reset();
    if (was_active) owner_.binding_active(false);
    enter(RegistrationState::superseded, RegistrationEvent::leave_moved, "");
    return;
  }
  if (state_ == RegistrationState::deregistering || state_ == RegistrationState::superseded) return;
  // Never registered from here (an incoming migration that failed before the
  // guest ran here): the binding the HA holds is another host's, and a
  // deregistration with a number newer than its would remove it.
  if (state_ == RegistrationState::idle) return;
  send_deregistration();
}

void Registration::came_home() {
  if (state_ == RegistrationState::deregistering) return;
  returning_home_ = true;
  resyncs_ = 0;
  send_deregistration();
}

void Registration::send_deregistration() {
  const bool was_active = expires_.has_value();
  expires_.reset();
  if (was_active) owner_.binding_active(false);
  enter(RegistrationState::deregistering, RegistrationEvent::leave_deregister, "");
  send_new({0, std::chrono::seconds(0), true, 0}, timing_.initial_timeout);
}

void Registration::on_timer() {
  switch (state_) {
    case RegistrationState::registering:
      enter(state_, RegistrationEvent::retransmit_timeout, "attempt " + std::to_string(attempts_ + 1));
      retransmit();
      return;
    case RegistrationState::refreshing:
      if (expires_ && scheduler_.now() >= *expires_) {
        // The HA has dropped the binding by now: this is a new registration.
        expires_.reset();
        owner_.binding_active(false);
        resyncs_ = 0;
        enter(RegistrationState::registering, RegistrationEvent::retransmit_timeout,
              "binding lifetime ran out while refreshing");
        send_new({0, requested_lifetime_, false, 0}, timing_.first_registration_timeout);
        return;
      }
      enter(state_, RegistrationEvent::retransmit_timeout, "attempt " + std::to_string(attempts_ + 1));
      retransmit();
      return;
    case RegistrationState::deregistering:
      if (attempts_ >= timing_.max_deregistration_attempts) {
        enter(RegistrationState::idle, RegistrationEvent::retransmit_timeout,
              "deregistration unanswered, giving up");
        return;
      }
      enter(state_, RegistrationEvent::retransmit_timeout, "attempt " + std::to_string(attempts_ + 1));
      retransmit();
      return;
    case RegistrationState::bound:
      enter(RegistrationState::refreshing, RegistrationEvent::refresh_due, "");
      send_new({0, requested_lifetime_, false, 0}, timing_.initial_timeout);
      return;
    case RegistrationState::refused:
      resyncs_ = 0;
      enter(RegistrationState::registering, RegistrationEvent::retransmit_timeout, "retry after refusal");
      send_new({0, requested_lifetime_, false, 0}, timing_.first_registration_timeout);
      return;
    case RegistrationState::idle:
    case RegistrationState::superseded:
      return;
  }
}

}  // namespace roam6::mip6d::host
