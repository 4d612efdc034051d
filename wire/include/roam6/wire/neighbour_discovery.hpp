#pragma once
// Neighbour Discovery messages (RFC 4861 section 4): Router Solicitation and
// Advertisement, Neighbour Solicitation and Advertisement. Parsing applies the
// RFC's validity checks (sections 6.1.1, 6.1.2, 7.1.1, 7.1.2), which need the
// IPv6 header as well as the ICMPv6 message; a message that fails one is
// returned as an error so the caller can count and silently drop it.
// Builders write the whole IPv6 packet with hop limit 255 and the checksum.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "roam6/wire/address.hpp"
#include "roam6/wire/bytes.hpp"
#include "roam6/wire/icmpv6.hpp"
#include "roam6/wire/ipv6.hpp"
#include "roam6/wire/nd_options.hpp"
#include "roam6/wire/result.hpp"

namespace roam6::wire {

// Only a packet that cannot have been forwarded by a router is accepted.
inline constexpr std::uint8_t nd_hop_limit = 255;

// Fixed parts, ICMPv6 header included (the minimum ICMP lengths of the
// validity checks).
inline constexpr std::size_t router_solicitation_size = 8;
inline constexpr std::size_t router_advertisement_size = 16;
inline constexpr std::size_t neighbour_solicitation_size = 24;
inline constexpr std::size_t neighbour_advertisement_size = 24;

// Shared by every parser below, in this order:
//   truncated_icmpv6    fewer than 4 bytes
//   wrong_icmpv6_type   the Type is not the one asked for
//   bad_nd_hop_limit    IPv6 hop limit is not 255
//   bad_icmpv6_code     Code is not 0
//   truncated_nd_message  ICMP length below the message's fixed part
//   bad_icmpv6_checksum
// then the message's own checks, then the option framing errors of
// NdOptions::parse and the decoder errors of decode_nd_options.

class RouterSolicitationView {
 public:
  RouterSolicitationView() = default;
  [[nodiscard]] const NdOptionSet& options() const noexcept { return options_; }
  [[nodiscard]] const NdOptions& raw_options() const noexcept { return raw_options_; }

 private:
  friend Result<RouterSolicitationView> parse_router_solicitation(const Ipv6View&,
                                                                  ByteSpan) noexcept;
  NdOptions raw_options_;
  NdOptionSet options_;
};

// Own check: nd_link_layer_option_from_unspecified_source.
Result<RouterSolicitationView> parse_router_solicitation(const Ipv6View& ip,
                                                         ByteSpan icmp) noexcept;

class RouterAdvertisementView {
 public:
  RouterAdvertisementView() = default;
  // 0 means unspecified by this router.
  [[nodiscard]] std::uint8_t cur_hop_limit() const noexcept { return message_[4]; }
  [[nodiscard]] bool managed() const noexcept { return (message_[5] & 0x80) != 0; }
  [[nodiscard]] bool other_config() const noexcept { return (message_[5] & 0x40) != 0; }
  // The other six bits of the flags octet, right-aligned (RFC 4861 reserves
  // them; later RFCs assign some).
  [[nodiscard]] std::uint8_t other_flags() const noexcept { return message_[5] & 0x3f; }
  // Seconds; 0: not a default router.
  [[nodiscard]] std::uint16_t router_lifetime() const noexcept {
    return load_be16(message_.data() + 6);
  }
  // Milliseconds; 0 means unspecified.
  [[nodiscard]] std::uint32_t reachable_time() const noexcept {
    return load_be32(message_.data() + 8);
  }
  [[nodiscard]] std::uint32_t retrans_timer() const noexcept {
    return load_be32(message_.data() + 12);
  }
  [[nodiscard]] const NdOptionSet& options() const noexcept { return options_; }
  // For every Prefix Information option when there are more than
  // max_stored_prefix_information.
  [[nodiscard]] const NdOptions& raw_options() const noexcept { return raw_options_; }

 private:
  friend Result<RouterAdvertisementView> parse_router_advertisement(const Ipv6View&,
                                                                    ByteSpan) noexcept;
  ByteSpan message_;
  NdOptions raw_options_;
  NdOptionSet options_;
};

// Own check: bad_nd_source (IPv6 source not link-local).
Result<RouterAdvertisementView> parse_router_advertisement(const Ipv6View& ip,
                                                           ByteSpan icmp) noexcept;

class NeighbourSolicitationView {
 public:
  NeighbourSolicitationView() = default;
  [[nodiscard]] Ip6Addr target() const noexcept { return Ip6Addr::from_bytes(message_.data() + 8); }
  // From the unspecified source: Duplicate Address Detection (RFC 4862).
  [[nodiscard]] bool is_duplicate_address_detection() const noexcept { return dad_; }
  [[nodiscard]] const NdOptionSet& options() const noexcept { return options_; }
  [[nodiscard]] const NdOptions& raw_options() const noexcept { return raw_options_; }

 private:
  friend Result<NeighbourSolicitationView> parse_neighbour_solicitation(const Ipv6View&,
                                                                        ByteSpan) noexcept;
  ByteSpan message_;
  NdOptions raw_options_;
  NdOptionSet options_;
  bool dad_ = false;
};

// Own checks: bad_nd_target (multicast target); for the unspecified source,
// bad_nd_destination (destination not a solicited-node address) and
// nd_link_layer_option_from_unspecified_source.
Result<NeighbourSolicitationView> parse_neighbour_solicitation(const Ipv6View& ip,
                                                               ByteSpan icmp) noexcept;

class NeighbourAdvertisementView {
 public:
  NeighbourAdvertisementView() = default;
  [[nodiscard]] bool router() const noexcept { return (message_[4] & 0x80) != 0; }
  [[nodiscard]] bool solicited() const noexcept { return (message_[4] & 0x40) != 0; }
  [[nodiscard]] bool override_flag() const noexcept { return (message_[4] & 0x20) != 0; }
  [[nodiscard]] Ip6Addr target() const noexcept { return Ip6Addr::from_bytes(message_.data() + 8); }
  [[nodiscard]] const NdOptionSet& options() const noexcept { return options_; }
  [[nodiscard]] const NdOptions& raw_options() const noexcept { return raw_options_; }

 private:
  friend Result<NeighbourAdvertisementView> parse_neighbour_advertisement(const Ipv6View&,
                                                                          ByteSpan) noexcept;
  ByteSpan message_;
  NdOptions raw_options_;
  NdOptionSet options_;
};

// Own checks: bad_nd_target (multicast target), bad_nd_destination (S flag
// set on an advertisement to a multicast destination).
Result<NeighbourAdvertisementView> parse_neighbour_advertisement(const Ipv6View& ip,
                                                                 ByteSpan icmp) noexcept;

// True for ff02::1:ffXX:XXXX (RFC 4291 section 2.7.1).
bool is_solicited_node_multicast(const Ip6Addr& addr) noexcept;

// ---------------------------------------------------------------------------
// Builders: whole IPv6 packets, hop limit 255, checksum filled in. Each
// returns the packet length. Errors: buffer_too_small, and value_out_of_range
// for anything the RFC forbids a sender to put on the wire (listed per call).

struct RouterSolicitationFields {
  Ip6Addr src;  // may be the unspecified address
  Ip6Addr dst = all_routers_multicast();
  std::optional<MacAddr> source_link_layer;
};
// value_out_of_range: a link-layer option with the unspecified source.
Result<std::size_t> write_router_solicitation(MutableByteSpan out,
                                              const RouterSolicitationFields& fields) noexcept;

struct RouterAdvertisementFields {
  Ip6Addr src;  // the router's link-local address
  Ip6Addr dst = all_nodes_multicast();
  std::uint8_t cur_hop_limit = 64;
  bool managed = false;
  bool other_config = false;
  std::uint8_t other_flags = 0;  // low six bits of the flags octet
  std::uint16_t router_lifetime = 1800;  // RFC 4861 6.2.1 default, 3 * 600 s
  std::uint32_t reachable_time = 0;
  std::uint32_t retrans_timer = 0;
  std::optional<MacAddr> source_link_layer;
  std::optional<std::uint32_t> mtu;
  std::span<const PrefixInformation> prefixes;
};
// value_out_of_range: source not link-local, a bad Prefix Information entry
// (see write_prefix_information_option), or more than fits in an IPv6 packet.
Result<std::size_t> write_router_advertisement(MutableByteSpan out,
                                               const RouterAdvertisementFields& fields) noexcept;

struct NeighbourSolicitationFields {
  Ip6Addr src;  // unspecified for Duplicate Address Detection
  Ip6Addr target;
  // nullopt: the target's solicited-node multicast address (address
  // resolution and DAD); the target itself for a unicast reachability probe.
  std::optional<Ip6Addr> dst;
  std::optional<MacAddr> source_link_layer;
};
// value_out_of_range: multicast target; with the unspecified source, a
// destination other than a solicited-node address or a link-layer option.
Result<std::size_t> write_neighbour_solicitation(
    MutableByteSpan out, const NeighbourSolicitationFields& fields) noexcept;

struct NeighbourAdvertisementFields {
  Ip6Addr src;
  Ip6Addr dst = all_nodes_multicast();
  Ip6Addr target;
  bool router = false;
  bool solicited = false;
  bool override_flag = true;
  std::optional<MacAddr> target_link_layer;
};
// value_out_of_range: multicast target, or the S flag with a multicast
// destination.
Result<std::size_t> write_neighbour_advertisement(
    MutableByteSpan out, const NeighbourAdvertisementFields& fields) noexcept;

}  // namespace roam6::wire
