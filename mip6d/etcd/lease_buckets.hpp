#pragma once
// Bindings and replay records live in etcd under leases, so that a record
// no Home Agent deletes (the one that wrote it died) still disappears when
// it expires, everywhere. A lease per record would cost a grant per Binding
// Update; instead records share the lease of their expiry's bucket: bucket b
// holds the expiries in ((b-1)·W, b·W], and its lease ends one width after
// b·W. A record thus outlives its expiry in etcd by at most 2·W; readers
// ignore what is past its expiry anyway. One grant a width at most.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

#include "mip6d/runtime/scheduler.hpp"

namespace roam6::mip6d::etcd {

class LeaseBuckets {
 public:
  explicit LeaseBuckets(std::chrono::seconds width) : width_(width) {}

  [[nodiscard]] std::int64_t bucket_of(WallTime expires) const;
  // The bucket's lease, if granted.
  [[nodiscard]] std::optional<std::int64_t> lease(std::int64_t bucket) const;
  // The TTL to grant the bucket's lease with at `now`: to the bucket's end
  // plus one width.
  [[nodiscard]] std::chrono::seconds ttl(std::int64_t bucket, WallTime now) const;
  void granted(std::int64_t bucket, std::int64_t lease_id) { leases_[bucket] = lease_id; }
  // Forgets the leases of buckets that ended before `now` (etcd revokes
  // them by itself), and all of them after etcd lost one.
  void forget_ended(WallTime now);
  void clear() { leases_.clear(); }
  [[nodiscard]] std::size_t size() const noexcept { return leases_.size(); }

 private:
  std::chrono::seconds width_;
  std::map<std::int64_t, std::int64_t> leases_;  // bucket -> lease ID
};

}  // namespace roam6::mip6d::etcd
