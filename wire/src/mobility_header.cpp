#include "roam6/wire/mobility_header.hpp"

#include "roam6/wire/checksum.hpp"
#include "roam6/wire/ipv6.hpp"

namespace roam6::wire {

bool MobilityHeaderView::checksum_valid(const Ip6Addr& pseudo_src,
                                        const Ip6Addr& pseudo_dst) const noexcept {
  return upper_layer_checksum_valid(pseudo_src, pseudo_dst, ipproto::mobility, bytes());
}

Errc write_mobility_header_checksum(MutableByteSpan mh, const Ip6Addr& pseudo_src,
                                    const Ip6Addr& pseudo_dst) noexcept {
  if (mh.size() < mobility_header_min_size) return Errc::truncated_mobility_header;
  const std::size_t size = (std::size_t{mh[1]} + 1) * 8;
  if (size > mh.size()) return Errc::mobility_header_exceeds_packet;
  store_be16(mh.data() + 4, 0);
  const std::uint16_t sum =
      upper_layer_checksum(pseudo_src, pseudo_dst, ipproto::mobility, mh.first(size));
  store_be16(mh.data() + 4, sum);
  return Errc::ok;
}

}  // namespace roam6::wire
