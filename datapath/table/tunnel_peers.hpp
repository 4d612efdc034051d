#pragma once
// The outer headers the binding table's tunnels use, one per (source,
// destination) pair and shared by every binding that tunnels between the
// two: at a Home Agent, all the guests of one host (one care-of address);
// at a host, all the guests of one Home Agent. A forwarding core reaches a
// binding's outer header through its hash value (tunnels) or its record
// (guests); with few peers they stay in cache, so a binding costs no line
// of its own for its outer header.
//
// Writer only (the binding table's control thread). A peer is immutable
// while any binding names it: take() shares a peer or fills a fresh one,
// drop() reports when the last user left, and the table gives the peer back
// with release() — at once when no reader ever saw it, else after a grace
// period.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <new>
#include <optional>
#include <unordered_map>

#include "datapath/table/binding_table.hpp"
#include "datapath/table/outer_header_template.hpp"
#include "datapath/table/record_pool.hpp"
#include "datapath/table/zeroed_array.hpp"

namespace roam6::datapath {

class TunnelPeers {
 public:
  explicit TunnelPeers(std::uint32_t capacity) : pool_(capacity), users_(capacity) {}

  // The peer for outer headers from `source` to `destination`, one user
  // more; nullopt when every peer is in use or waiting out a grace period,
  // or the index has no memory left (the change then fails, as when full).
  [[nodiscard]] std::optional<std::uint32_t> take(const Ip6Addr& source, const Ip6Addr& destination) noexcept {
    const Ends ends{source, destination};
    if (const auto known = index_of_.find(ends); known != index_of_.end()) {
      ++users_[known->second];
      return known->second;
    }
    TunnelPeer* fresh = pool_.acquire();
    if (fresh == nullptr) return std::nullopt;
    fresh->outer = make_outer_header_template(source, destination);
    const std::uint32_t index = pool_.index_of(fresh);
    try {
      index_of_.emplace(ends, index);
    } catch (const std::bad_alloc&) {
      pool_.release(index);
      return std::nullopt;
    }
    users_[index] = 1;
    return index;
  }

  // One user fewer. True when that was the last: the peer is no one's now
  // and the caller gives it back with release(), after a grace period if a
  // reader may have seen it.
  [[nodiscard]] bool drop(std::uint32_t index) noexcept {
    if (--users_[index] != 0) return false;
    const TunnelPeer& peer = pool_[index];
    index_of_.erase(Ends{Ip6Addr::from_bytes(peer.source_bytes()), Ip6Addr::from_bytes(peer.destination_bytes())});
    return true;
  }
  void release(std::uint32_t index) noexcept { pool_.release(index); }

  [[nodiscard]] const TunnelPeer& operator[](std::uint32_t index) const noexcept { return pool_[index]; }
  [[nodiscard]] const TunnelPeer* data() const noexcept { return pool_.data(); }
  [[nodiscard]] std::uint32_t index_of(const TunnelPeer* peer) const noexcept { return pool_.index_of(peer); }
  // Peers some binding names.
  [[nodiscard]] std::size_t in_use() const noexcept { return index_of_.size(); }
  [[nodiscard]] std::uint32_t capacity() const noexcept { return pool_.capacity(); }
  [[nodiscard]] std::uint32_t high_water() const noexcept { return pool_.high_water(); }
  void populate(std::uint32_t first, std::uint32_t count) const noexcept {
    pool_.populate(first, count);
    (void)users_.populate(first, count);
  }

 private:
  struct Ends {
    Ip6Addr source;
    Ip6Addr destination;
    bool operator==(const Ends&) const = default;
  };
  struct EndsHash {
    std::size_t operator()(const Ends& e) const noexcept {
      const std::hash<Ip6Addr> h;
      return h(e.source) * 31 + h(e.destination);
    }
  };

  RecordPool<TunnelPeer> pool_;
  ZeroedArray<std::uint32_t> users_;
  std::unordered_map<Ends, std::uint32_t, EndsHash> index_of_;
};

}  // namespace roam6::datapath
