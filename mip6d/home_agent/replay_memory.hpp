#pragma once
// The Home Agent's memory of the last Binding Update it accepted per home
// address (and per mobile node identity, RFC 4283, where a BU carries one),
// kept apart from the binding cache so that RFC 4285 section 6 replay
// protection does not end with the binding: a registration captured off the
// wire and resent after a deregistration, an expiry, a restart or a move to
// another care-of address is still "not newer than the last accepted".
//
// How long a record must live: the HA refuses any timestamp more than
// `replay_window` away from its own clock. A replay of a BU carries a
// timestamp <= the last accepted one, so once the HA's clock is past
// last_accepted + replay_window every such replay is refused by the window
// check alone, and the record may go. Memory therefore holds one record per
// key accepted within the last window (plus any clock lead of the host), not
// one per binding: bounded by `capacity`, and each record expires by itself.
//
// When full, the record that would expire first is evicted and its timestamp
// raises `floor`: a key with no record must then be newer than the floor.
// Sound (nothing evicted can be replayed), and the price is bounded: a host
// whose clock is behind the floor is refused with 144 and the HA's time until
// it is past it, at most one window.
//
// Pure data structure: no I/O, no clock of its own. The Home Agent persists
// every change in the binding store, in the batch of the BU that caused it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "mip6d/runtime/scheduler.hpp"
#include "roam6/wire/address.hpp"

namespace roam6::mip6d::ha {

// What a record is about: a home address, or an RFC 4283 mobile node
// identity (subtype byte followed by the identifier). The stored form is one
// kind byte and those bytes.
struct ReplayKey {
  enum class Kind : std::uint8_t { home_address = 0, mobile_node_identifier = 1 };

  static ReplayKey for_home_address(const wire::Ip6Addr& hoa) { return {Kind::home_address, hoa, {}}; }
  static ReplayKey for_mobile_node(std::uint8_t subtype, std::span<const std::uint8_t> identifier);
  // Parses the stored form; nullopt when it is not one this code writes.
  static std::optional<ReplayKey> from_bytes(std::span<const std::uint8_t> bytes);
  [[nodiscard]] std::string to_bytes() const;
  // For logs: the home address, or "mn-id:<subtype>:<identifier>".
  [[nodiscard]] std::string to_string() const;

  Kind kind = Kind::home_address;
  wire::Ip6Addr home_address;  // kind home_address
  std::string identity;        // kind mobile_node_identifier: subtype, identifier
  bool operator==(const ReplayKey&) const = default;
};

struct ReplayRecord {
  std::uint64_t last_timestamp = 0;  // NTP format, as the BU carried it
  std::uint16_t sequence = 0;        // of that BU
  WallTime forget_at{};              // last_timestamp + window: no replay passes after
};

// The stored form of the eviction floor: a key no ReplayKey ever has.
inline constexpr std::uint8_t replay_floor_key_byte = 0xff;

class ReplayMemory {
 public:
  // `capacity`: records held at most, home addresses and identities together.
  // `window`: the Home Agent's replay window.
  ReplayMemory(std::size_t capacity, std::chrono::seconds window);

  // When a record of `timestamp` stops mattering under the current window.
  [[nodiscard]] WallTime forget_at(std::uint64_t timestamp) const;

  // The newest timestamp accepted for `key`: its record's, else the eviction
  // floor (0 when neither applies).
  [[nodiscard]] std::uint64_t last_accepted(const ReplayKey& key) const;

  // Records an accepted BU; keeps the newer timestamp when one is held.
  // Returns the keys evicted to make room (their timestamps raised the
  // floor), so the owner can drop them from the store too.
  std::vector<ReplayKey> remember(const ReplayKey& key, std::uint64_t timestamp, std::uint16_t sequence);

  // Drops every record (and the floor) whose forget_at is at or before `now`,
  // calling `forgotten` for each record. Returns how many went.
  std::size_t expire(WallTime now, const std::function<void(const ReplayKey&)>& forgotten = {});

  // Restores from the store at start; records already over at `now` are ignored.
  void restore(const ReplayKey& key, std::uint64_t timestamp, std::uint16_t sequence, WallTime now);
  void restore_floor(std::uint64_t floor, WallTime now);

  // A new window (configuration reload): every record's forget_at follows,
  // so a wider window never lets a record go before a replay of it would be
  // refused by the window check.
  void set_window(std::chrono::seconds window);
  [[nodiscard]] std::chrono::seconds window() const noexcept { return window_; }

  [[nodiscard]] const ReplayRecord* find(const ReplayKey& key) const;
  [[nodiscard]] std::size_t size() const noexcept { return by_address_.records.size() + by_identity_.records.size(); }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  void set_capacity(std::size_t capacity) noexcept { capacity_ = capacity; }
  [[nodiscard]] std::uint64_t floor() const noexcept { return floor_; }
  [[nodiscard]] WallTime floor_forget_at() const noexcept { return floor_forget_at_; }
  [[nodiscard]] std::uint64_t evictions() const noexcept { return evictions_; }
  // When the next record (or the floor) can be forgotten.
  [[nodiscard]] std::optional<WallTime> next_expiry();

 private:
  // Home addresses are nearly every key: they get a compact table of their
  // own (about 90 bytes per record with its heap slot); identities, rare,
  // another. Each table is a hash map plus a min-heap by forget_at, in which
  // a renewed record leaves its old slot stale, skipped when it surfaces.
  template <class Key, class Hash>
  struct Table {
    struct Slot {
      WallTime forget_at;
      Key key;
    };
    std::unordered_map<Key, ReplayRecord, Hash> records;
    std::vector<Slot> heap;

    void rebuild_heap();
    const ReplayRecord* find(const Key& k) const;
    void put(const Key& k, const ReplayRecord& r);
    // Earliest live slot, stale ones dropped; nullptr when empty.
    const Slot* earliest();
    void pop_earliest();
  };

  void make_room(std::vector<ReplayKey>& evicted);
  void raise_floor(std::uint64_t timestamp);

  std::size_t capacity_;
  std::chrono::seconds window_;
  Table<wire::Ip6Addr, std::hash<wire::Ip6Addr>> by_address_;
  Table<std::string, std::hash<std::string>> by_identity_;
  std::uint64_t floor_ = 0;
  WallTime floor_forget_at_{};
  std::uint64_t evictions_ = 0;
};

}  // namespace roam6::mip6d::ha
