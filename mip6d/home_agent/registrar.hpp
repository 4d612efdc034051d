#pragma once
// The Home Agent's decisions on a Binding Update: first whether it may be
// answered at all (addresses that can never be bound are discarded without a
// packet), then, once authenticated, RFC 4285 replay protection, RFC 6275
// sections 9.5.1 and 10.3.1-10.3.2 and the operator's authorisation policy.
// Pure logic: no I/O, no clock of its own.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "mip6d/config/config.hpp"
#include "mip6d/home_agent/binding_cache.hpp"

namespace roam6::mip6d::ha {

// A Binding Update whose authenticator has been verified.
struct RegistrationRequest {
  wire::Ip6Addr home_address;
  wire::Ip6Addr care_of_address;  // Alternate CoA option, else the IPv6 source
  std::uint16_t sequence = 0;
  std::uint16_t flags = 0;
  std::uint32_t lifetime_seconds = 0;
  const Key* key = nullptr;                 // the SA that authenticated it
  std::optional<std::uint64_t> timestamp;   // RFC 4285 replay protection option
  // RFC 5213 8.6 Mobile Node Link-layer Identifier option (the guest's MAC).
  std::optional<wire::LinkLayerIdentifier> link_layer_identifier;
  bool link_layer_identifier_too_long = false;
};

enum class BindingChange : std::uint8_t { none, created, refreshed, moved, deleted };

struct RegistrationDecision {
  std::uint8_t status = 0;
  std::uint16_t sequence = 0;        // goes into the BA
  std::chrono::seconds lifetime{0};  // granted, a multiple of 4 s
  BindingChange change = BindingChange::none;
  std::string_view reason;           // for logs and counters
  // On 144 (MIPV6-ID-MISMATCH): the timestamp the BA carries. RFC 4285 6 has
  // the HA send its own time so the host can resynchronise; when the refusal
  // is "not newer than the last accepted" and that one is ahead of our clock
  // (another host's clock leads), the last accepted is sent instead, so the
  // host's next BU, newer than it, gets through.
  std::uint64_t resync_timestamp = 0;
  bool replayed = false;  // 144 because not newer than the last accepted
};

// Why a BU is discarded without any answer: answering would send a packet
// toward an address no node may own, or bind one.
enum class Unanswerable : std::uint8_t {
  no,
  source,          // IPv6 source (where a BA would go) is not a global unicast address
  home_address,    // multicast, ::, ::1, link-local, IPv4-mapped, ...
  care_of_address,
};

// RFC 6275 9.5.1 / RFC 4291: the addresses a BU carries must each be a global
// unicast address (unique local included) before anything answers it.
[[nodiscard]] Unanswerable unanswerable(const wire::Ip6Addr& source, const wire::Ip6Addr& home_address,
                                        const wire::Ip6Addr& care_of_address) noexcept;

class Registrar {
 public:
  Registrar(const HomeAgentConfig& ha, const std::vector<PolicyRule>& policy);

  // `last_accepted_timestamp`: the newest timestamp accepted for this home
  // address (or mobile node identity) from any care-of address, whether or
  // not a binding still exists (ReplayMemory); 0 when none matters any more.
  [[nodiscard]] RegistrationDecision decide(const RegistrationRequest& request, const Binding* existing,
                                            std::uint64_t last_accepted_timestamp, WallTime now) const;

  // Why `home_address`, inside a home prefix, can still never be bound:
  // the Home Agent's own address or an anycast address of the prefix.
  // Empty when it can.
  [[nodiscard]] std::string_view reserved_home_address(const wire::Ip6Addr& home_address) const;

  // The care-of source prefixes and home prefixes `key` may use.
  [[nodiscard]] bool authorised(const Key& key, const wire::Ip6Addr& care_of,
                                const wire::Ip6Addr& home_address) const;

 private:
  const HomeAgentConfig& ha_;
  const std::vector<PolicyRule>& policy_;
};

[[nodiscard]] std::string_view name(BindingChange c) noexcept;

}  // namespace roam6::mip6d::ha
