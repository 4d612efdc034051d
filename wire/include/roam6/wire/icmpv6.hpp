#pragma once
// ICMPv6 (RFC 4443): a view over any message, typed views over the echo and
// error messages, and builders that write a whole IPv6 packet (fixed header
// plus ICMPv6 message with its checksum) into the caller's buffer.
//
// Views take the ICMPv6 message alone (from the Type octet to the end of the
// IPv6 payload): the caller has already walked the extension chain.

#include <cstddef>
#include <cstdint>

#include "roam6/wire/address.hpp"
#include "roam6/wire/bytes.hpp"
#include "roam6/wire/ipv6.hpp"
#include "roam6/wire/result.hpp"

namespace roam6::wire {

namespace icmpv6_type {
// Error messages (high-order bit clear), RFC 4443 section 3.
inline constexpr std::uint8_t destination_unreachable = 1;
inline constexpr std::uint8_t packet_too_big = 2;
inline constexpr std::uint8_t time_exceeded = 3;
inline constexpr std::uint8_t parameter_problem = 4;
// Informational messages, RFC 4443 section 4.
inline constexpr std::uint8_t echo_request = 128;
inline constexpr std::uint8_t echo_reply = 129;
// Neighbour Discovery, RFC 4861 section 4.
inline constexpr std::uint8_t router_solicitation = 133;
inline constexpr std::uint8_t router_advertisement = 134;
inline constexpr std::uint8_t neighbour_solicitation = 135;
inline constexpr std::uint8_t neighbour_advertisement = 136;
inline constexpr std::uint8_t redirect = 137;
}  // namespace icmpv6_type

namespace destination_unreachable_code {
inline constexpr std::uint8_t no_route = 0;
inline constexpr std::uint8_t administratively_prohibited = 1;
inline constexpr std::uint8_t beyond_scope_of_source = 2;
inline constexpr std::uint8_t address_unreachable = 3;
inline constexpr std::uint8_t port_unreachable = 4;
inline constexpr std::uint8_t source_address_failed_policy = 5;
inline constexpr std::uint8_t reject_route = 6;
}  // namespace destination_unreachable_code

namespace time_exceeded_code {
inline constexpr std::uint8_t hop_limit_exceeded = 0;
inline constexpr std::uint8_t reassembly_time_exceeded = 1;
}  // namespace time_exceeded_code

namespace parameter_problem_code {
inline constexpr std::uint8_t erroneous_header_field = 0;
inline constexpr std::uint8_t unrecognised_next_header = 1;
inline constexpr std::uint8_t unrecognised_option = 2;
}  // namespace parameter_problem_code

// Type, Code, Checksum.
inline constexpr std::size_t icmpv6_header_size = 4;
// Echo messages and error messages both carry one more 32-bit word.
inline constexpr std::size_t icmpv6_echo_header_size = 8;
inline constexpr std::size_t icmpv6_error_header_size = 8;
// RFC 4443 section 2.4 (c): an error message carries as much of the invoking
// packet as fits without the error packet exceeding the IPv6 minimum MTU.
inline constexpr std::size_t icmpv6_error_max_invoking_bytes =
    ipv6_minimum_mtu - ipv6_header_size - icmpv6_error_header_size;

class Icmpv6View {
 public:
  // Needs the 4-byte header; the checksum is not verified here because it
  // covers the IPv6 pseudo-header (see checksum_valid and parse_icmpv6).
  static Result<Icmpv6View> parse(ByteSpan message) noexcept;

  Icmpv6View() = default;

  [[nodiscard]] std::uint8_t type() const noexcept { return message_[0]; }
  [[nodiscard]] std::uint8_t code() const noexcept { return message_[1]; }
  [[nodiscard]] std::uint16_t checksum() const noexcept { return load_be16(message_.data() + 2); }
  // Everything after the checksum.
  [[nodiscard]] ByteSpan body() const noexcept { return message_.subspan(icmpv6_header_size); }
  [[nodiscard]] ByteSpan message() const noexcept { return message_; }
  [[nodiscard]] bool is_error() const noexcept { return type() < 128; }
  // src/dst are the pseudo-header addresses: normally the IPv6 header's, but
  // the home address when a Home Address option is present (RFC 6275 6.3).
  [[nodiscard]] bool checksum_valid(const Ip6Addr& src, const Ip6Addr& dst) const noexcept;

 private:
  explicit Icmpv6View(ByteSpan message) noexcept : message_(message) {}
  ByteSpan message_;
};

// Parse plus checksum check against ip's own source and destination.
// Errors: truncated_icmpv6, bad_icmpv6_checksum.
Result<Icmpv6View> parse_icmpv6(const Ipv6View& ip, ByteSpan message) noexcept;

// Echo Request (128) or Echo Reply (129), RFC 4443 section 4. The Code is not
// checked: the RFC gives receivers no rule for a non-zero one.
class EchoView {
 public:
  // Errors: wrong_icmpv6_type, truncated_icmpv6.
  static Result<EchoView> parse(const Icmpv6View& icmp) noexcept;

  EchoView() = default;

  [[nodiscard]] bool is_request() const noexcept { return message_[0] == icmpv6_type::echo_request; }
  [[nodiscard]] std::uint16_t identifier() const noexcept { return load_be16(message_.data() + 4); }
  [[nodiscard]] std::uint16_t sequence() const noexcept { return load_be16(message_.data() + 6); }
  [[nodiscard]] ByteSpan data() const noexcept { return message_.subspan(icmpv6_echo_header_size); }

 private:
  explicit EchoView(ByteSpan message) noexcept : message_(message) {}
  ByteSpan message_;
};

// What the four error messages share: Code, one 32-bit word whose meaning
// depends on the type, and the (possibly truncated) invoking packet.
class Icmpv6ErrorView {
 public:
  Icmpv6ErrorView() = default;

  [[nodiscard]] std::uint8_t code() const noexcept { return message_[1]; }
  // As much of the packet that caused the error as the sender fitted in; its
  // IPv6 payload length may exceed what is present.
  [[nodiscard]] ByteSpan invoking_packet() const noexcept {
    return message_.subspan(icmpv6_error_header_size);
  }

 protected:
  // Errors: wrong_icmpv6_type, truncated_icmpv6.
  static Errc check(const Icmpv6View& icmp, std::uint8_t type) noexcept;
  explicit Icmpv6ErrorView(ByteSpan message) noexcept : message_(message) {}
  [[nodiscard]] std::uint32_t word() const noexcept { return load_be32(message_.data() + 4); }

 private:
  ByteSpan message_;
};

class DestinationUnreachableView : public Icmpv6ErrorView {
 public:
  static Result<DestinationUnreachableView> parse(const Icmpv6View& icmp) noexcept;
  DestinationUnreachableView() = default;

 private:
  using Icmpv6ErrorView::Icmpv6ErrorView;
};

class PacketTooBigView : public Icmpv6ErrorView {
 public:
  static Result<PacketTooBigView> parse(const Icmpv6View& icmp) noexcept;
  PacketTooBigView() = default;

  // As sent, which may be below the IPv6 minimum link MTU.
  [[nodiscard]] std::uint32_t mtu() const noexcept { return word(); }
  // RFC 8201 section 4: a node never lowers its Path MTU estimate below 1280.
  [[nodiscard]] std::uint32_t path_mtu_estimate() const noexcept {
    return mtu() < ipv6_minimum_mtu ? ipv6_minimum_mtu : mtu();
  }

 private:
  using Icmpv6ErrorView::Icmpv6ErrorView;
};

class TimeExceededView : public Icmpv6ErrorView {
 public:
  static Result<TimeExceededView> parse(const Icmpv6View& icmp) noexcept;
  TimeExceededView() = default;

 private:
  using Icmpv6ErrorView::Icmpv6ErrorView;
};

class ParameterProblemView : public Icmpv6ErrorView {
 public:
  static Result<ParameterProblemView> parse(const Icmpv6View& icmp) noexcept;
  ParameterProblemView() = default;

  // Octet offset into the invoking packet where the problem was found; may
  // point past what the message carries.
  [[nodiscard]] std::uint32_t pointer() const noexcept { return word(); }

 private:
  using Icmpv6ErrorView::Icmpv6ErrorView;
};

// ---------------------------------------------------------------------------
// Builders. Each writes the fixed IPv6 header (next header 58, no extension
// headers) followed by the ICMPv6 message with its checksum, and returns the
// packet length.

struct Icmpv6Envelope {
  Ip6Addr src;
  Ip6Addr dst;
  std::uint8_t hop_limit = 64;
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;  // 20 bits
};

// `data` may overlap `out` (an in-place reply keeps the data where it was).
// Errors: buffer_too_small, value_out_of_range (flow label, or a message over
// 65535 bytes).
Result<std::size_t> write_echo_request(MutableByteSpan out, const Icmpv6Envelope& envelope,
                                       std::uint16_t identifier, std::uint16_t sequence,
                                       ByteSpan data) noexcept;
Result<std::size_t> write_echo_reply(MutableByteSpan out, const Icmpv6Envelope& envelope,
                                     std::uint16_t identifier, std::uint16_t sequence,
                                     ByteSpan data) noexcept;

// Error message of type 1-4 carrying the first
// min(invoking.size(), icmpv6_error_max_invoking_bytes) bytes of `invoking`,
// so the packet never exceeds 1280 bytes. `word` is the MTU (type 2), the
// pointer (type 4) or zero. `invoking` may overlap `out` (an error can be
// built over the packet that caused it).
// Errors: value_out_of_range (type not 1-4, flow label), buffer_too_small.
Result<std::size_t> write_icmpv6_error(MutableByteSpan out, const Icmpv6Envelope& envelope,
                                       std::uint8_t type, std::uint8_t code, std::uint32_t word,
                                       ByteSpan invoking) noexcept;

Result<std::size_t> write_destination_unreachable(MutableByteSpan out,
                                                  const Icmpv6Envelope& envelope,
                                                  std::uint8_t code, ByteSpan invoking) noexcept;
// Refuses an MTU below 1280 (value_out_of_range): no IPv6 link has one, and
// RFC 8201 receivers ignore such values anyway.
Result<std::size_t> write_packet_too_big(MutableByteSpan out, const Icmpv6Envelope& envelope,
                                         std::uint32_t mtu, ByteSpan invoking) noexcept;
Result<std::size_t> write_time_exceeded(MutableByteSpan out, const Icmpv6Envelope& envelope,
                                        std::uint8_t code, ByteSpan invoking) noexcept;
Result<std::size_t> write_parameter_problem(MutableByteSpan out, const Icmpv6Envelope& envelope,
                                            std::uint8_t code, std::uint32_t pointer,
                                            ByteSpan invoking) noexcept;

// For builders of other ICMPv6 messages (Neighbour Discovery): writes the
// IPv6 header for an ICMPv6 message of `icmp_length` bytes, checking that
// `out` can hold header and message. Errors: buffer_too_small,
// value_out_of_range.
Result<std::size_t> write_icmpv6_ipv6_header(MutableByteSpan out, const Icmpv6Envelope& envelope,
                                             std::size_t icmp_length) noexcept;
// Computes and stores the checksum of the ICMPv6 message that directly follows
// the fixed header of `packet` (header as written by write_icmpv6_ipv6_header).
void fill_icmpv6_checksum(MutableByteSpan packet) noexcept;

}  // namespace roam6::wire
