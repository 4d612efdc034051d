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
  const auto by_domain = sequences_by_domain(list);
  ASSERT_EQ(by_domain.size(), 2u);
  EXPECT_EQ(by_domain.at("web1").at(mac("52:54:00:00:00:01")), 4711);
  EXPECT_EQ(by_domain.at("db").size(), 2u);
  EXPECT_EQ(by_domain.at("db").at(mac("52:54:00:00:00:0b")), 9);
  EXPECT_TRUE(sequences_by_domain(json::parse(R"({"nothing": 1})")).empty());
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
  const std::string element = metadata_element(homes, {{mac("52:54:00:00:00:0b"), 12}});
  const auto back = homes_in_element(element);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].sequence, std::uint16_t{5});  // no new number: kept
  EXPECT_EQ(back[1].sequence, std::uint16_t{12});
  EXPECT_EQ(back[1].home_site, "a&b");
}

}  // namespace
}  // namespace roam6::hooks
