#include "roam6/wire/ethernet.hpp"

namespace roam6::wire {

Result<EthernetView> EthernetView::parse(ByteSpan frame) noexcept {
  if (frame.size() < ethernet_header_size) return Errc::truncated_ethernet_header;
  EthernetView v;
  v.frame_ = frame;
  v.ethertype_ = load_be16(frame.data() + 12);
  if (v.ethertype_ == ethertype::vlan) {
    if (frame.size() < ethernet_header_size + 4) return Errc::truncated_vlan_tag;
    v.vlan_id_ = load_be16(frame.data() + 14) & 0x0fff;
    v.ethertype_ = load_be16(frame.data() + 16);
    v.header_size_ = ethernet_header_size + 4;
  }
  return v;
}

Result<std::size_t> write_ethernet_header(MutableByteSpan out, const MacAddr& dst,
                                          const MacAddr& src, std::uint16_t type) noexcept {
  if (out.size() < ethernet_header_size) return Errc::buffer_too_small;
  dst.write_to(out.data());
  src.write_to(out.data() + 6);
  store_be16(out.data() + 12, type);
  return ethernet_header_size;
}

}  // namespace roam6::wire
