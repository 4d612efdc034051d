#pragma once
// Binding Update and Binding Acknowledgement as roam6 sends and accepts them:
// home registrations authenticated with the RFC 4285 MN-HA option and
// protected against replay with its timestamp option.
//
//   BU: CoA -> HA, Home Address option = HoA, flags A|H, MN-HA auth last.
//   BA: HA -> CoA, type 2 routing header = HoA, MN-HA auth with the same SA.
// The authenticator covers CoA | HoA | MH through the SPI (RFC 4285 5.1).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "mip6d/runtime/log.hpp"
#include "mip6d/signalling/key_ring.hpp"
#include "roam6/wire/address.hpp"
#include "roam6/wire/link_layer_identifier.hpp"
#include "roam6/wire/mobility_header.hpp"
#include "roam6/wire/mobility_options.hpp"
#include "roam6/wire/mobility_packet.hpp"
#include "roam6/wire/result.hpp"

namespace roam6::mip6d {

struct BindingUpdateSpec {
  wire::Ip6Addr care_of_address;  // IPv6 source
  wire::Ip6Addr home_agent;       // IPv6 destination
  wire::Ip6Addr home_address;     // Home Address option
  std::uint16_t sequence = 0;
  std::uint16_t flags = wire::bu_flag::acknowledge | wire::bu_flag::home_registration;
  std::chrono::seconds lifetime{0};
  std::uint64_t timestamp = 0;    // NTP format, replay protection
  // RFC 5213 8.6 Mobile Node Link-layer Identifier: the guest's MAC, so the
  // Home Agent can tell one guest's claim to a home address from another's.
  std::optional<wire::LinkLayerIdentifier> link_layer_identifier;
};

struct BindingAckSpec {
  wire::Ip6Addr home_agent;       // IPv6 source
  wire::Ip6Addr care_of_address;  // IPv6 destination
  wire::Ip6Addr home_address;     // type 2 routing header
  std::uint8_t status = 0;
  std::uint16_t sequence = 0;
  std::chrono::seconds lifetime{0};
  // Replay protection option: the BU's timestamp on success, the HA's own
  // clock on 144 so the host can resynchronise (RFC 4285 section 6).
  std::optional<std::uint64_t> timestamp;
  std::optional<std::uint16_t> refresh_interval_units;  // Binding Refresh Advice
};

// Binding Revocation Indication (RFC 5846), HA -> the care-of address a
// binding left, framed like a BA (type 2 routing header = HoA) and signed
// like one. roam6 adds an Alternate Care-of Address option naming where the
// binding went, so the old host can forward what it still holds.
struct BindingRevocationSpec {
  wire::Ip6Addr home_agent;       // IPv6 source
  wire::Ip6Addr care_of_address;  // IPv6 destination: the previous care-of address
  wire::Ip6Addr home_address;     // type 2 routing header
  std::uint16_t sequence = 0;
  std::uint8_t trigger = wire::br_trigger::inter_mag_handover_same_access_type;
  std::optional<wire::Ip6Addr> new_care_of;
  std::uint64_t timestamp = 0;    // the HA's clock, replay protection
};

// Binding Revocation Acknowledgement, host -> HA, signed like a BU. Without
// a Home Address option: the binding is no longer this host's, and an HA
// discards a Home Address option from a care-of address not bound to it
// (RFC 6275 9.3.1). The HA knows the home address from the Indication the
// sequence number names, and the authenticator covers it.
struct BindingRevocationAckSpec {
  wire::Ip6Addr care_of_address;  // IPv6 source
  wire::Ip6Addr home_agent;       // IPv6 destination
  wire::Ip6Addr home_address;     // authenticated, not sent
  std::uint16_t sequence = 0;     // the Indication's
  std::uint8_t status = wire::bra_status::success;
  std::uint64_t timestamp = 0;
};

// Both write a whole IPv6 packet; `sa` signs it. Errors from the wire writer.
wire::Result<std::size_t> write_binding_update(wire::MutableByteSpan out, const BindingUpdateSpec& spec,
                                               KeyRing::Entry& sa) noexcept;
wire::Result<std::size_t> write_binding_ack(wire::MutableByteSpan out, const BindingAckSpec& spec,
                                            KeyRing::Entry& sa) noexcept;
wire::Result<std::size_t> write_binding_revocation(wire::MutableByteSpan out, const BindingRevocationSpec& spec,
                                                   KeyRing::Entry& sa) noexcept;
wire::Result<std::size_t> write_binding_revocation_ack(wire::MutableByteSpan out,
                                                       const BindingRevocationAckSpec& spec,
                                                       KeyRing::Entry& sa) noexcept;

// Why a received BU or BA was not taken up, for counters and logs.
enum class SignallingDrop : std::uint8_t {
  none,
  malformed,           // wire error (see wire_error)
  bad_checksum,
  unexpected_type,     // not the message the receiver handles here
  misplaced_header,    // HAO on a BA, RH2 on a BU, ...
  bad_options,         // option area malformed
  no_authentication,   // no MN-HA option: silently dropped (RFC 4285)
  unknown_spi,         // no SA for its SPI: silently dropped
  bad_authenticator,   // wrong length or value
  // Home Agent: a BU naming an address no node may own is discarded without
  // an answer (no packet toward it, nothing bound).
  unusable_source,            // IPv6 source, where the BA would go
  unbindable_home_address,    // multicast, ::, ::1, link-local, IPv4-mapped, ...
  unusable_care_of_address,
  // Host: a message that is not the Home Agent's answer to our own BU.
  not_from_home_agent,        // IPv6 (or outer) source is not the guest's HA
  no_replay_protection,       // no RFC 4285 timestamp to check
  replayed,                   // timestamp of no BU outstanding, or not newer
  count_
};
std::string_view name(SignallingDrop d) noexcept;

struct ReceivedBindingUpdate {
  wire::Ip6Addr source;           // IPv6 source
  wire::Ip6Addr home_address;     // HAO, else the source (sent from home)
  wire::Ip6Addr care_of_address;  // Alternate CoA option, else the source
  wire::Ip6Addr destination;
  std::uint16_t sequence = 0;
  std::uint16_t flags = 0;
  std::uint32_t lifetime_seconds = 0;
  std::optional<std::uint64_t> timestamp;
  // RFC 4283 Mobile Node Identifier option: subtype byte, then the identifier.
  std::optional<std::vector<std::uint8_t>> mobile_node_identifier;
  // RFC 5213 8.6 Mobile Node Link-layer Identifier option, when it fits in
  // LinkLayerIdentifier; link_layer_identifier_too_long when it was there
  // but longer.
  std::optional<wire::LinkLayerIdentifier> link_layer_identifier;
  bool link_layer_identifier_too_long = false;
  // The SA its SPI names: it authenticated the BU when the check passed;
  // after bad_authenticator it is the SA a refusal is signed with.
  KeyRing::Entry* sa = nullptr;
};

struct ReceivedBindingAck {
  wire::Ip6Addr home_agent;       // IPv6 source
  wire::Ip6Addr care_of_address;  // IPv6 destination
  wire::Ip6Addr home_address;     // type 2 routing header
  std::uint8_t status = 0;
  std::uint16_t sequence = 0;
  std::uint32_t lifetime_seconds = 0;
  std::optional<std::uint64_t> timestamp;
  std::optional<std::uint32_t> refresh_interval_seconds;
};

// A Binding Revocation Indication (at a host) or Acknowledgement (at the HA).
struct ReceivedRevocation {
  wire::Ip6Addr source;
  wire::Ip6Addr destination;
  wire::Ip6Addr home_address;  // type 2 routing header (Indication); the one authenticated (Ack)
  std::uint8_t trigger_or_status = 0;
  std::uint16_t sequence = 0;
  std::optional<std::uint64_t> timestamp;
  std::optional<wire::Ip6Addr> new_care_of;  // Alternate Care-of Address option (Indication)
};

struct CheckResult {
  SignallingDrop drop = SignallingDrop::none;
  wire::Errc wire_error = wire::Errc::ok;
  // For logs when the MN-HA option did not check out: the SPI it named and
  // the authenticator length it carried, against what our key for that SPI
  // expects (a length that differs means the peers disagree on the
  // algorithm, not only on the secret).
  std::optional<std::uint32_t> spi;
  std::size_t authenticator_received = 0;
  std::size_t authenticator_expected = 0;
  [[nodiscard]] bool ok() const noexcept { return drop == SignallingDrop::none; }
  [[nodiscard]] bool algorithm_mismatch() const noexcept {
    return drop == SignallingDrop::bad_authenticator && authenticator_received != authenticator_expected;
  }
};

// Adds to a log line why an MN-HA option did not check out, as an operator
// can act on it: the SPI, the authenticator lengths when they show the two
// sides use different algorithms, and a detail naming `peer` ("host",
// "Home Agent"). Nothing for other drops.
void describe_authentication_failure(LogRecord& record, const CheckResult& r, std::string_view peer);

// A Binding Refresh Request as a host accepts it: RFC 6275 6.1.2 gives it no
// protection of its own; roam6 asks for the RFC 4285 options a BA carries
// (Replay Protection with the HA's clock, MN-HA authentication over the
// care-of address, the home address and the MH), so that neither a forged
// nor a replayed one makes a host signal.
struct ReceivedRefreshRequest {
  wire::Ip6Addr home_agent;    // IPv6 source (of the inner packet when tunnelled)
  wire::Ip6Addr home_address;  // type 2 routing header, or the inner destination
  std::optional<std::uint64_t> timestamp;
};

// Verifies and extracts an authenticated BU from an already decoded packet.
CheckResult check_binding_update(const wire::MobilityPacket& packet, KeyRing& keys,
                                 ReceivedBindingUpdate& out);
// Same for a BA; only an SA in `keys` may have signed it.
CheckResult check_binding_ack(const wire::MobilityPacket& packet, KeyRing& keys,
                              ReceivedBindingAck& out);
// A Binding Revocation Indication sent to a host's care-of address (type 2
// routing header, no Home Address option) and an Acknowledgement sent to
// the HA (neither), authenticated over `home_address` (the one of the
// Indication its sequence number answers); only an SA in `keys`.
CheckResult check_binding_revocation(const wire::MobilityPacket& packet, KeyRing& keys, ReceivedRevocation& out);
CheckResult check_binding_revocation_ack(const wire::MobilityPacket& packet, const wire::Ip6Addr& home_address,
                                         KeyRing& keys, ReceivedRevocation& out);
// Same for a BRR sent to `care_of` (the authenticator covers it).
CheckResult check_binding_refresh_request(const wire::MobilityPacket& packet, const wire::Ip6Addr& care_of,
                                          KeyRing& keys, ReceivedRefreshRequest& out);

}  // namespace roam6::mip6d
