#include "roam6/wire/link_layer_identifier.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace roam6::wire {
namespace {

TEST(LinkLayerIdentifier, AMacRoundTripsThroughItsText) {
  const auto mac = *MacAddr::parse("52:54:00:ab:cd:ef");
  const auto id = LinkLayerIdentifier::of(mac);
  EXPECT_EQ(id.size, 6);
  EXPECT_EQ(id.to_string(), "52:54:00:ab:cd:ef");
  EXPECT_EQ(LinkLayerIdentifier::parse(id.to_string()), id);
  EXPECT_EQ(std::vector<std::uint8_t>(id.span().begin(), id.span().end()),
            std::vector<std::uint8_t>(mac.bytes.begin(), mac.bytes.end()));
}

TEST(LinkLayerIdentifier, OneToEightBytesAndNothingElse) {
  const std::vector<std::uint8_t> eight{1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(LinkLayerIdentifier::from(ByteSpan(eight))->to_string(), "01:02:03:04:05:06:07:08");
  EXPECT_EQ(LinkLayerIdentifier::from(ByteSpan(eight).first(1))->to_string(), "01");
  EXPECT_FALSE(LinkLayerIdentifier::from(ByteSpan{}));
  const std::vector<std::uint8_t> nine(9, 0);
  EXPECT_FALSE(LinkLayerIdentifier::from(ByteSpan(nine)));
  // Identifiers of different lengths differ even where their bytes agree.
  EXPECT_NE(LinkLayerIdentifier::from(ByteSpan(eight).first(6)), LinkLayerIdentifier::from(ByteSpan(eight)));
}

TEST(LinkLayerIdentifier, TextThatIsNotColonSeparatedHexIsRefused) {
  for (const char* bad : {"", "5", "52:", "52:54:", "52-54-00-ab-cd-ef", "52:54:00:ab:cd:eg", "+2:54", " 52:54",
                          "52:54:00:ab:cd:ef:01:02:03", "52::54"}) {
    EXPECT_FALSE(LinkLayerIdentifier::parse(bad)) << bad;
  }
  EXPECT_EQ(LinkLayerIdentifier::parse("AB:cd")->to_string(), "ab:cd");
}

}  // namespace
}  // namespace roam6::wire
