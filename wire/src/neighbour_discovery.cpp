#include "roam6/wire/neighbour_discovery.hpp"

namespace roam6::wire {

namespace {

constexpr std::uint8_t router_flag = 0x80;
constexpr std::uint8_t solicited_flag = 0x40;
constexpr std::uint8_t override_flag_bit = 0x20;
constexpr std::uint8_t managed_flag = 0x80;
constexpr std::uint8_t other_config_flag = 0x40;

// The checks every ND message shares (RFC 4861 6.1.1, 6.1.2, 7.1.1, 7.1.2):
// hop limit 255, code 0, minimum length, checksum. Returns the message.
Result<ByteSpan> check_nd_message(const Ipv6View& ip, ByteSpan icmp, std::uint8_t type,
                                  std::size_t fixed_size) noexcept {
  const auto view = Icmpv6View::parse(icmp);
  if (!view) return view.error();
  if (view->type() != type) return Errc::wrong_icmpv6_type;
  if (ip.hop_limit() != nd_hop_limit) return Errc::bad_nd_hop_limit;
  if (view->code() != 0) return Errc::bad_icmpv6_code;
  if (icmp.size() < fixed_size) return Errc::truncated_nd_message;
  if (!view->checksum_valid(ip.src(), ip.dst())) return Errc::bad_icmpv6_checksum;
  return icmp;
}

// The options after the fixed part: framing checked, the ones `use` names
// decoded.
Errc read_options(ByteSpan message, std::size_t fixed_size, NdOptionUse use, NdOptions& raw,
                  NdOptionSet& set) noexcept {
  const auto parsed = NdOptions::parse(message.subspan(fixed_size));
  if (!parsed) return parsed.error();
  raw = *parsed;
  const auto decoded = decode_nd_options(raw, use);
  if (!decoded) return decoded.error();
  set = *decoded;
  return Errc::ok;
}

// Writes the IPv6 header and the first ICMPv6 word; the caller fills in the
// rest of the fixed part and the options, then the checksum.
Result<std::uint8_t*> begin_nd_packet(MutableByteSpan out, const Ip6Addr& src, const Ip6Addr& dst,
                                      std::uint8_t type, std::size_t icmp_length) noexcept {
  Icmpv6Envelope envelope;
  envelope.src = src;
  envelope.dst = dst;
  envelope.hop_limit = nd_hop_limit;
  const auto header = write_icmpv6_ipv6_header(out, envelope, icmp_length);
  if (!header) return header.error();
  std::uint8_t* icmp = out.data() + ipv6_header_size;
  icmp[0] = type;
  icmp[1] = 0;
  store_be16(icmp + 2, 0);
  return icmp;
}

std::size_t finish_nd_packet(MutableByteSpan out, std::size_t icmp_length) noexcept {
  const std::size_t length = ipv6_header_size + icmp_length;
  fill_icmpv6_checksum(out.first(length));
  return length;
}

}  // namespace

bool is_solicited_node_multicast(const Ip6Addr& addr) noexcept {
  // ff02:0:0:0:0:1:ff00::/104
  static constexpr std::uint8_t prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
  for (std::size_t i = 0; i < sizeof prefix; ++i)
    if (addr.bytes[i] != prefix[i]) return false;
  return true;
}

Result<RouterSolicitationView> parse_router_solicitation(const Ipv6View& ip,
                                                         ByteSpan icmp) noexcept {
  const auto message = check_nd_message(ip, icmp, icmpv6_type::router_solicitation,
                                        router_solicitation_size);
  if (!message) return message.error();
  RouterSolicitationView v;
  NdOptionUse use;
  use.source_link_layer = true;
  ROAM6_TRY_ERRC(read_options(*message, router_solicitation_size, use, v.raw_options_, v.options_));
  if (ip.src().is_unspecified() && v.options_.source_link_layer)
    return Errc::nd_link_layer_option_from_unspecified_source;
  return v;
}

Result<RouterAdvertisementView> parse_router_advertisement(const Ipv6View& ip,
                                                           ByteSpan icmp) noexcept {
  const auto message = check_nd_message(ip, icmp, icmpv6_type::router_advertisement,
                                        router_advertisement_size);
  if (!message) return message.error();
  if (!ip.src().is_link_local()) return Errc::bad_nd_source;
  RouterAdvertisementView v;
  v.message_ = *message;
  NdOptionUse use;
  use.source_link_layer = true;
  use.prefix_information = true;
  use.mtu = true;
  ROAM6_TRY_ERRC(read_options(*message, router_advertisement_size, use, v.raw_options_, v.options_));
  return v;
}

Result<NeighbourSolicitationView> parse_neighbour_solicitation(const Ipv6View& ip,
                                                               ByteSpan icmp) noexcept {
  const auto message = check_nd_message(ip, icmp, icmpv6_type::neighbour_solicitation,
                                        neighbour_solicitation_size);
  if (!message) return message.error();
  NeighbourSolicitationView v;
  v.message_ = *message;
  if (v.target().is_multicast()) return Errc::bad_nd_target;
  v.dad_ = ip.src().is_unspecified();
  if (v.dad_ && !is_solicited_node_multicast(ip.dst())) return Errc::bad_nd_destination;
  NdOptionUse use;
  use.source_link_layer = true;
  ROAM6_TRY_ERRC(read_options(*message, neighbour_solicitation_size, use, v.raw_options_, v.options_));
  if (v.dad_ && v.options_.source_link_layer)
    return Errc::nd_link_layer_option_from_unspecified_source;
  return v;
}

Result<NeighbourAdvertisementView> parse_neighbour_advertisement(const Ipv6View& ip,
                                                                 ByteSpan icmp) noexcept {
  const auto message = check_nd_message(ip, icmp, icmpv6_type::neighbour_advertisement,
                                        neighbour_advertisement_size);
  if (!message) return message.error();
  NeighbourAdvertisementView v;
  v.message_ = *message;
  if (v.target().is_multicast()) return Errc::bad_nd_target;
  if (v.solicited() && ip.dst().is_multicast()) return Errc::bad_nd_destination;
  NdOptionUse use;
  use.target_link_layer = true;
  ROAM6_TRY_ERRC(read_options(*message, neighbour_advertisement_size, use, v.raw_options_, v.options_));
  return v;
}

Result<std::size_t> write_router_solicitation(MutableByteSpan out,
                                              const RouterSolicitationFields& f) noexcept {
  if (f.src.is_unspecified() && f.source_link_layer) return Errc::value_out_of_range;
  const std::size_t icmp_length =
      router_solicitation_size + (f.source_link_layer ? link_layer_address_option_size : 0);
  const auto icmp = begin_nd_packet(out, f.src, f.dst, icmpv6_type::router_solicitation,
                                    icmp_length);
  if (!icmp) return icmp.error();
  std::uint8_t* p = *icmp;
  store_be32(p + 4, 0);  // Reserved
  if (f.source_link_layer) {
    (void)write_link_layer_address_option({p + router_solicitation_size, link_layer_address_option_size},
                                          nd_option_type::source_link_layer_address,
                                          *f.source_link_layer);
  }
  return finish_nd_packet(out, icmp_length);
}

Result<std::size_t> write_router_advertisement(MutableByteSpan out,
                                               const RouterAdvertisementFields& f) noexcept {
  if (!f.src.is_link_local()) return Errc::value_out_of_range;
  for (const PrefixInformation& info : f.prefixes) {
    if (info.prefix.length > 128 || info.preferred_lifetime > info.valid_lifetime)
      return Errc::value_out_of_range;
  }
  const std::size_t options_length =
      (f.source_link_layer ? link_layer_address_option_size : 0) + (f.mtu ? mtu_option_size : 0) +
      f.prefixes.size() * prefix_information_option_size;
  const std::size_t icmp_length = router_advertisement_size + options_length;
  const auto icmp = begin_nd_packet(out, f.src, f.dst, icmpv6_type::router_advertisement,
                                    icmp_length);
  if (!icmp) return icmp.error();
  std::uint8_t* p = *icmp;
  p[4] = f.cur_hop_limit;
  p[5] = static_cast<std::uint8_t>((f.managed ? managed_flag : 0) |
                                   (f.other_config ? other_config_flag : 0) |
                                   (f.other_flags & 0x3f));
  store_be16(p + 6, f.router_lifetime);
  store_be32(p + 8, f.reachable_time);
  store_be32(p + 12, f.retrans_timer);
  // Sizes were checked above, so the option writers cannot fail.
  MutableByteSpan options{p + router_advertisement_size, options_length};
  if (f.source_link_layer) {
    (void)write_link_layer_address_option(options, nd_option_type::source_link_layer_address,
                                          *f.source_link_layer);
    options = options.subspan(link_layer_address_option_size);
  }
  if (f.mtu) {
    (void)write_mtu_option(options, *f.mtu);
    options = options.subspan(mtu_option_size);
  }
  for (const PrefixInformation& info : f.prefixes) {
    (void)write_prefix_information_option(options, info);
    options = options.subspan(prefix_information_option_size);
  }
  return finish_nd_packet(out, icmp_length);
}

Result<std::size_t> write_neighbour_solicitation(MutableByteSpan out,
                                                 const NeighbourSolicitationFields& f) noexcept {
  if (f.target.is_multicast()) return Errc::value_out_of_range;
  const Ip6Addr dst = f.dst ? *f.dst : solicited_node_multicast(f.target);
  if (f.src.is_unspecified() && (f.source_link_layer || !is_solicited_node_multicast(dst)))
    return Errc::value_out_of_range;
  const std::size_t icmp_length =
      neighbour_solicitation_size + (f.source_link_layer ? link_layer_address_option_size : 0);
  const auto icmp = begin_nd_packet(out, f.src, dst, icmpv6_type::neighbour_solicitation,
                                    icmp_length);
  if (!icmp) return icmp.error();
  std::uint8_t* p = *icmp;
  store_be32(p + 4, 0);  // Reserved
  f.target.write_to(p + 8);
  if (f.source_link_layer) {
    (void)write_link_layer_address_option(
        {p + neighbour_solicitation_size, link_layer_address_option_size},
        nd_option_type::source_link_layer_address, *f.source_link_layer);
  }
  return finish_nd_packet(out, icmp_length);
}

Result<std::size_t> write_neighbour_advertisement(MutableByteSpan out,
                                                  const NeighbourAdvertisementFields& f) noexcept {
  if (f.target.is_multicast()) return Errc::value_out_of_range;
  if (f.solicited && f.dst.is_multicast()) return Errc::value_out_of_range;
  const std::size_t icmp_length =
      neighbour_advertisement_size + (f.target_link_layer ? link_layer_address_option_size : 0);
  const auto icmp = begin_nd_packet(out, f.src, f.dst, icmpv6_type::neighbour_advertisement,
                                    icmp_length);
  if (!icmp) return icmp.error();
  std::uint8_t* p = *icmp;
  store_be32(p + 4, 0);
  p[4] = static_cast<std::uint8_t>((f.router ? router_flag : 0) | (f.solicited ? solicited_flag : 0) |
                                   (f.override_flag ? override_flag_bit : 0));
  f.target.write_to(p + 8);
  if (f.target_link_layer) {
    (void)write_link_layer_address_option(
        {p + neighbour_advertisement_size, link_layer_address_option_size},
        nd_option_type::target_link_layer_address, *f.target_link_layer);
  }
  return finish_nd_packet(out, icmp_length);
}

}  // namespace roam6::wire
