#include "roam6/wire/mobility_packet.hpp"

#include "extension_chain_walk.hpp"
#include "roam6/wire/checksum.hpp"

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
    : out_(out),
      mh_offset_(headers_size(fields)),
      mh_(mh_area(out, fields)) {
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
  // The address sits 8 octets into both headers.
  if (fields.type2_home_address) {
    // Sizes were checked above, so these writes cannot fail.
    (void)write_type2_routing_header(out.subspan(at), after_routing, *fields.type2_home_address);
    pseudo_dst_offset_ = static_cast<std::uint8_t>(at + 8);
    at += type2_routing_header_size;
  }
  if (fields.home_address_option) {
    (void)write_home_address_option_header(out.subspan(at), ipproto::mobility,
                                           *fields.home_address_option);
    pseudo_src_offset_ = static_cast<std::uint8_t>(at + 8);
  }
}

Result<std::size_t> MobilityPacketWriter::finish() noexcept {
  if (error_ != Errc::ok) return error_;
  const auto mh_size = mh_.finish();
  if (!mh_size) return mh_size.error();
  const std::size_t payload = mh_offset_ - ipv6_header_size + *mh_size;
  // An MH is at most 2048 octets, so the payload always fits in 16 bits.
  std::uint8_t* p = out_.data();
  store_be16(p + 4, static_cast<std::uint16_t>(payload));
  // The finished MH is whole (Header Len matches its size), so the checks
  // of write_mobility_header_checksum are already met.
  std::uint8_t* mh = p + mh_offset_;
  store_be16(mh + 4, 0);
  store_be16(mh + 4, upper_layer_checksum(p + pseudo_src_offset_, p + pseudo_dst_offset_,
                                          ipproto::mobility, ByteSpan(mh, *mh_size)));
  return ipv6_header_size + payload;
}

namespace {

// The part after the chain walk: MH parse and checksum. out.ip and
// out.chain are already set.
Errc finish_mobility_packet(MobilityPacket& out) noexcept {
  const ExtensionChain& chain = out.chain;
  if (chain.upper_protocol != ipproto::mobility || chain.later_fragment) [[unlikely]]
    return Errc::not_mobility_header;
  const ByteSpan packet = out.ip.packet();
  ROAM6_TRY_ERRC(MobilityHeaderView::parse(packet.subspan(chain.upper_offset), out.mh));
  // The pseudo-header addresses are read where they are in the packet (not
  // from the chain just written, which would stall on store forwarding).
  const std::uint8_t* pseudo_src =
      chain.home_address ? packet.data() + chain.home_address_offset : out.ip.src_bytes();
  const std::uint8_t* pseudo_dst = chain.type2_home_address && chain.type2_segments_left != 0
                                       ? packet.data() + chain.type2_home_address_offset
                                       : out.ip.dst_bytes();
  return upper_layer_checksum_valid(pseudo_src, pseudo_dst, ipproto::mobility, out.mh.bytes())
             ? Errc::ok
             : Errc::bad_mobility_header_checksum;
}

}  // namespace

Errc decode_mobility_packet(ByteSpan ipv6_packet, MobilityPacket& out) noexcept {
  const auto ip = Ipv6View::parse(ipv6_packet);
  if (!ip) return ip.error();
  out.ip = *ip;
  // The chain is walked straight into `out` (no copy of it), inline.
  ROAM6_TRY_ERRC(detail::walk_chain(*ip, out.chain));
  return finish_mobility_packet(out);
}

Errc decode_mobility_packet(const Ipv6View& ip, const ExtensionChain& chain,
                            MobilityPacket& out) noexcept {
  out.ip = ip;
  out.chain = chain;
  return finish_mobility_packet(out);
}

Result<MobilityPacket> decode_mobility_packet(ByteSpan ipv6_packet) noexcept {
  Result<MobilityPacket> result{MobilityPacket{}};
  ROAM6_TRY_ERRC(decode_mobility_packet(ipv6_packet, *result));
  return result;
}

}  // namespace roam6::wire
