#include "roam6/wire/mobility_header.hpp"

#include "roam6/wire/checksum.hpp"
#include "roam6/wire/ipv6.hpp"

namespace roam6::wire {

Result<MobilityHeaderView> MobilityHeaderView::parse(ByteSpan mh) noexcept {
  if (mh.size() < mobility_header_min_size) return Errc::truncated_mobility_header;
  const std::uint8_t* p = mh.data();
  // RFC 6275 section 9.2 order: payload proto, then length against the type.
  if (p[0] != mobility_payload_proto) return Errc::mobility_payload_proto_not_none;
  const std::size_t size = (std::size_t{p[1]} + 1) * 8;
  if (size > mh.size()) return Errc::mobility_header_exceeds_packet;
  const std::size_t options_offset = mobility_options_offset(p[2]);
  if (options_offset == 0) return Errc::unknown_mobility_header_type;
  if (size < options_offset) return Errc::mobility_header_too_short_for_type;
  return MobilityHeaderView(p, static_cast<std::uint16_t>(size),
                            static_cast<std::uint8_t>(options_offset));
}

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
