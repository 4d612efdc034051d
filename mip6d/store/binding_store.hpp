#pragma once
// Durable copy of the Home Agent's binding cache. A Binding Acknowledgement is
// sent only after the change it acknowledges is committed here, so a crash
// never loses an acknowledged binding. Writes are grouped: one transaction per
// batch of BUs handled in one turn of the event loop.

#include <cstdint>
#include <functional>
#include <string>

#include "mip6d/runtime/scheduler.hpp"
#include "roam6/wire/address.hpp"
#include "roam6/wire/link_layer_identifier.hpp"

namespace roam6::mip6d {

struct StoredBinding {
  wire::Ip6Addr home_address;
  wire::Ip6Addr care_of_address;
  WallTime expires;              // absolute, so the remaining lifetime survives a restart
  std::uint32_t spi = 0;         // security association that registered it
  std::uint64_t last_timestamp = 0;  // RFC 4285 replay protection, last accepted
  std::uint16_t sequence = 0;    // last accepted BU sequence number
  std::uint16_t flags = 0;       // BU flags as received
  wire::LinkLayerIdentifier link_layer_identifier;  // the guest's MAC; size 0: none
};

// One record of the Home Agent's replay memory (home_agent/replay_memory.hpp):
// the last timestamp accepted for a home address or mobile node identity,
// kept after the binding it came from is gone.
struct StoredReplayRecord {
  std::string key;                  // the key's stored form: kind byte, identity bytes
  std::uint64_t last_timestamp = 0;
  std::uint16_t sequence = 0;
  WallTime forget_at;               // after this the record is of no use
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

  // Replay memory, in the same file and the same batches as the bindings, so
  // a restart does not reopen what it closed. load_replay streams the records
  // still of use at `now` (outside a batch); the others are written inside
  // one. purge_replay drops every record of no use at `now`.
  virtual void load_replay(WallTime now, const std::function<void(const StoredReplayRecord&)>& each) = 0;
  virtual void put_replay(const StoredReplayRecord& record) = 0;
  virtual void erase_replay(const std::string& key) = 0;
  virtual void purge_replay(WallTime now) = 0;
};

}  // namespace roam6::mip6d
