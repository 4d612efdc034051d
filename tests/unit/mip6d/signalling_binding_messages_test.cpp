#include "mip6d/signalling/binding_messages.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace roam6::mip6d {
namespace {

using namespace std::chrono_literals;

wire::Ip6Addr addr(const char* s) { return *wire::Ip6Addr::parse(s); }

Key make_key(const char* name, std::uint32_t spi, AuthAlgorithm alg, std::uint8_t fill) {
  Key k;
  k.name = name;
  k.spi = spi;
  k.algorithm = alg;
  k.secret.assign(20, fill);
  return k;
}

class BindingMessagesTest : public ::testing::TestWithParam<AuthAlgorithm> {
 protected:
  std::vector<Key> keys{make_key("hosts", 1001, GetParam(), 0x11), make_key("other", 2002, GetParam(), 0x22)};
  KeyRing ring{keys};
  std::array<std::uint8_t, 512> buf{};

  BindingUpdateSpec bu_spec() {
    BindingUpdateSpec s;
    s.care_of_address = addr("2001:db8:b::2");
    s.home_agent = addr("2001:db8:a::1");
    s.home_address = addr("2001:db8:a::100");
    s.sequence = 4242;
    s.lifetime = 600s;
    s.timestamp = 0x1122334455667788ull;
    return s;
  }
  wire::ByteSpan write_bu(const BindingUpdateSpec& s, const char* key = "hosts") {
    auto n = write_binding_update(buf, s, *ring.find(key));
    EXPECT_TRUE(n) << wire::describe(n.error());
    return {buf.data(), n ? *n : 0};
  }
};

TEST_P(BindingMessagesTest, BindingUpdateRoundTrip) {
  const auto pkt = write_bu(bu_spec());
  auto decoded = wire::decode_mobility_packet(pkt);
  ASSERT_TRUE(decoded) << wire::describe(decoded.error());
  ReceivedBindingUpdate bu;
  const auto r = check_binding_update(*decoded, ring, bu);
  ASSERT_TRUE(r.ok()) << name(r.drop);
  EXPECT_EQ(bu.source, addr("2001:db8:b::2"));
  EXPECT_EQ(bu.care_of_address, addr("2001:db8:b::2"));
  EXPECT_EQ(bu.home_address, addr("2001:db8:a::100"));
  EXPECT_EQ(bu.destination, addr("2001:db8:a::1"));
  EXPECT_EQ(bu.sequence, 4242);
  EXPECT_EQ(bu.flags, wire::bu_flag::acknowledge | wire::bu_flag::home_registration);
  EXPECT_EQ(bu.lifetime_seconds, 600u);
  EXPECT_EQ(bu.timestamp, 0x1122334455667788ull);
  ASSERT_NE(bu.sa, nullptr);
  EXPECT_EQ(bu.sa->key->name, "hosts");
}

TEST_P(BindingMessagesTest, EveryCoveredByteIsAuthenticated) {
  const auto pkt = write_bu(bu_spec());
  std::vector<std::uint8_t> copy(pkt.begin(), pkt.end());
  const auto decoded = wire::decode_mobility_packet(copy);
  ASSERT_TRUE(decoded);
  const std::size_t mh = decoded->mh_offset();
  // Flip each MH byte (except the checksum, fixed up after) and the
  // addresses bound by the authenticator: each must fail authentication or
  // parsing, never pass.
  std::size_t checked = 0;
  for (std::size_t i = 8; i < copy.size(); ++i) {
    if (i == mh + 4 || i == mh + 5) continue;                // the checksum itself
    if (i >= 24 && i < 40) continue;  // the HA's own address: not covered (RFC 4285), checked by the HA
    if (i >= 40 && i < mh && !(i >= 48 && i < 64)) continue;  // HAO header bytes other than the address
    auto t = copy;
    t[i] ^= 0x01;
    // Fix the MH checksum up so that only authentication can catch the flip.
    const auto pseudo_src = wire::Ip6Addr::from_bytes(t.data() + 48);  // the HAO address
    const auto pseudo_dst = wire::Ip6Addr::from_bytes(t.data() + 24);
    if (wire::write_mobility_header_checksum(wire::MutableByteSpan(t).subspan(mh), pseudo_src,
                                             pseudo_dst) != wire::Errc::ok)
      continue;  // the flip broke the MH length: malformed, dropped anyway
    wire::MobilityPacket q;
    if (wire::decode_mobility_packet(t, q) != wire::Errc::ok) continue;  // now malformed: dropped anyway
    ReceivedBindingUpdate bu;
    EXPECT_FALSE(check_binding_update(q, ring, bu).ok()) << "byte " << i;
    ++checked;
  }
  EXPECT_GT(checked, 60u);
}

TEST_P(BindingMessagesTest, WrongKeyUnknownSpiAndMissingAuthentication) {
  {
    // Signed with "other" but claiming its own SPI: verifies against "other".
    const auto pkt = write_bu(bu_spec(), "other");
    auto decoded = wire::decode_mobility_packet(pkt);
    ASSERT_TRUE(decoded);
    ReceivedBindingUpdate bu;
    ASSERT_TRUE(check_binding_update(*decoded, ring, bu).ok());
    EXPECT_EQ(bu.sa->key->name, "other");
    // A receiver that does not hold "other" cannot verify it.
    std::vector<Key> only_hosts{keys[0]};
    KeyRing small(only_hosts);
    EXPECT_EQ(check_binding_update(*decoded, small, bu).drop, SignallingDrop::unknown_spi);
  }
  {
    // No authentication option at all.
    wire::MobilityPacketWriter pw(buf, {.src = addr("2001:db8:b::2"), .dst = addr("2001:db8:a::1"),
                                        .home_address_option = addr("2001:db8:a::100")});
    pw.mh().begin_binding_update({.sequence = 1, .flags = wire::bu_flag::home_registration, .lifetime_units = 10});
    auto n = pw.finish();
    ASSERT_TRUE(n);
    auto decoded = wire::decode_mobility_packet(wire::ByteSpan(buf.data(), *n));
    ASSERT_TRUE(decoded);
    ReceivedBindingUpdate bu;
    EXPECT_EQ(check_binding_update(*decoded, ring, bu).drop, SignallingDrop::no_authentication);
    ReceivedBindingAck ba;
    EXPECT_EQ(check_binding_ack(*decoded, ring, ba).drop, SignallingDrop::unexpected_type);
  }
}

TEST_P(BindingMessagesTest, BindingAckRoundTrip) {
  BindingAckSpec s;
  s.home_agent = addr("2001:db8:a::1");
  s.care_of_address = addr("2001:db8:b::2");
  s.home_address = addr("2001:db8:a::100");
  s.status = 135;
  s.sequence = 77;
  s.lifetime = 0s;
  s.timestamp = 99;
  s.refresh_interval_units = 30;
  auto n = write_binding_ack(buf, s, *ring.find("hosts"));
  ASSERT_TRUE(n) << wire::describe(n.error());
  auto decoded = wire::decode_mobility_packet(wire::ByteSpan(buf.data(), *n));
  ASSERT_TRUE(decoded) << wire::describe(decoded.error());
  ReceivedBindingAck ba;
  const auto r = check_binding_ack(*decoded, ring, ba);
  ASSERT_TRUE(r.ok()) << name(r.drop);
  EXPECT_EQ(ba.home_agent, s.home_agent);
  EXPECT_EQ(ba.care_of_address, s.care_of_address);
  EXPECT_EQ(ba.home_address, s.home_address);
  EXPECT_EQ(ba.status, 135);
  EXPECT_EQ(ba.sequence, 77);
  EXPECT_EQ(ba.lifetime_seconds, 0u);
  EXPECT_EQ(ba.timestamp, 99u);
  EXPECT_EQ(ba.refresh_interval_seconds, 120u);
  // A BU checker refuses a BA, and a BA with its RH2 would be misplaced on a BU.
  ReceivedBindingUpdate bu;
  EXPECT_EQ(check_binding_update(*decoded, ring, bu).drop, SignallingDrop::unexpected_type);
}

// Hand-over forwarding: the Indication goes to the previous care-of address
// framed like a BA and names the new one; the Acknowledgement carries no
// Home Address option, and its authenticator covers the Indication's.
TEST_P(BindingMessagesTest, BindingRevocationRoundTrip) {
  BindingRevocationSpec s;
  s.home_agent = addr("2001:db8:a::1");
  s.care_of_address = addr("2001:db8:b::2");
  s.home_address = addr("2001:db8:a::100");
  s.sequence = 77;
  s.new_care_of = addr("2001:db8:c::2");
  s.timestamp = 0x1122334455667788ull;
  auto n = write_binding_revocation(buf, s, *ring.find("hosts"));
  ASSERT_TRUE(n) << wire::describe(n.error());
  auto decoded = wire::decode_mobility_packet(wire::ByteSpan(buf.data(), *n));
  ASSERT_TRUE(decoded) << wire::describe(decoded.error());
  ReceivedRevocation bri;
  ASSERT_TRUE(check_binding_revocation(*decoded, ring, bri).ok());
  EXPECT_EQ(bri.source, addr("2001:db8:a::1"));
  EXPECT_EQ(bri.destination, addr("2001:db8:b::2"));
  EXPECT_EQ(bri.home_address, addr("2001:db8:a::100"));
  EXPECT_EQ(bri.new_care_of, addr("2001:db8:c::2"));
  EXPECT_EQ(bri.sequence, 77);
  EXPECT_EQ(bri.trigger_or_status, wire::br_trigger::inter_mag_handover_same_access_type);
  EXPECT_EQ(bri.timestamp, 0x1122334455667788ull);
  ReceivedRevocation wrong_kind;
  EXPECT_EQ(check_binding_revocation_ack(*decoded, s.home_address, ring, wrong_kind).drop,
            SignallingDrop::unexpected_type);

  BindingRevocationAckSpec a;
  a.care_of_address = addr("2001:db8:b::2");
  a.home_agent = addr("2001:db8:a::1");
  a.home_address = addr("2001:db8:a::100");
  a.sequence = 77;
  a.timestamp = 0x1122334455667799ull;
  n = write_binding_revocation_ack(buf, a, *ring.find("hosts"));
  ASSERT_TRUE(n) << wire::describe(n.error());
  decoded = wire::decode_mobility_packet(wire::ByteSpan(buf.data(), *n));
  ASSERT_TRUE(decoded) << wire::describe(decoded.error());
  EXPECT_FALSE(decoded->chain.home_address);
  ReceivedRevocation bra;
  ASSERT_TRUE(check_binding_revocation_ack(*decoded, addr("2001:db8:a::100"), ring, bra).ok());
  EXPECT_EQ(bra.source, addr("2001:db8:b::2"));
  EXPECT_EQ(bra.sequence, 77);
  EXPECT_EQ(bra.trigger_or_status, wire::bra_status::success);
  // About another home address, the authenticator does not match.
  EXPECT_EQ(check_binding_revocation_ack(*decoded, addr("2001:db8:a::101"), ring, bra).drop,
            SignallingDrop::bad_authenticator);
  // Signed with a key the HA does not hold: unknown SPI.
  std::vector<Key> other_only{keys[1]};
  KeyRing small(other_only);
  EXPECT_EQ(check_binding_revocation_ack(*decoded, addr("2001:db8:a::100"), small, bra).drop,
            SignallingDrop::unknown_spi);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, BindingMessagesTest,
                         ::testing::Values(AuthAlgorithm::hmac_sha256, AuthAlgorithm::hmac_sha1_96));

}  // namespace
}  // namespace roam6::mip6d
