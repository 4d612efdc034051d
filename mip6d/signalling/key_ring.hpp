#pragma once
// The security associations a node holds, by Mobility SPI (RFC 4285): each
// configured key with its ready-to-use authenticator.

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
    const Key* key;
    MessageAuthenticator authenticator;
  };
  // nullptr for an SPI we hold no key for.
  [[nodiscard]] Entry* find(std::uint32_t spi);
  [[nodiscard]] Entry* find(std::string_view name);

 private:
  std::unordered_map<std::uint32_t, std::unique_ptr<Entry>> by_spi_;
};

}  // namespace roam6::mip6d
