#include "datapath/table/outer_header_template.hpp"

#include "roam6/wire/ipv6.hpp"
#include "roam6/wire/tunnel.hpp"

namespace roam6::datapath {

OuterHeaderTemplate make_outer_header_template(const Ip6Addr& src, const Ip6Addr& dst) noexcept {
  OuterHeaderTemplate outer{};
  wire::Ipv6Fields fields;
  fields.next_header = wire::ipproto::ipv6;
  fields.hop_limit = wire::default_tunnel_hop_limit;
  fields.src = src;
  fields.dst = dst;
  // Cannot fail: the buffer holds exactly one header and the flow label is 0.
  (void)wire::write_ipv6_header(wire::MutableByteSpan{outer.bytes, sizeof outer.bytes}, fields);
  return outer;
}

}  // namespace roam6::datapath
