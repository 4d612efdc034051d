#include "roam6/wire/ipv6.hpp"

namespace roam6::wire {

Result<Ipv6View> Ipv6View::parse(ByteSpan buffer) noexcept {
  if (buffer.size() < ipv6_header_size) return Errc::truncated_ipv6_header;
  const std::uint8_t* p = buffer.data();
  if ((p[0] >> 4) != 6) return Errc::bad_ip_version;
  const std::uint16_t payload_length = load_be16(p + 4);
  // Payload length 0 with a Hop-by-Hop header means a jumbogram (RFC 2675);
  // roam6 links never carry them. Payload length 0 otherwise is a bare header.
  if (payload_length == 0 && p[6] == ipproto::hop_by_hop) return Errc::jumbogram_unsupported;
  if (buffer.size() - ipv6_header_size < payload_length) return Errc::payload_length_exceeds_buffer;
  return Ipv6View(p);
}

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
