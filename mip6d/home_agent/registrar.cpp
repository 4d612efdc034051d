#include "mip6d/home_agent/registrar.hpp"

#include <algorithm>

#include "mip6d/config/home_address_rules.hpp"
#include "mip6d/signalling/ntp_timestamp.hpp"
#include "mip6d/signalling/sequence.hpp"
#include "roam6/wire/mobility_header.hpp"

namespace roam6::mip6d::ha {

namespace st = wire::ba_status;

std::string_view name(BindingChange c) noexcept {
  switch (c) {
    case BindingChange::none: return "none";
    case BindingChange::created: return "created";
    case BindingChange::refreshed: return "refreshed";
    case BindingChange::moved: return "moved";
    case BindingChange::deleted: return "deleted";
  }
  return "?";
}

Registrar::Registrar(const HomeAgentConfig& ha, const std::vector<PolicyRule>& policy)
    : ha_(ha), policy_(policy) {}

bool Registrar::authorised(const Key& key, const wire::Ip6Addr& care_of,
                           const wire::Ip6Addr& home_address) const {
  for (const auto& rule : policy_) {
    if (rule.key != key.name) continue;
    const bool coa_ok = std::any_of(rule.care_of_prefixes.begin(), rule.care_of_prefixes.end(),
                                    [&](const auto& p) { return p.contains(care_of); });
    const bool hoa_ok = std::any_of(rule.home_prefixes.begin(), rule.home_prefixes.end(),
                                    [&](const auto& p) { return p.contains(home_address); });
    if (coa_ok && hoa_ok) return true;
  }
  return false;
}

namespace {

RegistrationDecision refuse(std::uint8_t status, std::string_view reason, std::uint16_t sequence) {
  RegistrationDecision d;
  d.status = status;
  d.sequence = sequence;
  d.reason = reason;
  return d;
}

}  // namespace

Unanswerable unanswerable(const wire::Ip6Addr& source, const wire::Ip6Addr& home_address,
                          const wire::Ip6Addr& care_of_address) noexcept {
  if (!source.is_global_unicast()) return Unanswerable::source;
  if (!home_address.is_global_unicast()) return Unanswerable::home_address;
  if (!care_of_address.is_global_unicast()) return Unanswerable::care_of_address;
  return Unanswerable::no;
}

std::string_view Registrar::reserved_home_address(const wire::Ip6Addr& hoa) const {
  for (const auto& p : ha_.home_prefixes) {
    if (!p.contains(hoa)) continue;
    if (const auto problem = home_address_problem(hoa, p, ha_.address); !problem.empty()) return problem;
  }
  return {};
}

RegistrationDecision Registrar::decide(const RegistrationRequest& r, const Binding* existing,
                                       std::uint64_t last_accepted_timestamp, WallTime now) const {
  // RFC 4285 section 6: replay protection before anything else.
  if (!r.timestamp) return refuse(st::mipv6_mesg_id_required, "replay protection option missing", r.sequence);
  const std::uint64_t our_time = to_ntp_timestamp(now);
  const auto skew = ntp_distance(*r.timestamp, our_time);
  if (skew > ha_.replay_window) {
    RegistrationDecision d = refuse(st::mipv6_id_mismatch, "timestamp outside replay window", r.sequence);
    d.resync_timestamp = our_time;
    return d;
  }
  // Newer than anything accepted for this home address, from any care-of
  // address, binding or not: a BU captured and resent after a deregistration,
  // an expiry, a restart or a move is refused. Hosts keep their clocks within
  // the window of ours, and a host that is behind learns the number to beat
  // from the refusal.
  const std::uint64_t last = std::max(last_accepted_timestamp, existing ? existing->last_timestamp : 0);
  if (*r.timestamp <= last) {
    RegistrationDecision d = refuse(st::mipv6_id_mismatch, "timestamp not newer than last accepted", r.sequence);
    d.resync_timestamp = std::max(our_time, last);
    d.replayed = true;
    return d;
  }
  // This node is a Home Agent only; correspondent registrations need return
  // routability, which it does not offer.
  if ((r.flags & wire::bu_flag::home_registration) == 0)
    return refuse(existing ? st::registration_type_change_disallowed : st::administratively_prohibited,
                  "not a home registration", r.sequence);
  if (std::none_of(ha_.home_prefixes.begin(), ha_.home_prefixes.end(),
                   [&](const auto& p) { return p.contains(r.home_address); }))
    return refuse(st::not_home_subnet, "home address outside the home prefixes", r.sequence);
  // Inside the prefix but not a node's address: 129, not 132 (it is the home
  // subnet; the operator's rules forbid it).
  if (const auto why = reserved_home_address(r.home_address); !why.empty())
    return refuse(st::administratively_prohibited, why, r.sequence);
  const bool deregistration = r.lifetime_seconds == 0 || r.care_of_address == r.home_address;
  if (r.key == nullptr || !authorised(*r.key, r.care_of_address, r.home_address))
    return refuse(st::administratively_prohibited, "policy does not allow this key, care-of address and home address", r.sequence);

  // One home address, one interface: a binding made for one link-layer
  // identifier is not moved, refreshed or deleted for another. What this
  // stops is a guest claiming another guest's address (a host registers the
  // addresses its guests form, docs/security.md "Learned addresses"); 134,
  // as RFC 6275 answers an address another node already holds. A BU
  // without the option (an RFC 6275 mobile node, a host of an older
  // release) is not judged by it. Before the sequence check, so a host is
  // told the real reason rather than resynchronised into the same refusal.
  if (r.link_layer_identifier_too_long)
    return refuse(st::administratively_prohibited, "link-layer identifier longer than 8 bytes", r.sequence);
  if (existing && existing->link_layer_identifier.size != 0 && r.link_layer_identifier &&
      *r.link_layer_identifier != existing->link_layer_identifier)
    return refuse(st::duplicate_address_detection_failed,
                  "home address bound to another link-layer identifier", r.sequence);

  // RFC 6275 section 9.5.1: compare modulo 2^16 with the cached number.
  if (existing && !sequence_newer(r.sequence, existing->sequence))
    return refuse(st::sequence_number_out_of_window, "sequence number not newer than cached", existing->sequence);

  if (deregistration) {
    if (!existing) return refuse(st::not_home_agent_for_this_mobile_node, "no binding to delete", r.sequence);
    RegistrationDecision d;
    d.status = st::accepted;
    d.sequence = r.sequence;
    d.change = BindingChange::deleted;
    d.reason = "deregistered";
    return d;
  }

  RegistrationDecision d;
  d.status = st::accepted;
  d.sequence = r.sequence;
  const auto cap = static_cast<std::uint32_t>(std::min<std::int64_t>(ha_.max_lifetime.count(), 262140));
  const std::uint32_t granted = std::min(r.lifetime_seconds, cap) / 4 * 4;
  d.lifetime = std::chrono::seconds(std::max<std::uint32_t>(granted, 4));
  d.change = !existing ? BindingChange::created
             : existing->care_of_address != r.care_of_address ? BindingChange::moved
                                                              : BindingChange::refreshed;
  d.reason = name(d.change);
  return d;
}

}  // namespace roam6::mip6d::ha
