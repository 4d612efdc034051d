#include "datapath/elements/decapsulator.hpp"

#include "roam6/wire/tunnel.hpp"

namespace roam6::datapath::decapsulator_detail {

std::optional<TunnelFrame> inspect_with_extension_headers(const ClassifiedFrame& frame) noexcept {
  const auto tunnel = wire::decapsulate(frame.ip.packet());
  if (!tunnel) return std::nullopt;
  if (tunnel->outer_chain.unrecognised_option_offset || tunnel->outer_chain.unsupported_routing_offset)
    return std::nullopt;
  TunnelFrame out;
  out.outer_src = frame.ip.src_bytes();
  out.outer_traffic_class = frame.ip.traffic_class();
  out.inner_offset = tunnel->inner_offset;
  out.inner = tunnel->inner;
  return out;
}

}  // namespace roam6::datapath::decapsulator_detail
