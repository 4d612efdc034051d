#include "migration-hooks/hook/hook_invocation.hpp"

#include <array>
#include <utility>

namespace roam6::hooks {
namespace {

constexpr std::array<std::pair<std::string_view, HookOperation>, 9> operations{{
    {"migrate", HookOperation::migrate},
    {"prepare", HookOperation::prepare},
    {"start", HookOperation::start},
    {"started", HookOperation::started},
    {"stopped", HookOperation::stopped},
    {"release", HookOperation::release},
    {"restore", HookOperation::restore},
    {"reconnect", HookOperation::reconnect},
    {"attach", HookOperation::attach},
}};

}  // namespace

std::string_view to_string(HookOperation operation) noexcept {
  for (const auto& [text, op] : operations)
    if (op == operation) return text;
  return "other";
}

std::optional<HookInvocation> parse_hook_invocation(const std::vector<std::string>& arguments) {
  if (arguments.size() != 4) return std::nullopt;
  HookInvocation out{arguments[0], HookOperation::other, arguments[1], arguments[2], arguments[3]};
  for (const auto& [text, op] : operations)
    if (text == arguments[1]) out.operation = op;
  return out;
}

}  // namespace roam6::hooks
