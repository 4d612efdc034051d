#pragma once
// The fixed IPv6 header (RFC 8200 section 3): a read-only view and a builder.

#include <cstdint>

#include "roam6/wire/address.hpp"
#include "roam6/wire/bytes.hpp"
#include "roam6/wire/result.hpp"

namespace roam6::wire {

namespace ipproto {
inline constexpr std::uint8_t hop_by_hop = 0;
inline constexpr std::uint8_t tcp = 6;
inline constexpr std::uint8_t udp = 17;
inline constexpr std::uint8_t ipv6 = 41;
inline constexpr std::uint8_t routing = 43;
inline constexpr std::uint8_t fragment = 44;
inline constexpr std::uint8_t esp = 50;
inline constexpr std::uint8_t ah = 51;
inline constexpr std::uint8_t icmpv6 = 58;
inline constexpr std::uint8_t no_next_header = 59;
inline constexpr std::uint8_t destination_options = 60;
inline constexpr std::uint8_t mobility = 135;
}  // namespace ipproto

inline constexpr std::size_t ipv6_header_size = 40;
inline constexpr std::uint32_t ipv6_minimum_mtu = 1280;

class Ipv6View {
 public:
  // Checks version 6, a complete fixed header, and that payload_length fits in
  // the buffer. Bytes after payload_length (link-layer padding) are ignored.
  // Inline: it runs first on every packet and is a handful of instructions.
  static Result<Ipv6View> parse(ByteSpan buffer) noexcept {
    if (buffer.size() < ipv6_header_size) [[unlikely]]
      return Errc::truncated_ipv6_header;
    const std::uint8_t* p = buffer.data();
    if ((p[0] >> 4) != 6) [[unlikely]]
      return Errc::bad_ip_version;
    const std::uint16_t payload_length = load_be16(p + 4);
    // Payload length 0 with a Hop-by-Hop header means a jumbogram (RFC 2675);
    // roam6 links never carry them. Payload length 0 otherwise is a bare
    // header.
    if (payload_length == 0 && p[6] == ipproto::hop_by_hop) [[unlikely]]
      return Errc::jumbogram_unsupported;
    if (buffer.size() - ipv6_header_size < payload_length) [[unlikely]]
      return Errc::payload_length_exceeds_buffer;
    return Ipv6View(p);
  }

  Ipv6View() = default;

  [[nodiscard]] std::uint8_t traffic_class() const noexcept {
    return static_cast<std::uint8_t>((load_be16(p_) >> 4) & 0xff);
  }
  [[nodiscard]] std::uint32_t flow_label() const noexcept { return load_be32(p_) & 0xfffff; }
  [[nodiscard]] std::uint16_t payload_length() const noexcept { return load_be16(p_ + 4); }
  [[nodiscard]] std::uint8_t next_header() const noexcept { return p_[6]; }
  [[nodiscard]] std::uint8_t hop_limit() const noexcept { return p_[7]; }
  [[nodiscard]] Ip6Addr src() const noexcept { return Ip6Addr::from_bytes(p_ + 8); }
  [[nodiscard]] Ip6Addr dst() const noexcept { return Ip6Addr::from_bytes(p_ + 24); }
  [[nodiscard]] const std::uint8_t* src_bytes() const noexcept { return p_ + 8; }
  [[nodiscard]] const std::uint8_t* dst_bytes() const noexcept { return p_ + 24; }

  // Header plus exactly payload_length bytes.
  [[nodiscard]] ByteSpan packet() const noexcept { return {p_, ipv6_header_size + payload_length()}; }
  [[nodiscard]] ByteSpan payload() const noexcept { return {p_ + ipv6_header_size, payload_length()}; }

 private:
  explicit Ipv6View(const std::uint8_t* p) noexcept : p_(p) {}
  const std::uint8_t* p_ = nullptr;
};

struct Ipv6Fields {
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;  // 20 bits
  std::uint16_t payload_length = 0;
  std::uint8_t next_header = ipproto::no_next_header;
  std::uint8_t hop_limit = 64;
  Ip6Addr src;
  Ip6Addr dst;
};

// Writes 40 bytes. Errors: buffer_too_small, value_out_of_range (flow label).
// Inline, so a builder's Ipv6Fields (two addresses) is not copied for it.
inline Result<std::size_t> write_ipv6_header(MutableByteSpan out, const Ipv6Fields& f) noexcept {
  if (out.size() < ipv6_header_size) return Errc::buffer_too_small;
  if (f.flow_label > 0xfffff) return Errc::value_out_of_range;
  std::uint8_t* p = out.data();
  store_be32(p, (6u << 28) | (std::uint32_t{f.traffic_class} << 20) | f.flow_label);
  store_be16(p + 4, f.payload_length);
  p[6] = f.next_header;
  p[7] = f.hop_limit;
  f.src.write_to(p + 8);
  f.dst.write_to(p + 24);
  return ipv6_header_size;
}

}  // namespace roam6::wire
