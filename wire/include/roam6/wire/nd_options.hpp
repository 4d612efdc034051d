#pragma once
// Neighbour Discovery options (RFC 4861 section 4.6): a validated TLV sequence
// to iterate, decoders for the options roam6 uses, and a one-pass decode into
// a fixed-size set. No allocation anywhere.

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>

#include "roam6/wire/address.hpp"
#include "roam6/wire/bytes.hpp"
#include "roam6/wire/result.hpp"

namespace roam6::wire {

namespace nd_option_type {
inline constexpr std::uint8_t source_link_layer_address = 1;
inline constexpr std::uint8_t target_link_layer_address = 2;
inline constexpr std::uint8_t prefix_information = 3;
inline constexpr std::uint8_t redirected_header = 4;
inline constexpr std::uint8_t mtu = 5;
}  // namespace nd_option_type

// The Length field counts 8-octet units, type and length included.
inline constexpr std::size_t nd_option_unit = 8;
// Ethernet link-layer address options are one unit (RFC 2464 section 8).
inline constexpr std::size_t link_layer_address_option_size = 8;
inline constexpr std::size_t prefix_information_option_size = 32;
inline constexpr std::size_t mtu_option_size = 8;

struct NdOption {
  std::uint8_t type = 0;
  ByteSpan bytes;  // the whole option, Type and Length included
};

// A sequence of options whose framing has been checked, so iteration cannot
// fail. Unknown types are kept: the caller skips them (RFC 4861 section 4.4,
// "Receivers MUST silently ignore any options they do not recognize").
class NdOptions {
 public:
  // Errors: truncated_nd_option (fewer than 2 bytes left for a header),
  // zero_length_nd_option (RFC 4861 4.6: such a packet MUST be discarded),
  // nd_option_exceeds_message.
  static Result<NdOptions> parse(ByteSpan options) noexcept;

  NdOptions() = default;

  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = NdOption;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = NdOption;

    Iterator() = default;
    NdOption operator*() const noexcept {
      return {rest_[0], rest_.first(std::size_t{rest_[1]} * nd_option_unit)};
    }
    Iterator& operator++() noexcept {
      rest_ = rest_.subspan(std::size_t{rest_[1]} * nd_option_unit);
      return *this;
    }
    Iterator operator++(int) noexcept {
      Iterator old = *this;
      ++*this;
      return old;
    }
    friend bool operator==(const Iterator& a, const Iterator& b) noexcept {
      return a.rest_.data() == b.rest_.data() && a.rest_.size() == b.rest_.size();
    }

   private:
    friend class NdOptions;
    explicit Iterator(ByteSpan rest) noexcept : rest_(rest) {}
    ByteSpan rest_;
  };

  [[nodiscard]] Iterator begin() const noexcept { return Iterator(bytes_); }
  [[nodiscard]] Iterator end() const noexcept { return Iterator(bytes_.last(0)); }
  [[nodiscard]] ByteSpan bytes() const noexcept { return bytes_; }
  [[nodiscard]] bool empty() const noexcept { return bytes_.empty(); }

 private:
  explicit NdOptions(ByteSpan bytes) noexcept : bytes_(bytes) {}
  ByteSpan bytes_;
};

struct PrefixInformation {
  // Host bits are cleared on decode and before writing (the RFC reserves
  // them and tells receivers to ignore them).
  Ip6Prefix prefix;
  bool on_link = true;     // L
  bool autonomous = true;  // A
  // The other six bits of that octet (Reserved1 in RFC 4861; later RFCs
  // assign some of them), right-aligned as on the wire.
  std::uint8_t other_flags = 0;
  // Seconds, 0xffffffff = infinity. Defaults are RFC 4861 6.2.1's
  // AdvValidLifetime (30 days) and AdvPreferredLifetime (7 days).
  std::uint32_t valid_lifetime = 2592000;
  std::uint32_t preferred_lifetime = 604800;
};

inline constexpr std::uint32_t infinite_lifetime = 0xffffffff;

// Source/Target Link-layer Address option for Ethernet.
// Errors: bad_nd_option_length (not one unit).
Result<MacAddr> decode_link_layer_address(const NdOption& option) noexcept;
// Errors: bad_nd_option_length (not 4 units), bad_nd_prefix_length (> 128).
Result<PrefixInformation> decode_prefix_information(const NdOption& option) noexcept;
// Errors: bad_nd_option_length (not one unit).
Result<std::uint32_t> decode_mtu_option(const NdOption& option) noexcept;

// Which defined options a message uses. RFC 4861 says the others "MUST be
// ignored" in that message, so they are neither decoded nor checked.
struct NdOptionUse {
  bool source_link_layer = false;
  bool target_link_layer = false;
  bool prefix_information = false;
  bool mtu = false;
};

// Router Advertisements rarely carry more than a couple of prefixes; further
// ones are counted, and callers that need them iterate NdOptions.
inline constexpr std::size_t max_stored_prefix_information = 8;

struct NdOptionSet {
  // When an option repeats, the first one counts and later ones are ignored.
  std::optional<MacAddr> source_link_layer;
  std::optional<MacAddr> target_link_layer;
  std::optional<std::uint32_t> mtu;
  std::array<PrefixInformation, max_stored_prefix_information> prefix_storage{};
  std::uint8_t prefix_count = 0;
  // Valid Prefix Information options beyond max_stored_prefix_information.
  std::uint16_t prefixes_not_stored = 0;

  [[nodiscard]] std::span<const PrefixInformation> prefixes() const noexcept {
    return {prefix_storage.data(), prefix_count};
  }
};

// One pass over `options`, decoding the types `use` selects (decoder errors
// are returned: roam6 refuses a message with a malformed option it uses
// instead of acting on half of it) and skipping everything else.
Result<NdOptionSet> decode_nd_options(const NdOptions& options, NdOptionUse use) noexcept;

// Builders. Each returns the bytes written. Errors: buffer_too_small;
// value_out_of_range for a prefix length above 128 or a preferred lifetime
// above the valid lifetime (RFC 4861 4.6.2: it "MUST NOT exceed" it).
Result<std::size_t> write_link_layer_address_option(MutableByteSpan out, std::uint8_t type,
                                                    const MacAddr& mac) noexcept;
Result<std::size_t> write_prefix_information_option(MutableByteSpan out,
                                                    const PrefixInformation& info) noexcept;
Result<std::size_t> write_mtu_option(MutableByteSpan out, std::uint32_t mtu) noexcept;

}  // namespace roam6::wire
