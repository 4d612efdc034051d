#include "migration-hooks/hook/hook_plan.hpp"

#include "vswitch-plugin/identity/libvirt_domain.hpp"

namespace roam6::hooks {
namespace {

enum class GuestStep { none, attach, detach };

struct Rule {
  HookPlan::DomainFile file;
  GuestStep guests;
};

// The sub-operation is part of the rule: libvirt calls "prepare begin", not
// "prepare end"; a pair it does not document is left alone.
std::optional<Rule> rule_for(const HookInvocation& call) {
  using DomainFile = HookPlan::DomainFile;
  switch (call.operation) {
    case HookOperation::migrate:
    case HookOperation::prepare:
    case HookOperation::start:
    case HookOperation::started:
    case HookOperation::restore:
    case HookOperation::reconnect:
    case HookOperation::attach:
      if (call.sub_operation == "begin") return Rule{DomainFile::store, GuestStep::attach};
      return std::nullopt;
    case HookOperation::stopped:
      if (call.sub_operation == "end") return Rule{DomainFile::untouched, GuestStep::detach};
      return std::nullopt;
    case HookOperation::release:
      if (call.sub_operation == "end") return Rule{DomainFile::remove, GuestStep::none};
      return std::nullopt;
    case HookOperation::other:
      return std::nullopt;
  }
  return std::nullopt;
}

// The sequence number in the XML is the source's as roam6-libvirt-events
// last wrote it; the source may have refreshed a few times since. The
// destination's first BU goes past those, so it is accepted at once (no 135
// round trip) and nothing the source still sends can be newer.
constexpr unsigned sequence_margin = 8;

nlohmann::json attach_args(const vswitch::LibvirtDomain& domain, const vswitch::HomeOfInterface& home) {
  nlohmann::json args = {{"name", vswitch::guest_name(domain, home)},
                         {"mac", home.mac.to_string()},
                         {"home_address", home.home_address.to_string()},
                         {"home_site", home.home_site}};
  if (home.sequence) args["last_sequence"] = (*home.sequence + sequence_margin - 1) % 65536;
  // The further addresses the source learned the guest uses, each with its
  // own registration's number: the destination registers them as the guest
  // resumes, not only once it has sent from each.
  if (!home.learned.empty()) {
    nlohmann::json learned = nlohmann::json::array();
    for (const auto& address : home.learned) {
      nlohmann::json entry = {{"address", address.address.to_string()}};
      if (address.sequence) entry["last_sequence"] = (*address.sequence + sequence_margin - 1) % 65536;
      learned.push_back(std::move(entry));
    }
    args["learned_addresses"] = std::move(learned);
  }
  // The switch port, once libvirt has named it (<target dev=...>).
  for (const auto& interface : domain.interfaces)
    if (interface.mac == home.mac && !interface.target_dev.empty()) args["port"] = interface.target_dev;
  return args;
}

}  // namespace

HookPlan plan_hook(const HookInvocation& invocation, const std::string& domain_xml) {
  HookPlan plan;
  const auto rule = rule_for(invocation);
  if (!rule) {
    plan.skipped = "nothing to do for '" + invocation.operation_text + " " + invocation.sub_operation + "'";
    return plan;
  }
  vswitch::LibvirtDomain domain;
  try {
    domain = vswitch::parse_libvirt_domain(domain_xml);
  } catch (const vswitch::DomainXmlError& e) {
    plan.xml_error = true;
    plan.skipped = std::string("domain XML unusable: ") + e.what();
    return plan;
  }
  if (domain.uuid.empty()) {
    plan.xml_error = true;
    plan.skipped = "domain XML has no <uuid>";
    return plan;
  }
  plan.uuid = domain.uuid;
  // The file goes at release whatever the XML says now: the metadata may
  // have been removed while the domain ran.
  if (rule->file == HookPlan::DomainFile::remove) plan.domain_file = HookPlan::DomainFile::remove;
  if (domain.homes.empty()) {
    if (plan.domain_file != HookPlan::DomainFile::remove)
      plan.skipped = "no roam6 metadata in the domain: not a roam6 guest";
    return plan;
  }
  if (rule->file == HookPlan::DomainFile::store) plan.domain_file = HookPlan::DomainFile::store;
  for (const auto& home : domain.homes) {
    if (rule->guests == GuestStep::attach) plan.requests.push_back({"guest.attach", attach_args(domain, home)});
    if (rule->guests == GuestStep::detach)
      plan.requests.push_back(
          {"guest.detach", {{"name", vswitch::guest_name(domain, home)}, {"mode", "stopped"}}});
  }
  return plan;
}

}  // namespace roam6::hooks
