#include "mip6d/control/commands.hpp"

#include <gtest/gtest.h>

#include "mip6d/control/command_args.hpp"
#include "mip6d/control/control_error.hpp"

namespace roam6::mip6d::control {
namespace {

using nlohmann::json;

using Refusal = std::pair<std::string, std::string>;

// The code and message of the ControlError `fn` throws ("" if none).
template <typename Fn>
Refusal refusal(Fn fn) {
  try {
    fn();
  } catch (const ControlError& e) {
    return {e.code(), e.what()};
  }
  return {};
}

TEST(CommandArgs, RequiredStringNamesTheField) {
  EXPECT_EQ(require_string({{"name", "vm1"}}, "name"), "vm1");
  EXPECT_EQ(refusal([] { require_string(json::object(), "name"); }),
            Refusal("bad_request", "argument \"name\" is required"));
  EXPECT_EQ(refusal([] { require_string({{"name", 3}}, "name"); }),
            Refusal("bad_request",
                                                "argument \"name\" must be a string, got number"));
  EXPECT_EQ(refusal([] { require_string({{"name", ""}}, "name"); }).first, "bad_request");
  EXPECT_EQ(refusal([] { require_string(json::array(), "name"); }).first, "bad_request");
}

TEST(CommandArgs, OptionalU16Range) {
  EXPECT_EQ(optional_u16(json::object(), "last_sequence"), std::nullopt);
  EXPECT_EQ(optional_u16({{"last_sequence", nullptr}}, "last_sequence"), std::nullopt);
  EXPECT_EQ(optional_u16({{"last_sequence", 0}}, "last_sequence"), 0);
  EXPECT_EQ(optional_u16({{"last_sequence", 65535}}, "last_sequence"), 65535);
  for (const json& bad : {json(65536), json(-1), json(1.5), json("7"), json(true)}) {
    const auto [code, message] = refusal([&] { optional_u16({{"last_sequence", bad}}, "last_sequence"); });
    EXPECT_EQ(code, "bad_request") << bad;
    EXPECT_NE(message.find("\"last_sequence\""), std::string::npos) << message;
  }
}

TEST(CommandArgs, AddressesAndMacsAreCheckedForContent) {
  EXPECT_EQ(require_ip6_address({{"a", "2001:db8::1"}}, "a").to_string(), "2001:db8::1");
  EXPECT_EQ(refusal([] { require_ip6_address({{"a", "2001:db8::x"}}, "a"); }).first, "invalid_argument");
  EXPECT_EQ(refusal([] { require_ip6_address({{"a", 1}}, "a"); }).first, "bad_request");
  EXPECT_EQ(optional_mac({{"mac", "52:54:00:00:00:01"}}, "mac")->to_string(), "52:54:00:00:00:01");
  EXPECT_EQ(refusal([] { optional_mac({{"mac", "52:54:00"}}, "mac"); }).first, "invalid_argument");
}

TEST(CommandArgs, UnknownArgumentsAreNamed) {
  EXPECT_NO_THROW(reject_unknown_args({{"name", "x"}}, {"name", "mode"}));
  EXPECT_EQ(refusal([] { reject_unknown_args({{"nmae", "x"}}, {"name"}); }),
            Refusal("bad_request", "unknown argument \"nmae\""));
}

TEST(Commands, GuestAttachWithAndWithoutDescription) {
  const auto plain = parse_guest_attach_args({{"name", "vm1"}});
  EXPECT_EQ(plain.name, "vm1");
  EXPECT_FALSE(plain.description);
  EXPECT_FALSE(plain.last_sequence);
  EXPECT_FALSE(plain.port);

  const auto full = parse_guest_attach_args({{"name", "vm9"},
                                             {"mac", "52:54:00:12:34:56"},
                                             {"home_address", "2001:db8:a::9"},
                                             {"home_site", "paris"},
                                             {"last_sequence", 4711},
                                             {"port", "vnet3"}});
  ASSERT_TRUE(full.description);
  EXPECT_EQ(full.description->mac.to_string(), "52:54:00:12:34:56");
  EXPECT_EQ(full.description->home_address.to_string(), "2001:db8:a::9");
  EXPECT_EQ(full.description->home_site, "paris");
  EXPECT_EQ(full.last_sequence, 4711);
  EXPECT_EQ(full.port, "vnet3");

  EXPECT_EQ(refusal([] {
              parse_guest_attach_args({{"name", "vm9"}, {"mac", "52:54:00:12:34:56"}});
            }).first,
            "bad_request");
  EXPECT_EQ(refusal([] { parse_guest_attach_args({{"name", "vm9"}, {"colour", "red"}}); }).first,
            "bad_request");
}

TEST(Commands, GuestAttachTakesTheLearnedAddressesOfThePreviousHost) {
  const auto parsed = parse_guest_attach_args(nlohmann::json::parse(R"({"name": "vm1", "learned_addresses": [
      {"address": "2001:db8:a::beef", "last_sequence": 7}, {"address": "2001:db8:a::cafe"}]})"));
  ASSERT_EQ(parsed.learned_addresses.size(), 2u);
  EXPECT_EQ(parsed.learned_addresses[0].address.to_string(), "2001:db8:a::beef");
  EXPECT_EQ(parsed.learned_addresses[0].last_sequence, 7);
  EXPECT_FALSE(parsed.learned_addresses[1].last_sequence);
  EXPECT_TRUE(parse_guest_attach_args({{"name", "vm1"}}).learned_addresses.empty());
  for (const char* bad : {R"({"name": "vm1", "learned_addresses": "2001:db8:a::beef"})",
                          R"({"name": "vm1", "learned_addresses": ["2001:db8:a::beef"]})",
                          R"({"name": "vm1", "learned_addresses": [{"address": "nonsense"}]})",
                          R"({"name": "vm1", "learned_addresses": [{"address": "2001:db8:a::1", "last_sequence": 70000}]})",
                          R"({"name": "vm1", "learned_addresses": [{"address": "2001:db8:a::1", "colour": 1}]})"}) {
    const auto why = refusal([&] { parse_guest_attach_args(nlohmann::json::parse(bad)); });
    EXPECT_TRUE(why.first == "invalid_argument" || why.first == "bad_request") << bad << ": " << why.first;
  }
  nlohmann::json too_many = {{"name", "vm1"}, {"learned_addresses", nlohmann::json::array()}};
  for (int i = 0; i < 65; ++i) too_many["learned_addresses"].push_back({{"address", "2001:db8:a::" + std::to_string(i + 1)}});
  EXPECT_EQ(refusal([&] { parse_guest_attach_args(too_many); }).first, "invalid_argument");
}

TEST(Commands, GuestDetachNeedsAKnownMode) {
  EXPECT_EQ(parse_guest_detach_args({{"name", "vm1"}, {"mode", "stopped"}}).mode, DetachMode::stopped);
  EXPECT_EQ(parse_guest_detach_args({{"name", "vm1"}, {"mode", "moved"}}).mode, DetachMode::moved);
  EXPECT_EQ(refusal([] { parse_guest_detach_args({{"name", "vm1"}}); }).first, "bad_request");
  EXPECT_EQ(refusal([] { parse_guest_detach_args({{"name", "vm1"}, {"mode", "gone"}}); }),
            Refusal(
                "invalid_argument",
                "argument \"mode\" must be one of \"moved\", \"stopped\", got \"gone\""));
}

TEST(Commands, GuestResumeTimestamp) {
  EXPECT_FALSE(parse_guest_resume_args({{"name", "vm1"}}).timestamp);
  const auto resumed = parse_guest_resume_args({{"name", "vm1"}, {"timestamp", 1700000000.5}});
  ASSERT_TRUE(resumed.timestamp);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(resumed.timestamp->time_since_epoch()),
            std::chrono::milliseconds(1700000000500));
  EXPECT_EQ(refusal([] { parse_guest_resume_args({{"name", "vm1"}, {"timestamp", -1}}); }).first,
            "invalid_argument");
  EXPECT_EQ(refusal([] { parse_guest_resume_args({{"name", "vm1"}, {"timestamp", 1e300}}); }).first,
            "invalid_argument");
  EXPECT_EQ(refusal([] { parse_guest_resume_args({{"name", "vm1"}, {"timestamp", "now"}}); }).first,
            "bad_request");
}

TEST(Commands, GuestPauseTimestampAndGuestMigrating) {
  EXPECT_FALSE(parse_guest_pause_args({{"name", "vm1"}}).timestamp);
  const auto paused = parse_guest_pause_args({{"name", "vm1"}, {"timestamp", 1700000000.25}});
  EXPECT_EQ(paused.name, "vm1");
  ASSERT_TRUE(paused.timestamp);
  // A double holds it to within a microsecond.
  EXPECT_EQ(std::chrono::round<std::chrono::microseconds>(paused.timestamp->time_since_epoch()),
            std::chrono::microseconds(1700000000250000));
  EXPECT_EQ(refusal([] { parse_guest_pause_args({{"name", "vm1"}, {"timestamp", -1}}); }).first,
            "invalid_argument");
  EXPECT_EQ(refusal([] { parse_guest_pause_args({{"name", "vm1"}, {"stopped", 1}}); }).first,
            "bad_request");
  EXPECT_EQ(parse_guest_migrating_args({{"name", "vm1"}}), "vm1");
  EXPECT_EQ(refusal([] { parse_guest_migrating_args({{"name", "vm1"}, {"timestamp", 1}}); }).first,
            "bad_request");
  EXPECT_EQ(refusal([] { parse_guest_migrating_args(nlohmann::json::object()); }).first, "bad_request");
}

TEST(Commands, BindingShowAndNoArgs) {
  EXPECT_EQ(parse_binding_show_args({{"home_address", "2001:db8::9"}}).home_address.to_string(),
            "2001:db8::9");
  EXPECT_EQ(refusal([] { parse_binding_show_args(json::object()); }).first, "bad_request");
  EXPECT_NO_THROW(parse_no_args(json::object()));
  EXPECT_EQ(refusal([] { parse_no_args({{"verbose", true}}); }).first, "bad_request");
}

}  // namespace
}  // namespace roam6::mip6d::control
