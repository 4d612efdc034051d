#include "mip6d/signalling/binding_messages.hpp"

#include <algorithm>
#include <cstring>

namespace roam6::mip6d {

namespace {

// Finishes the MH, computes the authenticator over the finished bytes, puts
// it in place, then lets the packet writer set length and checksum.
wire::Result<std::size_t> seal(wire::MobilityPacketWriter& pw, wire::MutableByteSpan auth_slot,
                               const wire::Ip6Addr& care_of, const wire::Ip6Addr& home_address,
                               KeyRing::Entry& sa) noexcept {
  auto& mh = pw.mh();
  const auto mh_size = mh.finish();
  if (!mh_size) return mh_size.error();
  const auto input = mh.auth_input(care_of, home_address);
  if (!input) return input.error();
  const Authenticator a = sa.authenticator.compute(*input);
  std::memcpy(auth_slot.data(), a.data(), auth_slot.size());
  return pw.finish();
}

// The MN-HA option last (RFC 4285 5), then seal(): every message roam6 signs.
wire::Result<std::size_t> sign_and_seal(wire::MobilityPacketWriter& pw, const wire::Ip6Addr& care_of,
                                        const wire::Ip6Addr& home_address, KeyRing::Entry& sa) noexcept {
  const auto slot =
      pw.mh().add_message_authentication(wire::mobility_auth_subtype::mn_ha, sa.key->spi, sa.authenticator.size());
  if (slot.empty()) return pw.mh().error();
  return seal(pw, slot, care_of, home_address, sa);
}

}  // namespace

std::string_view name(SignallingDrop d) noexcept {
  switch (d) {
    case SignallingDrop::none: return "none";
    case SignallingDrop::malformed: return "malformed";
    case SignallingDrop::bad_checksum: return "bad_checksum";
    case SignallingDrop::unexpected_type: return "unexpected_type";
    case SignallingDrop::misplaced_header: return "misplaced_header";
    case SignallingDrop::bad_options: return "bad_options";
    case SignallingDrop::no_authentication: return "no_authentication";
    case SignallingDrop::unknown_spi: return "unknown_spi";
    case SignallingDrop::bad_authenticator: return "bad_authenticator";
    case SignallingDrop::unusable_source: return "unusable_source";
    case SignallingDrop::unbindable_home_address: return "unbindable_home_address";
    case SignallingDrop::unusable_care_of_address: return "unusable_care_of_address";
    case SignallingDrop::not_from_home_agent: return "not_from_home_agent";
    case SignallingDrop::no_replay_protection: return "no_replay_protection";
    case SignallingDrop::replayed: return "replayed";
    case SignallingDrop::count_: break;
  }
  return "?";
}

wire::Result<std::size_t> write_binding_update(wire::MutableByteSpan out, const BindingUpdateSpec& spec,
                                               KeyRing::Entry& sa) noexcept {
  const auto units = wire::mobility_time_units_from_seconds(static_cast<std::uint32_t>(spec.lifetime.count()));
  if (!units) return units.error();
  wire::MobilityPacketWriter pw(out, {.src = spec.care_of_address,
                                      .dst = spec.home_agent,
                                      .home_address_option = spec.home_address});
  pw.mh()
      .begin_binding_update({.sequence = spec.sequence, .flags = spec.flags, .lifetime_units = *units})
      .add_replay_protection(spec.timestamp);
  if (spec.link_layer_identifier) pw.mh().add_mobile_node_link_layer_identifier(spec.link_layer_identifier->span());
  return sign_and_seal(pw, spec.care_of_address, spec.home_address, sa);
}

wire::Result<std::size_t> write_binding_ack(wire::MutableByteSpan out, const BindingAckSpec& spec,
                                            KeyRing::Entry& sa) noexcept {
  const auto units = wire::mobility_time_units_from_seconds(static_cast<std::uint32_t>(spec.lifetime.count()));
  if (!units) return units.error();
  wire::MobilityPacketWriter pw(out, {.src = spec.home_agent,
                                      .dst = spec.care_of_address,
                                      .type2_home_address = spec.home_address});
  pw.mh().begin_binding_ack(
      {.status = spec.status, .flags = 0, .sequence = spec.sequence, .lifetime_units = *units});
  if (spec.refresh_interval_units) pw.mh().add_binding_refresh_advice(*spec.refresh_interval_units);
  if (spec.timestamp) pw.mh().add_replay_protection(*spec.timestamp);
  return sign_and_seal(pw, spec.care_of_address, spec.home_address, sa);
}

wire::Result<std::size_t> write_binding_revocation(wire::MutableByteSpan out, const BindingRevocationSpec& spec,
                                                   KeyRing::Entry& sa) noexcept {
  wire::MobilityPacketWriter pw(out, {.src = spec.home_agent,
                                      .dst = spec.care_of_address,
                                      .type2_home_address = spec.home_address});
  pw.mh()
      .begin_binding_revocation({.revocation_type = wire::br_type::indication,
                                 .trigger_or_status = spec.trigger,
                                 .sequence = spec.sequence,
                                 .flags = 0})
      .add_replay_protection(spec.timestamp);
  if (spec.new_care_of) pw.mh().add_alternate_care_of_address(*spec.new_care_of);
  return sign_and_seal(pw, spec.care_of_address, spec.home_address, sa);
}

wire::Result<std::size_t> write_binding_revocation_ack(wire::MutableByteSpan out,
                                                       const BindingRevocationAckSpec& spec,
                                                       KeyRing::Entry& sa) noexcept {
  wire::MobilityPacketWriter pw(out, {.src = spec.care_of_address, .dst = spec.home_agent});
  pw.mh()
      .begin_binding_revocation({.revocation_type = wire::br_type::acknowledgement,
                                 .trigger_or_status = spec.status,
                                 .sequence = spec.sequence,
                                 .flags = 0})
      .add_replay_protection(spec.timestamp);
  return sign_and_seal(pw, spec.care_of_address, spec.home_address, sa);
}

namespace {

CheckResult dropped(SignallingDrop drop, wire::Errc error) {
  CheckResult r;
  r.drop = drop;
  r.wire_error = error;
  return r;
}

// Checks the MN-HA option over (care_of | home_address | MH through SPI).
CheckResult authenticate(const wire::MobilityPacket& packet, const wire::MobilityOptionSet& options,
                         const wire::Ip6Addr& care_of, const wire::Ip6Addr& home_address,
                         KeyRing& keys, KeyRing::Entry*& sa_out) {
  if (!options.mn_ha_authentication) return dropped(SignallingDrop::no_authentication, wire::Errc::ok);
  const auto& auth = *options.mn_ha_authentication;
  CheckResult failed;
  failed.spi = auth.spi;
  failed.authenticator_received = auth.authenticator.size();
  KeyRing::Entry* sa = keys.find(auth.spi);
  if (sa == nullptr) {
    failed.drop = SignallingDrop::unknown_spi;
    return failed;
  }
  // Named even when the authenticator turns out wrong: a refusal is signed
  // with the SA the message claims.
  sa_out = sa;
  failed.drop = SignallingDrop::bad_authenticator;
  failed.authenticator_expected = sa->authenticator.size();
  const auto input = wire::mobility_auth_input(care_of, home_address, packet.mh.bytes(), auth.offset);
  if (!input) {
    failed.wire_error = input.error();
    return failed;
  }
  const Authenticator expected = sa->authenticator.compute(*input);
  if (!sa->authenticator.matches(expected, auth.authenticator)) return failed;
  return {};
}

}  // namespace

CheckResult check_binding_update(const wire::MobilityPacket& packet, KeyRing& keys,
                                 ReceivedBindingUpdate& out) {
  const auto bu = wire::BindingUpdateView::from(packet.mh);
  if (!bu) return dropped(SignallingDrop::unexpected_type, bu.error());
  // RFC 6275 6.1: an MH may carry a type 2 routing header only on a BA.
  if (packet.chain.type2_home_address) return dropped(SignallingDrop::misplaced_header, wire::Errc::ok);
  wire::MobilityOptionSet options;
  if (const auto e = wire::decode_mobility_options(packet.mh, options); e != wire::Errc::ok)
    return dropped(SignallingDrop::bad_options, e);

  out.source = packet.ip.src();
  out.destination = packet.ip.dst();
  out.home_address = packet.chain.home_address.value_or(out.source);
  out.care_of_address = options.alternate_care_of_address.value_or(out.source);
  out.sequence = bu->sequence();
  out.flags = bu->flags();
  out.lifetime_seconds = bu->lifetime_seconds();
  out.timestamp = options.replay_protection;
  if (options.mobile_node_identifier) {
    const auto& id = *options.mobile_node_identifier;
    std::vector<std::uint8_t> bytes{id.subtype};
    bytes.insert(bytes.end(), id.identifier.begin(), id.identifier.end());
    out.mobile_node_identifier = std::move(bytes);
  }
  if (options.mobile_node_link_layer_identifier) {
    out.link_layer_identifier = wire::LinkLayerIdentifier::from(*options.mobile_node_link_layer_identifier);
    out.link_layer_identifier_too_long = !out.link_layer_identifier;
  }
  // The authenticator binds the IPv6 source as the care-of address.
  return authenticate(packet, options, out.source, out.home_address, keys, out.sa);
}

CheckResult check_binding_ack(const wire::MobilityPacket& packet, KeyRing& keys,
                              ReceivedBindingAck& out) {
  const auto ba = wire::BindingAckView::from(packet.mh);
  if (!ba) return dropped(SignallingDrop::unexpected_type, ba.error());
  if (packet.chain.home_address || !packet.chain.type2_home_address)
    return dropped(SignallingDrop::misplaced_header, wire::Errc::ok);
  wire::MobilityOptionSet options;
  if (const auto e = wire::decode_mobility_options(packet.mh, options); e != wire::Errc::ok)
    return dropped(SignallingDrop::bad_options, e);

  out.home_agent = packet.ip.src();
  out.care_of_address = packet.ip.dst();
  out.home_address = *packet.chain.type2_home_address;
  out.status = ba->status();
  out.sequence = ba->sequence();
  out.lifetime_seconds = ba->lifetime_seconds();
  out.timestamp = options.replay_protection;
  if (options.binding_refresh_advice)
    out.refresh_interval_seconds = options.binding_refresh_advice->interval_seconds();
  KeyRing::Entry* sa = nullptr;
  return authenticate(packet, options, out.care_of_address, out.home_address, keys, sa);
}

CheckResult check_binding_revocation(const wire::MobilityPacket& packet, KeyRing& keys, ReceivedRevocation& out) {
  const auto br = wire::BindingRevocationView::from(packet.mh);
  if (!br) return dropped(SignallingDrop::unexpected_type, br.error());
  if (!br->indication()) return dropped(SignallingDrop::unexpected_type, wire::Errc::ok);
  if (packet.chain.home_address || !packet.chain.type2_home_address)
    return dropped(SignallingDrop::misplaced_header, wire::Errc::ok);
  wire::MobilityOptionSet options;
  if (const auto e = wire::decode_mobility_options(packet.mh, options); e != wire::Errc::ok)
    return dropped(SignallingDrop::bad_options, e);
  out.source = packet.ip.src();
  out.destination = packet.ip.dst();
  out.home_address = *packet.chain.type2_home_address;
  out.trigger_or_status = br->trigger_or_status();
  out.sequence = br->sequence();
  out.timestamp = options.replay_protection;
  out.new_care_of = options.alternate_care_of_address;
  KeyRing::Entry* sa = nullptr;
  return authenticate(packet, options, out.destination, out.home_address, keys, sa);
}

CheckResult check_binding_revocation_ack(const wire::MobilityPacket& packet, const wire::Ip6Addr& home_address,
                                         KeyRing& keys, ReceivedRevocation& out) {
  const auto br = wire::BindingRevocationView::from(packet.mh);
  if (!br) return dropped(SignallingDrop::unexpected_type, br.error());
  if (!br->acknowledgement()) return dropped(SignallingDrop::unexpected_type, wire::Errc::ok);
  if (packet.chain.type2_home_address || packet.chain.home_address)
    return dropped(SignallingDrop::misplaced_header, wire::Errc::ok);
  wire::MobilityOptionSet options;
  if (const auto e = wire::decode_mobility_options(packet.mh, options); e != wire::Errc::ok)
    return dropped(SignallingDrop::bad_options, e);
  out.source = packet.ip.src();
  out.destination = packet.ip.dst();
  out.home_address = home_address;
  out.trigger_or_status = br->trigger_or_status();
  out.sequence = br->sequence();
  out.timestamp = options.replay_protection;
  KeyRing::Entry* sa = nullptr;
  return authenticate(packet, options, out.source, out.home_address, keys, sa);
}

void describe_authentication_failure(LogRecord& record, const CheckResult& r, std::string_view peer) {
  if (r.drop != SignallingDrop::bad_authenticator && r.drop != SignallingDrop::unknown_spi) return;
  if (r.spi) record.kv("spi", *r.spi);
  std::string detail;
  if (r.drop == SignallingDrop::unknown_spi) {
    detail = "no key with this SPI here";
  } else if (r.algorithm_mismatch()) {
    record.kv("authenticator_bytes", r.authenticator_received).kv("expected_bytes", r.authenticator_expected);
    detail = "the " + std::string(peer) +
             " uses another algorithm for this SPI (hmac-sha1-96: 12 bytes, hmac-sha256: 32)";
  } else {
    detail = "the " + std::string(peer) + " holds another secret for this SPI";
  }
  record.kv("detail", "\"" + detail + "\"");
}

CheckResult check_binding_refresh_request(const wire::MobilityPacket& packet, const wire::Ip6Addr& care_of,
                                          KeyRing& keys, ReceivedRefreshRequest& out) {
  if (packet.mh.type() != wire::mh_type::binding_refresh_request)
    return dropped(SignallingDrop::unexpected_type, wire::Errc::ok);
  // RFC 6275 6.1: never with a Home Address option (it comes from the HA).
  if (packet.chain.home_address) return dropped(SignallingDrop::misplaced_header, wire::Errc::ok);
  wire::MobilityOptionSet options;
  if (const auto e = wire::decode_mobility_options(packet.mh, options); e != wire::Errc::ok)
    return dropped(SignallingDrop::bad_options, e);
  out.home_agent = packet.ip.src();
  out.home_address = packet.chain.type2_home_address.value_or(packet.ip.dst());
  out.timestamp = options.replay_protection;
  KeyRing::Entry* sa = nullptr;
  return authenticate(packet, options, care_of, out.home_address, keys, sa);
}

}  // namespace roam6::mip6d
