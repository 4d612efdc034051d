#include "datapath/elements/frame_classifier.hpp"

#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/extension_headers.hpp"
#include "roam6/wire/icmpv6.hpp"

namespace roam6::datapath {

ClassifiedFrame classify_frame(const std::uint8_t* frame, std::uint32_t length) noexcept {
  ClassifiedFrame out;
  classify_frame(frame, length, out);
  return out;
}

namespace frame_classifier_detail {

bool classify_extension_chain(const wire::Ipv6View& ip, ClassifiedFrame& out) noexcept {
  wire::ExtensionChain chain;
  if (wire::walk_extension_chain(ip, chain) != wire::Errc::ok) return false;
  out.has_extension_headers = true;
  out.fragment = chain.fragmented;
  // A later fragment carries no upper-layer header: it is just "other".
  out.upper_protocol = chain.later_fragment ? wire::ipproto::no_next_header : chain.upper_protocol;
  out.upper_offset = chain.upper_offset;
  return true;
}

bool chain_ends_in_mobility_header(const wire::Ipv6View& packet) noexcept {
  wire::ExtensionChain chain;
  return wire::walk_extension_chain(packet, chain) == wire::Errc::ok && !chain.later_fragment &&
         chain.upper_protocol == wire::ipproto::mobility;
}

}  // namespace frame_classifier_detail

}  // namespace roam6::datapath
