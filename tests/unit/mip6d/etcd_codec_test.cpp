#include "mip6d/etcd/etcd_codec.hpp"

#include <gtest/gtest.h>

namespace roam6::mip6d::etcd {
namespace {

TEST(EtcdCodec, Base64RoundTripsEveryPaddingAndBinaryBytes) {
  EXPECT_EQ(to_base64(""), "");
  EXPECT_EQ(to_base64("f"), "Zg==");
  EXPECT_EQ(to_base64("fo"), "Zm8=");
  EXPECT_EQ(to_base64("foo"), "Zm9v");
  EXPECT_EQ(to_base64("/roam6/binding/2001:db8:a::1"), "L3JvYW02L2JpbmRpbmcvMjAwMTpkYjg6YTo6MQ==");
  std::string binary;
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
  for (std::size_t n = 0; n <= binary.size(); n += 37) {
    const std::string part = binary.substr(0, n) + std::string(n % 3, '\0');
    EXPECT_EQ(from_base64(to_base64(part)), part) << n;
  }
}

TEST(EtcdCodec, NotBase64IsRefused) {
  EXPECT_FALSE(from_base64("Zg="));    // length not a multiple of 4
  EXPECT_FALSE(from_base64("Z!==").has_value());
}

TEST(EtcdCodec, PrefixRangeEndIsTheFirstKeyAfterThePrefix) {
  EXPECT_EQ(prefix_range_end("/roam6/binding/"), "/roam6/binding0");
  EXPECT_EQ(prefix_range_end("a\xff"), "b");
  EXPECT_EQ(prefix_range_end("\xff\xff"), std::string(1, '\0'));
}

TEST(EtcdCodec, GatewayIntegersAreStringsOrNumbersAndZeroWhenOdd) {
  EXPECT_EQ(gateway_int64(nlohmann::json("2324035858679713541")), 2324035858679713541);
  EXPECT_EQ(gateway_int64(nlohmann::json(30)), 30);
  EXPECT_EQ(gateway_int64(nlohmann::json("12abc")), 0);
  EXPECT_EQ(gateway_int64(nlohmann::json()), 0);
  EXPECT_EQ(gateway_int64(nlohmann::json::object()), 0);
}

}  // namespace
}  // namespace roam6::mip6d::etcd
