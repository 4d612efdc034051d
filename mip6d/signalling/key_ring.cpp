#include "mip6d/signalling/key_ring.hpp"

namespace roam6::mip6d {

KeyRing::KeyRing(const std::vector<Key>& keys) {
  for (const auto& k : keys) {
    auto slot = std::unique_ptr<Slot>(
        new Slot{k, Entry{nullptr, MessageAuthenticator(k.algorithm, k.secret)}});
    slot->entry.key = &slot->key;
    by_spi_.emplace(k.spi, std::move(slot));
  }
}

KeyRing::Entry* KeyRing::find(std::uint32_t spi) {
  const auto it = by_spi_.find(spi);
  return it == by_spi_.end() ? nullptr : &it->second->entry;
}

KeyRing::Entry* KeyRing::find(std::string_view name) {
  for (auto& [spi, slot] : by_spi_)
    if (slot->key.name == name) return &slot->entry;
  return nullptr;
}

}  // namespace roam6::mip6d
