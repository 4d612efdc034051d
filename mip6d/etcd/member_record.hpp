#pragma once
// A member of a home link's election as the others see it (docs/cluster.md):
// P/members/<node_name> holds {"identity", "priority", "ready"} under the
// member's lease, and its rank says who should lead.
//
// Rank: the higher leader_priority first; among equal priorities, a hash of
// the node name and the etcd prefix (rendezvous hashing), then the name.
// The hash orders the members differently for each prefix, so when every
// machine runs one Home Agent per home prefix under the same node name, the
// prefixes' leaders spread evenly over the machines with no configuration,
// and a machine that goes or comes moves only its own share.

#include <cstdint>
#include <string>
#include <string_view>

namespace roam6::mip6d::etcd {

struct MemberRecord {
  std::string name;
  std::string identity;  // node name and Home Agent address
  int priority = 100;
  bool ready = false;  // its copy of the bindings is current: it could take over now
  std::int64_t revision = 0;  // etcd's mod_revision of the record when read (not stored in it)
};

[[nodiscard]] std::string encode_member(const MemberRecord& member);
// A value that is not ours (or from before priorities) reads as its
// identity, priority 100, not ready.
[[nodiscard]] MemberRecord decode_member(std::string name, std::string_view value);

[[nodiscard]] std::uint64_t spread_hash(std::string_view name, std::string_view prefix);
// True when `a` should lead rather than `b` on the home link under `prefix`.
[[nodiscard]] bool outranks(const MemberRecord& a, const MemberRecord& b, std::string_view prefix);

}  // namespace roam6::mip6d::etcd
