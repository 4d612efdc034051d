#pragma once
// Active/standby among the Home Agents of one home link (docs/cluster.md):
// the leader is whoever holds the key P/leader under its own etcd lease.
//
//   standby --campaign won--> leading --lease lapsed or lost--> deposed
//   standby --campaign lost--> standby (the leader's name noted)
//   standby --leader silent a TTL, key taken over--> leading
//   leading --a ready member of higher rank listed (preempt)--> deposed
//
// Rank (member_record.hpp): leader_priority, then a hash of the node name
// and the prefix. A standby that finds the key free while a ready member
// of higher rank is listed leaves it to that one for a TTL; a leader that
// sees such a member (its heartbeat reads the members) hands over to it,
// as VRRP's preempt does: it stops serving and revokes its lease as it
// exits, and the other, whose copy is current, takes over at once.
//
// Deposed is final: the daemon stops serving at once and exits, to come
// back as a standby (as Kubernetes' controllers do when they lose their
// lease), rather than unwind a Home Agent's state in place.
//
// Heartbeats: at each tick the leader, after its keep-alive, rewrites the
// leader key in a transaction that holds only while the key is still under
// its lease. Only a heartbeat written extends its local deadline, to when
// that keep-alive was *sent* plus the TTL: never later than the moment a
// standby saw the heartbeat plus the TTL. So a standby that has seen no
// new heartbeat (the key's mod_revision unchanged) for a TTL, plus a
// margin for clock rates, knows the leader has fallen silent, and takes
// the key over with a transaction on that mod_revision: it does not wait
// for etcd to revoke the dead leader's lease (up to 500 ms more). A leader
// whose heartbeat finds the key taken is deposed.
//
// Fencing: leading() turns false at that local deadline. Two Home Agents
// never answer for the prefix at once, provided their clocks run at the
// same rate (not that they agree). The Home Agent asks leading() before
// each frame, each batch of BAs and each Neighbour Advertisement.
//
// Every tick (a quarter of the lease's TTL) sends one keep-alive and, while
// leading, one heartbeat or, while standing by, one campaign transaction;
// each is bounded by a quarter of the TTL too, so a hung etcd cannot hold
// the event loop past the lease.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mip6d/config/config.hpp"
#include "mip6d/etcd/etcd_client.hpp"
#include "mip6d/etcd/member_record.hpp"
#include "mip6d/runtime/log.hpp"
#include "mip6d/runtime/scheduler.hpp"

namespace roam6::mip6d::etcd {

class LeaderElection {
 public:
  enum class State : std::uint8_t { standby, leading, deposed };
  // What `mip6ctl cluster` shows: every member that keeps a lease, read
  // from etcd when asked.
  struct Member {
    MemberRecord record;
    std::int64_t lease_left_s = 0;  // as etcd counts it
  };
  struct View {
    std::string etcd_error;  // empty when etcd answered
    std::string leader;      // the leader key's identity, "" for none
    std::string preferred;   // the ready member of highest rank, "" for none
    std::vector<Member> members;
  };
  struct Callbacks {
    std::function<void()> elected;
    std::function<void(std::string_view why)> deposed;
    // Whether this member's copy of the bindings is current (its watch
    // runs): shown to the others, who hand over only to a ready member.
    std::function<bool()> ready;
  };
  struct Policy {
    std::chrono::seconds ttl{2};
    int priority = 100;
    bool preempt = true;
  };

  // `name`: this member's node name (its key P/members/<name> lives as long
  // as its lease); `identity`: what the leader key holds when it leads (the
  // name and the Home Agent address), shown to the other members.
  LeaderElection(const EtcdSettings& etcd, std::string name, std::string identity, Policy policy,
                 Scheduler& scheduler, const Logger& log, Callbacks callbacks);
  ~LeaderElection();

  // Campaigns at once, then every tick.
  void start();
  // What the standby's watch saw of the leader key: a heartbeat written at
  // `mod_revision`, or 0 for the key deleted (a campaign follows at once).
  // Nothing once leading or deposed.
  void leader_key_changed(std::int64_t mod_revision);
  // A clean stop: revokes the lease, so a standby takes over at its next
  // tick instead of when the lease would have run out.
  void resign();

  [[nodiscard]] bool leading() const;
  [[nodiscard]] State state() const noexcept { return state_; }
  // The identity in the leader key when last read ("" when none was seen).
  [[nodiscard]] const std::string& leader() const noexcept { return leader_; }
  [[nodiscard]] std::chrono::seconds ttl() const noexcept { return ttl_; }
  [[nodiscard]] int priority() const noexcept { return policy_.priority; }
  // Time left on our lease by the local deadline (zero without one).
  [[nodiscard]] Duration lease_left() const;
  [[nodiscard]] const std::string& key() const noexcept { return key_; }
  // Our lease (0 without one): what the leader key is under while we lead.
  [[nodiscard]] std::int64_t lease() const noexcept { return lease_.value_or(0); }
  [[nodiscard]] const std::string& endpoint() const noexcept { return client_.endpoint(); }
  // The etcd revision of the transaction that made us leader: everything
  // the previous leader wrote is older (standby_follower.hpp).
  [[nodiscard]] std::int64_t won_revision() const noexcept { return won_revision_; }
  // Asks etcd (blocking, each request bounded as the ticks' are).
  [[nodiscard]] View view();

 private:
  void tick();
  std::optional<std::int64_t> keep_alive();
  void heartbeat(TimePoint sent, std::int64_t left);
  void heard_leader(std::int64_t mod_revision);
  [[nodiscard]] bool leader_silent() const;
  [[nodiscard]] TimePoint silence_deadline() const;
  void grant();
  void list_member();
  void campaign();
  void read_state();
  void take_state(const nlohmann::json& responses);
  void take_members(const nlohmann::json& range_response);
  [[nodiscard]] bool ready() const;
  [[nodiscard]] nlohmann::json members_range() const;
  [[nodiscard]] const MemberRecord* outranking_ready_member() const;
  void depose(std::string_view why);
  void note_trouble(const std::string& what);

  EtcdClient client_;
  std::string key_;
  std::string members_prefix_;
  std::string prefix_;  // the etcd prefix: what the rank's hash is of, with the name
  std::string name_;
  std::string identity_;
  std::chrono::seconds ttl_;
  Policy policy_;
  Scheduler& scheduler_;
  const Logger& log_;
  Callbacks callbacks_;
  std::unique_ptr<Timer> timer_;
  std::unique_ptr<Timer> silence_timer_;  // a TTL after the leader's last heartbeat
  State state_ = State::standby;
  std::optional<std::int64_t> lease_;
  TimePoint valid_until_{};
  std::string leader_;
  std::int64_t won_revision_ = 0;
  // The leader key's mod_revision as last seen changing, and when: the
  // leader's last heartbeat that this standby knows of.
  std::int64_t leader_revision_ = 0;
  TimePoint leader_heard_{};
  bool listed_ = false;    // P/members/<name> written under the current lease
  bool listed_ready_ = false;
  std::vector<MemberRecord> members_;  // as last read, with our own
  bool members_read_ = false;
  std::optional<TimePoint> deferring_since_;  // the key free, left to a member of higher rank
  bool troubled_ = false;  // etcd failed the last request: logged once
};

[[nodiscard]] std::string_view name(LeaderElection::State state) noexcept;

}  // namespace roam6::mip6d::etcd
