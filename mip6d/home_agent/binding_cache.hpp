#pragma once
// The Home Agent's binding cache (RFC 6275 section 9.1): home address ->
// care-of address, sequence number, lifetime. Sized for a million entries:
// one hash-map node per binding plus one expiry-heap slot, no per-binding
// timer object.

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "mip6d/runtime/scheduler.hpp"
#include "roam6/wire/address.hpp"
#include "roam6/wire/link_layer_identifier.hpp"

namespace roam6::mip6d::ha {

struct Binding {
  wire::Ip6Addr care_of_address;
  TimePoint expires{};
  std::uint64_t last_timestamp = 0;  // RFC 4285 replay protection
  std::uint32_t spi = 0;             // security association that registered it
  std::uint16_t sequence = 0;
  std::uint16_t flags = 0;
  // The interface the binding is for (RFC 5213 Mobile Node Link-layer
  // Identifier, the guest's MAC); size 0 when no BU for it carried one.
  wire::LinkLayerIdentifier link_layer_identifier;
};

class BindingCache {
 public:
  [[nodiscard]] const Binding* find(const wire::Ip6Addr& home_address) const;
  // Inserts or replaces; the expiry index follows.
  void put(const wire::Ip6Addr& home_address, const Binding& binding);
  bool erase(const wire::Ip6Addr& home_address);
  [[nodiscard]] std::size_t size() const noexcept { return bindings_.size(); }
  void reserve(std::size_t n);

  [[nodiscard]] std::optional<TimePoint> next_expiry();
  // Removes every binding whose lifetime ended at or before `now`, calling
  // on_expired for each (before removal).
  void expire(TimePoint now,
              const std::function<void(const wire::Ip6Addr&, const Binding&)>& on_expired);

  template <class F>
  void for_each(F&& f) const {
    for (const auto& [hoa, b] : bindings_) f(hoa, b);
  }

 private:
  struct ExpirySlot {
    TimePoint expires;
    wire::Ip6Addr home_address;
    bool operator>(const ExpirySlot& o) const noexcept { return expires > o.expires; }
  };
  void drop_stale_heap_top();
  void compact_heap_if_bloated();

  std::unordered_map<wire::Ip6Addr, Binding> bindings_;
  // Min-heap of expiries. Refreshes push a new slot and leave the old one
  // stale; stale slots are skipped when they surface and the heap is rebuilt
  // when they outnumber live ones.
  std::vector<ExpirySlot> heap_;
};

}  // namespace roam6::mip6d::ha
