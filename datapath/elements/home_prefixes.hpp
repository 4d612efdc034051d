#pragma once
// Which addresses may have a binding at a Home Agent: those of the prefixes
// it serves (mip6d's home_agent.home_prefixes; its registrar accepts no
// home address outside them). A packet to any other address needs no table
// lookup: at a million bindings each lookup reads a bucket line, and a
// decapsulated packet's destination is almost always a correspondent
// outside the home prefixes, not another away guest.
//
// No prefixes: every address may have a binding (the test tools' default).

#include <cstdint>
#include <cstring>
#include <vector>

#include "roam6/wire/address.hpp"

namespace roam6::datapath {

class HomePrefixes {
 public:
  explicit HomePrefixes(const std::vector<wire::Ip6Prefix>& prefixes) {
    for (const auto& p : prefixes) {
      std::uint8_t mask[16]{};
      for (unsigned bit = 0; bit < p.length; ++bit) mask[bit / 8] |= static_cast<std::uint8_t>(0x80u >> (bit % 8));
      Entry e;
      // Both sides are loaded from the same byte order, so the comparison
      // holds on any host.
      std::memcpy(e.mask, mask, 16);
      std::memcpy(e.network, p.address.bytes.data(), 16);
      e.network[0] &= e.mask[0];
      e.network[1] &= e.mask[1];
      entries_.push_back(e);
    }
  }

  // `address`: 16 bytes in network order, at any alignment.
  [[nodiscard]] bool may_be_bound(const std::uint8_t* address) const noexcept {
    if (entries_.empty()) return true;
    std::uint64_t word[2];
    std::memcpy(word, address, 16);
    for (const Entry& e : entries_)
      if ((((word[0] & e.mask[0]) ^ e.network[0]) | ((word[1] & e.mask[1]) ^ e.network[1])) == 0) return true;
    return false;
  }

 private:
  struct Entry {
    std::uint64_t mask[2];
    std::uint64_t network[2];
  };
  std::vector<Entry> entries_;
};

}  // namespace roam6::datapath
