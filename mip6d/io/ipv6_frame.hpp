#pragma once
// The first steps every control-plane role takes with a received frame:
// Ethernet, then IPv6, then the extension-header chain.

#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/extension_headers.hpp"
#include "roam6/wire/ipv6.hpp"

namespace roam6::mip6d {

struct Ipv6Frame {
  wire::EthernetView eth;
  wire::Ipv6View ip;
  wire::ExtensionChain chain;
  // Why parse_ipv6_frame found the frame malformed (ok otherwise): lets a
  // receiver count what the extension-header walk refused by reason.
  wire::Errc error = wire::Errc::ok;
};

enum class FrameKind : std::uint8_t {
  ipv6,       // `out` is filled
  not_ipv6,   // another EtherType or too short for Ethernet: not ours to handle
  malformed,  // IPv6 that fails to parse or whose chain is broken
};

inline FrameKind parse_ipv6_frame(wire::ByteSpan frame, Ipv6Frame& out) noexcept {
  const auto eth = wire::EthernetView::parse(frame);
  if (!eth || eth->ethertype() != wire::ethertype::ipv6) return FrameKind::not_ipv6;
  const auto ip = wire::Ipv6View::parse(eth->payload());
  if (!ip) {
    out.error = ip.error();
    return FrameKind::malformed;
  }
  out.error = wire::walk_extension_chain(*ip, out.chain);
  if (out.error != wire::Errc::ok) return FrameKind::malformed;
  out.eth = *eth;
  out.ip = *ip;
  return FrameKind::ipv6;
}

}  // namespace roam6::mip6d
