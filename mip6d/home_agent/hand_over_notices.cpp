#include "mip6d/home_agent/hand_over_notices.hpp"

#include <algorithm>
#include <array>
#include <chrono>

#include "mip6d/signalling/ntp_timestamp.hpp"

namespace roam6::mip6d::ha {

namespace {
// After the first transmission: the host holds the guest's packets only for
// its hold timeout (a few hundred ms to seconds), so retry quickly and give up
// soon. 4 transmissions in all.
constexpr std::array<std::chrono::milliseconds, 3> kRetransmitAfter{std::chrono::milliseconds(200),
                                                                    std::chrono::milliseconds(400),
                                                                    std::chrono::milliseconds(800)};
constexpr std::chrono::milliseconds kLastWait{800};
}  // namespace

HandOverNotices::HandOverNotices(Scheduler& scheduler, const wire::Ip6Addr& home_agent, const Logger& log,
                                 Send send, HandOverNoticeCounters& counters)
    : scheduler_(scheduler), home_agent_(home_agent), log_(log), send_(std::move(send)),
      timer_(scheduler.make_timer([this] { on_timer(); })), counters_(counters) {}

HandOverNotices::~HandOverNotices() = default;

void HandOverNotices::notify(const Notice& notice) {
  // A notice still outstanding for the same previous address and home
  // address is superseded: the binding moved on again.
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.notice.home_address == notice.home_address &&
        it->second.notice.previous_care_of == notice.previous_care_of) {
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  const std::uint16_t sequence = next_sequence_++;
  if (next_sequence_ == 0) next_sequence_ = 1;
  Pending& p = pending_[sequence];
  p.notice = notice;
  p.transmissions = 0;
  ++counters_.sent;
  transmit(sequence, p);
  rearm();
}

bool HandOverNotices::transmit(std::uint16_t sequence, Pending& p) {
  BindingRevocationSpec spec;
  spec.home_agent = home_agent_;
  spec.care_of_address = p.notice.previous_care_of;
  spec.home_address = p.notice.home_address;
  spec.sequence = sequence;
  spec.new_care_of = p.notice.new_care_of;
  spec.timestamp = to_ntp_timestamp(scheduler_.wall_now());
  const auto wait = p.transmissions < kRetransmitAfter.size() ? kRetransmitAfter[p.transmissions] : kLastWait;
  ++p.transmissions;
  p.next = scheduler_.now() + wait;
  return send_(spec, p.notice.spi, p.notice.next_hop);
}

std::optional<wire::Ip6Addr> HandOverNotices::home_address_of(std::uint16_t sequence,
                                                              const wire::Ip6Addr& from) const {
  const auto it = pending_.find(sequence);
  if (it == pending_.end() || it->second.notice.previous_care_of != from) return std::nullopt;
  return it->second.notice.home_address;
}

bool HandOverNotices::acknowledged(const ReceivedRevocation& ack) {
  const auto it = pending_.find(ack.sequence);
  if (it == pending_.end() || it->second.notice.home_address != ack.home_address ||
      it->second.notice.previous_care_of != ack.source) {
    ++counters_.ack_unmatched;
    return false;
  }
  if (ack.trigger_or_status >= 128) ++counters_.ack_refused;
  ++counters_.acknowledged;
  LogRecord(log_, LogLevel::debug, "hand_over_notice_acknowledged")
      .kv("hoa", ack.home_address)
      .kv("previous_coa", ack.source)
      .kv("status", ack.trigger_or_status)
      .kv("transmissions", it->second.transmissions);
  pending_.erase(it);
  rearm();
  return true;
}

void HandOverNotices::on_timer() {
  const TimePoint now = scheduler_.now();
  for (auto it = pending_.begin(); it != pending_.end();) {
    Pending& p = it->second;
    if (p.next > now) {
      ++it;
      continue;
    }
    if (p.transmissions > kRetransmitAfter.size()) {
      ++counters_.unanswered;
      LogRecord(log_, LogLevel::info, "hand_over_notice_unanswered")
          .kv("hoa", p.notice.home_address)
          .kv("previous_coa", p.notice.previous_care_of)
          .kv("new_coa", p.notice.new_care_of);
      it = pending_.erase(it);
      continue;
    }
    ++counters_.retransmitted;
    transmit(it->first, p);
    ++it;
  }
  rearm();
}

void HandOverNotices::rearm() {
  if (pending_.empty()) {
    timer_->cancel();
    return;
  }
  TimePoint first = TimePoint::max();
  for (const auto& [sequence, p] : pending_) first = std::min(first, p.next);
  timer_->arm_at(first);
}

}  // namespace roam6::mip6d::ha
