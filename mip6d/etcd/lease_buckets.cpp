#include "mip6d/etcd/lease_buckets.hpp"

#include <algorithm>

namespace roam6::mip6d::etcd {
namespace {
std::int64_t seconds_since_epoch(WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
}  // namespace

std::int64_t LeaseBuckets::bucket_of(WallTime expires) const {
  const std::int64_t s = seconds_since_epoch(expires);
  const std::int64_t w = width_.count();
  return s >= 0 ? (s + w - 1) / w : s / w;
}

std::optional<std::int64_t> LeaseBuckets::lease(std::int64_t bucket) const {
  const auto it = leases_.find(bucket);
  return it == leases_.end() ? std::nullopt : std::optional(it->second);
}

std::chrono::seconds LeaseBuckets::ttl(std::int64_t bucket, WallTime now) const {
  const std::int64_t end = (bucket + 1) * width_.count();
  return std::chrono::seconds(std::max<std::int64_t>(end - seconds_since_epoch(now), width_.count()));
}

void LeaseBuckets::forget_ended(WallTime now) {
  const std::int64_t current = bucket_of(now);
  leases_.erase(leases_.begin(), leases_.lower_bound(current));
}

}  // namespace roam6::mip6d::etcd
