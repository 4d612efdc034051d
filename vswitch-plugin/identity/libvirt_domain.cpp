#include "vswitch-plugin/identity/libvirt_domain.hpp"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <memory>

#include <libxml/parser.h>
#include <libxml/tree.h>

namespace roam6::vswitch {
namespace {

using Document = std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)>;

std::string_view text_of(const xmlChar* s) {
  return s == nullptr ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(s));
}

bool named(const xmlNode* node, std::string_view name) {
  return node->type == XML_ELEMENT_NODE && text_of(node->name) == name;
}

bool in_namespace(const xmlNode* node, std::string_view uri) {
  return node->ns != nullptr && text_of(node->ns->href) == uri;
}

// libvirt's own elements carry no namespace.
bool libvirt_element(const xmlNode* node, std::string_view name) {
  return named(node, name) && node->ns == nullptr;
}

std::optional<std::string> attribute(const xmlNode* node, const char* name) {
  xmlChar* value = xmlGetNoNsProp(node, reinterpret_cast<const xmlChar*>(name));
  if (value == nullptr) return std::nullopt;
  std::string out(text_of(value));
  xmlFree(value);
  return out;
}

std::string content(const xmlNode* node) {
  xmlChar* value = xmlNodeGetContent(node);
  std::string out(text_of(value));
  xmlFree(value);
  const auto first = out.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return out.substr(first, out.find_last_not_of(" \t\r\n") - first + 1);
}

const xmlNode* child(const xmlNode* parent, std::string_view name) {
  for (const xmlNode* c = parent->children; c != nullptr; c = c->next)
    if (libvirt_element(c, name)) return c;
  return nullptr;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::optional<DomainInterface> ovs_interface(const xmlNode* node) {
  const xmlNode* virtualport = child(node, "virtualport");
  if (virtualport == nullptr || attribute(virtualport, "type") != "openvswitch") return std::nullopt;
  const xmlNode* mac = child(node, "mac");
  const auto address = mac != nullptr ? attribute(mac, "address") : std::nullopt;
  // libvirt always writes the MAC; without one the port cannot be matched.
  if (!address) throw DomainXmlError("an Open vSwitch <interface> has no <mac address=.../>");
  const auto parsed = wire::MacAddr::parse(*address);
  if (!parsed) throw DomainXmlError("<interface><mac address='" + *address + "'> is not a MAC address");
  DomainInterface out{*parsed, {}, {}, {}};
  if (const xmlNode* params = child(virtualport, "parameters"))
    out.interface_id = lower(attribute(params, "interfaceid").value_or(""));
  if (const xmlNode* target = child(node, "target")) out.target_dev = attribute(target, "dev").value_or("");
  if (const xmlNode* source = child(node, "source")) out.bridge = attribute(source, "bridge").value_or("");
  return out;
}

std::string required(const xmlNode* node, const char* name) {
  auto value = attribute(node, name);
  if (!value || value->empty())
    throw DomainXmlError("<roam6:interface> lacks the attribute " + std::string(name));
  return *value;
}

std::optional<std::uint16_t> sequence_of(const xmlNode* node, std::string_view element) {
  const auto sequence = attribute(node, "sequence");
  if (!sequence) return std::nullopt;
  unsigned value = 0;
  const auto [end, error] = std::from_chars(sequence->data(), sequence->data() + sequence->size(), value);
  if (sequence->empty() || error != std::errc{} || end != sequence->data() + sequence->size() || value > 65535)
    throw DomainXmlError("<roam6:" + std::string(element) + " sequence='" + *sequence +
                         "'>: not a number from 0 to 65535");
  return static_cast<std::uint16_t>(value);
}

LearnedAddress learned_address(const xmlNode* node) {
  const auto text = attribute(node, "home-address");
  if (!text || text->empty()) throw DomainXmlError("<roam6:address> lacks the attribute home-address");
  const auto address = wire::Ip6Addr::parse(*text);
  if (!address) throw DomainXmlError("<roam6:address home-address='" + *text + "'>: not an IPv6 address");
  return LearnedAddress{*address, sequence_of(node, "address")};
}

HomeOfInterface home_of_interface(const xmlNode* node) {
  const std::string mac_text = required(node, "mac");
  const std::string address_text = required(node, "home-address");
  const auto mac = wire::MacAddr::parse(mac_text);
  if (!mac) throw DomainXmlError("<roam6:interface mac='" + mac_text + "'>: not a MAC address");
  const auto address = wire::Ip6Addr::parse(address_text);
  if (!address)
    throw DomainXmlError("<roam6:interface home-address='" + address_text + "'>: not an IPv6 address");
  HomeOfInterface home{*mac, *address, required(node, "home-site"), sequence_of(node, "interface")};
  for (const xmlNode* c = node->children; c != nullptr; c = c->next)
    if (named(c, "address") && in_namespace(c, roam6_libvirt_namespace)) home.learned.push_back(learned_address(c));
  return home;
}

}  // namespace

const HomeOfInterface* LibvirtDomain::home_of(const wire::MacAddr& mac) const {
  const auto it = std::find_if(homes.begin(), homes.end(), [&](const auto& h) { return h.mac == mac; });
  return it == homes.end() ? nullptr : &*it;
}

LibvirtDomain parse_libvirt_domain(std::string_view xml) {
  // XML_PARSE_NONET: no fetching of DTDs; without XML_PARSE_NOENT entities
  // are not substituted, so an entity bomb stays an unexpanded reference.
  Document doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "domain.xml", nullptr,
                             XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
               &xmlFreeDoc);
  if (!doc) {
    const xmlError* error = xmlGetLastError();
    std::string why = error != nullptr && error->message != nullptr ? error->message : "not well-formed";
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    throw DomainXmlError("the domain XML does not parse: " + why +
                         (error != nullptr ? " (line " + std::to_string(error->line) + ")" : ""));
  }
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr || !libvirt_element(root, "domain")) throw DomainXmlError("the root element is not <domain>");

  LibvirtDomain out;
  if (const xmlNode* name = child(root, "name")) out.name = content(name);
  if (const xmlNode* uuid = child(root, "uuid")) out.uuid = lower(content(uuid));
  if (out.name.empty()) throw DomainXmlError("<domain> has no <name>");

  if (const xmlNode* devices = child(root, "devices")) {
    for (const xmlNode* c = devices->children; c != nullptr; c = c->next)
      if (libvirt_element(c, "interface"))
        if (auto interface = ovs_interface(c)) out.interfaces.push_back(std::move(*interface));
  }
  if (const xmlNode* metadata = child(root, "metadata")) {
    for (const xmlNode* c = metadata->children; c != nullptr; c = c->next) {
      if (!named(c, "guest") || !in_namespace(c, roam6_libvirt_namespace)) continue;
      for (const xmlNode* i = c->children; i != nullptr; i = i->next) {
        if (!named(i, "interface") || !in_namespace(i, roam6_libvirt_namespace)) continue;
        HomeOfInterface home = home_of_interface(i);
        if (out.home_of(home.mac) != nullptr)
          throw DomainXmlError("<roam6:interface mac='" + home.mac.to_string() + "'> appears twice");
        out.homes.push_back(std::move(home));
      }
    }
  }
  return out;
}

std::string guest_name(const LibvirtDomain& domain, const HomeOfInterface& home) {
  if (domain.homes.size() <= 1) return domain.name;
  return domain.name + "/" + home.mac.to_string();
}

}  // namespace roam6::vswitch
