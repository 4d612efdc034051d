#pragma once
// Every key under a prefix, read at one revision (10 000 keys a page, each
// page a request bounded by the client's timeout).

#include <cstdint>
#include <functional>
#include <string>

#include "mip6d/etcd/etcd_client.hpp"

namespace roam6::mip6d::etcd {

// Calls `each(key, value)` for every key under `prefix`; returns the
// revision read at. Throws EtcdError.
std::int64_t read_prefix(EtcdClient& client, const std::string& prefix,
                         const std::function<void(const std::string& key, const std::string& value)>& each);

}  // namespace roam6::mip6d::etcd
