#pragma once
// Ethernet II framing (with at most one 802.1Q tag), as the datapath and the
// packet-socket backend see it.

#include <cstdint>

#include "roam6/wire/address.hpp"
#include "roam6/wire/bytes.hpp"
#include "roam6/wire/result.hpp"

namespace roam6::wire {

namespace ethertype {
inline constexpr std::uint16_t ipv4 = 0x0800;
inline constexpr std::uint16_t arp = 0x0806;
inline constexpr std::uint16_t rarp = 0x8035;  // QEMU's self-announce after migration
inline constexpr std::uint16_t vlan = 0x8100;
inline constexpr std::uint16_t ipv6 = 0x86dd;
}  // namespace ethertype

inline constexpr std::size_t ethernet_header_size = 14;

class EthernetView {
 public:
  static Result<EthernetView> parse(ByteSpan frame) noexcept;

  [[nodiscard]] MacAddr dst() const noexcept { return MacAddr::from_bytes(frame_.data()); }
  [[nodiscard]] MacAddr src() const noexcept { return MacAddr::from_bytes(frame_.data() + 6); }
  // The EtherType after any VLAN tag.
  [[nodiscard]] std::uint16_t ethertype() const noexcept { return ethertype_; }
  // 0 when untagged (VLAN 0 priority tags also read as 0).
  [[nodiscard]] std::uint16_t vlan_id() const noexcept { return vlan_id_; }
  [[nodiscard]] bool tagged() const noexcept { return header_size_ != ethernet_header_size; }
  [[nodiscard]] std::size_t header_size() const noexcept { return header_size_; }
  [[nodiscard]] ByteSpan payload() const noexcept { return frame_.subspan(header_size_); }

 private:
  ByteSpan frame_;
  std::uint16_t ethertype_ = 0;
  std::uint16_t vlan_id_ = 0;
  std::size_t header_size_ = ethernet_header_size;
};

// Writes an untagged 14-byte header.
Result<std::size_t> write_ethernet_header(MutableByteSpan out, const MacAddr& dst,
                                          const MacAddr& src, std::uint16_t ethertype) noexcept;

}  // namespace roam6::wire
