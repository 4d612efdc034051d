#include "mip6d/etcd/etcd_records.hpp"

#include <nlohmann/json.hpp>

namespace roam6::mip6d::etcd {
namespace {

using nlohmann::json;

std::int64_t to_ms(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
WallTime from_ms(std::int64_t ms) {
  return WallTime(std::chrono::duration_cast<WallClock::duration>(std::chrono::milliseconds(ms)));
}

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

std::optional<std::string> unhex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = nibble(text[i]);
    const int lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi << 4 | lo);
  }
  return out;
}

}  // namespace

std::string bindings_under(std::string_view prefix) { return std::string(prefix) + "/binding/"; }
std::string replay_under(std::string_view prefix) { return std::string(prefix) + "/replay/"; }

std::string binding_key(std::string_view prefix, const wire::Ip6Addr& home_address) {
  return bindings_under(prefix) + home_address.to_string();
}

std::string replay_key(std::string_view prefix, std::string_view key_bytes) {
  return replay_under(prefix) + hex(key_bytes);
}

std::string encode_binding(const StoredBinding& b) {
  json v{{"care_of_address", b.care_of_address.to_string()},
         {"expires_ms", to_ms(b.expires)},
         {"spi", b.spi},
         {"last_timestamp", b.last_timestamp},
         {"sequence", b.sequence},
         {"flags", b.flags}};
  // Absent when none, so a record without one reads the same in an older release.
  if (b.link_layer_identifier.size != 0) v["link_layer_id"] = b.link_layer_identifier.to_string();
  return v.dump();
}

std::string encode_replay(const StoredReplayRecord& r) {
  return json{{"last_timestamp", r.last_timestamp}, {"sequence", r.sequence}, {"forget_at_ms", to_ms(r.forget_at)}}
      .dump();
}

std::optional<StoredBinding> decode_binding(std::string_view prefix, std::string_view key, std::string_view value) {
  const std::string under = bindings_under(prefix);
  if (!key.starts_with(under)) return std::nullopt;
  const auto hoa = wire::Ip6Addr::parse(key.substr(under.size()));
  const json v = json::parse(value, nullptr, false);
  if (!hoa || !v.is_object()) return std::nullopt;
  try {
    StoredBinding b;
    b.home_address = *hoa;
    const auto coa = wire::Ip6Addr::parse(v.at("care_of_address").get<std::string>());
    if (!coa) return std::nullopt;
    b.care_of_address = *coa;
    b.expires = from_ms(v.at("expires_ms").get<std::int64_t>());
    b.spi = v.at("spi").get<std::uint32_t>();
    b.last_timestamp = v.at("last_timestamp").get<std::uint64_t>();
    b.sequence = v.at("sequence").get<std::uint16_t>();
    b.flags = v.at("flags").get<std::uint16_t>();
    if (const auto it = v.find("link_layer_id"); it != v.end()) {
      const auto id = wire::LinkLayerIdentifier::parse(it->get<std::string>());
      if (!id) return std::nullopt;
      b.link_layer_identifier = *id;
    }
    return b;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

std::optional<StoredReplayRecord> decode_replay(std::string_view prefix, std::string_view key,
                                                std::string_view value) {
  const std::string under = replay_under(prefix);
  if (!key.starts_with(under)) return std::nullopt;
  const auto bytes = unhex(key.substr(under.size()));
  const json v = json::parse(value, nullptr, false);
  if (!bytes || bytes->empty() || !v.is_object()) return std::nullopt;
  try {
    StoredReplayRecord r;
    r.key = *bytes;
    r.last_timestamp = v.at("last_timestamp").get<std::uint64_t>();
    r.sequence = v.at("sequence").get<std::uint16_t>();
    r.forget_at = from_ms(v.at("forget_at_ms").get<std::int64_t>());
    return r;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

}  // namespace roam6::mip6d::etcd
