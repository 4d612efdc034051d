#pragma once
// What a standby Home Agent knows of the bindings before it leads: a copy
// of every record under the prefix (etcd_records.hpp), first read whole,
// then kept current by an etcd watch (standby_follower.hpp), so a takeover
// needs no full read. Raw values: they are decoded once, at the takeover.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace roam6::mip6d::etcd {

class BindingMirror {
 public:
  void clear(std::int64_t revision) {
    records_.clear();
    revision_ = revision;
  }
  void set(std::string key, std::string value) { records_[std::move(key)] = std::move(value); }
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
  [[nodiscard]] std::size_t size() const noexcept { return records_.size(); }
  [[nodiscard]] bool contains(std::string_view key) const { return records_.find(key) != records_.end(); }
  void for_each(std::string_view under, const std::function<void(const std::string&, const std::string&)>& each) const;

 private:
  std::map<std::string, std::string, std::less<>> records_;
  std::int64_t revision_ = 0;
};

}  // namespace roam6::mip6d::etcd
