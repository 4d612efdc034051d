// JsonStreamSplitter: OVSDB's JSON-RPC has no framing beyond JSON itself
// (RFC 7047 section 3, "the JSON-RPC messages are sent ... as JSON texts"),
// so message boundaries come from the JSON grammar (RFC 8259 section 2:
// objects, arrays, strings with backslash escapes).

#include <gtest/gtest.h>

#include <string>

#include "vswitch-plugin/ovsdb/json_stream_splitter.hpp"

namespace roam6::vswitch::ovsdb {
namespace {

TEST(OvsdbJsonStreamSplitter, SplitsGluedMessages) {
  JsonStreamSplitter splitter(1024);
  const auto result = splitter.feed(R"({"id":1,"result":[]}{"id":2,"result":{}} [1,2]
{"method":"echo","params":[],"id":"echo"})");
  ASSERT_TRUE(result.error.empty()) << result.error;
  ASSERT_EQ(result.messages.size(), 4u);
  EXPECT_EQ(result.messages[0], R"({"id":1,"result":[]})");
  EXPECT_EQ(result.messages[1], R"({"id":2,"result":{}})");
  EXPECT_EQ(result.messages[2], "[1,2]");
  EXPECT_EQ(result.messages[3], R"({"method":"echo","params":[],"id":"echo"})");
  EXPECT_EQ(splitter.buffered(), 0u);
}

TEST(OvsdbJsonStreamSplitter, ReassemblesAMessageFedByteByByte) {
  // Braces, brackets, an escaped quote and an escaped backslash inside strings
  // must not move the depth.
  const std::string message = R"({"a":"}{][","b":"x\"}","c":"\\","d":[{"e":"\\\"{"}]})";
  JsonStreamSplitter splitter(1024);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < message.size(); ++i) {
    auto result = splitter.feed(std::string_view(&message[i], 1));
    ASSERT_TRUE(result.error.empty()) << result.error << " at byte " << i;
    if (i + 1 < message.size()) {
      EXPECT_TRUE(result.messages.empty()) << "cut early at byte " << i;
    }
    for (auto& text : result.messages) out.push_back(text);
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], message);
}

TEST(OvsdbJsonStreamSplitter, KeepsThePartialTailForTheNextRead) {
  JsonStreamSplitter splitter(1024);
  auto first = splitter.feed(R"({"id":1}{"id":)");
  ASSERT_EQ(first.messages.size(), 1u);
  EXPECT_EQ(splitter.buffered(), 6u);
  auto second = splitter.feed(R"(2})");
  ASSERT_EQ(second.messages.size(), 1u);
  EXPECT_EQ(second.messages[0], R"({"id":2})");
}

TEST(OvsdbJsonStreamSplitter, OversizeMessageIsAnErrorNotAnAllocation) {
  JsonStreamSplitter splitter(64);
  const std::string big = "{\"x\":\"" + std::string(100, 'a') + "\"}";
  const auto result = splitter.feed(R"({"ok":1})" + big);
  ASSERT_EQ(result.messages.size(), 1u);  // what came before the oversize one is kept
  EXPECT_NE(result.error.find("longer than 64 bytes"), std::string::npos) << result.error;
  EXPECT_LE(splitter.buffered(), 64u);
  // A failed stream stays failed until reset.
  EXPECT_FALSE(splitter.feed("{}").error.empty());
  splitter.reset();
  const auto after = splitter.feed("{}");
  EXPECT_TRUE(after.error.empty());
  EXPECT_EQ(after.messages.size(), 1u);
}

TEST(OvsdbJsonStreamSplitter, AMessageOfExactlyTheCapPasses) {
  const std::string message = "{\"x\":\"" + std::string(20, 'b') + "\"}";
  JsonStreamSplitter splitter(message.size());
  const auto result = splitter.feed(message);
  EXPECT_TRUE(result.error.empty()) << result.error;
  EXPECT_EQ(result.messages.size(), 1u);
}

TEST(OvsdbJsonStreamSplitter, BytesOutsideAnObjectAreAnError) {
  for (const std::string garbage : {"x", "}", "]", "\"str\"", "42"}) {
    JsonStreamSplitter splitter(1024);
    const auto result = splitter.feed("{} " + garbage);
    EXPECT_EQ(result.messages.size(), 1u) << garbage;
    EXPECT_NE(result.error.find("outside a JSON object"), std::string::npos) << garbage << ": " << result.error;
  }
}

}  // namespace
}  // namespace roam6::vswitch::ovsdb
