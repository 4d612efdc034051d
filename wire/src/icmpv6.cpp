#include "roam6/wire/icmpv6.hpp"

#include <algorithm>
#include <cstring>

#include "roam6/wire/checksum.hpp"

namespace roam6::wire {

namespace {

constexpr std::size_t max_icmpv6_length = 0xffff;  // the IPv6 payload length field

bool is_error_type(std::uint8_t type) noexcept {
  return type == icmpv6_type::destination_unreachable || type == icmpv6_type::packet_too_big ||
         type == icmpv6_type::time_exceeded || type == icmpv6_type::parameter_problem;
}

// What write_icmpv6_ipv6_header would refuse, checked before anything is
// written: payloads are moved into place first because they may overlap the
// bytes the headers go to.
Errc check_icmpv6_packet(MutableByteSpan out, const Icmpv6Envelope& envelope,
                         std::size_t icmp_length) noexcept {
  if (icmp_length > max_icmpv6_length || envelope.flow_label > 0xfffff)
    return Errc::value_out_of_range;
  if (out.size() < ipv6_header_size + icmp_length) return Errc::buffer_too_small;
  return Errc::ok;
}

// Type, Code, zero checksum, and the 32-bit word of echo and error messages.
void write_icmpv6_prefix(std::uint8_t* p, std::uint8_t type, std::uint8_t code,
                         std::uint32_t word) noexcept {
  p[0] = type;
  p[1] = code;
  store_be16(p + 2, 0);
  store_be32(p + 4, word);
}

Result<std::size_t> write_echo(MutableByteSpan out, const Icmpv6Envelope& envelope,
                               std::uint8_t type, std::uint16_t identifier,
                               std::uint16_t sequence, ByteSpan data) noexcept {
  const std::size_t icmp_length = icmpv6_echo_header_size + data.size();
  ROAM6_TRY_ERRC(check_icmpv6_packet(out, envelope, icmp_length));
  std::uint8_t* icmp = out.data() + ipv6_header_size;
  if (!data.empty()) std::memmove(icmp + icmpv6_echo_header_size, data.data(), data.size());
  (void)write_icmpv6_ipv6_header(out, envelope, icmp_length);
  write_icmpv6_prefix(icmp, type, 0,
                      (std::uint32_t{identifier} << 16) | std::uint32_t{sequence});
  const std::size_t length = ipv6_header_size + icmp_length;
  fill_icmpv6_checksum(out.first(length));
  return length;
}

}  // namespace

Result<Icmpv6View> Icmpv6View::parse(ByteSpan message) noexcept {
  if (message.size() < icmpv6_header_size) return Errc::truncated_icmpv6;
  return Icmpv6View(message);
}

bool Icmpv6View::checksum_valid(const Ip6Addr& src, const Ip6Addr& dst) const noexcept {
  return upper_layer_checksum_valid(src, dst, ipproto::icmpv6, message_);
}

Result<Icmpv6View> parse_icmpv6(const Ipv6View& ip, ByteSpan message) noexcept {
  auto icmp = Icmpv6View::parse(message);
  if (!icmp) return icmp;
  if (!icmp->checksum_valid(ip.src(), ip.dst())) return Errc::bad_icmpv6_checksum;
  return icmp;
}

Result<EchoView> EchoView::parse(const Icmpv6View& icmp) noexcept {
  if (icmp.type() != icmpv6_type::echo_request && icmp.type() != icmpv6_type::echo_reply)
    return Errc::wrong_icmpv6_type;
  if (icmp.message().size() < icmpv6_echo_header_size) return Errc::truncated_icmpv6;
  return EchoView(icmp.message());
}

Errc Icmpv6ErrorView::check(const Icmpv6View& icmp, std::uint8_t type) noexcept {
  if (icmp.type() != type) return Errc::wrong_icmpv6_type;
  if (icmp.message().size() < icmpv6_error_header_size) return Errc::truncated_icmpv6;
  return Errc::ok;
}

Result<DestinationUnreachableView> DestinationUnreachableView::parse(
    const Icmpv6View& icmp) noexcept {
  ROAM6_TRY_ERRC(check(icmp, icmpv6_type::destination_unreachable));
  return DestinationUnreachableView(icmp.message());
}

Result<PacketTooBigView> PacketTooBigView::parse(const Icmpv6View& icmp) noexcept {
  ROAM6_TRY_ERRC(check(icmp, icmpv6_type::packet_too_big));
  return PacketTooBigView(icmp.message());
}

Result<TimeExceededView> TimeExceededView::parse(const Icmpv6View& icmp) noexcept {
  ROAM6_TRY_ERRC(check(icmp, icmpv6_type::time_exceeded));
  return TimeExceededView(icmp.message());
}

Result<ParameterProblemView> ParameterProblemView::parse(const Icmpv6View& icmp) noexcept {
  ROAM6_TRY_ERRC(check(icmp, icmpv6_type::parameter_problem));
  return ParameterProblemView(icmp.message());
}

Result<std::size_t> write_icmpv6_ipv6_header(MutableByteSpan out, const Icmpv6Envelope& envelope,
                                             std::size_t icmp_length) noexcept {
  ROAM6_TRY_ERRC(check_icmpv6_packet(out, envelope, icmp_length));
  Ipv6Fields f;
  f.traffic_class = envelope.traffic_class;
  f.flow_label = envelope.flow_label;
  f.payload_length = static_cast<std::uint16_t>(icmp_length);
  f.next_header = ipproto::icmpv6;
  f.hop_limit = envelope.hop_limit;
  f.src = envelope.src;
  f.dst = envelope.dst;
  return write_ipv6_header(out, f);
}

void fill_icmpv6_checksum(MutableByteSpan packet) noexcept {
  const std::uint8_t* p = packet.data();
  const Ip6Addr src = Ip6Addr::from_bytes(p + 8);
  const Ip6Addr dst = Ip6Addr::from_bytes(p + 24);
  const MutableByteSpan icmp = packet.subspan(ipv6_header_size, load_be16(p + 4));
  store_be16(icmp.data() + 2, 0);
  store_be16(icmp.data() + 2, upper_layer_checksum(src, dst, ipproto::icmpv6, icmp));
}

Result<std::size_t> write_echo_request(MutableByteSpan out, const Icmpv6Envelope& envelope,
                                       std::uint16_t identifier, std::uint16_t sequence,
                                       ByteSpan data) noexcept {
  return write_echo(out, envelope, icmpv6_type::echo_request, identifier, sequence, data);
}

Result<std::size_t> write_echo_reply(MutableByteSpan out, const Icmpv6Envelope& envelope,
                                     std::uint16_t identifier, std::uint16_t sequence,
                                     ByteSpan data) noexcept {
  return write_echo(out, envelope, icmpv6_type::echo_reply, identifier, sequence, data);
}

Result<std::size_t> write_icmpv6_error(MutableByteSpan out, const Icmpv6Envelope& envelope,
                                       std::uint8_t type, std::uint8_t code, std::uint32_t word,
                                       ByteSpan invoking) noexcept {
  if (!is_error_type(type)) return Errc::value_out_of_range;
  const std::size_t included = std::min(invoking.size(), icmpv6_error_max_invoking_bytes);
  const std::size_t icmp_length = icmpv6_error_header_size + included;
  ROAM6_TRY_ERRC(check_icmpv6_packet(out, envelope, icmp_length));
  std::uint8_t* icmp = out.data() + ipv6_header_size;
  if (included != 0) std::memmove(icmp + icmpv6_error_header_size, invoking.data(), included);
  (void)write_icmpv6_ipv6_header(out, envelope, icmp_length);
  write_icmpv6_prefix(icmp, type, code, word);
  const std::size_t length = ipv6_header_size + icmp_length;
  fill_icmpv6_checksum(out.first(length));
  return length;
}

Result<std::size_t> write_destination_unreachable(MutableByteSpan out,
                                                  const Icmpv6Envelope& envelope,
                                                  std::uint8_t code, ByteSpan invoking) noexcept {
  return write_icmpv6_error(out, envelope, icmpv6_type::destination_unreachable, code, 0,
                            invoking);
}

Result<std::size_t> write_packet_too_big(MutableByteSpan out, const Icmpv6Envelope& envelope,
                                         std::uint32_t mtu, ByteSpan invoking) noexcept {
  if (mtu < ipv6_minimum_mtu) return Errc::value_out_of_range;
  return write_icmpv6_error(out, envelope, icmpv6_type::packet_too_big, 0, mtu, invoking);
}

Result<std::size_t> write_time_exceeded(MutableByteSpan out, const Icmpv6Envelope& envelope,
                                        std::uint8_t code, ByteSpan invoking) noexcept {
  return write_icmpv6_error(out, envelope, icmpv6_type::time_exceeded, code, 0, invoking);
}

Result<std::size_t> write_parameter_problem(MutableByteSpan out, const Icmpv6Envelope& envelope,
                                            std::uint8_t code, std::uint32_t pointer,
                                            ByteSpan invoking) noexcept {
  return write_icmpv6_error(out, envelope, icmpv6_type::parameter_problem, code, pointer,
                            invoking);
}

}  // namespace roam6::wire
