#pragma once
// The Mobility Header (IPv6 Next Header 135, RFC 6275 section 6.1): the base
// header, a checked view over one whole MH, and typed views of the eight
// RFC 6275 messages. Views point into the packet; nothing is copied.
//
// Base header (RFC 6275 section 6.1.1):
//   0: Payload Proto (must be 59)   1: Header Len (8-octet units, minus 1)
//   2: MH Type   3: Reserved   4-5: Checksum   6...: message data
// Every message's fixed part is followed by mobility options up to the end of
// the MH; the option area starts at options_offset() from the MH start.

#include <cstddef>
#include <cstdint>

#include "roam6/wire/address.hpp"
#include "roam6/wire/bytes.hpp"
#include "roam6/wire/result.hpp"

namespace roam6::wire {

namespace mh_type {
inline constexpr std::uint8_t binding_refresh_request = 0;  // RFC 6275 6.1.2
inline constexpr std::uint8_t home_test_init = 1;           // 6.1.3
inline constexpr std::uint8_t care_of_test_init = 2;        // 6.1.4
inline constexpr std::uint8_t home_test = 3;                // 6.1.5
inline constexpr std::uint8_t care_of_test = 4;             // 6.1.6
inline constexpr std::uint8_t binding_update = 5;           // 6.1.7
inline constexpr std::uint8_t binding_ack = 6;              // 6.1.8
inline constexpr std::uint8_t binding_error = 7;            // 6.1.9
inline constexpr std::uint8_t binding_revocation = 16;      // RFC 5846 6.1
}  // namespace mh_type

// Binding Revocation (RFC 5846 6.1): the B.R. Type octet tells the
// Indication from the Acknowledgement; the octet after it is the Revocation
// Trigger in an Indication and the Status in an Acknowledgement.
namespace br_type {
inline constexpr std::uint8_t indication = 1;
inline constexpr std::uint8_t acknowledgement = 2;
}  // namespace br_type
// Revocation Trigger values (RFC 5846 6.1.2).
namespace br_trigger {
inline constexpr std::uint8_t unspecified = 0;
inline constexpr std::uint8_t administrative_reason = 1;
inline constexpr std::uint8_t inter_mag_handover_same_access_type = 2;
inline constexpr std::uint8_t inter_mag_handover_different_access_type = 3;
inline constexpr std::uint8_t inter_mag_handover_unknown = 4;
}  // namespace br_trigger
// Binding Revocation Acknowledgement status values (RFC 5846 6.2).
namespace bra_status {
inline constexpr std::uint8_t success = 0;
inline constexpr std::uint8_t partial_success = 1;
inline constexpr std::uint8_t binding_does_not_exist = 128;
inline constexpr std::uint8_t cannot_identify_binding = 131;
}  // namespace bra_status
// Flags, the high bits of the octet after the sequence number (RFC 5846 6.1).
namespace br_flag {
inline constexpr std::uint8_t proxy_binding = 0x80;          // P
inline constexpr std::uint8_t ipv4_home_address_only = 0x40; // I (V in the Acknowledgement)
inline constexpr std::uint8_t global = 0x20;                 // G
}  // namespace br_flag

// Binding Update flags, as bits of the 16-bit word after the sequence number.
// A/H/L/K from RFC 6275 6.1.7; the rest were assigned by later RFCs into the
// IANA "Binding Update Flags" registry.
namespace bu_flag {
inline constexpr std::uint16_t acknowledge = 0x8000;               // A, RFC 6275
inline constexpr std::uint16_t home_registration = 0x4000;         // H, RFC 6275
inline constexpr std::uint16_t link_local_compatibility = 0x2000;  // L, RFC 6275
inline constexpr std::uint16_t key_management = 0x1000;            // K, RFC 6275
inline constexpr std::uint16_t map_registration = 0x0800;          // M, RFC 4140 (HMIPv6)
inline constexpr std::uint16_t mobile_router = 0x0400;             // R, RFC 3963 (NEMO)
inline constexpr std::uint16_t proxy_registration = 0x0200;        // P, RFC 5213 8.1
inline constexpr std::uint16_t force_udp_encapsulation = 0x0100;   // F, RFC 5555
inline constexpr std::uint16_t tlv_header_format = 0x0080;         // T, RFC 5845
inline constexpr std::uint16_t bulk_binding_update = 0x0040;       // B, RFC 6602
}  // namespace bu_flag

// Binding Acknowledgement flags, as bits of the octet after the status.
namespace ba_flag {
inline constexpr std::uint8_t key_management = 0x80;       // K, RFC 6275 6.1.8
inline constexpr std::uint8_t mobile_router = 0x40;        // R, RFC 3963
inline constexpr std::uint8_t proxy_registration = 0x20;   // P, RFC 5213 8.2
inline constexpr std::uint8_t tlv_header_format = 0x10;    // T, RFC 5845
inline constexpr std::uint8_t bulk_binding_update = 0x08;  // B, RFC 6602
}  // namespace ba_flag

// Binding Acknowledgement status (IANA "Status Codes" registry). Values below
// 128 mean the Binding Update was accepted.
namespace ba_status {
inline constexpr std::uint8_t accepted = 0;                            // RFC 6275
inline constexpr std::uint8_t accepted_prefix_discovery_necessary = 1;  // RFC 6275
inline constexpr std::uint8_t reason_unspecified = 128;               // RFC 6275
inline constexpr std::uint8_t administratively_prohibited = 129;      // RFC 6275
inline constexpr std::uint8_t insufficient_resources = 130;           // RFC 6275
inline constexpr std::uint8_t home_registration_not_supported = 131;  // RFC 6275
inline constexpr std::uint8_t not_home_subnet = 132;                  // RFC 6275
inline constexpr std::uint8_t not_home_agent_for_this_mobile_node = 133;  // RFC 6275
inline constexpr std::uint8_t duplicate_address_detection_failed = 134;   // RFC 6275
inline constexpr std::uint8_t sequence_number_out_of_window = 135;        // RFC 6275
inline constexpr std::uint8_t expired_home_nonce_index = 136;             // RFC 6275
inline constexpr std::uint8_t expired_care_of_nonce_index = 137;          // RFC 6275
inline constexpr std::uint8_t expired_nonces = 138;                       // RFC 6275
inline constexpr std::uint8_t registration_type_change_disallowed = 139;  // RFC 6275
// RFC 4285 (authentication protocol). Note: 144-146 are ID mismatch, message
// ID (replay protection) required and authentication failure; there are no
// separate MN-HA / MN-AAA failure codes.
inline constexpr std::uint8_t mipv6_id_mismatch = 144;
inline constexpr std::uint8_t mipv6_mesg_id_required = 145;
inline constexpr std::uint8_t mipv6_auth_fail = 146;
// RFC 5213 section 8.9 (Proxy Mobile IPv6).
inline constexpr std::uint8_t proxy_reg_not_enabled = 152;
inline constexpr std::uint8_t not_lma_for_this_mobile_node = 153;
inline constexpr std::uint8_t mag_not_authorized_for_proxy_reg = 154;
inline constexpr std::uint8_t not_authorized_for_home_network_prefix = 155;
inline constexpr std::uint8_t timestamp_mismatch = 156;
inline constexpr std::uint8_t timestamp_lower_than_prev_accepted = 157;
inline constexpr std::uint8_t missing_home_network_prefix_option = 158;
inline constexpr std::uint8_t bce_pbu_prefix_set_do_not_match = 159;
inline constexpr std::uint8_t missing_mn_identifier_option = 160;
inline constexpr std::uint8_t missing_handoff_indicator_option = 161;
inline constexpr std::uint8_t missing_access_tech_type_option = 162;
}  // namespace ba_status

// Binding Error status (RFC 6275 section 6.1.9).
namespace be_status {
inline constexpr std::uint8_t unknown_binding_for_home_address_option = 1;
inline constexpr std::uint8_t unrecognized_mh_type = 2;
}  // namespace be_status

// Payload Proto must be IPPROTO_NONE (RFC 6275 sections 6.1.1 and 9.2).
inline constexpr std::uint8_t mobility_payload_proto = 59;
// Through the checksum; message data starts here.
inline constexpr std::size_t mobility_header_base_size = 6;
// Header Len counts 8-octet units beyond the first 8, so an MH is 8..2048 bytes.
inline constexpr std::size_t mobility_header_min_size = 8;
inline constexpr std::size_t mobility_header_max_size = 256 * 8;
// BU/BA lifetimes and the Binding Refresh Advice interval count 4-second units.
inline constexpr std::uint32_t mobility_time_unit_seconds = 4;

// Offset of the mobility options from the MH start (= base header plus the
// message's fixed fields); 0 for an MH type this library does not know.
constexpr std::size_t mobility_options_offset(std::uint8_t type) noexcept {
  switch (type) {
    case mh_type::binding_refresh_request: return 8;   // Reserved(2)
    case mh_type::home_test_init:                      // Reserved(2) Cookie(8)
    case mh_type::care_of_test_init: return 16;
    case mh_type::home_test:                           // Index(2) Cookie(8) Token(8)
    case mh_type::care_of_test: return 24;
    case mh_type::binding_update:                      // Seq(2) Flags(2) Lifetime(2)
    case mh_type::binding_ack: return 12;              // Status Flags Seq(2) Lifetime(2)
    case mh_type::binding_error: return 24;            // Status Reserved HoA(16)
    case mh_type::binding_revocation: return 12;       // Type Trigger Seq(2) Flags Reserved
    default: return 0;
  }
}

// One whole Mobility Header: exactly (Header Len + 1) * 8 bytes.
class MobilityHeaderView {
 public:
  // `mh` starts at the Mobility Header and runs to the end of the IPv6
  // payload; bytes after the MH (it is the last header) are ignored.
  // Errors: truncated_mobility_header, mobility_payload_proto_not_none,
  // mobility_header_exceeds_packet, unknown_mobility_header_type,
  // mobility_header_too_short_for_type.
  static Result<MobilityHeaderView> parse(ByteSpan mh) noexcept {
    Result<MobilityHeaderView> result{MobilityHeaderView{}};
    ROAM6_TRY_ERRC(parse(mh, *result));
    return result;
  }
  // The same into a caller's view (unchanged on error), for the per-packet
  // path: the view is stored once, where it is used from. Inline: it runs on
  // every signalling packet and is a handful of instructions.
  static Errc parse(ByteSpan mh, MobilityHeaderView& out) noexcept {
    if (mh.size() < mobility_header_min_size) [[unlikely]]
      return Errc::truncated_mobility_header;
    const std::uint8_t* p = mh.data();
    // RFC 6275 section 9.2 order: payload proto, then length against the type.
    if (p[0] != mobility_payload_proto) [[unlikely]]
      return Errc::mobility_payload_proto_not_none;
    const std::size_t size = (std::size_t{p[1]} + 1) * 8;
    if (size > mh.size()) [[unlikely]]
      return Errc::mobility_header_exceeds_packet;
    const std::size_t options_offset = mobility_options_offset(p[2]);
    if (options_offset == 0) [[unlikely]]
      return Errc::unknown_mobility_header_type;
    if (size < options_offset) [[unlikely]]
      return Errc::mobility_header_too_short_for_type;
    out.p_ = p;
    out.size_ = static_cast<std::uint16_t>(size);
    out.options_offset_ = static_cast<std::uint8_t>(options_offset);
    return Errc::ok;
  }

  MobilityHeaderView() = default;

  [[nodiscard]] std::uint8_t payload_proto() const noexcept { return p_[0]; }
  [[nodiscard]] std::uint8_t header_len() const noexcept { return p_[1]; }
  [[nodiscard]] std::uint8_t type() const noexcept { return p_[2]; }
  [[nodiscard]] std::uint8_t reserved() const noexcept { return p_[3]; }
  [[nodiscard]] std::uint16_t checksum() const noexcept { return load_be16(p_ + 4); }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] ByteSpan bytes() const noexcept { return {p_, size_}; }
  [[nodiscard]] const std::uint8_t* data() const noexcept { return p_; }
  [[nodiscard]] std::size_t options_offset() const noexcept { return options_offset_; }
  [[nodiscard]] ByteSpan options() const noexcept {
    return {p_ + options_offset_, std::size_t{size_} - options_offset_};
  }

  // Checksum over the pseudo-header (RFC 8200 section 8.1, next header 135)
  // and the MH. Per RFC 6275 6.1.1 the pseudo source is the home address from
  // a Home Address option when there is one, and the pseudo destination is
  // the final destination, i.e. the home address in a type 2 routing header
  // with segments left.
  [[nodiscard]] bool checksum_valid(const Ip6Addr& pseudo_src,
                                    const Ip6Addr& pseudo_dst) const noexcept;

 private:
  const std::uint8_t* p_ = nullptr;
  std::uint16_t size_ = 0;
  std::uint8_t options_offset_ = 0;
};

// Computes and stores the checksum of a finished MH in place (the checksum
// field's old value is ignored). `mh` must hold at least the Header Len worth
// of bytes. Errors: truncated_mobility_header, mobility_header_exceeds_packet.
Errc write_mobility_header_checksum(MutableByteSpan mh, const Ip6Addr& pseudo_src,
                                    const Ip6Addr& pseudo_dst) noexcept;

// Typed views. Each from() checks the MH type (wrong_mobility_header_type);
// lengths were already checked by MobilityHeaderView::parse, so the typed
// accessors read fixed offsets without further checks.
namespace detail {
template <class View, std::uint8_t Type>
class TypedMobilityView {
 public:
  static constexpr std::uint8_t message_type = Type;
  static Result<View> from(const MobilityHeaderView& mh) noexcept {
    if (mh.type() != Type) return Errc::wrong_mobility_header_type;
    View view;
    view.mh_ = mh;
    return view;
  }
  [[nodiscard]] const MobilityHeaderView& header() const noexcept { return mh_; }
  [[nodiscard]] ByteSpan options() const noexcept { return mh_.options(); }
  [[nodiscard]] std::size_t options_offset() const noexcept { return mh_.options_offset(); }

 protected:
  [[nodiscard]] const std::uint8_t* p() const noexcept { return mh_.data(); }
  MobilityHeaderView mh_;
};
}  // namespace detail

class BindingRefreshRequestView
    : public detail::TypedMobilityView<BindingRefreshRequestView, mh_type::binding_refresh_request> {
};

class HomeTestInitView
    : public detail::TypedMobilityView<HomeTestInitView, mh_type::home_test_init> {
 public:
  [[nodiscard]] std::uint64_t home_init_cookie() const noexcept { return load_be64(p() + 8); }
};

class CareOfTestInitView
    : public detail::TypedMobilityView<CareOfTestInitView, mh_type::care_of_test_init> {
 public:
  [[nodiscard]] std::uint64_t care_of_init_cookie() const noexcept { return load_be64(p() + 8); }
};

class HomeTestView
    : public detail::TypedMobilityView<HomeTestView, mh_type::home_test> {
 public:
  [[nodiscard]] std::uint16_t home_nonce_index() const noexcept { return load_be16(p() + 6); }
  [[nodiscard]] std::uint64_t home_init_cookie() const noexcept { return load_be64(p() + 8); }
  [[nodiscard]] std::uint64_t home_keygen_token() const noexcept { return load_be64(p() + 16); }
};

class CareOfTestView
    : public detail::TypedMobilityView<CareOfTestView, mh_type::care_of_test> {
 public:
  [[nodiscard]] std::uint16_t care_of_nonce_index() const noexcept { return load_be16(p() + 6); }
  [[nodiscard]] std::uint64_t care_of_init_cookie() const noexcept { return load_be64(p() + 8); }
  [[nodiscard]] std::uint64_t care_of_keygen_token() const noexcept { return load_be64(p() + 16); }
};

class BindingUpdateView
    : public detail::TypedMobilityView<BindingUpdateView, mh_type::binding_update> {
 public:
  [[nodiscard]] std::uint16_t sequence() const noexcept { return load_be16(p() + 6); }
  // All 16 flag/reserved bits as sent; test with bu_flag constants.
  [[nodiscard]] std::uint16_t flags() const noexcept { return load_be16(p() + 8); }
  [[nodiscard]] bool has(std::uint16_t flag) const noexcept { return (flags() & flag) != 0; }
  [[nodiscard]] bool acknowledge() const noexcept { return has(bu_flag::acknowledge); }
  [[nodiscard]] bool home_registration() const noexcept { return has(bu_flag::home_registration); }
  [[nodiscard]] bool link_local_compatibility() const noexcept {
    return has(bu_flag::link_local_compatibility);
  }
  [[nodiscard]] bool key_management() const noexcept { return has(bu_flag::key_management); }
  [[nodiscard]] bool proxy_registration() const noexcept { return has(bu_flag::proxy_registration); }
  // In 4-second units; 0 asks for the binding to be deleted.
  [[nodiscard]] std::uint16_t lifetime_units() const noexcept { return load_be16(p() + 10); }
  [[nodiscard]] std::uint32_t lifetime_seconds() const noexcept {
    return std::uint32_t{lifetime_units()} * mobility_time_unit_seconds;
  }
};

class BindingAckView
    : public detail::TypedMobilityView<BindingAckView, mh_type::binding_ack> {
 public:
  [[nodiscard]] std::uint8_t status() const noexcept { return p()[6]; }
  [[nodiscard]] bool accepted() const noexcept { return status() < 128; }
  // All 8 flag/reserved bits as sent; test with ba_flag constants.
  [[nodiscard]] std::uint8_t flags() const noexcept { return p()[7]; }
  [[nodiscard]] bool has(std::uint8_t flag) const noexcept { return (flags() & flag) != 0; }
  [[nodiscard]] bool key_management() const noexcept { return has(ba_flag::key_management); }
  [[nodiscard]] bool mobile_router() const noexcept { return has(ba_flag::mobile_router); }
  [[nodiscard]] bool proxy_registration() const noexcept { return has(ba_flag::proxy_registration); }
  [[nodiscard]] std::uint16_t sequence() const noexcept { return load_be16(p() + 8); }
  [[nodiscard]] std::uint16_t lifetime_units() const noexcept { return load_be16(p() + 10); }
  [[nodiscard]] std::uint32_t lifetime_seconds() const noexcept {
    return std::uint32_t{lifetime_units()} * mobility_time_unit_seconds;
  }
};

class BindingErrorView
    : public detail::TypedMobilityView<BindingErrorView, mh_type::binding_error> {
 public:
  [[nodiscard]] std::uint8_t status() const noexcept { return p()[6]; }
  [[nodiscard]] Ip6Addr home_address() const noexcept { return Ip6Addr::from_bytes(p() + 8); }
};

// Binding Revocation Indication or Acknowledgement (RFC 5846 6.1, 6.2).
class BindingRevocationView
    : public detail::TypedMobilityView<BindingRevocationView, mh_type::binding_revocation> {
 public:
  [[nodiscard]] std::uint8_t revocation_type() const noexcept { return p()[6]; }
  [[nodiscard]] bool indication() const noexcept { return revocation_type() == br_type::indication; }
  [[nodiscard]] bool acknowledgement() const noexcept { return revocation_type() == br_type::acknowledgement; }
  // The Revocation Trigger of an Indication, the Status of an Acknowledgement.
  [[nodiscard]] std::uint8_t trigger_or_status() const noexcept { return p()[7]; }
  [[nodiscard]] std::uint16_t sequence() const noexcept { return load_be16(p() + 8); }
  [[nodiscard]] std::uint8_t flags() const noexcept { return p()[10]; }
};

}  // namespace roam6::wire
