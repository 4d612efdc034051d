#pragma once
// Keyed HMAC for the RFC 4285 Mobility Message Authentication option, from
// OpenSSL. One object per security association, reused for every message:
// the key schedule is done once, not per BU.

#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "mip6d/config/config.hpp"
#include "roam6/wire/bytes.hpp"

struct evp_mac_ctx_st;

namespace roam6::mip6d {

inline constexpr std::size_t max_authenticator_size = 32;
using Authenticator = std::array<std::uint8_t, max_authenticator_size>;

// Bytes of authenticator the option carries for an algorithm.
constexpr std::size_t authenticator_size(AuthAlgorithm a) noexcept {
  return a == AuthAlgorithm::hmac_sha1_96 ? 12 : 32;
}

class MessageAuthenticator {
 public:
  MessageAuthenticator(AuthAlgorithm algorithm, std::span<const std::uint8_t> secret);
  ~MessageAuthenticator();
  MessageAuthenticator(MessageAuthenticator&&) noexcept;
  MessageAuthenticator& operator=(MessageAuthenticator&&) noexcept;

  [[nodiscard]] AuthAlgorithm algorithm() const noexcept { return algorithm_; }
  [[nodiscard]] std::size_t size() const noexcept { return authenticator_size(algorithm_); }

  // Authenticator over the concatenation of `parts` (see
  // wire::MobilityAuthInput::for_each_part), truncated to size().
  template <class PartSource>
  Authenticator compute(const PartSource& input) {
    begin();
    input.for_each_part([this](wire::ByteSpan part) { update(part); });
    return finish();
  }
  // Constant-time comparison of the first size() bytes.
  [[nodiscard]] bool matches(const Authenticator& expected, wire::ByteSpan received) const noexcept;

 private:
  void begin();
  void update(wire::ByteSpan part);
  Authenticator finish();

  AuthAlgorithm algorithm_;
  std::unique_ptr<evp_mac_ctx_st, void (*)(evp_mac_ctx_st*)> ctx_;
};

}  // namespace roam6::mip6d
