#pragma once
// The Home Agent role (RFC 6275 sections 9-10 as they apply to a home agent):
// takes authenticated Binding Updates for home addresses in its prefixes,
// keeps the binding cache durable, programs the tunnel into the data plane,
// and defends away guests' home addresses on the home link.
//
// Durability: every change a BA acknowledges is committed to the store
// before the BA leaves. Changes made while handling one burst of frames are
// committed together (one transaction), then their BAs are sent.

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "mip6d/config/config.hpp"
#include "mip6d/home_agent/binding_cache.hpp"
#include "mip6d/home_agent/hand_over_notices.hpp"
#include "mip6d/home_agent/registrar.hpp"
#include "mip6d/home_agent/replay_memory.hpp"
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
#include "mip6d/store/binding_store.hpp"

namespace roam6::mip6d::ha {

struct HomeAgentCounters {
  std::uint64_t frames_received = 0;
  std::uint64_t frames_not_for_us = 0;
  std::uint64_t malformed_frames = 0;
  std::uint64_t mh_received = 0;
  std::uint64_t mh_malformed = 0;
  std::uint64_t mh_bad_checksum = 0;
  std::uint64_t mh_ignored = 0;  // types a home agent does not act on
  std::uint64_t bu_received = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(SignallingDrop::count_)> bu_dropped{};
  std::uint64_t bu_accepted = 0;
  std::uint64_t bu_refused = 0;
  std::array<std::uint64_t, 256> refused_by_status{};
  std::uint64_t bindings_created = 0;
  std::uint64_t bindings_refreshed = 0;
  std::uint64_t bindings_moved = 0;
  std::uint64_t bindings_deleted = 0;
  std::uint64_t bindings_expired = 0;
  std::uint64_t bindings_restored = 0;
  std::uint64_t replay_refused = 0;          // 144 "not newer than the last accepted"
  std::uint64_t replay_records_restored = 0;
  std::uint64_t replay_records_expired = 0;
  std::uint64_t ba_sent = 0;
  std::uint64_t be_sent = 0;
  std::uint64_t ns_answered = 0;
  std::uint64_t na_announced = 0;
  std::uint64_t echo_replies = 0;
  std::uint64_t send_failures = 0;
  std::uint64_t store_failures = 0;
  // Frames, BAs and announcements not answered or sent because this Home
  // Agent no longer surely holds the leader lease (set_fence).
  std::uint64_t fenced = 0;
  HandOverNoticeCounters hand_over;  // hand_over_notices.hpp
  std::uint64_t revocation_acks_received = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(SignallingDrop::count_)> revocation_acks_dropped{};
  ReceiveCheckCounters receive_checks;  // RFC 8200 / RFC 6275 discards (receive_guard.hpp)
};

class HomeAgent {
 public:
  HomeAgent(const Config& config, Scheduler& scheduler, PacketIo& io, ForwardingTable& fib,
            BindingStore& store, const Logger& log);
  ~HomeAgent();

  // Restores every unexpired binding from the store into the cache and the
  // forwarding table, then starts taking frames. Nothing is answered before
  // the restore is complete.
  void start();

  // Active/standby (etcd/leader_election.hpp): `may_serve` is asked before
  // each frame is handled and before each BA and announcement leaves;
  // while it says no, nothing is answered (counted as `fenced`).
  void set_fence(std::function<bool()> may_serve) { may_serve_ = std::move(may_serve); }
  // A standby that took over: tells the home link, with unsolicited
  // Neighbour Advertisements (override), that its own address and every
  // bound home address are now reached through this Home Agent's MAC.
  void announce_takeover();

  // Commits the open store batch and sends the Binding Acknowledgements
  // queued behind it now, rather than when the loop gets to them: before a
  // reload replaces the keys that sign them, and before the daemon stops,
  // so that no batch is left open and no BA is sent for an uncommitted change.
  void finish_pending();

  // Takes a reloaded configuration. `config` is the object the agent was
  // built with, its run-time keys updated in place by the daemon
  // (daemon/config_reload.hpp): policy, max_lifetime and replay_window are
  // read through references into it; the key ring is rebuilt here, after
  // finish_pending() sent what the old keys signed.
  void reconfigure(const Config& config);

  [[nodiscard]] const BindingCache& bindings() const noexcept { return cache_; }
  [[nodiscard]] const ReplayMemory& replay_memory() const noexcept { return replay_; }
  [[nodiscard]] const HomeAgentCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const HomeAgentConfig& settings() const noexcept { return ha_; }
  [[nodiscard]] const HandOverNotices& hand_over_notices() const noexcept { return notices_; }
  // Remaining lifetime of a binding, for operators.
  [[nodiscard]] Duration remaining(const Binding& b) const { return b.expires - scheduler_.now(); }

 private:
  struct PendingAck {
    BindingAckSpec spec;
    KeyRing::Entry* sa;
    wire::MacAddr next_hop;  // where the BU came from on the home link
  };
  struct AtHome {
    wire::Ip6Addr host;       // its address on the home link
    std::uint32_t spi = 0;    // the SA it deregistered with
    wire::MacAddr next_hop;   // the way its BU came
  };
  struct UndoRecord {
    wire::Ip6Addr home_address;
    std::optional<Binding> previous;
    std::optional<AtHome> at_home;  // its at_home_ entry before the change
  };
  struct Announcement {
    TimePoint due;
    wire::Ip6Addr home_address;
    unsigned remaining;
  };

  void on_frame(const ReceivedFrame& frame);
  void on_mobility(const Ipv6Frame& frame);
  void on_binding_update(const wire::MacAddr& from, const wire::MobilityPacket& packet);
  void on_revocation_ack(const wire::MobilityPacket& packet);
  bool send_revocation(const BindingRevocationSpec& spec, std::uint32_t spi, const wire::MacAddr& next_hop);
  void on_icmpv6(const wire::EthernetView& eth, const wire::Ipv6View& ip, wire::ByteSpan icmp);
  // `hoa`: the Home Address option's address, else the source (RFC 6275 6.1.9).
  void send_binding_error(const wire::MacAddr& to, const wire::Ip6Addr& source,
                          const wire::Ip6Addr& hoa, std::uint8_t status);

  // `from`: the next hop the BU came through (hand-over notices go back that way).
  void apply(const RegistrationRequest& request, const RegistrationDecision& decision, const wire::MacAddr& from);
  // `binding_kept`: the BU leaves a binding (not a deregistration).
  void remember_accepted(const ReceivedBindingUpdate& bu, bool binding_kept);
  void persist_replay(const ReplayKey& key);
  [[nodiscard]] std::uint64_t last_accepted(const ReceivedBindingUpdate& bu) const;
  void restore_replay_memory(WallTime wall);
  void on_replay_timer();
  void queue_ack(const wire::MacAddr& next_hop, const ReceivedBindingUpdate& bu,
                 const RegistrationDecision& decision);
  void begin_store_batch();
  void post_flush();
  void flush_batch();
  void roll_back_batch();
  void note_store_failure(const char* during, const char* error);
  void note_store_success();
  void rearm_expiry();
  void on_expiry();
  void schedule_announcement(const wire::Ip6Addr& home_address);
  void on_announcement_timer();
  // Hand-over forwarding: a deleted binding's tunnel stays in the datapath a
  // little longer (tunnel_linger in home_agent.cpp), then goes unless the
  // home address was bound again meanwhile.
  void linger_tunnel(const wire::Ip6Addr& home_address);
  void on_linger_timer();
  // Hand-over forwarding from home: which host on a home link last
  // deregistered a home address (authenticated; accepted, or refused with
  // 133 because nothing was bound), so that when the guest registers from
  // elsewhere that host learns where it went and hands over what it held.
  enum class AtHomeChange { in_batch, outside_batch };
  void remember_at_home(const RegistrationRequest& request, const wire::MacAddr& from, AtHomeChange change);
  [[nodiscard]] bool on_home_link(const wire::Ip6Addr& address) const;
  [[nodiscard]] std::optional<AtHome> at_home_before(const wire::Ip6Addr& home_address) const;
  std::optional<NeighbourAnswer> answer_for(const wire::Ip6Addr& target) const;
  StoredBinding to_stored(const wire::Ip6Addr& hoa, const Binding& b) const;

  [[nodiscard]] bool fenced();

  const HomeAgentConfig& ha_;
  std::function<bool()> may_serve_;
  Scheduler& scheduler_;
  PacketIo& io_;
  ForwardingTable& fib_;
  BindingStore& store_;
  const Logger& log_;
  KeyRing keys_;
  Registrar registrar_;
  BindingCache cache_;
  ReplayMemory replay_;
  FrameWriter writer_;
  HomeAgentCounters counters_;
  ReceiveGuard receive_guard_;  // after counters_ and writer_, which it uses

  bool store_batch_open_ = false;
  bool store_batch_failed_ = false;
  bool store_failing_ = false;  // the last batch failed: logged once until one commits
  bool flush_posted_ = false;
  std::vector<PendingAck> pending_acks_;
  std::vector<HandOverNotices::Notice> pending_notices_;  // sent once the batch is committed
  // From refused BUs (a move between two hosts at home): no batch undoes them.
  std::vector<HandOverNotices::Notice> unbatched_notices_;
  HandOverNotices notices_;
  std::vector<UndoRecord> undo_;
  std::unique_ptr<Timer> expiry_timer_;
  std::unique_ptr<Timer> announce_timer_;
  std::unique_ptr<Timer> replay_timer_;
  std::unique_ptr<Timer> linger_timer_;
  std::deque<Announcement> announcements_;
  struct LingeringTunnel {
    TimePoint until;
    wire::Ip6Addr home_address;
  };
  std::deque<LingeringTunnel> lingering_tunnels_;  // in order of `until`
  // One per home address that deregistered at home and has not left since;
  // bounded by the home addresses the policy lets hosts register.
  std::unordered_map<wire::Ip6Addr, AtHome> at_home_;
};

}  // namespace roam6::mip6d::ha
