#include "roam6/wire/ipv6.hpp"

namespace roam6::wire {

Result<std::size_t> write_ipv6_header(MutableByteSpan out, const Ipv6Fields& f) noexcept {
  if (out.size() < ipv6_header_size) return Errc::buffer_too_small;
  if (f.flow_label > 0xfffff) return Errc::value_out_of_range;
  std::uint8_t* p = out.data();
  store_be32(p, (6u << 28) | (std::uint32_t{f.traffic_class} << 20) | f.flow_label);
  store_be16(p + 4, f.payload_length);
  p[6] = f.next_header;
  p[7] = f.hop_limit;
  f.src.write_to(p + 8);
  f.dst.write_to(p + 24);
  return ipv6_header_size;
}

}  // namespace roam6::wire
