#pragma once
// BindingStore test double: keeps committed rows in a map and records the
// order of commits, so tests can check that BAs leave only after a commit.
// Crash durability itself is tested against SQLite (store_crash_test.cpp).

#include <map>
#include <string>
#include <stdexcept>
#include <vector>

#include "mip6d/store/binding_store.hpp"

namespace roam6::mip6d::test {

class MemoryBindingStore final : public BindingStore {
 public:
  void load(WallTime now, const std::function<void(const StoredBinding&)>& each) override {
    for (auto it = rows.begin(); it != rows.end();) {
      if (it->second.expires <= now) {
        it = rows.erase(it);
      } else {
        each(it->second);
        ++it;
      }
    }
  }
  void begin() override {
    if (open) throw std::logic_error("nested begin");
    open = true;
    staged = rows;
    staged_replay = replay_rows;
  }
  void put(const StoredBinding& b) override {
    if (!open) throw std::logic_error("put outside a batch");
    staged[b.home_address] = b;
  }
  void erase(const wire::Ip6Addr& hoa) override {
    if (!open) throw std::logic_error("erase outside a batch");
    staged.erase(hoa);
  }
  void commit() override {
    if (!open) throw std::logic_error("commit outside a batch");
    open = false;
    if (fail_next_commit) {
      fail_next_commit = false;
      throw std::runtime_error("disk full (test)");
    }
    rows = staged;
    replay_rows = staged_replay;
    ++commits;
  }

  void load_replay(WallTime now, const std::function<void(const StoredReplayRecord&)>& each) override {
    for (const auto& [key, r] : replay_rows)
      if (r.forget_at > now) each(r);
  }
  void put_replay(const StoredReplayRecord& r) override {
    if (!open) throw std::logic_error("put_replay outside a batch");
    staged_replay[r.key] = r;
  }
  void erase_replay(const std::string& key) override {
    if (!open) throw std::logic_error("erase_replay outside a batch");
    staged_replay.erase(key);
  }
  void purge_replay(WallTime now) override {
    if (!open) throw std::logic_error("purge_replay outside a batch");
    std::erase_if(staged_replay, [&](const auto& kv) { return kv.second.forget_at <= now; });
  }

  std::map<wire::Ip6Addr, StoredBinding> rows;
  std::map<wire::Ip6Addr, StoredBinding> staged;
  std::map<std::string, StoredReplayRecord> replay_rows;
  std::map<std::string, StoredReplayRecord> staged_replay;
  bool open = false;
  bool fail_next_commit = false;
  unsigned commits = 0;
};

}  // namespace roam6::mip6d::test
