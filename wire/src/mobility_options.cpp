#include "roam6/wire/mobility_options.hpp"

#include <memory>
#include <type_traits>

namespace roam6::wire {

Result<MobilityOption> MobilityOptionReader::next() noexcept {
  const std::size_t at = pos_;
  if (at >= options_.size()) return Errc::truncated_mobility_option;  // misuse: done()
  const std::uint8_t type = options_[at];
  MobilityOption o;
  o.type = type;
  o.offset = static_cast<std::uint16_t>(base_ + at);
  if (type == mobility_option::pad1) {
    pos_ = at + 1;
    return o;
  }
  if (options_.size() - at < 2) {
    pos_ = options_.size();
    return Errc::truncated_mobility_option;
  }
  const std::size_t length = options_[at + 1];
  if (options_.size() - at - 2 < length) {
    pos_ = options_.size();
    return Errc::mobility_option_exceeds_message;
  }
  o.data = options_.subspan(at + 2, length);
  pos_ = at + 2 + length;
  return o;
}

namespace {
inline Errc need_length(const MobilityOption& o, std::size_t length) noexcept {
  return o.data.size() == length ? Errc::ok : Errc::bad_mobility_option_length;
}
inline Errc need_at_least(const MobilityOption& o, std::size_t length) noexcept {
  return o.data.size() >= length ? Errc::ok : Errc::bad_mobility_option_length;
}
}  // namespace

Result<BindingRefreshAdvice> decode_binding_refresh_advice(const MobilityOption& o) noexcept {
  ROAM6_TRY_ERRC(need_length(o, binding_refresh_advice_length));
  return BindingRefreshAdvice{load_be16(o.data.data())};
}

Result<Ip6Addr> decode_alternate_care_of_address(const MobilityOption& o) noexcept {
  ROAM6_TRY_ERRC(need_length(o, alternate_care_of_address_length));
  return Ip6Addr::from_bytes(o.data.data());
}

Result<NonceIndices> decode_nonce_indices(const MobilityOption& o) noexcept {
  ROAM6_TRY_ERRC(need_length(o, nonce_indices_length));
  return NonceIndices{load_be16(o.data.data()), load_be16(o.data.data() + 2)};
}

Result<ByteSpan> decode_binding_authorization_data(const MobilityOption& o) noexcept {
  ROAM6_TRY_ERRC(need_length(o, binding_authorization_data_length));
  return o.data;
}

Result<MobileNodeIdentifier> decode_mobile_node_identifier(const MobilityOption& o) noexcept {
  ROAM6_TRY_ERRC(need_at_least(o, 2));
  return MobileNodeIdentifier{o.data[0], o.data.subspan(1)};
}

Result<MessageAuthentication> decode_message_authentication(const MobilityOption& o) noexcept {
  ROAM6_TRY_ERRC(need_at_least(o, message_authentication_fixed_length + 1));
  return MessageAuthentication{o.data[0], load_be32(o.data.data() + 1),
                               o.data.subspan(message_authentication_fixed_length), o.offset};
}

Result<std::uint64_t> decode_replay_protection(const MobilityOption& o) noexcept {
  ROAM6_TRY_ERRC(need_length(o, replay_protection_length));
  return load_be64(o.data.data());
}

Result<HomeNetworkPrefix> decode_home_network_prefix(const MobilityOption& o) noexcept {
  ROAM6_TRY_ERRC(need_length(o, home_network_prefix_length));
  // data[0] is reserved. An IPv6 prefix is at most 128 bits long; the writer
  // refuses anything longer, and so does the ND Prefix Information decoder.
  if (o.data[1] > 128) return Errc::bad_home_network_prefix_length;
  return HomeNetworkPrefix{o.data[1], Ip6Addr::from_bytes(o.data.data() + 2)};
}

Result<std::uint8_t> decode_handoff_indicator(const MobilityOption& o) noexcept {
  ROAM6_TRY_ERRC(need_length(o, handoff_indicator_length));
  return o.data[1];  // after a reserved octet
}

Result<std::uint8_t> decode_access_technology_type(const MobilityOption& o) noexcept {
  ROAM6_TRY_ERRC(need_length(o, access_technology_type_length));
  return o.data[1];  // after a reserved octet
}

Result<ByteSpan> decode_mobile_node_link_layer_identifier(const MobilityOption& o) noexcept {
  ROAM6_TRY_ERRC(need_at_least(o, 3));
  return o.data.subspan(2);  // after two reserved octets
}

Result<Ip6Addr> decode_link_local_address(const MobilityOption& o) noexcept {
  ROAM6_TRY_ERRC(need_length(o, link_local_address_length));
  return Ip6Addr::from_bytes(o.data.data());
}

Result<PmipTimestamp> decode_timestamp(const MobilityOption& o) noexcept {
  ROAM6_TRY_ERRC(need_length(o, timestamp_length));
  return PmipTimestamp{load_be64(o.data.data())};
}

namespace {

// Keeps the first value of a known option; counts repeats.
template <class T>
Errc record(std::optional<T>& slot, const Result<T>& decoded, MobilityOptionSet& set) noexcept {
  if (!decoded) return decoded.error();
  if (slot) {
    ++set.duplicate_count;
  } else {
    slot = *decoded;
  }
  return Errc::ok;
}

// What may still follow, once an authentication option has been seen.
enum class Seal : std::uint8_t { open, only_mn_aaa, closed };

// Empties one optional with a single store. Its values are trivially
// destructible, so constructing an empty one over it ends nothing that needs
// ending; reset() would test the flag first.
template <class T>
inline void clear(std::optional<T>& slot) noexcept {
  static_assert(std::is_trivially_destructible_v<std::optional<T>>);
  std::construct_at(&slot);
}

// The same as `set = MobilityOptionSet{}` for every observable member, but
// only the engaged flags are written, not the few hundred octets of storage:
// this runs for every message.
void reset(MobilityOptionSet& set) noexcept {
  clear(set.binding_refresh_advice);
  clear(set.alternate_care_of_address);
  clear(set.nonce_indices);
  clear(set.binding_authorization_data);
  clear(set.mobile_node_identifier);
  clear(set.mn_ha_authentication);
  clear(set.mn_aaa_authentication);
  clear(set.replay_protection);
  clear(set.home_network_prefix);
  clear(set.handoff_indicator);
  clear(set.access_technology_type);
  clear(set.mobile_node_link_layer_identifier);
  clear(set.link_local_address);
  clear(set.timestamp);
  set.home_network_prefix_count = 0;
  set.duplicate_count = 0;
  set.unknown_count = 0;
}
// A member added to MobilityOptionSet must be reset above too.
static_assert(sizeof(void*) != 8 || sizeof(MobilityOptionSet) == 280,
              "MobilityOptionSet changed: update reset()");

}  // namespace

Errc decode_mobility_options(ByteSpan options, std::size_t options_offset,
                             MobilityOptionSet& set) noexcept {
  reset(set);
  Seal seal = Seal::open;
  // MobilityOptionReader's framing checks, written out so the per-option
  // values stay in registers.
  const std::uint8_t* const area = options.data();
  const std::size_t size = options.size();
  std::size_t at = 0;
  while (at < size) {
    const std::uint8_t type = area[at];
    if (type == mobility_option::pad1) {
      ++at;
      continue;
    }
    if (size - at < 2) [[unlikely]]
      return Errc::truncated_mobility_option;
    const std::size_t length = area[at + 1];
    if (size - at - 2 < length) [[unlikely]]
      return Errc::mobility_option_exceeds_message;
    const MobilityOption o{type, ByteSpan(area + at + 2, length),
                           static_cast<std::uint16_t>(options_offset + at)};
    at += 2 + length;
    if (type == mobility_option::padn) continue;

    if (seal != Seal::open) [[unlikely]] {
      const bool is_mn_aaa = o.type == mobility_option::message_authentication &&
                             !o.data.empty() && o.data[0] == mobility_auth_subtype::mn_aaa;
      if (seal == Seal::closed || !is_mn_aaa) return Errc::mobility_option_after_authentication;
    }

    switch (o.type) {
      case mobility_option::binding_refresh_advice:
        ROAM6_TRY_ERRC(record(set.binding_refresh_advice, decode_binding_refresh_advice(o), set));
        break;
      case mobility_option::alternate_care_of_address:
        ROAM6_TRY_ERRC(
            record(set.alternate_care_of_address, decode_alternate_care_of_address(o), set));
        break;
      case mobility_option::nonce_indices:
        ROAM6_TRY_ERRC(record(set.nonce_indices, decode_nonce_indices(o), set));
        break;
      case mobility_option::binding_authorization_data:
        ROAM6_TRY_ERRC(
            record(set.binding_authorization_data, decode_binding_authorization_data(o), set));
        seal = Seal::closed;
        break;
      case mobility_option::mobile_node_identifier:
        ROAM6_TRY_ERRC(
            record(set.mobile_node_identifier, decode_mobile_node_identifier(o), set));
        break;
      case mobility_option::message_authentication: {
        // decode_message_authentication's check, then the fields stored
        // straight into the set: a MessageAuthentication assembled on the
        // stack and copied over would be reloaded through a store-forwarding
        // stall on every authenticated BU and BA.
        ROAM6_TRY_ERRC(need_at_least(o, message_authentication_fixed_length + 1));
        const std::uint8_t subtype = o.data[0];
        std::optional<MessageAuthentication>* slot = nullptr;
        if (subtype == mobility_auth_subtype::mn_ha) {
          slot = &set.mn_ha_authentication;
          seal = Seal::only_mn_aaa;
        } else if (subtype == mobility_auth_subtype::mn_aaa) {
          slot = &set.mn_aaa_authentication;
          seal = Seal::closed;
        } else {
          ++set.unknown_count;
          break;
        }
        if (slot->has_value()) {
          ++set.duplicate_count;
          break;
        }
        MessageAuthentication& auth = slot->emplace();
        auth.subtype = subtype;
        auth.spi = load_be32(o.data.data() + 1);
        auth.authenticator = o.data.subspan(message_authentication_fixed_length);
        auth.offset = o.offset;
        break;
      }
      case mobility_option::replay_protection:
        ROAM6_TRY_ERRC(record(set.replay_protection, decode_replay_protection(o), set));
        break;
      case mobility_option::home_network_prefix: {
        // Several are legitimate (RFC 5213 8.3): counted, not duplicates.
        const auto prefix = decode_home_network_prefix(o);
        if (!prefix) return prefix.error();
        if (!set.home_network_prefix) set.home_network_prefix = *prefix;
        if (set.home_network_prefix_count != 0xff) ++set.home_network_prefix_count;
        break;
      }
      case mobility_option::handoff_indicator:
        ROAM6_TRY_ERRC(record(set.handoff_indicator, decode_handoff_indicator(o), set));
        break;
      case mobility_option::access_technology_type:
        ROAM6_TRY_ERRC(record(set.access_technology_type, decode_access_technology_type(o), set));
        break;
      case mobility_option::mobile_node_link_layer_identifier:
        ROAM6_TRY_ERRC(record(set.mobile_node_link_layer_identifier,
                              decode_mobile_node_link_layer_identifier(o), set));
        break;
      case mobility_option::link_local_address:
        ROAM6_TRY_ERRC(record(set.link_local_address, decode_link_local_address(o), set));
        break;
      case mobility_option::timestamp:
        ROAM6_TRY_ERRC(record(set.timestamp, decode_timestamp(o), set));
        break;
      default:
        ++set.unknown_count;
        break;
    }
  }
  return Errc::ok;
}

Result<MobilityOptionSet> decode_mobility_options(ByteSpan options,
                                                  std::size_t options_offset) noexcept {
  Result<MobilityOptionSet> result{MobilityOptionSet{}};
  ROAM6_TRY_ERRC(decode_mobility_options(options, options_offset, *result));
  return result;
}

Errc verify_mobility_option_alignment(const MobilityHeaderView& mh) noexcept {
  MobilityOptionReader reader(mh);
  while (!reader.done()) {
    auto next = reader.next();
    if (!next) return next.error();
    if (!mobility_option_alignment(next->type).satisfied_at(next->offset))
      return Errc::mobility_option_misaligned;
  }
  return Errc::ok;
}

}  // namespace roam6::wire
