#pragma once
// The Home Agent's decision on one authenticated Binding Update: RFC 4285
// replay protection, then RFC 6275 sections 9.5.1 and 10.3.1-10.3.2, then the
// operator's authorisation policy. Pure logic: no I/O, no clock of its own.

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
};

enum class BindingChange : std::uint8_t { none, created, refreshed, moved, deleted };

struct RegistrationDecision {
  std::uint8_t status = 0;
  std::uint16_t sequence = 0;        // goes into the BA
  std::chrono::seconds lifetime{0};  // granted, a multiple of 4 s
  BindingChange change = BindingChange::none;
  bool silently_drop = false;        // no BA at all
  std::string_view reason;           // for logs and counters
};

class Registrar {
 public:
  Registrar(const HomeAgentConfig& ha, const std::vector<PolicyRule>& policy);

  [[nodiscard]] RegistrationDecision decide(const RegistrationRequest& request,
                                            const Binding* existing, WallTime now) const;

  // The care-of source prefixes and home prefixes `key` may use.
  [[nodiscard]] bool authorised(const Key& key, const wire::Ip6Addr& care_of,
                                const wire::Ip6Addr& home_address) const;

 private:
  const HomeAgentConfig& ha_;
  const std::vector<PolicyRule>& policy_;
};

[[nodiscard]] std::string_view name(BindingChange c) noexcept;

}  // namespace roam6::mip6d::ha
