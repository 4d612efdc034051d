#include "mip6d/signalling/message_authenticator.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace roam6::mip6d {
namespace {

// Feeds a list of byte strings as the parts of one message.
struct Parts {
  std::vector<std::string> parts;
  template <class F>
  void for_each_part(F&& f) const {
    for (const auto& p : parts)
      f(wire::ByteSpan(reinterpret_cast<const std::uint8_t*>(p.data()), p.size()));
  }
};

std::string hex(const Authenticator& a, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s += digits[a[i] >> 4];
    s += digits[a[i] & 15];
  }
  return s;
}

std::vector<std::uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

// RFC 4231 test case 2 (key "Jefe") for HMAC-SHA-256, RFC 2202 test case 2 for
// HMAC-SHA-1: published vectors, not our own output.
TEST(MessageAuthenticator, HmacSha256MatchesRfc4231) {
  MessageAuthenticator m(AuthAlgorithm::hmac_sha256, bytes("Jefe"));
  const auto out = m.compute(Parts{{"what do ya want ", "for nothing?"}});
  EXPECT_EQ(hex(out, 32), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(m.size(), 32u);
}

TEST(MessageAuthenticator, HmacSha1TruncatedTo96Bits) {
  MessageAuthenticator m(AuthAlgorithm::hmac_sha1_96, bytes("Jefe"));
  const auto out = m.compute(Parts{{"what do ya want for nothing?"}});
  EXPECT_EQ(hex(out, 12), "effcdf6ae5eb2fa2d27416d5");  // first 96 bits of effcdf6a...
  EXPECT_EQ(m.size(), 12u);
  for (std::size_t i = 12; i < out.size(); ++i) EXPECT_EQ(out[i], 0);
}

TEST(MessageAuthenticator, ReusableAndSplitInvariant) {
  MessageAuthenticator m(AuthAlgorithm::hmac_sha256, bytes("0123456789abcdef"));
  const auto a = m.compute(Parts{{"abc", "def"}});
  const auto b = m.compute(Parts{{"abcdef"}});
  const auto c = m.compute(Parts{{"abcdeg"}});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_TRUE(m.matches(a, wire::ByteSpan(b.data(), 32)));
  EXPECT_FALSE(m.matches(a, wire::ByteSpan(c.data(), 32)));
  EXPECT_FALSE(m.matches(a, wire::ByteSpan(a.data(), 31)));
}

}  // namespace
}  // namespace roam6::mip6d
