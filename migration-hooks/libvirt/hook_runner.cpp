#include "migration-hooks/libvirt/hook_runner.hpp"

#include <stdexcept>
#include <system_error>

#include <nlohmann/json.hpp>

#include "mip6d/mip6ctl/client.hpp"
#include "vswitch-plugin/identity/domain_directory.hpp"

namespace roam6::hooks {
namespace {

using Clock = std::chrono::steady_clock;
using mip6d::LogLevel;
using mip6d::LogRecord;

std::string quoted(const std::string& text) { return nlohmann::json(text).dump(); }

// The mip6d error codes that are an answer, not a failure: detaching a guest
// mip6d no longer knows (the lifecycle watcher or the plugin was first).
bool benign(const Mip6dRequest& request, const std::string& code) {
  return request.command == "guest.detach" && code == "unknown_guest";
}

}  // namespace

HookOutcome run_hook(const HookInvocation& invocation, const std::string& domain_xml, const HookSettings& settings,
                     const mip6d::Logger& log) {
  const auto deadline = Clock::now() + settings.budget;
  HookOutcome outcome;
  const HookPlan plan = plan_hook(invocation, domain_xml);
  if (!plan.skipped.empty()) {
    LogRecord(log, plan.xml_error ? LogLevel::error : LogLevel::debug, plan.xml_error ? "hook_failed" : "hook_skipped")
        .kv("domain", quoted(invocation.domain))
        .kv("operation", invocation.operation_text + "/" + invocation.sub_operation)
        .kv("reason", quoted(plan.skipped));
    if (plan.xml_error) ++outcome.failures;
  }

  const vswitch::DomainDirectory domains(settings.domains);
  try {
    if (plan.domain_file == HookPlan::DomainFile::store) domains.store(plan.uuid, domain_xml);
    if (plan.domain_file == HookPlan::DomainFile::remove) domains.remove(plan.uuid);
  } catch (const std::exception& e) {
    ++outcome.failures;
    LogRecord(log, LogLevel::error, "hook_domain_file_failed")
        .kv("domain", quoted(invocation.domain))
        .kv("reason", quoted(e.what()));
  }

  unsigned id = 0;
  for (const Mip6dRequest& request : plan.requests) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      ++outcome.failures;
      LogRecord(log, LogLevel::error, "hook_out_of_time")
          .kv("domain", quoted(invocation.domain))
          .kv("command", request.command)
          .kv("guest", request.args.value("name", std::string()))
          .kv("budget_ms", settings.budget.count());
      continue;
    }
    const nlohmann::json line = {{"id", ++id}, {"command", request.command}, {"args", request.args}};
    ++outcome.requests_sent;
    std::string reply_text;
    try {
      reply_text = mip6d::mip6ctl::exchange(settings.mip6d_socket, line.dump() + "\n", left);
    } catch (const mip6d::mip6ctl::ClientFailure& e) {
      ++outcome.failures;
      LogRecord(log, LogLevel::error, "hook_mip6d_unreachable")
          .kv("domain", quoted(invocation.domain))
          .kv("command", request.command)
          .kv("guest", request.args.value("name", std::string()))
          .kv("reason", quoted(e.what()));
      continue;
    }
    const auto reply = nlohmann::json::parse(reply_text, nullptr, false);
    if (reply.is_discarded() || !reply.is_object()) {
      ++outcome.failures;
      LogRecord(log, LogLevel::error, "hook_mip6d_garbled").kv("command", request.command).kv("reply", quoted(reply_text));
      continue;
    }
    if (reply.value("ok", false)) {
      LogRecord(log, LogLevel::info, "hook_told_mip6d")
          .kv("domain", quoted(invocation.domain))
          .kv("operation", invocation.operation_text + "/" + invocation.sub_operation)
          .kv("command", request.command)
          .kv("guest", request.args.value("name", std::string()));
      continue;
    }
    const auto error = reply.value("error", nlohmann::json::object());
    const std::string code = error.value("code", std::string("?"));
    const bool is_benign = benign(request, code);
    if (!is_benign) ++outcome.failures;
    LogRecord(log, is_benign ? LogLevel::info : LogLevel::error, is_benign ? "hook_nothing_to_detach" : "hook_refused")
        .kv("domain", quoted(invocation.domain))
        .kv("command", request.command)
        .kv("guest", request.args.value("name", std::string()))
        .kv("code", code)
        .kv("reason", quoted(error.value("message", std::string())));
  }
  return outcome;
}

}  // namespace roam6::hooks
