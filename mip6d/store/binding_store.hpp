#pragma once
// Durable copy of the Home Agent's binding cache. A Binding Acknowledgement is
// sent only after the change it acknowledges is committed here, so a crash
// never loses an acknowledged binding. Writes are grouped: one transaction per
// batch of BUs handled in one turn of the event loop.

#include <cstdint>
#include <functional>

#include "mip6d/runtime/scheduler.hpp"
#include "roam6/wire/address.hpp"

namespace roam6::mip6d {

struct StoredBinding {
  wire::Ip6Addr home_address;
  wire::Ip6Addr care_of_address;
  WallTime expires;              // absolute, so the remaining lifetime survives a restart
  std::uint32_t spi = 0;         // security association that registered it
  std::uint64_t last_timestamp = 0;  // RFC 4285 replay protection, last accepted
  std::uint16_t sequence = 0;    // last accepted BU sequence number
  std::uint16_t flags = 0;       // BU flags as received
};

class BindingStore {
 public:
  virtual ~BindingStore() = default;
  // Calls `each` for every binding that expires after `now`, and removes the
  // expired ones.
  virtual void load(WallTime now, const std::function<void(const StoredBinding&)>& each) = 0;
  // Changes between begin() and commit() become durable together.
  virtual void begin() = 0;
  virtual void put(const StoredBinding& binding) = 0;
  virtual void erase(const wire::Ip6Addr& home_address) = 0;
  virtual void commit() = 0;
};

}  // namespace roam6::mip6d
