#include "mip6d/signalling/receive_guard.hpp"

#include "roam6/wire/icmpv6.hpp"
#include "roam6/wire/mobility_packet.hpp"

namespace roam6::mip6d {

namespace {

std::string_view name(AnswerBlock block) noexcept {
  switch (block) {
    case AnswerBlock::none: return "none";
    case AnswerBlock::answers_icmp_error: return "answers_icmp_error";
    case AnswerBlock::source_not_unicast: return "source_not_unicast";
    case AnswerBlock::multicast_destination: return "multicast_destination";
  }
  return "?";
}

}  // namespace

TokenBucketSettings error_message_limit(const Config& config) noexcept {
  return {config.error_messages_per_second, config.error_messages_burst};
}

ReceiveGuard::ReceiveGuard(Scheduler& scheduler, FrameWriter& writer, ReceiveRules rules,
                           const TokenBucketSettings& limit, ReceiveCheckCounters& counters,
                           const Logger& log)
    : scheduler_(scheduler),
      writer_(writer),
      rules_(std::move(rules)),
      bucket_(limit),
      counters_(counters),
      log_(log) {}

bool ReceiveGuard::admit(Port port, const Ipv6Frame& frame, const ReplyIdentity& as) {
  const ReceiveVerdict verdict = check_received(frame, rules_);
  if (verdict.accepted()) return true;
  ++counters_.discarded[static_cast<std::size_t>(*verdict.discard)];
  LogRecord(log_, LogLevel::debug, "packet_discarded")
      .kv("reason", name(*verdict.discard))
      .kv("source", frame.ip.src())
      .kv("destination", frame.ip.dst());
  if (verdict.answer != DiscardAnswer::none) answer(port, frame, verdict, as);
  return false;
}

bool ReceiveGuard::allow_error_message() {
  if (bucket_.take(scheduler_.now())) return true;
  ++counters_.rate_limited;
  return false;
}

void ReceiveGuard::count_malformed(const Ipv6Frame& frame) {
  const auto reason = discard_reason_for(frame.error);
  if (!reason) return;
  ++counters_.discarded[static_cast<std::size_t>(*reason)];
  LogRecord(log_, LogLevel::debug, "packet_discarded").kv("reason", name(*reason));
}

void ReceiveGuard::answer(Port port, const Ipv6Frame& frame, const ReceiveVerdict& verdict,
                          const ReplyIdentity& as) {
  if (const AnswerBlock block = answer_block(frame, verdict); block != AnswerBlock::none) {
    ++counters_.not_allowed;
    LogRecord(log_, LogLevel::debug, "error_message_not_sent").kv("why", name(block));
    return;
  }
  if (!bucket_.take(scheduler_.now())) {
    ++counters_.rate_limited;
    return;
  }
  const wire::Ip6Addr to = frame.ip.src();
  const wire::MacAddr frame_source = as.frame_source.value_or(writer_.io().mac(port));
  bool sent = false;
  if (verdict.answer == DiscardAnswer::parameter_problem) {
    sent = writer_.send_ipv6_as(port, frame.eth.src(), frame_source, [&](wire::MutableByteSpan buf) {
      return wire::write_parameter_problem(buf, {.src = as.address, .dst = to}, verdict.code,
                                           verdict.pointer, frame.ip.packet());
    });
    if (sent) ++counters_.parameter_problems_sent;
  } else {
    sent = writer_.send_ipv6_as(port, frame.eth.src(), frame_source,
                                [&](wire::MutableByteSpan buf) -> wire::Result<std::size_t> {
                                  wire::MobilityPacketWriter pw(buf, {.src = as.address, .dst = to});
                                  pw.mh().begin_binding_error(
                                      {.status = wire::be_status::unknown_binding_for_home_address_option,
                                       .home_address = verdict.home_address});
                                  return pw.finish();
                                });
    if (sent) ++counters_.binding_errors_sent;
  }
  if (!sent) ++counters_.send_failures;
}

}  // namespace roam6::mip6d
