#include "mip6d/home_agent/binding_cache.hpp"

#include <algorithm>

namespace roam6::mip6d::ha {

namespace {
constexpr auto heap_order = std::greater<>{};
}

const Binding* BindingCache::find(const wire::Ip6Addr& home_address) const {
  const auto it = bindings_.find(home_address);
  return it == bindings_.end() ? nullptr : &it->second;
}

void BindingCache::reserve(std::size_t n) {
  bindings_.reserve(n);
  heap_.reserve(n);
}

void BindingCache::put(const wire::Ip6Addr& home_address, const Binding& binding) {
  bindings_.insert_or_assign(home_address, binding);
  heap_.push_back({binding.expires, home_address});
  std::push_heap(heap_.begin(), heap_.end(), heap_order);
  compact_heap_if_bloated();
}

bool BindingCache::erase(const wire::Ip6Addr& home_address) {
  // The heap slot goes stale and is dropped when it surfaces.
  return bindings_.erase(home_address) != 0;
}

void BindingCache::drop_stale_heap_top() {
  while (!heap_.empty()) {
    const ExpirySlot& top = heap_.front();
    const auto it = bindings_.find(top.home_address);
    if (it != bindings_.end() && it->second.expires == top.expires) return;
    std::pop_heap(heap_.begin(), heap_.end(), heap_order);
    heap_.pop_back();
  }
}

void BindingCache::compact_heap_if_bloated() {
  if (heap_.size() < 1024 || heap_.size() < 2 * bindings_.size()) return;
  heap_.clear();
  for (const auto& [hoa, b] : bindings_) heap_.push_back({b.expires, hoa});
  std::make_heap(heap_.begin(), heap_.end(), heap_order);
}

std::optional<TimePoint> BindingCache::next_expiry() {
  drop_stale_heap_top();
  if (heap_.empty()) return std::nullopt;
  return heap_.front().expires;
}

void BindingCache::expire(TimePoint now,
                          const std::function<void(const wire::Ip6Addr&, const Binding&)>& on_expired) {
  for (;;) {
    drop_stale_heap_top();
    if (heap_.empty() || heap_.front().expires > now) return;
    const wire::Ip6Addr hoa = heap_.front().home_address;
    std::pop_heap(heap_.begin(), heap_.end(), heap_order);
    heap_.pop_back();
    const auto it = bindings_.find(hoa);
    on_expired(hoa, it->second);
    bindings_.erase(it);
  }
}

}  // namespace roam6::mip6d::ha
