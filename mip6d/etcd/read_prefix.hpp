#pragma once
// Every key under a prefix, read at one revision (10 000 keys a page, each
// page a request bounded by the client's timeout).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "mip6d/etcd/etcd_client.hpp"

namespace roam6::mip6d::etcd {

// A full read is no commit: nothing waits on it but the reader itself (a
// starting Home Agent, a standby), and it is many pages. Each page may take
// this long, however short etcd_timeout_ms is.
inline constexpr std::chrono::milliseconds full_read_timeout{10000};

// Calls `each(key, value)` for every key under `prefix`; returns the
// revision read at. Throws EtcdError.
std::int64_t read_prefix(EtcdClient& client, const std::string& prefix,
                         const std::function<void(const std::string& key, const std::string& value)>& each);

}  // namespace roam6::mip6d::etcd
