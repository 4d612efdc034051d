#include "roam6/wire/mobility_packet.hpp"

namespace roam6::wire {

namespace {

std::size_t headers_size(const MobilityPacketFields& f) noexcept {
  return ipv6_header_size + (f.type2_home_address ? type2_routing_header_size : 0) +
         (f.home_address_option ? home_address_option_header_size : 0);
}

// The MH writer gets the buffer after the headers, or nothing if they do not
// fit (its begin_* then reports buffer_too_small).
MutableByteSpan mh_area(MutableByteSpan out, const MobilityPacketFields& f) noexcept {
  const std::size_t offset = headers_size(f);
  return out.size() < offset ? MutableByteSpan{} : out.subspan(offset);
}

}  // namespace

MobilityPacketWriter::MobilityPacketWriter(MutableByteSpan out,
                                           const MobilityPacketFields& fields) noexcept
    : out_(out), fields_(fields), mh_offset_(headers_size(fields)), mh_(mh_area(out, fields)) {
  if (out.size() < mh_offset_) {
    error_ = Errc::buffer_too_small;
    return;
  }
  // RFC 8200 4.1: Routing header before the Destination Options header that
  // is processed only at the final destination (where the HAO lives).
  const std::uint8_t after_routing =
      fields.home_address_option ? ipproto::destination_options : ipproto::mobility;
  Ipv6Fields ip;
  ip.traffic_class = fields.traffic_class;
  ip.flow_label = fields.flow_label;
  ip.next_header = fields.type2_home_address ? ipproto::routing : after_routing;
  ip.hop_limit = fields.hop_limit;
  ip.src = fields.src;
  ip.dst = fields.dst;
  if (auto r = write_ipv6_header(out, ip); !r) {
    error_ = r.error();
    return;
  }
  std::size_t at = ipv6_header_size;
  if (fields.type2_home_address) {
    // Sizes were checked above, so these writes cannot fail.
    (void)write_type2_routing_header(out.subspan(at), after_routing, *fields.type2_home_address);
    at += type2_routing_header_size;
  }
  if (fields.home_address_option) {
    (void)write_home_address_option_header(out.subspan(at), ipproto::mobility,
                                           *fields.home_address_option);
  }
}

Result<std::size_t> MobilityPacketWriter::finish() noexcept {
  if (error_ != Errc::ok) return error_;
  const auto mh_size = mh_.finish();
  if (!mh_size) return mh_size.error();
  const std::size_t payload = mh_offset_ - ipv6_header_size + *mh_size;
  // An MH is at most 2048 octets, so the payload always fits in 16 bits.
  store_be16(out_.data() + 4, static_cast<std::uint16_t>(payload));
  ROAM6_TRY_ERRC(write_mobility_header_checksum(mh_.bytes(), fields_.pseudo_source(),
                                                fields_.pseudo_destination()));
  return ipv6_header_size + payload;
}

Result<MobilityPacket> decode_mobility_packet(ByteSpan ipv6_packet) noexcept {
  MobilityPacket packet;
  auto ip = Ipv6View::parse(ipv6_packet);
  if (!ip) return ip.error();
  packet.ip = *ip;
  auto chain = walk_extension_chain(packet.ip);
  if (!chain) return chain.error();
  packet.chain = *chain;
  if (packet.chain.upper_protocol != ipproto::mobility || packet.chain.later_fragment)
    return Errc::not_mobility_header;
  auto mh = MobilityHeaderView::parse(packet.ip.packet().subspan(packet.chain.upper_offset));
  if (!mh) return mh.error();
  packet.mh = *mh;
  if (!packet.mh.checksum_valid(packet.pseudo_source(), packet.pseudo_destination()))
    return Errc::bad_mobility_header_checksum;
  return packet;
}

}  // namespace roam6::wire
