#pragma once
// The binding table the control plane shares with the forwarding cores.
//
// Three hashes (CacheLineHash: lock-free readers, a hit reads one cache line)
// map a key to what a forwarding core needs:
//   tunnels       home address -> slot + TunnelPeer  (Home Agent role)
//   guests_by_mac guest MAC    -> GuestRecord        (host role, frames from guests)
//   guests_by_hoa home address -> GuestRecord        (host role, decapsulated packets)
// A change never edits anything a reader may hold: the writer fills a fresh
// record (or peer) and swaps the hash entry's value (one atomic store), and
// the old one goes back to its pool only after every registered reader has
// passed a quiescent state (rte_rcu_qsbr). So no packet ever sees half a
// binding.
//
// A tunnel has no record of its own. Its hash entry packs the binding's slot
// with the index of a TunnelPeer: the outer header towards one care-of
// address, shared by every binding registered from that address (a host's
// guests). An operator's Home Agent serves many guests per host, so the
// peers are few and stay in cache, and a lookup at a million bindings costs
// one DRAM line (the bucket) instead of two (bucket, then record).
//
// Threads: exactly one writer (the control plane: every set_/clear_ call,
// reclaim(), fold_traffic() and the *_counters reads, which fold too); any
// number of readers (forwarding cores), each registered with
// register_reader() and reporting quiescent() between bursts. Readers never
// block and never allocate.
//
// Every binding has a `slot`: a small integer the writer assigns when the
// key is first added and keeps while the key exists, so per-binding counters
// and per-core state live in flat arrays indexed by slot. A slot is reused only
// after a grace period, and its counters are zeroed when it is handed out
// again; `generation` changes on every reuse so per-core state can tell.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "datapath/table/traffic_log.hpp"
#include "roam6/wire/address.hpp"

struct rte_rcu_qsbr;

namespace roam6::datapath {

using wire::Ip6Addr;
using wire::MacAddr;

// An ip6ip6 outer header prepared when the binding is written, so that
// encapsulation copies 40 bytes and patches the length, traffic class and
// flow label instead of building it field by field.
struct OuterHeaderTemplate {
  alignas(8) std::uint8_t bytes[40];
};

// The outer header towards one care-of address (Home Agent role), shared by
// every binding registered from it. One cache line; immutable while any
// binding names it.
struct alignas(64) TunnelPeer {
  // A tunnel's: src = Home Agent address, dst = care-of address; a guest's:
  // src = care-of address, dst = Home Agent.
  OuterHeaderTemplate outer;

  [[nodiscard]] const std::uint8_t* source_bytes() const noexcept { return outer.bytes + 8; }
  [[nodiscard]] const std::uint8_t* destination_bytes() const noexcept { return outer.bytes + 24; }
  // A tunnel's peer: the far end is the care-of address.
  [[nodiscard]] Ip6Addr care_of_address() const noexcept { return Ip6Addr::from_bytes(destination_bytes()); }
};
static_assert(sizeof(TunnelPeer) == 64);

// What a tunnel lookup gives a forwarding core: the binding's slot and its
// peer; no peer when the home address has no binding. Valid until the
// reader's next quiescent(). No member initialisers: a pipeline's array of
// 64 is filled by the lookup, not zeroed first (`TunnelBinding{}` is none).
struct TunnelBinding {
  const TunnelPeer* peer;
  std::uint32_t slot;

  explicit operator bool() const noexcept { return peer != nullptr; }
  [[nodiscard]] const OuterHeaderTemplate& outer() const noexcept { return peer->outer; }
  [[nodiscard]] const std::uint8_t* care_of_bytes() const noexcept { return peer->destination_bytes(); }
  [[nodiscard]] Ip6Addr care_of_address() const noexcept { return peer->care_of_address(); }
};

// A tunnel as the writer sees it (tests, diagnostics).
struct TunnelInfo {
  Ip6Addr home_address;
  Ip6Addr care_of_address;
  const TunnelPeer* peer = nullptr;
  std::uint32_t slot = 0;
  std::uint32_t generation = 0;
};

// Two cache lines: the first holds what the guest's every packet needs, so
// a forwarding core loads only that one (prefetch_record); the second what
// rarer paths (ICMPv6 errors) and the writer read.
struct alignas(64) GuestRecord {
  // ---- first line ----
  // The tunnel to its Home Agent (src = care-of address, dst = Home
  // Agent), shared with the other guests of that Home Agent; none (nullptr)
  // when the guest's packets are not tunnelled.
  const TunnelPeer* peer = nullptr;
  Ip6Addr home_address;
  MacAddr mac;
  MacAddr router_mac;
  bool away = false;
  bool resumed = false;
  // Hand-over forwarding (docs/datapath.md): the guest runs at another host
  // now; its packets go back to its Home Agent through `peer`, which relays
  // them there, or natively when it is back home.
  bool forwarding = false;
  bool forward_natively = false;
  // At home, paused for a migration: native frames to its MAC are held (and
  // handed over through `peer` once forwarding), not passed to a guest that
  // no longer reads them.
  bool holding_at_home = false;
  // Paused here for a migration (or gone): its frames are leftovers in
  // flight, not the resume signal of a guest arriving.
  bool paused = false;
  // Away, and its Home Agent has not acknowledged this host's registration
  // yet: the Home Agent would drop what the guest sends through our tunnel
  // (no binding, or one naming another care-of address), so its outbound
  // packets are held until the Binding Acknowledgement.
  bool awaiting_binding = false;
  // Migrating away from here: what is delivered to it is remembered
  // (datapath/elements/recent_deliveries.hpp) ...
  bool keep_recent = false;
  std::uint32_t slot = 0;
  std::uint32_t generation = 0;
  // How many times, while the guest kept its slot, a record marked resumed
  // was replaced by one that is not (the table counts, set_guest): a
  // core's "resume signalled" mark is for one round, so such a guest is
  // signalled again, and a resumed guest's packets never read the mark
  // (host_pipeline.cpp).
  std::uint32_t resume_round = 0;
  // ... and once it is paused, what was delivered to it at or after this
  // TSC (just before QEMU stopped it) is held again; 0: nothing is.
  std::uint64_t replay_from_tsc = 0;
  // ---- second line ----
  Ip6Addr link_local;
  Ip6Addr home_agent;
  Ip6Addr care_of_address;
  Ip6Addr router_link_local;

  // The outer header of the guest's tunnel; all zero when it has none.
  [[nodiscard]] const OuterHeaderTemplate& outer() const noexcept {
    static constexpr OuterHeaderTemplate none{};
    return peer != nullptr ? peer->outer : none;
  }
  // The tunnel's far end, the Home Agent, as the first line has it (the
  // outer header's destination). Only with a tunnel: an away guest always
  // has one (set_guest takes a peer for every away guest), and the host
  // pipeline asks only for away guests.
  [[nodiscard]] const std::uint8_t* tunnel_destination() const noexcept { return peer->destination_bytes(); }
};
static_assert(sizeof(GuestRecord) == 128);
static_assert(offsetof(GuestRecord, replay_from_tsc) + sizeof(std::uint64_t) <= 64);

// What the writer is given; the table derives the records from these.
struct TunnelSpec {
  Ip6Addr home_address;
  Ip6Addr care_of_address;
};
struct GuestSpec {
  MacAddr mac;
  Ip6Addr home_address;
  Ip6Addr link_local;
  bool away = false;
  Ip6Addr home_agent;
  Ip6Addr care_of_address;
  MacAddr router_mac;
  Ip6Addr router_link_local;
  bool resumed = false;
  Ip6Addr forward_to;  // :: = not forwarding; the home address = natively
  bool holding_at_home = false;
  bool paused = false;
  bool keep_recent = false;
  std::uint64_t replay_from_tsc = 0;
  bool awaiting_binding = false;  // only with `away`
  // Further addresses the guest uses besides home_address (SLAAC and
  // privacy addresses it formed in its home prefix): it is found by each of
  // them too, and may send from each. Unspecified entries and repeats of
  // home_address are ignored.
  std::vector<Ip6Addr> other_home_addresses{};
};

// Per-binding traffic. A forwarding core appends each packet to its own
// TrafficLog, which the writer folds into one set per slot; a core whose log
// is full counts in a set of its own per slot. A read folds, then sums.
struct BindingCounters {
  std::uint64_t encapsulated_packets = 0;
  std::uint64_t encapsulated_bytes = 0;   // inner bytes that entered the tunnel
  std::uint64_t decapsulated_packets = 0;
  std::uint64_t decapsulated_bytes = 0;   // inner bytes that left the tunnel
};

// Starts loading the line a lookup's packet reads next: records are spread
// over the pool at random, so at a million bindings each one is a cache
// (and, on small pages, TLB) miss that a burst can overlap. A tunnel's
// peer is one line; a guest's packets read its record's first line only.
inline void prefetch_record(const TunnelBinding& binding) noexcept {
  if (binding.peer != nullptr) __builtin_prefetch(binding.peer, 0, 3);
}
inline void prefetch_record(const GuestRecord* record) noexcept {
  if (record != nullptr) __builtin_prefetch(record, 0, 3);
}

class BindingTableError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct BindingTableLimits {
  std::uint32_t max_tunnels = 1u << 20;  // Home Agent: bindings (and care-of addresses)
  std::uint32_t max_guests = 1u << 16;   // host: guests on this host
  // host: addresses guests use besides their home address, all guests
  // together (the daemon gives a host as many as max_guests)
  std::uint32_t max_other_home_addresses = 0;
  std::uint32_t max_readers = 8;         // forwarding cores
  std::string name = "roam6";            // prefix of the hashes' names (in messages)
  // How long a writer that ran out of records, slots or key slots waits for
  // the readers to pass a quiescent state before the change fails (set_*
  // returns false). Healthy readers answer in microseconds; this bounds how
  // long a stuck forwarding core can stall the control plane.
  std::uint32_t grace_period_wait_ms = 1000;
  // The hashes' seed. Absent (always, in production): drawn at random per
  // hash, so nobody can pick keys that collide in every table. Fixed: how
  // keys spread over the buckets repeats from run to run, for benchmarks
  // whose counts must not move with the draw.
  std::optional<std::uint64_t> hash_seed;
  // Entries in each forwarding core's traffic log (TrafficLog), rounded up
  // to a power of two; 0 counts every packet in place instead. The default
  // holds 4 ms at 16 Mpps, and the control plane folds every 2 ms while
  // traffic flows (DpdkForwardingTable); a full log costs speed, not counts.
  std::uint32_t traffic_log_entries = 1u << 16;
  // Gives each reader reader_state_bytes of its own per slot, in the cache
  // line of its counters for that slot (reader_state()): a host pipeline
  // keeps a guest's resume marks there, so a packet that counts and checks
  // them waits for one line instead of two. Doubles the readers' counter
  // rows (64 bytes a slot instead of 32).
  bool reader_state = false;
};

// The bytes reader_state() gives, 8-byte aligned.
inline constexpr std::size_t reader_state_bytes = 32;
static_assert(sizeof(BindingCounters) == reader_state_bytes && alignof(BindingCounters) >= 8,
              "a reader's state is the counters-sized element after its counters, in their line");

class BindingTable {
 public:
  // Throws BindingTableError (memory allocation failed). Needs
  // the EAL to be initialised.
  explicit BindingTable(const BindingTableLimits& limits, const Ip6Addr& home_agent_address = {});
  ~BindingTable();
  BindingTable(const BindingTable&) = delete;
  BindingTable& operator=(const BindingTable&) = delete;

  // ---- writer (control plane thread) ----
  // Add or replace; false when the table is full (the old entry, if any,
  // stays). The Home Agent address is the outer source of every tunnel.
  // Also false, changing nothing, when records waiting out a grace period
  // use up the headroom and the readers do not pass a quiescent state within
  // limits.grace_period_wait_ms (a stuck forwarding core); retry later.
  bool set_tunnel(const TunnelSpec& spec);
  bool clear_tunnel(const Ip6Addr& home_address);
  // A guest is found by MAC and by each of its addresses (home address and
  // other_home_addresses); one whose home address is still unspecified (::)
  // by MAC and its other addresses only. Replacing moves every key together
  // (an address no longer listed is dropped). set_guest also returns false,
  // changing nothing, when another guest holds one of the addresses, or when
  // the other addresses would exceed limits.max_other_home_addresses.
  bool set_guest(const GuestSpec& spec);
  bool clear_guest(const MacAddr& mac);
  // Folds the traffic logs, then returns records whose grace period has
  // passed to the pool. Called by the writer after changes and from a
  // periodic timer; cheap when idle.
  void reclaim();
  // Folds what every forwarding core has published of its traffic log into
  // the bindings' counters; returns how many packets that was. Counter
  // reads, reclaim() and slot reuse fold too; a control plane calls this
  // often enough that the logs do not fill.
  std::uint64_t fold_traffic() noexcept;
  [[nodiscard]] std::size_t tunnel_count() const noexcept;
  [[nodiscard]] std::size_t guest_count() const noexcept;
  // Addresses guests are found by besides their home address, all together.
  [[nodiscard]] std::size_t other_home_address_count() const noexcept;
  // Guests whose native frames are held (GuestRecord::holding_at_home): a
  // forwarding core looks native frames up by MAC only while this is not 0.
  // Relaxed: a burst that reads it just before a change treats a frame or
  // two as before the change.
  [[nodiscard]] std::size_t guests_holding_at_home() const noexcept;
  // How many tunnel peers, guest records and slots (from index 0) are
  // backed by memory now: the writer keeps a burst's worth ahead of the
  // highest ever used, so a new binding does not wait for a page fault.
  struct Backed {
    std::uint32_t tunnel_peers = 0;
    std::uint32_t guest_records = 0;
    std::uint32_t slots = 0;
  };
  [[nodiscard]] Backed backed() const noexcept;
  // One binding's counters (after folding the traffic logs); nullopt when
  // there is no such binding.
  [[nodiscard]] std::optional<BindingCounters> tunnel_counters(const Ip6Addr& home_address) const;
  [[nodiscard]] std::optional<BindingCounters> guest_counters(const MacAddr& mac) const;
  [[nodiscard]] const GuestRecord* find_guest_for_writer(const MacAddr& mac) const;
  [[nodiscard]] std::optional<TunnelInfo> find_tunnel_for_writer(const Ip6Addr& home_address) const;
  // Outer headers in use, each once: the tunnels' care-of addresses and the
  // guests' (care-of address, Home Agent) pairs.
  [[nodiscard]] std::size_t tunnel_peer_count() const noexcept;

  // ---- readers (forwarding cores) ----
  // Each forwarding core calls this once, on its own thread, before its
  // first lookup, and gets its reader index (0 .. max_readers-1). Throws
  // BindingTableError when all max_readers indexes are taken, and
  // unregister_reader for an index that is not registered.
  unsigned register_reader();
  void unregister_reader(unsigned reader);
  // Between bursts: no record pointer obtained before this is used after it.
  // Also publishes the traffic the reader logged so far to the writer.
  void quiescent(unsigned reader) noexcept;
  // Bulk lookups (any n): out[i] = the binding or record, or none
  // (nullptr). Keys are pointers into the packets, 16 bytes (addresses) or
  // 6 bytes (MACs).
  void lookup_tunnels(const std::uint8_t* const* home_addresses, unsigned n,
                      TunnelBinding* out) const noexcept;
  void lookup_guests_by_mac(const std::uint8_t* const* macs, unsigned n,
                            const GuestRecord** out) const noexcept;
  void lookup_guests_by_home_address(const std::uint8_t* const* home_addresses, unsigned n,
                                     const GuestRecord** out) const noexcept;
  // Whether `address` (16 bytes) is one of the guest's other addresses: a
  // lookup, for the rare packet whose source is not its home address.
  [[nodiscard]] bool guest_uses_address(const GuestRecord& guest, const std::uint8_t* address) const noexcept;
  // Appends one packet of a binding's traffic to the reader's log; false,
  // logging nothing, when the table keeps no logs or the reader's log is
  // full: count it in counters() then. Inline: once per packet.
  bool log_traffic(unsigned reader, std::uint32_t slot, std::uint32_t bytes, bool encapsulated) noexcept {
    if (logs_ == nullptr || reader >= max_readers_) return false;
    return logs_[reader]->append(slot, bytes, encapsulated);
  }
  [[nodiscard]] bool logs_traffic() const noexcept { return logs_ != nullptr; }

  // The reader's own counters for one slot; only that reader writes them.
  // Inline: the forwarding cores call it once per packet.
  [[nodiscard]] BindingCounters& counters(unsigned reader, std::uint32_t slot) noexcept {
    if (reader >= max_readers_ || slot >= slot_capacity_) [[unlikely]]
      return discarded_counters();  // a caller bug must not hit another binding's counters
    return counters_[row_index(reader, slot)];
  }

  // The reader's own reader_state_bytes for `slot`, in the line of its
  // counters (limits.reader_state); all zero when the slot is handed out,
  // and only that reader touches them until the slot is given back. Storage
  // for a trivially copyable object of that size at most whose all-zero
  // bytes mean "nothing known"; nullptr without reader state or out of
  // range. Inline: once per packet.
  [[nodiscard]] void* reader_state(unsigned reader, std::uint32_t slot) noexcept {
    if (state_shift_ == 0 || reader >= max_readers_ || slot >= slot_capacity_) [[unlikely]]
      return nullptr;
    return &counters_[row_index(reader, slot) + 1];
  }
  [[nodiscard]] bool has_reader_state() const noexcept { return state_shift_ != 0; }

  // Starts loading the reader's counters for `slot` (ignored when out of
  // range), so a burst can fetch all of them before it counts anything.
  // Nothing to start when the table logs traffic instead.
  void prefetch_counters(unsigned reader, std::uint32_t slot) const noexcept {
    if (logs_ == nullptr && reader < max_readers_ && slot < slot_capacity_)
      // A read prefetch: for the baseline x86-64 target GCC drops write
      // prefetches (prefetchw needs -mprfchw) without a word.
      __builtin_prefetch(&counters_[row_index(reader, slot)], 0, 3);
  }

  [[nodiscard]] std::uint32_t slot_capacity() const noexcept { return slot_capacity_; }

 private:
  static BindingCounters& discarded_counters() noexcept;
  // Where the reader's counters for `slot` are in counters_; with reader
  // state, its bytes are the next element's, in the same line.
  [[nodiscard]] std::size_t row_index(unsigned reader, std::uint32_t slot) const noexcept {
    return (std::size_t{reader} * slot_capacity_ + slot) << state_shift_;
  }

  struct Impl;
  std::unique_ptr<Impl> impl_;
  // A tunnel's hash value (slot, peer index + 1) as a reader uses it; a
  // miss (0) becomes the null peer without a branch.
  [[nodiscard]] TunnelBinding tunnel_binding(std::uint64_t value) const noexcept {
    const auto peer = static_cast<std::uint32_t>(value);
    return TunnelBinding{peer == 0 ? nullptr : tunnel_peers_ + (peer - 1), static_cast<std::uint32_t>(value >> 32)};
  }

  // Copies of Impl's layout, fixed at construction, so counters() and
  // tunnel_binding() need no call and no indirection through impl_.
  BindingCounters* counters_ = nullptr;  // [reader][slot] (each followed by its reader state)
  TrafficLog* const* logs_ = nullptr;    // [reader], or none
  const TunnelPeer* tunnel_peers_ = nullptr;
  std::uint32_t slot_capacity_ = 0;
  std::uint32_t max_readers_ = 0;
  unsigned state_shift_ = 0;  // 1 with reader state: two elements a slot
};

}  // namespace roam6::datapath
