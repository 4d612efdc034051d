// parse_link_message() on rtnetlink messages built byte by byte here, in the
// layout rtnetlink(7) gives: nlmsghdr, struct ifinfomsg, then IFLA_*
// attributes (struct rtattr: u16 length including its 4-byte header, u16
// type, value padded to 4 bytes).

#include <gtest/gtest.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <variant>
#include <vector>

#include "vswitch-plugin/netlink/link_message.hpp"

namespace roam6::vswitch {
namespace {

class MessageBuilder {
 public:
  MessageBuilder(std::uint16_t type, int ifindex, unsigned flags = 0,
                 unsigned char family = AF_UNSPEC) {
    bytes_.resize(sizeof(nlmsghdr) + sizeof(ifinfomsg));
    nlmsghdr header{};
    header.nlmsg_type = type;
    std::memcpy(bytes_.data(), &header, sizeof header);
    ifinfomsg info{};
    info.ifi_family = family;
    info.ifi_index = ifindex;
    info.ifi_flags = flags;
    std::memcpy(bytes_.data() + sizeof(nlmsghdr), &info, sizeof info);
  }
  MessageBuilder& attribute(std::uint16_t type, const void* value, std::size_t length,
                            std::uint16_t declared_length = 0) {
    const std::uint16_t header[2] = {
        declared_length != 0 ? declared_length : static_cast<std::uint16_t>(4 + length), type};
    append(header, sizeof header);
    append(value, length);
    while (bytes_.size() % 4 != 0) bytes_.push_back(0);
    return *this;
  }
  MessageBuilder& name(const std::string& text) {  // with its NUL
    return attribute(IFLA_IFNAME, text.c_str(), text.size() + 1);
  }
  MessageBuilder& u32(std::uint16_t type, std::uint32_t value) {
    return attribute(type, &value, sizeof value);
  }
  MessageBuilder& u8(std::uint16_t type, std::uint8_t value) {
    return attribute(type, &value, sizeof value);
  }
  MessageBuilder& raw(const std::vector<std::uint8_t>& extra) {
    bytes_.insert(bytes_.end(), extra.begin(), extra.end());
    return *this;
  }
  // The message with nlmsg_len set to its size (or `length`).
  const nlmsghdr& done(std::uint32_t length = 0) {
    const std::uint32_t size = length != 0 ? length : static_cast<std::uint32_t>(bytes_.size());
    bytes_.resize(std::max<std::size_t>(bytes_.size(), size));
    std::memcpy(bytes_.data(), &size, sizeof size);  // nlmsg_len is the first field
    storage_.assign((bytes_.size() + 3) / 4, 0);
    std::memcpy(storage_.data(), bytes_.data(), bytes_.size());
    return *reinterpret_cast<const nlmsghdr*>(storage_.data());
  }

 private:
  void append(const void* data, std::size_t length) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    bytes_.insert(bytes_.end(), p, p + length);
  }
  std::vector<std::uint8_t> bytes_;
  std::vector<std::uint32_t> storage_;  // aligned copy handed to the parser
};

const std::uint8_t mac_bytes[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

std::string malformed_reason(const ParsedLinkMessage& parsed) {
  const auto* bad = std::get_if<MalformedLinkMessage>(&parsed);
  return bad ? bad->reason : std::string("(not malformed)");
}

TEST(NetlinkLinkMessage, NewLinkGivesEveryField) {
  MessageBuilder m(RTM_NEWLINK, 7, IFF_UP | IFF_BROADCAST | IFF_LOWER_UP);
  m.name("vnet0").u32(IFLA_MTU, 9000).u8(IFLA_OPERSTATE, 6).attribute(IFLA_ADDRESS, mac_bytes, 6)
      .attribute(IFLA_BROADCAST, "\xff\xff\xff\xff\xff\xff", 6).u32(IFLA_TXQLEN, 1000);
  const ParsedLinkMessage parsed = parse_link_message(m.done());
  ASSERT_TRUE(std::holds_alternative<LinkMessage>(parsed)) << malformed_reason(parsed);
  const LinkMessage& message = std::get<LinkMessage>(parsed);
  EXPECT_EQ(message.type, LinkMessage::Type::new_link);
  EXPECT_EQ(message.link.ifindex, 7u);
  EXPECT_EQ(message.link.name, "vnet0");
  EXPECT_EQ(message.link.mtu, 9000u);
  EXPECT_TRUE(message.link.admin_up);
  EXPECT_TRUE(message.link.lower_up);
  EXPECT_EQ(message.link.oper_state, OperState::up);
  ASSERT_TRUE(message.link.mac.has_value());
  EXPECT_EQ(message.link.mac->to_string(), "52:54:00:12:34:56");
}

TEST(NetlinkLinkMessage, FlagsReadSeparatelyFromOperState) {
  // Up but no carrier: a tap nobody opened (IFF_UP without IFF_LOWER_UP).
  MessageBuilder m(RTM_NEWLINK, 3, IFF_UP);
  m.name("tap0").u32(IFLA_MTU, 1500).u8(IFLA_OPERSTATE, 2);
  const auto parsed = parse_link_message(m.done());
  ASSERT_TRUE(std::holds_alternative<LinkMessage>(parsed)) << malformed_reason(parsed);
  const LinkInfo& link = std::get<LinkMessage>(parsed).link;
  EXPECT_TRUE(link.admin_up);
  EXPECT_FALSE(link.lower_up);
  EXPECT_EQ(link.oper_state, OperState::down);
  EXPECT_FALSE(link.mac.has_value());  // no IFLA_ADDRESS at all
}

TEST(NetlinkLinkMessage, AnAddressThatIsNotSixBytesIsNoMac) {
  const std::uint8_t ipv4_tunnel_address[4] = {192, 0, 2, 1};
  MessageBuilder m(RTM_NEWLINK, 4);
  m.name("gre1").u32(IFLA_MTU, 1476).attribute(IFLA_ADDRESS, ipv4_tunnel_address, 4);
  const auto parsed = parse_link_message(m.done());
  ASSERT_TRUE(std::holds_alternative<LinkMessage>(parsed)) << malformed_reason(parsed);
  EXPECT_FALSE(std::get<LinkMessage>(parsed).link.mac.has_value());
}

TEST(NetlinkLinkMessage, AnOperStateFromANewerKernelReadsAsUnknown) {
  MessageBuilder m(RTM_NEWLINK, 4);
  m.name("x").u32(IFLA_MTU, 1500).u8(IFLA_OPERSTATE, 42);
  const auto parsed = parse_link_message(m.done());
  ASSERT_TRUE(std::holds_alternative<LinkMessage>(parsed)) << malformed_reason(parsed);
  EXPECT_EQ(std::get<LinkMessage>(parsed).link.oper_state, OperState::unknown);
}

TEST(NetlinkLinkMessage, DelLinkNeedsOnlyTheIndex) {
  MessageBuilder m(RTM_DELLINK, 12);
  const auto parsed = parse_link_message(m.done());
  ASSERT_TRUE(std::holds_alternative<LinkMessage>(parsed)) << malformed_reason(parsed);
  EXPECT_EQ(std::get<LinkMessage>(parsed).type, LinkMessage::Type::del_link);
  EXPECT_EQ(std::get<LinkMessage>(parsed).link.ifindex, 12u);
}

TEST(NetlinkLinkMessage, BridgePortNotificationsAndOtherTypesAreIgnored) {
  // The bridge driver's RTM_DELLINK for a port leaving it: the device stays.
  MessageBuilder bridge(RTM_DELLINK, 5, 0, AF_BRIDGE);
  bridge.name("veth0").u32(IFLA_MTU, 1500);
  EXPECT_TRUE(std::holds_alternative<IgnoredLinkMessage>(parse_link_message(bridge.done())));
  MessageBuilder address(RTM_NEWADDR, 5);
  EXPECT_TRUE(std::holds_alternative<IgnoredLinkMessage>(parse_link_message(address.done())));
}

TEST(NetlinkLinkMessage, MalformedMessagesSayWhy) {
  struct Case {
    const char* what;
    std::string expected_reason_part;
    ParsedLinkMessage parsed;
  };
  std::vector<Case> cases;
  {
    MessageBuilder m(RTM_NEWLINK, 1);
    cases.push_back({"cut inside ifinfomsg", "shorter than its ifinfomsg",
                     parse_link_message(m.done(sizeof(nlmsghdr) + 8))});
  }
  {
    MessageBuilder m(RTM_NEWLINK, 0);
    m.name("a").u32(IFLA_MTU, 1500);
    cases.push_back({"ifindex 0", "ifindex 0", parse_link_message(m.done())});
  }
  {
    MessageBuilder m(RTM_NEWLINK, 1);
    m.attribute(IFLA_IFNAME, "eth0", 4).u32(IFLA_MTU, 1500);  // no NUL
    cases.push_back({"name without NUL", "IFLA_IFNAME", parse_link_message(m.done())});
  }
  {
    MessageBuilder m(RTM_NEWLINK, 1);
    m.name("").u32(IFLA_MTU, 1500);
    cases.push_back({"empty name", "IFLA_IFNAME", parse_link_message(m.done())});
  }
  {
    MessageBuilder m(RTM_NEWLINK, 1);
    m.name("a-name-of-16-chr").u32(IFLA_MTU, 1500);  // 16 + NUL > IFNAMSIZ
    cases.push_back({"name too long", "IFLA_IFNAME", parse_link_message(m.done())});
  }
  {
    const std::uint16_t short_mtu = 1500;
    MessageBuilder m(RTM_NEWLINK, 1);
    m.name("a").attribute(IFLA_MTU, &short_mtu, 2);
    cases.push_back({"2-byte MTU", "IFLA_MTU", parse_link_message(m.done())});
  }
  {
    MessageBuilder m(RTM_NEWLINK, 1);
    m.name("a").u32(IFLA_MTU, 1500).u32(IFLA_OPERSTATE, 6);
    cases.push_back({"4-byte operstate", "IFLA_OPERSTATE", parse_link_message(m.done())});
  }
  {
    MessageBuilder m(RTM_NEWLINK, 1);
    const std::uint32_t mtu = 1500;
    m.name("a").attribute(IFLA_MTU, &mtu, 4, /*declared_length=*/64);
    cases.push_back({"attribute longer than the message", "past the end",
                     parse_link_message(m.done())});
  }
  {
    MessageBuilder m(RTM_NEWLINK, 1);
    m.name("a").u32(IFLA_MTU, 1500).raw({0xde, 0xad, 0xbe, 0xef});
    // 4 bytes read as an rtattr header of length 0xadde: runs past the end.
    cases.push_back({"trailing garbage", "past the end", parse_link_message(m.done())});
  }
  {
    MessageBuilder m(RTM_NEWLINK, 1);
    m.u32(IFLA_MTU, 1500);
    cases.push_back({"no name", "without IFLA_IFNAME", parse_link_message(m.done())});
  }
  {
    MessageBuilder m(RTM_NEWLINK, 1);
    m.name("a");
    cases.push_back({"no MTU", "without IFLA_MTU", parse_link_message(m.done())});
  }
  for (const Case& c : cases) {
    const auto* bad = std::get_if<MalformedLinkMessage>(&c.parsed);
    ASSERT_NE(bad, nullptr) << c.what << ": accepted";
    EXPECT_NE(bad->reason.find(c.expected_reason_part), std::string::npos)
        << c.what << ": reason '" << bad->reason << "'";
  }
}

}  // namespace
}  // namespace roam6::vswitch
