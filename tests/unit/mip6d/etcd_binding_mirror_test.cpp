#include "mip6d/etcd/binding_mirror.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "mip6d/etcd/etcd_codec.hpp"
#include "mip6d/etcd/etcd_records.hpp"

namespace roam6::mip6d::etcd {
namespace {

using nlohmann::json;

json event(const char* type, const std::string& key, const std::string& value, int revision) {
  json kv = {{"key", to_base64(key)}, {"mod_revision", std::to_string(revision)}};
  if (!value.empty()) kv["value"] = to_base64(value);
  json e = {{"kv", kv}};
  if (std::string_view(type) != "PUT") e["type"] = type;  // the gateway leaves PUT (0) out
  return e;
}

StoredBinding binding(const char* hoa, std::uint16_t seq) {
  StoredBinding b;
  b.home_address = *wire::Ip6Addr::parse(hoa);
  b.care_of_address = *wire::Ip6Addr::parse("2001:db8:b::1");
  b.expires = WallTime(std::chrono::milliseconds(1'800'000'000'000));
  b.sequence = seq;
  return b;
}

std::map<std::string, std::uint16_t> bindings(const BindingMirror& m) {
  std::map<std::string, std::uint16_t> out;
  m.for_each_binding([&](const StoredBinding& b) { out[b.home_address.to_string()] = b.sequence; });
  return out;
}

TEST(BindingMirror, AppliesPutsAndDeletesInOrderAndFollowsTheRevision) {
  BindingMirror m("/p");
  m.clear(0);
  m.set(binding_key("/p", *wire::Ip6Addr::parse("2001:db8:a::1")), encode_binding(binding("2001:db8:a::1", 1)));
  const StoredReplayRecord r{std::string("\x01\xaa", 2), 5, 1, WallTime(std::chrono::seconds(9))};
  m.set(replay_key("/p", r.key), encode_replay(r));
  m.set("/p/leader", "ha1 2001:db8:a::1");
  m.read_at(10);
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ(m.apply({{"header", {{"revision", "12"}}},
                     {"events", {event("PUT", "/p/binding/2001:db8:a::2", encode_binding(binding("2001:db8:a::2", 7)), 11),
                                 event("DELETE", "/p/binding/2001:db8:a::1", "", 12)}}}),
            BindingMirror::Outcome::applied);
  EXPECT_EQ(m.revision(), 12);
  EXPECT_EQ(bindings(m), (std::map<std::string, std::uint16_t>{{"2001:db8:a::2", 7}}));
  std::vector<std::string> replay;
  m.for_each_replay([&](const StoredReplayRecord& rec) { replay.push_back(rec.key); });
  EXPECT_EQ(replay, std::vector<std::string>{r.key});
  EXPECT_TRUE(m.contains("/p/leader"));
  EXPECT_TRUE(m.contains("/p/binding/2001:db8:a::2"));
  EXPECT_FALSE(m.contains("/p/binding/2001:db8:a::1"));
  // A progress answer (no events) changes nothing, nor the revision.
  EXPECT_EQ(m.apply({{"header", {{"revision", "40"}}}}), BindingMirror::Outcome::applied);
  EXPECT_EQ(m.revision(), 12);
}

// A record that does not decode is kept apart and counted; one that stops
// decoding does not leave its last good value behind.
TEST(BindingMirror, UnreadableRecordsAreCountedNotServed) {
  BindingMirror m("/p");
  m.set("/p/binding/2001:db8:a::1", encode_binding(binding("2001:db8:a::1", 1)));
  m.set("/p/binding/2001:db8:a::1", "{\"spi\": 1}");
  m.set("/p/binding/nonsense", encode_binding(binding("2001:db8:a::3", 1)));
  EXPECT_EQ(bindings(m), (std::map<std::string, std::uint16_t>{}));
  EXPECT_EQ(m.unreadable(), 2u);
  m.apply({{"events", {event("DELETE", "/p/binding/2001:db8:a::1", "", 3)}}});
  EXPECT_EQ(m.unreadable(), 1u);
  EXPECT_EQ(m.size(), 1u);
}

TEST(BindingMirror, ACompactedOrCanceledWatchMeansStartingOver) {
  BindingMirror m("/p");
  EXPECT_EQ(m.apply({{"compact_revision", "7"}}), BindingMirror::Outcome::start_over);
  EXPECT_EQ(m.apply({{"canceled", true}}), BindingMirror::Outcome::start_over);
  EXPECT_EQ(m.apply({{"created", true}}), BindingMirror::Outcome::applied);
}

TEST(EtcdRecords, BindingsAndReplayRecordsRoundTripAndOthersAreRefused) {
  StoredBinding b;
  b.home_address = *wire::Ip6Addr::parse("2001:db8:a::9");
  b.care_of_address = *wire::Ip6Addr::parse("2001:db8:b::1");
  b.expires = WallTime(std::chrono::milliseconds(1'800'000'000'123));
  b.spi = 7;
  b.last_timestamp = ~0ull;
  b.sequence = 65535;
  b.flags = 0xA400;
  const auto back = decode_binding("/p", binding_key("/p", b.home_address), encode_binding(b));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->home_address, b.home_address);
  EXPECT_EQ(back->care_of_address, b.care_of_address);
  EXPECT_EQ(back->expires, b.expires);
  EXPECT_EQ(back->last_timestamp, b.last_timestamp);
  EXPECT_EQ(back->sequence, b.sequence);
  EXPECT_EQ(back->flags, b.flags);
  EXPECT_EQ(back->link_layer_identifier.size, 0);
  // Tied to a guest's MAC: the identifier comes back; a garbled one refuses
  // the record rather than lose the tie.
  b.link_layer_identifier = *wire::LinkLayerIdentifier::parse("52:54:00:ab:cd:ef");
  const auto tied = decode_binding("/p", binding_key("/p", b.home_address), encode_binding(b));
  ASSERT_TRUE(tied.has_value());
  EXPECT_EQ(tied->link_layer_identifier, b.link_layer_identifier);
  std::string garbled = encode_binding(b);
  garbled.replace(garbled.find("52:54:00"), 8, "52:54:0g");
  EXPECT_FALSE(decode_binding("/p", binding_key("/p", b.home_address), garbled));
  EXPECT_FALSE(decode_binding("/q", binding_key("/p", b.home_address), encode_binding(b)));
  EXPECT_FALSE(decode_binding("/p", "/p/binding/nonsense", encode_binding(b)));
  EXPECT_FALSE(decode_binding("/p", binding_key("/p", b.home_address), "{\"spi\": 1}"));

  StoredReplayRecord r{std::string("\x01\x00\xfe", 3), 42, 9, WallTime(std::chrono::seconds(5))};
  const auto again = decode_replay("/p", replay_key("/p", r.key), encode_replay(r));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->key, r.key);
  EXPECT_EQ(again->forget_at, r.forget_at);
  EXPECT_FALSE(decode_replay("/p", "/p/replay/0g", encode_replay(r)));
  EXPECT_FALSE(decode_replay("/p", "/p/replay/", encode_replay(r)));
}

}  // namespace
}  // namespace roam6::mip6d::etcd
