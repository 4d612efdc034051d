#pragma once
// roam6-decode's engine: turns one frame into a JSON object describing every
// layer the wire library understands. All parsing is the library's
// (roam6_wire); this file only calls its views, decoders and checks and
// writes down what they say, including every typed error (wire::Errc).
//
// The JSON field names are stable (tests and scripts read them); the human
// form (human_format.hpp) is rendered from the same object so the two forms
// never disagree.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "roam6/wire/bytes.hpp"

namespace roam6::tools {

using Json = nlohmann::ordered_json;

enum class LinkType : std::uint8_t { ethernet, ipv6 };

struct FrameInfo {
  std::uint64_t number = 1;  // 1-based
  std::optional<std::string> timestamp;  // "seconds.microseconds" from a capture
  std::optional<std::uint32_t> original_length;  // when the capture truncated the frame
};

// One frame: Ethernet (+VLAN) when link is ethernet, then the IPv6 packet.
// Never throws for malformed input; problems land in "errors".
Json decode_frame(roam6::wire::ByteSpan frame, LinkType link, const FrameInfo& info);

// One IPv6 packet (the "ipv6", "extensions", upper-layer and "errors" keys).
// depth counts nesting (tunnelled packets, invoking packets of ICMPv6 errors).
Json decode_ipv6_packet(roam6::wire::ByteSpan packet, unsigned depth = 0);

}  // namespace roam6::tools
