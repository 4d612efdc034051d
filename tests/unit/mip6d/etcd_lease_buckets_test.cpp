#include "mip6d/etcd/lease_buckets.hpp"

#include <gtest/gtest.h>

namespace roam6::mip6d::etcd {
namespace {

using namespace std::chrono_literals;

WallTime at(std::int64_t seconds) { return WallTime(std::chrono::seconds(seconds)); }

TEST(LeaseBuckets, AnExpiryFallsInTheBucketThatEndsAtOrAfterIt) {
  const LeaseBuckets b(60s);
  EXPECT_EQ(b.bucket_of(at(6000)), 100);
  EXPECT_EQ(b.bucket_of(at(6001)), 101);
  EXPECT_EQ(b.bucket_of(at(6059)), 101);
  EXPECT_EQ(b.bucket_of(at(6060)), 101);
  EXPECT_EQ(b.bucket_of(at(6060) + 1ms), 101);  // whole seconds: the lease's own grain
}

// The lease outlives every expiry of its bucket, and by at most two widths.
TEST(LeaseBuckets, TheLeaseOutlivesEveryExpiryOfItsBucket) {
  const LeaseBuckets b(60s);
  const WallTime now = at(1000);
  for (const std::int64_t expiry : {1001, 1020, 1059, 1060, 1061, 5000}) {
    const std::int64_t bucket = b.bucket_of(at(expiry));
    const auto ttl = b.ttl(bucket, now).count();
    EXPECT_GE(1000 + ttl, expiry) << expiry;
    EXPECT_LE(1000 + ttl, expiry + 120) << expiry;
  }
  // Never shorter than one width, even for a bucket about to end.
  EXPECT_EQ(b.ttl(b.bucket_of(at(1000)), at(1079)), 60s);
}

TEST(LeaseBuckets, EndedBucketsAreForgotten) {
  LeaseBuckets b(60s);
  b.granted(b.bucket_of(at(1000)), 7);
  b.granted(b.bucket_of(at(2000)), 8);
  EXPECT_EQ(b.lease(b.bucket_of(at(1000))), 7);
  b.forget_ended(at(1500));
  EXPECT_FALSE(b.lease(b.bucket_of(at(1000))).has_value());
  EXPECT_EQ(b.lease(b.bucket_of(at(2000))), 8);
  EXPECT_EQ(b.size(), 1u);
}

}  // namespace
}  // namespace roam6::mip6d::etcd
