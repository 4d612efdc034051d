#include "roam6/wire/ipv6.hpp"

#include <gtest/gtest.h>

#include "roam6/wire/ethernet.hpp"
#include "test_packets.hpp"

namespace roam6::wire {
namespace {

using test::Bytes;

TEST(Ipv6View, ParsesAllFields) {
  Bytes b = test::ipv6_header(17, test::addr("2001:db8::1"), test::addr("2001:db8::2"), 7, 0xb8,
                              0xabcde);
  test::append(b, {1, 2, 3, 4});
  test::finish_ipv6(b);
  b.push_back(0xee);  // link padding after the payload
  auto v = Ipv6View::parse(b);
  ASSERT_TRUE(v) << describe(v.error());
  EXPECT_EQ(v->traffic_class(), 0xb8);
  EXPECT_EQ(v->flow_label(), 0xabcdeu);
  EXPECT_EQ(v->payload_length(), 4);
  EXPECT_EQ(v->next_header(), 17);
  EXPECT_EQ(v->hop_limit(), 7);
  EXPECT_EQ(v->src().to_string(), "2001:db8::1");
  EXPECT_EQ(v->dst().to_string(), "2001:db8::2");
  EXPECT_EQ(v->payload().size(), 4u);
  EXPECT_EQ(v->packet().size(), 44u);
}

TEST(Ipv6View, Errors) {
  Bytes b = test::ipv6_header(59, test::addr("::1"), test::addr("::1"));
  EXPECT_EQ(Ipv6View::parse(ByteSpan(b).first(39)).error(), Errc::truncated_ipv6_header);
  EXPECT_EQ(Ipv6View::parse(ByteSpan{}).error(), Errc::truncated_ipv6_header);
  Bytes v4 = b;
  v4[0] = 0x45;
  EXPECT_EQ(Ipv6View::parse(v4).error(), Errc::bad_ip_version);
  Bytes longer = b;
  longer[5] = 1;
  EXPECT_EQ(Ipv6View::parse(longer).error(), Errc::payload_length_exceeds_buffer);
  Bytes jumbo = b;
  jumbo[6] = 0;
  EXPECT_EQ(Ipv6View::parse(jumbo).error(), Errc::jumbogram_unsupported);
  EXPECT_TRUE(Ipv6View::parse(b));  // bare header, no payload
}

TEST(Ipv6Header, BuilderRoundTrip) {
  Ipv6Fields f;
  f.traffic_class = 0x2e;
  f.flow_label = 0xfffff;
  f.payload_length = 0;
  f.next_header = 135;
  f.hop_limit = 255;
  f.src = test::addr("fe80::1");
  f.dst = test::addr("ff02::1");
  std::uint8_t buf[40];
  auto n = write_ipv6_header(buf, f);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 40u);
  auto v = Ipv6View::parse(buf);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->traffic_class(), 0x2e);
  EXPECT_EQ(v->flow_label(), 0xfffffu);
  EXPECT_EQ(v->next_header(), 135);
  EXPECT_EQ(v->hop_limit(), 255);
  EXPECT_EQ(v->src(), f.src);
  EXPECT_EQ(v->dst(), f.dst);
}

TEST(Ipv6Header, BuilderErrors) {
  std::uint8_t small[39];
  EXPECT_EQ(write_ipv6_header(small, {}).error(), Errc::buffer_too_small);
  std::uint8_t buf[40];
  Ipv6Fields f;
  f.flow_label = 0x100000;
  EXPECT_EQ(write_ipv6_header(buf, f).error(), Errc::value_out_of_range);
}

TEST(Ethernet, ParsesUntaggedAndTagged) {
  Bytes f{0x33, 0x33, 0, 0, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x86, 0xdd, 0x60};
  auto e = EthernetView::parse(f);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->dst().to_string(), "33:33:00:00:00:01");
  EXPECT_EQ(e->src().to_string(), "52:54:00:12:34:56");
  EXPECT_EQ(e->ethertype(), ethertype::ipv6);
  EXPECT_FALSE(e->tagged());
  EXPECT_EQ(e->payload().size(), 1u);

  Bytes t{0x33, 0x33, 0, 0, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x81, 0x00, 0x20, 0x64, 0x80, 0x35};
  auto et = EthernetView::parse(t);
  ASSERT_TRUE(et);
  EXPECT_TRUE(et->tagged());
  EXPECT_EQ(et->vlan_id(), 0x064);
  EXPECT_EQ(et->ethertype(), ethertype::rarp);
  EXPECT_EQ(et->payload().size(), 0u);

  EXPECT_EQ(EthernetView::parse(ByteSpan(f).first(13)).error(), Errc::truncated_ethernet_header);
  EXPECT_EQ(EthernetView::parse(ByteSpan(t).first(17)).error(), Errc::truncated_vlan_tag);
}

TEST(Ethernet, BuilderRoundTrip) {
  std::uint8_t buf[14];
  ASSERT_TRUE(write_ethernet_header(buf, *MacAddr::parse("ff:ff:ff:ff:ff:ff"),
                                    *MacAddr::parse("52:54:00:00:00:01"), ethertype::rarp));
  auto e = EthernetView::parse(buf);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->dst().is_broadcast());
  EXPECT_EQ(e->ethertype(), ethertype::rarp);
  std::uint8_t small[13];
  EXPECT_EQ(write_ethernet_header(small, {}, {}, 0).error(), Errc::buffer_too_small);
}

}  // namespace
}  // namespace roam6::wire
