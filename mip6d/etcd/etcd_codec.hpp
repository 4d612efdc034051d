#pragma once
// What etcd's JSON gateway wants around keys and values: base64 (OpenSSL's
// encoder), and the range_end that selects every key under a prefix.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace roam6::mip6d::etcd {

[[nodiscard]] std::string to_base64(std::string_view bytes);
// Empty when `text` is not base64.
[[nodiscard]] std::optional<std::string> from_base64(std::string_view text);
// The first key after every key that starts with `prefix` (etcd's
// clientv3.GetPrefixRangeEnd): the prefix with its last byte below 0xff
// incremented and what follows dropped.
[[nodiscard]] std::string prefix_range_end(std::string_view prefix);
// A 64-bit integer of an answer (the gateway writes them as strings and
// leaves out zeros): 0 when absent or not a number.
[[nodiscard]] std::int64_t gateway_int64(const nlohmann::json& value);

}  // namespace roam6::mip6d::etcd
