#include "roam6/wire/icmpv6_error_policy.hpp"

#include "roam6/wire/extension_headers.hpp"
#include "roam6/wire/icmpv6.hpp"

namespace roam6::wire {

namespace {

// (e.1) and (e.2): an ICMPv6 error message (types 0-127) or a Redirect.
bool answers_icmpv6_error_or_redirect(const Ipv6View& invoking) noexcept {
  std::uint8_t upper = invoking.next_header();
  std::size_t offset = ipv6_header_size;
  if (upper != ipproto::icmpv6) {
    ExtensionChain chain;
    if (walk_extension_chain(invoking, chain) != Errc::ok || chain.later_fragment) return false;
    upper = chain.upper_protocol;
    offset = chain.upper_offset;
  }
  if (upper != ipproto::icmpv6) return false;
  const ByteSpan packet = invoking.packet();
  if (offset >= packet.size()) return true;  // type unreadable: assume the worst
  const std::uint8_t type = packet[offset];
  return type < 128 || type == icmpv6_type::redirect;
}

}  // namespace

bool icmpv6_error_allowed(const Ipv6View& invoking, std::uint8_t type, std::uint8_t code,
                          bool link_layer_group) noexcept {
  const Ip6Addr src = invoking.src();
  if (src.is_unspecified() || src.is_multicast()) return false;
  const bool multicast_allowed =
      type == icmpv6_type::packet_too_big ||
      (type == icmpv6_type::parameter_problem &&
       code == parameter_problem_code::unrecognised_option);
  if ((invoking.dst().is_multicast() || link_layer_group) && !multicast_allowed) return false;
  return !answers_icmpv6_error_or_redirect(invoking);
}

}  // namespace roam6::wire
