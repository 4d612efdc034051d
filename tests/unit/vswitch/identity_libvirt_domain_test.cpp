// The libvirt domain XML as libvirt 9 writes it (virsh dumpxml of a guest
// with an Open vSwitch interface), with roam6's metadata element.
#include <gtest/gtest.h>

#include <string>

#include "vswitch-plugin/identity/libvirt_domain.hpp"

namespace roam6::vswitch {
namespace {

const std::string domain_xml = R"(<domain type='qemu' id='3'>
  <name>web1</name>
  <uuid>6A1B3C6E-0C1D-4B9A-8F52-6E0F2F9C1D11</uuid>
  <metadata>
    <other:thing xmlns:other="http://example.com/other"><other:interface mac="52:54:00:00:00:99"/></other:thing>
    <roam6:guest xmlns:roam6="https://roam6.dev/xmlns/libvirt/1">
      <roam6:interface mac="52:54:00:00:00:01" home-address="2001:db8:a::100" home-site="site-a"/>
      <roam6:interface mac="52:54:00:00:00:02" home-address="2001:db8:a::101" home-site="site-a"/>
    </roam6:guest>
  </metadata>
  <memory unit='KiB'>262144</memory>
  <devices>
    <interface type='bridge'>
      <mac address='52:54:00:00:00:01'/>
      <source bridge='br-int'/>
      <virtualport type='openvswitch'>
        <parameters interfaceid='0A8F3B9E-1111-4C3D-9E0F-123456789ABC'/>
      </virtualport>
      <target dev='vnet0'/>
      <model type='virtio'/>
    </interface>
    <interface type='network'>
      <mac address='52:54:00:00:00:03'/>
      <source network='default'/>
    </interface>
  </devices>
</domain>)";

TEST(LibvirtDomain, ReadsNameUuidOvsInterfacesAndRoam6Metadata) {
  const LibvirtDomain d = parse_libvirt_domain(domain_xml);
  EXPECT_EQ(d.name, "web1");
  EXPECT_EQ(d.uuid, "6a1b3c6e-0c1d-4b9a-8f52-6e0f2f9c1d11");  // as OVS's vm-id holds it
  ASSERT_EQ(d.interfaces.size(), 1u);  // the libvirt-network one is not an OVS port
  EXPECT_EQ(d.interfaces[0].mac, *wire::MacAddr::parse("52:54:00:00:00:01"));
  EXPECT_EQ(d.interfaces[0].interface_id, "0a8f3b9e-1111-4c3d-9e0f-123456789abc");
  EXPECT_EQ(d.interfaces[0].target_dev, "vnet0");
  EXPECT_EQ(d.interfaces[0].bridge, "br-int");
  ASSERT_EQ(d.homes.size(), 2u);
  const HomeOfInterface* home = d.home_of(*wire::MacAddr::parse("52:54:00:00:00:02"));
  ASSERT_NE(home, nullptr);
  EXPECT_EQ(home->home_address, *wire::Ip6Addr::parse("2001:db8:a::101"));
  EXPECT_EQ(home->home_site, "site-a");
  // The other namespace's element with the same local name is not ours.
  EXPECT_EQ(d.home_of(*wire::MacAddr::parse("52:54:00:00:00:99")), nullptr);
}

TEST(LibvirtDomain, ADomainWithoutOurElementHasNoHomes) {
  const LibvirtDomain d = parse_libvirt_domain("<domain><name>a</name><uuid>x</uuid></domain>");
  EXPECT_EQ(d.name, "a");
  EXPECT_TRUE(d.homes.empty());
  EXPECT_TRUE(d.interfaces.empty());
}

void expect_refused(const std::string& xml, const std::string& words) {
  try {
    parse_libvirt_domain(xml);
    ADD_FAILURE() << "accepted: " << xml;
  } catch (const DomainXmlError& e) {
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

std::string with_metadata(const std::string& element) {
  return "<domain><name>a</name><metadata><roam6:guest xmlns:roam6='https://roam6.dev/xmlns/libvirt/1'>" +
         element + "</roam6:guest></metadata></domain>";
}

TEST(LibvirtDomain, RefusesWhatItCannotTrustWithAReason) {
  expect_refused("<domain><name>a</name>", "does not parse");
  expect_refused("<network><name>a</name></network>", "not <domain>");
  expect_refused("<domain/>", "no <name>");
  expect_refused(with_metadata("<roam6:interface mac='52:54:00:00:00:01' home-site='s'/>"), "home-address");
  expect_refused(with_metadata("<roam6:interface mac='zz' home-address='2001:db8::1' home-site='s'/>"),
                 "not a MAC");
  expect_refused(with_metadata("<roam6:interface mac='52:54:00:00:00:01' home-address='10.0.0.1' home-site='s'/>"),
                 "not an IPv6");
  expect_refused(with_metadata("<roam6:interface mac='52:54:00:00:00:01' home-address='2001:db8::1' home-site='s'/>"
                               "<roam6:interface mac='52:54:00:00:00:01' home-address='2001:db8::2' home-site='s'/>"),
                 "twice");
  expect_refused(with_metadata("<roam6:interface mac='52:54:00:00:00:01' home-address='2001:db8::1' home-site='s' "
                               "sequence='65536'/>"),
                 "sequence");
}

TEST(LibvirtDomain, ReadsTheSequenceNumberRoam6KeepsInIt) {
  const auto d = parse_libvirt_domain(with_metadata(
      "<roam6:interface mac='52:54:00:00:00:01' home-address='2001:db8::1' home-site='s' sequence='4711'/>"
      "<roam6:interface mac='52:54:00:00:00:02' home-address='2001:db8::2' home-site='s'/>"));
  ASSERT_EQ(d.homes.size(), 2u);
  EXPECT_EQ(d.homes[0].sequence, std::uint16_t{4711});
  EXPECT_FALSE(d.homes[1].sequence);
}

TEST(LibvirtDomain, ExpandsNoEntities) {
  // A billion-laughs style document stays small: entities are not substituted.
  const std::string xml = R"(<?xml version="1.0"?>
<!DOCTYPE domain [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<domain><name>&b;</name></domain>)";
  const LibvirtDomain d = parse_libvirt_domain(xml);
  EXPECT_LT(d.name.size(), 1000u);
}

}  // namespace
}  // namespace roam6::vswitch
