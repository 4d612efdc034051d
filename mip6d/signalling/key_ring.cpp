#include "mip6d/signalling/key_ring.hpp"

namespace roam6::mip6d {

KeyRing::KeyRing(const std::vector<Key>& keys) {
  for (const auto& k : keys)
    by_spi_.emplace(k.spi, std::make_unique<Entry>(Entry{&k, MessageAuthenticator(k.algorithm, k.secret)}));
}

KeyRing::Entry* KeyRing::find(std::uint32_t spi) {
  const auto it = by_spi_.find(spi);
  return it == by_spi_.end() ? nullptr : it->second.get();
}

KeyRing::Entry* KeyRing::find(std::string_view name) {
  for (auto& [spi, e] : by_spi_)
    if (e->key->name == name) return e.get();
  return nullptr;
}

}  // namespace roam6::mip6d
