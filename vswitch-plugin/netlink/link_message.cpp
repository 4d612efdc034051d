#include "vswitch-plugin/netlink/link_message.hpp"

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

namespace roam6::vswitch {

namespace {

OperState oper_state_from(std::uint8_t value) {
  // A state a newer kernel may add reads as "unknown", not as a bad message.
  return value <= static_cast<std::uint8_t>(OperState::up) ? static_cast<OperState>(value)
                                                           : OperState::unknown;
}

}  // namespace

ParsedLinkMessage parse_link_message(const nlmsghdr& message) {
  LinkMessage parsed;
  if (message.nlmsg_type == RTM_NEWLINK) {
    parsed.type = LinkMessage::Type::new_link;
  } else if (message.nlmsg_type == RTM_DELLINK) {
    parsed.type = LinkMessage::Type::del_link;
  } else {
    return IgnoredLinkMessage{"message type " + std::to_string(message.nlmsg_type)};
  }
  if (message.nlmsg_len < mnl_nlmsg_size(sizeof(ifinfomsg))) {
    return MalformedLinkMessage{"shorter than its ifinfomsg header"};
  }
  const auto* header = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(&message));
  if (header->ifi_family != AF_UNSPEC) {
    return IgnoredLinkMessage{"family " + std::to_string(header->ifi_family)};
  }
  if (header->ifi_index <= 0) {
    return MalformedLinkMessage{"ifindex " + std::to_string(header->ifi_index)};
  }
  LinkInfo& link = parsed.link;
  link.ifindex = static_cast<std::uint32_t>(header->ifi_index);
  link.admin_up = (header->ifi_flags & IFF_UP) != 0;
  link.lower_up = (header->ifi_flags & IFF_LOWER_UP) != 0;

  bool has_mtu = false;
  // Walked by hand rather than with mnl_attr_parse(), which stops silently
  // at an attribute that overruns the message: here that is an error.
  const auto* attribute =
      static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(&message, sizeof(ifinfomsg)));
  static_assert(sizeof(ifinfomsg) % 4 == 0, "attributes follow ifinfomsg without padding");
  int remaining = static_cast<int>(message.nlmsg_len - mnl_nlmsg_size(sizeof(ifinfomsg)));
  for (; mnl_attr_ok(attribute, remaining); attribute = mnl_attr_next(attribute)) {
    remaining -= static_cast<int>(MNL_ALIGN(attribute->nla_len));
    const auto type = mnl_attr_get_type(attribute);
    switch (type) {
      case IFLA_IFNAME: {
        const std::size_t length = mnl_attr_get_payload_len(attribute);
        const char* name = mnl_attr_get_str(attribute);
        // NUL-terminated, not empty, fits IFNAMSIZ with its NUL.
        if (mnl_attr_validate(attribute, MNL_TYPE_NUL_STRING) < 0 || length > IFNAMSIZ ||
            std::strlen(name) == 0 || std::strlen(name) + 1 > IFNAMSIZ) {
          return MalformedLinkMessage{"IFLA_IFNAME is not a NUL-terminated interface name"};
        }
        link.name = name;
        break;
      }
      case IFLA_MTU:
        if (mnl_attr_validate(attribute, MNL_TYPE_U32) < 0) {
          return MalformedLinkMessage{"IFLA_MTU is not 4 bytes"};
        }
        link.mtu = mnl_attr_get_u32(attribute);
        has_mtu = true;
        break;
      case IFLA_OPERSTATE:
        if (mnl_attr_validate(attribute, MNL_TYPE_U8) < 0) {
          return MalformedLinkMessage{"IFLA_OPERSTATE is not 1 byte"};
        }
        link.oper_state = oper_state_from(mnl_attr_get_u8(attribute));
        break;
      case IFLA_ADDRESS:
        // 6 bytes on Ethernet-like links; 0 (tun), 4 or 16 (IP tunnels) on
        // others, which have no MAC rather than a bad one.
        if (mnl_attr_get_payload_len(attribute) == 6) {
          link.mac = wire::MacAddr::from_bytes(
              static_cast<const std::uint8_t*>(mnl_attr_get_payload(attribute)));
        }
        break;
      default:
        break;
    }
  }
  // Left over: bytes that are no whole attribute. (Below zero only when the
  // last attribute's padding is missing, which harms nothing.)
  if (remaining > 0) {
    return MalformedLinkMessage{"an attribute runs past the end of the message"};
  }
  if (parsed.type == LinkMessage::Type::new_link) {
    if (link.name.empty()) return MalformedLinkMessage{"RTM_NEWLINK without IFLA_IFNAME"};
    if (!has_mtu) return MalformedLinkMessage{"RTM_NEWLINK without IFLA_MTU"};
  }
  return parsed;
}

}  // namespace roam6::vswitch
