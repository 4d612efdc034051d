#include "roam6/wire/mobility_auth.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>

#include "roam6/wire/mobility_options.hpp"
#include "roam6/wire/mobility_writer.hpp"
#include "test_packets.hpp"

namespace roam6::wire {
namespace {

using test::append;
using test::Bytes;

const Ip6Addr kCoa = test::addr("2001:db8:b::2");
const Ip6Addr kHoa = test::addr("2001:db8:a::100");

// A BU with an MN-HA option at 13, a non-zero checksum and a filled-in
// authenticator: neither of those two may end up in the input.
Bytes authenticated_bu() {
  Bytes mh{59, 3, 5, 0, 0xab, 0xcd,   // checksum 0xabcd
           0x00, 0x07, 0x80, 0x00, 0x00, 0x10,  // seq 7, A, lifetime 16
           0,                                   // Pad1 at 12
           9, 17, 1, 0x00, 0x00, 0x10, 0x01};   // MN-HA at 13, SPI 0x1001
  append(mh, Bytes(12, 0xee));                  // authenticator, 20..32
  return mh;
}

Bytes copy_of(const MobilityAuthInput& input) {
  Bytes out(input.size());
  auto n = input.copy_to(out);
  EXPECT_TRUE(n);
  EXPECT_EQ(*n, out.size());
  return out;
}

TEST(MobilityAuthInput, CoversAddressesAndMhThroughTheSpiWithZeroChecksum) {
  const Bytes mh = authenticated_bu();
  auto input = mobility_auth_input(kCoa, kHoa, mh, 13);
  ASSERT_TRUE(input) << describe(input.error());

  // RFC 4285 5.1: care-of address | home address | MH Data, MH Data being
  // the MH up to and including the SPI, checksum as zero.
  Bytes expected;
  append(expected, kCoa);
  append(expected, kHoa);
  append(expected, {59, 3, 5, 0});
  append(expected, {0, 0});  // checksum
  append(expected, {0x00, 0x07, 0x80, 0x00, 0x00, 0x10, 0, 9, 17, 1, 0x00, 0x00, 0x10, 0x01});
  EXPECT_EQ(input->covered_mh_length(), 20u);
  EXPECT_EQ(input->size(), 52u);
  EXPECT_EQ(copy_of(*input), expected);
}

TEST(MobilityAuthInput, PartsConcatenateToTheSameBytes) {
  const Bytes mh = authenticated_bu();
  auto input = mobility_auth_input(kCoa, kHoa, mh, 13);
  ASSERT_TRUE(input);
  Bytes joined;
  int parts = 0;
  input->for_each_part([&](ByteSpan part) {
    joined.insert(joined.end(), part.begin(), part.end());
    ++parts;
  });
  EXPECT_EQ(parts, 5);
  EXPECT_EQ(joined, copy_of(*input));
  // Zero copy: the MH parts point into the packet.
  const std::uint8_t* first_mh_byte = nullptr;
  int i = 0;
  input->for_each_part([&](ByteSpan part) {
    if (i++ == 2) first_mh_byte = part.data();
  });
  EXPECT_EQ(first_mh_byte, mh.data());
}

TEST(MobilityAuthInput, DoesNotDependOnChecksumOrAuthenticator) {
  Bytes a = authenticated_bu();
  Bytes b = a;
  b[4] = 0;
  b[5] = 0;
  b[31] = 0x01;
  EXPECT_EQ(copy_of(*mobility_auth_input(kCoa, kHoa, a, 13)),
            copy_of(*mobility_auth_input(kCoa, kHoa, b, 13)));
  // ...but does depend on everything before the authenticator.
  b[19] ^= 1;  // last SPI octet
  EXPECT_NE(copy_of(*mobility_auth_input(kCoa, kHoa, a, 13)),
            copy_of(*mobility_auth_input(kCoa, kHoa, b, 13)));
  // ...and on the addresses, in this order.
  EXPECT_NE(copy_of(*mobility_auth_input(kCoa, kHoa, a, 13)),
            copy_of(*mobility_auth_input(kHoa, kCoa, a, 13)));
}

TEST(MobilityAuthInput, Errors) {
  const Bytes mh = authenticated_bu();
  EXPECT_EQ(mobility_auth_input(kCoa, kHoa, ByteSpan(mh).first(7), 13).error(),
            Errc::truncated_mobility_header);
  EXPECT_EQ(mobility_auth_input(kCoa, kHoa, mh, 12).error(),  // Pad1 there
            Errc::mobility_auth_option_not_found);
  EXPECT_EQ(mobility_auth_input(kCoa, kHoa, mh, 2).error(),  // inside the base header
            Errc::mobility_auth_option_not_found);
  EXPECT_EQ(mobility_auth_input(kCoa, kHoa, mh, 32).error(),  // past the end
            Errc::mobility_auth_option_not_found);
  EXPECT_EQ(mobility_auth_input(kCoa, kHoa, mh, 31).error(),  // no room for a length
            Errc::mobility_auth_option_not_found);
  EXPECT_EQ(mobility_auth_input(kCoa, kHoa, ByteSpan(mh).first(31), 13).error(),
            Errc::mobility_auth_option_not_found);  // option runs past the MH
  Bytes short_option = mh;
  short_option[14] = 5;  // subtype + SPI, no authenticator
  EXPECT_EQ(mobility_auth_input(kCoa, kHoa, short_option, 13).error(),
            Errc::mobility_auth_option_not_found);

  auto input = mobility_auth_input(kCoa, kHoa, mh, 13);
  std::array<std::uint8_t, 51> small{};
  EXPECT_EQ(input->copy_to(small).error(), Errc::buffer_too_small);
}

// A stand-in for the daemon's HMAC: anything that depends on every byte.
std::array<std::uint8_t, 12> toy_mac(const MobilityAuthInput& input) {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  input.for_each_part([&](ByteSpan part) {
    for (auto b : part) h = (h ^ b) * 0x100000001b3ull;
  });
  std::array<std::uint8_t, 12> mac{};
  for (std::size_t i = 0; i < mac.size(); ++i) mac[i] = static_cast<std::uint8_t>(h >> (i % 8 * 8));
  return mac;
}

TEST(MobilityAuthInput, SenderAndReceiverAgree) {
  std::array<std::uint8_t, 128> buf{};
  MobilityHeaderWriter w(buf);
  w.begin_binding_update({9, bu_flag::acknowledge | bu_flag::home_registration, 75})
      .add_mobile_node_identifier(mn_identifier_subtype::nai, Bytes{'m', '@', 'n'});
  MutableByteSpan slot = w.add_message_authentication(mobility_auth_subtype::mn_ha, 0x2000, 12);
  ASSERT_EQ(slot.size(), 12u);
  auto size = w.finish();
  ASSERT_TRUE(size);
  auto sender_input = w.auth_input(kCoa, kHoa);
  ASSERT_TRUE(sender_input) << describe(sender_input.error());
  const auto mac = toy_mac(*sender_input);
  std::copy(mac.begin(), mac.end(), slot.begin());
  ASSERT_EQ(write_mobility_header_checksum(w.bytes(), kHoa, kCoa), Errc::ok);

  // Receiver: parse, find the option, recompute over the same bytes.
  auto mh = MobilityHeaderView::parse(ByteSpan(buf).first(*size));
  ASSERT_TRUE(mh);
  auto set = decode_mobility_options(*mh);
  ASSERT_TRUE(set) << describe(set.error());
  ASSERT_TRUE(set->mn_ha_authentication);
  const auto& auth = *set->mn_ha_authentication;
  EXPECT_EQ(auth.spi, 0x2000u);
  auto receiver_input = mobility_auth_input(kCoa, kHoa, mh->bytes(), auth.offset);
  ASSERT_TRUE(receiver_input);
  const auto expected = toy_mac(*receiver_input);
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), auth.authenticator.begin(),
                         auth.authenticator.end()));
  // Same input although the receiver's copy has the checksum set.
  EXPECT_EQ(copy_of(*receiver_input), copy_of(*sender_input));
}

}  // namespace
}  // namespace roam6::wire
