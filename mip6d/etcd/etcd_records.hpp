#pragma once
// How the Home Agent's records look in etcd (docs/cluster.md), one place
// for the store that writes and reads them and the standby's mirror:
//   P/binding/<home address>   {"care_of_address", "expires_ms", "spi", "last_timestamp", "sequence", "flags"}
//   P/replay/<key bytes, hex>  {"last_timestamp", "sequence", "forget_at_ms"}

#include <optional>
#include <string>
#include <string_view>

#include "mip6d/store/binding_store.hpp"

namespace roam6::mip6d::etcd {

[[nodiscard]] std::string binding_key(std::string_view prefix, const wire::Ip6Addr& home_address);
[[nodiscard]] std::string replay_key(std::string_view prefix, std::string_view key_bytes);
[[nodiscard]] std::string bindings_under(std::string_view prefix);  // "P/binding/"
[[nodiscard]] std::string replay_under(std::string_view prefix);    // "P/replay/"

[[nodiscard]] std::string encode_binding(const StoredBinding& binding);
[[nodiscard]] std::string encode_replay(const StoredReplayRecord& record);
// Empty for what is not a record of ours. `key` is the whole key.
[[nodiscard]] std::optional<StoredBinding> decode_binding(std::string_view prefix, std::string_view key,
                                                          std::string_view value);
[[nodiscard]] std::optional<StoredReplayRecord> decode_replay(std::string_view prefix, std::string_view key,
                                                              std::string_view value);

}  // namespace roam6::mip6d::etcd
