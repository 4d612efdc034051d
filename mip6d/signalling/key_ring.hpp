#pragma once
// The security associations a node holds, by Mobility SPI (RFC 4285): each
// configured key with its ready-to-use authenticator.
//
// The ring keeps its own copy of every key, so it never points into the
// Config it was built from: a configuration reload may replace the keys
// while messages signed under the old ring are still being sent.

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "mip6d/config/config.hpp"
#include "mip6d/signalling/message_authenticator.hpp"

namespace roam6::mip6d {

class KeyRing {
 public:
  explicit KeyRing(const std::vector<Key>& keys);

  struct Entry {
    const Key* key;  // the ring's own copy; lives as long as the ring
    MessageAuthenticator authenticator;
  };
  // nullptr for an SPI we hold no key for.
  [[nodiscard]] Entry* find(std::uint32_t spi);
  [[nodiscard]] Entry* find(std::string_view name);

 private:
  // Heap-allocated so that Entry pointers handed out stay valid for the
  // ring's life, and `entry.key` can point at `key` next to it.
  struct Slot {
    Key key;
    Entry entry;
  };
  std::unordered_map<std::uint32_t, std::unique_ptr<Slot>> by_spi_;
};

}  // namespace roam6::mip6d
