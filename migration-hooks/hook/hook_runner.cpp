#include "migration-hooks/hook/hook_runner.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "migration-hooks/common/mip6d_requests.hpp"
#include "vswitch-plugin/identity/domain_directory.hpp"

namespace roam6::hooks {
namespace {

using mip6d::LogLevel;
using mip6d::LogRecord;

std::string quoted(const std::string& text) { return nlohmann::json(text).dump(); }

}  // namespace

HookOutcome run_hook(const HookInvocation& invocation, const std::string& domain_xml, const HookSettings& settings,
                     const mip6d::Logger& log) {
  const auto deadline = std::chrono::steady_clock::now() + settings.budget;
  const std::string context = "hook:" + invocation.operation_text + "/" + invocation.sub_operation;
  HookOutcome outcome;
  const HookPlan plan = plan_hook(invocation, domain_xml);
  if (!plan.skipped.empty()) {
    LogRecord(log, plan.xml_error ? LogLevel::error : LogLevel::debug, plan.xml_error ? "hook_failed" : "hook_skipped")
        .kv("domain", quoted(invocation.domain))
        .kv("context", context)
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

  const SendOutcome sent = send_to_mip6d(plan.requests, settings.mip6d_socket, deadline, context, log);
  outcome.requests_sent = sent.sent;
  outcome.failures += sent.failures;
  return outcome;
}

}  // namespace roam6::hooks
