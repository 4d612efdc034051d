#include "roam6/wire/mobility_writer.hpp"

#include <cstring>

namespace roam6::wire {

Result<std::uint16_t> mobility_time_units_from_seconds(std::uint32_t seconds) noexcept {
  const std::uint32_t units = seconds / mobility_time_unit_seconds;
  if (units > 0xffff) return Errc::value_out_of_range;
  return static_cast<std::uint16_t>(units);
}

std::uint8_t* MobilityHeaderWriter::grow(std::size_t n) noexcept {
  if (size_ + n > mobility_header_max_size) {
    fail(Errc::value_out_of_range);
    return nullptr;
  }
  if (size_ + n > out_.size()) {
    fail(Errc::buffer_too_small);
    return nullptr;
  }
  std::uint8_t* p = out_.data() + size_;
  size_ += n;
  return p;
}

void MobilityHeaderWriter::write_padding(std::size_t n) noexcept {
  if (n == 0) return;
  std::uint8_t* p = grow(n);
  if (p == nullptr) return;
  // RFC 6275 6.2.2/6.2.3: Pad1 for exactly one octet, PadN otherwise.
  if (n == 1) {
    p[0] = mobility_option::pad1;
    return;
  }
  p[0] = mobility_option::padn;
  p[1] = static_cast<std::uint8_t>(n - 2);
  // Padding is at most 7 octets (every caller pads to an alignment of at
  // most 8); straight stores instead of a memset call or a loop, which cost
  // more than the whole option on this per-packet path.
  switch (n) {
    case 7: p[6] = 0; [[fallthrough]];
    case 6: p[5] = 0; [[fallthrough]];
    case 5: p[4] = 0; [[fallthrough]];
    case 4: p[3] = 0; [[fallthrough]];
    case 3: p[2] = 0; break;
    default: break;
  }
}

std::uint8_t* MobilityHeaderWriter::begin_message(std::uint8_t type) noexcept {
  if (error_ != Errc::ok) return nullptr;
  if (state_ != State::empty) {
    fail(Errc::mobility_writer_out_of_order);
    return nullptr;
  }
  std::uint8_t* p = grow(mobility_options_offset(type));
  if (p == nullptr) return nullptr;
  // Header Len is set by finish(), the checksum last of all; each begin_*
  // writes every octet of its fixed part, reserved ones included.
  p[0] = mobility_payload_proto;
  p[1] = 0;
  p[2] = type;
  p[3] = 0;
  p[4] = 0;
  p[5] = 0;
  state_ = State::open;
  return p;
}

MobilityHeaderWriter& MobilityHeaderWriter::begin_binding_refresh_request() noexcept {
  if (std::uint8_t* p = begin_message(mh_type::binding_refresh_request)) store_be16(p + 6, 0);
  return *this;
}

MobilityHeaderWriter& MobilityHeaderWriter::begin_home_test_init(std::uint64_t cookie) noexcept {
  if (std::uint8_t* p = begin_message(mh_type::home_test_init)) {
    store_be16(p + 6, 0);  // reserved
    store_be64(p + 8, cookie);
  }
  return *this;
}

MobilityHeaderWriter& MobilityHeaderWriter::begin_care_of_test_init(std::uint64_t cookie) noexcept {
  if (std::uint8_t* p = begin_message(mh_type::care_of_test_init)) {
    store_be16(p + 6, 0);  // reserved
    store_be64(p + 8, cookie);
  }
  return *this;
}

MobilityHeaderWriter& MobilityHeaderWriter::begin_home_test(const HomeTestFields& f) noexcept {
  if (std::uint8_t* p = begin_message(mh_type::home_test)) {
    store_be16(p + 6, f.home_nonce_index);
    store_be64(p + 8, f.home_init_cookie);
    store_be64(p + 16, f.home_keygen_token);
  }
  return *this;
}

MobilityHeaderWriter& MobilityHeaderWriter::begin_care_of_test(const CareOfTestFields& f) noexcept {
  if (std::uint8_t* p = begin_message(mh_type::care_of_test)) {
    store_be16(p + 6, f.care_of_nonce_index);
    store_be64(p + 8, f.care_of_init_cookie);
    store_be64(p + 16, f.care_of_keygen_token);
  }
  return *this;
}

MobilityHeaderWriter& MobilityHeaderWriter::begin_binding_update(
    const BindingUpdateFields& f) noexcept {
  if (std::uint8_t* p = begin_message(mh_type::binding_update)) {
    store_be16(p + 6, f.sequence);
    store_be16(p + 8, f.flags);
    store_be16(p + 10, f.lifetime_units);
  }
  return *this;
}

MobilityHeaderWriter& MobilityHeaderWriter::begin_binding_ack(const BindingAckFields& f) noexcept {
  if (std::uint8_t* p = begin_message(mh_type::binding_ack)) {
    p[6] = f.status;
    p[7] = f.flags;
    store_be16(p + 8, f.sequence);
    store_be16(p + 10, f.lifetime_units);
  }
  return *this;
}

MobilityHeaderWriter& MobilityHeaderWriter::begin_binding_error(
    const BindingErrorFields& f) noexcept {
  if (std::uint8_t* p = begin_message(mh_type::binding_error)) {
    p[6] = f.status;
    p[7] = 0;  // reserved
    f.home_address.write_to(p + 8);
  }
  return *this;
}

MobilityHeaderWriter& MobilityHeaderWriter::begin_binding_revocation(
    const BindingRevocationFields& f) noexcept {
  if (std::uint8_t* p = begin_message(mh_type::binding_revocation)) {
    p[6] = f.revocation_type;
    p[7] = f.trigger_or_status;
    store_be16(p + 8, f.sequence);
    p[10] = f.flags;
    p[11] = 0;  // reserved
  }
  return *this;
}

std::uint8_t* MobilityHeaderWriter::reserve_option(std::uint8_t type, std::size_t data_length,
                                                   OptionAlignment align,
                                                   bool allowed_after_mn_ha) noexcept {
  if (error_ != Errc::ok) return nullptr;
  if (state_ == State::sealed || (state_ == State::after_mn_ha && !allowed_after_mn_ha)) {
    fail(Errc::mobility_option_after_authentication);
    return nullptr;
  }
  if (state_ != State::open && state_ != State::after_mn_ha) {
    fail(Errc::mobility_writer_out_of_order);
    return nullptr;
  }
  if (data_length > 0xff) {
    fail(Errc::value_out_of_range);
    return nullptr;
  }
  write_padding(align.padding_before(size_));
  if (error_ != Errc::ok) return nullptr;
  std::uint8_t* p = grow(2 + data_length);
  if (p == nullptr) return nullptr;
  p[0] = type;
  p[1] = static_cast<std::uint8_t>(data_length);
  return p + 2;
}

MobilityHeaderWriter& MobilityHeaderWriter::add_binding_refresh_advice(
    std::uint16_t interval_units) noexcept {
  constexpr auto type = mobility_option::binding_refresh_advice;
  if (std::uint8_t* d =
          reserve_option(type, binding_refresh_advice_length, mobility_option_alignment(type)))
    store_be16(d, interval_units);
  return *this;
}

MobilityHeaderWriter& MobilityHeaderWriter::add_alternate_care_of_address(
    const Ip6Addr& address) noexcept {
  constexpr auto type = mobility_option::alternate_care_of_address;
  if (std::uint8_t* d =
          reserve_option(type, alternate_care_of_address_length, mobility_option_alignment(type)))
    address.write_to(d);
  return *this;
}

MobilityHeaderWriter& MobilityHeaderWriter::add_nonce_indices(
    std::uint16_t home_nonce_index, std::uint16_t care_of_nonce_index) noexcept {
  constexpr auto type = mobility_option::nonce_indices;
  if (std::uint8_t* d =
          reserve_option(type, nonce_indices_length, mobility_option_alignment(type))) {
    store_be16(d, home_nonce_index);
    store_be16(d + 2, care_of_nonce_index);
  }
  return *this;
}

MobilityHeaderWriter& MobilityHeaderWriter::add_mobile_node_identifier(
    std::uint8_t subtype, ByteSpan identifier) noexcept {
  if (identifier.empty() || identifier.size() > 0xff - 1) {
    fail(Errc::value_out_of_range);
    return *this;
  }
  constexpr auto type = mobility_option::mobile_node_identifier;
  if (std::uint8_t* d =
          reserve_option(type, 1 + identifier.size(), mobility_option_alignment(type))) {
    d[0] = subtype;
    std::memcpy(d + 1, identifier.data(), identifier.size());
  }
  return *this;
}

MobilityHeaderWriter& MobilityHeaderWriter::add_replay_protection(std::uint64_t timestamp) noexcept {
  constexpr auto type = mobility_option::replay_protection;
  if (std::uint8_t* d =
          reserve_option(type, replay_protection_length, mobility_option_alignment(type)))
    store_be64(d, timestamp);
  return *this;
}

MobilityHeaderWriter& MobilityHeaderWriter::add_home_network_prefix(std::uint8_t prefix_length,
                                                                    const Ip6Addr& prefix) noexcept {
  if (prefix_length > 128) {
    fail(Errc::value_out_of_range);
    return *this;
  }
  constexpr auto type = mobility_option::home_network_prefix;
  if (std::uint8_t* d =
          reserve_option(type, home_network_prefix_length, mobility_option_alignment(type))) {
    d[0] = 0;  // reserved
    d[1] = prefix_length;
    prefix.write_to(d + 2);
  }
  return *this;
}

MobilityHeaderWriter& MobilityHeaderWriter::add_handoff_indicator(std::uint8_t indicator) noexcept {
  constexpr auto type = mobility_option::handoff_indicator;
  if (std::uint8_t* d =
          reserve_option(type, handoff_indicator_length, mobility_option_alignment(type))) {
    d[0] = 0;  // reserved
    d[1] = indicator;
  }
  return *this;
}

MobilityHeaderWriter& MobilityHeaderWriter::add_access_technology_type(
    std::uint8_t technology) noexcept {
  constexpr auto type = mobility_option::access_technology_type;
  if (std::uint8_t* d =
          reserve_option(type, access_technology_type_length, mobility_option_alignment(type))) {
    d[0] = 0;  // reserved
    d[1] = technology;
  }
  return *this;
}

MobilityHeaderWriter& MobilityHeaderWriter::add_mobile_node_link_layer_identifier(
    ByteSpan identifier) noexcept {
  if (identifier.empty() || identifier.size() > 0xff - 2) {
    fail(Errc::value_out_of_range);
    return *this;
  }
  constexpr auto type = mobility_option::mobile_node_link_layer_identifier;
  if (std::uint8_t* d =
          reserve_option(type, 2 + identifier.size(), mobility_option_alignment(type))) {
    d[0] = 0;  // reserved (16 bits)
    d[1] = 0;
    std::memcpy(d + 2, identifier.data(), identifier.size());
  }
  return *this;
}

MobilityHeaderWriter& MobilityHeaderWriter::add_link_local_address(const Ip6Addr& address) noexcept {
  constexpr auto type = mobility_option::link_local_address;
  if (std::uint8_t* d =
          reserve_option(type, link_local_address_length, mobility_option_alignment(type)))
    address.write_to(d);
  return *this;
}

MobilityHeaderWriter& MobilityHeaderWriter::add_timestamp(std::uint64_t timestamp) noexcept {
  constexpr auto type = mobility_option::timestamp;
  if (std::uint8_t* d = reserve_option(type, timestamp_length, mobility_option_alignment(type)))
    store_be64(d, timestamp);
  return *this;
}

MutableByteSpan MobilityHeaderWriter::add_message_authentication(
    std::uint8_t subtype, std::uint32_t spi, std::size_t authenticator_length) noexcept {
  if (authenticator_length == 0 || authenticator_length % 4 != 0 ||
      authenticator_length > 0xff - message_authentication_fixed_length) {
    fail(Errc::value_out_of_range);
    return {};
  }
  const std::size_t option_size = message_authentication_covered_length + authenticator_length;
  // Start at 8n + y with y = -option_size mod 8: the option then ends on an
  // 8-octet boundary; y is 1 or 5 here, both 4n+1 (RFC 4285 section 5).
  const OptionAlignment align{8, static_cast<std::uint8_t>((8 - option_size % 8) % 8)};
  const std::size_t offset = size_ + align.padding_before(size_);
  // RFC 4285 5.2: an MN-AAA option may follow the MN-HA one; nothing else.
  std::uint8_t* d = reserve_option(mobility_option::message_authentication,
                                   message_authentication_fixed_length + authenticator_length,
                                   align, subtype == mobility_auth_subtype::mn_aaa);
  if (d == nullptr) return {};
  d[0] = subtype;
  store_be32(d + 1, spi);
  std::uint8_t* authenticator = d + message_authentication_fixed_length;
  std::memset(authenticator, 0, authenticator_length);
  auth_offset_ = static_cast<std::uint16_t>(offset);
  state_ = subtype == mobility_auth_subtype::mn_ha && state_ == State::open ? State::after_mn_ha
                                                                             : State::sealed;
  return {authenticator, authenticator_length};
}

MutableByteSpan MobilityHeaderWriter::add_binding_authorization_data() noexcept {
  constexpr auto type = mobility_option::binding_authorization_data;
  std::uint8_t* d =
      reserve_option(type, binding_authorization_data_length, mobility_option_alignment(type));
  if (d == nullptr) return {};
  std::memset(d, 0, binding_authorization_data_length);
  state_ = State::sealed;
  return {d, binding_authorization_data_length};
}

Result<std::size_t> MobilityHeaderWriter::finish() noexcept {
  if (error_ != Errc::ok) return error_;
  if (state_ == State::finished) return size_;
  if (state_ == State::empty) {
    fail(Errc::mobility_writer_out_of_order);
    return error_;
  }
  // The authentication options end 8-aligned, so this adds nothing after them.
  write_padding((8 - size_ % 8) % 8);
  if (error_ != Errc::ok) return error_;
  out_[1] = static_cast<std::uint8_t>(size_ / 8 - 1);
  state_ = State::finished;
  return size_;
}

Result<MobilityAuthInput> MobilityHeaderWriter::auth_input(
    const Ip6Addr& care_of_address, const Ip6Addr& home_address) const noexcept {
  if (error_ != Errc::ok) return error_;
  if (state_ != State::finished) return Errc::mobility_writer_out_of_order;
  if (!auth_offset_) return Errc::mobility_auth_option_not_found;
  return mobility_auth_input(care_of_address, home_address, bytes(), *auth_offset_);
}

}  // namespace roam6::wire
