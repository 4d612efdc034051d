#include <gtest/gtest.h>

#include <variant>

#include "io_test_frames.hpp"
#include "mip6d/io/recording_forwarding_table.hpp"

namespace roam6::mip6d {
namespace {

using test::ip;
using test::mac;

GuestPath away_guest() {
  GuestPath p;
  p.mac = mac("52:54:00:00:00:01");
  p.home_address = ip("2001:db8:a::10");
  p.link_local = ip("fe80::5054:ff:fe00:1");
  p.away = true;
  p.home_agent = ip("2001:db8:a::1");
  p.care_of_address = ip("2001:db8:b::5");
  p.router_mac = mac("02:00:00:00:0a:01");
  p.router_link_local = ip("fe80::1");
  p.resumed = false;
  return p;
}

TEST(RecordingForwardingTable, KeepsTheCurrentTunnelPerHomeAddress) {
  RecordingForwardingTable table;
  table.set_tunnel({ip("2001:db8:a::10"), ip("2001:db8:b::5")});
  table.set_tunnel({ip("2001:db8:a::11"), ip("2001:db8:b::5")});
  table.set_tunnel({ip("2001:db8:a::10"), ip("2001:db8:c::7")});  // moved on

  ASSERT_EQ(table.tunnels().size(), 2u);
  ASSERT_NE(table.care_of_address(ip("2001:db8:a::10")), nullptr);
  EXPECT_EQ(*table.care_of_address(ip("2001:db8:a::10")), ip("2001:db8:c::7"));
  EXPECT_EQ(table.tunnels().at(ip("2001:db8:a::11")), ip("2001:db8:b::5"));

  table.clear_tunnel(ip("2001:db8:a::10"));
  EXPECT_EQ(table.care_of_address(ip("2001:db8:a::10")), nullptr);
  EXPECT_EQ(table.tunnels().size(), 1u);
  // Clearing what is not there changes nothing but is still logged.
  table.clear_tunnel(ip("2001:db8:a::99"));
  EXPECT_EQ(table.tunnels().size(), 1u);
  EXPECT_EQ(table.log().size(), 5u);
}

TEST(RecordingForwardingTable, KeepsTheCurrentPathPerGuestMac) {
  RecordingForwardingTable table;
  GuestPath path = away_guest();
  table.set_guest(path);
  path.resumed = true;
  table.set_guest(path);

  ASSERT_EQ(table.guests().size(), 1u);
  const GuestPath* stored = table.guest(path.mac);
  ASSERT_NE(stored, nullptr);
  EXPECT_TRUE(stored->resumed);
  EXPECT_TRUE(stored->away);
  EXPECT_EQ(stored->care_of_address, ip("2001:db8:b::5"));
  EXPECT_EQ(stored->router_mac, mac("02:00:00:00:0a:01"));

  table.clear_guest(path.mac);
  EXPECT_EQ(table.guest(path.mac), nullptr);
  EXPECT_TRUE(table.guests().empty());
}

TEST(RecordingForwardingTable, LogsOperationsInOrderWithTheirArguments) {
  RecordingForwardingTable table;
  table.set_tunnel({ip("2001:db8:a::10"), ip("2001:db8:b::5")});
  table.set_guest(away_guest());
  table.clear_guest(mac("52:54:00:00:00:01"));
  table.clear_tunnel(ip("2001:db8:a::10"));

  const auto& log = table.log();
  ASSERT_EQ(log.size(), 4u);
  ASSERT_TRUE(std::holds_alternative<TunnelBinding>(log[0]));
  EXPECT_EQ(std::get<TunnelBinding>(log[0]).care_of_address, ip("2001:db8:b::5"));
  ASSERT_TRUE(std::holds_alternative<GuestPath>(log[1]));
  EXPECT_EQ(std::get<GuestPath>(log[1]).home_address, ip("2001:db8:a::10"));
  ASSERT_TRUE(std::holds_alternative<ClearGuest>(log[2]));
  EXPECT_EQ(std::get<ClearGuest>(log[2]).mac, mac("52:54:00:00:00:01"));
  ASSERT_TRUE(std::holds_alternative<ClearTunnel>(log[3]));
  EXPECT_EQ(std::get<ClearTunnel>(log[3]).home_address, ip("2001:db8:a::10"));

  EXPECT_EQ(describe(log[0]), "set_tunnel 2001:db8:a::10 via 2001:db8:b::5");
  EXPECT_EQ(describe(log[1]),
            "set_guest 52:54:00:00:00:01 home 2001:db8:a::10 link-local fe80::5054:ff:fe00:1 "
            "away via 2001:db8:a::1 from 2001:db8:b::5 router 02:00:00:00:0a:01 fe80::1 holding");
  EXPECT_EQ(describe(log[2]), "clear_guest 52:54:00:00:00:01");
  EXPECT_EQ(describe(log[3]), "clear_tunnel 2001:db8:a::10");

  GuestPath home = away_guest();
  home.away = false;
  home.resumed = true;
  EXPECT_EQ(describe(home),
            "set_guest 52:54:00:00:00:01 home 2001:db8:a::10 link-local fe80::5054:ff:fe00:1 "
            "at home resumed");
}

TEST(RecordingForwardingTable, LogKeepsOnlyTheNewestOperations) {
  RecordingForwardingTable table(3);
  for (int i = 1; i <= 5; ++i) {
    table.set_tunnel({ip("2001:db8:a::" + std::to_string(i)), ip("2001:db8:b::5")});
  }
  ASSERT_EQ(table.log().size(), 3u);
  EXPECT_EQ(table.total_operations(), 5u);
  EXPECT_EQ(std::get<TunnelBinding>(table.log().front()).home_address, ip("2001:db8:a::3"));
  EXPECT_EQ(std::get<TunnelBinding>(table.log().back()).home_address, ip("2001:db8:a::5"));
  // The state is complete even when the log is not.
  EXPECT_EQ(table.tunnels().size(), 5u);

  table.clear_log();
  EXPECT_TRUE(table.log().empty());
  EXPECT_EQ(table.tunnels().size(), 5u);

  RecordingForwardingTable unlogged(0);
  unlogged.set_guest(away_guest());
  EXPECT_TRUE(unlogged.log().empty());
  EXPECT_EQ(unlogged.guests().size(), 1u);
}

}  // namespace
}  // namespace roam6::mip6d
