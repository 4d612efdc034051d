#pragma once
// Mobility options (RFC 6275 section 6.2 and the RFCs that added types): a
// bounds-checked reader over the option area of one Mobility Header, typed
// decoders with length checks, and a one-pass decode into MobilityOptionSet.
//
// Every option is Type, Length (of the data, excluding these two octets),
// data -- except Pad1, which is a single zero octet. Receivers do not enforce
// the alignment rules (RFC 6275 6.2: they are for senders), so parsing
// accepts any placement; verify_mobility_option_alignment() checks them.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "roam6/wire/address.hpp"
#include "roam6/wire/bytes.hpp"
#include "roam6/wire/mobility_header.hpp"
#include "roam6/wire/result.hpp"

namespace roam6::wire {

// IANA "Mobility Options" registry values.
namespace mobility_option {
inline constexpr std::uint8_t pad1 = 0;                                // RFC 6275 6.2.2
inline constexpr std::uint8_t padn = 1;                                // RFC 6275 6.2.3
inline constexpr std::uint8_t binding_refresh_advice = 2;              // RFC 6275 6.2.4
inline constexpr std::uint8_t alternate_care_of_address = 3;           // RFC 6275 6.2.5
inline constexpr std::uint8_t nonce_indices = 4;                       // RFC 6275 6.2.6
inline constexpr std::uint8_t binding_authorization_data = 5;          // RFC 6275 6.2.7
inline constexpr std::uint8_t mobile_node_identifier = 8;              // RFC 4283 3
inline constexpr std::uint8_t message_authentication = 9;              // RFC 4285 5
inline constexpr std::uint8_t replay_protection = 10;                  // RFC 4285 6
inline constexpr std::uint8_t home_network_prefix = 22;                // RFC 5213 8.3
inline constexpr std::uint8_t handoff_indicator = 23;                  // RFC 5213 8.4
inline constexpr std::uint8_t access_technology_type = 24;             // RFC 5213 8.5
inline constexpr std::uint8_t mobile_node_link_layer_identifier = 25;  // RFC 5213 8.6
inline constexpr std::uint8_t link_local_address = 26;                 // RFC 5213 8.7
inline constexpr std::uint8_t timestamp = 27;                          // RFC 5213 8.8
}  // namespace mobility_option

// Mobile Node Identifier subtypes (RFC 4283 section 3).
namespace mn_identifier_subtype {
inline constexpr std::uint8_t nai = 1;
}
// Mobility Message Authentication subtypes (RFC 4285 sections 5.1, 5.2).
namespace mobility_auth_subtype {
inline constexpr std::uint8_t mn_ha = 1;
inline constexpr std::uint8_t mn_aaa = 2;
}
// Handoff Indicator values (RFC 5213 section 8.4).
namespace handoff_indicator {
inline constexpr std::uint8_t attachment_over_new_interface = 1;
inline constexpr std::uint8_t handoff_between_interfaces = 2;
inline constexpr std::uint8_t handoff_between_mags_same_interface = 3;
inline constexpr std::uint8_t handoff_state_unknown = 4;
inline constexpr std::uint8_t handoff_state_not_changed = 5;
}  // namespace handoff_indicator
// Access Technology Type values (RFC 5213 section 8.5).
namespace access_technology {
inline constexpr std::uint8_t virtual_interface = 1;
inline constexpr std::uint8_t ppp = 2;
inline constexpr std::uint8_t ieee_802_3 = 3;
inline constexpr std::uint8_t ieee_802_11 = 4;
inline constexpr std::uint8_t ieee_802_16e = 5;
}  // namespace access_technology

// Fixed option data lengths (the Length octet), from the defining RFCs.
inline constexpr std::uint8_t binding_refresh_advice_length = 2;
inline constexpr std::uint8_t alternate_care_of_address_length = 16;
inline constexpr std::uint8_t nonce_indices_length = 4;
// RFC 6275 5.2.6: the authenticator is the first 96 bits of an HMAC_SHA1.
inline constexpr std::uint8_t binding_authorization_data_length = 12;
inline constexpr std::uint8_t replay_protection_length = 8;
inline constexpr std::uint8_t home_network_prefix_length = 18;
inline constexpr std::uint8_t handoff_indicator_length = 2;
inline constexpr std::uint8_t access_technology_type_length = 2;
inline constexpr std::uint8_t link_local_address_length = 16;
inline constexpr std::uint8_t timestamp_length = 8;
// Subtype (1) + Mobility SPI (4) before the authentication data.
inline constexpr std::size_t message_authentication_fixed_length = 5;
// Option type, length, subtype and SPI: the part of the option the
// authenticator covers (RFC 4285 5.1: "up to and including the mobility SPI").
inline constexpr std::size_t message_authentication_covered_length = 7;
// RFC 4285 section 5.1: SPIs 0-255 are reserved.
inline constexpr std::uint32_t max_reserved_mobility_spi = 255;

// Alignment requirement "xn+y" for the first octet (the Type) of an option,
// as an offset from the start of the Mobility Header (RFC 6275 6.2).
// Every requirement the RFCs state has x = 1, 2, 4 or 8 (RFC 8200 4.2's
// notation), which these compute with masks instead of divisions (the
// writer runs them per option of every BU and BA); any other x still works.
struct OptionAlignment {
  std::uint8_t x = 1;  // 1: no requirement
  std::uint8_t y = 0;
  [[nodiscard]] constexpr bool satisfied_at(std::size_t offset) const noexcept {
    if (power_of_two()) return (offset & (x - 1u)) == y;
    return offset % x == y;
  }
  // Octets of padding needed before an option placed at `offset`.
  [[nodiscard]] constexpr std::size_t padding_before(std::size_t offset) const noexcept {
    if (power_of_two()) return (y - offset) & (x - 1u);
    return (x + y - offset % x) % x;
  }
  [[nodiscard]] constexpr bool power_of_two() const noexcept { return x != 0 && (x & (x - 1)) == 0; }
};

// The requirement each RFC states for its option; {1, 0} for those without
// one (Pad1, PadN, MN Identifier, Handoff Indicator, Access Technology Type)
// and for unknown types. Mobile Node Link-layer Identifier: RFC 5213 8.6
// only says "aligned appropriately"; roam6 uses 8n so the identifier (a MAC
// address in practice) starts 4-aligned and a 6-octet one fills 8 octets.
constexpr OptionAlignment mobility_option_alignment(std::uint8_t type) noexcept {
  switch (type) {
    case mobility_option::binding_refresh_advice: return {2, 0};     // RFC 6275 6.2.4
    case mobility_option::alternate_care_of_address: return {8, 6};  // RFC 6275 6.2.5
    case mobility_option::nonce_indices: return {2, 0};              // RFC 6275 6.2.6
    // RFC 6275 6.2.7: implicit, because it is the last option.
    case mobility_option::binding_authorization_data: return {8, 2};
    case mobility_option::message_authentication: return {4, 1};     // RFC 4285 5
    case mobility_option::replay_protection: return {8, 2};          // RFC 4285 6
    case mobility_option::home_network_prefix: return {8, 4};        // RFC 5213 8.3
    case mobility_option::mobile_node_link_layer_identifier: return {8, 0};  // see above
    case mobility_option::link_local_address: return {8, 6};         // RFC 5213 8.7
    case mobility_option::timestamp: return {8, 2};                  // RFC 5213 8.8
    default: return {1, 0};
  }
}

// One option as found in the message.
struct MobilityOption {
  std::uint8_t type = 0;
  ByteSpan data;            // after Type and Length; empty for Pad1
  std::uint16_t offset = 0;  // of the Type octet, from the MH start
};

// Walks an option area. Pad1 and PadN are returned like any other option.
//   MobilityOptionReader r(mh);
//   while (!r.done()) { auto o = r.next(); if (!o) return o.error(); ... }
class MobilityOptionReader {
 public:
  // `options` is the option area, `options_offset` its offset in the MH.
  MobilityOptionReader(ByteSpan options, std::size_t options_offset) noexcept
      : options_(options), base_(options_offset) {}
  explicit MobilityOptionReader(const MobilityHeaderView& mh) noexcept
      : MobilityOptionReader(mh.options(), mh.options_offset()) {}

  [[nodiscard]] bool done() const noexcept { return pos_ >= options_.size(); }
  // Errors: truncated_mobility_option (no Length octet),
  // mobility_option_exceeds_message. After an error done() is true.
  Result<MobilityOption> next() noexcept;

 private:
  ByteSpan options_;
  std::size_t base_ = 0;
  std::size_t pos_ = 0;
};

// Typed option contents. Spans point into the packet.
struct BindingRefreshAdvice {
  std::uint16_t interval_units = 0;  // 4-second units
  [[nodiscard]] std::uint32_t interval_seconds() const noexcept {
    return std::uint32_t{interval_units} * mobility_time_unit_seconds;
  }
};
struct NonceIndices {
  std::uint16_t home_nonce_index = 0;
  std::uint16_t care_of_nonce_index = 0;
};
struct MobileNodeIdentifier {
  std::uint8_t subtype = 0;
  ByteSpan identifier;  // e.g. an NAI, "user@realm", not NUL-terminated
};
struct MessageAuthentication {
  std::uint8_t subtype = 0;
  std::uint32_t spi = 0;
  ByteSpan authenticator;
  std::uint16_t offset = 0;  // of the option's Type octet in the MH
};
struct HomeNetworkPrefix {
  std::uint8_t prefix_length = 0;
  Ip6Addr prefix;  // as sent; host bits are not cleared
};
// RFC 5213 8.8: seconds since 1970-01-01 UTC in the top 48 bits, 1/65536
// fractions of a second in the low 16 bits.
struct PmipTimestamp {
  std::uint64_t raw = 0;
  [[nodiscard]] std::uint64_t seconds() const noexcept { return raw >> 16; }
  [[nodiscard]] std::uint16_t fraction() const noexcept { return static_cast<std::uint16_t>(raw); }
};

// Decoders: the option's type is the caller's to check; these check the
// length for the type (bad_mobility_option_length) and, for the Home Network
// Prefix, a prefix length of at most 128 (bad_home_network_prefix_length).
Result<BindingRefreshAdvice> decode_binding_refresh_advice(const MobilityOption& o) noexcept;
Result<Ip6Addr> decode_alternate_care_of_address(const MobilityOption& o) noexcept;
Result<NonceIndices> decode_nonce_indices(const MobilityOption& o) noexcept;
// The authenticator.
Result<ByteSpan> decode_binding_authorization_data(const MobilityOption& o) noexcept;
// Length >= 2: a subtype and a non-empty identifier.
Result<MobileNodeIdentifier> decode_mobile_node_identifier(const MobilityOption& o) noexcept;
// Length >= 6: subtype, SPI and a non-empty authenticator.
Result<MessageAuthentication> decode_message_authentication(const MobilityOption& o) noexcept;
// RFC 4285 6: a 64-bit timestamp (NTP format for the timestamp method).
Result<std::uint64_t> decode_replay_protection(const MobilityOption& o) noexcept;
Result<HomeNetworkPrefix> decode_home_network_prefix(const MobilityOption& o) noexcept;
Result<std::uint8_t> decode_handoff_indicator(const MobilityOption& o) noexcept;
Result<std::uint8_t> decode_access_technology_type(const MobilityOption& o) noexcept;
// Length >= 3: two reserved octets and a non-empty identifier; returns it.
Result<ByteSpan> decode_mobile_node_link_layer_identifier(const MobilityOption& o) noexcept;
Result<Ip6Addr> decode_link_local_address(const MobilityOption& o) noexcept;
Result<PmipTimestamp> decode_timestamp(const MobilityOption& o) noexcept;

// Everything a message's options say, from one pass. The first occurrence of
// each known type is kept; later ones only count in duplicate_count, except
// Home Network Prefix, of which RFC 5213 8.3 allows several (counted).
struct MobilityOptionSet {
  std::optional<BindingRefreshAdvice> binding_refresh_advice;
  std::optional<Ip6Addr> alternate_care_of_address;
  std::optional<NonceIndices> nonce_indices;
  std::optional<ByteSpan> binding_authorization_data;
  std::optional<MobileNodeIdentifier> mobile_node_identifier;
  std::optional<MessageAuthentication> mn_ha_authentication;
  std::optional<MessageAuthentication> mn_aaa_authentication;
  std::optional<std::uint64_t> replay_protection;
  std::optional<HomeNetworkPrefix> home_network_prefix;
  std::optional<std::uint8_t> handoff_indicator;
  std::optional<std::uint8_t> access_technology_type;
  std::optional<ByteSpan> mobile_node_link_layer_identifier;
  std::optional<Ip6Addr> link_local_address;
  std::optional<PmipTimestamp> timestamp;

  std::uint8_t home_network_prefix_count = 0;
  std::uint16_t duplicate_count = 0;
  // Types this library does not interpret (RFC 6275 6.2.1: skipped), plus
  // authentication options with a subtype other than MN-HA / MN-AAA.
  std::uint16_t unknown_count = 0;
};

// One pass over an option area. Errors: those of MobilityOptionReader,
// bad_mobility_option_length for a known type with the wrong length,
// bad_home_network_prefix_length, and
// mobility_option_after_authentication when anything but padding follows an
// authentication option that must be last (RFC 4285 5.1/5.2: the MN-AAA one
// always, the MN-HA one unless an MN-AAA option follows; likewise RFC 6275's
// Binding Authorization Data). Those bytes would not be covered by the
// authenticator, so accepting them would let anyone append options.
//
// This form fills a caller's set (reset first) and is the one for per-packet
// use: the set is a few hundred octets, not worth copying around.
Errc decode_mobility_options(ByteSpan options, std::size_t options_offset,
                             MobilityOptionSet& out) noexcept;
inline Errc decode_mobility_options(const MobilityHeaderView& mh, MobilityOptionSet& out) noexcept {
  return decode_mobility_options(mh.options(), mh.options_offset(), out);
}
// Convenience forms returning the set.
Result<MobilityOptionSet> decode_mobility_options(ByteSpan options,
                                                  std::size_t options_offset) noexcept;
inline Result<MobilityOptionSet> decode_mobility_options(const MobilityHeaderView& mh) noexcept {
  return decode_mobility_options(mh.options(), mh.options_offset());
}

// For senders' self-checks and tests: mobility_option_misaligned when a known
// option does not sit at its xn+y (reader errors are passed on).
Errc verify_mobility_option_alignment(const MobilityHeaderView& mh) noexcept;

}  // namespace roam6::wire
