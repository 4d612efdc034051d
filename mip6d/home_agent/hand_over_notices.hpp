#pragma once
// Zero-loss moves, the Home Agent's part: when a binding moves from one
// care-of address to another, the host at the previous address is told where
// the binding went, so it can forward the guest's packets it still holds or
// still receives (docs/signalling.md "Hand-over forwarding").
//
// The notice is an RFC 5846 Binding Revocation Indication (trigger 2,
// "inter-MAG handover, same access type") sent to the previous care-of
// address like a BA (type 2 routing header = home address), signed with the
// security association that registered the binding there, and carrying an
// Alternate Care-of Address option with the new address. It is sent once
// the move is committed, and resent after 200, 400 and 800 ms until the host
// acknowledges it (Binding Revocation Acknowledgement, same sequence number);
// then it is given up and counted. A host that does not know the message
// answers with a Binding Error, which ends nothing: the notice simply times
// out.
//
// All on the daemon's one thread, like the rest of the Home Agent.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "mip6d/runtime/log.hpp"
#include "mip6d/runtime/scheduler.hpp"
#include "mip6d/signalling/binding_messages.hpp"
#include "roam6/wire/address.hpp"

namespace roam6::mip6d::ha {

struct HandOverNoticeCounters {
  std::uint64_t sent = 0;           // first transmissions
  std::uint64_t retransmitted = 0;
  std::uint64_t acknowledged = 0;
  std::uint64_t unanswered = 0;     // given up after the last retransmission
  std::uint64_t ack_unmatched = 0;  // an Acknowledgement for no notice outstanding
  std::uint64_t ack_refused = 0;    // acknowledged with a status >= 128
};

class HandOverNotices {
 public:
  struct Notice {
    wire::Ip6Addr home_address;
    wire::Ip6Addr previous_care_of;  // where the notice goes
    wire::Ip6Addr new_care_of;       // what it names
    std::uint32_t spi = 0;           // the SA that registered the previous binding
    wire::MacAddr next_hop;          // the home link's router toward the previous care-of address
  };
  // Sends one Indication; false when it could not be built or sent (no key
  // for the SPI any more, no buffer): counted by the caller's send path.
  using Send = std::function<bool(const BindingRevocationSpec& spec, std::uint32_t spi, const wire::MacAddr& next_hop)>;

  // `counters` outlives this (the Home Agent's).
  HandOverNotices(Scheduler& scheduler, const wire::Ip6Addr& home_agent, const Logger& log, Send send,
                  HandOverNoticeCounters& counters);
  ~HandOverNotices();
  HandOverNotices(const HandOverNotices&) = delete;
  HandOverNotices& operator=(const HandOverNotices&) = delete;

  void notify(const Notice& notice);
  // The home address of the notice with this sequence number sent to `from`.
  [[nodiscard]] std::optional<wire::Ip6Addr> home_address_of(std::uint16_t sequence, const wire::Ip6Addr& from) const;
  // An authenticated Acknowledgement; true when it ended a notice.
  bool acknowledged(const ReceivedRevocation& ack);

  [[nodiscard]] std::size_t outstanding() const noexcept { return pending_.size(); }
  [[nodiscard]] const HandOverNoticeCounters& counters() const noexcept { return counters_; }

 private:
  struct Pending {
    Notice notice;
    unsigned transmissions = 0;
    TimePoint next{};
  };
  bool transmit(std::uint16_t sequence, Pending& p);
  void on_timer();
  void rearm();

  Scheduler& scheduler_;
  wire::Ip6Addr home_agent_;
  const Logger& log_;
  Send send_;
  std::map<std::uint16_t, Pending> pending_;  // by the Indication's sequence number
  std::uint16_t next_sequence_ = 1;
  std::unique_ptr<Timer> timer_;
  HandOverNoticeCounters& counters_;
};

}  // namespace roam6::mip6d::ha
