#include <gtest/gtest.h>

#include "migration-hooks/events/sequence_publisher.hpp"

namespace roam6::hooks {
namespace {

using nlohmann::json;

wire::MacAddr mac(const char* text) { return *wire::MacAddr::parse(text); }

TEST(SequencePublisher, OnlyGuestsRunningHereWithANumberCountGroupedByDomain) {
  const auto list = json::parse(R"({"guests": [
    {"name": "web1", "mac": "52:54:00:00:00:01", "resumed": true, "sequence": 4711},
    {"name": "db/52:54:00:00:00:0a", "mac": "52:54:00:00:00:0a", "resumed": true, "sequence": 7},
    {"name": "db/52:54:00:00:00:0b", "mac": "52:54:00:00:00:0b", "resumed": true, "sequence": 9},
    {"name": "arriving", "mac": "52:54:00:00:00:02", "resumed": false, "sequence": 3},
    {"name": "fresh", "mac": "52:54:00:00:00:03", "resumed": true, "sequence": null},
    {"name": "odd", "mac": "not-a-mac", "resumed": true, "sequence": 1}]})");
  const auto by_domain = registrations_by_domain(list);
  ASSERT_EQ(by_domain.size(), 2u);
  EXPECT_EQ(by_domain.at("web1").at(mac("52:54:00:00:00:01")).sequence, 4711);
  EXPECT_EQ(by_domain.at("db").size(), 2u);
  EXPECT_EQ(by_domain.at("db").at(mac("52:54:00:00:00:0b")).sequence, 9);
  EXPECT_TRUE(registrations_by_domain(json::parse(R"({"nothing": 1})")).empty());
}

TEST(SequencePublisher, TheElementRoundTripsWithTheNumbersWrittenIn) {
  const auto homes = homes_in_element(
      R"(<roam6:guest xmlns:roam6="https://roam6.dev/xmlns/libvirt/1">
           <roam6:interface mac="52:54:00:00:00:0a" home-address="2001:db8:a::a" home-site="paris" sequence="5"/>
           <roam6:interface mac="52:54:00:00:00:0b" home-address="2001:db8:a::b" home-site="a&amp;b"/>
         </roam6:guest>)");
  ASSERT_EQ(homes.size(), 2u);
  // libvirt stores it under our namespace and hands it back without one,
  // as written: read back the same way.
  const std::string element = metadata_element(homes, {{mac("52:54:00:00:00:0b"), {12, {}}}});
  const auto back = homes_in_element(element);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].sequence, std::uint16_t{5});  // no new number: kept
  EXPECT_EQ(back[1].sequence, std::uint16_t{12});
  EXPECT_EQ(back[1].home_site, "a&b");
}

// The addresses a host learned the guest uses travel with it too, each with
// its own registration's last number.
TEST(SequencePublisher, LearnedAddressesAreWrittenInAndReadBack) {
  const auto list = json::parse(R"({"guests": [
    {"name": "web1", "mac": "52:54:00:00:00:01", "resumed": true, "sequence": 4711,
     "other_addresses": [{"address": "2001:db8:a::beef", "state": "bound", "sequence": 12, "bound": true},
                         {"address": "2001:db8:a::cafe", "state": "registering", "sequence": null, "bound": false},
                         {"address": "nonsense", "sequence": 3}]},
    {"name": "quiet", "mac": "52:54:00:00:00:02", "resumed": true, "sequence": null,
     "other_addresses": [{"address": "2001:db8:a::2:1", "sequence": 40000}]}]})");
  const auto by_domain = registrations_by_domain(list);
  const Registrations& web1 = by_domain.at("web1").at(mac("52:54:00:00:00:01"));
  ASSERT_EQ(web1.learned.size(), 2u);
  EXPECT_EQ(web1.learned[0], (vswitch::LearnedAddress{*wire::Ip6Addr::parse("2001:db8:a::beef"), 12}));
  EXPECT_EQ(web1.learned[1], (vswitch::LearnedAddress{*wire::Ip6Addr::parse("2001:db8:a::cafe"), std::nullopt}));
  // Learned addresses alone are worth publishing.
  EXPECT_EQ(by_domain.at("quiet").at(mac("52:54:00:00:00:02")).learned.size(), 1u);

  const auto homes = homes_in_element(
      R"(<guest><interface mac="52:54:00:00:00:01" home-address="2001:db8:a::1" home-site="home"/></guest>)");
  ASSERT_EQ(homes.size(), 1u);
  EXPECT_TRUE(stale(homes[0], web1));
  const auto back = homes_in_element(metadata_element(homes, {{mac("52:54:00:00:00:01"), web1}}));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].sequence, std::uint16_t{4711});
  EXPECT_EQ(back[0].learned, web1.learned);
  EXPECT_FALSE(stale(back[0], web1));
  // Forgotten at the host (given up): gone from the element at the next pass.
  Registrations fewer = web1;
  fewer.learned.pop_back();
  EXPECT_TRUE(stale(back[0], fewer));
  EXPECT_EQ(homes_in_element(metadata_element(back, {{mac("52:54:00:00:00:01"), fewer}}))[0].learned,
            fewer.learned);
  // An interface the host says nothing of keeps what it had.
  EXPECT_EQ(homes_in_element(metadata_element(back, {}))[0].learned, web1.learned);
}

TEST(SequencePublisher, AMalformedLearnedAddressIsAClearError) {
  EXPECT_THROW(homes_in_element(R"(<guest><interface mac="52:54:00:00:00:01" home-address="2001:db8:a::1"
      home-site="home"><address home-address="2001:db8:a::zz"/></interface></guest>)"),
               vswitch::DomainXmlError);
  EXPECT_THROW(homes_in_element(R"(<guest><interface mac="52:54:00:00:00:01" home-address="2001:db8:a::1"
      home-site="home"><address home-address="2001:db8:a::2" sequence="70000"/></interface></guest>)"),
               vswitch::DomainXmlError);
  EXPECT_THROW(homes_in_element(R"(<guest><interface mac="52:54:00:00:00:01" home-address="2001:db8:a::1"
      home-site="home"><address/></interface></guest>)"),
               vswitch::DomainXmlError);
}

}  // namespace
}  // namespace roam6::hooks
