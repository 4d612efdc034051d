#pragma once
// The receive checks (receive_checks.hpp) as a role applies them to every
// packet it is about to act on: a discarded packet is counted by reason and,
// where the rules call for it, answered with an ICMPv6 Parameter Problem
// (RFC 4443 3.4) or a Binding Error status 1 (RFC 6275 9.3.3).
//
// Answers follow RFC 4443 2.4: never about an ICMPv6 error message, never to
// an unspecified or multicast source, never for a packet sent to a multicast
// address (IPv6 or link layer) except Parameter Problem code 2 for an
// action-10 option; as much of the invoking packet as fits in 1280 octets;
// and all of them, Binding Errors included, through one token bucket (2.4
// (f); RFC 6275 9.3.3 asks the same of Binding Errors). They go back to the
// Ethernet source of the discarded frame, from the role's own address.

#include <array>
#include <cstdint>
#include <optional>

#include "mip6d/config/config.hpp"
#include "mip6d/io/frame_writer.hpp"
#include "mip6d/io/ipv6_frame.hpp"
#include "mip6d/io/packet_io.hpp"
#include "mip6d/runtime/log.hpp"
#include "mip6d/runtime/scheduler.hpp"
#include "mip6d/signalling/receive_checks.hpp"
#include "mip6d/signalling/token_bucket.hpp"

namespace roam6::mip6d {

// Shown by `mip6ctl stats` as discard.REASON and error_messages.NAME.
struct ReceiveCheckCounters {
  std::array<std::uint64_t, discard_reason_count> discarded{};
  std::uint64_t parameter_problems_sent = 0;
  std::uint64_t binding_errors_sent = 0;
  std::uint64_t rate_limited = 0;   // held back by the token bucket
  std::uint64_t not_allowed = 0;    // forbidden by RFC 4443 2.4 (e) / RFC 6275 9.3.3
  std::uint64_t send_failures = 0;
};

// Who answers on the port the packet came in on: the source address of the
// error messages and, when the role speaks as another node there (a host as
// the guest's home router), that node's MAC.
struct ReplyIdentity {
  wire::Ip6Addr address;
  std::optional<wire::MacAddr> frame_source;
};

// error_messages_per_second / error_messages_burst of the configuration.
TokenBucketSettings error_message_limit(const Config& config) noexcept;

class ReceiveGuard {
 public:
  // `counters` lives in the role's counters; `writer` is the role's.
  ReceiveGuard(Scheduler& scheduler, FrameWriter& writer, ReceiveRules rules,
               const TokenBucketSettings& limit, ReceiveCheckCounters& counters, const Logger& log);

  // True: the role may act on the packet. False: it was discarded, counted
  // and answered as the rules say; the role does nothing more with it.
  [[nodiscard]] bool admit(Port port, const Ipv6Frame& frame, const ReplyIdentity& as);

  // Whether the role may send an error message of its own now (a Home
  // Agent's Binding Error status 2): one token of the same bucket, so all of
  // a role's error messages together keep to the limit (RFC 4443 2.4 (f),
  // RFC 6275 9.3.3). Counts `rate_limited` when not.
  [[nodiscard]] bool allow_error_message();

  // A frame parse_ipv6_frame found malformed: counted here as well when the
  // walk refused it for one of the RFC 6275 rules (no answer is due for
  // those). The role still counts it as malformed.
  void count_malformed(const Ipv6Frame& frame);

 private:
  void answer(Port port, const Ipv6Frame& frame, const ReceiveVerdict& verdict, const ReplyIdentity& as);

  Scheduler& scheduler_;
  FrameWriter& writer_;
  ReceiveRules rules_;
  TokenBucket bucket_;
  ReceiveCheckCounters& counters_;
  const Logger& log_;
};

}  // namespace roam6::mip6d
