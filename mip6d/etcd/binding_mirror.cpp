#include "mip6d/etcd/binding_mirror.hpp"

#include <algorithm>

#include "mip6d/etcd/etcd_codec.hpp"
#include "mip6d/etcd/etcd_records.hpp"

namespace roam6::mip6d::etcd {

using nlohmann::json;

BindingMirror::BindingMirror(std::string prefix)
    : prefix_(std::move(prefix)), bindings_under_(bindings_under(prefix_)), replay_under_(replay_under(prefix_)) {}

void BindingMirror::clear(std::int64_t revision) {
  bindings_.clear();
  replay_.clear();
  others_.clear();
  unreadable_.clear();
  revision_ = revision;
}

void BindingMirror::set(const std::string& key, const std::string& value) {
  // A key's earlier form goes first: a record that no longer decodes must
  // not leave its last good value behind.
  erase(key);
  if (key.starts_with(bindings_under_)) {
    if (auto b = decode_binding(prefix_, key, value)) {
      bindings_[b->home_address] = *b;
      return;
    }
    unreadable_.insert(key);
  } else if (key.starts_with(replay_under_)) {
    if (auto r = decode_replay(prefix_, key, value)) {
      replay_[key] = std::move(*r);
      return;
    }
    unreadable_.insert(key);
  } else {
    others_[key] = value;
  }
}

void BindingMirror::erase(const std::string& key) {
  if (key.starts_with(bindings_under_)) {
    if (const auto hoa = wire::Ip6Addr::parse(std::string_view(key).substr(bindings_under_.size())))
      bindings_.erase(*hoa);
  } else if (key.starts_with(replay_under_)) {
    replay_.erase(key);
  } else {
    others_.erase(key);
    return;
  }
  unreadable_.erase(key);
}

bool BindingMirror::contains(std::string_view key) const {
  if (key.starts_with(bindings_under_)) {
    const auto hoa = wire::Ip6Addr::parse(key.substr(bindings_under_.size()));
    if (hoa && bindings_.contains(*hoa)) return true;
  } else if (key.starts_with(replay_under_)) {
    if (replay_.contains(std::string(key))) return true;
  } else {
    return others_.find(key) != others_.end();
  }
  return unreadable_.contains(std::string(key));
}

BindingMirror::Outcome BindingMirror::apply(const json& result) {
  if (gateway_int64(result.value("compact_revision", json(0))) != 0 || result.value("canceled", false))
    return Outcome::start_over;
  for (const json& event : result.value("events", json::array())) {
    const json& kv = event.value("kv", json::object());
    const auto key = from_base64(kv.value("key", ""));
    if (!key) continue;
    if (event.value("type", "PUT") == "DELETE") {
      erase(*key);
    } else {
      set(*key, from_base64(kv.value("value", "")).value_or(""));
    }
    revision_ = std::max(revision_, gateway_int64(kv.value("mod_revision", json(0))));
  }
  return Outcome::applied;
}

void BindingMirror::for_each_binding(const std::function<void(const StoredBinding&)>& each) const {
  for (const auto& [hoa, binding] : bindings_) each(binding);
}

void BindingMirror::for_each_replay(const std::function<void(const StoredReplayRecord&)>& each) const {
  for (const auto& [key, record] : replay_) each(record);
}

}  // namespace roam6::mip6d::etcd
