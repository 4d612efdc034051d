#pragma once
// Which addresses may have a binding at a Home Agent: those of the prefixes
// it serves (mip6d's home_agent.home_prefixes; its registrar accepts no
// home address outside them). A packet to any other address needs no table
// lookup: at a million bindings each lookup reads a bucket line, and a
// decapsulated packet's destination is almost always a correspondent
// outside the home prefixes, not another away guest.
//
// No prefixes, or more than max_prefixes: every address may have a binding
// (a lookup finds out; the test tools' default). Once per looked-up address,
// so the prefixes sit inline, and prefixes of at most 64 bits (home
// prefixes are) compare one word.

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "roam6/wire/address.hpp"

namespace roam6::datapath {

class HomePrefixes {
 public:
  static constexpr std::size_t max_prefixes = 8;

  explicit HomePrefixes(const std::vector<wire::Ip6Prefix>& prefixes) {
    if (prefixes.empty() || prefixes.size() > max_prefixes) {
      count_ = 1;  // one entry with an all-zero mask: every address
      return;
    }
    wire::Ip6Addr all_ones;
    all_ones.bytes.fill(0xff);
    for (const auto& p : prefixes) {
      // The mask is the all-ones address cut to the prefix length (which
      // `of` caps at 128); both sides are loaded in the same byte order,
      // so the comparison holds on any host.
      const wire::Ip6Prefix mask = wire::Ip6Prefix::of(all_ones, p.length);
      Entry& e = entries_[count_++];
      std::memcpy(e.mask, mask.address.bytes.data(), 16);
      std::memcpy(e.network, wire::Ip6Prefix::of(p.address, p.length).address.bytes.data(), 16);
      if (mask.length > 64) one_word_ = false;
    }
  }

  // `address`: 16 bytes in network order, at any alignment.
  [[nodiscard]] bool may_be_bound(const std::uint8_t* address) const noexcept {
    std::uint64_t high;
    std::memcpy(&high, address, 8);
    if (one_word_) [[likely]] {
      for (unsigned i = 0; i < count_; ++i)
        if ((high & entries_[i].mask[0]) == entries_[i].network[0]) return true;
      return false;
    }
    std::uint64_t low;
    std::memcpy(&low, address + 8, 8);
    for (unsigned i = 0; i < count_; ++i) {
      const Entry& e = entries_[i];
      if ((((high & e.mask[0]) ^ e.network[0]) | ((low & e.mask[1]) ^ e.network[1])) == 0) return true;
    }
    return false;
  }

 private:
  struct Entry {
    std::uint64_t mask[2] = {0, 0};
    std::uint64_t network[2] = {0, 0};
  };
  std::array<Entry, max_prefixes> entries_{};
  unsigned count_ = 0;
  bool one_word_ = true;  // every prefix is at most 64 bits long
};

}  // namespace roam6::datapath
