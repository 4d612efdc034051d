#pragma once
// Reads one rtnetlink link message (RTM_NEWLINK / RTM_DELLINK: struct
// ifinfomsg followed by IFLA_* attributes, rtnetlink(7)) into a LinkInfo.
// Every length is checked before it is read: a message the kernel would never
// send (short header, an attribute running past the end, a name without its
// NUL, a 2-byte MTU...) comes back as MalformedLinkMessage with the reason,
// for the caller to count and skip.

#include <linux/netlink.h>

#include <string>
#include <variant>

#include "vswitch-plugin/netlink/link_info.hpp"

namespace roam6::vswitch {

struct LinkMessage {
  enum class Type : std::uint8_t { new_link, del_link };
  Type type = Type::new_link;
  // new_link: every field. del_link: the ifindex for sure; name and the rest
  // as far as the kernel included them (it does, but nothing relies on it).
  LinkInfo link;
};

// Well-formed, but not about a link of this namespace's link table: another
// message type, or a family-specific notification (AF_BRIDGE sends
// RTM_NEWLINK/RTM_DELLINK on the same group when a port joins or leaves a
// Linux bridge; the device itself stays).
struct IgnoredLinkMessage {
  std::string reason;
};

struct MalformedLinkMessage {
  std::string reason;
};

using ParsedLinkMessage = std::variant<LinkMessage, IgnoredLinkMessage, MalformedLinkMessage>;

// `message.nlmsg_len` bytes from &message must be readable (mnl_nlmsg_ok()
// checked that against the datagram).
ParsedLinkMessage parse_link_message(const nlmsghdr& message);

}  // namespace roam6::vswitch
