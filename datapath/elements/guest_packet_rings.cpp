#include "datapath/elements/guest_packet_rings.hpp"

namespace roam6::datapath {

GuestPacketRings::GuestPacketRings(std::uint32_t guests, std::uint32_t per_guest)
    : guests_(per_guest == 0 ? 0 : guests),
      per_guest_(per_guest),
      rings_(new Ring[guests_]),
      packets_(new rte_mbuf*[std::size_t{guests_} * per_guest_]),
      stamps_(new std::uint64_t[std::size_t{guests_} * per_guest_]) {}

int GuestPacketRings::claim(std::uint32_t slot, std::uint32_t generation, const wire::MacAddr& mac) noexcept {
  if (const int r = find(slot, generation); r >= 0) return r;
  for (std::uint32_t r = 0; r < guests_; ++r) {
    Ring& ring = rings_[r];
    if (ring.count != 0) continue;
    ring.slot = slot;
    ring.generation = generation;
    ring.mac = mac;
    ring.head = 0;
    return static_cast<int>(r);
  }
  return -1;
}

}  // namespace roam6::datapath
