#include "vswitch-plugin/netlink/link_table.hpp"

#include <utility>

namespace roam6::vswitch {

LinkTable::LinkTable(std::vector<std::string> watched_names)
    : watched_names_(watched_names.begin(), watched_names.end()) {}

bool LinkTable::watched(std::string_view name) const {
  return watched_names_.empty() || watched_names_.contains(name);
}

std::optional<LinkChange> LinkTable::apply(const LinkMessage& message) {
  if (resyncing_) heard_during_resync_.insert(message.link.ifindex);
  if (message.type == LinkMessage::Type::del_link) return remove(message.link.ifindex);
  return update(message.link);
}

std::optional<LinkChange> LinkTable::update(LinkInfo link) {
  const auto known = links_.find(link.ifindex);
  if (known == links_.end()) {
    const bool visible = watched(link.name);
    const auto& stored = links_.emplace(link.ifindex, std::move(link)).first->second;
    if (!visible) return std::nullopt;
    return LinkChange{LinkChange::Kind::appeared, std::nullopt, stored};
  }
  if (known->second == link) return std::nullopt;
  LinkInfo before = std::exchange(known->second, std::move(link));
  const LinkInfo& after = known->second;
  const bool was_visible = watched(before.name);
  const bool is_visible = watched(after.name);
  if (was_visible && is_visible) return LinkChange{LinkChange::Kind::changed, std::move(before), after};
  if (was_visible) return LinkChange{LinkChange::Kind::vanished, std::move(before), std::nullopt};
  if (is_visible) return LinkChange{LinkChange::Kind::appeared, std::nullopt, after};
  return std::nullopt;
}

std::optional<LinkChange> LinkTable::remove(std::uint32_t ifindex) {
  const auto known = links_.find(ifindex);
  if (known == links_.end()) return std::nullopt;
  LinkInfo before = std::move(known->second);
  links_.erase(known);
  if (!watched(before.name)) return std::nullopt;
  return LinkChange{LinkChange::Kind::vanished, std::move(before), std::nullopt};
}

void LinkTable::begin_resync() {
  resyncing_ = true;
  heard_during_resync_.clear();
}

std::vector<LinkChange> LinkTable::end_resync() {
  std::vector<LinkChange> changes;
  if (!resyncing_) return changes;
  resyncing_ = false;
  std::vector<std::uint32_t> gone;
  for (const auto& [ifindex, link] : links_) {
    if (!heard_during_resync_.contains(ifindex)) gone.push_back(ifindex);
  }
  heard_during_resync_.clear();
  for (const std::uint32_t ifindex : gone) {
    if (auto change = remove(ifindex)) changes.push_back(std::move(*change));
  }
  return changes;
}

std::vector<LinkInfo> LinkTable::links() const {
  std::vector<LinkInfo> out;
  for (const auto& [ifindex, link] : links_) {
    if (watched(link.name)) out.push_back(link);
  }
  return out;
}

std::optional<LinkInfo> LinkTable::find(std::string_view name) const {
  if (!watched(name)) return std::nullopt;
  for (const auto& [ifindex, link] : links_) {
    if (link.name == name) return link;
  }
  return std::nullopt;
}

std::optional<LinkInfo> LinkTable::find(std::uint32_t ifindex) const {
  const auto known = links_.find(ifindex);
  if (known == links_.end() || !watched(known->second.name)) return std::nullopt;
  return known->second;
}

}  // namespace roam6::vswitch
