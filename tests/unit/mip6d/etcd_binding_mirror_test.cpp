#include "mip6d/etcd/binding_mirror.hpp"

#include <gtest/gtest.h>

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

std::map<std::string, std::string> under(const BindingMirror& m, const std::string& prefix) {
  std::map<std::string, std::string> out;
  m.for_each(prefix, [&](const std::string& k, const std::string& v) { out[k] = v; });
  return out;
}

TEST(BindingMirror, AppliesPutsAndDeletesInOrderAndFollowsTheRevision) {
  BindingMirror m;
  m.clear(0);
  m.set("/p/binding/2001:db8:a::1", "one");
  m.set("/p/replay/00aa", "r");
  m.read_at(10);
  EXPECT_EQ(m.apply({{"header", {{"revision", "12"}}},
                     {"events", {event("PUT", "/p/binding/2001:db8:a::2", "two", 11),
                                 event("DELETE", "/p/binding/2001:db8:a::1", "", 12)}}}),
            BindingMirror::Outcome::applied);
  EXPECT_EQ(m.revision(), 12);
  EXPECT_EQ(under(m, "/p/binding/"), (std::map<std::string, std::string>{{"/p/binding/2001:db8:a::2", "two"}}));
  EXPECT_EQ(under(m, "/p/replay/").size(), 1u);
  // A progress answer (no events) changes nothing, nor the revision.
  EXPECT_EQ(m.apply({{"header", {{"revision", "40"}}}}), BindingMirror::Outcome::applied);
  EXPECT_EQ(m.revision(), 12);
}

TEST(BindingMirror, ACompactedOrCanceledWatchMeansStartingOver) {
  BindingMirror m;
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
