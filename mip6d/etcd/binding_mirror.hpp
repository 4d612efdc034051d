#pragma once
// What a standby Home Agent knows of the bindings before it leads: every
// record under the prefix (etcd_records.hpp), first read whole, then kept
// current by an etcd watch (standby_follower.hpp), so a takeover needs no
// full read. Bindings and replay records are decoded as they arrive: the
// copy costs less memory than etcd's JSON, and a new leader starts from
// them without decoding a million records first. Anything else under the
// prefix (the leader key, the members) is kept as etcd sent it.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "mip6d/store/binding_store.hpp"

namespace roam6::mip6d::etcd {

class BindingMirror {
 public:
  // `prefix`: the etcd prefix P the records are under (no trailing '/').
  explicit BindingMirror(std::string prefix);

  void clear(std::int64_t revision);
  void set(const std::string& key, const std::string& value);
  void erase(const std::string& key);
  // After a full read at `revision`.
  void read_at(std::int64_t revision) noexcept { revision_ = revision; }

  enum class Outcome : std::uint8_t {
    applied,
    start_over,  // compacted past what we need, or canceled: read everything again
  };
  // One watch answer (its "result" object).
  Outcome apply(const nlohmann::json& result);

  // Every change up to this revision is applied.
  [[nodiscard]] std::int64_t revision() const noexcept { return revision_; }
  // Records held, decoded or not.
  [[nodiscard]] std::size_t size() const noexcept {
    return bindings_.size() + replay_.size() + others_.size() + unreadable_.size();
  }
  [[nodiscard]] bool contains(std::string_view key) const;
  void for_each_binding(const std::function<void(const StoredBinding&)>& each) const;
  void for_each_replay(const std::function<void(const StoredReplayRecord&)>& each) const;
  // Records under P/binding/ or P/replay/ that did not decode (written by
  // something else): skipped at a takeover, counted.
  [[nodiscard]] std::size_t unreadable() const noexcept { return unreadable_.size(); }

 private:
  std::string prefix_;
  std::string bindings_under_;
  std::string replay_under_;
  std::unordered_map<wire::Ip6Addr, StoredBinding> bindings_;
  std::unordered_map<std::string, StoredReplayRecord> replay_;  // by etcd key
  std::map<std::string, std::string, std::less<>> others_;
  std::unordered_set<std::string> unreadable_;
  std::int64_t revision_ = 0;
};

}  // namespace roam6::mip6d::etcd
