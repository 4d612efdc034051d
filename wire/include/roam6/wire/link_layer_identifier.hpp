#pragma once
// The link-layer identifier of a mobile node's interface, as the RFC 5213
// section 8.6 Mobile Node Link-layer Identifier option carries it: for the
// Ethernet guests roam6 acts for, their 6-byte MAC. Held by value (no
// allocation), so a million bindings can each carry one: identifiers of up to
// 8 bytes (EUI-48 and EUI-64) are representable, longer ones are not.

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "roam6/wire/address.hpp"
#include "roam6/wire/bytes.hpp"

namespace roam6::wire {

struct LinkLayerIdentifier {
  static constexpr std::size_t max_size = 8;

  // nullopt when `bytes` is empty or longer than max_size.
  static std::optional<LinkLayerIdentifier> from(ByteSpan bytes) noexcept;
  static LinkLayerIdentifier of(const MacAddr& mac) noexcept;
  // Colon-separated hex ("52:54:00:12:34:56"), as a MAC is written.
  static std::optional<LinkLayerIdentifier> parse(std::string_view text);

  [[nodiscard]] ByteSpan span() const noexcept { return {bytes.data(), size}; }
  [[nodiscard]] std::string to_string() const;

  std::array<std::uint8_t, max_size> bytes{};
  std::uint8_t size = 0;

  friend bool operator==(const LinkLayerIdentifier&, const LinkLayerIdentifier&) = default;
};

}  // namespace roam6::wire
