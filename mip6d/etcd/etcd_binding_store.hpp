#pragma once
// BindingStore in etcd, shared by the Home Agents of one home link
// ([home_agent] store = "etcd"; docs/cluster.md).
//
// Keys (under the configured prefix P):
//   P/binding/<home address>   {"care_of_address", "expires_ms", "spi", "last_timestamp", "sequence", "flags"}
//   P/replay/<key bytes, hex>  {"last_timestamp", "sequence", "forget_at_ms"}
// Times are Unix milliseconds, so a standby on another machine reads the
// same expiry. Each record is put under its expiry bucket's lease
// (lease_buckets.hpp), so etcd removes what nobody deletes.
//
// Commits go over etcd's gRPC API (etcd_grpc_kv.hpp); full reads over its
// JSON gateway, as the standby's.
//
// A batch (begin() .. commit()) is one etcd transaction, or several when it
// has more operations than etcd takes in one (txn_ops, etcd's
// --max-txn-ops): then a failure part-way leaves the first ones written,
// which the Home Agent treats as a failed batch all the same (its hosts
// retry; each record in etcd is one a host asked for). The last operation
// on a key in a batch wins: etcd refuses two on one key in a transaction.
//
// Trouble: a failed commit throws StoreError(unavailable) and, for the next
// second, commit() throws again at once without asking etcd, so a dead or
// leaderless etcd costs the event loop one timeout a second at most.

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "mip6d/config/config.hpp"
#include "mip6d/etcd/binding_mirror.hpp"
#include "mip6d/etcd/etcd_client.hpp"
#include "mip6d/etcd/etcd_grpc_kv.hpp"
#include "mip6d/etcd/lease_buckets.hpp"
#include "mip6d/store/binding_store.hpp"

namespace roam6::mip6d::etcd {

class EtcdBindingStore final : public BindingStore {
 public:
  static constexpr std::chrono::seconds lease_width{60};
  static constexpr std::chrono::seconds retry_interval{1};

  explicit EtcdBindingStore(const EtcdSettings& settings, std::function<WallTime()> clock = &WallClock::now);

  void load(WallTime now, const std::function<void(const StoredBinding&)>& each) override;
  void begin() override;
  void put(const StoredBinding& binding) override;
  void erase(const wire::Ip6Addr& home_address) override;
  void commit() override;
  void load_replay(WallTime now, const std::function<void(const StoredReplayRecord&)>& each) override;
  void put_replay(const StoredReplayRecord& record) override;
  void erase_replay(const std::string& key) override;
  // etcd's leases remove the records past their use.
  void purge_replay(WallTime) override {}

  // While set, load() and load_replay() read the standby's mirror (kept by
  // an etcd watch) instead of etcd: a takeover without a full read.
  void use_mirror(const BindingMirror* mirror) noexcept { mirror_ = mirror; }

  // A leader's writes hold only while `leader_key` is still under its
  // `lease` (leader_election.hpp): every transaction compares it, so a
  // deposed leader whose commit was already under way when a standby took
  // over cannot overwrite what the new leader wrote. Such a commit fails
  // as unavailable, and no BA follows it.
  void guard_with(std::string leader_key, std::int64_t lease) {
    guard_key_ = std::move(leader_key);
    guard_lease_ = lease;
  }

  // Records load() and load_replay() skipped as unreadable (written by
  // something else under our prefix).
  [[nodiscard]] std::size_t skipped_records() const noexcept { return skipped_; }
  [[nodiscard]] const std::string& endpoint() const noexcept { return writer_.endpoint(); }

 private:
  struct Write {
    std::string value;
    WallTime expires;
  };
  void require_open(const char* what) const;
  // Every record under `under`, from etcd (a full read).
  void read_all(const std::string& under,
                const std::function<void(const std::string&, const std::string&)>& each);
  void write(const std::map<std::string, std::optional<Write>>& batch);
  std::int64_t lease_for(WallTime expires, WallTime now);

  EtcdGrpcKv writer_;  // commits and their leases: gRPC, the hot path
  EtcdClient reader_;  // load() and load_replay(): full_read_timeout
  std::string prefix_;
  std::size_t txn_ops_;
  std::function<WallTime()> clock_;
  LeaseBuckets leases_{lease_width};
  std::map<std::string, std::optional<Write>> batch_;  // key -> value, or erase
  bool open_ = false;
  WallTime retry_at_{};
  std::string last_failure_;
  std::size_t skipped_ = 0;
  const BindingMirror* mirror_ = nullptr;
  std::string guard_key_;  // empty: unguarded (a Home Agent without election)
  std::int64_t guard_lease_ = 0;
};

}  // namespace roam6::mip6d::etcd
