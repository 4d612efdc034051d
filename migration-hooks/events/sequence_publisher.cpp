#include "migration-hooks/events/sequence_publisher.hpp"

#include <sstream>

namespace roam6::hooks {

namespace {

std::optional<std::uint16_t> sequence_in(const nlohmann::json& object) {
  const auto sequence = object.find("sequence");
  if (sequence == object.end() || !sequence->is_number_unsigned() || sequence->get<std::uint64_t>() > 65535)
    return std::nullopt;
  return static_cast<std::uint16_t>(sequence->get<unsigned>());
}

std::vector<vswitch::LearnedAddress> learned_in(const nlohmann::json& guest) {
  std::vector<vswitch::LearnedAddress> out;
  const auto others = guest.find("other_addresses");
  if (others == guest.end() || !others->is_array()) return out;
  for (const auto& other : *others) {
    if (!other.is_object()) continue;
    const auto address = wire::Ip6Addr::parse(other.value("address", std::string()));
    if (address) out.push_back({*address, sequence_in(other)});
  }
  return out;
}

}  // namespace

std::map<std::string, std::map<wire::MacAddr, Registrations>> registrations_by_domain(
    const nlohmann::json& guest_list) {
  std::map<std::string, std::map<wire::MacAddr, Registrations>> out;
  if (!guest_list.is_object() || !guest_list.contains("guests") || !guest_list["guests"].is_array()) return out;
  for (const auto& g : guest_list["guests"]) {
    // Only a guest running here speaks for its binding.
    if (!g.is_object() || !g.value("resumed", false)) continue;
    Registrations registrations{sequence_in(g), learned_in(g)};
    if (!registrations.sequence && registrations.learned.empty()) continue;
    const auto mac = wire::MacAddr::parse(g.value("mac", std::string()));
    if (!mac) continue;
    std::string name = g.value("name", std::string());
    if (const auto slash = name.find('/'); slash != std::string::npos) name.resize(slash);
    if (name.empty()) continue;
    out[name][*mac] = std::move(registrations);
  }
  return out;
}

bool stale(const vswitch::HomeOfInterface& home, const Registrations& now) {
  return (now.sequence && home.sequence != now.sequence) || home.learned != now.learned;
}

std::string metadata_element(const std::vector<vswitch::HomeOfInterface>& homes,
                             const std::map<wire::MacAddr, Registrations>& registrations) {
  std::ostringstream out;
  out << "<guest>";
  for (const auto& home : homes) {
    // Every value is a MAC, an IPv6 address, a number or a site name the
    // parser accepted from this same element: nothing needs escaping but
    // the site name.
    std::string site;
    for (char c : home.home_site) {
      if (c == '&') site += "&amp;";
      else if (c == '<') site += "&lt;";
      else if (c == '"') site += "&quot;";
      else site += c;
    }
    out << "<interface mac=\"" << home.mac.to_string() << "\" home-address=\"" << home.home_address.to_string()
        << "\" home-site=\"" << site << "\"";
    std::optional<std::uint16_t> sequence = home.sequence;
    const std::vector<vswitch::LearnedAddress>* learned = &home.learned;
    if (const auto it = registrations.find(home.mac); it != registrations.end()) {
      if (it->second.sequence) sequence = it->second.sequence;
      learned = &it->second.learned;
    }
    if (sequence) out << " sequence=\"" << *sequence << "\"";
    if (learned->empty()) {
      out << "/>";
      continue;
    }
    out << ">";
    for (const auto& address : *learned) {
      out << "<address home-address=\"" << address.address.to_string() << "\"";
      if (address.sequence) out << " sequence=\"" << *address.sequence << "\"";
      out << "/>";
    }
    out << "</interface>";
  }
  out << "</guest>";
  return out.str();
}

std::vector<vswitch::HomeOfInterface> homes_in_element(const std::string& element) {
  // libvirt returns the element without its namespace (<guest>...); put it
  // back as the default namespace, so the domain parser, reading it in a
  // minimal domain, finds roam6's element.
  std::string text = element;
  const auto start = text.find_first_not_of(" \t\r\n");
  if (start != std::string::npos && text.compare(start, 6, "<guest") == 0)
    text.insert(start + 6, " xmlns=\"" + std::string(vswitch::roam6_libvirt_namespace) + "\"");
  return vswitch::parse_libvirt_domain("<domain><name>x</name><metadata>" + text + "</metadata></domain>").homes;
}

}  // namespace roam6::hooks
