#pragma once
// Builds one Mobility Header (RFC 6275 section 6.1) in a caller's buffer:
// begin_*() writes the base header and a message's fixed fields, add_*()
// appends options, padding first with Pad1/PadN so each lands at its "xn+y"
// (RFC 6275 6.2), finish() pads the whole MH to a multiple of 8 octets and
// sets Header Len. The checksum is a separate, last step
// (write_mobility_header_checksum, or MobilityPacketWriter), because an
// authenticator may have to be filled in between.
//
//   MobilityHeaderWriter w(buf);
//   w.begin_binding_update({.sequence = 7, .flags = bu_flag::acknowledge,
//                           .lifetime_units = 150})
//    .add_home_network_prefix(64, prefix);
//   auto size = w.finish();
//
// Errors are sticky: the first one is kept, later calls do nothing, and
// finish() returns it. buffer_too_small, value_out_of_range (an option too
// long for its Length octet, an MH over 2048 octets), mobility_writer_out_of_order,
// mobility_option_after_authentication.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "roam6/wire/address.hpp"
#include "roam6/wire/bytes.hpp"
#include "roam6/wire/mobility_auth.hpp"
#include "roam6/wire/mobility_header.hpp"
#include "roam6/wire/mobility_options.hpp"
#include "roam6/wire/result.hpp"

namespace roam6::wire {

struct BindingUpdateFields {
  std::uint16_t sequence = 0;
  std::uint16_t flags = 0;           // bu_flag bits; written as given
  std::uint16_t lifetime_units = 0;  // 4-second units
};
struct BindingAckFields {
  std::uint8_t status = ba_status::accepted;
  std::uint8_t flags = 0;  // ba_flag bits; written as given
  std::uint16_t sequence = 0;
  std::uint16_t lifetime_units = 0;
};
struct BindingErrorFields {
  std::uint8_t status = be_status::unknown_binding_for_home_address_option;
  Ip6Addr home_address{};
};
struct BindingRevocationFields {
  std::uint8_t revocation_type = br_type::indication;
  std::uint8_t trigger_or_status = br_trigger::unspecified;  // Trigger, or the Acknowledgement's Status
  std::uint16_t sequence = 0;
  std::uint8_t flags = 0;  // br_flag bits; written as given
};
struct HomeTestFields {
  std::uint16_t home_nonce_index = 0;
  std::uint64_t home_init_cookie = 0;
  std::uint64_t home_keygen_token = 0;
};
struct CareOfTestFields {
  std::uint16_t care_of_nonce_index = 0;
  std::uint64_t care_of_init_cookie = 0;
  std::uint64_t care_of_keygen_token = 0;
};

// Seconds to 4-second units, rounded down so a request never asks for more
// than was meant. value_out_of_range above 65535 units (262140 s).
Result<std::uint16_t> mobility_time_units_from_seconds(std::uint32_t seconds) noexcept;

class MobilityHeaderWriter {
 public:
  explicit MobilityHeaderWriter(MutableByteSpan out) noexcept : out_(out) {}

  // Exactly one begin_* per writer.
  MobilityHeaderWriter& begin_binding_refresh_request() noexcept;
  MobilityHeaderWriter& begin_home_test_init(std::uint64_t home_init_cookie) noexcept;
  MobilityHeaderWriter& begin_care_of_test_init(std::uint64_t care_of_init_cookie) noexcept;
  MobilityHeaderWriter& begin_home_test(const HomeTestFields& fields) noexcept;
  MobilityHeaderWriter& begin_care_of_test(const CareOfTestFields& fields) noexcept;
  MobilityHeaderWriter& begin_binding_update(const BindingUpdateFields& fields) noexcept;
  MobilityHeaderWriter& begin_binding_ack(const BindingAckFields& fields) noexcept;
  MobilityHeaderWriter& begin_binding_error(const BindingErrorFields& fields) noexcept;
  MobilityHeaderWriter& begin_binding_revocation(const BindingRevocationFields& fields) noexcept;

  // Options, in the order they should appear.
  MobilityHeaderWriter& add_binding_refresh_advice(std::uint16_t interval_units) noexcept;
  MobilityHeaderWriter& add_alternate_care_of_address(const Ip6Addr& address) noexcept;
  MobilityHeaderWriter& add_nonce_indices(std::uint16_t home_nonce_index,
                                          std::uint16_t care_of_nonce_index) noexcept;
  // 1..254 octets of identifier.
  MobilityHeaderWriter& add_mobile_node_identifier(std::uint8_t subtype,
                                                   ByteSpan identifier) noexcept;
  MobilityHeaderWriter& add_replay_protection(std::uint64_t timestamp) noexcept;
  // prefix_length <= 128.
  MobilityHeaderWriter& add_home_network_prefix(std::uint8_t prefix_length,
                                                const Ip6Addr& prefix) noexcept;
  MobilityHeaderWriter& add_handoff_indicator(std::uint8_t indicator) noexcept;
  MobilityHeaderWriter& add_access_technology_type(std::uint8_t type) noexcept;
  // 1..253 octets of identifier (e.g. a 6-octet MAC address).
  MobilityHeaderWriter& add_mobile_node_link_layer_identifier(ByteSpan identifier) noexcept;
  MobilityHeaderWriter& add_link_local_address(const Ip6Addr& address) noexcept;
  MobilityHeaderWriter& add_timestamp(std::uint64_t timestamp) noexcept;

  // RFC 4285 Mobility Message Authentication option, which must be the last
  // option (an MN-HA one may be followed by an MN-AAA one, nothing else).
  // Returns the zeroed authenticator_length octets where the caller writes
  // the authenticator once the MH is finished (see mobility_auth_input());
  // empty on error. The option is placed at 8n+5, which satisfies its 4n+1
  // requirement and makes it end on an 8-octet boundary, so no padding option
  // follows it; that needs authenticator_length to be a multiple of 4
  // (value_out_of_range otherwise, and above 248). 12 for HMAC_SHA1-96.
  MutableByteSpan add_message_authentication(std::uint8_t subtype, std::uint32_t spi,
                                             std::size_t authenticator_length) noexcept;
  // RFC 6275 6.2.7 Binding Authorization Data: last option, at 8n+2. Returns
  // the 12 zeroed octets for the return-routability authenticator.
  MutableByteSpan add_binding_authorization_data() noexcept;

  // Pads to a multiple of 8 octets, sets Header Len, returns the MH size.
  // Calling it again returns the same size.
  Result<std::size_t> finish() noexcept;

  [[nodiscard]] bool ok() const noexcept { return error_ == Errc::ok; }
  [[nodiscard]] Errc error() const noexcept { return error_; }
  [[nodiscard]] bool finished() const noexcept { return state_ == State::finished; }
  // Octets written so far (the whole MH once finished).
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] MutableByteSpan bytes() const noexcept { return out_.first(size_); }
  // Offset of the Mobility Message Authentication option (the last one
  // added) in the MH, for mobility_auth_input().
  [[nodiscard]] std::optional<std::uint16_t> authentication_offset() const noexcept {
    return auth_offset_;
  }
  // After finish(): the bytes the authenticator covers.
  Result<MobilityAuthInput> auth_input(const Ip6Addr& care_of_address,
                                       const Ip6Addr& home_address) const noexcept;

 private:
  enum class State : std::uint8_t { empty, open, after_mn_ha, sealed, finished };

  std::uint8_t* begin_message(std::uint8_t type) noexcept;
  // Pads for `align`, writes Type and Length, returns where the data goes.
  std::uint8_t* reserve_option(std::uint8_t type, std::size_t data_length, OptionAlignment align,
                               bool allowed_after_mn_ha = false) noexcept;
  std::uint8_t* grow(std::size_t n) noexcept;
  void write_padding(std::size_t n) noexcept;
  void fail(Errc e) noexcept {
    if (error_ == Errc::ok) error_ = e;
  }

  MutableByteSpan out_;
  std::size_t size_ = 0;
  Errc error_ = Errc::ok;
  State state_ = State::empty;
  std::optional<std::uint16_t> auth_offset_;
};

}  // namespace roam6::wire
