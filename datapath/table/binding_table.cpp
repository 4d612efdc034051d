#include "datapath/table/binding_table.hpp"

#include <rte_lcore.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <deque>
#include <new>
#include <unordered_map>
#include <vector>

#include "datapath/table/grace_periods.hpp"
#include "datapath/table/cache_line_hash.hpp"
#include "datapath/table/outer_header_template.hpp"
#include "datapath/table/record_pool.hpp"
#include "datapath/table/slot_allocator.hpp"
#include "datapath/table/traffic_log.hpp"
#include "datapath/table/tunnel_peers.hpp"
#include "datapath/table/zeroed_array.hpp"

namespace roam6::datapath {
namespace {

// Well under RTE_HASH_ENTRIES_MAX (1 << 30) once headroom is added, and keeps
// every size computation below inside 32 bits.
constexpr std::uint32_t max_bindings_per_kind = 1u << 28;

// Records, slots and key slots waiting out a grace period still occupy their
// storage, so every pool is larger than the live limit. The headroom only
// decides how often the writer must wait for readers when changes come in a
// burst; correctness never depends on it.
std::uint32_t grace_headroom(std::uint32_t live) noexcept {
  return std::max<std::uint32_t>(64, live / 8);
}

// Names for messages (and, were the hashes EAL objects, short enough for
// the EAL's 32-character memzone names).
std::string hash_name(const std::string& prefix, unsigned serial, const char* kind) {
  const std::string head = prefix.empty() ? std::string("roam6") : prefix.substr(0, 8);
  return head + "_" + std::to_string(serial) + "_" + kind;
}

std::atomic<unsigned> next_table_serial{0};

std::uint64_t load_relaxed(const std::uint64_t& value) noexcept {
  return __atomic_load_n(&value, __ATOMIC_RELAXED);
}

// A tunnel's hash value: its slot in the high word, its peer's index + 1 in
// the low one (a value of 0 marks an empty entry).
std::uint64_t tunnel_value(std::uint32_t slot, std::uint32_t peer) noexcept {
  return (std::uint64_t{slot} << 32) | (std::uint64_t{peer} + 1);
}
std::uint32_t slot_of(std::uint64_t tunnel) noexcept { return static_cast<std::uint32_t>(tunnel >> 32); }
std::uint32_t peer_of(std::uint64_t tunnel) noexcept { return static_cast<std::uint32_t>(tunnel) - 1; }
// A guest hash's value: its record's address (0: none). A lambda, so the
// bulk lookups inline it rather than call through a pointer.
constexpr auto guest_record = [](std::uint64_t value) noexcept {
  return reinterpret_cast<const GuestRecord*>(value);
};

BindingTableLimits checked(const BindingTableLimits& limits) {
  if (limits.max_readers == 0 || limits.max_readers > RTE_MAX_LCORE)
    throw BindingTableError("binding table: max_readers must be 1.." +
                            std::to_string(RTE_MAX_LCORE) + ", not " +
                            std::to_string(limits.max_readers));
  if (limits.max_tunnels > max_bindings_per_kind || limits.max_guests > max_bindings_per_kind ||
      limits.max_other_home_addresses > max_bindings_per_kind)
    throw BindingTableError("binding table: at most " + std::to_string(max_bindings_per_kind) +
                            " tunnels and as many guests and other home addresses");
  return limits;
}

// Every guest's home address plus the other addresses of all guests.
std::uint32_t address_keys(const BindingTableLimits& limits) noexcept {
  return limits.max_guests + limits.max_other_home_addresses;
}

}  // namespace

struct BindingTable::Impl {
  // What a pending entry gives back once its grace period has passed.
  enum class Retired : std::uint8_t {
    tunnel_peer,
    guest_record,
    slot,
    tunnel_key,         // key slot position in `tunnels`
    guest_mac_key,      // ... in `guests_by_mac`
    guest_address_key,  // ... in `guests_by_home_address`
  };
  struct Pending {
    std::uint64_t token;
    Retired what;
    std::uint32_t index;
  };

  Impl(const BindingTableLimits& table_limits, const Ip6Addr& home_agent_address,
       unsigned serial)
      : limits(checked(table_limits)),
        home_agent(home_agent_address),
        grace(limits.max_readers),
        tunnels(hash_name(limits.name, serial, "tun"),
                limits.max_tunnels + grace_headroom(limits.max_tunnels), limits.hash_seed),
        guests_by_mac(hash_name(limits.name, serial, "mac"),
                      limits.max_guests + grace_headroom(limits.max_guests), limits.hash_seed),
        guests_by_home_address(hash_name(limits.name, serial, "hoa"),
                               address_keys(limits) + grace_headroom(address_keys(limits)), limits.hash_seed),
        // Tunnels and guests, each with an address pair of its own at worst.
        tunnel_peers(limits.max_tunnels + limits.max_guests +
                     grace_headroom(limits.max_tunnels + limits.max_guests)),
        guest_records(limits.max_guests + grace_headroom(limits.max_guests)),
        slots(limits.max_tunnels + limits.max_guests +
              grace_headroom(limits.max_tunnels + limits.max_guests)),
        state_shift(limits.reader_state ? 1 : 0),
        counters((std::size_t{limits.max_readers} * slots.capacity()) << state_shift),
        folded(limits.traffic_log_entries == 0 ? 0 : slots.capacity()) {
    if (limits.traffic_log_entries != 0) {
      logs.reserve(limits.max_readers);
      for (std::uint32_t reader = 0; reader < limits.max_readers; ++reader) {
        logs.push_back(std::make_unique<TrafficLog>(limits.traffic_log_entries));
        log_pointers.push_back(logs.back().get());
      }
    }
    keep_backed_ahead();
  }

  // ---- memory backed ahead of need (table_memory.hpp) ----

  // Fresh records and slots kept backed beyond the highest ever handed out,
  // so a burst of this many new bindings takes no page fault; extended a
  // step at a time, by the writer, after a change is published.
  static constexpr std::uint32_t backed_ahead = 8192;
  static constexpr std::uint32_t backing_step = 16384;

  void keep_backed_ahead() noexcept {
    extend_backing(tunnel_peers.high_water(), tunnel_peers.capacity(), tunnel_peers_backed,
                   [this](std::uint32_t first, std::uint32_t count) { tunnel_peers.populate(first, count); });
    extend_backing(guest_records.high_water(), guest_records.capacity(), guest_records_backed,
                   [this](std::uint32_t first, std::uint32_t count) { guest_records.populate(first, count); });
    extend_backing(slots.high_water(), slots.capacity(), slots_backed, [this](std::uint32_t first, std::uint32_t count) {
      slots.populate(first, count);
      for (std::uint32_t reader = 0; reader < limits.max_readers; ++reader)
        counters.populate(row(reader, first), std::size_t{count} << state_shift);
      folded.populate(first, count);
    });
  }

  template <class Populate>
  static void extend_backing(std::uint32_t high_water, std::uint32_t capacity, std::uint32_t& backed,
                             Populate populate) noexcept {
    while (backed < capacity && high_water + backed_ahead > backed) {
      const std::uint32_t step = std::min(backing_step, capacity - backed);
      populate(backed, step);
      backed += step;
    }
  }

  // ---- grace periods ----

  // Call only after `index` is unreachable for readers that start looking now.
  void retire(Retired what, std::uint32_t index) {
    pending.push_back(Pending{grace.start(), what, index});
  }

  void release(const Pending& entry) noexcept {
    switch (entry.what) {
      case Retired::tunnel_peer: tunnel_peers.release(entry.index); break;
      case Retired::guest_record: guest_records.release(entry.index); break;
      case Retired::slot: slots.release(entry.index); break;
      case Retired::tunnel_key: tunnels.free_position(entry.index); break;
      case Retired::guest_mac_key: guests_by_mac.free_position(entry.index); break;
      case Retired::guest_address_key: guests_by_home_address.free_position(entry.index); break;
    }
  }

  // Tokens grow with the queue, so the first entry whose grace period has
  // not passed ends the scan.
  void reclaim() noexcept {
    std::size_t ready = 0;
    while (ready < pending.size() && grace.has_passed(pending[ready].token)) ++ready;
    // Fold after the check, before the release: a reader publishes its log
    // before each quiescent state, so every packet logged against a slot
    // given back here is folded now, not later onto the slot's next owner
    // (whose counters start at zero, take_slot).
    fold_traffic();
    for (; ready > 0; --ready) {
      release(pending.front());
      pending.pop_front();
    }
  }

  // Waits until everything pending is reusable; false when there was nothing
  // to wait for or the readers did not answer in time.
  bool wait_and_reclaim() noexcept {
    if (pending.empty()) return false;
    const bool passed = grace.wait(pending.back().token,
                                   std::chrono::milliseconds(limits.grace_period_wait_ms));
    reclaim();
    return passed;
  }

  // Runs `attempt` (returns something testable: pointer, optional, bool) and,
  // if it finds no room, retries after reclaiming what is ready and then
  // after waiting for a grace period.
  template <class Attempt>
  auto with_room(Attempt attempt) noexcept {
    auto result = attempt();
    if (result) return result;
    reclaim();
    result = attempt();
    if (result) return result;
    if (wait_and_reclaim()) result = attempt();
    return result;
  }

  // ---- writer helpers ----

  template <class Record>
  Record* take_record(RecordPool<Record>& pool) noexcept {
    return with_room([&pool] { return pool.acquire(); });
  }

  std::optional<Slot> take_slot() noexcept {
    auto slot = with_room([this] { return slots.allocate(); });
    // The previous owner's traffic must not show up under the new binding.
    // No reader writes these now: the slot came back after a grace period,
    // and the record naming it is published (a release store) after this.
    // (reclaim() folded the old owner's logged traffic before the slot came back.)
    if (slot && slot->reused) {
      for (std::uint32_t reader = 0; reader < limits.max_readers; ++reader) {
        counter(reader, slot->index) = BindingCounters{};
        // The reader state is not a BindingCounters: bytes, not a typed store.
        if (state_shift != 0) std::memset(static_cast<void*>(&counters[row(reader, slot->index) + 1]), 0, reader_state_bytes);
      }
      if (!logs.empty()) folded[slot->index] = BindingCounters{};
    }
    return slot;
  }

  template <class Hash>
  bool publish(Hash& hash, const void* key, std::uint64_t value) noexcept {
    return with_room([&] { return hash.insert(key, value) == Hash::Insert::done; });
  }
  template <class Hash, class Record>
  bool publish(Hash& hash, const void* key, const Record* record) noexcept {
    return publish(hash, key, reinterpret_cast<std::uint64_t>(record));
  }

  // ---- tunnel peers (tunnel_peers.hpp) ----

  // The peer for outer headers from `source` to `destination`, shared when
  // another binding names it already; nullopt when none is free (after
  // waiting out a grace period).
  std::optional<std::uint32_t> take_peer(const Ip6Addr& source, const Ip6Addr& destination) {
    return with_room([&] { return tunnel_peers.take(source, destination); });
  }

  // One binding stops naming the peer. The last one gives it back: at once
  // when no reader ever saw it (`published` false), else after a grace period.
  void drop_peer(std::uint32_t index, bool published) {
    if (!tunnel_peers.drop(index)) return;
    if (published)
      retire(Retired::tunnel_peer, index);
    else
      tunnel_peers.release(index);
  }

  // Unlinks `key` (which must be present) and frees its key slot later.
  template <class Hash>
  void unlink(Hash& hash, const void* key, Retired what) {
    if (const auto position = hash.erase(key)) retire(what, *position);
  }

  // Where the reader's counters for `slot` are (BindingTable::row_index).
  std::size_t row(std::uint32_t reader, std::uint32_t slot) const noexcept {
    return (std::size_t{reader} * slots.capacity() + slot) << state_shift;
  }
  BindingCounters& counter(std::uint32_t reader, std::uint32_t slot) noexcept { return counters[row(reader, slot)]; }

  // Writer only: the logs and `folded` change on every call.
  std::uint64_t fold_traffic() noexcept {
    std::uint64_t packets = 0;
    const std::uint32_t capacity = slots.capacity();
    for (const auto& log : logs) {
      packets += log->drain(
          [this, capacity](std::uint32_t slot) noexcept {
            // A read prefetch: GCC drops write prefetches for our target (prefetch_counters).
            if (slot < capacity) __builtin_prefetch(&folded[slot], 0, 3);
          },
          [this, capacity](const LoggedTraffic& traffic) noexcept {
            if (traffic.slot >= capacity) [[unlikely]] return;  // a caller bug: never another's
            BindingCounters& c = folded[traffic.slot];
            if (traffic.encapsulated) {
              ++c.encapsulated_packets;
              c.encapsulated_bytes += traffic.bytes;
            } else {
              ++c.decapsulated_packets;
              c.decapsulated_bytes += traffic.bytes;
            }
          });
    }
    return packets;
  }

  BindingCounters sum_counters(std::uint32_t slot) const noexcept {
    BindingCounters total;
    if (!logs.empty()) total = folded[slot];
    for (std::uint32_t reader = 0; reader < limits.max_readers; ++reader) {
      const BindingCounters& one = counters[row(reader, slot)];
      // Readers write these while we read; aligned 64-bit loads are never torn.
      total.encapsulated_packets += load_relaxed(one.encapsulated_packets);
      total.encapsulated_bytes += load_relaxed(one.encapsulated_bytes);
      total.decapsulated_packets += load_relaxed(one.decapsulated_packets);
      total.decapsulated_bytes += load_relaxed(one.decapsulated_bytes);
    }
    return total;
  }

  // The tunnel's hash value (tunnel_value), or 0.
  std::uint64_t find_tunnel(const Ip6Addr& home_address) const noexcept {
    return tunnels.find(home_address.bytes.data());
  }
  const GuestRecord* find_guest(const MacAddr& mac) const noexcept {
    return guest_record(guests_by_mac.find(mac.bytes.data()));
  }
  const GuestRecord* find_guest_by_home_address(const Ip6Addr& home_address) const noexcept {
    return guest_record(guests_by_home_address.find(home_address.bytes.data()));
  }

  BindingTableLimits limits;
  Ip6Addr home_agent;
  GracePeriods grace;
  CacheLineHash<16> tunnels;
  CacheLineHash<6> guests_by_mac;
  CacheLineHash<16> guests_by_home_address;
  TunnelPeers tunnel_peers;
  RecordPool<GuestRecord> guest_records;
  SlotAllocator slots;
  unsigned state_shift;                   // 1 with reader state (BindingTable::row_index)
  ZeroedArray<BindingCounters> counters;  // [reader][slot], what did not fit a log
  // One log per reader index (none when limits.traffic_log_entries is 0),
  // folded into `folded` [slot] by the writer.
  std::vector<std::unique_ptr<TrafficLog>> logs;
  std::vector<TrafficLog*> log_pointers;
  ZeroedArray<BindingCounters> folded;
  std::deque<Pending> pending;
  std::uint32_t tunnel_peers_backed = 0;  // peers [0, n) are backed by memory
  std::uint32_t guest_records_backed = 0;
  std::uint32_t slots_backed = 0;
  std::atomic<std::size_t> tunnel_count{0};
  std::atomic<std::size_t> guest_count{0};
  std::atomic<std::size_t> holding_at_home{0};
  // Writer only: the addresses each guest is published under (its home
  // address first, when it has one), so a change can tell which to add,
  // keep and drop; and how many of them are other addresses.
  std::unordered_map<MacAddr, std::vector<Ip6Addr>> address_keys_of;
  std::atomic<std::size_t> other_address_count{0};
};

namespace {

// A guest's home address may not be known yet when its port appears; such a
// guest is reachable by MAC only.
bool indexed_by_home_address(const Ip6Addr& home_address) noexcept {
  return !home_address.is_unspecified();
}

// The addresses a guest is found by: its home address (when known) first,
// then each other address once.
std::vector<Ip6Addr> guest_address_keys(const GuestSpec& spec) {
  std::vector<Ip6Addr> keys;
  keys.reserve(1 + spec.other_home_addresses.size());
  if (indexed_by_home_address(spec.home_address)) keys.push_back(spec.home_address);
  for (const Ip6Addr& address : spec.other_home_addresses) {
    if (!indexed_by_home_address(address)) continue;
    if (std::find(keys.begin(), keys.end(), address) != keys.end()) continue;
    keys.push_back(address);
  }
  return keys;
}

}  // namespace

BindingTable::BindingTable(const BindingTableLimits& limits, const Ip6Addr& home_agent_address)
    : impl_(std::make_unique<Impl>(limits, home_agent_address, next_table_serial.fetch_add(1))),
      counters_(impl_->counters.data()),
      logs_(impl_->log_pointers.empty() ? nullptr : impl_->log_pointers.data()),
      tunnel_peers_(impl_->tunnel_peers.data()),
      slot_capacity_(impl_->slots.capacity()),
      max_readers_(impl_->limits.max_readers),
      state_shift_(impl_->state_shift) {}

BindingTable::~BindingTable() = default;

// ---- writer ----

bool BindingTable::set_tunnel(const TunnelSpec& spec) {
  Impl& t = *impl_;
  t.reclaim();
  const void* key = spec.home_address.bytes.data();
  const std::uint64_t old = t.find_tunnel(spec.home_address);
  if (old != 0 && t.tunnel_peers[peer_of(old)].care_of_address() == spec.care_of_address)
    return true;  // a refresh: nothing a reader sees changes
  if (old == 0 && t.tunnel_count.load(std::memory_order_relaxed) >= t.limits.max_tunnels)
    return false;

  const auto peer = t.take_peer(t.home_agent, spec.care_of_address);
  if (!peer) return false;
  std::uint32_t slot = 0;
  if (old != 0) {
    slot = slot_of(old);
  } else if (const auto taken = t.take_slot()) {
    slot = taken->index;
  } else {
    t.drop_peer(*peer, false);
    return false;
  }
  if (!t.publish(t.tunnels, key, tunnel_value(slot, *peer))) {
    // Never visible to a reader through this binding.
    t.drop_peer(*peer, false);
    if (old == 0) t.slots.release(slot);
    return false;
  }
  if (old != 0)
    t.drop_peer(peer_of(old), true);
  else
    t.tunnel_count.fetch_add(1, std::memory_order_relaxed);
  t.keep_backed_ahead();
  return true;
}

bool BindingTable::clear_tunnel(const Ip6Addr& home_address) {
  Impl& t = *impl_;
  t.reclaim();
  const std::uint64_t old = t.find_tunnel(home_address);
  if (old == 0) return false;
  t.unlink(t.tunnels, home_address.bytes.data(), Impl::Retired::tunnel_key);
  t.drop_peer(peer_of(old), true);
  t.retire(Impl::Retired::slot, slot_of(old));
  t.tunnel_count.fetch_sub(1, std::memory_order_relaxed);
  return true;
}

bool BindingTable::set_guest(const GuestSpec& spec) {
  Impl& t = *impl_;
  t.reclaim();
  const GuestRecord* old = t.find_guest(spec.mac);
  if (!old && t.guest_count.load(std::memory_order_relaxed) >= t.limits.max_guests) return false;
  const std::vector<Ip6Addr> keys = guest_address_keys(spec);
  static const std::vector<Ip6Addr> none;
  const auto known = t.address_keys_of.find(spec.mac);
  const std::vector<Ip6Addr>& old_keys = known != t.address_keys_of.end() ? known->second : none;
  const auto other_count = [&spec](const std::vector<Ip6Addr>& list) {
    return list.size() - (!list.empty() && list.front() == spec.home_address ? 1 : 0);
  };
  std::size_t old_others = 0;
  if (old) old_others = old_keys.size() - (indexed_by_home_address(old->home_address) ? 1 : 0);
  const std::size_t new_others = other_count(keys);
  if (t.other_address_count.load(std::memory_order_relaxed) - old_others + new_others >
      t.limits.max_other_home_addresses)
    return false;
  // One address, one guest: a second guest claiming it is a configuration
  // error (or a spoof) the first guest must not pay for.
  for (const Ip6Addr& address : keys) {
    const GuestRecord* holder = t.find_guest_by_home_address(address);
    if (holder && holder->mac != spec.mac) return false;
  }
  const auto listed = [](const std::vector<Ip6Addr>& list, const Ip6Addr& address) {
    return std::find(list.begin(), list.end(), address) != list.end();
  };

  // A guest that left home hands what it held over through the same tunnel
  // to its Home Agent as an away guest (from this host's address).
  const Ip6Addr unspecified{};
  const bool forwarding = spec.forward_to != unspecified;
  const bool forward_natively = forwarding && spec.forward_to == spec.home_address;
  const bool holding_at_home = !spec.away && spec.holding_at_home;
  const bool tunnels = spec.away || (holding_at_home && forwarding && !forward_natively);

  GuestRecord* fresh = t.take_record(t.guest_records);
  if (!fresh) return false;
  std::optional<std::uint32_t> peer;
  if (tunnels) {
    peer = t.take_peer(spec.care_of_address, spec.home_agent);
    if (!peer) {
      t.guest_records.release(t.guest_records.index_of(fresh));
      return false;
    }
  }
  Slot slot;
  if (old) {
    slot = Slot{old->slot, old->generation, false};
  } else if (const auto taken = t.take_slot()) {
    slot = *taken;
  } else {
    t.guest_records.release(t.guest_records.index_of(fresh));
    if (peer) t.drop_peer(*peer, false);
    return false;
  }

  GuestRecord record;
  record.mac = spec.mac;
  record.away = spec.away;
  record.resumed = spec.resumed;
  record.home_address = spec.home_address;
  record.link_local = spec.link_local;
  record.home_agent = spec.home_agent;
  record.care_of_address = spec.care_of_address;
  record.router_mac = spec.router_mac;
  record.router_link_local = spec.router_link_local;
  record.forwarding = forwarding;
  record.forward_natively = forward_natively;
  record.holding_at_home = holding_at_home;
  record.paused = spec.paused;
  record.keep_recent = spec.keep_recent;
  record.awaiting_binding = spec.away && spec.awaiting_binding;
  record.replay_from_tsc = spec.replay_from_tsc;
  record.peer = peer ? &t.tunnel_peers[*peer] : nullptr;

  record.slot = slot.index;
  record.generation = slot.generation;
  record.resume_round = old ? old->resume_round + (old->resumed && !spec.resumed ? 1 : 0) : 0;
  *fresh = record;

  // Steps that may need a new key slot come first, so a refusal leaves the
  // table as it was (or, for a brand-new guest, takes back what it added).
  std::vector<const Ip6Addr*> added;
  const auto take_back = [&] {
    if (added.empty()) {
      t.guest_records.release(t.guest_records.index_of(fresh));
      if (!old) t.slots.release(slot.index);
      if (peer) t.drop_peer(*peer, false);
      return false;
    }
    // Readers may have found `fresh` by an address already.
    for (const Ip6Addr* address : added)
      t.unlink(t.guests_by_home_address, address->bytes.data(), Impl::Retired::guest_address_key);
    t.retire(Impl::Retired::guest_record, t.guest_records.index_of(fresh));
    if (!old) t.retire(Impl::Retired::slot, slot.index);
    if (peer) t.drop_peer(*peer, true);
    return false;
  };
  for (const Ip6Addr& address : keys) {
    if (listed(old_keys, address)) continue;
    if (!t.publish(t.guests_by_home_address, address.bytes.data(), fresh)) return take_back();
    added.push_back(&address);
  }
  // Only a new MAC can fail here; replacing needs no room.
  if (!t.publish(t.guests_by_mac, spec.mac.bytes.data(), fresh)) return take_back();
  for (const Ip6Addr& address : old_keys) {
    if (listed(keys, address)) {
      // Replacing an existing key cannot run out of room. Should the hash
      // refuse anyway, drop the key rather than leave it pointing at a
      // retired record.
      if (!t.publish(t.guests_by_home_address, address.bytes.data(), fresh))
        t.unlink(t.guests_by_home_address, address.bytes.data(), Impl::Retired::guest_address_key);
    } else {
      t.unlink(t.guests_by_home_address, address.bytes.data(), Impl::Retired::guest_address_key);
    }
  }
  t.other_address_count.fetch_add(new_others, std::memory_order_relaxed);
  t.other_address_count.fetch_sub(old_others, std::memory_order_relaxed);
  if (keys.empty())
    t.address_keys_of.erase(spec.mac);
  else
    t.address_keys_of[spec.mac] = keys;

  const bool was_holding = old && old->holding_at_home;
  if (record.holding_at_home && !was_holding) t.holding_at_home.fetch_add(1, std::memory_order_relaxed);
  if (!record.holding_at_home && was_holding) t.holding_at_home.fetch_sub(1, std::memory_order_relaxed);
  if (old) {
    t.retire(Impl::Retired::guest_record, t.guest_records.index_of(old));
    if (old->peer) t.drop_peer(t.tunnel_peers.index_of(old->peer), true);
  } else {
    t.guest_count.fetch_add(1, std::memory_order_relaxed);
  }
  t.keep_backed_ahead();
  return true;
}

bool BindingTable::clear_guest(const MacAddr& mac) {
  Impl& t = *impl_;
  t.reclaim();
  const GuestRecord* old = t.find_guest(mac);
  if (!old) return false;
  t.unlink(t.guests_by_mac, mac.bytes.data(), Impl::Retired::guest_mac_key);
  if (const auto known = t.address_keys_of.find(mac); known != t.address_keys_of.end()) {
    for (const Ip6Addr& address : known->second)
      t.unlink(t.guests_by_home_address, address.bytes.data(), Impl::Retired::guest_address_key);
    const std::size_t others = known->second.size() - (indexed_by_home_address(old->home_address) ? 1 : 0);
    t.other_address_count.fetch_sub(others, std::memory_order_relaxed);
    t.address_keys_of.erase(known);
  }
  t.retire(Impl::Retired::guest_record, t.guest_records.index_of(old));
  if (old->peer) t.drop_peer(t.tunnel_peers.index_of(old->peer), true);
  if (old->holding_at_home) t.holding_at_home.fetch_sub(1, std::memory_order_relaxed);
  t.retire(Impl::Retired::slot, old->slot);
  t.guest_count.fetch_sub(1, std::memory_order_relaxed);
  return true;
}

void BindingTable::reclaim() { impl_->reclaim(); }

std::uint64_t BindingTable::fold_traffic() noexcept { return impl_->fold_traffic(); }

BindingTable::Backed BindingTable::backed() const noexcept {
  return {impl_->tunnel_peers_backed, impl_->guest_records_backed, impl_->slots_backed};
}

std::size_t BindingTable::tunnel_count() const noexcept {
  return impl_->tunnel_count.load(std::memory_order_relaxed);
}

std::size_t BindingTable::guest_count() const noexcept {
  return impl_->guest_count.load(std::memory_order_relaxed);
}

std::size_t BindingTable::other_home_address_count() const noexcept {
  return impl_->other_address_count.load(std::memory_order_relaxed);
}

std::size_t BindingTable::guests_holding_at_home() const noexcept {
  return impl_->holding_at_home.load(std::memory_order_relaxed);
}

std::optional<BindingCounters> BindingTable::tunnel_counters(const Ip6Addr& home_address) const {
  const std::uint64_t tunnel = impl_->find_tunnel(home_address);
  if (tunnel == 0) return std::nullopt;
  impl_->fold_traffic();
  return impl_->sum_counters(slot_of(tunnel));
}

std::optional<BindingCounters> BindingTable::guest_counters(const MacAddr& mac) const {
  const GuestRecord* record = impl_->find_guest(mac);
  if (!record) return std::nullopt;
  impl_->fold_traffic();
  return impl_->sum_counters(record->slot);
}

const GuestRecord* BindingTable::find_guest_for_writer(const MacAddr& mac) const {
  return impl_->find_guest(mac);
}

std::optional<TunnelInfo> BindingTable::find_tunnel_for_writer(const Ip6Addr& home_address) const {
  const std::uint64_t tunnel = impl_->find_tunnel(home_address);
  if (tunnel == 0) return std::nullopt;
  const TunnelPeer& peer = impl_->tunnel_peers[peer_of(tunnel)];
  return TunnelInfo{home_address, peer.care_of_address(), &peer, slot_of(tunnel),
                    impl_->slots.generation(slot_of(tunnel))};
}

std::size_t BindingTable::tunnel_peer_count() const noexcept { return impl_->tunnel_peers.in_use(); }

// ---- readers ----

unsigned BindingTable::register_reader() { return impl_->grace.register_reader(); }

void BindingTable::unregister_reader(unsigned reader) {
  // What it logged last is published for the writer, like at a quiescent state.
  if (logs_ != nullptr && reader < max_readers_) logs_[reader]->publish();
  impl_->grace.unregister_reader(reader);
}

void BindingTable::quiescent(unsigned reader) noexcept {
  // Publish first: once the writer sees this quiescent state, it sees every
  // packet the reader logged before it (the slot-reuse fold relies on it).
  if (logs_ != nullptr && reader < max_readers_) logs_[reader]->publish();
  impl_->grace.quiescent(reader);
}

void BindingTable::lookup_tunnels(const std::uint8_t* const* home_addresses, unsigned n,
                                  TunnelBinding* out) const noexcept {
  impl_->tunnels.find_bulk(home_addresses, n, out,
                           [this](std::uint64_t value) noexcept { return tunnel_binding(value); });
}

void BindingTable::lookup_guests_by_mac(const std::uint8_t* const* macs, unsigned n,
                                        const GuestRecord** out) const noexcept {
  impl_->guests_by_mac.find_bulk(macs, n, out, guest_record);
}

void BindingTable::lookup_guests_by_home_address(const std::uint8_t* const* home_addresses,
                                                 unsigned n,
                                                 const GuestRecord** out) const noexcept {
  impl_->guests_by_home_address.find_bulk(home_addresses, n, out, guest_record);
}

bool BindingTable::guest_uses_address(const GuestRecord& guest, const std::uint8_t* address) const noexcept {
  const auto* found = guest_record(impl_->guests_by_home_address.find(address));
  // The same guest, perhaps in a newer record than the caller's.
  return found != nullptr && found->slot == guest.slot && found->generation == guest.generation;
}

BindingCounters& BindingTable::discarded_counters() noexcept {
  thread_local BindingCounters discarded;
  return discarded;
}

}  // namespace roam6::datapath
