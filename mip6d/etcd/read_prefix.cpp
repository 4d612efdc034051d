#include "mip6d/etcd/read_prefix.hpp"

#include "mip6d/etcd/etcd_codec.hpp"

namespace roam6::mip6d::etcd {

std::int64_t read_prefix(EtcdClient& client, const std::string& prefix,
                         const std::function<void(const std::string&, const std::string&)>& each) {
  constexpr std::size_t page_size = 10000;
  using nlohmann::json;
  const std::string end = to_base64(prefix_range_end(prefix));
  std::string from = prefix;
  std::int64_t revision = 0;  // the first page's, then every page at it
  for (;;) {
    json request = {{"key", to_base64(from)}, {"range_end", end}, {"limit", page_size}};
    if (revision != 0) request["revision"] = std::to_string(revision);
    const json answer = client.call("/v3/kv/range", request);
    if (revision == 0) revision = gateway_int64(answer.value("header", json::object()).value("revision", json(0)));
    std::string last;
    for (const json& kv : answer.value("kvs", json::array())) {
      const auto key = from_base64(kv.value("key", ""));
      const auto value = from_base64(kv.value("value", ""));
      if (!key) continue;
      last = *key;
      if (value) each(*key, *value);
    }
    if (!answer.value("more", false) || last.empty()) return revision;
    from = last + '\0';
  }
}

}  // namespace roam6::mip6d::etcd
