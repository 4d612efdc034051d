#pragma once
// Active/standby among the Home Agents of one home link (docs/cluster.md):
// the leader is whoever holds the key P/leader under its own etcd lease.
//
//   standby --campaign won--> leading --lease lapsed or lost--> deposed
//   standby --campaign lost--> standby (the leader's name noted)
//
// Deposed is final: the daemon stops serving at once and exits, to come
// back as a standby (as Kubernetes' controllers do when they lose their
// lease), rather than unwind a Home Agent's state in place.
//
// Fencing: leading() turns false as soon as the lease *might* have lapsed
// in etcd. Its local deadline counts from when the last keep-alive that
// etcd answered was *sent*, so it is never later than etcd's own; two
// Home Agents never answer for the prefix at once, provided their clocks
// run at the same rate (not that they agree). The Home Agent asks
// leading() before each BA and each Neighbour Advertisement.
//
// Every tick (a quarter of the lease's TTL) sends one keep-alive and, while
// standing by, one campaign transaction; each is bounded by a quarter of
// the TTL too, so a hung etcd cannot hold the event loop past the lease.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mip6d/config/config.hpp"
#include "mip6d/etcd/etcd_client.hpp"
#include "mip6d/runtime/log.hpp"
#include "mip6d/runtime/scheduler.hpp"

namespace roam6::mip6d::etcd {

class LeaderElection {
 public:
  enum class State : std::uint8_t { standby, leading, deposed };
  // What `mip6ctl cluster` shows: every member that keeps a lease, read
  // from etcd when asked.
  struct Member {
    std::string name;
    std::string identity;
    std::int64_t lease_left_s = 0;  // as etcd counts it
  };
  struct View {
    std::string etcd_error;  // empty when etcd answered
    std::string leader;      // the leader key's identity, "" for none
    std::vector<Member> members;
  };
  struct Callbacks {
    std::function<void()> elected;
    std::function<void(std::string_view why)> deposed;
  };

  // `name`: this member's node name (its key P/members/<name> lives as long
  // as its lease); `identity`: what the leader key holds when it leads (the
  // name and the Home Agent address), shown to the other members.
  LeaderElection(const EtcdSettings& etcd, std::string name, std::string identity, std::chrono::seconds ttl,
                 Scheduler& scheduler, const Logger& log, Callbacks callbacks);
  ~LeaderElection();

  // Campaigns at once, then every tick.
  void start();
  // A clean stop: revokes the lease, so a standby takes over at its next
  // tick instead of when the lease would have run out.
  void resign();

  [[nodiscard]] bool leading() const;
  [[nodiscard]] State state() const noexcept { return state_; }
  // The identity in the leader key when last read ("" when none was seen).
  [[nodiscard]] const std::string& leader() const noexcept { return leader_; }
  [[nodiscard]] std::chrono::seconds ttl() const noexcept { return ttl_; }
  // Time left on our lease by the local deadline (zero without one).
  [[nodiscard]] Duration lease_left() const;
  [[nodiscard]] const std::string& key() const noexcept { return key_; }
  [[nodiscard]] const std::string& endpoint() const noexcept { return client_.endpoint(); }
  // The etcd revision of the transaction that made us leader: everything
  // the previous leader wrote is older (standby_follower.hpp).
  [[nodiscard]] std::int64_t won_revision() const noexcept { return won_revision_; }
  // Asks etcd (blocking, each request bounded as the ticks' are).
  [[nodiscard]] View view();

 private:
  void tick();
  bool keep_alive();
  void grant();
  void list_member();
  void campaign();
  void depose(std::string_view why);
  void note_trouble(const std::string& what);

  EtcdClient client_;
  std::string key_;
  std::string members_prefix_;
  std::string name_;
  std::string identity_;
  std::chrono::seconds ttl_;
  Scheduler& scheduler_;
  const Logger& log_;
  Callbacks callbacks_;
  std::unique_ptr<Timer> timer_;
  State state_ = State::standby;
  std::optional<std::int64_t> lease_;
  TimePoint valid_until_{};
  std::string leader_;
  std::int64_t won_revision_ = 0;
  bool listed_ = false;    // P/members/<name> written under the current lease
  bool troubled_ = false;  // etcd failed the last request: logged once
};

[[nodiscard]] std::string_view name(LeaderElection::State state) noexcept;

}  // namespace roam6::mip6d::etcd
