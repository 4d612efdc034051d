#pragma once
// Whole IPv6 packets carrying a Mobility Header: a writer that lays out
//   IPv6 | [type 2 routing header] | [Destination Options with HAO] | MH
// (RFC 8200 4.1 order; RFC 6275 6.3/6.4), and a decoder that walks the chain,
// parses the MH and checks its checksum against the right pseudo-header.
//
// Pseudo-header (RFC 6275 6.1.1, RFC 8200 8.1): the source is the home
// address from a Home Address option if there is one (a Binding Update sent
// from the care-of address on behalf of the home address), else the IPv6
// source; the destination is the final destination, which is the home address
// in a type 2 routing header with segments left (a Binding Acknowledgement
// sent to the care-of address for the home address), else the IPv6
// destination. Neither the writer nor the decoder allocates or copies the MH.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "roam6/wire/address.hpp"
#include "roam6/wire/bytes.hpp"
#include "roam6/wire/extension_headers.hpp"
#include "roam6/wire/ipv6.hpp"
#include "roam6/wire/mobility_header.hpp"
#include "roam6/wire/mobility_writer.hpp"
#include "roam6/wire/result.hpp"

namespace roam6::wire {

struct MobilityPacketFields {
  // Every member has an initializer so designated initializers may skip any.
  Ip6Addr src{};
  Ip6Addr dst{};
  // Adds a Destination Options header with this Home Address option.
  std::optional<Ip6Addr> home_address_option{};
  // Adds a type 2 routing header (segments left 1) with this home address.
  std::optional<Ip6Addr> type2_home_address{};
  std::uint8_t hop_limit = 64;
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;

  [[nodiscard]] const Ip6Addr& pseudo_source() const noexcept {
    return home_address_option ? *home_address_option : src;
  }
  [[nodiscard]] const Ip6Addr& pseudo_destination() const noexcept {
    return type2_home_address ? *type2_home_address : dst;
  }
};

// Writes the IPv6 and extension headers up front, hands out the MH writer for
// the rest of the buffer, and on finish() fills in the payload length and the
// MH checksum.
//
//   MobilityPacketWriter pw(buf, {.src = coa, .dst = ha, .home_address_option = hoa});
//   pw.mh().begin_binding_update(bu).add_mobile_node_identifier(...);
//   auto packet_size = pw.finish();
class MobilityPacketWriter {
 public:
  // Header errors (buffer_too_small, value_out_of_range for the flow label)
  // are kept and returned by finish().
  MobilityPacketWriter(MutableByteSpan out, const MobilityPacketFields& fields) noexcept;

  MobilityPacketWriter(const MobilityPacketWriter&) = delete;
  MobilityPacketWriter& operator=(const MobilityPacketWriter&) = delete;

  [[nodiscard]] MobilityHeaderWriter& mh() noexcept { return mh_; }
  // Offset of the MH from the start of the IPv6 header (40, 64 or 88).
  [[nodiscard]] std::size_t mh_offset() const noexcept { return mh_offset_; }

  // Finishes the MH if the caller has not (call mh().finish() yourself when
  // an authenticator has to be filled in first), sets the IPv6 payload length
  // and the MH checksum. Returns the packet size.
  Result<std::size_t> finish() noexcept;

 private:
  MutableByteSpan out_;
  // Where the pseudo-header addresses were written in `out_` (the IPv6
  // source or the HAO; the IPv6 destination or the RH2 address), so finish()
  // reads them from the packet as sent.
  std::uint8_t pseudo_src_offset_ = 8;
  std::uint8_t pseudo_dst_offset_ = 24;
  std::size_t mh_offset_ = ipv6_header_size;
  Errc error_ = Errc::ok;
  MobilityHeaderWriter mh_;
};

struct MobilityPacket {
  Ipv6View ip;
  ExtensionChain chain;
  MobilityHeaderView mh;

  // Offset of the MH from the start of the IPv6 header.
  [[nodiscard]] std::size_t mh_offset() const noexcept { return chain.upper_offset; }
  // From a Home Address option / a type 2 routing header, when present.
  [[nodiscard]] const std::optional<Ip6Addr>& home_address_option() const noexcept {
    return chain.home_address;
  }
  [[nodiscard]] const std::optional<Ip6Addr>& type2_home_address() const noexcept {
    return chain.type2_home_address;
  }
  [[nodiscard]] Ip6Addr pseudo_source() const noexcept {
    return chain.home_address ? *chain.home_address : ip.src();
  }
  [[nodiscard]] Ip6Addr pseudo_destination() const noexcept {
    return chain.type2_home_address && chain.type2_segments_left != 0 ? *chain.type2_home_address
                                                                      : ip.dst();
  }
};

// Errors: those of Ipv6View::parse, walk_extension_chain and
// MobilityHeaderView::parse; not_mobility_header when the chain ends in
// anything but 135 (or the MH is in a later fragment);
// bad_mobility_header_checksum.
//
// This form fills a caller's struct and is the one for the per-packet path:
// returning the ~90-octet struct by value costs about as much as the MH
// parse and checksum together. `out` is unspecified after an error.
Errc decode_mobility_packet(ByteSpan ipv6_packet, MobilityPacket& out) noexcept;
// For a caller that has already parsed the IPv6 header and walked its chain
// (walk_extension_chain): the same checks from the MH on, without a second
// walk.
Errc decode_mobility_packet(const Ipv6View& ip, const ExtensionChain& chain,
                            MobilityPacket& out) noexcept;
// Convenience form.
Result<MobilityPacket> decode_mobility_packet(ByteSpan ipv6_packet) noexcept;

}  // namespace roam6::wire
