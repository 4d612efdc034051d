#include "mip6d/etcd/binding_mirror.hpp"

#include <algorithm>

#include "mip6d/etcd/etcd_codec.hpp"

namespace roam6::mip6d::etcd {

using nlohmann::json;

BindingMirror::Outcome BindingMirror::apply(const json& result) {
  if (gateway_int64(result.value("compact_revision", json(0))) != 0 || result.value("canceled", false))
    return Outcome::start_over;
  for (const json& event : result.value("events", json::array())) {
    const json& kv = event.value("kv", json::object());
    const auto key = from_base64(kv.value("key", ""));
    if (!key) continue;
    if (event.value("type", "PUT") == "DELETE") {
      records_.erase(*key);
    } else {
      records_[*key] = from_base64(kv.value("value", "")).value_or("");
    }
    revision_ = std::max(revision_, gateway_int64(kv.value("mod_revision", json(0))));
  }
  return Outcome::applied;
}

void BindingMirror::for_each(std::string_view under,
                             const std::function<void(const std::string&, const std::string&)>& each) const {
  for (auto it = records_.lower_bound(under); it != records_.end() && it->first.starts_with(under); ++it)
    each(it->first, it->second);
}

}  // namespace roam6::mip6d::etcd
