#include "roam6/wire/link_layer_identifier.hpp"

#include <charconv>
#include <cstring>

namespace roam6::wire {

std::optional<LinkLayerIdentifier> LinkLayerIdentifier::from(ByteSpan bytes) noexcept {
  if (bytes.empty() || bytes.size() > max_size) return std::nullopt;
  LinkLayerIdentifier id;
  std::memcpy(id.bytes.data(), bytes.data(), bytes.size());
  id.size = static_cast<std::uint8_t>(bytes.size());
  return id;
}

LinkLayerIdentifier LinkLayerIdentifier::of(const MacAddr& mac) noexcept {
  return *from(ByteSpan(mac.bytes.data(), mac.bytes.size()));
}

std::optional<LinkLayerIdentifier> LinkLayerIdentifier::parse(std::string_view text) {
  // "xx:xx:...": 3 characters per byte but the last.
  if (text.size() < 2 || (text.size() + 1) % 3 != 0 || (text.size() + 1) / 3 > max_size) return std::nullopt;
  LinkLayerIdentifier id;
  id.size = static_cast<std::uint8_t>((text.size() + 1) / 3);
  for (std::size_t i = 0; i < id.size; ++i) {
    const char* p = text.data() + 3 * i;
    if (i + 1 < id.size && p[2] != ':') return std::nullopt;
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(p, p + 2, v, 16);
    if (ec != std::errc{} || end != p + 2) return std::nullopt;
    id.bytes[i] = static_cast<std::uint8_t>(v);
  }
  return id;
}

std::string LinkLayerIdentifier::to_string() const {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    if (i != 0) out += ':';
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0xf];
  }
  return out;
}

}  // namespace roam6::wire
