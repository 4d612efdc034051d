// A member's record and rank (member_record.hpp).
#include "mip6d/etcd/member_record.hpp"

#include <gtest/gtest.h>

#include <map>

namespace roam6::mip6d::etcd {
namespace {

TEST(MemberRecord, RoundTripsAndReadsAPlainValueAsItsIdentity) {
  const MemberRecord m{"ha1", "ha1 2001:db8:a::1", 150, true};
  const MemberRecord back = decode_member("ha1", encode_member(m));
  EXPECT_EQ(back.identity, m.identity);
  EXPECT_EQ(back.priority, 150);
  EXPECT_TRUE(back.ready);
  const MemberRecord plain = decode_member("ha2", "ha2 2001:db8:a::1");
  EXPECT_EQ(plain.name, "ha2");
  EXPECT_EQ(plain.identity, "ha2 2001:db8:a::1");
  EXPECT_EQ(plain.priority, 100);
  EXPECT_FALSE(plain.ready);
}

TEST(MemberRecord, PriorityComesFirstThenTheHashThenTheName) {
  const MemberRecord low{"zzz", "", 100, true};
  const MemberRecord high{"aaa", "", 101, true};
  EXPECT_TRUE(outranks(high, low, "/roam6/p"));
  EXPECT_FALSE(outranks(low, high, "/roam6/p"));
  // Equal priorities: a strict order, the same on every member.
  const MemberRecord x{"x", "", 100, true};
  const MemberRecord y{"y", "", 100, true};
  EXPECT_NE(outranks(x, y, "/roam6/p"), outranks(y, x, "/roam6/p"));
  EXPECT_FALSE(outranks(x, x, "/roam6/p"));
}

// Three machines, each running one Home Agent for each of 300 prefixes
// under its own node name, all at the default priority: each leads about a
// third of the prefixes; when one goes, its prefixes spread over the other
// two and no other prefix changes leader.
TEST(MemberRecord, LeadersOfManyPrefixesSpreadOverTheMachines) {
  const std::vector<MemberRecord> machines{{"m1", "", 100, true}, {"m2", "", 100, true}, {"m3", "", 100, true}};
  const auto leader = [](const std::vector<MemberRecord>& ms, const std::string& prefix) {
    const MemberRecord* best = &ms[0];
    for (const auto& m : ms)
      if (outranks(m, *best, prefix)) best = &m;
    return best->name;
  };
  std::map<std::string, int> leads;
  std::map<std::string, std::string> before;
  for (int i = 0; i < 300; ++i) {
    const std::string prefix = "/roam6/site-a/prefix-" + std::to_string(i);
    before[prefix] = leader(machines, prefix);
    ++leads[before[prefix]];
  }
  for (const auto& [name, n] : leads) {
    EXPECT_GE(n, 70) << name;
    EXPECT_LE(n, 130) << name;
  }
  const std::vector<MemberRecord> without_m2{machines[0], machines[2]};
  for (const auto& [prefix, was] : before) {
    if (was != "m2") {
      EXPECT_EQ(leader(without_m2, prefix), was) << prefix;
    }
  }
}

}  // namespace
}  // namespace roam6::mip6d::etcd
