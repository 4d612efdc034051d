#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "migration-hooks/hook/hook_plan.hpp"

namespace roam6::hooks {
namespace {

using nlohmann::json;
using DomainFile = HookPlan::DomainFile;

// A domain as libvirt 9.0 hands it to the hook on a migration destination:
// an Open vSwitch interface with its interfaceid and, once started, its
// target device; roam6's element in <metadata>.
const std::string web1 = R"(<domain type='qemu' id='3'>
  <name>web1</name>
  <uuid>6A1B3C6E-0C1D-4B9A-8F52-6E0F2F9C1D11</uuid>
  <metadata>
    <roam6:guest xmlns:roam6="https://roam6.dev/xmlns/libvirt/1">
      <roam6:interface mac="52:54:00:00:00:01" home-address="2001:db8:a::100" home-site="paris"/>
    </roam6:guest>
  </metadata>
  <memory unit='KiB'>262144</memory>
  <devices>
    <interface type='bridge'>
      <mac address='52:54:00:00:00:01'/>
      <source bridge='br-int'/>
      <virtualport type='openvswitch'>
        <parameters interfaceid='0b0c7d57-3c48-4a57-9b0e-5ad4d0b1f6a3'/>
      </virtualport>
      <target dev='vnet3'/>
      <model type='virtio'/>
    </interface>
  </devices>
</domain>)";

const std::string two_interfaces = R"(<domain type='qemu'>
  <name>db</name>
  <uuid>00000000-0000-0000-0000-0000000000db</uuid>
  <metadata>
    <roam6:guest xmlns:roam6="https://roam6.dev/xmlns/libvirt/1">
      <roam6:interface mac="52:54:00:00:00:0a" home-address="2001:db8:a::a" home-site="paris"/>
      <roam6:interface mac="52:54:00:00:00:0b" home-address="2001:db8:c::b" home-site="rome"/>
    </roam6:guest>
  </metadata>
</domain>)";

const std::string not_ours = R"(<domain type='qemu'>
  <name>plain</name>
  <uuid>00000000-0000-0000-0000-000000000001</uuid>
  <metadata><other:thing xmlns:other="https://example.org/x"/></metadata>
</domain>)";

HookInvocation call(const std::string& domain, const std::string& op, const std::string& sub) {
  return *parse_hook_invocation({domain, op, sub, "-"});
}

TEST(HookPlan, EveryArrivalOperationKeepsTheXmlAndAttachesTheGuest) {
  for (const char* op : {"migrate", "prepare", "start", "started", "restore", "reconnect", "attach"}) {
    SCOPED_TRACE(op);
    const HookPlan plan = plan_hook(call("web1", op, "begin"), web1);
    EXPECT_EQ(plan.domain_file, DomainFile::store);
    EXPECT_EQ(plan.uuid, "6a1b3c6e-0c1d-4b9a-8f52-6e0f2f9c1d11");
    ASSERT_EQ(plan.requests.size(), 1u);
    EXPECT_EQ(plan.requests[0].command, "guest.attach");
    EXPECT_EQ(plan.requests[0].args, json::parse(R"({"name": "web1", "mac": "52:54:00:00:00:01",
        "home_address": "2001:db8:a::100", "home_site": "paris", "port": "vnet3"})"));
    EXPECT_TRUE(plan.skipped.empty());
  }
}

TEST(HookPlan, StoppedDetachesAsStoppedAndReleaseForgetsTheXml) {
  HookPlan plan = plan_hook(call("web1", "stopped", "end"), web1);
  EXPECT_EQ(plan.domain_file, DomainFile::untouched);
  ASSERT_EQ(plan.requests.size(), 1u);
  EXPECT_EQ(plan.requests[0].command, "guest.detach");
  EXPECT_EQ(plan.requests[0].args, json::parse(R"({"name": "web1", "mode": "stopped"})"));

  plan = plan_hook(call("web1", "release", "end"), web1);
  EXPECT_EQ(plan.domain_file, DomainFile::remove);
  EXPECT_TRUE(plan.requests.empty());
  // Even when the domain lost roam6's element while it ran.
  plan = plan_hook(call("plain", "release", "end"), not_ours);
  EXPECT_EQ(plan.domain_file, DomainFile::remove);
  EXPECT_TRUE(plan.skipped.empty());
}

TEST(HookPlan, SubOperationsLibvirtDoesNotUseDoNothing) {
  for (const auto& [op, sub] : std::vector<std::pair<std::string, std::string>>{
           {"prepare", "end"}, {"stopped", "begin"}, {"release", "begin"}, {"migrate", "end"}, {"start", "-"}}) {
    SCOPED_TRACE(op + " " + sub);
    const HookPlan plan = plan_hook(call("web1", op, sub), web1);
    EXPECT_EQ(plan.domain_file, DomainFile::untouched);
    EXPECT_TRUE(plan.requests.empty());
    EXPECT_FALSE(plan.skipped.empty());
    EXPECT_FALSE(plan.xml_error);
  }
  const HookPlan unknown = plan_hook(call("web1", "teleport", "begin"), web1);
  EXPECT_TRUE(unknown.requests.empty());
  EXPECT_NE(unknown.skipped.find("teleport begin"), std::string::npos);
}

TEST(HookPlan, EachInterfaceIsItsOwnGuestNamedAsThePluginNamesIt) {
  const HookPlan plan = plan_hook(call("db", "prepare", "begin"), two_interfaces);
  ASSERT_EQ(plan.requests.size(), 2u);
  EXPECT_EQ(plan.requests[0].args["name"], "db/52:54:00:00:00:0a");
  EXPECT_EQ(plan.requests[1].args["name"], "db/52:54:00:00:00:0b");
  EXPECT_EQ(plan.requests[1].args["home_site"], "rome");
  EXPECT_FALSE(plan.requests[0].args.contains("port"));  // no <target> yet
}

// roam6-libvirt-events on the source keeps the last sequence number in the
// domain's metadata; the XML a migration brings carries it here.
TEST(HookPlan, TheSourcesSequenceNumberInTheXmlIsHandedToMip6d) {
  std::string xml = web1;
  xml.replace(xml.find("home-site=\"paris\""), 17, "home-site=\"paris\" sequence=\"65530\"");
  const HookPlan plan = plan_hook(call("web1", "migrate", "begin"), xml);
  ASSERT_EQ(plan.requests.size(), 1u);
  // Past a few refreshes the source may have made since: 65530 + 8, mod 2^16.
  EXPECT_EQ(plan.requests[0].args["last_sequence"], 1);
  EXPECT_FALSE(plan_hook(call("web1", "migrate", "begin"), web1).requests[0].args.contains("last_sequence"));
}

// ... and the further addresses the source learned the guest uses, each
// with its own registration's number.
TEST(HookPlan, TheSourcesLearnedAddressesInTheXmlAreHandedToMip6d) {
  std::string xml = web1;
  xml.replace(xml.find("home-site=\"paris\"/>"), 19,
              "home-site=\"paris\" sequence=\"4\">"
              "<roam6:address home-address=\"2001:db8:a::beef\" sequence=\"100\"/>"
              "<roam6:address home-address=\"2001:db8:a::cafe\"/></roam6:interface>");
  const HookPlan plan = plan_hook(call("web1", "migrate", "begin"), xml);
  ASSERT_EQ(plan.requests.size(), 1u);
  EXPECT_EQ(plan.requests[0].args["last_sequence"], 11);
  EXPECT_EQ(plan.requests[0].args["learned_addresses"], json::parse(R"([
      {"address": "2001:db8:a::beef", "last_sequence": 107}, {"address": "2001:db8:a::cafe"}])"));
  EXPECT_FALSE(plan_hook(call("web1", "migrate", "begin"), web1).requests[0].args.contains("learned_addresses"));
}

TEST(HookPlan, ADomainWithoutOurElementIsNotOurs) {
  const HookPlan plan = plan_hook(call("plain", "prepare", "begin"), not_ours);
  EXPECT_EQ(plan.domain_file, DomainFile::untouched);
  EXPECT_TRUE(plan.requests.empty());
  EXPECT_FALSE(plan.xml_error);
  EXPECT_NE(plan.skipped.find("no roam6 metadata"), std::string::npos);
}

TEST(HookPlan, UnusableXmlIsAnErrorThatTouchesNothing) {
  for (const std::string& xml :
       {std::string("<domain><name>x</name>"), std::string(""), std::string("not xml at all"),
        std::string("<domain><name>x</name></domain>"),  // no uuid
        std::string(R"(<domain><name>x</name><uuid>00000000-0000-0000-0000-000000000002</uuid><metadata>
            <roam6:guest xmlns:roam6="https://roam6.dev/xmlns/libvirt/1">
              <roam6:interface mac="52:54:00:00:00:01" home-address="not-an-address" home-site="paris"/>
            </roam6:guest></metadata></domain>)")}) {
    SCOPED_TRACE(xml);
    const HookPlan plan = plan_hook(call("x", "prepare", "begin"), xml);
    EXPECT_TRUE(plan.xml_error);
    EXPECT_EQ(plan.domain_file, DomainFile::untouched);
    EXPECT_TRUE(plan.requests.empty());
    EXPECT_FALSE(plan.skipped.empty());
  }
}

TEST(HookInvocation, FourArgumentsOrNothing) {
  EXPECT_FALSE(parse_hook_invocation({"web1", "prepare", "begin"}));
  EXPECT_FALSE(parse_hook_invocation({"web1", "prepare", "begin", "-", "x"}));
  const auto call = parse_hook_invocation({"web1", "migrate", "begin", "-"});
  ASSERT_TRUE(call);
  EXPECT_EQ(call->operation, HookOperation::migrate);
  EXPECT_EQ(to_string(call->operation), "migrate");
  EXPECT_EQ(parse_hook_invocation({"web1", "frobnicate", "begin", "-"})->operation, HookOperation::other);
}

}  // namespace
}  // namespace roam6::hooks
