#include "mip6d/home_agent/registrar.hpp"

#include <gtest/gtest.h>

#include "mip6d/signalling/ntp_timestamp.hpp"
#include "roam6/wire/mobility_header.hpp"

namespace roam6::mip6d::ha {
namespace {

using namespace std::chrono_literals;
namespace st = wire::ba_status;

wire::Ip6Addr addr(const char* s) { return *wire::Ip6Addr::parse(s); }
wire::Ip6Prefix prefix(const char* s) { return *wire::Ip6Prefix::parse(s); }

class RegistrarTest : public ::testing::Test {
 protected:
  RegistrarTest() {
    ha.address = addr("2001:db8:a::1");
    ha.home_prefixes = {prefix("2001:db8:a::/64")};
    ha.max_lifetime = 3600s;
    ha.replay_window = 7s;
    site_b.name = "site-b";
    site_b.spi = 1001;
    other.name = "other";
    other.spi = 2002;
    policy.push_back({"site-b", {prefix("2001:db8:b::/48")}, {prefix("2001:db8:a::/64")}});
    policy.push_back({"other", {prefix("2001:db8:c::/48")}, {prefix("2001:db8:a::/120")}});
  }

  RegistrationRequest bu(std::uint16_t seq = 10, std::uint32_t lifetime = 600) {
    RegistrationRequest r;
    r.home_address = addr("2001:db8:a::100");
    r.care_of_address = addr("2001:db8:b::2");
    r.sequence = seq;
    r.flags = wire::bu_flag::acknowledge | wire::bu_flag::home_registration;
    r.lifetime_seconds = lifetime;
    r.key = &site_b;
    r.timestamp = to_ntp_timestamp(now);
    return r;
  }
  RegistrationDecision decide(const RegistrationRequest& r, const Binding* existing = nullptr,
                              std::uint64_t last_accepted = 0) {
    return registrar.decide(r, existing, last_accepted, now);
  }

  HomeAgentConfig ha;
  Key site_b, other;
  std::vector<PolicyRule> policy;
  Registrar registrar{ha, policy};
  WallTime now = WallTime{} + std::chrono::hours(24 * 365 * 56);
};

TEST_F(RegistrarTest, AcceptsNewBindingWithGrantedLifetime) {
  auto d = decide(bu(10, 600));
  EXPECT_EQ(d.status, st::accepted);
  EXPECT_EQ(d.sequence, 10);
  EXPECT_EQ(d.lifetime, 600s);
  EXPECT_EQ(d.change, BindingChange::created);
  EXPECT_FALSE(d.replayed);
}

TEST_F(RegistrarTest, CapsLifetimeAndRoundsToFourSecondUnits) {
  EXPECT_EQ(decide(bu(10, 9999)).lifetime, 3600s);
  ha.max_lifetime = 1001s;
  EXPECT_EQ(decide(bu(10, 9999)).lifetime, 1000s);
}

TEST_F(RegistrarTest, RefreshMoveAndSequenceWindow) {
  Binding b;
  b.care_of_address = addr("2001:db8:b::2");
  b.sequence = 10;
  EXPECT_EQ(decide(bu(11), &b).change, BindingChange::refreshed);
  auto moved = bu(11);
  moved.care_of_address = addr("2001:db8:b::3");
  EXPECT_EQ(decide(moved, &b).change, BindingChange::moved);
  auto stale = decide(bu(10), &b);
  EXPECT_EQ(stale.status, st::sequence_number_out_of_window);
  EXPECT_EQ(stale.sequence, 10);  // the HA's last accepted number
  EXPECT_EQ(decide(bu(9), &b).status, st::sequence_number_out_of_window);
  // Modulo 2^16: 10 - 32767 wraps to "newer" than nothing; 10 + 32768 is not newer.
  EXPECT_EQ(decide(bu(static_cast<std::uint16_t>(10 + 32768)), &b).status, st::sequence_number_out_of_window);
  EXPECT_EQ(decide(bu(static_cast<std::uint16_t>(10 + 32767)), &b).status, st::accepted);
  b.sequence = 65535;
  EXPECT_EQ(decide(bu(0), &b).status, st::accepted);
}

TEST_F(RegistrarTest, Deregistration) {
  Binding b;
  b.care_of_address = addr("2001:db8:b::2");
  b.sequence = 10;
  auto d = decide(bu(11, 0), &b);
  EXPECT_EQ(d.status, st::accepted);
  EXPECT_EQ(d.change, BindingChange::deleted);
  EXPECT_EQ(d.lifetime, 0s);
  auto home = bu(11, 600);
  home.care_of_address = home.home_address;  // CoA == HoA also deregisters
  policy[0].care_of_prefixes.push_back(prefix("2001:db8:a::/64"));
  EXPECT_EQ(decide(home, &b).change, BindingChange::deleted);
  EXPECT_EQ(decide(bu(11, 0)).status, st::not_home_agent_for_this_mobile_node);
}

TEST_F(RegistrarTest, ABindingTiedToOneLinkLayerIdentifierIsNotTakenByAnother) {
  const auto mac = *wire::LinkLayerIdentifier::parse("52:54:00:00:00:01");
  const auto other_mac = *wire::LinkLayerIdentifier::parse("52:54:00:00:00:02");
  Binding b;
  b.care_of_address = addr("2001:db8:b::2");
  b.sequence = 10;
  b.link_layer_identifier = mac;
  auto same = bu(11);
  same.care_of_address = addr("2001:db8:b::3");
  same.link_layer_identifier = mac;
  EXPECT_EQ(decide(same, &b).change, BindingChange::moved);
  auto claim = bu(11);
  claim.care_of_address = addr("2001:db8:b::3");
  claim.link_layer_identifier = other_mac;
  const auto refused = decide(claim, &b);
  EXPECT_EQ(refused.status, st::duplicate_address_detection_failed);
  EXPECT_EQ(refused.change, BindingChange::none);
  // Nor deleted by the other_mac guest's host, nor past the sequence check:
  // a stale number gets 134 too, not a 135 to resynchronise on.
  EXPECT_EQ(decide([&] { auto r = bu(11, 0); r.link_layer_identifier = other_mac; return r; }(), &b).status,
            st::duplicate_address_detection_failed);
  EXPECT_EQ(decide([&] { auto r = bu(3); r.link_layer_identifier = other_mac; return r; }(), &b).status,
            st::duplicate_address_detection_failed);
  // A BU without the option is not judged by it; nor is a binding without one.
  EXPECT_EQ(decide(bu(11), &b).status, st::accepted);
  Binding untied = b;
  untied.link_layer_identifier = {};
  EXPECT_EQ(decide(claim, &untied).status, st::accepted);
  EXPECT_EQ(decide(claim).status, st::accepted);
  auto too_long = bu(11);
  too_long.link_layer_identifier_too_long = true;
  EXPECT_EQ(decide(too_long).status, st::administratively_prohibited);
}

TEST_F(RegistrarTest, Refusals) {
  auto not_home = bu();
  not_home.flags = wire::bu_flag::acknowledge;
  EXPECT_EQ(decide(not_home).status, st::administratively_prohibited);
  Binding b;
  b.sequence = 1;
  EXPECT_EQ(decide(not_home, &b).status, st::registration_type_change_disallowed);

  auto foreign = bu();
  foreign.home_address = addr("2001:db8:f::100");
  EXPECT_EQ(decide(foreign).status, st::not_home_subnet);

  auto wrong_source = bu();
  wrong_source.care_of_address = addr("2001:db8:c::2");  // site-b key from site c
  EXPECT_EQ(decide(wrong_source).status, st::administratively_prohibited);

  auto narrow = bu();
  narrow.key = &other;
  narrow.care_of_address = addr("2001:db8:c::2");
  EXPECT_EQ(decide(narrow).status, st::administratively_prohibited);  // HoA ::100 is outside /120? no: ::100 > ::ff
  narrow.home_address = addr("2001:db8:a::42");
  EXPECT_EQ(decide(narrow).status, st::accepted);

  auto no_key = bu();
  no_key.key = nullptr;
  EXPECT_EQ(decide(no_key).status, st::administratively_prohibited);
}

TEST(Unanswerable, AddressesNoNodeMayOwnAreNeverAnswered) {
  // RFC 4291 2.4 / 2.5: only a global unicast address can be bound or answered.
  const auto good = addr("2001:db8:a::100");
  const auto coa = addr("2001:db8:b::2");
  EXPECT_EQ(unanswerable(coa, good, coa), Unanswerable::no);
  for (const char* bad : {"::", "::1", "fe80::1", "ff02::1", "ff0e::1", "::ffff:192.0.2.1", "fec0::1"}) {
    EXPECT_EQ(unanswerable(addr(bad), good, coa), Unanswerable::source) << bad;
    EXPECT_EQ(unanswerable(coa, addr(bad), coa), Unanswerable::home_address) << bad;
    EXPECT_EQ(unanswerable(coa, good, addr(bad)), Unanswerable::care_of_address) << bad;
  }
}

TEST_F(RegistrarTest, ReservedHomeAddressesAreRefusedWith129) {
  // Inside the home prefix but never a node's: the HA's own address, the
  // Subnet-Router anycast (RFC 4291 2.6.1) and RFC 2526's reserved anycast.
  for (const char* hoa : {"2001:db8:a::1", "2001:db8:a::", "2001:db8:a:0:fdff:ffff:ffff:fffe",
                          "2001:db8:a:0:fdff:ffff:ffff:ff80"}) {
    auto r = bu();
    r.home_address = addr(hoa);
    const auto d = decide(r);
    EXPECT_EQ(d.status, st::administratively_prohibited) << hoa;
    EXPECT_EQ(d.change, BindingChange::none) << hoa;
    EXPECT_FALSE(registrar.reserved_home_address(addr(hoa)).empty()) << hoa;
  }
  EXPECT_TRUE(registrar.reserved_home_address(addr("2001:db8:a:0:fdff:ffff:ffff:ff7f")).empty());
}

TEST_F(RegistrarTest, ReplayProtection) {
  auto missing = bu();
  missing.timestamp.reset();
  EXPECT_EQ(decide(missing).status, st::mipv6_mesg_id_required);

  auto old = bu();
  old.timestamp = to_ntp_timestamp(now - 8s);
  EXPECT_EQ(decide(old).status, st::mipv6_id_mismatch);
  auto future = bu();
  future.timestamp = to_ntp_timestamp(now + 8s);
  EXPECT_EQ(decide(future).status, st::mipv6_id_mismatch);
  auto near = bu();
  near.timestamp = to_ntp_timestamp(now - 6s);
  EXPECT_EQ(decide(near).status, st::accepted);

  // RFC 4285 6: each accepted timestamp must be newer than the last one.
  Binding b;
  b.care_of_address = addr("2001:db8:b::2");
  b.sequence = 10;
  b.last_timestamp = to_ntp_timestamp(now);
  auto replay = bu(11);  // same timestamp as the accepted one
  const auto refused = decide(replay, &b);
  EXPECT_EQ(refused.status, st::mipv6_id_mismatch);
  EXPECT_TRUE(refused.replayed);
  replay.timestamp = to_ntp_timestamp(now + 1ms);
  EXPECT_EQ(decide(replay, &b).status, st::accepted);
  // From another care-of address too: a BU replayed from the address the
  // guest has left is as stale as one from the same address.
  auto moved = bu(11);
  moved.care_of_address = addr("2001:db8:b::7");
  moved.timestamp = to_ntp_timestamp(now - 2s);
  EXPECT_EQ(decide(moved, &b).status, st::mipv6_id_mismatch);
}

TEST_F(RegistrarTest, ReplayMemoryOutlivesTheBinding) {
  // No binding any more (deregistered or expired), but the replay memory
  // still holds the last accepted timestamp: the captured BU is refused.
  const std::uint64_t last = to_ntp_timestamp(now - 1s);
  auto replay = bu(11);
  replay.timestamp = last;
  const auto d = decide(replay, nullptr, last);
  EXPECT_EQ(d.status, st::mipv6_id_mismatch);
  EXPECT_EQ(d.change, BindingChange::none);
  // The BA tells the host what to beat: our clock, here ahead of `last`.
  EXPECT_EQ(d.resync_timestamp, to_ntp_timestamp(now));
  replay.timestamp = last + 1;
  EXPECT_EQ(decide(replay, nullptr, last).status, st::accepted);
}

TEST_F(RegistrarTest, RefusalOfAStaleTimestampCarriesTheNumberToBeat) {
  // Another host's clock led ours: its last accepted timestamp is ahead of
  // the HA's clock. The 144 carries that one, not our (older) clock, so the
  // refused host's next BU gets through.
  const std::uint64_t ahead = to_ntp_timestamp(now + 3s);
  auto r = bu(11);
  r.timestamp = to_ntp_timestamp(now + 1s);
  const auto d = decide(r, nullptr, ahead);
  EXPECT_EQ(d.status, st::mipv6_id_mismatch);
  EXPECT_EQ(d.resync_timestamp, ahead);
  auto outside = bu(11);
  outside.timestamp = to_ntp_timestamp(now - 60s);
  EXPECT_EQ(decide(outside).resync_timestamp, to_ntp_timestamp(now));
}

TEST(NtpTimestamp, RoundTripsAndMeasuresDistance) {
  const WallTime t = WallTime{} + std::chrono::seconds(1767225600) + 250ms;
  const auto ntp = to_ntp_timestamp(t);
  EXPECT_EQ(ntp >> 32, 1767225600ull + 2208988800ull);
  EXPECT_EQ(ntp & 0xffffffffull, 0x40000000ull);  // a quarter second
  EXPECT_LT(std::chrono::abs(from_ntp_timestamp(ntp) - t), 1us);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(
                ntp_distance(ntp, to_ntp_timestamp(t + 1500ms))),
            1500ms);
}

}  // namespace
}  // namespace roam6::mip6d::ha
