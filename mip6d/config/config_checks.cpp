#include "mip6d/config/config_checks.hpp"

#include "mip6d/config/home_address_rules.hpp"

#include <algorithm>
#include <map>

namespace roam6::mip6d::config_internal {
namespace {

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }
std::string text_of(const std::string& name) { return quoted(name); }
std::string text_of(std::int64_t number) { return std::to_string(number); }
std::string text_of(const Ip6Addr& address) { return address.to_string(); }
std::string text_of(const MacAddr& mac) { return mac.to_string(); }

// Reports every entry whose `member` repeats an earlier entry's.
template <class Draft, class Value>
void report_duplicates(const std::vector<Draft>& drafts, Field<Value> Draft::*member,
                       std::string_view what, ErrorCollector& errors) {
  std::map<Value, const Location*> first_use;
  for (const Draft& draft : drafts) {
    const Field<Value>& field = draft.*member;
    if (!field) continue;
    const auto [earlier, inserted] = first_use.emplace(*field, &field.where);
    if (!inserted) {
      errors.add(field.where, "duplicate " + std::string(what) + " " + text_of(*field) +
                                  " (already used by " + earlier->second->path + ")");
    }
  }
}

template <class Draft>
const Draft* find_named(const std::vector<Draft>& drafts, const std::string& name) {
  const auto it = std::find_if(drafts.begin(), drafts.end(),
                               [&](const Draft& d) { return d.name && *d.name == name; });
  return it == drafts.end() ? nullptr : &*it;
}

void check_role_sections(const ConfigDraft& d, ErrorCollector& errors) {
  if (!d.role) return;  // unknown role: which sections belong is unknowable
  const bool is_home_agent = *d.role == Role::home_agent;
  const std::string role_text = "role = \"" + std::string(to_string(*d.role)) + "\"";
  if (is_home_agent && !d.home_agent)
    errors.add(Location{"home_agent", std::nullopt},
               "missing section [home_agent], required when " + role_text);
  if (!is_home_agent && !d.host)
    errors.add(Location{"host", std::nullopt},
               "missing section [host], required when " + role_text);
  if (is_home_agent && d.host)
    errors.add(d.host->where, "section [host] is only for role = \"host\", not " + role_text);
  if (!is_home_agent && d.home_agent)
    errors.add(d.home_agent->where,
               "section [home_agent] is only for role = \"home-agent\", not " + role_text);

  if (!d.interfaces && !d.datapath) {
    if (!d.interfaces_given && !d.datapath_given)
      errors.add(Location{"interfaces", std::nullopt},
                 "missing required key: section [interfaces] (or [datapath] for the DPDK datapath)");
    return;
  }
  // With [datapath], [interfaces] may stay (it then only names the kernel
  // interfaces, e.g. the ones net_af_packet devices sit on); whichever is
  // given must fit the role.
  const auto check_guests = [&](const Field<std::string>& guests, std::string_view what) {
    if (is_home_agent && guests.given)
      errors.add(guests.where, "a Home Agent has no guest ports; only for role = \"host\"");
    if (!is_home_agent && !guests.given)
      errors.add(guests.where,
                 "missing required key (the " + std::string(what) + ") for " + role_text);
  };
  if (d.interfaces) check_guests(d.interfaces->guests, "guest-facing interface");
  if (d.datapath) {
    check_guests(d.datapath->guests, "guest-facing DPDK device");
    const Field<std::string>& uplink = d.datapath->uplink;
    const Field<std::string>& guests = d.datapath->guests;
    if (uplink && guests &&
        guests->substr(0, guests->find(',')) == uplink->substr(0, uplink->find(',')))
      errors.add(guests.where, "the same DPDK port as datapath.uplink; they must be different ports");
  }
}

void check_sites(const std::vector<SiteDraft>& sites, ErrorCollector& errors) {
  report_duplicates(sites, &SiteDraft::name, "site name", errors);
  for (std::size_t i = 0; i < sites.size(); ++i) {
    const SiteDraft& site = sites[i];
    if (!site.prefix) continue;
    // Overlapping site prefixes would make "which site is this address at?"
    // ambiguous.
    for (std::size_t j = 0; j < i; ++j) {
      const SiteDraft& earlier = sites[j];
      if (!earlier.prefix) continue;
      if (site.prefix->contains(earlier.prefix->address) ||
          earlier.prefix->contains(site.prefix->address)) {
        errors.add(site.prefix.where, "prefix " + site.prefix->to_string() + " overlaps " +
                                          earlier.prefix.where.path + " " +
                                          earlier.prefix->to_string());
      }
    }
    // RFC 6275: the Home Agent is a router on the home link.
    if (site.home_agent && !site.prefix->contains(*site.home_agent)) {
      errors.add(site.home_agent.where, "home agent " + site.home_agent->to_string() +
                                            " is outside the site's prefix " +
                                            site.prefix->to_string());
    }
  }
}

void check_keys_and_policy(const ConfigDraft& d, ErrorCollector& errors) {
  report_duplicates(d.keys, &KeyDraft::name, "key name", errors);
  report_duplicates(d.keys, &KeyDraft::spi, "SPI", errors);
  for (const PolicyDraft& rule : d.policy) {
    if (rule.key && find_named(d.keys, *rule.key) == nullptr)
      errors.add(rule.key.where, "no key named " + quoted(*rule.key) + " in [[keys]]");
  }
}

void check_guests(const ConfigDraft& d, ErrorCollector& errors) {
  report_duplicates(d.guests, &GuestDraft::name, "guest name", errors);
  report_duplicates(d.guests, &GuestDraft::mac, "guest MAC address", errors);
  report_duplicates(d.guests, &GuestDraft::home_address, "home address", errors);
  for (const GuestDraft& guest : d.guests) {
    if (!guest.home_site) continue;
    const SiteDraft* site = find_named(d.sites, *guest.home_site);
    if (site == nullptr) {
      errors.add(guest.home_site.where,
                 "no site named " + quoted(*guest.home_site) + " in [[sites]]");
      continue;
    }
    if (!site->home_agent.given) {
      errors.add(guest.home_site.where,
                 "site " + quoted(*guest.home_site) +
                     " has no home_agent, so no guest can have its home there");
    }
    if (guest.home_address && site->prefix && !site->prefix->contains(*guest.home_address)) {
      errors.add(guest.home_address.where, "home address " + guest.home_address->to_string() +
                                               " is outside home site " + quoted(*guest.home_site) +
                                               "'s prefix " + site->prefix->to_string());
    } else if (guest.home_address && site->prefix) {
      const std::optional<Ip6Addr> home_agent =
          site->home_agent ? std::optional<Ip6Addr>(*site->home_agent) : std::nullopt;
      const auto problem = home_address_problem(*guest.home_address, *site->prefix, home_agent);
      if (!problem.empty())
        errors.add(guest.home_address.where, "home address " + guest.home_address->to_string() + " " +
                                                 std::string(problem) + ": it can never be bound");
    }
  }
}

// The store's own keys go with the store they configure: a key for the
// other one is a mistake the operator should hear of, not a silent no-op.
void check_store(const HomeAgentDraft& ha, ErrorCollector& errors) {
  const bool etcd = ha.store && *ha.store == StoreKind::etcd;
  if (etcd) {
    // (An empty list is refused where it is read.)
    if (!ha.etcd_endpoints.given)
      errors.add(ha.store.where, "store = \"etcd\" needs home_agent.etcd_endpoints");
    if (ha.database.given)
      errors.add(ha.database.where, "database is for store = \"sqlite\", not store = \"etcd\"");
    if (ha.durable_sync.given)
      errors.add(ha.durable_sync.where, "durable_sync is for store = \"sqlite\" (etcd syncs every commit)");
    return;
  }
  if (!ha.store.given || ha.store) {
    for (const Location* where : {ha.etcd_endpoints.given ? &ha.etcd_endpoints.where : nullptr,
                                  ha.etcd_prefix.given ? &ha.etcd_prefix.where : nullptr,
                                  ha.etcd_timeout_ms.given ? &ha.etcd_timeout_ms.where : nullptr,
                                  ha.etcd_txn_ops.given ? &ha.etcd_txn_ops.where : nullptr,
                                  ha.leader_election.given ? &ha.leader_election.where : nullptr,
                                  ha.leader_lease_ttl.given ? &ha.leader_lease_ttl.where : nullptr,
                                  ha.leader_priority.given ? &ha.leader_priority.where : nullptr,
                                  ha.leader_preempt.given ? &ha.leader_preempt.where : nullptr})
      if (where != nullptr)
        errors.add(*where, where->path.substr(where->path.rfind('.') + 1) +
                               " is for store = \"etcd\"; this Home Agent's store is \"sqlite\"");
  }
}

void check_home_agent(const HomeAgentDraft& ha, ErrorCollector& errors) {
  check_store(ha, errors);
  if (!ha.address || !ha.home_prefixes) return;
  const bool inside = std::any_of(ha.home_prefixes->begin(), ha.home_prefixes->end(),
                                  [&](const Ip6Prefix& p) { return p.contains(*ha.address); });
  if (!inside) {
    errors.add(ha.address.where, "address " + ha.address->to_string() +
                                     " is not inside any of home_agent.home_prefixes");
  }
}

void check_host(const ConfigDraft& d, const HostDraft& host, ErrorCollector& errors) {
  if (host.key && find_named(d.keys, *host.key) == nullptr)
    errors.add(host.key.where, "no key named " + quoted(*host.key) + " in [[keys]]");
  if (!host.site) return;
  const SiteDraft* site = find_named(d.sites, *host.site);
  if (site == nullptr) {
    errors.add(host.site.where, "no site named " + quoted(*host.site) + " in [[sites]]");
  } else if (host.care_of_address && site->prefix &&
             !site->prefix->contains(*host.care_of_address)) {
    errors.add(host.care_of_address.where, "care-of address " + host.care_of_address->to_string() +
                                               " is outside site " + quoted(*host.site) +
                                               "'s prefix " + site->prefix->to_string());
  }
}

}  // namespace

void check_config_draft(const ConfigDraft& draft, ErrorCollector& errors) {
  check_role_sections(draft, errors);
  check_sites(draft.sites, errors);
  check_keys_and_policy(draft, errors);
  check_guests(draft, errors);
  if (draft.home_agent) check_home_agent(*draft.home_agent, errors);
  if (draft.host) check_host(draft, *draft.host, errors);
}

}  // namespace roam6::mip6d::config_internal
