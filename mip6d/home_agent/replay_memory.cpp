#include "mip6d/home_agent/replay_memory.hpp"

#include <algorithm>

#include "mip6d/signalling/ntp_timestamp.hpp"

namespace roam6::mip6d::ha {

namespace {
template <class Slot>
bool later(const Slot& a, const Slot& b) noexcept {
  return a.forget_at > b.forget_at;
}
}  // namespace

ReplayKey ReplayKey::for_mobile_node(std::uint8_t subtype, std::span<const std::uint8_t> identifier) {
  ReplayKey k;
  k.kind = Kind::mobile_node_identifier;
  k.identity.reserve(identifier.size() + 1);
  k.identity.push_back(static_cast<char>(subtype));
  k.identity.append(identifier.begin(), identifier.end());
  return k;
}

std::optional<ReplayKey> ReplayKey::from_bytes(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return std::nullopt;
  switch (bytes[0]) {
    case static_cast<std::uint8_t>(Kind::home_address):
      if (bytes.size() != 17) return std::nullopt;
      return for_home_address(wire::Ip6Addr::from_bytes(bytes.data() + 1));
    case static_cast<std::uint8_t>(Kind::mobile_node_identifier):
      // A subtype byte and at least one identifier byte (RFC 4283 3).
      if (bytes.size() < 3) return std::nullopt;
      return for_mobile_node(bytes[1], bytes.subspan(2));
    default:
      return std::nullopt;
  }
}

std::string ReplayKey::to_bytes() const {
  std::string out(1, static_cast<char>(kind));
  if (kind == Kind::home_address) {
    out.append(home_address.bytes.begin(), home_address.bytes.end());
  } else {
    out += identity;
  }
  return out;
}

std::string ReplayKey::to_string() const {
  if (kind == Kind::home_address) return home_address.to_string();
  std::string out = "mn-id:" + std::to_string(static_cast<unsigned char>(identity.front())) + ":";
  for (std::size_t i = 1; i < identity.size(); ++i) {
    const auto c = static_cast<unsigned char>(identity[i]);
    // An NAI is printable; anything else is shown escaped, never raw.
    if (c >= 0x21 && c <= 0x7e && c != '\\' && c != '"') {
      out.push_back(static_cast<char>(c));
    } else {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    }
  }
  return out;
}

template <class Key, class Hash>
const ReplayRecord* ReplayMemory::Table<Key, Hash>::find(const Key& k) const {
  const auto it = records.find(k);
  return it == records.end() ? nullptr : &it->second;
}

template <class Key, class Hash>
void ReplayMemory::Table<Key, Hash>::put(const Key& k, const ReplayRecord& r) {
  records.insert_or_assign(k, r);
  heap.push_back({r.forget_at, k});
  std::push_heap(heap.begin(), heap.end(), later<Slot>);
  // Renewals leave stale slots behind; rebuild once they outnumber live ones.
  if (heap.size() >= 1024 && heap.size() >= 2 * records.size()) rebuild_heap();
}

template <class Key, class Hash>
void ReplayMemory::Table<Key, Hash>::rebuild_heap() {
  heap.clear();
  heap.reserve(records.size());
  for (const auto& [key, record] : records) heap.push_back({record.forget_at, key});
  std::make_heap(heap.begin(), heap.end(), later<Slot>);
}

template <class Key, class Hash>
auto ReplayMemory::Table<Key, Hash>::earliest() -> const Slot* {
  while (!heap.empty()) {
    const Slot& top = heap.front();
    const auto it = records.find(top.key);
    if (it != records.end() && it->second.forget_at == top.forget_at) return &top;
    std::pop_heap(heap.begin(), heap.end(), later<Slot>);
    heap.pop_back();
  }
  return nullptr;
}

template <class Key, class Hash>
void ReplayMemory::Table<Key, Hash>::pop_earliest() {
  if (earliest() == nullptr) return;
  records.erase(heap.front().key);
  std::pop_heap(heap.begin(), heap.end(), later<Slot>);
  heap.pop_back();
}

ReplayMemory::ReplayMemory(std::size_t capacity, std::chrono::seconds window)
    : capacity_(std::max<std::size_t>(capacity, 1)), window_(window) {}

WallTime ReplayMemory::forget_at(std::uint64_t timestamp) const {
  return from_ntp_timestamp(timestamp) + std::chrono::duration_cast<WallClock::duration>(window_);
}

void ReplayMemory::set_window(std::chrono::seconds window) {
  window_ = window;
  for (auto& [k, r] : by_address_.records) r.forget_at = forget_at(r.last_timestamp);
  for (auto& [k, r] : by_identity_.records) r.forget_at = forget_at(r.last_timestamp);
  by_address_.rebuild_heap();
  by_identity_.rebuild_heap();
  if (floor_ != 0) floor_forget_at_ = forget_at(floor_);
}

const ReplayRecord* ReplayMemory::find(const ReplayKey& key) const {
  return key.kind == ReplayKey::Kind::home_address ? by_address_.find(key.home_address)
                                                   : by_identity_.find(key.identity);
}

std::uint64_t ReplayMemory::last_accepted(const ReplayKey& key) const {
  const ReplayRecord* r = find(key);
  // A record is never older than the floor it would have raised, but one
  // remembered after an eviction can be: the floor still applies to it.
  return std::max(r != nullptr ? r->last_timestamp : 0, floor_);
}

void ReplayMemory::raise_floor(std::uint64_t timestamp) {
  if (timestamp <= floor_) return;
  floor_ = timestamp;
  floor_forget_at_ = forget_at(timestamp);
}

void ReplayMemory::make_room(std::vector<ReplayKey>& evicted) {
  while (size() >= capacity_) {
    const auto* a = by_address_.earliest();
    const auto* i = by_identity_.earliest();
    if (a == nullptr && i == nullptr) return;
    const bool take_address = a != nullptr && (i == nullptr || a->forget_at <= i->forget_at);
    if (take_address) {
      const ReplayRecord& r = by_address_.records.at(a->key);
      raise_floor(r.last_timestamp);
      evicted.push_back(ReplayKey::for_home_address(a->key));
      by_address_.pop_earliest();
    } else {
      const ReplayRecord& r = by_identity_.records.at(i->key);
      raise_floor(r.last_timestamp);
      ReplayKey k;
      k.kind = ReplayKey::Kind::mobile_node_identifier;
      k.identity = i->key;
      evicted.push_back(std::move(k));
      by_identity_.pop_earliest();
    }
    ++evictions_;
  }
}

std::vector<ReplayKey> ReplayMemory::remember(const ReplayKey& key, std::uint64_t timestamp,
                                              std::uint16_t sequence) {
  std::vector<ReplayKey> evicted;
  ReplayRecord merged{timestamp, sequence, forget_at(timestamp)};
  if (const ReplayRecord* held = find(key)) {
    if (held->last_timestamp >= timestamp) return evicted;  // nothing newer to keep
  } else {
    make_room(evicted);
  }
  if (key.kind == ReplayKey::Kind::home_address) {
    by_address_.put(key.home_address, merged);
  } else {
    by_identity_.put(key.identity, merged);
  }
  return evicted;
}

void ReplayMemory::restore(const ReplayKey& key, std::uint64_t timestamp, std::uint16_t sequence,
                           WallTime now) {
  if (forget_at(timestamp) <= now) return;
  remember(key, timestamp, sequence);  // evicted ones live on in the floor
}

void ReplayMemory::restore_floor(std::uint64_t floor, WallTime now) {
  if (forget_at(floor) <= now) return;
  raise_floor(floor);
}

std::size_t ReplayMemory::expire(WallTime now, const std::function<void(const ReplayKey&)>& forgotten) {
  std::size_t gone = 0;
  for (;;) {
    const auto* a = by_address_.earliest();
    const auto* i = by_identity_.earliest();
    const bool address_due = a != nullptr && a->forget_at <= now;
    const bool identity_due = i != nullptr && i->forget_at <= now;
    if (!address_due && !identity_due) break;
    ReplayKey key;
    if (address_due) {
      key = ReplayKey::for_home_address(a->key);
      by_address_.pop_earliest();
    } else {
      key.kind = ReplayKey::Kind::mobile_node_identifier;
      key.identity = i->key;
      by_identity_.pop_earliest();
    }
    if (forgotten) forgotten(key);
    ++gone;
  }
  if (floor_ != 0 && floor_forget_at_ <= now) {
    floor_ = 0;
    floor_forget_at_ = {};
  }
  return gone;
}

std::optional<WallTime> ReplayMemory::next_expiry() {
  std::optional<WallTime> next;
  if (const auto* a = by_address_.earliest()) next = a->forget_at;
  if (const auto* i = by_identity_.earliest()) next = next ? std::min(*next, i->forget_at) : i->forget_at;
  if (floor_ != 0) next = next ? std::min(*next, floor_forget_at_) : floor_forget_at_;
  return next;
}

}  // namespace roam6::mip6d::ha
