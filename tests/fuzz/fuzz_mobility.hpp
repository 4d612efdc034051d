#pragma once
// Mobility Header helpers for the fuzz targets: touch every typed view and
// option, compare option sets, and rebuild a decoded message with
// MobilityHeaderWriter (for the round-trip targets).

#include <cstring>
#include <string_view>

#include "fuzz_support.hpp"
#include "roam6/wire/mobility_auth.hpp"
#include "roam6/wire/mobility_header.hpp"
#include "roam6/wire/mobility_options.hpp"
#include "roam6/wire/mobility_writer.hpp"

namespace roam6::wire::fuzz {

// Every typed view; exactly one of them accepts a parsed MH.
inline void touch_typed_views(const MobilityHeaderView& mh) {
  int matches = 0;
  if (const auto v = BindingRefreshRequestView::from(mh)) {
    ++matches;
    touch(v->options());
    use(v->options_offset());
    use(v->header().type());
  }
  if (const auto v = HomeTestInitView::from(mh)) {
    ++matches;
    use(v->home_init_cookie());
    touch(v->options());
  }
  if (const auto v = CareOfTestInitView::from(mh)) {
    ++matches;
    use(v->care_of_init_cookie());
    touch(v->options());
  }
  if (const auto v = HomeTestView::from(mh)) {
    ++matches;
    use(v->home_nonce_index());
    use(v->home_init_cookie());
    use(v->home_keygen_token());
    touch(v->options());
  }
  if (const auto v = CareOfTestView::from(mh)) {
    ++matches;
    use(v->care_of_nonce_index());
    use(v->care_of_init_cookie());
    use(v->care_of_keygen_token());
    touch(v->options());
  }
  if (const auto v = BindingUpdateView::from(mh)) {
    ++matches;
    use(v->sequence());
    use(v->flags());
    use(v->has(bu_flag::bulk_binding_update));
    use(v->acknowledge());
    use(v->home_registration());
    use(v->link_local_compatibility());
    use(v->key_management());
    use(v->proxy_registration());
    use(v->lifetime_units());
    FUZZ_CHECK(v->lifetime_seconds() == v->lifetime_units() * 4u);
    touch(v->options());
  }
  if (const auto v = BindingAckView::from(mh)) {
    ++matches;
    use(v->status());
    FUZZ_CHECK(v->accepted() == (v->status() < 128));
    use(v->flags());
    use(v->has(ba_flag::bulk_binding_update));
    use(v->key_management());
    use(v->mobile_router());
    use(v->proxy_registration());
    use(v->sequence());
    use(v->lifetime_units());
    use(v->lifetime_seconds());
    touch(v->options());
  }
  if (const auto v = BindingErrorView::from(mh)) {
    ++matches;
    use(v->status());
    use(v->home_address());
    touch(v->options());
  }
  if (const auto v = BindingRevocationView::from(mh)) {
    ++matches;
    use(v->revocation_type());
    FUZZ_CHECK(!(v->indication() && v->acknowledgement()));
    use(v->trigger_or_status());
    use(v->sequence());
    use(v->flags());
    touch(v->options());
  }
  FUZZ_CHECK(matches == 1);
}

// The MH view's accessors and the layout it promises. `input` is what the
// view was parsed from.
inline void touch_mobility_header(const MobilityHeaderView& mh, ByteSpan input) {
  use(mh.payload_proto());
  FUZZ_CHECK(mh.payload_proto() == mobility_payload_proto);
  use(mh.header_len());
  use(mh.type());
  use(mh.reserved());
  use(mh.checksum());
  FUZZ_CHECK(mh.size() == (std::size_t{mh.header_len()} + 1) * 8);
  FUZZ_CHECK(mh.data() == input.data());
  FUZZ_CHECK(within(mh.bytes(), input));
  FUZZ_CHECK(mh.options_offset() == mobility_options_offset(mh.type()));
  FUZZ_CHECK(mh.options_offset() != 0 && mh.options_offset() <= mh.size());
  FUZZ_CHECK(mh.options().data() == mh.data() + mh.options_offset());
  FUZZ_CHECK(mh.options().size() == mh.size() - mh.options_offset());
  touch(mh.bytes());
  use(mh.checksum_valid(kCareOf, kHomeAgent));
  touch_typed_views(mh);
}

inline void touch_set(const MobilityOptionSet& s) {
  if (s.binding_refresh_advice) use(s.binding_refresh_advice->interval_seconds());
  use(s.alternate_care_of_address);
  use(s.nonce_indices);
  if (s.binding_authorization_data) touch(*s.binding_authorization_data);
  if (s.mobile_node_identifier) {
    use(s.mobile_node_identifier->subtype);
    FUZZ_CHECK(!s.mobile_node_identifier->identifier.empty());
    touch(s.mobile_node_identifier->identifier);
  }
  for (const auto* auth : {&s.mn_ha_authentication, &s.mn_aaa_authentication}) {
    if (!*auth) continue;
    use((*auth)->spi);
    use((*auth)->offset);
    FUZZ_CHECK(!(*auth)->authenticator.empty());
    touch((*auth)->authenticator);
  }
  if (s.mn_ha_authentication) FUZZ_CHECK(s.mn_ha_authentication->subtype == mobility_auth_subtype::mn_ha);
  if (s.mn_aaa_authentication) FUZZ_CHECK(s.mn_aaa_authentication->subtype == mobility_auth_subtype::mn_aaa);
  use(s.replay_protection);
  use(s.home_network_prefix);
  FUZZ_CHECK(s.home_network_prefix.has_value() == (s.home_network_prefix_count != 0));
  use(s.handoff_indicator);
  use(s.access_technology_type);
  if (s.mobile_node_link_layer_identifier) touch(*s.mobile_node_link_layer_identifier);
  use(s.link_local_address);
  if (s.timestamp) {
    use(s.timestamp->seconds());
    use(s.timestamp->fraction());
  }
  use(s.duplicate_count);
  use(s.unknown_count);
}

inline bool same_span(const std::optional<ByteSpan>& a, const std::optional<ByteSpan>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || same_bytes(*a, *b);
}

inline bool same_auth(const std::optional<MessageAuthentication>& a,
                      const std::optional<MessageAuthentication>& b, bool compare_offsets) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return a->subtype == b->subtype && a->spi == b->spi &&
         same_bytes(a->authenticator, b->authenticator) &&
         (!compare_offsets || a->offset == b->offset);
}

// Everything but unknown_count (a rebuild drops the options the writer
// cannot express) and, unless asked, the authentication options' offsets
// (a rebuild pads differently).
inline bool same_known_options(const MobilityOptionSet& a, const MobilityOptionSet& b,
                               bool compare_offsets) {
  const auto same_prefix = [](const auto& x, const auto& y) {
    if (x.has_value() != y.has_value()) return false;
    return !x || (x->prefix_length == y->prefix_length && x->prefix == y->prefix);
  };
  const auto same_id = [](const auto& x, const auto& y) {
    if (x.has_value() != y.has_value()) return false;
    return !x || (x->subtype == y->subtype && same_bytes(x->identifier, y->identifier));
  };
  const auto interval = [](const auto& x) {
    return x ? std::optional<std::uint16_t>(x->interval_units) : std::nullopt;
  };
  const auto nonces = [](const auto& x) {
    return x ? std::optional<std::uint32_t>((std::uint32_t{x->home_nonce_index} << 16) |
                                            x->care_of_nonce_index)
             : std::nullopt;
  };
  const auto stamp = [](const auto& x) {
    return x ? std::optional<std::uint64_t>(x->raw) : std::nullopt;
  };
  return interval(a.binding_refresh_advice) == interval(b.binding_refresh_advice) &&
         a.alternate_care_of_address == b.alternate_care_of_address &&
         nonces(a.nonce_indices) == nonces(b.nonce_indices) &&
         same_span(a.binding_authorization_data, b.binding_authorization_data) &&
         same_id(a.mobile_node_identifier, b.mobile_node_identifier) &&
         same_auth(a.mn_ha_authentication, b.mn_ha_authentication, compare_offsets) &&
         same_auth(a.mn_aaa_authentication, b.mn_aaa_authentication, compare_offsets) &&
         a.replay_protection == b.replay_protection &&
         same_prefix(a.home_network_prefix, b.home_network_prefix) &&
         a.handoff_indicator == b.handoff_indicator &&
         a.access_technology_type == b.access_technology_type &&
         same_span(a.mobile_node_link_layer_identifier, b.mobile_node_link_layer_identifier) &&
         a.link_local_address == b.link_local_address &&
         stamp(a.timestamp) == stamp(b.timestamp) &&
         a.home_network_prefix_count == b.home_network_prefix_count &&
         a.duplicate_count == b.duplicate_count;
}

// Runs every decoder on one option (they check only the length, so each may
// be tried on any type) and touches what they return.
inline void touch_option_decoders(const MobilityOption& o) {
  if (const auto r = decode_binding_refresh_advice(o)) use(r->interval_seconds());
  if (const auto r = decode_alternate_care_of_address(o)) use(*r);
  if (const auto r = decode_nonce_indices(o)) use(*r);
  if (const auto r = decode_binding_authorization_data(o)) touch(*r);
  if (const auto r = decode_mobile_node_identifier(o)) {
    use(r->subtype);
    touch(r->identifier);
  }
  if (const auto r = decode_message_authentication(o)) {
    FUZZ_CHECK(r->offset == o.offset);
    use(r->subtype);
    use(r->spi);
    FUZZ_CHECK(!r->authenticator.empty());
    touch(r->authenticator);
  }
  if (const auto r = decode_replay_protection(o)) use(*r);
  if (const auto r = decode_home_network_prefix(o)) use(*r);
  if (const auto r = decode_handoff_indicator(o)) use(*r);
  if (const auto r = decode_access_technology_type(o)) use(*r);
  if (const auto r = decode_mobile_node_link_layer_identifier(o)) touch(*r);
  if (const auto r = decode_link_local_address(o)) use(*r);
  if (const auto r = decode_timestamp(o)) use(r->raw);
}

// The authenticated bytes for an authentication option the decoder found:
// mobility_auth_input must accept the same option, and cover the MH through
// its SPI.
inline void check_auth_input(const MobilityHeaderView& mh, const MessageAuthentication& auth) {
  const auto input = mobility_auth_input(kCareOf, kHome, mh.bytes(), auth.offset);
  FUZZ_CHECK(input.ok());
  FUZZ_CHECK(input->covered_mh_length() == auth.offset + message_authentication_covered_length);
  FUZZ_CHECK(input->covered_mh_length() <= mh.size());
  FUZZ_CHECK(input->size() == 32 + input->covered_mh_length());
  std::size_t total = 0;
  input->for_each_part([&](ByteSpan part) {
    touch(part);
    total += part.size();
  });
  FUZZ_CHECK(total == input->size());
  std::uint8_t copy[2 * 16 + mobility_header_max_size];
  const auto n = input->copy_to(copy);
  FUZZ_CHECK(n.ok() && *n == input->size());
  // Addresses, the MH through the SPI with a zero checksum.
  FUZZ_CHECK(std::memcmp(copy, kCareOf.bytes.data(), 16) == 0);
  FUZZ_CHECK(std::memcmp(copy + 16, kHome.bytes.data(), 16) == 0);
  FUZZ_CHECK(std::memcmp(copy + 32, mh.data(), 4) == 0);
  FUZZ_CHECK(copy[36] == 0 && copy[37] == 0);
  FUZZ_CHECK(std::memcmp(copy + 38, mh.data() + 6, input->covered_mh_length() - 6) == 0);
  FUZZ_CHECK(!input->copy_to(MutableByteSpan(copy, input->size() - 1)).ok());
}

// Reader, decoders, one-pass decode (both forms, which must agree) and the
// alignment check over one parsed MH. Returns the one-pass result.
inline Errc touch_mobility_options(const MobilityHeaderView& mh, MobilityOptionSet& set) {
  MobilityOptionReader reader(mh);
  std::size_t expected_offset = mh.options_offset();
  Errc reader_error = Errc::ok;
  while (!reader.done()) {
    const auto o = reader.next();
    if (!o) {
      reader_error = o.error();
      FUZZ_CHECK(reader.done());
      break;
    }
    FUZZ_CHECK(o->offset == expected_offset);
    FUZZ_CHECK(o->offset < mh.size());
    FUZZ_CHECK(mh.data()[o->offset] == o->type);
    if (o->type == mobility_option::pad1) {
      FUZZ_CHECK(o->data.empty());
      expected_offset += 1;
    } else {
      FUZZ_CHECK(o->data.data() == mh.data() + o->offset + 2);
      FUZZ_CHECK(o->data.size() == mh.data()[o->offset + 1]);
      FUZZ_CHECK(within(o->data, mh.bytes()));
      expected_offset += 2 + o->data.size();
    }
    touch(o->data);
    touch_option_decoders(*o);
  }
  if (reader_error == Errc::ok) FUZZ_CHECK(expected_offset == mh.size());

  const Errc e = decode_mobility_options(mh, set);
  const auto convenience = decode_mobility_options(mh);
  FUZZ_CHECK(convenience.ok() == (e == Errc::ok));
  if (!convenience.ok()) FUZZ_CHECK(convenience.error() == e);
  // The decoder reads the same framing.
  if (e == Errc::ok) FUZZ_CHECK(reader_error == Errc::ok);
  if (e == Errc::ok) {
    FUZZ_CHECK(same_known_options(set, *convenience, true));
    FUZZ_CHECK(set.unknown_count == convenience->unknown_count);
    touch_set(set);
    if (set.mn_ha_authentication) check_auth_input(mh, *set.mn_ha_authentication);
    if (set.mn_aaa_authentication) check_auth_input(mh, *set.mn_aaa_authentication);
  }
  const Errc alignment = verify_mobility_option_alignment(mh);
  if (reader_error != Errc::ok)
    FUZZ_CHECK(alignment == reader_error || alignment == Errc::mobility_option_misaligned);
  else
    FUZZ_CHECK(alignment == Errc::ok || alignment == Errc::mobility_option_misaligned);
  return e;
}

// ---------------------------------------------------------------------------
// Rebuilding. The writer pads each option to its alignment and the whole MH
// to 8 octets, so a rebuild may be longer than the original; it may exceed
// the 2048-octet limit only when this bound does.
inline std::size_t rebuild_size_bound(const MobilityHeaderView& mh) {
  std::size_t bound = mh.options_offset() + 7;
  MobilityOptionReader reader(mh);
  while (!reader.done()) {
    const auto o = reader.next();
    if (!o) break;
    if (o->type != mobility_option::pad1 && o->type != mobility_option::padn)
      bound += 2 + o->data.size() + 7;
  }
  return bound;
}

enum class Rebuild : std::uint8_t {
  done,
  // An option the writer cannot express exactly: an authenticator whose
  // length is not a multiple of 4, or an authentication option of another
  // subtype (the decoder counts it as unknown, the writer would seal).
  inexpressible,
};

// Begins the message `mh` carries in `w` and adds every option the decoder
// understood (decode_mobility_options succeeded on `mh`), in the same order.
// Unknown options and padding are dropped.
inline Rebuild rebuild_mobility_header(const MobilityHeaderView& mh, MobilityHeaderWriter& w) {
  switch (mh.type()) {
    case mh_type::binding_refresh_request:
      w.begin_binding_refresh_request();
      break;
    case mh_type::home_test_init:
      w.begin_home_test_init(HomeTestInitView::from(mh)->home_init_cookie());
      break;
    case mh_type::care_of_test_init:
      w.begin_care_of_test_init(CareOfTestInitView::from(mh)->care_of_init_cookie());
      break;
    case mh_type::home_test: {
      const auto v = HomeTestView::from(mh);
      w.begin_home_test({v->home_nonce_index(), v->home_init_cookie(), v->home_keygen_token()});
      break;
    }
    case mh_type::care_of_test: {
      const auto v = CareOfTestView::from(mh);
      w.begin_care_of_test(
          {v->care_of_nonce_index(), v->care_of_init_cookie(), v->care_of_keygen_token()});
      break;
    }
    case mh_type::binding_update: {
      const auto v = BindingUpdateView::from(mh);
      w.begin_binding_update({v->sequence(), v->flags(), v->lifetime_units()});
      break;
    }
    case mh_type::binding_ack: {
      const auto v = BindingAckView::from(mh);
      w.begin_binding_ack({v->status(), v->flags(), v->sequence(), v->lifetime_units()});
      break;
    }
    case mh_type::binding_error: {
      const auto v = BindingErrorView::from(mh);
      w.begin_binding_error({v->status(), v->home_address()});
      break;
    }
    case mh_type::binding_revocation: {
      const auto v = BindingRevocationView::from(mh);
      w.begin_binding_revocation({v->revocation_type(), v->trigger_or_status(), v->sequence(), v->flags()});
      break;
    }
    default:
      FUZZ_CHECK(false && "parse accepted an unknown MH type");
  }

  MobilityOptionReader reader(mh);
  while (!reader.done()) {
    const auto o = reader.next();
    FUZZ_CHECK(o.ok());
    switch (o->type) {
      case mobility_option::binding_refresh_advice:
        w.add_binding_refresh_advice(decode_binding_refresh_advice(*o)->interval_units);
        break;
      case mobility_option::alternate_care_of_address:
        w.add_alternate_care_of_address(*decode_alternate_care_of_address(*o));
        break;
      case mobility_option::nonce_indices: {
        const auto n = decode_nonce_indices(*o);
        w.add_nonce_indices(n->home_nonce_index, n->care_of_nonce_index);
        break;
      }
      case mobility_option::binding_authorization_data: {
        const auto data = decode_binding_authorization_data(*o);
        const MutableByteSpan out = w.add_binding_authorization_data();
        if (!out.empty()) std::memcpy(out.data(), data->data(), out.size());
        break;
      }
      case mobility_option::mobile_node_identifier: {
        const auto id = decode_mobile_node_identifier(*o);
        w.add_mobile_node_identifier(id->subtype, id->identifier);
        break;
      }
      case mobility_option::message_authentication: {
        const auto auth = decode_message_authentication(*o);
        if (auth->subtype != mobility_auth_subtype::mn_ha &&
            auth->subtype != mobility_auth_subtype::mn_aaa)
          return Rebuild::inexpressible;
        if (auth->authenticator.size() % 4 != 0) return Rebuild::inexpressible;
        const MutableByteSpan out =
            w.add_message_authentication(auth->subtype, auth->spi, auth->authenticator.size());
        if (!out.empty()) std::memcpy(out.data(), auth->authenticator.data(), out.size());
        break;
      }
      case mobility_option::replay_protection:
        w.add_replay_protection(*decode_replay_protection(*o));
        break;
      case mobility_option::home_network_prefix: {
        const auto p = decode_home_network_prefix(*o);
        w.add_home_network_prefix(p->prefix_length, p->prefix);
        break;
      }
      case mobility_option::handoff_indicator:
        w.add_handoff_indicator(*decode_handoff_indicator(*o));
        break;
      case mobility_option::access_technology_type:
        w.add_access_technology_type(*decode_access_technology_type(*o));
        break;
      case mobility_option::mobile_node_link_layer_identifier:
        w.add_mobile_node_link_layer_identifier(*decode_mobile_node_link_layer_identifier(*o));
        break;
      case mobility_option::link_local_address:
        w.add_link_local_address(*decode_link_local_address(*o));
        break;
      case mobility_option::timestamp:
        w.add_timestamp(decode_timestamp(*o)->raw);
        break;
      default:  // Pad1, PadN, unknown types
        break;
    }
  }
  return Rebuild::done;
}

// The fixed fields of two messages of the same type agree.
inline bool same_message(const MobilityHeaderView& a, const MobilityHeaderView& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case mh_type::binding_refresh_request:
      return true;
    case mh_type::home_test_init:
      return HomeTestInitView::from(a)->home_init_cookie() ==
             HomeTestInitView::from(b)->home_init_cookie();
    case mh_type::care_of_test_init:
      return CareOfTestInitView::from(a)->care_of_init_cookie() ==
             CareOfTestInitView::from(b)->care_of_init_cookie();
    case mh_type::home_test: {
      const auto x = HomeTestView::from(a);
      const auto y = HomeTestView::from(b);
      return x->home_nonce_index() == y->home_nonce_index() &&
             x->home_init_cookie() == y->home_init_cookie() &&
             x->home_keygen_token() == y->home_keygen_token();
    }
    case mh_type::care_of_test: {
      const auto x = CareOfTestView::from(a);
      const auto y = CareOfTestView::from(b);
      return x->care_of_nonce_index() == y->care_of_nonce_index() &&
             x->care_of_init_cookie() == y->care_of_init_cookie() &&
             x->care_of_keygen_token() == y->care_of_keygen_token();
    }
    case mh_type::binding_update: {
      const auto x = BindingUpdateView::from(a);
      const auto y = BindingUpdateView::from(b);
      return x->sequence() == y->sequence() && x->flags() == y->flags() &&
             x->lifetime_units() == y->lifetime_units();
    }
    case mh_type::binding_ack: {
      const auto x = BindingAckView::from(a);
      const auto y = BindingAckView::from(b);
      return x->status() == y->status() && x->flags() == y->flags() &&
             x->sequence() == y->sequence() && x->lifetime_units() == y->lifetime_units();
    }
    case mh_type::binding_error: {
      const auto x = BindingErrorView::from(a);
      const auto y = BindingErrorView::from(b);
      return x->status() == y->status() && x->home_address() == y->home_address();
    }
    case mh_type::binding_revocation: {
      // The reserved octet is written as zero.
      const auto x = BindingRevocationView::from(a);
      const auto y = BindingRevocationView::from(b);
      return x->revocation_type() == y->revocation_type() && x->trigger_or_status() == y->trigger_or_status() &&
             x->sequence() == y->sequence() && x->flags() == y->flags();
    }
    default:
      return false;
  }
}

// After a rebuild: the writer either succeeded or ran into the 2048-octet
// limit (only possible when the bound allows it); anything else is a
// message the decoder accepts and the writer refuses.
inline bool rebuild_finished(const MobilityHeaderView& original, Errc finish_error) {
  if (finish_error == Errc::ok) return true;
  if (finish_error == Errc::value_out_of_range &&
      rebuild_size_bound(original) > mobility_header_max_size)
    return false;
  const std::string_view why = name(finish_error);
  std::fprintf(stderr, "writer refused a decodable message: %.*s (MH type %u)\n",
               static_cast<int>(why.size()), why.data(), unsigned{original.type()});
  check_failed(__FILE__, __LINE__, "decoder accepts what the writer refuses");
}

}  // namespace roam6::wire::fuzz
